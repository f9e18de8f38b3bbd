/**
 * The restricted convex problem over a finite set of unit neuron directions (MATH.md §4, column
 * generation [EP Alg. 1]):
 *
 *   min_{z, b2}  ½‖Σ_k a_k z_kᵀ + 1b2ᵀ − Y‖²_F + β Σ_k ‖z_k‖₂  (+ (β/2)‖b2‖² if the offset is decayed)
 *
 * with a_k = (X̃u_k)_+ (n-vector) and z_k ∈ R^c: a group lasso (c = 1: plain lasso). The offset b2
 * is penalized ('decayed'), unpenalized ('free') or absent ('none').
 *
 * Solver (./lassoSteps.ts has the steps):
 *  - c = 1: feature-sign search (exact active-set method: one linear solve per active set, line
 *    search over the sign changes), then coordinate descent + Newton for what rounding leaves;
 *  - c > 1: block coordinate descent with exact block updates (group soft-thresholding
 *    z_k = (1 − β/‖g‖)_+ g/‖a_k‖², g = R_{−k}ᵀa_k; exact offset update) alternating with Newton
 *    steps on the active groups (smooth there) whose line search also tries each group's closest
 *    approach to 0 with the group removed (the group analogue of a sign change);
 *  - more than 40 features: working sets (solve on the nonzero + most violating features, add
 *    violators of ‖a_kᵀR‖ ≤ β, repeat).
 * Stopping rule: the restricted duality gap P(z) − D(sR) ≤ relTol·P(z) (R the residual, s scaling
 * it into the restricted dual-feasible set max_k ‖sRᵀa_k‖ ≤ β), with gaps under the rounding floor
 * 4ε(K+2)√(nc)‖Y‖² counted as 0; or stagnation (no decrease over 20 checks). The solution IS a
 * network (lassoNetwork).
 */
import { featureSign, GramMemo, newtonPolish, norm, Problem } from './lassoSteps';
import type { HiddenBiasMode, NetworkWeights, CertifyModes, OutputBiasMode } from '../problem/network';
import { type Mat, zeros } from '../linalg/mat';

export type OffsetMode = OutputBiasMode; // 'decayed' | 'free' | 'none'

export interface LassoOptions {
  /** stop when the restricted duality gap ≤ relTol·objective (named tolerance 'lassoRelGap') */
  relTol?: number;
  maxSweeps?: number;
  /** warm start: one z per feature (missing ⇒ 0) and the offset */
  warm?: { Z: Float64Array[]; b2?: Float64Array };
  /** Newton polish on the active set (default true) */
  polish?: boolean;
  /**
   * the features' inner products computed so far (a later solve over some of the same vectors, e.g.
   * the next column-generation iteration, passes the same memo; results are bit-identical either way)
   */
  gram?: GramMemo;
}

export const LASSO_REL_TOL = 1e-12;
/**
 * Default work budget of one restricted solve: coordinate-descent sweeps over all features
 * (settings.solverIterations / --solver-iterations override it). A solve that reaches it returns
 * its current point with converged = false; the certificate's dual bound stays sound.
 */
export const DEFAULT_LASSO_MAX_SWEEPS = 20_000;

export interface LassoResult {
  Z: Float64Array[];
  /** offset (zeros when absent) */
  b2: Float64Array;
  /** Y − Σ a_k z_kᵀ − 1b2ᵀ (n×c) */
  residual: Mat;
  objective: number;
  /** restricted dual value D(sR) (a lower bound of the restricted problem only) */
  restrictedDual: number;
  relGap: number;
  sweeps: number;
  newtonSteps: number;
  converged: boolean;
  /** max KKT violation relative to β: ‖a_kᵀR − βz_k/‖z_k‖‖/β for z_k ≠ 0, (‖a_kᵀR‖ − β)_+/β otherwise */
  kkt: number;
}

