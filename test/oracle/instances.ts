/** Random test instances for the global searches: X (n×d, optionally a ones column, optionally on a ½-grid: degenerate) and Λ (n×c), Gaussian. */
import type { Mat } from '../../src/core/linalg/mat';
import { gauss, rng } from '../reference/small';

export function randomInstance(seed: number, n: number, d: number, c: number, ones: boolean, grid = false): { X: Mat; L: Mat } {
  const R = rng(seed);
  const p = d + (ones ? 1 : 0);
  const X: Mat = { rows: n, cols: p, data: new Float64Array(n * p) };
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < d; k++) X.data[i * p + k] = grid ? Math.round(2 * gauss(R)) / 2 : gauss(R);
    if (ones) X.data[i * p + d] = 1;
  }
  const L: Mat = { rows: n, cols: c, data: Float64Array.from({ length: n * c }, () => gauss(R)) };
  return { X, L };
}
