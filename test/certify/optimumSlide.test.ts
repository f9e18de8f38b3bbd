/**
 * The squared optimum's slide (certify/optimum.ts SlideFn, analysis/optimum.ts slideColumns; issue #16,
 * teacher d = 5): with the oracle's global search (rank 6, pattern budget 1), one barely violating
 * column per round left the restricted optimum creeping toward P* — the stall reproduced here as the
 * control: 25 rounds without the slide end more than 1% above P*. With the slide the same 25 rounds
 * reach P* and prove it. Work units only (rounds, nodes, Newton steps). Independent references: P* by
 * enumeration of every activation pattern, its proof checked by the all-patterns brute force
 * (test/reference/bruteOracleAnyRank.ts), and the slid result's own residual checked by it too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { searchOptimum } from '../../src/core/certify/optimum';
import { slideColumns } from '../../src/core/analysis/optimum';
import { computeOracle } from '../../src/core/oracle';
import { buildXt } from '../../src/core/problem/features';
import type { Mat } from '../../src/core/linalg/mat';
import { bruteOracleAnyRank } from '../reference/bruteOracleAnyRank';
import { gauss, rng } from '../reference/small';

function instance(seed: number) {
  const R = rng(seed);
  const n = 16,
    d = 5; // rank 6 with the decayed hidden bias: a global search when the pattern budget is 1
  const X: Mat = { rows: n, cols: d, data: Float64Array.from({ length: n * d }, () => gauss(R)) };
  const y = (i: number) => Math.max(0, X.data[i * d] + X.data[i * d + 1] - 0.3) - Math.max(0, X.data[i * d + 2]) + 0.1 * gauss(R);
  const Y: Mat = { rows: n, cols: 1, data: Float64Array.from({ length: n }, (_, i) => y(i)) };
  return { X, Y };
}

test('rank 6 with the global search: 25 rounds stall above P* without the slide and reach it, proven, with the slide', () => {
  const modes = { hiddenBias: 'decayed' as const, outputBias: 'decayed' as const };
  const beta = 0.1;
  for (const seed of [3]) {
    const { X, Y } = instance(seed);
    const Xt = buildXt(X, modes.hiddenBias);
    const common = { beta, modes, seedDirs: [], seed: 1, oracle: computeOracle };
    const ex = searchOptimum(X, Y, { ...common, patternBudget: 1e7, maxIterations: 300 });
    assert.ok(ex.exact && ex.residual, `seed ${seed}: ${ex.stopReason}`);
    assert.ok(bruteOracleAnyRank(Xt, ex.residual.data).value <= beta * (1 + 1e-6), `seed ${seed}: brute-force M above β at the reference optimum`);
    const pstar = ex.value;
    const searched = { ...common, patternBudget: 1, nodeBudget: 100, maxIterations: 25 };
    const stalled = searchOptimum(X, Y, searched);
    assert.ok(stalled.value > pstar * 1.01, `seed ${seed}: without the slide ${stalled.value} is within 1% of P* ${pstar} (no stall to reproduce)`);
    const slide = (dirs: Float64Array[], Z: Float64Array[], b2: Float64Array) =>
      slideColumns({ Xt, Y, loss: 'squared', beta, modes, steps: 1000, deadline: Infinity }, dirs, Z, b2);
    const r = searchOptimum(X, Y, { ...searched, slide });
    assert.ok(r.exact, `seed ${seed}: not proven (${r.stopReason})`);
    assert.ok(Math.abs(r.value - pstar) <= 1e-6 * pstar, `seed ${seed}: ${r.value} against P* ${pstar}`);
    assert.ok(r.lowerBound <= pstar * (1 + 1e-6) && r.lowerBound <= r.value, `seed ${seed}: bound ${r.lowerBound} above P* ${pstar}`);
    assert.ok(r.residual, `seed ${seed}: no residual`);
    const M = bruteOracleAnyRank(Xt, r.residual.data).attained;
    assert.ok(M <= beta * (1 + 1e-5), `seed ${seed}: brute-force M = ${M / beta}·β at the slid optimum's residual`);
  }
});
