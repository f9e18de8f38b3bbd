/**
 * The restricted convex problem for a classification loss (MATH.md §4 with ℓ in place of ½‖·‖²):
 *
 *   min_{Z, b}  ℓ(Σ_k a_k z_kᵀ + 1bᵀ) + β Σ_k ‖z_k‖₂  (+ (β/2)‖b‖² if the offset is decayed)
 *
 * over unit neuron directions u_k with a_k = (X̃u_k)_+. Solver: FISTA (Beck & Teboulle) with
 * backtracking on the step, function-value adaptive restart (O'Donoghue & Candès) and group
 * soft-thresholding as the prox. Logistic and cross-entropy are smooth. The hinge is not: it is
 * replaced by the smoothed hinge ℓ_μ (./conjugates.ts; ℓ_μ ≤ ℓ ≤ ℓ_μ + μ/2 per entry) with μ
 * decreased by 10× per stage from 1 (continuation, warm starts) until n·c·μ/2 is below
 * hingeSmoothingRel × the objective (the certificate ties it to its tol: HINGE_SMOOTHING_TOL_FRACTION).
 * The smoothed gradient meets the restricted optimality conditions only to the solve's tolerance, so
 * the hinge's dual point is also polished on the active set (hingeActiveSetDual) and the better
 * of the two is returned. Whatever the solver returns is only a candidate: the certificate
 * recomputes the network's objective with the true loss and bounds P* by a dual point.
 * Stopping rule: restricted duality gap (the solution's −∇ℓ made domain-feasible and scaled into
 * max_k ‖Λᵀa_k‖ ≤ β) ≤ relTol·objective, or the iteration budget (maxIterations, a work unit:
 * default DEFAULT_LOSS_SOLVER_ITERATIONS). `deadline` is only a wall-clock safety stop; the result
 * says when it fired (stoppedBy 'safety-limit').
 */
import { type Mat, zeros } from '../linalg/mat';
import { pinv } from '../linalg/decomp';
import { extrapolate, fistaMomentum, stepTerms } from '../linalg/fista';
import type { OffsetMode } from '../certify/lasso';
import type { CertifyModes } from '../problem/network';
import { curvatureBound, lossValue, negGradient } from './conjugates';
import type { Loss } from './loss';
import { lossOf, type LossRef } from './registry';
import { fixDirection, lossDualValue, maximizeConcave } from './dualPoint';
import { newtonActive, type NewtonProblem } from './newton';

export interface LossLassoOptions {
  relTol?: number;
  /** iteration budget of the solve (FISTA iterations; default DEFAULT_LOSS_SOLVER_ITERATIONS): the primary stop */
  maxIterations?: number;
  warm?: { Z: Float64Array[]; b2?: Float64Array };
  /**
   * wall-clock SAFETY deadline (performance.now() ms): the solve returns its current point when
   * passed and reports stoppedBy 'safety-limit' (the iteration budget is the primary stop)
   */
  deadline?: number;
  /** cancellation: polled with the deadline; the solve returns its current point */
  shouldStop?: () => boolean;
  /** hinge: the first smoothing level (default 1; a warm start from a solve at μ can begin at 10μ) */
  muStart?: number;
  /** hinge: stop the continuation when n·c·μ/2 ≤ this × objective */
  hingeSmoothingRel?: number;
}

/** Default relative restricted gap at which the solver stops (named tolerance 'lossLassoRelGap'). */
export const LOSS_LASSO_REL_TOL = 1e-10;
/** Newton on the active groups is used while support·c ≤ this (its steps cost O(p³)). */
export const NEWTON_MAX_VARS = 120;
/** Default hinge smoothing: n·c·μ/2 ≤ this × objective at the last stage. */
export const HINGE_SMOOTHING_REL = 1e-5;
/**
 * The certificate smooths the hinge to this × tol, clamped to [HINGE_SMOOTHING_FLOOR,
 * HINGE_SMOOTHING_REL] (hingeSmoothingFor): the smoothed gradient's restricted gap is of order
 * n·c·μ/2 and must sit below the gap the verdict needs (the active-set polish does the rest).
 */