/**
 * One sweep of block coordinate descent: each feature's exact block minimizer (group soft-threshold
 * of its correlation with the residual), then the offset's; R is updated in place.
 */
function bcdSweep(P: Problem, Z: Float64Array[], b2: Float64Array, R: Float64Array, g: Float64Array, dz: Float64Array): void {
  const { n, c, K, beta, offset } = P;
  for (let k = 0; k < K; k++) {
    const ak2 = P.aa[k];
    if (!(ak2 > 0)) continue;
    const z = Z[k];
    P.corr(k, R, g);
    for (let j = 0; j < c; j++) g[j] += ak2 * z[j];
    const gn = norm(g);
    const shrink = gn > beta ? (1 - beta / gn) / ak2 : 0;
    let change = 0;
    for (let j = 0; j < c; j++) {
      const zn = shrink * g[j];
      dz[j] = zn - z[j];
      change += Math.abs(dz[j]);
      z[j] = zn;
    }
    if (change === 0) continue;
    const a = P.A[k];
    for (let i = 0; i < n; i++) if (a[i] !== 0) for (let j = 0; j < c; j++) R[i * c + j] -= a[i] * dz[j];
  }
  if (offset !== 'none') {
    const s = P.colSums(R);
    for (let j = 0; j < c; j++) {
      const nb = offset === 'free' ? b2[j] + s[j] / n : (s[j] + n * b2[j]) / (n + beta);
      const db = nb - b2[j];
      b2[j] = nb;
      for (let i = 0; i < n; i++) R[i * c + j] -= db;
    }
  }
}

/** BCD + Newton polish on all features at once (used on working sets). */
function solveDirect(A: Float64Array[], Y: Mat, beta: number, offset: OffsetMode, options: LassoOptions = {}): LassoResult {
  const relTol = options.relTol ?? LASSO_REL_TOL;
  const maxSweeps = options.maxSweeps ?? DEFAULT_LASSO_MAX_SWEEPS;
  const P = new Problem(A, Y, beta, offset, options.gram);
  const { n, c, K } = P;
  const Z: Float64Array[] = [];
  for (let k = 0; k < K; k++) {
    const w = options.warm?.Z[k];
    Z.push(w && w.length === c && P.aa[k] > 0 ? new Float64Array(w) : new Float64Array(c));
  }
  const b2 = new Float64Array(c);
  if (offset !== 'none' && options.warm?.b2) b2.set(options.warm.b2);
  let R = P.residual(Z, b2);
  const g = new Float64Array(c);
  const dz = new Float64Array(c);
  let sweeps = 0,
    newtonSteps = 0;
  let converged = false;
  let lastSupport = '';
  let stableChecks = 0;
  // rounding floor of the gap: residual entries carry errors ~ε(K+2)·|Y| (cancellation of Y and F),
  // which enter P and D through ⟨R, δR⟩ and ⟨δR, Y⟩
  const yF = norm(Y.data);
  const gapFloor = 4 * 2.220446049250313e-16 * (K + 2) * Math.sqrt(n * c) * yF * yF;
  const gapOf = (): { obj: number; dual: number; rel: number } => {
    const obj = P.objective(R, Z, b2);
    const dual = P.restrictedDual(R);
    const gap = obj - dual;
    // gaps below the rounding floor count as 0
    const rel = obj > 0 ? (gap <= gapFloor ? Math.min(gap / obj, 0) : gap / obj) : 0;
    return { obj, dual, rel };
  };
  let stagnant = 0;
  let prevObj = Infinity;
  let last = gapOf();
  if (last.rel <= relTol) converged = true;
  if (!converged && c === 1 && (options.polish ?? true)) {
    // exact active-set method first; coordinate descent only finishes what it leaves
    newtonSteps += featureSign(P, Z, b2, 50 + 4 * K);
    R = P.residual(Z, b2);
    last = gapOf();
    if (last.rel <= relTol) converged = true;
  }
  while (!converged && sweeps < maxSweeps) {
    sweeps++;
    bcdSweep(P, Z, b2, R, g, dz);
    if (sweeps % 5 !== 0 && sweeps > 3) continue;
    R = P.residual(Z, b2); // refresh against drift
    last = gapOf();
    if (last.rel <= relTol) {
      converged = true;
      break;
    }
    // stagnation at the rounding level: stop
    stagnant = last.obj < prevObj - 1e-15 * Math.abs(prevObj) ? 0 : stagnant + 1;
    prevObj = Math.min(prevObj, last.obj);
    if (stagnant >= 20) break;
    const support = Z.map((z) => (norm(z) > 0 ? (c === 1 ? (z[0] > 0 ? '+' : '-') : '1') : '0')).join('');
    stableChecks = support === lastSupport ? stableChecks + 1 : 0;
    lastSupport = support;
    if ((options.polish ?? true) && (stableChecks >= 2 || (c > 1 && sweeps >= 3))) {
      newtonSteps += newtonPolish(P, Z, b2, 20);
      R = P.residual(Z, b2);
      last = gapOf();
      if (last.rel <= relTol) {
        converged = true;
        break;
      }
      stableChecks = 0;
    }
  }
  // final polish: the gap criterion leaves KKT residuals ~√gap; Newton on the settled support removes them
  if (options.polish ?? true) {
    const before = P.kkt(P.residual(Z, b2), Z, b2);
    if (before > 1e-13) newtonSteps += newtonPolish(P, Z, b2, 20);
  }
  R = P.residual(Z, b2);
  last = gapOf();
  const residual = zeros(n, c);
  residual.data.set(R);
  return {
    Z,
    b2,
    residual,
    objective: last.obj,
    restrictedDual: last.dual,
    relGap: last.rel,
    sweeps,
    newtonSteps,
    converged: converged || last.rel <= relTol,
    kkt: P.kkt(R, Z, b2),
  };
}

