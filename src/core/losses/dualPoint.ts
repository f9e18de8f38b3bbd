/**
 * Dual points for the losses certified here (hinge, logistic, cross-entropy, Huber; MATH.md §3, §8):
 * a direction Λ0 inside the conjugate's domain, its best scale s ∈ [0, min(1, β/M̄)] by 1-D concave maximization, and a
 * rounding allowance so the value stays a lower bound on P*.
 *
 * Why the allowance has more parts than for the squared loss: the domains carry equalities a
 * floating-point Λ never meets exactly (cross-entropy: Σ_k λ_ik = 0; free biases: Λᵀ1 = 0). The
 * bound is stated for Λ' = the exact orthogonal projection of the computed Λ onto those
 * equalities. ‖Λ − Λ'‖_F ≤ e := √(‖r‖²/c + ‖Λᵀ1‖²/n) (r the row sums; the complement of the
 * subspace is {a1ᵀ + 1bᵀ}, on which the projection has exactly that norm minus t²/(nc)), with
 * the rounding of the sums added. Then
 *  - Λ' is in the domain when every entry is at least 2e inside it (checked: "margin");
 *  - |G(Λ') − G(Λ)| ≤ L·√(nc)·e with L a bound of |∂G/∂λ| on that box (Loss.dualLipschitz: 1 hinge,
 *    −log(margin − e) logistic, 1 − log(margin − e) cross-entropy, max|y − λ| + e Huber);
 *  - the b2 term moves by at most (2‖Λᵀ1‖ + √n e)√n e/(2β);
 *  - M(Λ') ≤ s·M̄(Λ0) + (e + s·e0 + 2ε s‖Λ0‖_F)·σ, σ a bound of the Lipschitz constant of M in
 *    Λ: σ_max(X̃) (fixed hidden bias), σ_max(X) + √n·max‖x_i‖ (free hidden bias, on Λᵀ1 = 0).
 * Domain entries are kept DOMAIN_MARGIN away from the boundary (a clamp that costs at most
 * ~n·c·1e-12·log(1e12) of dual value) so the margin test passes.
 */
import { type Mat, zeros } from '../linalg/mat';
import { EPS } from '../oracle/common';
import { hasBiasTerm, needsMeanZero } from '../certify/dual';
import type { CertifyModes } from '../problem/network';
import { dualObjective, negGradient } from './conjugates';
import { lossOf, type LossRef } from './registry';

export { DOMAIN_MARGIN } from './loss';

/** Relative rounding allowance per summed term of G(Λ) (log/exp evaluations included; 'lossDualRounding'). */
export const LOSS_DUAL_ROUNDING_PER_TERM = 16 * EPS;

/**
 * A dual direction from logits F: −∇ℓ(F) (smoothed hinge gradient when mu > 0), moved
 * DOMAIN_MARGIN inside the domain and onto Λᵀ1 = 0 when the modes require it. null when no
 * interior point with Λᵀ1 = 0 exists (a column with a single class).
 */
export function dualDirection(F: Mat, Y: Mat, loss: LossRef, modes: CertifyModes, mu = 0): Mat | null {
  const L = negGradient(F, Y, loss, mu);
  return fixDirection(L, Y, loss, modes);
}

/** Moves any Λ into the domain's interior (and onto Λᵀ1 = 0 if required); in place; null if impossible. */
export function fixDirection(L: Mat, Y: Mat, loss: LossRef, modes: CertifyModes): Mat | null {
  return lossOf(loss).intoDomain(L, Y, needsMeanZero(modes)) ? L : null;
}

function sums(L: Mat): { rows: Float64Array; cols: Float64Array; rowAbs: Float64Array; colAbs: Float64Array } {
  const n = L.rows,
    c = L.cols;
  const rows = new Float64Array(n),
    cols = new Float64Array(c),
    rowAbs = new Float64Array(n),
    colAbs = new Float64Array(c);
  for (let i = 0; i < n; i++)
    for (let k = 0; k < c; k++) {
      const v = L.data[i * c + k];
      rows[i] += v;
      cols[k] += v;
      rowAbs[i] += Math.abs(v);
      colAbs[k] += Math.abs(v);
    }
  return { rows, cols, rowAbs, colAbs };
}

