/**
 * Losses ℓ(F) = Σ_i ℓ_i(F_i), their negative gradients (the dual candidates Λ = −∇ℓ(F)) and the
 * dual objectives G(Λ) = −ℓ*(−Λ) (MATH.md §8). Labels are in the form of ./labels.ts.
 *
 * Weak duality for every loss (derived; the same argument as src/core/certify/dual.ts): Fenchel's
 * inequality ℓ(F) + ℓ*(−Λ) ≥ ⟨−Λ, F⟩ gives ℓ(F) ≥ G(Λ) − ⟨Λ, F⟩ with F = Σ_j (X̃ũ_j)_+v_jᵀ + 1b2ᵀ;
 * each neuron then contributes β‖ũ_j‖‖v_j‖ − ⟨Λᵀ(X̃ũ_j)_+, v_j⟩ ≥ ‖ũ_j‖‖v_j‖(β − M(Λ)) ≥ 0 and the
 * output bias (β/2)‖b2‖² − ⟨Λᵀ1, b2⟩ ≥ −‖Λᵀ1‖²/(2β) (decayed; minimized at b2 = Λᵀ1/β) or 0
 * (free, needs Λᵀ1 = 0). Hence D(Λ) = G(Λ) − [b2 decayed]‖Λᵀ1‖²/(2β) ≤ P(θ) whenever M(Λ) ≤ β.
 * For the squared loss G(Λ) = ⟨Λ, Y⟩ − ½‖Λ‖², which is dual.ts's D — the sign conventions agree.
 *
 * Conjugates, per sample (t = y·f the margin, y ∈ {±1}, so g·f = (g·y)·t):
 *  - hinge max(0, 1 − t): ℓ*(g) = sup_t (gy)t − max(0, 1 − t) = gy if gy ∈ [−1, 0] (the sup is at
 *    t = 1: for t ≥ 1 the slope is gy ≤ 0, for t < 1 it is gy + 1 ≥ 0), else +∞. So
 *    G(λ) = Σ y_iλ_i with 0 ≤ y_iλ_i ≤ 1 [EP Thm 12].
 *  - logistic log(1 + e^{−t}): the sup of (gy)t − log(1 + e^{−t}) is at σ(−t) = −gy =: p, value
 *    p log p + (1−p) log(1−p) = −H(p) (p ∈ [0, 1] by closure, +∞ outside). So
 *    G(λ) = Σ H(y_iλ_i) with y_iλ_i ∈ [0, 1], H the binary entropy in nats.
 *  - cross-entropy lse(f) − ⟨y, f⟩ (y a one-hot row, or any point of the simplex Δ):
 *    ℓ*(g) = sup_f ⟨g + y, f⟩ − lse(f) = lse*(g + y), and lse* is the negative entropy
 *    Σ_k q_k log q_k on Δ (+∞ off Δ): the sup over f is attained at softmax(f) = q when q > 0
 *    (value Σ q_k log q_k since f_k = log q_k + const and Σq = 1), extends to the faces by closure,
 *    and is +∞ if Σq ≠ 1 (move f along 1) or some q_k < 0 (send f_k → −∞). With g = −λ:
 *    G(λ) = Σ_i H(y_i − λ_i), H(q) = −Σ_k q_k log q_k, subject to y_i − λ_i ∈ Δ (so Σ_k λ_ik = 0).
 *    test/losses/conjugates.test.ts checks all three against a brute-force min_F ℓ(F) + ⟨λ, F⟩.
 * Candidates λ = −∇ℓ(F): hinge y·1[t < 1] (a subgradient), logistic y·σ(−t), cross-entropy
 * y − softmax(F); each lies in the domain, and so does sλ for s ∈ [0, 1] (the domains are convex
 * and contain 0: y·sλ ∈ [0, s] ⊂ [0, 1]; y − sλ = (1 − s)y + s·softmax ∈ Δ).
 *
 * Smoothed hinge (the solver's stand-in for the non-smooth hinge): ℓ_μ(t) = 0 for t ≥ 1,
 * (1 − t)²/(2μ) for 1 − μ ≤ t < 1, 1 − t − μ/2 for t < 1 − μ; ℓ_μ ≤ ℓ ≤ ℓ_μ + μ/2, and
 * −ℓ_μ' = y·clip((1 − t)/μ, 0, 1) lies in the hinge domain, so its gradient is a hinge dual point.
 */
import { type Mat, zeros } from '../linalg/mat';
import type { LossName } from '../analysis/types';

export type ClassLoss = Exclude<LossName, 'squared'>;

/** log(1 + e^x) without overflow */
export function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

/** σ(x) = 1/(1 + e^{−x}) without overflow */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** binary entropy in nats; −Infinity outside [0, 1] (the conjugate is +∞ there) */
export function binaryEntropy(p: number): number {
  if (!(p >= 0 && p <= 1)) return -Infinity;
  if (p === 0 || p === 1) return 0;
  return -p * Math.log(p) - (1 - p) * Math.log1p(-p);
}

function rowLse(F: Mat, i: number): number {
  const c = F.cols, o = i * c;
  let mx = -Infinity;
  for (let k = 0; k < c; k++) mx = Math.max(mx, F.data[o + k]);
  let s = 0;
  for (let k = 0; k < c; k++) s += Math.exp(F.data[o + k] - mx);
  return mx + Math.log(s);
}

function smoothHinge(t: number, mu: number): number {
  if (t >= 1) return 0;
  if (t >= 1 - mu) return ((1 - t) * (1 - t)) / (2 * mu);
  return 1 - t - mu / 2;
}

