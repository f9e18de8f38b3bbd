import { test } from 'node:test';
import assert from 'node:assert/strict';
import { certifyNetwork } from '../../src/core/certify/certify';
import { detectClosedForm } from '../../src/core/certify/closedForms';
import { solveLasso } from '../../src/core/certify/lasso';
import type { CertifySettings, CertificateResult } from '../../src/core/certify/types';
import type { NetworkWeights, OutputBiasMode, HiddenBiasMode } from '../../src/core/problem/network';
import type { OracleFn } from '../../src/core/oracle/types';
import type { Mat } from '../../src/core/linalg/mat';
import { circleOracle, forwardRef, freeBias1DOracle, mat, rng, randomNet, refObjective, relClose, whitenedOracle } from './helpers';
import { whitened } from './closedForms.test';

function settings(beta: number, hb: HiddenBiasMode, ob: OutputBiasMode, extra: Partial<CertifySettings> = {}): CertifySettings {
  return { beta: { kind: 'direct', beta }, hiddenBias: hb, outputBias: ob, tol: 1e-4, patternBudget: 1e6, maxIterations: 200, seed: 1, ...extra };
}

/** Invariants every result must satisfy, checked independently of the implementation. */
function samePredictions(a: NetworkWeights, b: NetworkWeights, X: Mat): boolean {
  const fa = forwardRef(a, X),
    fb = forwardRef(b, X);
  return fa.every((v, i) => Math.abs(v - fb[i]) <= 1e-12 * Math.max(1, Math.abs(v)));
}

function checkResult(res: CertificateResult, X: Mat, Y: Mat, beta: number, hb: HiddenBiasMode, ob: OutputBiasMode, net: NetworkWeights) {
  assert.ok(res.dualBound <= res.primal * (1 + 1e-12) + 1e-300, 'dual ≤ primal');
  assert.ok(res.pstarInterval[0] <= res.pstarInterval[1] * (1 + 1e-12) + 1e-300);
  assert.ok(res.pstarInterval[1] <= res.primal);
  assert.ok(res.primal <= res.primalAsTrained * (1 + 1e-14));
  // the verdict is about the weights as given (MATH.md §3.1)
  const P = refObjective(net, X, Y, beta, hb === 'decayed', ob === 'decayed');
  assert.ok(relClose(P, res.primalAsTrained, 1e-12), `P(θ) ${res.primalAsTrained} vs recomputed ${P}`);
  assert.equal(res.gap, res.primalAsTrained - res.dualBound);
  // P_bal from the norms and from the rebalanced network's weights agree to rounding
  assert.ok(Math.abs(res.gapBalanced - (res.primal - res.dualBound)) <= 1e-12 * res.primal, `gapBalanced ${res.gapBalanced}`);
  if (res.verdict === 'certified') assert.ok(res.gap <= res.tol * res.primalAsTrained);
  if (res.verdict === 'not-optimal') {
    assert.ok(res.witness);
    const obj = refObjective(res.witness!, X, Y, beta, hb === 'decayed', ob === 'decayed');
    assert.ok(relClose(obj, res.witness!.objective, 1e-12), `witness objective ${res.witness!.objective} vs recomputed ${obj}`);
    assert.ok(obj < res.primalAsTrained * (1 - res.tol), 'witness is better than the weights as given by more than tol');
    if (res.witness!.kind === 'rebalance/prune') assert.ok(samePredictions(net, res.witness!, X), 'a rebalanced witness predicts the same');
  } else assert.equal(res.witness, null);
  assert.ok(res.summary.length > 20);
  for (const k of ['tol', 'dualRounding', 'lassoRelGap', 'optimalM', 'dedup']) assert.ok(res.tolerances[k], k);
}

// ---------- closed form (whitened) ----------

