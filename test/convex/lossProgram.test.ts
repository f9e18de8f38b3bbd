/**
 * solveLossProgram (hinge, logistic; c = 1) against independent references: with ALL patterns its
 * value is P*, bracketed by certifyClassification's P* interval (long run) and by test/losses
 * bruteUpper (a proximal-gradient upper bound over a dense direction dictionary); the lower bound
 * never exceeds either; with a network's own patterns, the value is at most that network's P_bal
 * when its neurons lie in their own cones (always true: the own pattern of a neuron is its cone).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { solveLossProgram } from '../../src/core/convex/lossProgram';
import { enumeratePatterns, ownPatterns } from '../../src/core/convex';
import { buildXt } from '../../src/core/problem/features';
import { certifyClassification, lossObjective } from '../../src/core/losses';
import type { CertifySettings } from '../../src/core/certify/types';
import type { NetworkWeights } from '../../src/core/problem/network';
import { ReluLensError } from '../../src/core/errors';
import { SAFETY_STOP_REASON } from '../../src/core/problem/safetyStop';
import { bruteUpper, dictionary, mat, rng } from '../losses/helpers';
import { diagnoseClassification } from '../../src/core/analysis/diagnosisLoss';
import { computeOracle } from '../../src/core/oracle';
import { analyze } from '../../src/core/analysis';
import { readModelFile } from '../../src/core/onnx';
import { settingsFromOptions } from '../../src/core/config/options';
import { forward } from '../../src/core/model';
import type { Dataset } from '../../src/core/data';
import * as path from 'node:path';

type HB = 'decayed' | 'none';
type OB = 'decayed' | 'free' | 'none';

function instance(seed: number, n: number, d: number) {
  const R = rng(seed);
  const X = mat(n, d, () => R.normal());
  const Y = mat(n, 1, (i) => (i % 2 === 0 ? 1 : -1) * (R.normal() > -0.8 ? 1 : -1));
  // both classes present (a free output bias needs them)
  Y.data[0] = 1;
  Y.data[1] = -1;
  return { X, Y, R };
}

const settings = (beta: number, hb: HB | 'free', ob: OB): CertifySettings => ({
  beta: { kind: 'direct', beta },
  hiddenBias: hb,
  outputBias: ob,
  tol: 1e-9,
  patternBudget: 200_000,
  maxIterations: 60,
  seed: 1,
});

function randomNet(R: ReturnType<typeof rng>, d: number, m: number, hb: HB = 'decayed', ob: OB = 'decayed'): NetworkWeights {
  return {
    W1: mat(m, d, () => R.normal()),
    b1: hb === 'none' ? null : Float64Array.from({ length: m }, () => R.normal()),
    W2: mat(1, m, () => R.normal()),
    b2: ob === 'none' ? null : Float64Array.of(0.2 * R.normal()),
  };
}

/** P_bal: each neuron rescaled so that ‖ũ_j‖ = |v_j| (same function, smallest penalty). */
function balance(net: NetworkWeights): NetworkWeights {
  const m = net.W1.rows,
    d = net.W1.cols;
  const W1 = { ...net.W1, data: Float64Array.from(net.W1.data) };
  const W2 = { ...net.W2, data: Float64Array.from(net.W2.data) };
  const b1 = net.b1 ? Float64Array.from(net.b1) : null;
  for (let j = 0; j < m; j++) {
    let u2 = b1 ? b1[j] ** 2 : 0;
    for (let k = 0; k < d; k++) u2 += W1.data[j * d + k] ** 2;
    const a = Math.sqrt(Math.abs(W2.data[j]) / Math.sqrt(u2));
    for (let k = 0; k < d; k++) W1.data[j * d + k] *= a;
    if (b1) b1[j] *= a;
    W2.data[j] /= a;
  }
  return { W1, b1, W2, b2: net.b2 };
}

const cases: { loss: 'hinge' | 'logistic'; hb: HB; ob: OB; n: number; d: number; beta: number }[] = [
  { loss: 'logistic', hb: 'decayed', ob: 'decayed', n: 6, d: 1, beta: 0.5 },
  { loss: 'logistic', hb: 'none', ob: 'free', n: 7, d: 2, beta: 0.3 },
  { loss: 'logistic', hb: 'decayed', ob: 'none', n: 5, d: 2, beta: 1 },
  { loss: 'hinge', hb: 'decayed', ob: 'decayed', n: 6, d: 1, beta: 0.5 },
  { loss: 'hinge', hb: 'none', ob: 'free', n: 6, d: 2, beta: 0.4 },
  { loss: 'hinge', hb: 'decayed', ob: 'none', n: 5, d: 2, beta: 1 },
];