export const HINGE_SMOOTHING_TOL_FRACTION = 0.1;
/**
 * Smallest hinge smoothing target: below it FISTA's step (∝ μ) makes the smoothed solves stall long
 * before their tolerance, and the dual point's accuracy comes from the active-set polish instead.
 */
export const HINGE_SMOOTHING_FLOOR = 1e-8;

/** The hinge smoothing target for a verdict tolerance: HINGE_SMOOTHING_TOL_FRACTION·tol within [FLOOR, HINGE_SMOOTHING_REL]. */
export function hingeSmoothingFor(tol: number): number {
  return Math.min(HINGE_SMOOTHING_REL, Math.max(HINGE_SMOOTHING_FLOOR, HINGE_SMOOTHING_TOL_FRACTION * tol));
}
/** Default iteration budget of one restricted solve (FISTA iterations over all smoothing levels). */
export const DEFAULT_LOSS_SOLVER_ITERATIONS = 20_000;
/** Hinge dual polish: entries y·λ strictly inside (0, 1) by more than this are the margin samples it adjusts. */
export const HINGE_POLISH_INTERIOR = 1e-12;
/** Hinge dual polish: the least-norm solve is skipped when the margin block has more entries than this. */
export const HINGE_POLISH_MAX_ENTRIES = 200_000;

export interface LossLassoResult {
  Z: Float64Array[];
  b2: Float64Array;
  F: Mat;
  /** objective with the true loss (hinge: unsmoothed) */
  objective: number;
  restrictedDual: number;
  relGap: number;
  iterations: number;
  converged: boolean;
  /** final smoothing parameter (hinge), else 0 */
  mu: number;
  /**
   * the dual candidate Λ (n×c, before fixDirection) behind restrictedDual: −∇ℓ(F) (hinge: the
   * smoothed gradient, or its active-set polish when that is better)
   */
  lambda: Mat;
  /** what ended the solve when it did not converge: its iteration budget, the safety deadline, a stop request, or a stall */
  stoppedBy: 'converged' | 'iteration-budget' | 'safety-limit' | 'stopped' | 'stalled';
}

