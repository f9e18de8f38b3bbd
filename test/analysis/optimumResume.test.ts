/**
 * The optimum's resumption (src/core/certify/optimumRounds.ts FinalResume, issue #16 items 4 and 6):
 * when the rounds stop because their own oracle calls find no new violating direction and the final
 * call (more work: optimumRounds.ts finalStep) finds one, it becomes a column and the rounds go on.
 * The rounds' calls here are the oracle with its search and samples off (0 nodes: sound bounds only,
 * a real setting), so only the final call — the full search, which closes at n = 12 — finds columns.
 * Work units only, nothing timed. The proof is checked independently: the returned network's objective
 * by plain loops (lossOptimumData.ts), the dual point's M by the all-patterns brute force
 * (test/reference/bruteOracleAnyRank.ts) and D(Λ) by this suite's own conjugate (lossOptimumReference.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { searchLossOptimum } from '../../src/core/analysis/optimum';
import { escalationSchedule, finalStep } from '../../src/core/certify/optimumRounds';
import { buildXt } from '../../src/core/problem/features';
import type { Mat } from '../../src/core/linalg/mat';
import { finalOnlyOracle } from '../certify/finalOnlyOracle';
import { bruteOracleAnyRank } from '../reference/bruteOracleAnyRank';
import { gauss, rng } from '../reference/small';
import { plainObjective, smallProblem, type Net } from './lossOptimumData';
import { dualValue } from './lossOptimumReference';

test('logistic at rank 6: rounds starved of directions resume from the final call and end proven; P* checked by brute force', () => {
  const modes = { hiddenBias: 'decayed' as const, outputBias: 'decayed' as const };
  const beta = 0.5;
  const n = 12,
    d = 5;
  const nodeBudget = 1;
  const finalNodes = finalStep(escalationSchedule(nodeBudget), n).nodeBudget!;
  let resumed = 0;
  for (const seed of [5, 2]) {
    const pb = smallProblem(n, d, 1, seed);
    const X: Mat = { rows: n, cols: d, data: Float64Array.from(pb.X.flat()) };
    // the labels as the engine takes them for the logistic loss (±1; losses/labels.ts)
    const Y: Mat = { rows: n, cols: 1, data: Float64Array.from(pb.y, (v) => (v > 0 ? 1 : -1)) };
    const R = rng(seed);
    const seedDirs = Array.from({ length: 2 }, () => {
      const v = Float64Array.from({ length: d + 1 }, () => gauss(R));
      const nv = Math.hypot(...v);
      return v.map((x) => x / nv);
    });
    const { oracle, finals, reset } = finalOnlyOracle(finalNodes);
    const common = { beta, modes, loss: 'logistic' as const, seedDirs, patternBudget: 1, nodeBudget, seed: 1, maxIterations: 300 };
    // without resumptions the first final call's direction is left unused: not proven, and the stop says why
    const once = searchLossOptimum(X, Y, { ...common, oracle, resumes: 0 });
    const firstFound = finals() === 1 && /the objective may be loose too/.test(once.stopReason);
    if (firstFound)
      assert.match(
        once.stopReason,
        /the resumptions from the final call's directions are spent \(0 of a fixed 0\): running the optimum search again/,
        `seed ${seed}`,
      );
    reset();
    const r = searchLossOptimum(X, Y, { ...common, oracle, resumes: 50 });
    if (!firstFound) continue;
    resumed++;
    assert.ok(finals() >= 2, `seed ${seed}: ${finals()} final call(s)`);
    assert.match(r.stopReason, /the rounds resumed \d+× from a violating direction the final oracle call found/, `seed ${seed}`);
    assert.ok(r.network && r.dualPoint?.lambda, `seed ${seed}: ${r.stopReason}`);
    assert.ok(r.value < once.value, `seed ${seed}: resuming did not lower the objective (${r.value} vs ${once.value})`);
    // proven: the dual bound meets the objective; checked without the engine's numbers
    const w = r.network;
    const net: Net = { W1: toRows(w.W1), b1: Array.from(w.b1 ?? []), W2: toRows(w.W2), b2: Array.from(w.b2 ?? []) };
    const P = plainObjective(net, pb, beta, 'logistic');
    assert.ok(Math.abs(P - r.value) <= 1e-9 * P, `seed ${seed}: value ${r.value} vs plain ${P}`);
    const lam = r.dualPoint.lambda;
    const M = bruteOracleAnyRank(
      buildXt(X, modes.hiddenBias),
      lam.map((row) => row[0]),
    ).attained;
    assert.ok(M <= beta * (1 + 1e-9), `seed ${seed}: brute-force M ${M} above β at the proving dual point`);
    const D = dualValue(lam, pb.y, 1, beta, 'logistic');
    assert.ok(r.lowerBound <= D + 1e-9 * Math.abs(D), `seed ${seed}: bound ${r.lowerBound} above D(Λ) = ${D}`);
    assert.ok((P - D) / P <= 1e-6, `seed ${seed}: not proven, P* ∈ [${D}, ${P}] (${r.stopReason})`);
    assert.deepEqual(r.steps, [], `seed ${seed}: settle steps of a proven optimum`);
  }
  assert.ok(resumed >= 1, 'no instance where the first final call found a direction');
});

function toRows(m: Mat): number[][] {
  return Array.from({ length: m.rows }, (_, i) => Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols)));
}
