/**
 * analyze() on networks trained by real torch (test/fixtures/trained, scripts/fixtures/train_cases.py).
 * Independent oracle: case.json's numpy values — P_bal of the weights as stored, the reference
 * P* interval from the exact convex program over all enumerated patterns (convex_ref.py), and P_own
 * (the program over the network's own patterns). The optimum's value is also recomputed here from
 * its JSON weights with plain loops.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { readModelFile } from '../../src/core/onnx';
import { loadDataset } from '../../src/core/data';
import { analyze } from '../../src/core/analysis';
import { settingsFromOptions } from '../../src/core/config/options';
import { fromRows, zeros } from '../../src/core/linalg/mat';
import { networkObjective } from '../../src/core/problem/objective';
import type { NetworkJson } from '../../src/core/report/analysisJson';
import type { CanonicalModel } from '../../src/core/model';
import type { Dataset } from '../../src/core/data';

const TRAINED = path.resolve(__dirname, '..', 'fixtures', 'trained');

async function load(name: string) {
  const dir = path.join(TRAINED, name);
  const cs = JSON.parse(readFileSync(path.join(dir, 'case.json'), 'utf8'));
  const { model } = await readModelFile(path.join(dir, 'model.onnx'));
  const data = await loadDataset(path.join(dir, 'train.csv'), { expectD: model.d, expectC: model.c });
  return { cs, model, data };
}

/** ½‖f(X) − Y‖² + (β/2)‖θ‖² (both biases decayed) from plain arrays, nothing from src/. */
function plainObjective(w: NetworkJson, data: Dataset, beta: number): number {
  const { X, Y } = data;
  const d = X.cols,
    c = Y.cols;
  let loss = 0;
  for (let i = 0; i < X.rows; i++) {
    const h = w.W1.map((u, j) =>
      Math.max(
        0,
        u.reduce((s, uk, k) => s + uk * X.data[i * d + k], w.b1 ? w.b1[j] : 0),
      ),
    );
    for (let k = 0; k < c; k++) loss += (w.W2[k].reduce((s, v, j) => s + v * h[j], w.b2 ? w.b2[k] : 0) - Y.data[i * c + k]) ** 2;
  }
  const sq = (a: number[] | null) => (a ?? []).reduce((s, x) => s + x * x, 0);
  return 0.5 * loss + (beta / 2) * (w.W1.reduce((s, r) => s + sq(r), 0) + sq(w.b1) + w.W2.reduce((s, r) => s + sq(r), 0) + sq(w.b2));
}

function netFromJson(w: NetworkJson, d: number) {
  return {
    W1: w.W1.length ? fromRows(w.W1) : zeros(0, d),
    b1: w.b1 ? Float64Array.from(w.b1) : null,
    W2: w.W2[0]?.length ? fromRows(w.W2) : zeros(w.W2.length, 0),
    b2: w.b2 ? Float64Array.from(w.b2) : null,
  };
}

function run(model: CanonicalModel, data: Dataset, beta: number, stages?: string[]) {
  const s = settingsFromOptions(model, { beta });
  if (stages) s.onStage = (st) => stages.push(st);
  return analyze(model, data, s);
}

for (const name of ['converged-1d', 'converged-2d']) {
  test(`${name}: certified, the optimum matches the reference P* and lies within the certified gap of P_bal`, async () => {
    const { cs, model, data } = await load(name);
    const stages: string[] = [];
    const { json, optimal } = await run(model, data, cs.beta, stages);
    const ref = cs.pstar_reference;
    assert.equal(json.verdict, 'certified');
    const o = json.optimum!;
    assert.equal(o.exact, true);
    assert.equal(o.label, 'optimum');
    assert.ok(optimal);
    // target accuracy 1e-8 relative (measured: 3e-9 and 7e-10)
    assert.ok(o.relGap <= 1e-8, `relGap ${o.relGap}`);
    // brackets agree with numpy's exact program: our value is an upper bound, our lower bound a lower bound
    assert.ok(o.value >= ref.lowerBound * (1 - 1e-12), `${o.value} < reference lower bound ${ref.lowerBound}`);
    assert.ok(o.lowerBound <= ref.upperBound * (1 + 1e-12), `${o.lowerBound} > reference upper bound ${ref.upperBound}`);
    assert.ok(Math.abs(o.value - ref.value) <= 1e-8 * ref.value, `${o.value} vs reference ${ref.value}`);
    // optimum ≈ the trained P_bal to the certified gap
    assert.ok(o.value <= cs.P_bal * (1 + 1e-12));
    assert.ok(cs.P_bal - o.value <= json.gap + 1e-12, `P_bal − optimum ${cs.P_bal - o.value} > certified gap ${json.gap}`);
    for (const st of ['reading', 'objective', 'oracle', 'column-generation', 'optimum', 'interpretation', 'diagnosis', 'geometry'])
      assert.ok(stages.includes(st), `stage ${st} not reported (${[...new Set(stages)].join(',')})`);
    assert.equal(json.diagnosis!.kind, 'optimal');
  });
}