class Restricted implements NewtonProblem {
  /** smoothing of the hinge in the current stage (0 otherwise) */
  mu = 0;
  shouldStop?: () => boolean;
  /** wall-clock safety deadline (performance.now() ms) and whether it fired */
  deadline = Infinity;
  timedOut = false;
  /** true once the safety deadline has passed (recorded, so the result can say so) */
  pastDeadline(): boolean {
    if (this.deadline === Infinity) return false;
    if (performance.now() > this.deadline) this.timedOut = true;
    return this.timedOut;
  }
  readonly n: number;
  readonly c: number;
  readonly K: number;
  constructor(
    readonly A: Float64Array[],
    readonly Y: Mat,
    readonly beta: number,
    readonly offset: OffsetMode,
    readonly loss: Loss,
  ) {
    this.n = Y.rows;
    this.c = Y.cols;
    this.K = A.length;
  }
  logits(Z: Float64Array, b: Float64Array): Mat {
    const { n, c, K } = this;
    const F = zeros(n, c);
    for (let k = 0; k < K; k++) {
      const a = this.A[k];
      let nz = false;
      for (let j = 0; j < c; j++) if (Z[k * c + j] !== 0) nz = true;
      if (!nz) continue;
      for (let i = 0; i < n; i++) if (a[i] !== 0) for (let j = 0; j < c; j++) F.data[i * c + j] += a[i] * Z[k * c + j];
    }
    if (this.offset !== 'none') for (let i = 0; i < n; i++) for (let j = 0; j < c; j++) F.data[i * c + j] += b[j];
    return F;
  }
  smooth(F: Mat, b: Float64Array, mu: number): number {
    let v = lossValue(F, this.Y, this.loss, mu);
    if (this.offset === 'decayed') for (const x of b) v += 0.5 * this.beta * x * x;
    return v;
  }
  objective(Z: Float64Array, b: Float64Array): number {
    return this.smooth(this.logits(Z, b), b, this.mu) + this.penalty(Z);
  }
  penalty(Z: Float64Array): number {
    const { c, K } = this;
    let s = 0;
    for (let k = 0; k < K; k++) {
      let q = 0;
      for (let j = 0; j < c; j++) q += Z[k * c + j] ** 2;
      s += Math.sqrt(q);
    }
    return this.beta * s;
  }
  /** gradient of the smooth part: (Aᵀ∇ℓ, 1ᵀ∇ℓ + βb) with ∇ℓ = −Λ */
  grad(F: Mat, b: Float64Array, mu: number): { gZ: Float64Array; gb: Float64Array } {
    const { n, c, K } = this;
    const L = negGradient(F, this.Y, this.loss, mu);
    const gZ = new Float64Array(K * c);
    for (let k = 0; k < K; k++) {
      const a = this.A[k];
      for (let i = 0; i < n; i++) if (a[i] !== 0) for (let j = 0; j < c; j++) gZ[k * c + j] -= a[i] * L.data[i * c + j];
    }
    const gb = new Float64Array(c);
    if (this.offset !== 'none') {
      for (let i = 0; i < n; i++) for (let j = 0; j < c; j++) gb[j] -= L.data[i * c + j];
      if (this.offset === 'decayed') for (let j = 0; j < c; j++) gb[j] += this.beta * b[j];
    }
    return { gZ, gb };
  }
  /** restricted dual value at the point with logits F (smoothed dual when mu > 0) */
  restrictedDual(F: Mat, mu: number, dualMu = mu): number {
    return this.restrictedDualOf(negGradient(F, this.Y, this.loss, mu), dualMu);
  }
  /** restricted dual value of a candidate Λ (moved into the domain first; not modified) */
  restrictedDualOf(L0: Mat, dualMu = 0): number {
    const { n, c, K, beta } = this;
    const modes: CertifyModes = { hiddenBias: 'none', outputBias: this.offset };
    const L = fixDirection({ rows: L0.rows, cols: L0.cols, data: Float64Array.from(L0.data) }, this.Y, this.loss, modes);
    if (!L) return 0;
    let Mr = 0;
    const g = new Float64Array(c);
    for (let k = 0; k < K; k++) {
      g.fill(0);
      const a = this.A[k];
      for (let i = 0; i < n; i++) if (a[i] !== 0) for (let j = 0; j < c; j++) g[j] += a[i] * L.data[i * c + j];
      let q = 0;
      for (const x of g) q += x * x;
      Mr = Math.max(Mr, Math.sqrt(q));
    }
    const sMax = Math.min(1, Mr > 0 ? beta / Mr : 1);
    const scaledL = (s: number) => {
      const S = zeros(n, c);
      for (let i = 0; i < S.data.length; i++) S.data[i] = s * L.data[i];
      return S;
    };
    const phi = (s: number) => lossDualValue(scaledL(s), this.Y, this.loss, beta, modes, dualMu);
    const s = maximizeConcave(phi, sMax);
    return phi(s);
  }
}

function groupProx(V: Float64Array, c: number, thr: number): void {
  for (let k = 0; k < V.length / c; k++) {
    let q = 0;
    for (let j = 0; j < c; j++) q += V[k * c + j] ** 2;
    const nv = Math.sqrt(q);
    const f = nv > thr ? 1 - thr / nv : 0;
    for (let j = 0; j < c; j++) V[k * c + j] *= f;
  }
}

interface Stage {
  Z: Float64Array;
  b: Float64Array;
  iterations: number;
  relGap: number;
  dual: number;
  obj: number;
}

