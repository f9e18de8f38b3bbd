/**
 * The optimum searches' escalation (src/core/certify/optimum.ts oracleEscalated, issue #16 items 3
 * and 5): a global search that did not close and found no direction above β(1 + tol) while its M̄ is
 * still above is re-asked with ×10 the nodes, so column generation does not stop at a restricted
 * optimum that is not optimal. Checked against the brute-force oracle over all 2^n patterns
 * (test/reference/bruteOracleAnyRank.ts) at rank 6, where the oracle must search (pattern budget 1).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { searchOptimum } from '../../src/core/certify/optimum';
import { escalationSchedule, oracleEscalated, type EscalationStep } from '../../src/core/certify/optimumRounds';
import { computeOracle } from '../../src/core/oracle';
import { DEFAULT_ORACLE_OPTIONS, OPTIMUM_ESCALATION_MAX_NODES, type OracleFn } from '../../src/core/oracle/types';
import { buildXt } from '../../src/core/problem/features';
import type { Mat } from '../../src/core/linalg/mat';
import { bruteOracleAnyRank, oracleAt } from '../reference/bruteOracleAnyRank';
import { gauss, rng } from '../reference/small';
import { rank6Instance } from '../certify/optimumRank6';

const SEARCH_ONLY = { patternBudget: 1, samples: 0, seed: 1 };

test('escalation finds the violating direction a 1-node search missed, and M̄ stays above brute-force M', () => {
  let missed = 0;
  for (let seed = 1; seed <= 12; seed++) {
    const { Xt, L } = rank6Instance(seed);
    const ref = bruteOracleAnyRank(Xt, L.data);
    // the search's nodes alone escalate here (no samples): it is the branch and bound that must find the direction
    const ask = (bar: number) => (step: EscalationStep) => computeOracle(Xt, L, { ...SEARCH_ONLY, nodeBudget: step.nodeBudget, stopBelow: bar });
    // a violating direction exists (bar < M): the base search attains ≤ bar on the instances kept
    const bar = 0.95 * ref.value;
    const base = ask(bar)({ nodeBudget: 1, samples: undefined });
    if (base.exact || base.lower > bar) continue;
    missed++;
    const esc = oracleEscalated(ask(bar), escalationSchedule(1), bar);
    assert.ok(esc.escalations >= 1 && esc.nodeBudget <= OPTIMUM_ESCALATION_MAX_NODES, `seed ${seed}`);
    assert.ok(esc.oracle.lower > bar, `seed ${seed}: escalated to ${esc.nodeBudget} nodes, attained ${esc.oracle.lower} ≤ ${bar}`);
    assert.ok(Math.abs(oracleAt(Xt, L.data, esc.oracle.argmax) - esc.oracle.lower) <= 1e-9 * ref.value, `seed ${seed}: argmax value`);
    assert.ok(esc.oracle.lower <= ref.value * (1 + 1e-9), `seed ${seed}: attained ${esc.oracle.lower} above brute-force M ${ref.value}`);
    assert.ok(esc.oracle.upper >= ref.attained * (1 - 1e-9), `seed ${seed}: M̄ ${esc.oracle.upper} below brute-force M ${ref.attained}`);
    // none exists (bar > M): nothing is reported violated, M̄ stays sound
    const over = 1.02 * ref.value;
    const none = oracleEscalated(ask(over), escalationSchedule(1), over);
    assert.ok(!(none.oracle.lower > over), `seed ${seed}: a violating direction above M`);
    assert.ok(none.oracle.upper >= ref.attained * (1 - 1e-9), `seed ${seed}: M̄ ${none.oracle.upper} below brute-force M ${ref.attained}`);
  }
  assert.ok(missed >= 3, `only ${missed} instances where the 1-node search missed`);
});

test('searchOptimum with a tiny node budget: escalation gets closer to P*, and every bound stays sound', () => {
  const modes = { hiddenBias: 'decayed' as const, outputBias: 'decayed' as const };
  let capSum = 0,
    escSum = 0;
  for (const seed of [1, 5]) {
    const R = rng(seed);
    const n = 12,
      d = 5;
    const X: Mat = { rows: n, cols: d, data: Float64Array.from({ length: n * d }, () => gauss(R)) };
    const Y: Mat = { rows: n, cols: 1, data: Float64Array.from({ length: n }, (_, i) => Math.max(0, X.data[i * d] - 0.3) + 0.5 * gauss(R)) };
    const beta = 0.1;
    const common = { beta, modes, seedDirs: [], seed: 1, maxIterations: 40 };
    // P* by enumeration, its proof checked by brute force at its final residual
    const ex = searchOptimum(X, Y, { ...common, maxIterations: 200, oracle: computeOracle, patternBudget: 1e6 });
    assert.ok(ex.exact && ex.residual, ex.stopReason);
    const pstar = ex.value;
    if (ex.oracleExact)
      assert.ok(
        bruteOracleAnyRank(buildXt(X, modes.hiddenBias), ex.residual.data).value <= beta * (1 + 1e-6),
        `seed ${seed}: brute-force M above β at the proven optimum`,
      );
    // an oracle that ignores the escalated budget (nodes and samples): the column generation stops where the 1-node search does
    const capped: OracleFn = (Xt, L, o) => computeOracle(Xt, L, { ...o, nodeBudget: 1, samples: DEFAULT_ORACLE_OPTIONS.samples });
    const cap = searchOptimum(X, Y, { ...common, oracle: capped, patternBudget: 1, nodeBudget: 1 });
    const esc = searchOptimum(X, Y, { ...common, oracle: computeOracle, patternBudget: 1, nodeBudget: 1 });
    for (const [what, r] of [
      ['capped', cap],
      ['escalated', esc],
    ] as const) {
      assert.ok(r.value >= pstar * (1 - 1e-9), `seed ${seed} ${what}: value ${r.value} below P* ${pstar}`);
      assert.ok(r.lowerBound <= pstar * (1 + 1e-9), `seed ${seed} ${what}: lower bound ${r.lowerBound} above P* ${pstar}`);
      if (r.exact) assert.ok(r.value <= pstar * (1 + 1e-6), `seed ${seed} ${what}: labelled exact at ${r.value} against P* ${pstar}`);
    }
    assert.match(cap.stopReason, /found no violating direction/);
    capSum += cap.value - pstar;
    escSum += esc.value - pstar;
  }
  assert.ok(escSum < 0.75 * capSum, `escalation left ${escSum} of the capped search's excess ${capSum}`);
});