test('whitened scalar: the closed-form optimum is certified; a perturbed one is not optimal with a verified witness', () => {
  const X = whitened(23, 3, 5);
  const Y = mat(3, 1, (i) => [1.5, -2, 0.7][i]);
  const beta = 0.4;
  const cf = detectClosedForm(X, Y, beta, { hiddenBias: 'none', outputBias: 'none' })!;
  const st = settings(beta, 'none', 'none');
  const res = certifyNetwork(cf.network, X, Y, st, whitenedOracle);
  checkResult(res, X, Y, beta, 'none', 'none', cf.network);
  assert.equal(res.verdict, 'certified');
  assert.equal(res.closedForm, 'whitened-scalar');
  assert.ok(res.relGap <= 1e-10, `relGap ${res.relGap}`);
  assert.ok(relClose(res.primal, cf.pstar, 1e-12));
  // perturbed: outputs ×1.05 — P rises by ~ a few 1e-3 relative
  const pert: NetworkWeights = { ...cf.network, W2: { ...cf.network.W2, data: cf.network.W2.data.map((v) => v * 1.05) } };
  const res2 = certifyNetwork(pert, X, Y, st, whitenedOracle);
  checkResult(res2, X, Y, beta, 'none', 'none', pert);
  assert.equal(res2.verdict, 'not-optimal');
  assert.ok(relClose(res2.witness!.objective, cf.pstar, 1e-10));
  assert.match(res2.summary, /A better network exists/);
});

// ---------- column generation with exact reference oracles ----------

function data1D(seed: number, n: number, c: number) {
  const r = rng(seed);
  const X = mat(n, 1, () => 2 * r.normal());
  const Y = mat(n, c, (i, j) => Math.sin((1.5 + j) * X.data[i]) + 0.2 * r.normal());
  return { r, X, Y };
}

/** random net → not-optimal with witness; the witness is then certified */
function roundTrip(X: Mat, Y: Mat, beta: number, hb: HiddenBiasMode, ob: OutputBiasMode, oracle: OracleFn, seed: number) {
  const r = rng(seed);
  const net = randomNet(r, 6, X.cols, Y.cols, { b1: hb !== 'none', b2: ob !== 'none' }, 0.7);
  const st = settings(beta, hb, ob);
  const res = certifyNetwork(net, X, Y, st, oracle);
  checkResult(res, X, Y, beta, hb, ob, net);
  assert.equal(res.verdict, 'not-optimal', res.summary);
  const opt = res.witness!;
  const res2 = certifyNetwork(opt, X, Y, st, oracle);
  checkResult(res2, X, Y, beta, hb, ob, opt);
  assert.equal(res2.verdict, 'certified', res2.summary);
  assert.ok(res2.relGap <= 1e-6, `relGap ${res2.relGap}`);
  // the optimum is a stationary point: the implied β matches
  assert.ok(res2.impliedBeta !== null && relClose(res2.impliedBeta, beta, 1e-4), `implied ${res2.impliedBeta}`);
  assert.equal(res2.impliedBetaMismatch, false);
  // dual scores of the optimal neurons are 1
  for (const s of res2.neurons) if (!s.dead && s.inNorm > 0) assert.ok(Math.abs(s.dualScore - 1) < 1e-4, `dualScore ${s.dualScore}`);
  return { res, res2 };
}

for (const ob of ['decayed', 'free', 'none'] as OutputBiasMode[])
  test(`1-D data, decayed hidden bias, output ${ob}: random net not optimal; its witness certified (exact circle oracle)`, () => {
    const { X, Y } = data1D(12, 14, 1);
    roundTrip(X, Y, 0.1, 'decayed', ob, circleOracle, 3);
  });

test('2-D data without biases (scalar and vector output): round trip (exact circle oracle)', () => {
  const r = rng(21);
  const X = mat(16, 2, () => r.normal());
  for (const c of [1, 2]) {
    const Y = mat(16, c, (i, j) => Math.abs(X.data[2 * i] + j * X.data[2 * i + 1]) + 0.1 * r.normal());
    roundTrip(X, Y, 0.2, 'none', 'none', circleOracle, 5 + c);
  }
});

test('vector output c = 3, 1-D data with decayed biases: round trip', () => {
  const { X, Y } = data1D(31, 12, 3);
  roundTrip(X, Y, 0.15, 'decayed', 'decayed', circleOracle, 9);
});