function fista(P: Restricted, Z0: ArrayLike<number>, b0: ArrayLike<number>, mu: number, relTol: number, maxIt: number): Stage {
  const { n, c, K } = P;
  let aMax = 0;
  for (const a of P.A) {
    let s = 0;
    for (const v of a) s += v * v;
    aMax += s;
  }
  // Lipschitz estimate of the smooth part (Frobenius bound), refined by backtracking
  let Lk = Math.max(1e-12, curvatureBound(P.loss, mu) * (aMax + (P.offset !== 'none' ? n : 0)) + (P.offset === 'decayed' ? P.beta : 0)) * 0.1;
  let x: Float64Array = Float64Array.from(Z0),
    xb: Float64Array = Float64Array.from(b0);
  let y: Float64Array = Float64Array.from(x),
    yb: Float64Array = Float64Array.from(xb);
  let t = 1;
  const full = (Z: Float64Array, b: Float64Array) => P.smooth(P.logits(Z, b), b, mu) + P.penalty(Z);
  let fx = full(x, xb);
  let it = 0;
  let relGap = Infinity,
    dual = -Infinity;
  const check = () => {
    const F = P.logits(x, xb);
    dual = P.restrictedDual(F, mu);
    relGap = fx > 0 ? (fx - dual) / fx : 0;
    return relGap <= relTol;
  };
  if (check()) return { Z: x, b: xb, iterations: 0, relGap, dual, obj: fx };
  const KC = K * c;
  while (it < maxIt) {
    it++;
    const Fy = P.logits(y, yb);
    const fy = P.smooth(Fy, yb, mu);
    const { gZ, gb } = P.grad(Fy, yb, mu);
    let xn!: Float64Array,
      xbn!: Float64Array,
      fxn = 0;
    for (let bt = 0; bt < 60; bt++) {
      xn = new Float64Array(KC);
      for (let i = 0; i < KC; i++) xn[i] = y[i] - gZ[i] / Lk;
      groupProx(xn, c, P.beta / Lk);
      xbn = new Float64Array(c);
      if (P.offset !== 'none') for (let j = 0; j < c; j++) xbn[j] = yb[j] - gb[j] / Lk;
      const sn = P.smooth(P.logits(xn, xbn), xbn, mu);
      const { lin, sq: quad } = stepTerms([
        [xn, y, gZ],
        [xbn, yb, gb],
      ]);
      if (sn <= fy + lin + 0.5 * Lk * quad + 1e-15 * Math.abs(fy)) {
        fxn = sn + P.penalty(xn);
        break;
      }
      Lk *= 2;
    }
    const { next: tn, weight: mom } = fistaMomentum(t);
    if (fxn > fx) {
      // restart: momentum lost its way
      t = 1;
      y = Float64Array.from(x);
      yb = Float64Array.from(xb);
      continue;
    }
    y = extrapolate(xn, x, mom);
    yb = extrapolate(xbn, xb, mom);
    x = xn;
    xb = xbn;
    fx = fxn;
    t = tn;
    Lk *= 0.95;
    if (it % 10 === 0 && (check() || P.pastDeadline() || P.shouldStop?.())) break;
  }
  check();
  return { Z: x, b: xb, iterations: it, relGap, dual, obj: fx };
}

/**
 * One smoothing level: FISTA rounds (support identification) alternating with Newton on the
 * active groups, until the restricted gap ≤ relTol or the iteration budget is spent.
 */