for (const [ci, c] of cases.entries()) {
  test(`all patterns = P*: ${c.loss}, hidden ${c.hb}, output ${c.ob} (n = ${c.n}, d = ${c.d})`, () => {
    const { X, Y, R } = instance(100 + ci, c.n, c.d);
    const modes = { hiddenBias: c.hb, outputBias: c.ob } as const;
    const pats = enumeratePatterns(buildXt(X, c.hb), 100_000);
    assert.ok(pats.complete);
    const res = solveLossProgram(X, Y, pats.patterns, c.beta, modes, c.loss, { relTol: 1e-6 });
    // value recomputed independently from the returned weights
    const v = lossObjective(res.network, X, Y, c.beta, modes, c.loss).objective;
    assert.ok(Math.abs(v - res.value) <= 1e-12 * Math.max(1, v), `value ${res.value} vs recomputed ${v}`);
    assert.ok(res.lowerBound <= res.value, `lower ${res.lowerBound} > value ${res.value}`);
    const brute = bruteUpper(X, Y, c.beta, c.loss, c.hb, c.ob, dictionary(c.d + (c.hb === 'none' ? 0 : 1), 720), 4000);
    assert.ok(res.lowerBound <= brute.value * (1 + 1e-12), `lower ${res.lowerBound} > brute upper ${brute.value}`);
    const cert = certifyClassification(randomNet(R, c.d, 3, c.hb, c.ob), X, Y, c.loss, settings(c.beta, c.hb, c.ob));
    const [lo, hi] = cert.pstarInterval;
    assert.ok(res.lowerBound <= hi * (1 + 1e-12), `program lower ${res.lowerBound} above certificate's P* upper ${hi}`);
    assert.ok(lo <= res.value * (1 + 1e-12), `certificate lower ${lo} above program value ${res.value}`);
    const rel = (res.value - Math.max(lo, res.lowerBound)) / res.value;
    if (process.env.LP_REPORT)
      console.log(JSON.stringify({ case: ci, value: res.value, lower: res.lowerBound, cert: [lo, hi], brute: brute.value, it: res.iterations, rel }));
    assert.ok(res.relGap <= 1e-5, `not converged: relGap ${res.relGap} (${res.stopReason}, ${res.iterations} it)`);
    assert.ok(rel <= 1e-5, `value ${res.value} vs P* ∈ [${lo}, ${hi}], lower ${res.lowerBound}: rel ${rel}`);
    // the value is P*: it cannot beat the brute-force upper bound by more than its own gap
    assert.ok(res.value <= brute.value * (1 + 1e-5), `program ${res.value} above brute ${brute.value}`);
  });
}

test('own patterns: P_own ≤ P_bal of the network', () => {
  for (let seed = 1; seed <= 6; seed++) {
    const loss = seed % 2 ? 'logistic' : 'hinge';
    const { X, Y, R } = instance(300 + seed, 7, 2);
    const modes = { hiddenBias: 'decayed', outputBias: 'decayed' } as const;
    const net = balance(randomNet(R, 2, 4));
    const Pbal = lossObjective(net, X, Y, 0.4, modes, loss).objective;
    const own = ownPatterns(net, X, modes);
    // a work budget, not a time one (hinge stops on it; logistic converges first): both checks hold
    // at any stop point
    const res = solveLossProgram(X, Y, own, 0.4, modes, loss, { maxIterations: 2000 });
    assert.ok(res.value <= Pbal * (1 + 1e-9), `seed ${seed} ${loss}: P_own ${res.value} > P_bal ${Pbal}`);
    assert.ok(res.lowerBound <= res.value);
  }
});

test('the work budget decides; the wall clock is only the safety stop and says so when it fires', () => {
  const { X, Y, R } = instance(411, 7, 2);
  const modes = { hiddenBias: 'decayed', outputBias: 'decayed' } as const;
  const own = ownPatterns(balance(randomNet(R, 2, 4)), X, modes);
  // same work budget twice (with a generous safety limit): identical numbers, stopped by the budget
  const run = () => solveLossProgram(X, Y, own, 0.4, modes, 'hinge', { maxIterations: 120, relTol: 1e-14, timeBudgetMs: 600_000 });
  const a = run(),
    b = run();
  assert.equal(a.stopReason, 'iteration limit');
  assert.equal(a.iterations, 120);
  assert.deepEqual([b.value, b.lowerBound, b.iterations], [a.value, a.lowerBound, a.iterations]);
  // a safety limit that has already passed: stopped after the first iteration, and the reason says so
  const late = solveLossProgram(X, Y, own, 0.4, modes, 'hinge', { relTol: 1e-14, timeBudgetMs: -1 });
  assert.equal(late.stopReason, SAFETY_STOP_REASON);
  assert.equal(late.iterations, 1);
  assert.ok(late.lowerBound <= late.value);
});

