/**
 * Logistic loss ℓ(t) = log(1 + e^{−t}), t = y·f, y ∈ {±1} (BCEWithLogitsLoss on targets (y+1)/2;
 * MATH.md §8, derived). Conjugate: the sup of (gy)t − log(1 + e^{−t}) is at σ(−t) = −gy =: p,
 * value p log p + (1−p) log(1−p) = −H(p) (p ∈ [0, 1] by closure, +∞ outside), so
 * G(λ) = Σ H(y_iλ_i) with y_iλ_i ∈ [0, 1], H the binary entropy in nats. Candidate λ = y·σ(−t).
 */
import type { Mat } from '../linalg/mat';
import type { Loss } from './loss';
import { betaFromFramework } from './betaMap';
import { binaryIntoDomain, binaryLabels, binaryMargin } from './binary';

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

export const logistic: Loss = {
  name: 'logistic',
  words: 'logistic loss',
  torchName: 'BCEWithLogitsLoss',
  smoothed: false,
  rowSumZero: false,
  value(F: Mat, Y: Mat): number {
    let s = 0;
    for (let i = 0; i < F.data.length; i++) s += softplus(-Y.data[i] * F.data[i]);
    return s;
  },
  negGradient(F: Mat, Y: Mat, _mu: number, L: Mat): void {
    for (let i = 0; i < F.data.length; i++) {
      const y = Y.data[i];
      L.data[i] = y * sigmoid(-y * F.data[i]);
    }
  },
  dualValue(L: Mat, Y: Mat): number {
    let s = 0;
    for (let i = 0; i < L.data.length; i++) {
      const h = binaryEntropy(Y.data[i] * L.data[i]);
      if (h === -Infinity) return -Infinity;
      s += h;
    }
    return s;
  },
  curvatureBound: () => 0.25,
  sampleHessian(F: Mat, Y: Mat, i: number, _mu: number, H: Float64Array): void {
    const c = F.cols;
    H.fill(0);
    for (let k = 0; k < c; k++) {
      const t = Y.data[i * c + k] * F.data[i * c + k];
      H[k * c + k] = sigmoid(t) * sigmoid(-t);
    }
  },
  intoDomain: binaryIntoDomain,
  domainMargin: binaryMargin,
  // |H'(p)| = |log((1 − p)/p)| ≤ −log(lower) for p at least `lower` inside [0, 1]
  dualLipschitz: (_L, _Y, lower) => Math.max(1, -Math.log(lower)),
  beta: (spec, n, c) => betaFromFramework(spec, n, c, { torchName: 'BCEWithLogitsLoss', words: 'logistic', meanOverSamples: false }),
  labels: (Y: Mat, c: number) => binaryLabels(Y, 'logistic', c),
};
