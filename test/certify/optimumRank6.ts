/**
 * A rank-6 oracle instance small enough for the all-patterns brute force (n = 12, d̃ = 6 with the
 * ones column): the optimum searches' escalation tests, where the oracle must search (pattern budget 1).
 */
import type { Mat } from '../../src/core/linalg/mat';
import { gauss, rng } from '../reference/small';

export function rank6Instance(seed: number): { Xt: Mat; L: Mat; R: () => number } {
  const R = rng(seed);
  const n = 12,
    d = 6;
  const Xt: Mat = { rows: n, cols: d, data: Float64Array.from({ length: n * d }, (_, k) => (k % d === d - 1 ? 1 : gauss(R))) };
  const L: Mat = { rows: n, cols: 1, data: Float64Array.from({ length: n }, () => gauss(R)) };
  return { Xt, L, R };
}
