/**
 * Completeness and determinism of the squared-loss certificate (issue #16 items 5–6):
 *  - the soundness suite's regression 'inconclusive-with-exact-oracle' (test/soundness/regressions.test.ts):
 *    a network within tol of P* that column generation used to leave inconclusive with an exact
 *    oracle, because the oracle's argmax was within DEDUP_TOL of a present direction yet a
 *    different column (near a kink) — now certified, with a sound bound;
 *  - the same inputs give the same numbers (work budgets, not the wall clock);
 *  - an inconclusive result says which bound is loose, by how much, and which budget to raise;
 *  - the wall-clock limit is only a safety stop, and says so when it fires.
 * No assertion here is about elapsed time.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { certifyNetwork } from '../../src/core/certify';
import { certifyNetwork as certifyWith, NEAR_DUPLICATE_GAIN } from '../../src/core/certify/certify';
import { computeOracle } from '../../src/core/oracle';
import type { OracleFn } from '../../src/core/oracle/types';
import type { CertificateResult, CertifySettings } from '../../src/core/certify/types';
import { objectiveBal } from '../reference/objective';
import { solveReference } from '../reference/refSolver';
import { inconclusiveExactSetup } from '../soundness/inconclusiveExact';

/** seed 20270028 of the soundness property test, kind 'beta-tiny', reference optimum perturbed by 1e-5 (its home: regressions.test.ts) */
const setup = inconclusiveExactSetup;

/** every number of a result that must not depend on the machine (timings excluded) */
function numbers(r: CertificateResult) {
  return {
    verdict: r.verdict,
    summary: r.summary,
    primal: r.primal,
    primalAsTrained: r.primalAsTrained,
    dualBound: r.dualBound,
    relGap: r.relGap,
    pstarInterval: r.pstarInterval,
    dualPoint: r.dualPoint,
    columnGeneration: r.columnGeneration,
    oracle: {
      method: r.oracle.method,
      exact: r.oracle.exact,
      upper: r.oracle.upper,
      lower: r.oracle.lower,
      patterns: r.oracle.patterns,
      notes: r.oracle.notes,
    },
    witness: r.witness ? { objective: r.witness.objective, W1: [...r.witness.W1.data], W2: [...r.witness.W2.data] } : null,
    inconclusiveReason: r.inconclusiveReason ?? null,
    tolerances: r.tolerances,
    warnings: r.warnings,
  };
}

test('regression inconclusive-with-exact-oracle: the network within tol of P* is certified, with a sound bound', () => {
  const { prob, net, settings } = setup();
  const ref = solveReference(prob);
  assert.ok(ref.converged);
  const pbal = objectiveBal(net, prob);
  assert.ok(pbal - ref.upper < 1e-4 * pbal, 'precondition: truly within tolerance');
  const res = certifyNetwork(net, prob.X, prob.Y, settings);
  assert.ok(res.oracle.exact, 'an exact oracle was used');
  assert.equal(res.verdict, 'certified', res.summary);
  assert.equal(res.inconclusiveReason, undefined);
  // sound: the dual bound is below the independent reference's P* upper bound
  assert.ok(res.dualBound <= ref.upper * (1 + 1e-9) + 1e-12, `dual ${res.dualBound} vs P* ≤ ${ref.upper}`);
  // the mechanism: an argmax within the dedup tolerance of a present direction entered as its own column
  assert.ok(
    res.oracle.notes.some((s) => /added as distinct columns/.test(s)),
    res.oracle.notes.join(' | '),
  );
});

test('regression inconclusive-with-exact-oracle: with a tiny tol, column generation closes on the reference P*', () => {
  // the P* interval must close on the reference's [lower, upper] (the old code stalled at relGap 1e-4)
  const { prob, net, settings } = setup({ tol: 1e-9, maxIterations: 200 });
  const ref = solveReference(prob);
  const res = certifyNetwork(net, prob.X, prob.Y, settings);
  const [lo, hi] = res.pstarInterval;
  assert.ok(lo <= ref.upper * (1 + 1e-9) + 1e-12 && hi >= ref.lower * (1 - 1e-9) - 1e-12, `[${lo}, ${hi}] vs reference [${ref.lower}, ${ref.upper}]`);
  assert.ok(hi - lo <= 1e-7 * hi, `P* interval [${lo}, ${hi}] is ${(hi - lo) / hi} wide`);
  assert.equal(res.verdict, 'not-optimal', 'the network is 6.9e-5 above P*, far above tol 1e-9');
});

test('a near-duplicate argmax that does not beat the present columns is not added (the gain threshold is real)', () => {
  // an oracle whose argmax always duplicates the network's first neuron with a correlation at most
  // the present one's: column generation must stop, not loop or add copies
  const { prob, net, settings } = setup();
  let calls = 0;
  const oracle: OracleFn = (Xt, L, opts) => {
    calls++;
    const r = computeOracle(Xt, L, opts);
    const u = Float64Array.of(net.W1.data[0], net.b1[0]);
    const nu = Math.hypot(u[0], u[1]);
    return { ...r, argmax: u.map((v) => v / nu), lower: Math.min(r.lower, 1e-300) };
  };
  const res = certifyWith(net, prob.X, prob.Y, settings, oracle);
  assert.ok(res.columnGeneration, 'column generation ran');
  assert.ok(res.columnGeneration!.iterations <= 3, `stopped early (${res.columnGeneration!.iterations} iterations, ${calls} oracle calls)`);
  assert.ok(!res.oracle.notes.some((s) => /added as distinct columns/.test(s)));
  assert.ok(NEAR_DUPLICATE_GAIN > 0 && NEAR_DUPLICATE_GAIN < 1e-6);
});