function solveLevel(P: Restricted, Z0: Float64Array, b0: Float64Array, mu: number, relTol: number, maxIt: number): Stage {
  P.mu = mu;
  let Z = Float64Array.from(Z0),
    b = Float64Array.from(b0);
  let total = 0;
  let st: Stage = { Z, b, iterations: 0, relGap: Infinity, dual: -Infinity, obj: P.objective(Z, b) };
  let prevGap = Infinity,
    stalled = 0;
  for (let round = 0; round < 40 && total < maxIt && !P.pastDeadline() && !P.shouldStop?.(); round++) {
    st = fista(P, Z, b, mu, relTol, Math.min(maxIt - total, 50 * 2 ** Math.min(round, 6)));
    total += st.iterations;
    Z = Float64Array.from(st.Z);
    b = Float64Array.from(st.b);
    if (st.relGap <= relTol) break;
    // no progress over two rounds: the gap is at its rounding floor for this problem
    stalled = st.relGap < 0.9 * prevGap ? 0 : stalled + 1;
    prevGap = Math.min(prevGap, st.relGap);
    if (stalled >= 2) break;
    let support = 0;
    for (let k = 0; k < P.K; k++) if (Z.subarray(k * P.c, (k + 1) * P.c).some((v) => v !== 0)) support++;
    // Newton costs O((support·c)³) per step: beyond NEWTON_MAX_VARS FISTA alone continues
    const acc = support * P.c <= NEWTON_MAX_VARS ? newtonActive(P, Z, b, 40) : 0;
    if (acc > 0) {
      const F = P.logits(Z, b);
      const obj = P.objective(Z, b);
      const dual = P.restrictedDual(F, mu);
      st = { Z, b, iterations: st.iterations, relGap: obj > 0 ? (obj - dual) / obj : 0, dual, obj };
      if (st.relGap <= relTol) break;
    }
  }
  return { ...st, iterations: total };
}

/**
 * Hinge: the restricted dual polished on the active set. At the restricted optimum Λ meets
 * a_kᵀΛ = β z_k/‖z_k‖ on every active group k and the offset's condition (free: Λᵀ1 = 0; decayed:
 * Λᵀ1 = βb), with y∘λ = 1 where the margin is violated and 0 beyond it. The smoothed gradient meets
 * these equations only to the solve's tolerance (and its smoothing): change its entries strictly
 * inside (0, 1) — the margin samples — by the least-norm correction that meets them, per output
 * column, and clamp into the domain. Only a candidate: the certificate scores any Λ by the oracle.
 */
export function hingeActiveSetDual(P: Restricted, Z: Float64Array, b: Float64Array, L0: Mat): Mat | null {
  const { n, c, K, A, Y, beta, offset } = P;
  const active: number[] = [];
  const zn = new Float64Array(K);
  for (let k = 0; k < K; k++) {
    let q = 0;
    for (let j = 0; j < c; j++) q += Z[k * c + j] ** 2;
    zn[k] = Math.sqrt(q);
    if (zn[k] > 0) active.push(k);
  }
  const L: Mat = { rows: n, cols: c, data: Float64Array.from(L0.data) };
  let changed = false;
  for (let j = 0; j < c; j++) {
    const free: number[] = [];
    for (let i = 0; i < n; i++) {
      const p = Y.data[i * c + j] * L.data[i * c + j];
      if (p > HINGE_POLISH_INTERIOR && p < 1 - HINGE_POLISH_INTERIOR) free.push(i);
    }
    const rows = active.length + (offset !== 'none' ? 1 : 0);
    const m = free.length;
    if (!m || !rows || rows * m > HINGE_POLISH_MAX_ENTRIES) continue;
    const B = zeros(rows, m);
    const r = new Float64Array(rows);
    active.forEach((k, t) => {
      const a = A[k];
      let s = 0;
      for (let i = 0; i < n; i++) if (a[i] !== 0) s += a[i] * L.data[i * c + j];
      r[t] = (beta * Z[k * c + j]) / zn[k] - s;
      for (let u = 0; u < m; u++) B.data[t * m + u] = a[free[u]];
    });
    if (offset !== 'none') {
      const t = active.length;
      let s = 0;
      for (let i = 0; i < n; i++) s += L.data[i * c + j];
      r[t] = (offset === 'decayed' ? beta * b[j] : 0) - s;
      for (let u = 0; u < m; u++) B.data[t * m + u] = 1;
    }
    const Bp = pinv(B); // m × rows
    for (let u = 0; u < m; u++) {
      let dl = 0;
      for (let t = 0; t < rows; t++) dl += Bp.data[u * rows + t] * r[t];
      if (!Number.isFinite(dl)) continue;
      const i = free[u],
        y = Y.data[i * c + j];
      L.data[i * c + j] = y * Math.min(1, Math.max(0, y * (L.data[i * c + j] + dl)));
    }
    changed = true;
  }
  return changed ? L : null;
}

