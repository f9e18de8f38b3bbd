/**
 * The final escalated oracle call (certify/columnGeneration.ts finalOracleStage, issue #16): when column
 * generation would end inconclusive because a global search (rank ≥ 5 beyond the pattern budget) did
 * not close at a tiny node budget, one call at the best dual point with the final work decides.
 * Control: the same certificate with an oracle whose node budget is pinned to that tiny budget (no
 * escalation possible) stays inconclusive. Reference: the all-patterns brute force M
 * (test/reference/bruteOracleAnyRank.ts) at the network's own residual — M(R) ≤ β for the optimum,
 * M(R) > β (a descent direction) for the network missing a neuron. Work counted in nodes; nothing timed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { certifyNetwork, fmt } from '../../src/core/certify/certify';
import type { CertifySettings } from '../../src/core/certify/types';
import { computeOracle } from '../../src/core/oracle';
import { DEFAULT_NODE_BUDGET, type OracleFn } from '../../src/core/oracle/types';
import type { NetworkWeights } from '../../src/core/problem/network';
import { bruteOracleAnyRank } from '../reference/bruteOracleAnyRank';
import { augmented, residual } from '../reference/objective';
import { mat, rng } from './helpers';

const TINY_NODES = 2;
const beta = 0.1;
const base: CertifySettings = {
  beta: { kind: 'direct', beta },
  hiddenBias: 'decayed',
  outputBias: 'none',
  tol: 1e-4,
  patternBudget: 200_000,
  maxIterations: 60,
  seed: 1,
};
/**
 * pattern budget 1: rank 6 goes to the global search; no node budget set, and the oracle's default
 * shrunk to TINY_NODES (tinyDefault): the ordinary calls cannot close, the final call's explicit work can
 */
const tiny: CertifySettings = { ...base, patternBudget: 1 };
const tinyDefault: OracleFn = (Xt, L, o) => computeOracle(Xt, L, { ...o, nodeBudget: o?.nodeBudget ?? TINY_NODES });
const pinned: OracleFn = (Xt, L, o) => computeOracle(Xt, L, { ...o, nodeBudget: TINY_NODES });

/** n = 10, d = 5 with a decayed hidden bias (rank 6); the optimum from certify with the exact oracle (exact-vertex). */
function instance(seed: number) {
  const R = rng(seed);
  const n = 10,
    d = 5,
    m = 3;
  const X = mat(n, d, () => R.normal());
  const Y = mat(n, 1, () => R.normal());
  const start: NetworkWeights = {
    W1: mat(m, d, () => R.normal()),
    b1: Float64Array.from({ length: m }, () => R.normal()),
    W2: mat(1, m, () => R.normal()),
    b2: null,
  };
  const full = certifyNetwork(start, X, Y, base, computeOracle);
  assert.ok(full.witness, 'the exact-oracle certificate found a better network');
  const w = full.witness;
  const optimum: NetworkWeights = { W1: w.W1, b1: w.b1, W2: w.W2, b2: w.b2 };
  return { X, Y, optimum };
}

/** brute-force M at the network's own residual, in units of β */
function bruteMOverBeta(net: NetworkWeights, X: ReturnType<typeof instance>['X'], Y: ReturnType<typeof instance>['Y']): number {
  const R = residual({ W1: net.W1, b1: net.b1 ?? null, W2: net.W2, b2: net.b2 ?? null }, { X, Y, beta, hiddenBias: 'decayed', outputBias: 'none' });
  return bruteOracleAnyRank(augmented(X, 'decayed'), R.data).value / beta;
}

function withoutNeuron(net: NetworkWeights, k: number): NetworkWeights {
  const keep = Array.from({ length: net.W1.rows }, (_, j) => j).filter((j) => j !== k);
  const d = net.W1.cols;
  return {
    W1: mat(keep.length, d, (i, q) => net.W1.data[keep[i] * d + q]),
    b1: net.b1 ? Float64Array.from(keep, (j) => net.b1![j]) : null,
    W2: mat(1, keep.length, (_, i) => net.W2.data[keep[i]]),
    b2: null,
  };
}

