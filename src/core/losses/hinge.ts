/**
 * Hinge loss ℓ(t) = max(0, 1 − t), t = y·f, y ∈ {±1} (MATH.md §8, [EP Thm 12]).
 * Conjugate: ℓ*(g) = gy if gy ∈ [−1, 0] (the sup of (gy)t − max(0, 1 − t) is at t = 1), else +∞,
 * so G(λ) = Σ y_iλ_i with 0 ≤ y_iλ_i ≤ 1. Candidate: the subgradient λ = y·1[t < 1].
 * Smoothed hinge (the solvers' stand-in): ℓ_μ(t) = 0 for t ≥ 1, (1 − t)²/(2μ) for 1 − μ ≤ t < 1,
 * 1 − t − μ/2 below; ℓ_μ ≤ ℓ ≤ ℓ_μ + μ/2, and −ℓ_μ' = y·clip((1 − t)/μ, 0, 1) lies in the hinge
 * domain; its dual is G(λ) − (μ/2)‖λ‖².
 */
import type { Mat } from '../linalg/mat';
import type { Loss } from './loss';
import { betaFromFramework } from './betaMap';
import { binaryIntoDomain, binaryLabels, binaryMargin } from './binary';

function smoothHinge(t: number, mu: number): number {
  if (t >= 1) return 0;
  if (t >= 1 - mu) return ((1 - t) * (1 - t)) / (2 * mu);
  return 1 - t - mu / 2;
}

export const hinge: Loss = {
  name: 'hinge',
  words: 'hinge loss',
  torchName: 'elementwise hinge',
  smoothed: true,
  rowSumZero: false,
  value(F: Mat, Y: Mat, mu: number): number {
    let s = 0;
    for (let i = 0; i < F.data.length; i++) {
      const t = Y.data[i] * F.data[i];
      s += mu > 0 ? smoothHinge(t, mu) : Math.max(0, 1 - t);
    }
    return s;
  },
  negGradient(F: Mat, Y: Mat, mu: number, L: Mat): void {
    for (let i = 0; i < F.data.length; i++) {
      const y = Y.data[i],
        t = y * F.data[i];
      L.data[i] = y * (mu > 0 ? Math.min(1, Math.max(0, (1 - t) / mu)) : t < 1 ? 1 : 0);
    }
  },
  dualValue(L: Mat, Y: Mat, mu: number): number {
    let s = 0;
    for (let i = 0; i < L.data.length; i++) {
      const p = Y.data[i] * L.data[i];
      if (!(p >= 0 && p <= 1)) return -Infinity;
      s += p - (mu > 0 ? 0.5 * mu * p * p : 0);
    }
    return s;
  },
  curvatureBound: (mu: number) => 1 / Math.max(mu, 1e-300),
  sampleHessian(F: Mat, Y: Mat, i: number, mu: number, H: Float64Array): void {
    const c = F.cols;
    H.fill(0);
    for (let k = 0; k < c; k++) {
      const t = Y.data[i * c + k] * F.data[i * c + k];
      H[k * c + k] = t < 1 && t >= 1 - mu && mu > 0 ? 1 / mu : 0;
    }
  },
  intoDomain: binaryIntoDomain,
  domainMargin: binaryMargin,
  // ∂G/∂λ = y: |·| = 1
  dualLipschitz: () => 1,
  beta: (spec, n, c) => betaFromFramework(spec, n, c, { torchName: 'elementwise hinge', words: 'hinge', meanOverSamples: false }),
  labels: (Y: Mat, c: number) => binaryLabels(Y, 'hinge', c),
};
