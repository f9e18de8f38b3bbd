/**
 * searchOptimum's proof rule (src/core/certify/optimum.ts): a SOUND M̄ ≤ β(1 + OPTIMAL_M_TOL) at the
 * restricted optimum proves optimality whether or not the oracle closed. Checked with the exact oracle
 * relabelled "not exact" (its upper bound stays sound): the same optimum is proven; and with an oracle
 * whose M̄ is inflated above β, nothing is proven that the bounds do not show.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { searchOptimum } from '../../src/core/certify/optimum';
import { computeOracle } from '../../src/core/oracle';
import type { OracleFn } from '../../src/core/oracle/types';
import type { Mat } from '../../src/core/linalg/mat';
import { gauss, rng } from '../reference/small';

function data(seed: number, n: number, d: number) {
  const R = rng(seed);
  const X: Mat = { rows: n, cols: d, data: Float64Array.from({ length: n * d }, () => gauss(R)) };
  const Y: Mat = { rows: n, cols: 1, data: Float64Array.from({ length: n }, (_, i) => Math.max(0, X.data[i * d] - 0.3) + 0.1 * gauss(R)) };
  return { X, Y };
}

test('a sound M̄ ≤ β(1 + tol) proves the optimum without an exact oracle; an inflated M̄ proves nothing', () => {
  for (let s = 0; s < 3; s++) {
    const { X, Y } = data(40 + s, 12, 2);
    const beta = 0.05;
    const common = {
      beta,
      modes: { hiddenBias: 'decayed' as const, outputBias: 'decayed' as const },
      seedDirs: [],
      patternBudget: 1e6,
      seed: 1,
      maxIterations: 200,
    };
    const exact = searchOptimum(X, Y, { ...common, oracle: computeOracle });
    assert.ok(exact.exact, exact.stopReason);
    const notExact: OracleFn = (Xt, L, o) => ({ ...computeOracle(Xt, L, o), exact: false });
    const soundOnly = searchOptimum(X, Y, { ...common, oracle: notExact });
    assert.ok(soundOnly.exact, soundOnly.stopReason);
    assert.match(soundOnly.stopReason, /sound oracle bound/);
    assert.ok(Math.abs(soundOnly.value - exact.value) <= 1e-8 * exact.value, `${soundOnly.value} vs ${exact.value}`);
    // an M̄ that never comes below 1.01·β: no proof by the oracle's bound, and the gap says so
    const loose: OracleFn = (Xt, L, o) => {
      const r = computeOracle(Xt, L, o);
      return { ...r, exact: false, upper: Math.max(r.upper, 1.01 * beta) };
    };
    const res = searchOptimum(X, Y, { ...common, oracle: loose, maxIterations: 40 });
    assert.doesNotMatch(res.stopReason, /sound oracle bound|exact oracle/);
    if (res.exact) assert.ok(res.relGap <= 1e-6, `exact with relGap ${res.relGap}`);
  }
});
