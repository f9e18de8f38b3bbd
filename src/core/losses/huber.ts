/**
 * Huber loss ℓ(F) = Σ h_δ(F_i − Y_i), h_δ(r) = r²/2 for |r| ≤ δ, δ(|r| − δ/2) beyond (PyTorch's
 * HuberLoss(delta=δ), default δ = 1; CLI --huber-delta). Labels: reals, one column per output.
 *
 * Conjugate (derived; test/losses/huber.test.ts checks it against a brute-force sup):
 * h_δ = ½(·)² □ δ|·| (the infimal convolution of the square and δ|·|), so
 * h_δ* = (½(·)²)* + (δ|·|)* = g²/2 + ι_{[−δ, δ]}(g). For ℓ_i(z) = h_δ(z − y_i),
 * ℓ_i*(g) = sup_z gz − h_δ(z − y_i) = g·y_i + h_δ*(g). With g = −λ:
 *   G(λ) = −ℓ*(−λ) = Σ_i λ_iy_i − λ_i²/2   subject to |λ_i| ≤ δ,
 * the squared loss's dual restricted to a box. Candidate λ = −∇ℓ(F) = clip(Y − F, −δ, δ) (in the
 * box); the box is convex and contains 0, so sλ stays feasible for s ∈ [0, 1].
 *
 * SmoothL1Loss(beta=b) = HuberLoss(delta=b)/b elementwise (PyTorch: 0.5r²/b for |r| < b, |r| − b/2
 * beyond). Training (1/N)Σ smoothl1_b + (wd/2)‖θ‖² is, times N·b, Σ h_b + (N·b·wd/2)‖θ‖²: certify it
 * as Huber with δ = b and β = N·b·wd (mean, N = n·c) or b·wd (sum): smoothL1Beta below (the CLI's
 * --loss huber means HuberLoss; for SmoothL1Loss give --huber-delta b and β directly).
 */
import type { Mat } from '../linalg/mat';
import type { BetaSpec } from '../certify/types';
import { usageError } from '../errors';
import { DOMAIN_MARGIN, type Loss } from './loss';
import { betaFromFramework } from './betaMap';
import { fmtTerm as fmt } from '../format/numbers';
import { realLabels, residualLipschitz } from './squared';

/** PyTorch's HuberLoss default delta (and SmoothL1Loss's default beta). */
export const HUBER_DEFAULT_DELTA = 1;

export function huberLoss(delta: number = HUBER_DEFAULT_DELTA): Loss {
  if (!(Number.isFinite(delta) && delta > 0)) throw usageError(`The Huber threshold δ (--huber-delta) must be a positive finite number (got ${delta}).`);
  const inner = delta * (1 - DOMAIN_MARGIN);
  return {
    name: 'huber',
    words: `Huber loss (δ = ${fmt(delta)})`,
    torchName: 'HuberLoss',
    smoothed: false,
    rowSumZero: false,
    value(F: Mat, Y: Mat): number {
      let s = 0;
      for (let i = 0; i < F.data.length; i++) {
        const r = Math.abs(F.data[i] - Y.data[i]);
        s += r <= delta ? 0.5 * r * r : delta * (r - 0.5 * delta);
      }
      return s;
    },
    negGradient(F: Mat, Y: Mat, _mu: number, L: Mat): void {
      for (let i = 0; i < F.data.length; i++) L.data[i] = Math.min(delta, Math.max(-delta, Y.data[i] - F.data[i]));
    },
    dualValue(L: Mat, Y: Mat): number {
      let s = 0;
      for (let i = 0; i < L.data.length; i++) {
        const l = L.data[i];
        if (!(Math.abs(l) <= delta)) return -Infinity;
        s += l * Y.data[i] - 0.5 * l * l;
      }
      return s;
    },
    curvatureBound: () => 1,
    sampleHessian(F: Mat, Y: Mat, i: number, _mu: number, H: Float64Array): void {
      const c = F.cols;
      H.fill(0);
      for (let k = 0; k < c; k++) H[k * c + k] = Math.abs(F.data[i * c + k] - Y.data[i * c + k]) < delta ? 1 : 0;
    },
    intoDomain(L: Mat, _Y: Mat, meanZero: boolean): boolean {
      for (let i = 0; i < L.data.length; i++) L.data[i] = Math.min(inner, Math.max(-inner, L.data[i]));
      // Λᵀ1 = 0 inside the box: per column scale the larger of the positive and negative parts down to the other
      if (meanZero) {
        const n = L.rows,
          c = L.cols;
        for (let k = 0; k < c; k++) {
          let sp = 0,
            sm = 0;
          for (let i = 0; i < n; i++) {
            const v = L.data[i * c + k];
            if (v > 0) sp += v;
            else sm -= v;
          }
          const shrinkPos = sp > sm;
          const ratio = shrinkPos ? sm / sp : sm > 0 ? sp / sm : 1;
          for (let i = 0; i < n; i++) if (L.data[i * c + k] > 0 === shrinkPos) L.data[i * c + k] *= ratio;
        }
      }
      return true;
    },
    domainMargin(L: Mat): number {
      let m = Infinity;
      for (const l of L.data) m = Math.min(m, delta - Math.abs(l));
      return m;
    },
    dualLipschitz: (L, Y, _lower, e) => residualLipschitz(L, Y, e),
    beta: (spec: BetaSpec, n: number, c: number) => betaFromFramework(spec, n, c, { torchName: 'HuberLoss', words: 'Huber', meanOverSamples: false }),
    labels: realLabels,
  };
}

/** β of a SmoothL1Loss(beta=b) training run, certified as Huber with δ = b (see the header). */
export function smoothL1Beta(spec: BetaSpec, n: number, c: number, b: number) {
  return betaFromFramework(spec, n, c, { torchName: 'SmoothL1Loss', words: 'Huber', meanOverSamples: false, scale: b });
}
