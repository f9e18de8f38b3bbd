/**
 * One own-cone block with a FREE hidden bias (MATH.md §3.5 with b unpenalized): for the pattern D and
 * g = X̃ᵀDλ (X̃ = [X, 1], last coordinate the bias), a sound upper bound on
 *   v(g) = sup { gᵀz : z = (u, b) ∈ K_D = {(2D − I)X̃z ≥ 0}, ‖u‖ ≤ 1 }
 * and a feasible maximizer candidate.
 *
 * Upper bound (linalg/cone.ts header; weak duality, valid for ANY μ ≥ 0): w = g + Aᵀμ,
 *  - mixed pattern (active and inactive rows): |b| ≤ x_max on K_D, so v ≤ ‖w_u‖ + |w_b|·x_max;
 *  - all-active pattern: b is unbounded above, so v is finite only when g_b = 1ᵀλ = 0, and then
 *    v = ‖g_u‖. The caller bounds the block for the exactly centred λ′ = λ − λ̄ and charges the
 *    difference ‖λ̄‖(σ_max(X) + √n·x_max) once for all blocks (as convex/bound.ts does);
 *  - all-inactive: (X̃z)_+ = 0 on K_D, v = 0.
 * μ comes from the weighted NNLS of cone.ts (bias weight FREE_BIAS_WEIGHT) followed by the exact
 * least squares with w_b = 0 on its passive set; μ = 0 (w = g) is always available as well, and the
 * smaller bound is kept. Neither's accuracy affects soundness: w is recomputed from the clipped μ.
 * When the caller only needs to know whether the block can exceed a running maximum, the Euclidean
 * projection (cone.ts, with its early stop) is tried first: ‖w_u‖ + |w_b|·x_max ≤ ‖w‖·√(1 + x_max²)
 * for any w = g + Aᵀμ, so a small ‖w‖ already settles the block (its bound is still returned).
 *
 * Candidate (for the oracle's argmax and `lower`): the KKT conditions of the block give
 * u = w_u/‖w_u‖ at the dual optimum; for that u the feasible biases form the interval
 * [max_{active i} −x_iᵀu, min_{inactive k} −x_kᵀu], and gᵀz is linear in b, so the better end is
 * taken. When the interval is empty (an inexact passive set) the Euclidean projection Π_K(g) — a
 * point of K, rescaled to ‖u‖ = 1 — gives u instead. A candidate with an empty interval beyond
 * rounding is dropped: every returned candidate lies in K_D (up to the rounding of a bias placed on
 * a kink) with ‖u‖ = 1.
 */
import { dot, type Mat } from '../linalg/mat';
import { FREE_BIAS_WEIGHT, exactLse, projectCone } from '../linalg/cone';

export interface FreeBlock {
  /** sound upper bound on v(g), before the caller's rounding allowance */
  bound: number;
  /** Σ_t μ_t‖x̃_t‖ of the μ behind `bound` (for the rounding allowance) */
  muMass: number;
  /** feasible maximizer candidate [u; b] (‖u‖ = 1) and gᵀ[u; b], or null */
  cand: Float64Array | null;
  score: number;
}

function normU(a: ArrayLike<number>, pu: number): number {
  let s = 0;
  for (let k = 0; k < pu; k++) s += a[k] * a[k];
  return Math.sqrt(s);
}

/** Bias interval making u's pattern equal to D; lo > hi when empty. */
function biasInterval(X: Float64Array, p: number, pattern: Uint8Array, u: ArrayLike<number>): { lo: number; hi: number; scale: number } {
  const n = pattern.length,
    pu = p - 1;
  let lo = -Infinity,
    hi = Infinity,
    scale = 0;
  for (let i = 0; i < n; i++) {
    let t = 0;
    for (let k = 0; k < pu; k++) t += X[i * p + k] * u[k];
    scale = Math.max(scale, Math.abs(t));
    if (pattern[i]) lo = Math.max(lo, -t);
    else hi = Math.min(hi, -t);
  }
  return { lo, hi, scale };
}

/** [u; b] for a unit u: the end of the bias interval that maximizes g_b·b (null when the interval is empty beyond rounding). */
function candidateFor(Xt: Mat, pattern: Uint8Array, g: Float64Array, u: Float64Array): Float64Array | null {
  const p = Xt.cols,
    pu = p - 1;
  const { lo, hi, scale } = biasInterval(Xt.data, p, pattern, u);
  let b: number;
  if (lo <= hi) b = g[pu] > 0 ? hi : g[pu] < 0 ? lo : Number.isFinite(lo) && Number.isFinite(hi) ? (lo + hi) / 2 : Number.isFinite(lo) ? lo : hi;
  else if (lo - hi <= 64 * 2.220446049250313e-16 * (p + 2) * Math.max(scale, 1e-300)) b = (lo + hi) / 2;
  else return null;
  if (!Number.isFinite(b)) b = 0; // all rows inactive and none active: any b ≤ hi, 0 only if hi = +∞
  const z = new Float64Array(p);
  z.set(u.subarray(0, pu));
  z[pu] = b;
  return z;
}