test('spurious-2d: reported as a spurious stationary point, consistent with numpy P_own; the optimum is P*', async () => {
  const { cs, model, data } = await load('spurious-2d');
  const { json } = await run(model, data, cs.beta);
  const o = json.optimum!;
  assert.equal(json.verdict, 'not-optimal');
  assert.ok(o.exact && o.value < cs.P_bal * (1 - 0.4));
  assert.ok(Math.abs(o.value - cs.pstar_reference.value) <= 1e-8 * o.value);
  const dg = json.diagnosis!;
  assert.ok(Math.abs(dg.pOwn - cs.P_own.value) <= 1e-6 * cs.P_own.value, `P_own ${dg.pOwn} vs numpy ${cs.P_own.value}`);
  // P_bal − P_own ≈ 1e-9 relative in numpy: training is finished; the gap is the landscape's
  assert.equal(dg.kind, 'spurious-stationary-point');
  assert.match(dg.text, /^Spurious stationary point/);
  assert.ok(dg.trainingGap <= 1e-4 * cs.P_bal);
  assert.ok(dg.landscapeGapInterval[0] > 0.4 * cs.P_bal && dg.landscapeGapInterval[0] <= dg.landscapeGapInterval[1]);
  assert.ok(dg.missingNeuron && dg.missingNeuron.violation > 0 && dg.missingNeuron.u.length === 2 && dg.missingNeuron.b !== null);
});

for (const name of ['early-stopped-1d', 'early-stopped-2d']) {
  test(`${name}: not optimal, the optimum beats it and equals the reference P*, diagnosis says train longer`, async () => {
    const { cs, model, data } = await load(name);
    const { json, optimal, witness } = await run(model, data, cs.beta);
    const o = json.optimum!;
    assert.equal(json.verdict, 'not-optimal');
    assert.ok(optimal !== null && o.exact && witness !== null); // witness: the certificate's better network
    assert.ok(o.value < cs.P_bal * (1 - 1e-3));
    assert.ok(Math.abs(o.value - cs.pstar_reference.value) <= 1e-8 * o.value);
    const dg = json.diagnosis!;
    // P_bal − P* = training gap + landscape gap; early stopping leaves a training gap
    assert.ok(dg.trainingGap > 1e-4 * cs.P_bal, `training gap ${dg.trainingGap}`);
    assert.ok(['train-longer', 'both'].includes(dg.kind), dg.kind);
    assert.ok(Math.abs(dg.trainingGap + dg.landscapeGap - (json.primal - json.dualBound)) <= 1e-9 * json.primal);
  });
}

test('the optimum value is recomputed from its weights (JSON round trip, plain-loop objective)', async () => {
  for (const name of ['converged-2d', 'vector-2out']) {
    const { cs, model, data } = await load(name);
    const { json } = await run(model, data, cs.beta);
    const o = json.optimum!;
    const net = netFromJson(o.network, model.d);
    const modes = { hiddenBias: json.hiddenBias, outputBias: json.outputBias };
    assert.equal(networkObjective(net, data.X, data.Y, cs.beta, modes).objective, o.value);
    const plain = plainObjective(o.network, data, cs.beta);
    assert.ok(Math.abs(plain - o.value) <= 1e-12 * o.value, `${plain} vs ${o.value}`);
    assert.equal(o.neurons, o.network.W1.length);
  }
});

test('vector-2out (c = 2): column generation only; optimum ≤ P_bal and within the reference bracket', async () => {
  const { cs, model, data } = await load('vector-2out');
  const { json } = await run(model, data, cs.beta);
  const o = json.optimum!;
  assert.ok(o.value <= cs.P_bal);
  assert.ok(o.value >= cs.pstar_reference.lowerBound && o.lowerBound <= o.value);
  assert.match(o.method, /column-generation/);
});

test('certify --json keys of the issue are present (trained neurons interpreted and matched)', async () => {
  const { cs, model, data } = await load('converged-2d');
  const { json } = await run(model, data, cs.beta);
  for (const k of ['optimum', 'closedForm', 'diagnosis', 'geometry', 'loss', 'network', 'optimalNeurons']) assert.ok(k in json, k);
  for (const k of ['value', 'exact', 'patterns', 'network', 'lowerBound', 'relGap', 'label']) assert.ok(k in json.optimum!, k);
  for (const k of ['W1', 'b1', 'W2', 'b2']) assert.ok(k in json.optimum!.network, k);
  for (const k of ['pOwn', 'trainingGap', 'landscapeGap', 'missingNeuron', 'kind', 'text']) assert.ok(k in json.diagnosis!, k);
  assert.equal(json.loss.name, 'squared');
  const live = json.neurons.filter((n) => !n.dead);
  assert.ok(live.every((n) => 'alignment' in n && 'extremePoint' in n && 'autoencoder' in n && 'match' in n));
  assert.ok(live.some((n) => n.match !== null && n.match !== undefined));
  assert.ok(json.optimalNeurons!.length === json.optimum!.neurons);
  assert.ok(json.geometry && json.geometry.width === model.m && json.geometry.optimumNeurons === json.optimum!.neurons);
  assert.ok('optimumRelTol' in json.tolerances && 'optimumExactRelTol' in json.tolerances);
});

