/**
 * X̃ and the feature directions (MATH.md §1–§2): X̃ = [X, 1] when the hidden bias is decayed, X
 * otherwise; a direction is [u; b] (or u when the hidden bias is absent).
 */
import { appendOnes, type Mat } from '../linalg/mat';
import type { HiddenBiasMode } from './network';

/** X̃ as the oracle wants it: [X, 1] for a decayed hidden bias, X otherwise (free bias: the oracle adds b). */
export function buildXt(X: Mat, hiddenBias: HiddenBiasMode): Mat {
  return hiddenBias === 'decayed' ? appendOnes(X) : X;
}

/** Length of a feature direction: d+1 ([u; b]) for decayed/free hidden bias, d for none. */
export function featureDim(d: number, hiddenBias: HiddenBiasMode): number {
  return hiddenBias === 'none' ? d : d + 1;
}

/** a = (X u + b)_+ for a feature direction [u; b] (or u when the hidden bias is absent). */
export function featureActivation(X: Mat, dir: ArrayLike<number>, hiddenBias: HiddenBiasMode): Float64Array {
  const n = X.rows,
    d = X.cols;
  const b = hiddenBias === 'none' ? 0 : dir[d];
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let z = b;
    for (let k = 0; k < d; k++) z += X.data[i * d + k] * dir[k];
    a[i] = z > 0 ? z : 0;
  }
  return a;
}
