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
    yield* gradient(
      pr,
      Float64Array.from(F, (f) => -f),
      g,
    );
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
  const p = pr.p,
    o = k * p,
    D = pr.patterns[k >> 1];
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
  const pp = new Float64Array(p),
    qq = new Float64Array(p);
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

/** The solver's state: the best point so far (with its residual), the bound, FISTA's iterates, the budgets left. */
interface CoreState {
  best: { Z: Float64Array; b: number; obj: number; r: Float64Array };
  lower: number;
  /** warm starts of the bound's projections, per block */
  boundWarm: number[][] | undefined;
  x: Float64Array;
  b: number;
  yZ: Float64Array;
  yb: number;
  theta: number;
  iterations: number;
  polishRounds: number;
  roundsLeft: number;
  converged: boolean;
  stopReason: string;
  /** the wall clock is only the outer safety stop: every other stop counts work (iterations, rounds) */
  safetyDeadline: number;
}

function gapOf(st: CoreState): number {
  const { best, lower } = st;
  return best.obj > 0 ? Math.max(0, (best.obj - lower) / best.obj) : best.obj - lower <= 0 ? 0 : Infinity;
}

/** Keeps (Z, b) as the best point when its objective is lower; returns the objective. */
function consider(pr: Program, st: CoreState, Z: Float64Array, bb: number, r: Float64Array): number {
  const obj = objectiveOf(pr, r, Z, bb);
  if (obj < st.best.obj) st.best = { Z: Float64Array.from(Z), b: bb, obj, r: Float64Array.from(r) };
  return obj;
}

function residualOf(pr: Program, F: Float64Array): Float64Array {
  return Float64Array.from(pr.y, (yy, j) => yy - F[j]);
}

/** FISTA restarts from the best point (no momentum). */
function restartAtBest(st: CoreState): void {
  st.x = Float64Array.from(st.best.Z);
  st.b = st.best.b;
  st.yZ = Float64Array.from(st.x);
  st.yb = st.b;
}

function markIfConverged(st: CoreState, relTol: number): void {
  if (gapOf(st) <= relTol) {
    st.converged = true;
    st.stopReason = 'converged';
  }
}

/** The sound bound at the best point; the bound's passive sets start the next one. */
function* checkBound(pr: Program, st: CoreState): Generator<ProductRequest, void, Mat> {
  const bd = yield* lowerBoundGen(pr, st.best.r, st.boundWarm, st.safetyDeadline);
  st.boundWarm = bd.warm;
  if (bd.lowerBound > st.lower) st.lower = bd.lowerBound;
}

/**
 * The polish from the best point for up to `rounds` rounds: its point is considered, and its faces
 * and scan passive sets start the bound's projections (at its optimum a support block's face is
 * the passive set of Π_K(g); n = 1e4, d = 50: the bound's 200 projections otherwise start from the
 * zero network's). Returns the polished objective and the objective there, or null when too large.
 */
function* polishBest(pr: Program, st: CoreState, rounds: number): Generator<ProductRequest, { polished: number; obj: number } | null, Mat> {
  const pol = yield* polish(pr, st.best.Z, st.best.b, Math.min(rounds, st.roundsLeft), st.safetyDeadline);
  if (!pol) return null;
  st.polishRounds += pol.rounds;
  st.roundsLeft -= pol.rounds;
  const old = st.boundWarm;
  st.boundWarm = Array.from({ length: 2 * pr.P }, (_, k) => pol.warm.get(k) ?? old?.[k] ?? []);
  const obj = consider(pr, st, pol.Z, pol.b, residualOf(pr, yield* forward(pr, pol.Z, pol.b)));
  return { polished: pol.objective, obj };
}

/**
 * One FISTA iteration from the extrapolated point (yZ, yb): the gradient step, every block's exact
 * prox (the cone scans start from X̃ times all gradient-step points, one product), the offset's
 * step, then the gradient-based restart (momentum off when it points uphill). False when the
 * safety limit fired inside the prox pass (the iterate is dropped, the previous one kept).
 */
function* fistaIteration(pr: Program, st: CoreState, step: number, grad: Float64Array, warm: number[][]): Generator<ProductRequest, boolean, Mat> {
  const { p, P, beta } = pr;
  const K = 2 * P;
  const { yZ, yb } = st;
  const ry = residualOf(pr, yield* forward(pr, yZ, yb));
  yield* gradient(pr, ry, grad);
  const xn = new Float64Array(K * p);
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
  for (let k = 0; k < K; k++) {
    if ((k & 31) === 31 && Date.now() > st.safetyDeadline) return false;
    for (let t = 0; t < p; t++) g[t] = Gp.data[t * K + k];
    if (C) for (let j = 0; j < pr.n; j++) base[j] = C.data[j * K + k];
    proxBlock(pr, k, g, step * beta, warm, xn, C ? base : undefined);
  }
  let bn = 0;
  if (pr.offset !== 'none') {
    let s = 0;
    for (const v of ry) s += v;
    bn = pr.offset === 'free' ? yb + step * s : (yb + step * s) / (1 + step * beta);
  }
  let dotv = (yb - bn) * (bn - st.b);
  for (let t = 0; t < xn.length; t++) dotv += (yZ[t] - xn[t]) * (xn[t] - st.x[t]);
  if (dotv > 0) {
    st.theta = 1;
    st.yZ = Float64Array.from(xn);
    st.yb = bn;
  } else {
    const { next, weight } = fistaMomentum(st.theta);
    st.theta = next;
    st.yZ = extrapolate(xn, st.x, weight);
    st.yb = bn + weight * (bn - st.b);
  }
  st.x = xn;
  st.b = bn;
  return true;
}