/** e ≥ ‖Λ − Λ'‖_F (see the header), rounding of the sums included. */
export function equalityResidue(L: Mat, loss: LossRef, modes: CertifyModes): number {
  const n = L.rows,
    c = L.cols;
  const s = sums(L);
  let e2 = 0;
  if (lossOf(loss).rowSumZero) for (let i = 0; i < n; i++) e2 += (Math.abs(s.rows[i]) + (c + 1) * EPS * s.rowAbs[i]) ** 2 / c;
  if (needsMeanZero(modes)) for (let k = 0; k < c; k++) e2 += (Math.abs(s.cols[k]) + (n + 1) * EPS * s.colAbs[k]) ** 2 / n;
  return Math.sqrt(e2) * (1 + 1e-12);
}

function frob(L: Mat): number {
  let s = 0;
  for (const v of L.data) s += v * v;
  return Math.sqrt(s);
}

export interface LossScaledDual {
  s: number;
  /** D(sΛ0) minus the allowance: a lower bound on P* given M(Λ0) ≤ M̄ */
  value: number;
  raw: number;
  allowance: number;
  /** why s = 0, when it is */
  note?: string;
}

/** D(Λ) = G(Λ) − [b2 decayed]‖Λᵀ1‖²/(2β), computed as written (no allowance). */
export function lossDualValue(L: Mat, Y: Mat, loss: LossRef, beta: number, modes: CertifyModes, mu = 0): number {
  let v = dualObjective(L, Y, loss, mu);
  if (hasBiasTerm(modes)) {
    const s = sums(L).cols;
    let b = 0;
    for (const x of s) b += x * x;
    v -= b / (2 * beta);
  }
  return v;
}

/** maximize a concave φ on [0, hi] by golden-section search (the endpoints are candidates too) */
export function maximizeConcave(phi: (s: number) => number, hi: number): number {
  if (!(hi > 0)) return 0;
  const g = (Math.sqrt(5) - 1) / 2;
  let a = 0,
    b = hi;
  let x1 = b - g * (b - a),
    x2 = a + g * (b - a);
  let f1 = phi(x1),
    f2 = phi(x2);
  for (let it = 0; it < 80 && b - a > 1e-13 * hi; it++) {
    if (f1 < f2) {
      a = x1;
      x1 = x2;
      f1 = f2;
      x2 = a + g * (b - a);
      f2 = phi(x2);
    } else {
      b = x2;
      x2 = x1;
      f2 = f1;
      x1 = b - g * (b - a);
      f1 = phi(x1);
    }
  }
  const cands = [0, hi, (a + b) / 2];
  let best = 0,
    bestV = -Infinity;
  for (const s of cands) {
    const v = phi(s);
    if (v > bestV) {
      bestV = v;
      best = s;
    }
  }
  return best;
}

/**
 * Best scale of a direction Λ0 (from dualDirection/fixDirection) given an UPPER bound M̄ ≥ M(Λ0)
 * and σ (see the header): s ∈ [0, min(1, β/M̄')], value = D(sΛ0) − allowance.
 */
