/**
 * The squared optimum's resumption (src/core/certify/optimumRounds.ts FinalResume, issue #16): rounds
 * whose own oracle calls find no new violating direction (search and samples off: 0 nodes, a real
 * setting) stop; the final call (finalStep's work, the full search, which closes at n = 12) finds one,
 * it becomes a column and the rounds resume (one final call's columns a time: the objective falls
 * toward P*; test/analysis/optimumResume.test.ts ends proven). Work units only, nothing timed.
 * Independent reference: P* by exact enumeration, its proof checked by the all-patterns brute force
 * (test/reference/bruteOracleAnyRank.ts) at its residual.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { searchOptimum } from '../../src/core/certify/optimum';
import { escalationSchedule, finalStep } from '../../src/core/certify/optimumRounds';
import { computeOracle } from '../../src/core/oracle';
import { buildXt } from '../../src/core/problem/features';
import type { Mat } from '../../src/core/linalg/mat';
import { finalOnlyOracle } from './finalOnlyOracle';
import { bruteOracleAnyRank } from '../reference/bruteOracleAnyRank';
import { gauss, rng } from '../reference/small';

test('squared at rank 6: rounds starved of directions resume from the final call and close in on the brute-force-checked P*', () => {
  const modes = { hiddenBias: 'decayed' as const, outputBias: 'decayed' as const };
  const beta = 0.1;
  const n = 12,
    d = 5;
  const nodeBudget = 1;
  const finalNodes = finalStep(escalationSchedule(nodeBudget), n).nodeBudget ?? 0;
  for (const seed of [1, 3]) {
    const R = rng(seed);
    const X: Mat = { rows: n, cols: d, data: Float64Array.from({ length: n * d }, () => gauss(R)) };
    const Y: Mat = { rows: n, cols: 1, data: Float64Array.from({ length: n }, (_, i) => Math.max(0, X.data[i * d] - 0.3) + 0.5 * gauss(R)) };
    const Xt = buildXt(X, modes.hiddenBias);
    const common = { beta, modes, seedDirs: [], seed: 1, maxIterations: 300 };
    const ex = searchOptimum(X, Y, { ...common, oracle: computeOracle, patternBudget: 1e6 });
    assert.ok(ex.exact && ex.residual, ex.stopReason);
    assert.ok(bruteOracleAnyRank(Xt, ex.residual.data).value <= beta * (1 + 1e-6), `seed ${seed}: brute-force M above β at the enumerated optimum`);
    const { oracle, finals, reset } = finalOnlyOracle(finalNodes);
    // no round budget: the rounds stop when their calls find nothing new (the case resumptions are for)
    const opts = { ...common, oracle, patternBudget: 1, nodeBudget, stallRounds: 10_000 };
    // no resumption: the first final call's direction stays unused and the optimum is not proven
    const once = searchOptimum(X, Y, { ...opts, resumes: 0 });
    assert.equal(finals(), 1, `seed ${seed}`);
    assert.ok(!once.exact, `seed ${seed}: proven without resuming (${once.stopReason})`);
    assert.match(once.stopReason, /resumptions from the final call's directions are spent \(0 of a fixed 0\)/, `seed ${seed}`);
    // the final call closed (n = 12): no node budget to raise, the gap is the network's (more rounds)
    assert.ok(once.lastOracle?.exact, `seed ${seed}`);
    assert.deepEqual(once.steps, [], `seed ${seed}`);
    reset();
    const r = searchOptimum(X, Y, { ...opts, resumes: 3 });
    assert.ok(finals() >= 2, `seed ${seed}: ${finals()} final call(s)`);
    assert.match(r.stopReason, /the rounds resumed [1-3]× from a violating direction the final oracle call found/, `seed ${seed}`);
    // each resumption adds the final call's columns: the objective falls toward P*, every bound stays sound
    assert.ok(r.value < once.value, `seed ${seed}: resuming did not lower the objective (${r.value} vs ${once.value})`);
    assert.ok(r.value >= ex.value * (1 - 1e-9), `seed ${seed}: value ${r.value} below P* ${ex.value}`);
    assert.ok(r.lowerBound <= ex.value * (1 + 1e-9), `seed ${seed}: lower bound ${r.lowerBound} above P* ${ex.value}`);
    assert.ok(r.relGap < once.relGap, `seed ${seed}: gap ${r.relGap} not below ${once.relGap}`);
  }
});