test('options: optimize/interpret/geometry off; shouldStop cancels', async () => {
  const { cs, model, data } = await load('converged-1d');
  const s = settingsFromOptions(model, { beta: cs.beta });
  const { json } = await analyze(model, data, s, { optimize: false, interpret: false, geometry: false });
  assert.equal(json.optimum, null);
  assert.equal(json.diagnosis, null);
  assert.equal(json.geometry, null);
  let calls = 0;
  const s2 = { ...settingsFromOptions(model, { beta: cs.beta }), shouldStop: () => ++calls > 3 };
  await assert.rejects(() => analyze(model, data, s2), /cancelled/);
});

test('whitened data: the closed form is reported with LaTeX and the optimum equals its P*', async () => {
  // X = I (n = d = 4): XXᵀ = I, no biases; P* = Σ± (β‖y±‖ − β²/2 or ½‖y±‖²), computed here
  const n = 4;
  const X = zeros(n, n);
  for (let i = 0; i < n; i++) X.data[i * n + i] = 1;
  const y = [2, -1, 0.5, -3];
  const Y = fromRows(y.map((v) => [v]));
  const beta = 0.5;
  const yp = Math.hypot(...y.map((v) => Math.max(v, 0)));
  const ym = Math.hypot(...y.map((v) => Math.max(-v, 0)));
  const piece = (t: number) => (t > beta ? beta * t - (beta * beta) / 2 : 0.5 * t * t);
  const pstar = piece(yp) + piece(ym);
  const model = {
    file: 'synthetic.onnx',
    d: n,
    m: 2,
    c: 1,
    W1: fromRows([
      [0.1, 0.2, 0.3, 0.4],
      [-0.4, 0.3, -0.2, 0.1],
    ]),
    b1: null,
    W2: fromRows([[0.5, -0.5]]),
    b2: null,
    head: { kind: 'none', nodes: [] },
    foldedPreprocessing: [],
    dtype: 'float64',
    inputDtype: 'float64',
    producer: { name: 'test', version: '0' },
    opset: 13,
    irVersion: 8,
    input: { name: 'x', shape: ['N', n] },
    output: { name: 'y', shape: ['N', 1] },
    compareTensor: { name: 'y', afterHead: false },
    nodeMap: { preprocess: [], layer1: [], relu: [], layer2: [], head: [] },
    metadata: {},
  } as unknown as CanonicalModel;
  const data = { X, Y, n, d: n, c: 1, labelNames: ['y'], source: { file: 'synthetic' }, affine: null } as unknown as Dataset;
  const { json } = await analyze(model, data, settingsFromOptions(model, { beta }));
  const cf = json.closedForm!;
  assert.equal(cf.name, 'whitened');
  assert.ok(Math.abs(cf.pstar - pstar) <= 1e-12 * pstar);
  assert.match(cf.formula, /\\beta/);
  assert.match(cf.condition, /XXᵀ − I/);
  assert.deepEqual(cf.values.yPlus, [2, 0, 0.5, 0]);
  assert.ok(Math.abs(json.optimum!.value - pstar) <= 1e-9 * pstar, `${json.optimum!.value} vs ${pstar}`);
  assert.equal(json.loss.source, 'default');
});

test('one-dimensional data, free hidden bias: the kink-lasso closed form agrees with the column-generation optimum', async () => {
  const { cs, model, data } = await load('converged-1d');
  const s = settingsFromOptions(model, { beta: cs.beta, hiddenBias: 'free' });
  const { json } = await analyze(model, data, s, { interpret: false, geometry: false });
  const cf = json.closedForm!;
  assert.equal(cf.name, 'one-dimensional');
  assert.match(cf.condition, /free hidden bias/);
  const o = json.optimum!;
  // two independent routes to P*: the lasso over the 2n kink atoms and column generation with the exact oracle
  assert.ok(Math.abs(cf.pstar - o.value) <= 1e-7 * o.value, `closed form ${cf.pstar} vs optimum ${o.value}`);
  assert.ok(o.lowerBound <= cf.pstar * (1 + 1e-12));
});