function finish(
  P: Restricted,
  Z: Float64Array,
  b: Float64Array,
  mu: number,
  iterations: number,
  relTol: number,
  options: LossLassoOptions,
  /** the iteration budget was spent */
  budgetHit: boolean,
): LossLassoResult {
  const { c, K, Y, beta, loss, offset } = P;
  P.mu = 0;
  const F = P.logits(Z, b);
  const objective = lossValue(F, Y, loss) + P.penalty(Z) + (offset === 'decayed' ? 0.5 * beta * b.reduce((s, x) => s + x * x, 0) : 0);
  const Zs: Float64Array[] = [];
  for (let k = 0; k < K; k++) Zs.push(Z.slice(k * c, (k + 1) * c));
  // the restricted dual with the true loss; hinge: the smoothed gradient (a hinge dual point) and
  // its active-set polish are candidates too — the best one is returned
  let lambda = negGradient(F, Y, loss, 0);
  let dual = P.restrictedDualOf(lambda);
  if (mu > 0) {
    const smoothed = negGradient(F, Y, loss, mu);
    const cands = [smoothed];
    const pol = hingeActiveSetDual(P, Z, b, smoothed);
    if (pol) cands.push(pol);
    for (const L of cands) {
      const v = P.restrictedDualOf(L);
      if (v > dual) {
        dual = v;
        lambda = L;
      }
    }
  }
  const relGap = objective > 0 ? (objective - dual) / objective : 0;
  // the hinge's smoothing leaves a gap of order n·c·μ/2 by design
  const gapGoal = loss.smoothed ? Math.max(relTol, 10 * (options.hingeSmoothingRel ?? HINGE_SMOOTHING_REL)) : relTol;
  const converged = relGap <= gapGoal;
  const stoppedBy: LossLassoResult['stoppedBy'] = converged
    ? 'converged'
    : options.shouldStop?.()
      ? 'stopped'
      : P.timedOut
        ? 'safety-limit'
        : budgetHit
          ? 'iteration-budget'
          : 'stalled';
  return { Z: Zs, b2: b, F, objective, restrictedDual: dual, relGap, iterations, converged, mu, lambda, stoppedBy };
}

/** All features at once (small K). */
function solveDirect(A: Float64Array[], Y: Mat, beta: number, offset: OffsetMode, loss: Loss, options: LossLassoOptions): LossLassoResult {
  const relTol = options.relTol ?? LOSS_LASSO_REL_TOL;
  const maxIt = options.maxIterations ?? DEFAULT_LOSS_SOLVER_ITERATIONS;
  const P = new Restricted(A, Y, beta, offset, loss);
  P.shouldStop = options.shouldStop;
  P.deadline = options.deadline ?? Infinity;
  const { c, K } = P;
  let Z: Float64Array = new Float64Array(K * c);
  let b: Float64Array = new Float64Array(c);
  if (options.warm) {
    options.warm.Z.forEach((z, k) => {
      if (k < K && z.length === c) Z.set(z, k * c);
    });
    if (options.warm.b2 && offset !== 'none') b.set(options.warm.b2.subarray(0, c));
  }
  let iterations = 0;
  let stage: Stage;
  let mu = 0;
  if (loss.smoothed) {
    const smoothRel = options.hingeSmoothingRel ?? HINGE_SMOOTHING_REL;
    const N = Y.rows * Y.cols;
    mu = Math.min(1, Math.max(options.muStart ?? 1, 1e-12));
    for (;;) {
      // each level to a gap comparable to its smoothing error (tiny μ makes the dual point rounding-sensitive)
      stage = solveLevel(P, Z, b, mu, Math.max(relTol, 1e-3 * mu, 10 * smoothRel), maxIt - iterations);
      iterations += stage.iterations;
      Z = stage.Z;
      b = stage.b;
      if ((N * mu) / 2 <= smoothRel * Math.max(stage.obj, 1e-300) || mu < 1e-12 || iterations >= maxIt || P.pastDeadline() || options.shouldStop?.()) break;
      mu /= 10;
    }
  } else {
    stage = solveLevel(P, Z, b, 0, relTol, maxIt);
    iterations = stage.iterations;
    Z = stage.Z;
    b = stage.b;
  }
  return finish(P, Z, b, mu, iterations, relTol, options, iterations >= maxIt);
}

