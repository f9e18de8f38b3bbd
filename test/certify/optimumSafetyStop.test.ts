/**
 * The optimum searches' final oracle call and the wall-clock safety stop (certify/optimumRounds.ts
 * settledStop): as certify's final call, the optimum's is not made once the safety stop ended the
 * rounds (the time allowed is up), and the stop's reason says so. Nothing is timed: the clock is
 * injected (performance.now mocked) and jumps past the safety limit after a fixed number of oracle
 * calls (a work unit). The control, the same search without the jump, does make its final call.
 */
import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { searchOptimum } from '../../src/core/certify/optimum';
import { searchLossOptimum } from '../../src/core/analysis/optimum';
import { computeOracle } from '../../src/core/oracle';
import { OPTIMUM_ESCALATION_MAX_NODES, type OracleFn, type OracleOptions } from '../../src/core/oracle/types';
import type { Mat } from '../../src/core/linalg/mat';
import { gauss, rng } from '../reference/small';

const modes = { hiddenBias: 'decayed' as const, outputBias: 'decayed' as const };

function instance(seed: number, labels: 'real' | 'sign') {
  const R = rng(seed);
  const n = 12,
    d = 5; // rank 6: the oracle searches (pattern budget 1), so a final call has work left to do
  const X: Mat = { rows: n, cols: d, data: Float64Array.from({ length: n * d }, () => gauss(R)) };
  const y = (i: number) => Math.max(0, X.data[i * d] - 0.3) + 0.5 * gauss(R);
  const Y: Mat = { rows: n, cols: 1, data: Float64Array.from({ length: n }, (_, i) => (labels === 'sign' ? (y(i) > 0.2 ? 1 : -1) : y(i))) };
  const seedDirs = Array.from({ length: 3 }, () => {
    const v = Float64Array.from({ length: d + 1 }, () => gauss(R));
    const nv = Math.hypot(...v);
    return v.map((x) => x / nv);
  });
  return { X, Y, seedDirs };
}

/** An oracle that records its calls and, when `jumpAfter` is set, moves the injected clock past the safety limit after that many calls. */
function recording(clock: { t: number }, jumpAfter: number | null) {
  const calls: Partial<OracleOptions>[] = [];
  const oracle: OracleFn = (A, L, o) => {
    calls.push(o ?? {});
    if (jumpAfter !== null && calls.length >= jumpAfter) clock.t += 1e9;
    return computeOracle(A, L, o);
  };
  return { calls, oracle };
}

/** The final call: full (no early stop) on the escalation schedule's last step (the rounds' own first calls have 1 node here). */
const finalCalls = (calls: Partial<OracleOptions>[]) =>
  calls.filter((o) => o.earlyDirection === undefined && (o.nodeBudget ?? 0) >= OPTIMUM_ESCALATION_MAX_NODES).length;

for (const loss of ['squared', 'logistic'] as const) {
  test(`${loss}: no final oracle call after the safety stop, and the stop says so; the control makes one`, () => {
    const clock = { t: 0 };
    mock.method(performance, 'now', () => clock.t);
    try {
      const { X, Y, seedDirs } = instance(4, loss === 'squared' ? 'real' : 'sign');
      const run = (jumpAfter: number | null) => {
        const rec = recording(clock, jumpAfter);
        const common = { beta: 0.1, modes, oracle: rec.oracle, seedDirs, patternBudget: 1, nodeBudget: 1, seed: 1, maxIterations: 3, timeBudgetMs: 1e6 };
        const r = loss === 'squared' ? searchOptimum(X, Y, common) : searchLossOptimum(X, Y, { ...common, loss });
        return { r, calls: rec.calls };
      };
      const control = run(null);
      assert.match(control.r.stopReason, /^iteration limit/);
      assert.ok(finalCalls(control.calls) >= 1, `control: no full call (${control.r.stopReason})`);
      const stopped = run(1);
      assert.match(stopped.r.stopReason, /safety time limit/);
      assert.match(stopped.r.stopReason, /no final oracle call: the wall-clock safety stop ended the rounds/);
      assert.equal(finalCalls(stopped.calls), 0, 'a full (final) call was made after the safety stop');
    } finally {
      mock.restoreAll();
    }
  });
}