/**
 * FISTA (with periodic polish on small problems) until converged or out of budget: its budget is
 * maxIterations, the polishes share maxPolishRounds with the working set; decided by work done,
 * never by the clock.
 */
function* runFista(pr: Program, st: CoreState, opts: CoreOptions, small: boolean, L: number): Generator<ProductRequest, void, Mat> {
  const K = 2 * pr.P;
  const checkEvery = small ? 20 : 10;
  const grad = new Float64Array(K * pr.p);
  const warm: number[][] = Array.from({ length: K }, () => []);
  let step = 1 / L;
  let nextPolish = 40,
    lastSupport = '',
    checks = 0;
  while (!st.converged && st.iterations < opts.maxIterations) {
    if (opts.shouldStop?.()) {
      st.stopReason = 'stopped';
      break;
    }
    if (Date.now() > st.safetyDeadline) {
      st.stopReason = SAFETY_STOP_REASON;
      break;
    }
    st.iterations++;
    if (!(yield* fistaIteration(pr, st, step, grad, warm))) {
      st.iterations--;
      st.stopReason = SAFETY_STOP_REASON;
      break;
    }
    if (st.iterations % checkEvery !== 0) continue;
    checks++;
    const prevBest = st.best.obj;
    const obj = consider(pr, st, st.x, st.b, residualOf(pr, yield* forward(pr, st.x, st.b)));
    if (obj > prevBest * (1 + 1e-12) + 1e-300 && checks > 1) {
      // monotone safeguard: the step estimate was too long
      step /= 2;
      restartAtBest(st);
      st.theta = 1;
    }
    let support = '';
    for (let k = 0; k < K; k++) if (blockNorm(pr, st.x, k) > 0) support += k + ',';
    const stable = support === lastSupport;
    lastSupport = support;
    if (small && st.roundsLeft > 0 && (st.iterations >= nextPolish || stable)) {
      nextPolish = st.iterations * 2;
      const pol = yield* polishBest(pr, st, FISTA_POLISH_ROUNDS);
      if (pol && pol.obj <= pol.polished * (1 + 1e-15)) {
        restartAtBest(st);
        st.theta = 1;
      }
      yield* checkBound(pr, st);
    } else if (small || checks % 3 === 0) yield* checkBound(pr, st);
    markIfConverged(st, opts.relTol);
  }
}

export function* solveCore(pr: Program, opts: CoreOptions): Generator<ProductRequest, CoreResult, Mat> {
  const { p, P } = pr;
  const K = 2 * P;
  const x = new Float64Array(K * p);
  const b = optimalOffset(pr, pr.y);
  const st: CoreState = {
    best: { Z: Float64Array.from(x), b, obj: Infinity, r: new Float64Array(pr.n) },
    lower: -Infinity,
    boundWarm: undefined,
    x,
    b,
    yZ: Float64Array.from(x),
    yb: b,
    theta: 1,
    iterations: 0,
    polishRounds: 0,
    roundsLeft: opts.maxPolishRounds ?? Infinity,
    converged: false,
    stopReason: 'iteration limit',
    safetyDeadline: Date.now() + opts.timeBudgetMs,
  };
  // the starting point (zero network, optimal offset)
  consider(pr, st, x, b, residualOf(pr, yield* forward(pr, x, b)));
  yield* checkBound(pr, st);
  markIfConverged(st, opts.relTol);
  const small = K * p <= WORKING_SET_MAX_BLOCK_VARS;
  // Working-set start: the polish from the empty support adds the most violating blocks a few at a
  // time and solves each restricted problem exactly (column generation over blocks, like [EP Alg. 1]
  // with the per-pattern cone oracle). FISTA below takes over when that does not finish.
  if (!st.converged && small && opts.maxIterations > 0 && st.roundsLeft > 0) {
    if (yield* polishBest(pr, st, WORKING_SET_ROUNDS)) {
      restartAtBest(st);
      yield* checkBound(pr, st);
      markIfConverged(st, opts.relTol);
    }
  }
  const fista = !st.converged && (P === 0 || Date.now() <= st.safetyDeadline);
  if (!st.converged && !fista) st.stopReason = SAFETY_STOP_REASON;
  const L = fista && P > 0 ? (yield* estimateLipschitz(pr)) * STEP_SAFETY : 1;
  if (fista) yield* runFista(pr, st, opts, small, L);
  if (!st.converged) {
    yield* checkBound(pr, st);
    markIfConverged(st, opts.relTol);
  }
  // any clock-dependent branch (polish, Newton, the bound's projection-free fallback) can only have
  // been taken once the safety deadline passed: then the result is reported as machine-dependent
  if (!st.converged && Date.now() > st.safetyDeadline) st.stopReason = SAFETY_STOP_REASON;
  else if (st.converged && Date.now() > st.safetyDeadline) st.stopReason = `converged (after the ${SAFETY_STOP_REASON})`;
  const { best } = st;
  return {
    Z: best.Z,
    b: best.b,
    programValue: best.obj,
    lowerBound: st.lower,
    relGap: gapOf(st),
    converged: st.converged,
    iterations: st.iterations,
    polishRounds: st.polishRounds,
    stopReason: st.stopReason,
    lipschitz: L,
  };
}
