/**
 * The solver of the convex program (MATH.md §4), written once as a generator that yields its
 * large products (X̃·Zd and X̃ᵀ·(mask ∘ r)) so a synchronous driver (plain JS) and an asynchronous
 * one (MatmulKernel: onnxruntime or JS by size) run the same algorithm.
 *
 * Algorithm (why): accelerated proximal gradient (FISTA with gradient-based adaptive restart,
 * O'Donoghue–Candès) with the EXACT block prox: for the full norm,
 *   prox_{tβ‖·‖ + ι_K}(g) = (1 − tβ/‖Π_K g‖)_+ Π_K g
 * (Moreau: g − Π_K g ∈ K° is orthogonal to Π_K g and normal to K there), so iterates land exactly
 * on faces of the pattern cones and exactly at zero for unused blocks — the finite identification
 * that the Newton finish (polish.ts) needs. (scnn's augmented Lagrangian handles the cones by
 * multipliers instead, and only approaches the faces.) Free hidden bias: the prox of β‖z_u‖ + ι_K
 * has no closed form; proximal Dykstra iterations compute it.
 *
 * Problems small enough for dense Newton start with a working set instead (polish.ts from the empty
 * support: blocks enter by the per-pattern cone oracle, each restricted problem is solved exactly),
 * which on the small cases reaches machine precision before FISTA runs at all; FISTA (with periodic
 * polish) takes over when it does not finish. Every claim of accuracy comes from the sound dual
 * bound (bound.ts), never from the solver's own view.
 */
import { SAFETY_STOP_REASON } from '../problem/safetyStop';
import { type Mat, zeros } from '../linalg/mat';
import { makeRng, gaussian } from '../random';
import type { ProductRequest, Program } from './problem';
import { blockNorm, diffMatrix, fitFromQ, maskedResidual, objectiveOf } from './problem';
import { projectCone } from '../linalg/cone';
import { polish, POLISH_MAX_VARS } from './polish';
import { lowerBoundGen } from './bound';
import { extrapolate, fistaMomentum } from '../linalg/fista';

export interface CoreOptions {
  relTol: number;
  maxIterations: number;
  /**
   * Newton-polish rounds allowed in all (the working set's and FISTA's periodic polishes together): a
   * work budget, so a capped solve stops at the same point on every machine (default: no cap beyond
   * WORKING_SET_ROUNDS and FISTA_POLISH_ROUNDS per call)
   */
  maxPolishRounds?: number;
  /** wall-clock SAFETY limit only (ms): when it fires the result says so (stopReason SAFETY_STOP_REASON) */
  timeBudgetMs: number;
  shouldStop?: () => boolean;
}

/** stopReason when the wall-clock safety limit fired: the only stop that depends on the machine's speed. */

export interface CoreResult {
  Z: Float64Array;
  b: number;
  programValue: number;
  lowerBound: number;
  relGap: number;
  converged: boolean;
  iterations: number;
  polishRounds: number;
  stopReason: string;
  lipschitz: number;
}

/** Power iterations for the step size, and the safety factor on the estimate (it converges from below). */
export const POWER_ITERATIONS = 15;
export const STEP_SAFETY = 1.2;
/** Rounds of the working-set start (each adds the most violating blocks, polish.ts ENTER_MIN_BLOCKS or more, and re-solves exactly). */
export const WORKING_SET_ROUNDS = 100;
/** Rounds of each periodic polish inside FISTA (same unit as WORKING_SET_ROUNDS). */
export const FISTA_POLISH_ROUNDS = 30;
/**
 * The working set runs (and FISTA polishes) when all blocks together have at most this many
 * variables (2·patterns·p); past it, FISTA alone. Measured on 2 cores with a 60 s budget, FISTA alone
 * against the working set: n = 1e3, d = 10, 5000 patterns: gap 0.98 against converged in 14 s;
 * n = 1e3, d = 20, 5000 patterns: 0.99 against converged in 60 s; d = 50, 1000 patterns: 0.98
 * against 0.56 (n = 1e3) and 0.97 against 0.69 (n = 1e4). The limit was 6e4 before these runs.
 */
export const WORKING_SET_MAX_BLOCK_VARS = 200 * POLISH_MAX_VARS;
/** Proximal Dykstra iterations for one free-hidden-bias block prox. */
export const DYKSTRA_ITERATIONS = 40;

function optimalOffset(pr: Program, r0: Float64Array): number {
  if (pr.offset === 'none') return 0;
  let s = 0;
  for (const x of r0) s += x;
  return pr.offset === 'free' ? s / pr.n : s / (pr.n + pr.beta);
}