for (const ob of ['free', 'decayed', 'none'] as OutputBiasMode[])
  test(`free hidden bias (1-D, exact free-bias oracle), output ${ob}: round trip`, () => {
    const { X, Y } = data1D(41, 12, 1);
    roundTrip(X, Y, 0.1, 'free', ob, freeBias1DOracle, 13);
  });

test('P* interval agrees with an independent brute force (dense dictionary on the circle)', () => {
  const { X, Y } = data1D(51, 10, 1);
  const beta = 0.08;
  const r = rng(2);
  const net = randomNet(r, 4, 1, 1, { b1: true, b2: true }, 0.5);
  const res = certifyNetwork(net, X, Y, settings(beta, 'decayed', 'decayed'), circleOracle);
  // brute force: lasso over 20000 unit directions of X̃ = [x, 1]
  const A: Float64Array[] = [];
  for (let k = 0; k < 20000; k++) {
    const t = (2 * Math.PI * k) / 20000;
    A.push(Float64Array.from(X.data, (x) => Math.max(Math.cos(t) * x + Math.sin(t), 0)));
  }
  const brute = solveLasso(A, Y, beta, 'decayed');
  assert.ok(res.pstarInterval[0] <= brute.objective * (1 + 1e-12), `dual ${res.pstarInterval[0]} > brute ${brute.objective}`);
  assert.ok(brute.objective <= res.pstarInterval[1] * (1 + 1e-4));
  assert.ok(res.pstarInterval[1] <= brute.objective * (1 + 1e-12) || relClose(res.pstarInterval[1], brute.objective, 1e-5));
});

// ---------- adversarial ----------

test('zero labels: the zero network is certified with P* = 0; a nonzero network is not optimal', () => {
  const r = rng(4);
  const X = mat(8, 1, () => r.normal());
  const Y = mat(8, 1, () => 0);
  const zero: NetworkWeights = { W1: mat(3, 1, () => 0), b1: new Float64Array(3), W2: mat(1, 3, () => 0), b2: new Float64Array(1) };
  const res = certifyNetwork(zero, X, Y, settings(0.1, 'decayed', 'decayed'), circleOracle);
  checkResult(res, X, Y, 0.1, 'decayed', 'decayed', zero);
  assert.equal(res.verdict, 'certified');
  assert.equal(res.primal, 0);
  assert.equal(res.relGap, 0);
  assert.ok(res.neurons.every((s) => s.dead));
  const net = randomNet(r, 3, 1, 1, { b1: true, b2: true }, 0.3);
  const res2 = certifyNetwork(net, X, Y, settings(0.1, 'decayed', 'decayed'), circleOracle);
  checkResult(res2, X, Y, 0.1, 'decayed', 'decayed', net);
  assert.equal(res2.verdict, 'not-optimal');
  assert.ok(res2.witness!.objective <= 1e-12);
});

test('β huge: the zero network is certified (M(Y) ≤ β)', () => {
  const { X, Y } = data1D(61, 10, 1);
  const zero: NetworkWeights = { W1: mat(2, 2, () => 0), b1: null, W2: mat(1, 2, () => 0), b2: null };
  const X2 = mat(10, 2, (i, j) => (j === 0 ? X.data[i] : 1)); // constant column instead of a bias
  const res = certifyNetwork(zero, X2, Y, settings(1e6, 'none', 'none'), circleOracle);
  checkResult(res, X2, Y, 1e6, 'none', 'none', zero);
  assert.equal(res.verdict, 'certified');
  assert.ok(res.relGap <= 1e-12);
  // with a (decayed) output bias the optimum moves b2 by 1ᵀY/(n+β) — still within tol
  const zb: NetworkWeights = { W1: mat(2, 1, () => 0), b1: new Float64Array(2), W2: mat(1, 2, () => 0), b2: new Float64Array(1) };
  const res2 = certifyNetwork(zb, X, Y, settings(1e6, 'decayed', 'decayed'), circleOracle);
  checkResult(res2, X, Y, 1e6, 'decayed', 'decayed', zb);
  assert.equal(res2.verdict, 'certified');
});

