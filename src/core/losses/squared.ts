/**
 * Squared loss ℓ(F) = ½‖F − Y‖²_F (MATH.md §1–3). Conjugate ℓ*(g) = ⟨g, Y⟩ + ½‖g‖², so
 * G(Λ) = ⟨Λ, Y⟩ − ½‖Λ‖² on all of R^{n×c} (src/core/certify/dual.ts's D); the candidate Λ = Y − F
 * is the residual R. Its certificate runs in src/core/certify/ (closed-form best scale, exact
 * restricted solves); this instance serves the registry's users (values, labels, β).
 */
import { usageError } from '../errors';
import type { Mat } from '../linalg/mat';
import { betaFromSpec } from '../certify/beta';
import type { Loss } from './loss';

/** real labels, one column per model output (squared and Huber losses) */
export function realLabels(Y: Mat, c: number): Mat {
  if (Y.cols !== c) throw usageError(`The labels have ${Y.cols} column(s) but the model has ${c} output(s).`);
  return { rows: Y.rows, cols: Y.cols, data: new Float64Array(Y.data) };
}

/** Λᵀ1 = 0 by subtracting each column's mean (the orthogonal projection; the domain has no other constraint) */
export function centerColumns(L: Mat): void {
  const n = L.rows,
    c = L.cols;
  for (let k = 0; k < c; k++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += L.data[i * c + k];
    for (let i = 0; i < n; i++) L.data[i * c + k] -= s / n;
  }
}

/** max_i |y_i − λ_i| + e: |∂G/∂λ_i| = |y_i − λ'_i| within e of Λ (squared and Huber losses) */
export function residualLipschitz(L: Mat, Y: Mat, e: number): number {
  let m = 0;
  for (let i = 0; i < L.data.length; i++) m = Math.max(m, Math.abs(Y.data[i] - L.data[i]));
  return m + e;
}

export const squared: Loss = {
  name: 'squared',
  words: 'squared loss',
  torchName: 'MSELoss',
  smoothed: false,
  rowSumZero: false,
  value(F: Mat, Y: Mat): number {
    let s = 0;
    for (let i = 0; i < F.data.length; i++) s += 0.5 * (F.data[i] - Y.data[i]) ** 2;
    return s;
  },
  negGradient(F: Mat, Y: Mat, _mu: number, L: Mat): void {
    for (let i = 0; i < F.data.length; i++) L.data[i] = Y.data[i] - F.data[i];
  },
  dualValue(L: Mat, Y: Mat): number {
    let s = 0;
    for (let i = 0; i < L.data.length; i++) s += L.data[i] * Y.data[i] - 0.5 * L.data[i] * L.data[i];
    return s;
  },
  curvatureBound: () => 1,
  sampleHessian(F: Mat, _Y: Mat, _i: number, _mu: number, H: Float64Array): void {
    const c = F.cols;
    H.fill(0);
    for (let k = 0; k < c; k++) H[k * c + k] = 1;
  },
  intoDomain(L: Mat, _Y: Mat, meanZero: boolean): boolean {
    if (meanZero) centerColumns(L);
    return true;
  },
  domainMargin: () => Infinity,
  dualLipschitz: (L, Y, _lower, e) => residualLipschitz(L, Y, e),
  // MSELoss keeps its ½ inside the certificate's ½‖·‖²: certify/beta.ts
  beta: betaFromSpec,
  labels: realLabels,
};
