/**
 * Shared helpers of the oracle: direct evaluation of h(u) = Λᵀ(X̃u)_+, a seeded PRNG, and the
 * named floating-point allowances.
 *
 * Floating-point allowance (used by every method): all the oracle's arithmetic consists of
 * sums of at most ~2n + O(d) products λ_i·(x̂_iᵀu) or λ_i·x̂_i, each bounded in magnitude by
 * |λ_i|‖x̂_i‖. Recursive summation of N such terms errs by at most γ_N·Σ|terms| with
 * γ_N = Nε/(1 − Nε) (Higham, Thm 4.4), and the incremental active sum G of a sweep undergoes
 * at most 2n additions/subtractions per circle, each rounding error ≤ ε·|running value| ≤
 * ε·Σ_i|λ_i|‖x̂_i‖. Cells or arc pieces misclassified by rounding (breakpoint angles are off by
 * a few ε, or ε/‖proj‖ for nearly parallel rows, where |x̂_jᵀu| is itself ≲ ε‖x̂_j‖) change h
 * by at most |λ_j|·|x̂_jᵀu| ≲ few·ε·|λ_j|‖x̂_j‖ each, and a cell missed entirely has all its
 * boundary arcs ≲ 1e-14 rad long, so its interior exceeds its swept boundary by at most
 * Lip(h)·diam ≤ Σ_i|λ_i|‖x̂_i‖·1e-14 (h is Lipschitz with constant ≤ Σ_i|λ_i|‖x̂_i‖).
 * Hence the allowance A = fpRel(n, d)·Σ_i‖Λ_i‖‖x̂_i‖ with
 *   fpRel = FP_ALLOWANCE_REL + FP_ALLOWANCE_PER_TERM·(n + d + 8),
 * i.e. 1e-12 (≈ 4500ε, for the misclassification/missed-cell terms and the O(d) work per
 * evaluation) plus 8ε per summed term (the γ_N terms of the sweep and of the direct evaluation).
 */
import type { Mat } from '../linalg/mat';

export const EPS = 2.220446049250313e-16;
/** Fixed part of the relative floating-point allowance (see header). */
export const FP_ALLOWANCE_REL = 1e-12;
/** Per-summed-term part of the relative floating-point allowance (8ε). */
export const FP_ALLOWANCE_PER_TERM = 8 * EPS;

export function fpRel(n: number, d: number): number {
  return FP_ALLOWANCE_REL + FP_ALLOWANCE_PER_TERM * (n + d + 8);
}

/** Σ_i ‖Λ_i‖·‖x_i‖ — the Lipschitz constant of u ↦ Λᵀ(Xu)_+ and the scale of all allowances. */
export function lipschitz(X: Mat, Lambda: Mat): number {
  let s = 0;
  const d = X.cols;
  const c = Lambda.cols;
  for (let i = 0; i < X.rows; i++) {
    let lx = 0;
    for (let k = 0; k < d; k++) lx += X.data[i * d + k] ** 2;
    let ll = 0;
    for (let k = 0; k < c; k++) ll += Lambda.data[i * c + k] ** 2;
    s += Math.sqrt(lx * ll);
  }
  return s;
}

/** v = Λᵀ(Xu + b)_+ (length c), written to out. */
export function evalVec(X: Mat, Lambda: Mat, u: ArrayLike<number>, b: number, out: Float64Array): Float64Array {
  const d = X.cols;
  const c = Lambda.cols;
  out.fill(0);
  for (let i = 0; i < X.rows; i++) {
    let z = b;
    const o = i * d;
    for (let k = 0; k < d; k++) z += X.data[o + k] * u[k];
    if (z > 0) {
      const l = i * c;
      for (let k = 0; k < c; k++) out[k] += Lambda.data[l + k] * z;
    }
  }
  return out;
}

/** h(u) = λᵀ(Xu + b)_+ for a scalar λ (length n). */
export function evalScalar(X: Mat, lam: ArrayLike<number>, u: ArrayLike<number>, b = 0): number {
  const d = X.cols;
  let s = 0;
  for (let i = 0; i < X.rows; i++) {
    const li = lam[i];
    if (li === 0) continue;
    let z = b;
    const o = i * d;
    for (let k = 0; k < d; k++) z += X.data[o + k] * u[k];
    if (z > 0) s += li * z;
  }
  return s;
}

export function vnorm(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return Math.sqrt(s);
}

/** Normalizes in place; returns the old norm (0 ⇒ left untouched). */
export function normalize(a: Float64Array): number {
  const nn = vnorm(a);
  if (nn > 0 && Number.isFinite(nn)) for (let i = 0; i < a.length; i++) a[i] /= nn;
  return nn;
}

export { makeRng, gaussian } from '../random';

/** Row norms ‖x_i‖. */
export function rowNorms(X: Mat): Float64Array {
  const out = new Float64Array(X.rows);
  const d = X.cols;
  for (let i = 0; i < X.rows; i++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += X.data[i * d + k] ** 2;
    out[i] = Math.sqrt(s);
  }
  return out;
}
