/**
 * The classification optimum's round budget and final oracle call (src/core/analysis/optimum.ts
 * searchLossOptimum with src/core/certify/optimumRounds.ts, issue #16 item 6): the same rule as the
 * squared search's (test/certify/optimumRoundBudget.test.ts) — rounds that do not narrow the P* interval
 * end the search, which then makes one full oracle call at the best network's dual point on the
 * escalation schedule's last step. Work units only. The bound is checked independently: the JSON's
 * dual point Λ is dual feasible by the all-patterns brute force (M(Λ) ≤ β) and the reported bound is
 * not above D(Λ) computed with this test suite's own conjugate (test/analysis/lossOptimumReference.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { searchLossOptimum } from '../../src/core/analysis/optimum';
import { computeOracle } from '../../src/core/oracle';
import { OPTIMUM_ESCALATION_MAX_NODES, type OracleFn, type OracleOptions } from '../../src/core/oracle/types';
import { buildXt } from '../../src/core/problem/features';
import type { Mat } from '../../src/core/linalg/mat';
import { bruteOracleAnyRank } from '../reference/bruteOracleAnyRank';
import { gauss, rng } from '../reference/small';
import { smallProblem } from './lossOptimumData';
import { dualValue } from './lossOptimumReference';

test('logistic at rank 6: a search stopped by its round budget ends with a full call on the last step, and its dual point proves its bound', () => {
  const modes = { hiddenBias: 'decayed' as const, outputBias: 'decayed' as const };
  // with ±1 labels the n = 12 problems of β = 0.1 are proven within 1–4 rounds; seed 8 at n = 16, β = 0.01 is not
  const beta = 0.01;
  let budgetStops = 0;
  for (const seed of [3, 8]) {
    const pb = smallProblem(16, 5, 1, seed);
    const n = pb.X.length,
      d = 5;
    const X: Mat = { rows: n, cols: d, data: Float64Array.from(pb.X.flat()) };
    // the logistic loss takes labels ±1 (losses/logistic.ts); smallProblem gives 0/1
    const Y: Mat = { rows: n, cols: 1, data: Float64Array.from(pb.y, (v) => (v > 0 ? 1 : -1)) };
    const R = rng(seed);
    const seedDirs = Array.from({ length: 4 }, () => {
      const v = Float64Array.from({ length: d + 1 }, () => gauss(R));
      const nv = Math.hypot(...v);
      return v.map((x) => x / nv);
    });
    const calls: Partial<OracleOptions>[] = [];
    const oracle: OracleFn = (A, L, o) => {
      calls.push(o ?? {});
      return computeOracle(A, L, o);
    };
    const r = searchLossOptimum(X, Y, {
      beta,
      modes,
      loss: 'logistic',
      oracle,
      seedDirs,
      patternBudget: 1,
      nodeBudget: 1,
      seed: 1,
      maxIterations: 100,
      stallRounds: 1,
    });
    assert.ok(r.network && Number.isFinite(r.value), r.stopReason);
    if (!r.stopReason.startsWith('round budget')) continue;
    budgetStops++;
    // the last call is the final one, full, on the schedule's last step — unless the best network's own call was exact already (nothing to tighten)
    const last = calls[calls.length - 1];
    if (!r.dualOracle?.exact) {
      assert.equal(last.nodeBudget, OPTIMUM_ESCALATION_MAX_NODES, `seed ${seed}`);
      assert.equal(last.earlyDirection, undefined, `seed ${seed}`);
    }
    const dp = r.dualPoint;
    assert.ok(dp?.lambda, `seed ${seed}: no dual point`);
    assert.ok(dp.value <= r.value, `seed ${seed}: bound ${dp.value} above the objective ${r.value}`);
    const lam = dp.lambda.map((row) => row[0]);
    const M = bruteOracleAnyRank(buildXt(X, modes.hiddenBias), lam).attained;
    assert.ok(M <= beta * (1 + 1e-9), `seed ${seed}: the dual point's M ${M} is above β ${beta}`);
    const D = dualValue(dp.lambda, pb.y, 1, beta, 'logistic');
    assert.ok(dp.value <= D + 1e-9 * Math.abs(D), `seed ${seed}: bound ${dp.value} above D(Λ) = ${D}`);
  }
  assert.ok(budgetStops >= 1, 'no search stopped by the round budget');
});
