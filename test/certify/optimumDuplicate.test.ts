/**
 * The optimum searches' duplicate-direction stop, escalated (src/core/certify/optimum.ts
 * escalateDuplicate, issue #16 item 5): when the oracle's violating direction is a column already
 * present, a global search that did not close is re-asked with ×10 the nodes until its direction is
 * new, M̄ ≤ bar, or the cap. Checked against the brute-force oracle over all 2^n patterns
 * (test/reference/bruteOracleAnyRank.ts) at rank 6, where the oracle must search (pattern budget 1):
 * the "present column" is a local maximum of the fixed-pattern ascent below the global maximum.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escalateDuplicate, escalationSchedule, type EscalationStep } from '../../src/core/certify/optimumRounds';
import { computeOracle } from '../../src/core/oracle';
import { ascend, BestTracker } from '../../src/core/oracle/bounds';
import {
  DEFAULT_NODE_BUDGET,
  DEFAULT_ORACLE_OPTIONS,
  OPTIMUM_ESCALATION_FACTOR,
  OPTIMUM_ESCALATION_MAX_NODES,
  OPTIMUM_ESCALATION_MAX_SAMPLES,
  type OracleResult,
} from '../../src/core/oracle/types';
import type { Mat } from '../../src/core/linalg/mat';
import { bruteOracleAnyRank, oracleAt } from '../reference/bruteOracleAnyRank';
import { gauss } from '../reference/small';
import { rank6Instance } from './optimumRank6';

const SEARCH_ONLY = { patternBudget: 1, samples: 0, seed: 1 };

/** A local maximum of the fixed-pattern ascent with value in (0.3·M, 0.97·M): a column that is violating for a bar just below it, and not the argmax. */
function localMax(Xt: Mat, L: Mat, R: () => number, M: number): { u: Float64Array; value: number } | null {
  for (let t = 0; t < 200; t++) {
    const u = Float64Array.from({ length: Xt.cols }, () => gauss(R));
    const tr = new BestTracker(Xt, L);
    tr.offer(u);
    ascend(Xt, L, tr.best.u, tr.best.out, tr, 200);
    const v = oracleAt(Xt, L.data, tr.best.u);
    if (v > 0.3 * M && v < 0.97 * M) return { u: tr.best.u, value: v };
  }
  return null;
}

test('a duplicate argmax is re-asked until a new violating direction, and M̄ stays above brute-force M', () => {
  let dup = 0;
  for (let seed = 1; seed <= 12; seed++) {
    const { Xt, L, R } = rank6Instance(seed);
    const ref = bruteOracleAnyRank(Xt, L.data);
    const col = localMax(Xt, L, R, ref.attained);
    if (!col) continue;
    const bar = col.value * (1 - 1e-3);
    const parallel = (o: OracleResult) => {
      let s = 0;
      for (let k = 0; k < col.u.length; k++) s += o.argmax[k] * col.u[k];
      return s > 1 - 1e-9;
    };
    const hints: Mat = { rows: 1, cols: Xt.cols, data: Float64Array.from(col.u) };
    const ask = (step: EscalationStep) => computeOracle(Xt, L, { ...SEARCH_ONLY, hints, nodeBudget: step.nodeBudget });
    // the first answer: the present column as its direction (as at iris-like's stop), with the 1-node search's sound M̄
    const first = ask({ nodeBudget: 1, samples: undefined });
    if (first.exact || !(first.upper > bar)) continue;
    const base: OracleResult = { ...first, argmax: Float64Array.from(col.u), lower: col.value };
    dup++;
    const esc = escalateDuplicate(ask, escalationSchedule(1), { oracle: base, step: 0, nodeBudget: 1, escalations: 0 }, bar, (o) => !parallel(o));
    assert.ok(esc.escalations >= 1 && esc.nodeBudget <= OPTIMUM_ESCALATION_MAX_NODES, `seed ${seed}`);
    assert.ok(esc.oracle.upper >= ref.attained * (1 - 1e-9), `seed ${seed}: M̄ ${esc.oracle.upper} below brute-force M ${ref.attained}`);
    // M > bar: "M̄ ≤ bar" cannot end it, so it ends with a new violating direction, checked directly
    assert.ok(esc.oracle.lower > bar && !parallel(esc.oracle), `seed ${seed}: escalated to ${esc.nodeBudget} nodes, attained ${esc.oracle.lower} (bar ${bar})`);
    assert.ok(Math.abs(oracleAt(Xt, L.data, esc.oracle.argmax) - esc.oracle.lower) <= 1e-9 * ref.value, `seed ${seed}: argmax value`);
    assert.ok(esc.oracle.lower <= ref.value * (1 + 1e-9), `seed ${seed}: attained ${esc.oracle.lower} above brute-force M ${ref.value}`);
  }
  assert.ok(dup >= 8, `only ${dup} instances with a present column below M`);
});

test('one escalation schedule: nodes and samples ×factor per step, each to its own cap; the base and an off search are not raised', () => {
  const F = OPTIMUM_ESCALATION_FACTOR;
  const expect = (base: number) => {
    const steps: EscalationStep[] = [{ nodeBudget: base, samples: undefined }];
    for (let k = 1, nodes = base; nodes < OPTIMUM_ESCALATION_MAX_NODES; k++) {
      nodes = Math.min(OPTIMUM_ESCALATION_MAX_NODES, base * F ** k);
      steps.push({ nodeBudget: nodes, samples: Math.min(OPTIMUM_ESCALATION_MAX_SAMPLES, DEFAULT_ORACLE_OPTIONS.samples * F ** k) });
    }
    return steps;
  };
  for (const base of [1, 7, 5000, 20_000]) assert.deepEqual(escalationSchedule(base), expect(base), `base ${base}`);
  assert.equal(escalationSchedule(5000).length, 3); // 5·10³ → 5·10⁴ → 10⁵
  assert.deepEqual(escalationSchedule(undefined).slice(1), expect(DEFAULT_NODE_BUDGET).slice(1));
  assert.deepEqual(escalationSchedule(0), [{ nodeBudget: 0, samples: undefined }]);
  assert.deepEqual(escalationSchedule(OPTIMUM_ESCALATION_MAX_NODES * 3), [{ nodeBudget: OPTIMUM_ESCALATION_MAX_NODES * 3, samples: undefined }]);
});