test('β tiny (1e-7): results stay consistent (sound bounds, verified witness)', () => {
  const { X, Y } = data1D(71, 9, 1);
  for (const seed of [1, 2]) {
    const net = randomNet(rng(seed), 5, 1, 1, { b1: true, b2: true }, 1);
    const res = certifyNetwork(net, X, Y, settings(1e-7, 'decayed', 'free', { maxIterations: 60 }), circleOracle);
    checkResult(res, X, Y, 1e-7, 'decayed', 'free', net);
    assert.notEqual(res.verdict, 'certified');
  }
});

test('duplicate points (and conflicting labels at the same x): round trip', () => {
  const r = rng(81);
  const xs = [-1, -1, 0.5, 0.5, 0.5, 2, 2, -0.3];
  const X = mat(xs.length, 1, (i) => xs[i]);
  const Y = mat(xs.length, 1, () => r.normal());
  roundTrip(X, Y, 0.05, 'decayed', 'decayed', circleOracle, 17);
});

test('declared β far from the network’s implied β is flagged; AdamW adds its implied β', () => {
  const { X, Y } = data1D(91, 10, 1);
  const { res2 } = roundTrip(X, Y, 0.1, 'decayed', 'decayed', circleOracle, 19);
  void res2;
  const net = certifyNetwork(randomNet(rng(19), 6, 1, 1, { b1: true, b2: true }, 0.7), X, Y, settings(0.1, 'decayed', 'decayed'), circleOracle).witness!;
  const res = certifyNetwork(net, X, Y, settings(0.3, 'decayed', 'decayed'), circleOracle);
  assert.equal(res.impliedBetaMismatch, true);
  assert.ok(res.warnings.some((w) => /Implied β/.test(w)));
  const resW = certifyNetwork(
    net,
    X,
    Y,
    { ...settings(0.1, 'decayed', 'decayed'), beta: { kind: 'pytorch', weightDecay: 0.02, reduction: 'mean', optimizer: 'adamw' } },
    circleOracle,
  );
  assert.ok(resW.warnings.some((w) => /AdamW/.test(w)));
  assert.ok(resW.warnings.some((w) => /implied β of this network/.test(w)));
});