for (const seed of [1, 3]) {
  test(`final oracle call certifies the optimum at ${TINY_NODES} nodes (seed ${seed}); brute-force M(R) ≤ β agrees`, () => {
    const { X, Y, optimum } = instance(seed);
    const control = certifyNetwork(optimum, X, Y, tiny, pinned);
    assert.equal(control.verdict, 'inconclusive');
    assert.deepEqual(
      control.inconclusiveReason?.steps.map((s) => s.kind),
      ['raise-node-budget'],
    );
    const r = certifyNetwork(optimum, X, Y, tiny, tinyDefault);
    assert.equal(r.verdict, 'certified', r.summary);
    assert.match(r.columnGeneration?.stopReason ?? '', /final oracle call/);
    assert.ok(bruteMOverBeta(optimum, X, Y) <= 1 + 1e-4, 'the reference agrees the network is optimal');
    assert.ok(r.dualBound <= r.primalAsTrained);
  });
}

test(`final oracle call proves not optimal with a witness at ${TINY_NODES} nodes; brute-force M(R) > β agrees`, () => {
  const { X, Y, optimum } = instance(2);
  const net = withoutNeuron(optimum, 8);
  const control = certifyNetwork(net, X, Y, tiny, pinned);
  assert.equal(control.verdict, 'inconclusive');
  const r = certifyNetwork(net, X, Y, tiny, tinyDefault);
  assert.equal(r.verdict, 'not-optimal', r.summary);
  assert.match(r.columnGeneration?.stopReason ?? '', /final oracle call/);
  assert.ok(r.witness && r.witness.objective < r.primalAsTrained * (1 - r.tol));
  // the witness's objective recomputed here, independently of the product's forward pass
  const wr = residual(
    { W1: r.witness.W1, b1: r.witness.b1 ?? null, W2: r.witness.W2, b2: r.witness.b2 ?? null },
    { X, Y, beta, hiddenBias: 'decayed', outputBias: 'none' },
  );
  let loss = 0;
  for (const v of wr.data) loss += v * v;
  let reg = 0;
  for (const v of r.witness.W1.data) reg += v * v;
  for (const v of r.witness.b1 ?? []) reg += v * v;
  for (const v of r.witness.W2.data) reg += v * v;
  assert.ok(loss / 2 + (beta / 2) * reg < r.primalAsTrained * (1 - r.tol), 'the witness is really better');
  assert.ok(bruteMOverBeta(net, X, Y) > 1 + 1e-6, 'the reference sees a descent direction');
});

/** Each oracle call's Λ and node budget as the certificate asked (undefined: the oracle's default, TINY_NODES here). */
interface Call {
  L: Float64Array;
  nodes: number | undefined;
}

/**
 * tinyDefault, recording every call; `looser(call index, nodes)` > 1: that call answers with its M̄ times
 * this (still a sound upper bound, not exact), so its dual point scores lower.
 */
function recordingOracle(looser: (k: number, nodes: number | undefined) => number): { fn: OracleFn; calls: Call[] } {
  const calls: Call[] = [];
  const fn: OracleFn = (Xt, L, o) => {
    const k = calls.push({ L: Float64Array.from(L.data), nodes: o?.nodeBudget }) - 1;
    const r = tinyDefault(Xt, L, o);
    const f = looser(k, o?.nodeBudget);
    return f > 1 ? { ...r, exact: false, upper: f * r.upper } : r;
  };
  return { fn, calls };
}

const sameData = (a: Float64Array, b: Float64Array) => a.length === b.length && a.every((v, i) => v === b[i]);