function* forward(pr: Program, Z: Float64Array, b: number): Generator<ProductRequest, Float64Array, Mat> {
  if (pr.P === 0) return new Float64Array(pr.n).fill(b);
  const Q: Mat = yield { a: pr.Xt, b: diffMatrix(pr, Z) };
  return fitFromQ(pr, Q, b);
}

/** Gradient of the smooth part wrt Z (block k = 2i: −G_i, 2i+1: +G_i) from r = y − F. */
function* gradient(pr: Program, r: Float64Array, out: Float64Array): Generator<ProductRequest, void, Mat> {
  if (pr.P === 0) return;
  const G: Mat = yield { a: pr.XtT, b: maskedResidual(pr, r) };
  const { p, P } = pr;
  for (let i = 0; i < P; i++)
    for (let k = 0; k < p; k++) {
      const gk = G.data[k * P + i];
      out[2 * i * p + k] = -gk;
      out[(2 * i + 1) * p + k] = gk;
    }
}

function* estimateLipschitz(pr: Program): Generator<ProductRequest, number, Mat> {
  const { p, P, n } = pr;
  const hasB = pr.offset !== 'none';
  const rng = makeRng(12345);
  const Z = Float64Array.from({ length: 2 * P * p }, () => gaussian(rng));
  let b = hasB ? gaussian(rng) : 0;
  let est = 0;
  const g = new Float64Array(2 * P * p);
  for (let it = 0; it < POWER_ITERATIONS; it++) {
    let nx = 0;
    for (const x of Z) nx += x * x;
    nx += b * b;
    nx = Math.sqrt(nx);
    if (!(nx > 0)) break;
    for (let t = 0; t < Z.length; t++) Z[t] /= nx;
    b /= nx;
    const F = yield* forward(pr, Z, b);
    let ax = 0;
    for (const f of F) ax += f * f;
    est = Math.max(est, ax); // ‖Ax‖² for unit x: a Rayleigh quotient of AᵀA
    // AᵀA x: gradient of ½‖Ax‖² is −Aᵀ(−F)
    yield* gradient(pr, Float64Array.from(F, (f) => -f), g);
    Z.set(g);
    if (hasB) {
      let s = 0;
      for (const f of F) s += f;
      b = s;
    }
  }
  if (!(est > 0)) est = n;
  return est;
}

/** Exact prox of tβ‖P·‖ + ι_K for one block, written into Z (and its passive set into warm). */
function proxBlock(pr: Program, k: number, g: Float64Array, tb: number, warm: number[][], out: Float64Array, base?: Float64Array): void {
  const p = pr.p, o = k * p, D = pr.patterns[k >> 1];
  let gn = 0;
  for (let t = 0; t < p; t++) gn += g[t] * g[t];
  gn = Math.sqrt(gn);
  if (!pr.freeBias) {
    if (gn <= tb) {
      out.fill(0, o, o + p);
      return;
    }
    const pj = projectCone(pr.Xt, D, g, 1, warm[k], base, tb);
    if (pj.early) {
      // ‖Π_K g‖ ≤ tβ: the prox is 0
      out.fill(0, o, o + p);
      return;
    }
    warm[k] = pj.active;
    let zn = 0;
    for (let t = 0; t < p; t++) zn += pj.z[t] * pj.z[t];
    zn = Math.sqrt(zn);
    const c = zn > tb ? 1 - tb / zn : 0;
    for (let t = 0; t < p; t++) out[o + t] = c * pj.z[t];
    return;
  }
  // proximal Dykstra for prox_{f+h}: f = ι_K (projection), h = tβ‖z_u‖ (partial shrink)
  let x: Float64Array = Float64Array.from(g);
  const pp = new Float64Array(p), qq = new Float64Array(p);
  const y = new Float64Array(p);
  const pen = p - 1;
  for (let it = 0; it < DYKSTRA_ITERATIONS; it++) {
    for (let t = 0; t < p; t++) y[t] = x[t] + pp[t];
    let un = 0;
    for (let t = 0; t < pen; t++) un += y[t] * y[t];
    un = Math.sqrt(un);
    const c = un > tb ? 1 - tb / un : 0;
    for (let t = 0; t < pen; t++) y[t] *= c;
    for (let t = 0; t < p; t++) pp[t] = x[t] + pp[t] - y[t];
    const arg = Float64Array.from(y, (v, t) => v + qq[t]);
    const pj = projectCone(pr.Xt, D, arg, 1, warm[k]);
    warm[k] = pj.active;
    let change = 0;
    for (let t = 0; t < p; t++) {
      qq[t] = arg[t] - pj.z[t];
      change = Math.max(change, Math.abs(pj.z[t] - x[t]));
    }
    x = pj.z;
    if (change <= 1e-15 * (gn + 1e-300)) break;
  }
  for (let t = 0; t < p; t++) out[o + t] = x[t];
}