test('the verdict is about the weights as given: a costly dead neuron or an unbalanced neuron is "not optimal — rebalance/prune"', () => {
  const { X, Y } = data1D(101, 10, 1);
  const st = settings(0.1, 'decayed', 'decayed');
  const opt = certifyNetwork(randomNet(rng(23), 6, 1, 1, { b1: true, b2: true }, 0.7), X, Y, st, circleOracle).witness!;
  const optRes = certifyNetwork(opt, X, Y, st, circleOracle);
  assert.equal(optRes.verdict, 'certified', optRes.summary);
  const m = opt.W1.rows;
  // one extra neuron never active on the data, with input weights (w, bias) and output weight v
  const withDead = (w: number, bias: number, v: number): NetworkWeights => ({
    W1: mat(m + 1, 1, (i) => (i < m ? opt.W1.data[i] : w)),
    b1: Float64Array.from({ length: m + 1 }, (_, i) => (i < m ? opt.b1![i] : bias)),
    W2: mat(1, m + 1, (_, j) => (j < m ? opt.W2.data[j] : v)),
    b2: opt.b2,
  });
  // costly: its weights add 1% to P(θ)
  const P0 = optRes.primalAsTrained;
  const cost = 0.01 * P0;
  const big = Math.sqrt(cost / 0.1); // (β/2)(b² + v²) = β·big² = cost; pre-activation −big < 0 everywhere
  const costly = withDead(0, -big, big);
  const res = certifyNetwork(costly, X, Y, st, circleOracle);
  checkResult(res, X, Y, 0.1, 'decayed', 'decayed', costly);
  assert.equal(res.neurons[m].dead, true);
  assert.equal(res.verdict, 'not-optimal', res.summary);
  assert.equal(res.witness!.kind, 'rebalance/prune');
  assert.match(res.summary, /computes an optimal function/);
  assert.match(res.summary, /dropping 1 dead neuron/);
  assert.ok(res.witness!.W1.rows === m, 'the witness drops the dead neuron');
  assert.ok(relClose(res.primalAsTrained - res.witness!.objective, refObjective(costly, X, Y, 0.1, true, true) - P0, 1e-9));
  // negligible: a dead neuron costing far below tol·P(θ) leaves the certificate standing
  const tiny = Math.sqrt((1e-7 * P0) / 0.1);
  const cheap = withDead(0, -tiny, tiny);
  const resCheap = certifyNetwork(cheap, X, Y, st, circleOracle);
  checkResult(resCheap, X, Y, 0.1, 'decayed', 'decayed', cheap);
  assert.equal(resCheap.verdict, 'certified', resCheap.summary);
  assert.equal(resCheap.neurons[m].dead, true);
  // unbalanced: neuron 0 scaled (α ũ, v/α) computes the same function at a higher objective
  const j0 = opt.W2.data.findIndex((v) => v !== 0);
  const alpha = 1.5;
  const unbal: NetworkWeights = {
    W1: mat(m, 1, (i) => opt.W1.data[i] * (i === j0 ? alpha : 1)),
    b1: Float64Array.from(opt.b1!, (b, i) => b * (i === j0 ? alpha : 1)),
    W2: mat(1, m, (_, j) => opt.W2.data[j] / (j === j0 ? alpha : 1)),
    b2: opt.b2,
  };
  const resU = certifyNetwork(unbal, X, Y, st, circleOracle);
  checkResult(resU, X, Y, 0.1, 'decayed', 'decayed', unbal);
  const excess = resU.primalAsTrained - resU.primal;
  if (excess > 2 * st.tol * resU.primalAsTrained) {
    assert.equal(resU.verdict, 'not-optimal', resU.summary);
    assert.equal(resU.witness!.kind, 'rebalance/prune');
    assert.match(resU.summary, /rescaling 1 neuron/);
  } else assert.fail(`the scaled neuron must cost more than 2·tol (excess ${excess})`);
});

test('an unsound-looking oracle (upper < lower) never leads to a false certificate claim without warning', () => {
  const { X, Y } = data1D(111, 8, 1);
  // oracle that claims M = 0 (lies): dual bound becomes D(s*R) with unconstrained s; may exceed a witness
  const liar: OracleFn = (Xt, L, o) => ({ ...circleOracle(Xt, L, o), upper: 0, exact: false });
  const net = randomNet(rng(3), 4, 1, 1, { b1: true, b2: true }, 0.5);
  const res = certifyNetwork(net, X, Y, settings(0.1, 'decayed', 'decayed'), liar);
  if (res.dualBound > res.pstarInterval[1]) {
    assert.equal(res.verdict, 'inconclusive');
    assert.ok(res.warnings.some((w) => /Internal inconsistency/.test(w)));
  }
});

test('maxIterations = 0: residual dual point only; report fields are filled', () => {
  const { X, Y } = data1D(121, 10, 1);
  const net = randomNet(rng(5), 4, 1, 1, { b1: true, b2: true }, 0.5);
  const stages: string[] = [];
  const res = certifyNetwork(net, X, Y, settings(0.1, 'decayed', 'decayed', { maxIterations: 0, onStage: (s) => stages.push(s) }), circleOracle);
  checkResult(res, X, Y, 0.1, 'decayed', 'decayed', net);
  assert.equal(res.dualPoint, 'residual');
  // no column generation: the only network besides this one is itself rebalanced
  assert.ok(['inconclusive', 'certified'].includes(res.verdict) || res.witness?.kind === 'rebalance/prune', res.verdict);
  assert.deepEqual([...new Set(stages)], ['validate', 'objective', 'oracle', 'closed-form', 'column-generation']);
  for (const k of ['validate', 'objective', 'oracleResidual', 'closedForm', 'columnGeneration', 'total']) assert.ok(k in res.timings, k);
  assert.equal(res.neurons.length, 4);
  if (res.verdict === 'inconclusive') assert.match(res.summary, /Could not decide \(squared loss, β = 0\.1\): P\* ∈/);
});