export function lossBestScale(L0: Mat, Y: Mat, lossRef: LossRef, beta: number, modes: CertifyModes, Mupper: number, sigma: number): LossScaledDual {
  const loss = lossOf(lossRef);
  const zero = (note: string): LossScaledDual => ({ s: 0, value: 0, raw: 0, allowance: 0, note });
  if (!(Mupper >= 0) || !Number.isFinite(Mupper)) return zero('no finite upper bound on M');
  const n = L0.rows,
    c = L0.cols,
    N = n * c;
  const e0 = equalityResidue(L0, loss, modes);
  const l0 = frob(L0);
  const sig = Number.isFinite(sigma) ? sigma : Infinity;
  const slack = (2 * e0 + 4 * EPS * l0) * sig;
  if (!Number.isFinite(slack)) return zero('no bound on σ');
  const mEff = Mupper + slack;
  const sMax = Math.min(1, mEff > 0 ? beta / mEff : 1);
  const scaled = (s: number): Mat => {
    const L = zeros(n, c);
    for (let i = 0; i < N; i++) L.data[i] = s * L0.data[i];
    return L;
  };
  const phi = (s: number) => lossDualValue(scaled(s), Y, loss, beta, modes);
  let s = maximizeConcave(phi, sMax);
  if (!(s > 0)) return zero('the best scale is 0');
  for (let attempt = 0; attempt < 40; attempt++, s *= 1 - 1e-9) {
    const L = scaled(s);
    const e = equalityResidue(L, loss, modes);
    const Mfinal = s * Mupper + (e + s * e0 + 2 * EPS * s * l0) * sig;
    if (Mfinal > beta) continue;
    const margin = loss.domainMargin(L, Y);
    if (e > 0 && !(margin >= 2 * e))
      return zero(`the equality residue ${e.toExponential(2)} is not small against the domain margin ${margin.toExponential(2)}`);
    if (!(margin >= 0)) return zero('the direction left the domain');
    const raw = lossDualValue(L, Y, loss, beta, modes);
    if (!Number.isFinite(raw)) return zero('the dual value is not finite');
    const lower = Math.max(margin - e, Number.MIN_VALUE);
    const Lip = loss.dualLipschitz(L, Y, lower, e);
    // rounding: Σ|terms| of G (each ≤ max(|λ|, H-term) ≤ 1 + log-size) and of the b2 term
    let absG = 0,
      absL = 0;
    for (let i = 0; i < N; i++) absL += Math.abs(L.data[i]) + Math.abs(Y.data[i]);
    absG = absL * Lip;
    const cs = sums(L);
    let colNorm2 = 0,
      colAbs2 = 0;
    for (let k = 0; k < c; k++) {
      colNorm2 += cs.cols[k] ** 2;
      colAbs2 += cs.colAbs[k] ** 2;
    }
    const bias = hasBiasTerm(modes);
    const roundTerm = LOSS_DUAL_ROUNDING_PER_TERM * (N + 8) * (absG + (bias ? colAbs2 / (2 * beta) : 0));
    const projTerm = e > 0 ? Lip * Math.sqrt(N) * e : 0;
    const biasTerm = bias && e > 0 ? ((2 * Math.sqrt(colNorm2) + Math.sqrt(n) * e) * Math.sqrt(n) * e) / (2 * beta) : 0;
    const allowance = (roundTerm + projTerm + biasTerm) * (1 + 1e-9);
    return { s, value: raw - allowance, raw, allowance };
  }
  return zero('could not keep M(sΛ) ≤ β after rounding');
}

/**
 * σ for lossBestScale: an upper bound on the Lipschitz constant of Λ ↦ M(Λ) in the Frobenius
 * norm. Fixed hidden bias: σ_max(X̃) (pass sigmaMaxXt). Free hidden bias (on Λᵀ1 = 0):
 * M_free = max(‖ΛᵀX‖, max_k M(Λ; X − 1x_kᵀ)) (oracle/freeBias.ts), each term Lipschitz with
 * σ_max(X − 1x_kᵀ) ≤ σ_max(X) + √n‖x_k‖.
 */
export function mLipschitz(modes: CertifyModes, sigmaMaxXt: number, X: Mat): number {
  if (modes.hiddenBias !== 'free') return sigmaMaxXt;
  let mx = 0;
  for (let i = 0; i < X.rows; i++) {
    let s = 0;
    for (let k = 0; k < X.cols; k++) s += X.data[i * X.cols + k] ** 2;
    mx = Math.max(mx, Math.sqrt(s));
  }
  return (sigmaMaxXt + Math.sqrt(X.rows) * mx) * (1 + 1e-12);
}