export function* solveCore(pr: Program, opts: CoreOptions): Generator<ProductRequest, CoreResult, Mat> {
  const { p, P, beta } = pr;
  const K = 2 * P;
  // the wall clock is only the outer safety stop: every other stop counts work (iterations, rounds)
  const safetyDeadline = Date.now() + opts.timeBudgetMs;
  let roundsLeft = opts.maxPolishRounds ?? Infinity;
  const hasB = pr.offset !== 'none';
  let x = new Float64Array(K * p);
  let b = optimalOffset(pr, pr.y);
  let yZ = Float64Array.from(x), yb = b;
  let theta = 1;
  const grad = new Float64Array(K * p);
  const warm: number[][] = Array.from({ length: K }, () => []);
  let boundWarm: number[][] | undefined;
  let best = { Z: Float64Array.from(x), b, obj: Infinity, r: new Float64Array(pr.n) };
  let lower = -Infinity;
  let iterations = 0, polishRounds = 0;
  let stopReason = 'iteration limit';
  let converged = false;
  let nextPolish = 40;
  let lastSupport = '';
  let checks = 0;
  const gapOf = () => (best.obj > 0 ? Math.max(0, (best.obj - lower) / best.obj) : best.obj - lower <= 0 ? 0 : Infinity);
  const consider = (Z: Float64Array, bb: number, r: Float64Array) => {
    const obj = objectiveOf(pr, r, Z, bb);
    if (obj < best.obj) best = { Z: Float64Array.from(Z), b: bb, obj, r: Float64Array.from(r) };
    return obj;
  };
  const residualOf = (F: Float64Array) => Float64Array.from(pr.y, (yy, j) => yy - F[j]);
  // the starting point (zero network, optimal offset)
  consider(x, b, residualOf(yield* forward(pr, x, b)));
  // the working set's faces and scan passive sets start the bound's projections: at its optimum a
  // support block's face is the passive set of Π_K(g) (n = 1e4, d = 50: the bound's 200 projections
  // otherwise start from the zero network's)
  const warmFrom = (w: Map<number, number[]>) => {
    const old = boundWarm;
    boundWarm = Array.from({ length: K }, (_, k) => w.get(k) ?? old?.[k] ?? []);
  };
  const checkBound = function* (): Generator<ProductRequest, void, Mat> {
    const bd = yield* lowerBoundGen(pr, best.r, boundWarm, safetyDeadline);
    boundWarm = bd.warm;
    if (bd.lowerBound > lower) lower = bd.lowerBound;
  };
  yield* checkBound();
  if (gapOf() <= opts.relTol) {
    converged = true;
    stopReason = 'converged';
  }
  const small = K * p <= WORKING_SET_MAX_BLOCK_VARS;
  const checkEvery = small ? 20 : 10;
  // Working-set start: the polish from the empty support adds the most violating blocks a few at a
  // time and solves each restricted problem exactly (column generation over blocks, like [EP Alg. 1]
  // with the per-pattern cone oracle). FISTA below takes over when that does not finish.
  if (!converged && small && opts.maxIterations > 0 && roundsLeft > 0) {
    const pol = yield* polish(pr, best.Z, best.b, Math.min(WORKING_SET_ROUNDS, roundsLeft), safetyDeadline);
    if (pol) {
      polishRounds += pol.rounds;
      roundsLeft -= pol.rounds;
      warmFrom(pol.warm);
      consider(pol.Z, pol.b, residualOf(yield* forward(pr, pol.Z, pol.b)));
      x = Float64Array.from(best.Z);
      b = best.b;
      yZ = Float64Array.from(x);
      yb = b;
      yield* checkBound();
      if (gapOf() <= opts.relTol) {
        converged = true;
        stopReason = 'converged';
      }
    }
  }
  // FISTA takes over when the working set did not finish (its budget is maxIterations; the working
  // set's rounds and FISTA's polishes share maxPolishRounds): decided by work done, never by the clock
  const runFista = !converged && (P === 0 || Date.now() <= safetyDeadline);
  if (!converged && !runFista) stopReason = SAFETY_STOP_REASON;
  const L = runFista && P > 0 ? (yield* estimateLipschitz(pr)) * STEP_SAFETY : 1;
  let step = 1 / L;
  while (runFista && !converged && iterations < opts.maxIterations) {
    if (opts.shouldStop?.()) {
      stopReason = 'stopped';
      break;
    }
    if (Date.now() > safetyDeadline) {
      stopReason = SAFETY_STOP_REASON;
      break;
    }
    iterations++;
    const Fy = yield* forward(pr, yZ, yb);
    const ry = residualOf(Fy);
    yield* gradient(pr, ry, grad);
    const xn = new Float64Array(K * p);
    // gradient-step points, and X̃ times all of them in one product (the cone scans start from it)
    const Gp = zeros(p, K);
    let need = 0;
    for (let k = 0; k < K; k++) {
      let gn = 0;
      for (let t = 0; t < p; t++) {
        const v = yZ[k * p + t] - step * grad[k * p + t];
        Gp.data[t * K + k] = v;
        gn += v * v;
      }
      if (pr.freeBias || gn > (step * beta) ** 2) need++;
    }
    const C: Mat | null = need > 0 && K > 0 ? yield { a: pr.Xt, b: Gp } : null;
    const g = new Float64Array(p);
    const base = new Float64Array(pr.n);
    let aborted = false;
    for (let k = 0; k < K; k++) {
      if ((k & 31) === 31 && Date.now() > safetyDeadline) {
        // safety limit inside the prox pass: drop this iterate, keep the previous one
        aborted = true;
        break;
      }
      for (let t = 0; t < p; t++) g[t] = Gp.data[t * K + k];
      if (C) for (let j = 0; j < pr.n; j++) base[j] = C.data[j * K + k];
      proxBlock(pr, k, g, step * beta, warm, xn, C ? base : undefined);
    }
    if (aborted) {
      iterations--;
      stopReason = SAFETY_STOP_REASON;
      break;
    }
    let bn = 0;
    if (hasB) {
      let s = 0;
      for (const v of ry) s += v;
      bn = pr.offset === 'free' ? yb + step * s : (yb + step * s) / (1 + step * beta);
    }
    // gradient-based restart: momentum off when it points uphill
    let dotv = (yb - bn) * (bn - b);
    for (let t = 0; t < xn.length; t++) dotv += (yZ[t] - xn[t]) * (xn[t] - x[t]);
    if (dotv > 0) {
      theta = 1;
      yZ = Float64Array.from(xn);
      yb = bn;
    } else {
      const { next, weight } = fistaMomentum(theta);
      theta = next;
      yZ = extrapolate(xn, x, weight);
      yb = bn + weight * (bn - b);
    }
    x = xn;
    b = bn;
    if (iterations % checkEvery !== 0) continue;
    checks++;
    const prevBest = best.obj;
    const r = residualOf(yield* forward(pr, x, b));
    const obj = consider(x, b, r);
    if (obj > prevBest * (1 + 1e-12) + 1e-300 && checks > 1) {
      // monotone safeguard: the step estimate was too long
      step /= 2;
      x = Float64Array.from(best.Z);
      b = best.b;
      yZ = Float64Array.from(x);
      yb = b;
      theta = 1;
    }
    let support = '';
    for (let k = 0; k < K; k++) if (blockNorm(pr, x, k) > 0) support += k + ',';
    const stable = support === lastSupport;
    lastSupport = support;
    if (small && roundsLeft > 0 && (iterations >= nextPolish || stable)) {
      nextPolish = iterations * 2;
      const pol = yield* polish(pr, best.Z, best.b, Math.min(FISTA_POLISH_ROUNDS, roundsLeft), safetyDeadline);
      if (pol) {
        polishRounds += pol.rounds;
        roundsLeft -= pol.rounds;
        warmFrom(pol.warm);
        const rp = residualOf(yield* forward(pr, pol.Z, pol.b));
        if (consider(pol.Z, pol.b, rp) <= pol.objective * (1 + 1e-15)) {
          x = Float64Array.from(best.Z);
          b = best.b;
          yZ = Float64Array.from(x);
          yb = b;
          theta = 1;
        }
      }
      yield* checkBound();
    } else if (small || checks % 3 === 0) yield* checkBound();
    if (gapOf() <= opts.relTol) {
      converged = true;
      stopReason = 'converged';
    }
  }
  if (!converged) {
    yield* checkBound();
    if (gapOf() <= opts.relTol) {
      converged = true;
      stopReason = 'converged';
    }
  }
  // any clock-dependent branch (polish, Newton, the bound's projection-free fallback) can only have
  // been taken once the safety deadline passed: then the result is reported as machine-dependent
  if (!converged && Date.now() > safetyDeadline) stopReason = SAFETY_STOP_REASON;
  else if (converged && Date.now() > safetyDeadline) stopReason = `converged (after the ${SAFETY_STOP_REASON})`;
  return {
    Z: best.Z,
    b: best.b,
    programValue: best.obj,
    lowerBound: lower,
    relGap: gapOf(),
    converged,
    iterations,
    polishRounds,
    stopReason,
    lipschitz: L,
  };
}