/** Working sets are used above this many features. */
const WORKING_SET_MIN = 40;

/**
 * Solve the restricted group lasso over the activation vectors A (one per unit direction).
 * Many (correlated) features: working-set strategy — solve on the features that are nonzero or
 * most violate ‖a_kᵀR‖ ≤ β, add the worst violators, repeat until no feature violates the KKT
 * condition (to 1e-12 relative) — the result is then optimal over all features.
 */
export function solveLasso(A: Float64Array[], Y: Mat, beta: number, offset: OffsetMode, options: LassoOptions = {}): LassoResult {
  const K = A.length;
  if (K <= WORKING_SET_MIN) return solveDirect(A, Y, beta, offset, options);
  const c = Y.cols;
  // one memo for every working-set round: each round's features are mostly the last round's
  const gram = options.gram ?? new GramMemo();
  const P = new Problem(A, Y, beta, offset, gram);
  const inW = new Uint8Array(K);
  const Zfull: Float64Array[] = [];
  for (let k = 0; k < K; k++) {
    const w = options.warm?.Z[k];
    Zfull.push(w && w.length === c && P.aa[k] > 0 ? new Float64Array(w) : new Float64Array(c));
    if (norm(Zfull[k]) > 0) inW[k] = 1;
  }
  const b2 = new Float64Array(c);
  if (offset !== 'none' && options.warm?.b2) b2.set(options.warm.b2);
  let sweeps = 0,
    newtonSteps = 0;
  const g = new Float64Array(c);
  for (let round = 0; round < 200; round++) {
    const R = P.residual(Zfull, b2);
    const viol: { k: number; v: number }[] = [];
    for (let k = 0; k < K; k++) {
      if (inW[k] || !(P.aa[k] > 0)) continue;
      const v = norm(P.corr(k, R, g));
      if (v > beta * (1 + 1e-12)) viol.push({ k, v });
    }
    if (viol.length === 0 && round > 0) break;
    viol.sort((x, y) => y.v - x.v);
    for (const { k } of viol.slice(0, 10)) inW[k] = 1;
    const idx: number[] = [];
    for (let k = 0; k < K; k++) if (inW[k]) idx.push(k);
    const sub = solveDirect(
      idx.map((k) => A[k]),
      Y,
      beta,
      offset,
      { ...options, gram, warm: { Z: idx.map((k) => Zfull[k]), b2 } },
    );
    sweeps += sub.sweeps;
    newtonSteps += sub.newtonSteps;
    idx.forEach((k, t) => Zfull[k].set(sub.Z[t]));
    b2.set(sub.b2);
    if (viol.length === 0) break;
  }
  const R = P.residual(Zfull, b2);
  const obj = P.objective(R, Zfull, b2);
  const dual = P.restrictedDual(R);
  const rel = obj > 0 ? (obj - dual) / obj : 0;
  const residual = zeros(Y.rows, c);
  residual.data.set(R);
  return {
    Z: Zfull,
    b2,
    residual,
    objective: obj,
    restrictedDual: dual,
    relGap: rel,
    sweeps,
    newtonSteps,
    converged: rel <= (options.relTol ?? LASSO_REL_TOL),
    kkt: P.kkt(R, Zfull, b2),
  };
}