test('the final oracle call goes to the best dual point when that is the network’s own residual', () => {
  const { X, Y, optimum } = instance(1);
  // column generation's calls (after the residual's, at the default budget) score lower: the residual stays the best dual point
  const { fn, calls } = recordingOracle((k, nodes) => (k > 0 && nodes === undefined ? 4 : 1));
  const r = certifyNetwork(optimum, X, Y, tiny, fn);
  const finals = calls.filter((c) => c.nodes !== undefined);
  assert.equal(finals.length, 1, 'one final call');
  assert.ok(calls.length > 2, 'column generation ran before the final call');
  assert.ok(sameData(finals[0].L, calls[0].L), 'the final call is at the residual’s direction, the best dual point');
  assert.ok(!sameData(calls[1].L, calls[0].L), 'column generation’s first direction is another one');
  // the reference: M(R) ≤ β at the optimum's residual, so the call there certifies
  assert.ok(bruteMOverBeta(optimum, X, Y) <= 1 + 1e-4);
  assert.equal(r.verdict, 'certified', r.summary);
});

test('an inconclusive explanation names the nodes of the call behind its M̄, and the final call apart', () => {
  const { X, Y, optimum } = instance(1);
  // the final call (explicit nodes) answers far looser: the best dual point stays an earlier call's at TINY_NODES
  const { fn, calls } = recordingOracle((_, nodes) => (nodes !== undefined ? 1e6 : 1));
  const r = certifyNetwork(optimum, X, Y, tiny, fn);
  const final = calls.find((c) => c.nodes !== undefined);
  assert.ok(final?.nodes && final.nodes > TINY_NODES, 'a final call was made');
  assert.equal(r.verdict, 'inconclusive', r.summary);
  const why = r.inconclusiveReason!;
  const Mbar = `${fmt(r.oracle.upper / beta, 3)}×β`;
  // the earlier calls asked for the oracle's default budget (tinyDefault shrinks it here; the words name the default)
  assert.ok(why.advice.includes(`${Mbar} after a global search of up to ${DEFAULT_NODE_BUDGET.toLocaleString('en-US')} nodes`), why.advice);
  assert.ok(why.advice.includes(`final oracle call (${final.nodes.toLocaleString('en-US')} nodes`), why.advice);
  assert.deepEqual(why.steps, [{ kind: 'raise-node-budget', now: final.nodes }]);
});

test('a node budget the user set caps every call of the certificate: no final call beyond it', () => {
  const { X, Y, optimum } = instance(1);
  const asked: number[] = [];
  const fn: OracleFn = (Xt, L, o) => {
    asked.push(o?.nodeBudget ?? Infinity);
    return computeOracle(Xt, L, o);
  };
  const r = certifyNetwork(optimum, X, Y, { ...tiny, nodeBudget: TINY_NODES }, fn);
  assert.ok(asked.length > 1);
  assert.ok(
    asked.every((nodes) => nodes <= TINY_NODES),
    `node budgets asked: ${[...new Set(asked)]}`,
  );
  assert.equal(r.verdict, 'inconclusive', 'the search cannot close at this budget');
  assert.doesNotMatch(r.columnGeneration?.stopReason ?? '', /final oracle call/);
  assert.equal(r.tolerances.finalOracleWork.value, 0);
  assert.deepEqual(r.inconclusiveReason?.steps, [{ kind: 'raise-node-budget', now: TINY_NODES }]);
});

test('iterations after the final call count within --max-iterations; a spent limit still checks the new column as a witness', () => {
  const { X, Y, optimum } = instance(2);
  const net = withoutNeuron(optimum, 8);
  // 5: the limit ends the loop before the final call; 23: the loop stalls at its limit (at 60 it stalls there and resumes)
  for (const maxIterations of [5, 23]) {
    const r = certifyNetwork(net, X, Y, { ...tiny, maxIterations }, tinyDefault);
    assert.ok((r.columnGeneration?.iterations ?? Infinity) <= maxIterations, `${r.columnGeneration?.iterations} iterations, limit ${maxIterations}`);
    assert.match(r.columnGeneration?.stopReason ?? '', /final oracle call/);
    assert.equal(r.verdict, 'not-optimal', r.summary);
    assert.ok(r.witness && r.witness.objective < r.primalAsTrained * (1 - r.tol));
  }
});