/**
 * ℓ(F) for labels Y in the loss's form. `mu` > 0 (hinge only) evaluates the smoothed hinge ℓ_μ
 * used inside the solver; every objective reported to the user uses mu = 0.
 */
export function lossValue(F: Mat, Y: Mat, loss: LossName, mu = 0): number {
  if (F.rows !== Y.rows || F.cols !== Y.cols)
    throw new RangeError(`lossValue: F is ${F.rows}×${F.cols}, Y is ${Y.rows}×${Y.cols}`);
  const N = F.data.length;
  let s = 0;
  switch (loss) {
    case 'squared':
      for (let i = 0; i < N; i++) s += 0.5 * (F.data[i] - Y.data[i]) ** 2;
      return s;
    case 'hinge':
      for (let i = 0; i < N; i++) {
        const t = Y.data[i] * F.data[i];
        s += mu > 0 ? smoothHinge(t, mu) : Math.max(0, 1 - t);
      }
      return s;
    case 'logistic':
      for (let i = 0; i < N; i++) s += softplus(-Y.data[i] * F.data[i]);
      return s;
    case 'cross-entropy':
      for (let i = 0; i < F.rows; i++) {
        let yf = 0;
        for (let k = 0; k < F.cols; k++) yf += Y.data[i * F.cols + k] * F.data[i * F.cols + k];
        s += rowLse(F, i) - yf;
      }
      return s;
  }
}

/**
 * Λ = −∇ℓ(F) (n×c). Hinge: the subgradient y·1[yF < 1] (mu = 0) or the smoothed-hinge
 * gradient y·clip((1 − yF)/μ, 0, 1).
 */
export function negGradient(F: Mat, Y: Mat, loss: LossName, mu = 0): Mat {
  const L = zeros(F.rows, F.cols);
  const N = F.data.length;
  switch (loss) {
    case 'squared':
      for (let i = 0; i < N; i++) L.data[i] = Y.data[i] - F.data[i];
      break;
    case 'hinge':
      for (let i = 0; i < N; i++) {
        const y = Y.data[i], t = y * F.data[i];
        L.data[i] = y * (mu > 0 ? Math.min(1, Math.max(0, (1 - t) / mu)) : t < 1 ? 1 : 0);
      }
      break;
    case 'logistic':
      for (let i = 0; i < N; i++) {
        const y = Y.data[i];
        L.data[i] = y * sigmoid(-y * F.data[i]);
      }
      break;
    case 'cross-entropy': {
      const c = F.cols;
      for (let i = 0; i < F.rows; i++) {
        const lse = rowLse(F, i);
        for (let k = 0; k < c; k++) L.data[i * c + k] = Y.data[i * c + k] - Math.exp(F.data[i * c + k] - lse);
      }
      break;
    }
  }
  return L;
}

/**
 * Per-sample curvature bound of ℓ (for the solver's initial step): sup ℓ'' = 1 (squared),
 * 1/4 (logistic), 1/2 (cross-entropy: λ_max(diag(p) − ppᵀ) ≤ 1/2), 1/μ (smoothed hinge).
 */
export function curvatureBound(loss: LossName, mu: number): number {
  switch (loss) {
    case 'squared':
      return 1;
    case 'logistic':
      return 0.25;
    case 'cross-entropy':
      return 0.5;
    case 'hinge':
      return 1 / Math.max(mu, 1e-300);
  }
}

/**
 * G(Λ) = −ℓ*(−Λ) evaluated as written (no tolerance): −Infinity when Λ is outside the domain.
 * For cross-entropy the row condition Σ_k λ_ik = 0 is checked only to CE_ROW_SUM_TOL (a
 * floating-point point never meets it exactly); ./dualPoint.ts bounds the distance to the exact
 * feasible point.
 * `mu` > 0 (hinge) gives the smoothed hinge's dual G(λ) − (μ/2)‖λ‖² (only the solver uses it).
 */
export function dualObjective(L: Mat, Y: Mat, loss: LossName, mu = 0): number {
  const N = L.data.length;
  let s = 0;
  switch (loss) {
    case 'squared':
      for (let i = 0; i < N; i++) s += L.data[i] * Y.data[i] - 0.5 * L.data[i] * L.data[i];
      return s;
    case 'hinge':
      for (let i = 0; i < N; i++) {
        const p = Y.data[i] * L.data[i];
        if (!(p >= 0 && p <= 1)) return -Infinity;
        s += p - (mu > 0 ? 0.5 * mu * p * p : 0);
      }
      return s;
    case 'logistic':
      for (let i = 0; i < N; i++) {
        const h = binaryEntropy(Y.data[i] * L.data[i]);
        if (h === -Infinity) return -Infinity;
        s += h;
      }
      return s;
    case 'cross-entropy': {
      const c = L.cols;
      for (let r = 0; r < L.rows; r++) {
        let rs = 0, ra = 0;
        for (let k = 0; k < c; k++) {
          rs += L.data[r * c + k];
          ra += Math.abs(L.data[r * c + k]);
        }
        if (Math.abs(rs) > CE_ROW_SUM_TOL * (1 + ra)) return -Infinity; // clearly off the simplex
      }
      for (let i = 0; i < N; i++) {
        const q = Y.data[i] - L.data[i];
        if (!(q >= 0 && q <= 1)) return -Infinity;
        if (q > 0) s -= q * Math.log(q);
      }
      return s;
    }
  }
}

/**
 * Cross-entropy rows with |Σ_k λ_ik| above this (relative) are off the simplex: G = −∞. Below it
 * the value is computed as written and ./dualPoint.ts accounts for the distance to the simplex.
 */
export const CE_ROW_SUM_TOL = 1e-9;