test('deterministic: the same certify twice gives identical numbers (verdict, bounds, iterations, notes)', () => {
  for (const over of [{}, { maxIterations: 2 }, { tol: 1e-9, maxIterations: 30 }] as Partial<CertifySettings>[]) {
    const { prob, net, settings } = setup(over);
    const a = certifyNetwork(net, prob.X, prob.Y, settings);
    const b = certifyNetwork(net, prob.X, prob.Y, settings);
    assert.deepEqual(numbers(a), numbers(b), JSON.stringify(over));
  }
});

test('inconclusive after the column-generation budget: the dual bound is loose, by relGap − tol, raise --max-iterations', () => {
  const { prob, net, settings } = setup({ maxIterations: 1 });
  const res = certifyNetwork(net, prob.X, prob.Y, settings);
  assert.equal(res.verdict, 'inconclusive', res.summary);
  const why = res.inconclusiveReason;
  assert.ok(why, 'inconclusiveReason is set');
  assert.equal(why!.looseBound, 'dual');
  const P = res.primalAsTrained;
  assert.ok(Math.abs(why!.by - (P * (1 - res.tol) - res.dualBound) / P) <= 1e-12, `${why!.by}`);
  assert.ok(Math.abs(why!.by - (res.relGap - res.tol)) <= 1e-12);
  assert.ok(why!.by > 0);
  assert.match(why!.advice, /stopped after 1 iteration \(its iteration budget\)/);
  // the budget to raise is a kind; each front end names its flag or setting (report/settleSteps.ts)
  assert.deepEqual(why!.steps[0], { kind: 'raise-iterations', now: 1 });
  assert.ok(res.summary.endsWith(why!.advice), 'the summary carries the advice');
  assert.equal(res.columnGeneration?.stopReason, 'iteration limit (1) reached');
});

test('inconclusive without column generation (--max-iterations 0): the advice says it did not run', () => {
  const { prob, net, settings } = setup({ maxIterations: 0 });
  const res = certifyNetwork(net, prob.X, prob.Y, settings);
  assert.equal(res.verdict, 'inconclusive', res.summary);
  assert.equal(res.inconclusiveReason?.looseBound, 'dual');
  assert.match(res.inconclusiveReason!.advice, /Column generation did not run \(iteration budget 0\)/);
  assert.deepEqual(res.inconclusiveReason!.steps, [{ kind: 'allow-iterations', now: 0 }]);
});

test('inconclusive with an oracle that gives bounds only: the oracle is the loose bound; raise --pattern-budget', () => {
  // the real oracle, reported as not exact with its upper bound 1.5× too high (sound, just loose)
  const { prob, net, settings } = setup({ patternBudget: 1234 });
  const loose: OracleFn = (Xt, L, opts) => {
    const r = computeOracle(Xt, L, opts);
    return { ...r, exact: false, method: 'bounds', upper: 1.5 * r.upper };
  };
  const res = certifyWith(net, prob.X, prob.Y, settings, loose);
  assert.equal(res.verdict, 'inconclusive', res.summary);
  const why = res.inconclusiveReason!;
  assert.equal(why.looseBound, 'oracle');
  assert.ok(why.by > 0 && Math.abs(why.by - (res.relGap - res.tol)) <= 1e-12);
  assert.match(why.advice, /upper bound on M\(Λ\) is 1\.\d+×β/);
  assert.deepEqual(why.steps, [{ kind: 'raise-pattern-budget', now: 1234 }]);
});

test('the wall-clock limit is only a safety stop: when it fires the result says so (a kind; each front end names its setting)', () => {
  const { prob, net, settings } = setup({ timeBudgetMs: 0 });
  const res = certifyNetwork(net, prob.X, prob.Y, settings);
  assert.equal(res.columnGeneration?.iterations, 0);
  assert.match(res.columnGeneration!.stopReason, /stopped by the wall-clock safety limit/);
  assert.ok(
    res.warnings.some((w) => /stopped by the wall-clock safety limit/.test(w)),
    res.warnings.join(' | '),
  );
  assert.equal(res.verdict, 'inconclusive');
  assert.equal(res.inconclusiveReason?.looseBound, 'dual');
  assert.match(res.inconclusiveReason!.advice, /wall-clock safety limit .* depend on the machine/);
  assert.deepEqual(res.safetyLimit, { seconds: 0 });
  // core names no front end's flag or setting: the CLI says --time-budget, the panel its setting
  assert.ok(![...res.warnings, res.inconclusiveReason!.advice].some((w) => /--time-budget|timeBudgetSeconds/.test(w)));
  // without a safety stop the warnings never mention it
  const free = certifyNetwork(net, prob.X, prob.Y, setup().settings);
  assert.ok(!free.warnings.some((w) => /safety limit/.test(w)));
  assert.equal(free.safetyLimit, undefined);
});

test('the work budgets are listed next to the tolerances', () => {
  const { prob, net, settings } = setup({ maxIterations: 7, solverIterations: 321, timeBudgetMs: 600_000 });
  const res = certifyNetwork(net, prob.X, prob.Y, settings);
  assert.equal(res.tolerances.maxIterations.value, 7);
  assert.equal(res.tolerances.patternBudget.value, 2_000_000);
  assert.equal(res.tolerances.solverIterations.value, 321);
  assert.equal(res.tolerances.timeBudgetMs.value, 600_000);
  for (const k of ['maxIterations', 'patternBudget', 'solverIterations', 'timeBudgetMs']) assert.ok(res.tolerances[k].meaning.length > 20, k);
  assert.match(res.tolerances.timeBudgetMs.meaning, /safety/);
  // no wall-clock limit given: none listed
  const r2 = certifyNetwork(net, prob.X, prob.Y, setup({ maxIterations: 0 }).settings);
  assert.equal(r2.tolerances.timeBudgetMs, undefined);
});