/**
 * @param Xt X̃ = [X, 1] (n × p, p = d + 1)
 * @param onCount number of active rows of the pattern
 * @param rowNorm ‖x̃_i‖
 * @param candAbove compute the maximizer candidate only when the bound exceeds this (a candidate's
 *   value never exceeds the block's bound, so a block below the best candidate so far cannot improve it)
 */
export function freeBiasBlock(
  Xt: Mat,
  pattern: Uint8Array,
  onCount: number,
  g: Float64Array,
  xMax: number,
  rowNorm: Float64Array,
  candAbove = -Infinity,
  /** the caller only needs to know whether the bound exceeds this (then a cheaper, looser bound may be returned) */
  stopBelow = -1,
  /** passive set of a previous call on the same block (warm start), updated in place */
  warm?: { active: number[] },
): FreeBlock {
  const n = Xt.rows,
    p = Xt.cols,
    pu = p - 1,
    X = Xt.data;
  if (onCount === 0) return { bound: 0, muMass: 0, cand: null, score: 0 };
  const gu = normU(g, pu);
  if (onCount === n) {
    // all active: for λ′ (Λ′ᵀ1 = 0) the bias drops out; b just keeps every row active
    if (!(gu > 0)) return { bound: 0, muMass: 0, cand: null, score: 0 };
    const u = Float64Array.from({ length: pu }, (_, k) => g[k] / gu);
    const { lo } = biasInterval(X, p, pattern, u);
    const z = new Float64Array(p);
    z.set(u);
    z[pu] = lo;
    return { bound: gu, muMass: 0, cand: z, score: dot(g, z) };
  }
  let bound = gu + Math.abs(g[pu]) * xMax; // μ = 0
  let muMass = 0;
  if (stopBelow > 0) {
    // ‖w_u‖ + |w_b|·x_max ≤ ‖w‖·√(1 + x_max²) for any w = g + Aᵀμ, so the Euclidean projection stopped
    // once ‖w‖ is small enough already shows that this block cannot matter
    const scale = Math.sqrt(1 + xMax * xMax) * (1 + 1e-15);
    const e = projectCone(Xt, pattern, g, 1, warm?.active, undefined, stopBelow / scale);
    if (e.early) {
      let mm = 0;
      e.active.forEach((j, t) => (mm += e.mu[t] * rowNorm[j]));
      const be = normU(e.z, pu) + Math.abs(e.z[pu]) * xMax;
      if (be < bound) return { bound: be, muMass: mm, cand: null, score: 0 };
      return { bound, muMass: 0, cand: null, score: 0 };
    }
  }
  const pr = projectCone(Xt, pattern, g, FREE_BIAS_WEIGHT, warm?.active);
  if (warm) warm.active = pr.active.slice();
  let mu = pr.mu;
  if (pr.active.length) {
    const ex = exactLse(Xt, pattern, g, pr.active);
    if (ex) mu = ex;
  }
  const w = Float64Array.from(g);
  let mm = 0;
  pr.active.forEach((j, t) => {
    const m0 = Math.max(0, mu[t]);
    if (!(m0 > 0)) return;
    const s = pattern[j] ? m0 : -m0;
    for (let k = 0; k < p; k++) w[k] += s * X[j * p + k];
    mm += m0 * rowNorm[j];
  });
  const wu = normU(w, pu);
  const bw = wu + Math.abs(w[pu]) * xMax;
  if (bw < bound) {
    bound = bw;
    muMass = mm;
  }
  if (!(bound > candAbove)) return { bound, muMass, cand: null, score: 0 };
  let cand: Float64Array | null = null;
  if (wu > 0)
    cand = candidateFor(
      Xt,
      pattern,
      g,
      Float64Array.from({ length: pu }, (_, k) => w[k] / wu),
    );
  if (!cand) {
    const e = projectCone(Xt, pattern, g, 1);
    const zu = normU(e.z, pu);
    if (zu > 0)
      cand = candidateFor(
        Xt,
        pattern,
        g,
        Float64Array.from({ length: pu }, (_, k) => e.z[k] / zu),
      );
  }
  return { bound, muMass, cand, score: cand ? dot(g, cand) : 0 };
}
