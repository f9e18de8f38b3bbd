/**
 * Determinism (issue #16 item 6, #18 item 2): every budget that decides a result counts work
 * (iterations, Newton-polish rounds, branch-and-bound evaluations), so the same inputs give the same
 * numbers however fast the machine is. Each check runs the same computation twice, once with the
 * process slowed through the existing cancellation hook (shouldStop busy-waits, then says "go on"),
 * and asserts identical numbers. The wall clock is only the outer safety stop: the last test makes
 * it fire and asserts that the result says so. No assertion is about time.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromRows, type Mat } from '../../src/core/linalg/mat';
import { makeRng, gaussian } from '../../src/core/random';
import { ownPatterns } from '../../src/core/convex/patterns';
import { solveConvexProgram, SAFETY_STOP_REASON } from '../../src/core/convex';
import { searchOptimum } from '../../src/core/certify/optimum';
import { ownOptimum, ownDirections } from '../../src/core/analysis/diagnosisVector';
import { ownIntervalClassification } from '../../src/core/analysis/ownInterval';
import { computeOracle } from '../../src/core/oracle';
import type { CertifyModes, NetworkWeights } from '../../src/core/problem/network';
import type { CertifySettings } from '../../src/core/certify/types';

/** A busy-wait of `ms` per call: the run is slowed without changing any input. */
function slowHook(ms: number): () => boolean {
  return () => {
    const t = performance.now();
    while (performance.now() - t < ms) {
      /* busy */
    }
    return false;
  };
}

function randMat(rows: number, cols: number, rng: () => number, s = 1): Mat {
  return fromRows(Array.from({ length: rows }, () => Array.from({ length: cols }, () => s * gaussian(rng))));
}

function problem(n: number, d: number, m: number, c: number, seed: number) {
  const rng = makeRng(seed);
  const X = randMat(n, d, rng);
  const Y = fromRows(Array.from({ length: n }, (_, i) => Array.from({ length: c }, (_, q) => Math.sin((q + 1) * X.data[i * d]) + 0.1 * gaussian(rng))));
  const net: NetworkWeights = {
    W1: randMat(m, d, rng),
    b1: Float64Array.from({ length: m }, () => gaussian(rng)),
    W2: randMat(c, m, rng, 0.1),
    b2: new Float64Array(c),
  };
  return { X, Y, net };
}

const modes: CertifyModes = { hiddenBias: 'decayed', outputBias: 'free' };
const BETA = 1e-2;

function settingsWith(shouldStop?: () => boolean): CertifySettings {
  return { patternBudget: 100_000, seed: 1, shouldStop, timeBudgetMs: 600_000 } as CertifySettings;
}

test('convex program with a work budget that binds: identical numbers when the run is slowed', () => {
  const { X, Y, net } = problem(40, 2, 12, 1, 3);
  const own = ownPatterns(net, X, modes);
  // a budget small enough to bind (neither run converges): the stop is decided by counted work
  const run = (shouldStop?: () => boolean) =>
    solveConvexProgram(X, Y, own, BETA, modes, { maxPolishRounds: 2, maxIterations: 30, relTol: 1e-14, timeBudgetMs: 600_000, shouldStop });
  const a = run();
  const b = run(slowHook(3));
  assert.equal(a.converged, false, 'the work budget must bind for this test to mean anything');
  assert.equal(a.stopReason, 'iteration limit');
  assert.deepEqual([b.value, b.programValue, b.lowerBound, b.iterations, b.stopReason], [a.value, a.programValue, a.lowerBound, a.iterations, a.stopReason]);
  assert.deepEqual(Array.from(b.network.W1.data), Array.from(a.network.W1.data));
  assert.deepEqual(Array.from(b.network.W2.data), Array.from(a.network.W2.data));
});

test('optimum search (column generation, squared loss): identical numbers when the run is slowed', () => {
  const { X, Y, net } = problem(30, 2, 8, 1, 5);
  const oracle = computeOracle;
  const run = (shouldStop?: () => boolean) =>
    searchOptimum(X, Y, {
      beta: BETA,
      modes,
      oracle,
      seedDirs: ownDirections(net, X.cols, modes),
      patternBudget: 100_000,
      seed: 1,
      maxIterations: 4,
      timeBudgetMs: 600_000,
      shouldStop,
    });
  const a = run();
  const b = run(slowHook(2));
  assert.ok(!a.stopReason.includes(SAFETY_STOP_REASON));
  assert.deepEqual([b.value, b.lowerBound, b.iterations, b.directions, b.stopReason], [a.value, a.lowerBound, a.iterations, a.directions, a.stopReason]);
});

test('P_own for c = 5 (own-cone oracle with its evaluation budget): identical bracket when the run is slowed', () => {
  // c > 3 used a per-call wall-clock cap before: the bracket depended on the machine's speed
  const { X, Y, net } = problem(15, 2, 4, 5, 7);
  const inp = { net, X, Y, beta: BETA, modes };
  const a = ownOptimum({ ...inp, settings: settingsWith() });
  const b = ownOptimum({ ...inp, settings: settingsWith(slowHook(0.05)) });
  assert.ok(!a.stopReason.includes(SAFETY_STOP_REASON));
  assert.ok(a.lowerBound <= a.value);
  assert.deepEqual([b.value, b.lowerBound, b.converged, b.stopReason], [a.value, a.lowerBound, a.converged, a.stopReason]);
});

test('P_own bracket for cross-entropy (restricted certificate): identical when the run is slowed', () => {
  const { X, net } = problem(20, 2, 6, 3, 11);
  const Y = fromRows(Array.from({ length: X.rows }, (_, i) => [0, 1, 2].map((q) => (q === (X.data[2 * i] > 0.3 ? 0 : X.data[2 * i + 1] > 0 ? 1 : 2) ? 1 : 0))));
  const run = (shouldStop?: () => boolean) =>
    ownIntervalClassification(
      { net, X, Y, modes, settings: { ...settingsWith(shouldStop), beta: { kind: 'direct', beta: BETA } } as CertifySettings },
      'cross-entropy',
      -Infinity,
      { maxIterations: 6 },
    );
  const a = run();
  const b = run(slowHook(0.05));
  assert.ok(!a.stopReason.includes(SAFETY_STOP_REASON));
  assert.ok(a.lo <= a.hi);
  assert.deepEqual([b.lo, b.hi, b.stopReason], [a.lo, a.hi, a.stopReason]);
});

test('the wall-clock safety limit is the only clock: when it fires, the result says it depends on machine speed', () => {
  const { X, Y, net } = problem(40, 2, 12, 1, 3);
  const own = ownPatterns(net, X, modes);
  const r = solveConvexProgram(X, Y, own, BETA, modes, { maxIterations: 30, relTol: 1e-14, timeBudgetMs: 0, shouldStop: slowHook(2) });
  assert.ok(r.stopReason?.includes(SAFETY_STOP_REASON), `stopReason: ${r.stopReason}`);
  assert.ok(r.lowerBound <= r.programValue * (1 + 1e-12), 'the bound stays sound when the safety limit fires');
});