/** Working sets are used above this many features. */
export const LOSS_WORKING_SET_MIN = 40;

/**
 * Solve the restricted problem over the activation vectors A (one per unit direction). Many
 * features: working sets — solve on the nonzero features plus the worst violators of
 * ‖a_kᵀΛ‖ ≤ β (Λ = −∇ℓ at the current point), add violators, repeat until none is left (the
 * solution is then optimal over all features to the solver's tolerance).
 */
export function solveLossLasso(A: Float64Array[], Y: Mat, beta: number, offset: OffsetMode, lossRef: LossRef, options: LossLassoOptions = {}): LossLassoResult {
  const loss = lossOf(lossRef);
  const K = A.length;
  if (K <= LOSS_WORKING_SET_MIN) return solveDirect(A, Y, beta, offset, loss, options);
  const n = Y.rows,
    c = Y.cols;
  const relTol = options.relTol ?? LOSS_LASSO_REL_TOL;
  const P = new Restricted(A, Y, beta, offset, loss);
  P.deadline = options.deadline ?? Infinity;
  let budgetHit = false;
  const Z = new Float64Array(K * c);
  const b = new Float64Array(c);
  const inW = new Uint8Array(K);
  options.warm?.Z.forEach((z, k) => {
    if (k < K && z.length === c && z.some((v) => v !== 0)) {
      Z.set(z, k * c);
      inW[k] = 1;
    }
  });
  if (options.warm?.b2 && offset !== 'none') b.set(options.warm.b2.subarray(0, c));
  let iterations = 0;
  let mu = loss.smoothed ? (options.muStart ?? 1) : 0;
  let solved = false;
  const g = new Float64Array(c);
  for (let round = 0; round < 200; round++) {
    const L = negGradient(P.logits(Z, b), Y, loss, mu);
    const viol: { k: number; v: number }[] = [];
    for (let k = 0; k < K; k++) {
      if (inW[k]) continue;
      g.fill(0);
      const a = A[k];
      for (let i = 0; i < n; i++) if (a[i] !== 0) for (let j = 0; j < c; j++) g[j] += a[i] * L.data[i * c + j];
      const v = Math.hypot(...g);
      if (v > beta * (1 + 1e-9)) viol.push({ k, v });
    }
    if (viol.length === 0 && solved) break;
    viol.sort((x, y) => y.v - x.v);
    for (const { k } of viol.slice(0, round === 0 ? 20 : 10)) inW[k] = 1;
    const idx: number[] = [];
    for (let k = 0; k < K; k++) if (inW[k]) idx.push(k);
    if (idx.length === 0) break;
    const sub = solveDirect(
      idx.map((k) => A[k]),
      Y,
      beta,
      offset,
      loss,
      { ...options, warm: { Z: idx.map((k) => Z.slice(k * c, (k + 1) * c)), b2: b }, muStart: loss.smoothed ? Math.min(1, mu * 1000) : undefined },
    );
    iterations += sub.iterations;
    if (sub.stoppedBy === 'safety-limit') P.timedOut = true;
    if (sub.stoppedBy === 'iteration-budget') budgetHit = true;
    idx.forEach((k, t) => Z.set(sub.Z[t], k * c));
    b.set(sub.b2);
    if (loss.smoothed) mu = sub.mu;
    solved = true;
    if (options.maxIterations !== undefined && iterations >= options.maxIterations) budgetHit = true;
    if (P.pastDeadline() || options.shouldStop?.() || budgetHit) break;
  }
  return finish(P, Z, b, mu, iterations, relTol, options, budgetHit);
}