test('refusals: free hidden bias and non-±1 labels', () => {
  const { X, Y } = instance(9, 5, 1);
  const pats = [Uint8Array.of(1, 1, 0, 0, 1)];
  assert.throws(() => solveLossProgram(X, Y, pats, 1, { hiddenBias: 'free', outputBias: 'decayed' }, 'hinge'), ReluLensError);
  const Y01 = mat(5, 1, (i) => i % 2);
  assert.throws(() => solveLossProgram(X, Y01, pats, 1, { hiddenBias: 'none', outputBias: 'decayed' }, 'logistic'), ReluLensError);
});

test('diagnoseClassification: split P_bal − P* = training gap + landscape gap, consistent with the certificate', () => {
  let ran = 0;
  for (let seed = 1; seed <= 4; seed++) {
    const loss = seed % 2 ? 'logistic' : 'hinge';
    const { X, Y, R } = instance(700 + seed, 7, 2);
    const net = randomNet(R, 2, 3);
    const st = settings(0.4, 'decayed', 'decayed');
    const cert = certifyClassification(net, X, Y, loss, { ...st, tol: 1e-6 });
    const modes = { hiddenBias: cert.hiddenBias, outputBias: cert.outputBias };
    const dg = diagnoseClassification({ net, X, Y, beta: cert.beta, modes, loss, cert, pstarUpper: Infinity, settings: st, oracle: computeOracle });
    assert.ok(dg, 'a diagnosis');
    if (cert.verdict === 'certified') continue;
    ran++;
    // P_own is a real network's objective and at most P_bal; the split adds up exactly
    assert.ok(dg.pOwn <= cert.primal * (1 + 1e-12));
    assert.ok(dg.pOwn >= cert.pstarInterval[0] * (1 - 1e-12), `P_own ${dg.pOwn} below P* lower ${cert.pstarInterval[0]}`);
    assert.ok(Math.abs(dg.trainingGap + dg.landscapeGap - (cert.primal - cert.dualBound)) <= 1e-9 * cert.primal);
    assert.ok(dg.landscapeGapInterval[0] <= dg.landscapeGapInterval[1]);
    assert.ok(['train-longer', 'spurious-stationary-point', 'both', 'inconclusive'].includes(dg.kind));
    assert.ok(dg.text.length > 20);
    // a missing neuron is reported exactly when the oracle's lower bound on M(Λ) exceeds β
    if (dg.missingNeuron) assert.ok(dg.missingNeuron.violation > 0);
  }
  assert.ok(ran >= 2, 'random networks are not optimal');
  // a free hidden bias: P_own bracketed by the own-cone certificate (analysis/ownInterval.ts) — the
  // same split identities, and P_own never below the certificate's own lower bound on P*
  const { X, Y, R } = instance(800, 6, 1);
  const net = randomNet(R, 1, 2);
  const st = settings(0.4, 'free', 'decayed');
  const cert = certifyClassification(net, X, Y, 'logistic', st);
  const dg = diagnoseClassification({
    net,
    X,
    Y,
    beta: 0.4,
    modes: { hiddenBias: 'free', outputBias: 'decayed' },
    loss: 'logistic',
    cert,
    pstarUpper: Infinity,
    settings: st,
    oracle: computeOracle,
  });
  assert.ok(dg, 'a free-bias diagnosis');
  if (cert.verdict !== 'certified') {
    assert.ok(dg.pOwn <= cert.primal * (1 + 1e-12));
    assert.ok(dg.pOwn >= cert.pstarInterval[0] * (1 - 1e-12));
    assert.ok(Math.abs(dg.trainingGap + dg.landscapeGap - (cert.primal - cert.dualBound)) <= 1e-9 * cert.primal);
  }
});

test('analyze(): a Sigmoid-head model gets a logistic diagnosis (the hook in analysis/index.ts)', async () => {
  const { model } = await readModelFile(path.join(__dirname, '..', 'fixtures', 'torch', 'legacy_f32_sigmoid.onnx'));
  if (model.c !== 1) return;
  const n = 14;
  const R = rng(5);
  const X = mat(n, model.d, () => 2 * R.normal());
  const F = forward(model, X);
  const Yd = mat(n, 1, (i) => (F.data[i] > 0 ? 1 : 0));
  const data = { X, Y: Yd, n, d: model.d, c: 1, labelNames: ['y'], source: { file: 'synthetic' }, affine: null } as unknown as Dataset;
  const s = settingsFromOptions(model, { beta: 0.05, timeBudgetMs: 20000 });
  const { json } = await analyze(model, data, s, { geometry: false });
  assert.equal(json.loss.name, 'logistic');
  const dg = json.diagnosis;
  if (process.env.LP_REPORT) console.log(JSON.stringify({ c: model.c, primal: json.primal, verdict: json.verdict, dg }));
  assert.ok(dg, `diagnosis present (warnings: ${JSON.stringify(json.warnings ?? [])})`);
  assert.ok(dg.pOwn <= json.primal * (1 + 1e-12));
  assert.ok(dg.landscapeGapInterval[0] <= dg.landscapeGapInterval[1]);
});
