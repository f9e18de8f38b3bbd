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
 * The formulas live one file per loss (./hinge.ts, ./logistic.ts, ./crossEntropy.ts, ./huber.ts,
 * ./squared.ts; interface ./loss.ts); this module dispatches through ./registry.ts.
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
 *  - Huber h_δ(f − y): G(λ) = Σ λ_iy_i − λ_i²/2 with |λ_i| ≤ δ (./huber.ts).
 *    test/losses/conjugates.test.ts and huber.test.ts check them against a brute-force min_F ℓ(F) + ⟨λ, F⟩.
 * Candidates λ = −∇ℓ(F): hinge y·1[t < 1] (a subgradient), logistic y·σ(−t), cross-entropy
 * y − softmax(F); each lies in the domain, and so does sλ for s ∈ [0, 1] (the domains are convex
 * and contain 0: y·sλ ∈ [0, s] ⊂ [0, 1]; y − sλ = (1 − s)y + s·softmax ∈ Δ).
 * Smoothed hinge (the solver's stand-in for the non-smooth hinge): ./hinge.ts.
 */
import { type Mat, zeros } from '../linalg/mat';
import type { LossName } from '../problem/loss';
import { lossOf, type LossRef } from './registry';

export { softplus, sigmoid, binaryEntropy } from './logistic';
export { CE_ROW_SUM_TOL } from './crossEntropy';

/** every loss but the squared one (whose certificate runs in src/core/certify/) */
export type ClassLoss = Exclude<LossName, 'squared'>;

/**
 * ℓ(F) for labels Y in the loss's form. `mu` > 0 (hinge only) evaluates the smoothed hinge ℓ_μ
 * used inside the solver; every objective reported to the user uses mu = 0.
 */
export function lossValue(F: Mat, Y: Mat, loss: LossRef, mu = 0): number {
  if (F.rows !== Y.rows || F.cols !== Y.cols) throw new RangeError(`lossValue: F is ${F.rows}×${F.cols}, Y is ${Y.rows}×${Y.cols}`);
  return lossOf(loss).value(F, Y, mu);
}

/**
 * Λ = −∇ℓ(F) (n×c). Hinge: the subgradient y·1[yF < 1] (mu = 0) or the smoothed-hinge
 * gradient y·clip((1 − yF)/μ, 0, 1).
 */
export function negGradient(F: Mat, Y: Mat, loss: LossRef, mu = 0): Mat {
  const L = zeros(F.rows, F.cols);
  lossOf(loss).negGradient(F, Y, mu, L);
  return L;
}

/** Per-sample curvature bound of ℓ (for the solver's initial step): Loss.curvatureBound. */
export function curvatureBound(loss: LossRef, mu: number): number {
  return lossOf(loss).curvatureBound(mu);
}

/**
 * G(Λ) = −ℓ*(−Λ) evaluated as written (no tolerance): −Infinity when Λ is outside the domain.
 * For cross-entropy the row condition Σ_k λ_ik = 0 is checked only to CE_ROW_SUM_TOL (a
 * floating-point point never meets it exactly); ./dualPoint.ts bounds the distance to the exact
 * feasible point.
 * `mu` > 0 (hinge) gives the smoothed hinge's dual G(λ) − (μ/2)‖λ‖² (only the solver uses it).
 */
export function dualObjective(L: Mat, Y: Mat, loss: LossRef, mu = 0): number {
  return lossOf(loss).dualValue(L, Y, mu);
}