/** Large bias of a constant neuron (free hidden bias): its penalty (β/2)‖v‖² = (β/2)‖b‖²/t² is negligible. */
export const CONSTANT_NEURON_SCALE = 1e8;

/**
 * The network the lasso solution describes: neuron k has ũ = u_k√‖z_k‖ and v = z_k/√‖z_k‖ (the
 * direction's bias entry becomes b1 for decayed/free hidden bias); zero groups are left out.
 * The offset becomes b2 when the output bias is free (or decayed with a decayed offset); with a
 * free hidden bias and no free output bias, it is realized as a constant neuron (u = 0, b1 = t,
 * v = offset/t, penalty (β/2)‖offset‖²/t² with t = 1e8·max(1, ‖offset‖)).
 */
export function lassoNetwork(dirs: Float64Array[], Z: Float64Array[], offset: Float64Array, d: number, modes: CertifyModes): NetworkWeights {
  const c = offset.length;
  const live: number[] = [];
  for (let k = 0; k < Z.length; k++) if (norm(Z[k]) > 0) live.push(k);
  const hb: HiddenBiasMode = modes.hiddenBias;
  const offNorm = norm(offset);
  const constNeuron = hb === 'free' && modes.outputBias !== 'free' && offNorm > 0;
  const m = live.length + (constNeuron ? 1 : 0);
  const W1 = zeros(m, d);
  const W2 = zeros(c, m);
  const b1 = hb === 'none' ? null : new Float64Array(m);
  live.forEach((k, t) => {
    const nz = norm(Z[k]);
    const sc = Math.sqrt(nz);
    for (let i = 0; i < d; i++) W1.data[t * d + i] = dirs[k][i] * sc;
    if (b1) b1[t] = dirs[k][d] * sc;
    for (let j = 0; j < c; j++) W2.data[j * m + t] = Z[k][j] / sc;
  });
  let b2: Float64Array | null = modes.outputBias === 'none' ? null : new Float64Array(c);
  if (constNeuron && b1) {
    const t = live.length;
    const big = CONSTANT_NEURON_SCALE * Math.max(1, offNorm);
    b1[t] = big;
    for (let j = 0; j < c; j++) W2.data[j * m + t] = offset[j] / big;
  } else if (b2) b2.set(offset);
  if (modes.outputBias === 'none' && !constNeuron) b2 = null;
  return { W1, b1, W2, b2 };
}

/** The lasso's offset mode for given network modes: a free hidden bias makes constants free. */
export function offsetModeFor(modes: CertifyModes): OffsetMode {
  return modes.hiddenBias === 'free' ? 'free' : modes.outputBias;
}
