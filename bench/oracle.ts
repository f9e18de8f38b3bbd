import { computeOracle } from '../src/core/oracle';
import { upperBound } from '../src/core/oracle/bounds';
import { gaussian, makeRng } from '../src/core/random';
import { zeros } from '../src/core/linalg/mat';

/**
 * The exact rank-3 oracle (2-D data + hidden bias) against its baseline in the same run: the
 * sound bounds alone (MATH.md §3.6), which is what a certificate would fall back to.
 */
export function benchOracle(ns: number[]) {
  const rows: Record<string, unknown>[] = [];
  for (const n of ns) {
    const r = makeRng(n);
    const X = zeros(n, 3),
      L = zeros(n, 1);
    for (let i = 0; i < n; i++) {
      X.data[3 * i] = gaussian(r);
      X.data[3 * i + 1] = gaussian(r);
      X.data[3 * i + 2] = 1;
      L.data[i] = gaussian(r);
    }
    const t0 = performance.now();
    const exact = computeOracle(X, L);
    const ms = performance.now() - t0;
    const t1 = performance.now();
    const bounds = upperBound(X, L);
    const baselineMs = performance.now() - t1;
    rows.push({
      bench: 'oracle-rank3',
      n,
      ms,
      method: exact.method,
      exact: exact.exact,
      patterns: exact.patterns,
      value: exact.upper,
      baselineBoundsMs: baselineMs,
      baselineMethod: 'sound upper bounds only (MATH.md §3.6)',
      baselineUpper: bounds.upper,
      boundsLooseness: bounds.upper / exact.upper,
    });
  }
  return rows;
}