test('bad inputs are refused with a message', () => {
  const X = mat(3, 1, (i) => i);
  const Y = mat(3, 1, (i) => i);
  const net = randomNet(rng(1), 2, 2, 1, { b1: true, b2: true });
  assert.throws(() => certifyNetwork(net, X, Y, settings(0.1, 'decayed', 'decayed'), circleOracle), /expects 2 inputs/);
  const net1 = randomNet(rng(1), 2, 1, 1, { b1: true, b2: true });
  assert.throws(() => certifyNetwork(net1, X, Y, settings(0, 'decayed', 'decayed'), circleOracle), /β = 0/);
  const Xn = mat(3, 1, (i) => (i === 1 ? NaN : i));
  assert.throws(() => certifyNetwork(net1, Xn, Y, settings(0.1, 'decayed', 'decayed'), circleOracle), /non-finite/);
});

test('an oracle that throws yields no dual bound and a warning, never a crash or a false certificate', () => {
  const { X, Y } = data1D(131, 8, 1);
  const broken: OracleFn = () => {
    throw new Error('boom');
  };
  const net = randomNet(rng(6), 3, 1, 1, { b1: true, b2: true }, 0.5);
  const res = certifyNetwork(net, X, Y, settings(0.1, 'decayed', 'decayed'), broken);
  checkResult(res, X, Y, 0.1, 'decayed', 'decayed', net);
  assert.notEqual(res.verdict, 'certified');
  assert.equal(res.dualBound, 0);
  assert.ok(res.warnings.some((w) => /oracle failed/.test(w)));
  // cancellation still propagates
  let calls = 0;
  const cancelling: OracleFn = () => {
    calls++;
    throw new Error('cancelled');
  };
  assert.throws(() => certifyNetwork(net, X, Y, settings(0.1, 'decayed', 'decayed', { shouldStop: () => calls > 0 }), cancelling), /cancelled/);
});

test('rank-one data and whitened one-hot data: closed-form optimum certified, perturbation not optimal', () => {
  const r = rng(141);
  // rank one: X = c aᵀ, 2 columns so the circle oracle is exact
  const cv = Array.from({ length: 9 }, () => r.normal());
  const X1 = mat(9, 2, (i, j) => cv[i] * [0.6, -1.1][j]);
  const Y1 = mat(9, 1, () => r.normal());
  // whitened one-hot: X = rotation (2×2), one sample per class
  const th = 0.7;
  const X2 = mat(
    2,
    2,
    (i, j) =>
      [
        [Math.cos(th), Math.sin(th)],
        [-Math.sin(th), Math.cos(th)],
      ][i][j],
  );
  const Y2 = mat(2, 2, (i, j) => (i === j ? 1 : 0));
  for (const [X, Y, name, beta] of [
    [X1, Y1, 'rank-one', 0.3],
    [X2, Y2, 'whitened-one-hot', 0.4],
  ] as [Mat, Mat, string, number][]) {
    const cf = detectClosedForm(X, Y, beta, { hiddenBias: 'none', outputBias: 'none' })!;
    assert.equal(cf.name, name);
    const st = settings(beta, 'none', 'none');
    const res = certifyNetwork(cf.network, X, Y, st, circleOracle);
    checkResult(res, X, Y, beta, 'none', 'none', cf.network);
    assert.equal(res.verdict, 'certified', res.summary);
    assert.equal(res.closedForm, name);
    assert.equal(res.closedFormInfo?.name, name);
    assert.ok(res.relGap <= 1e-9, `relGap ${res.relGap}`);
    const pert: NetworkWeights = { ...cf.network, W1: { ...cf.network.W1, data: cf.network.W1.data.map((v) => v * 1.1) } };
    const res2 = certifyNetwork(pert, X, Y, st, circleOracle);
    checkResult(res2, X, Y, beta, 'none', 'none', pert);
    assert.equal(res2.verdict, 'not-optimal');
    assert.ok(relClose(res2.witness!.objective, cf.pstar, 1e-9));
  }
});
