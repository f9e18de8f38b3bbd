/**
 * analyze() with a classification head (MATH.md §8): the loss comes from the head unless the user
 * overrides it, and the optimum's value is the loss of its weights plus the penalty — recomputed
 * here with plain loops (softplus / log-sum-exp), independent of src/core/losses.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { readModelFile } from '../../src/core/onnx';
import { analyze } from '../../src/core/analysis';
import { settingsFromOptions } from '../../src/core/config/options';
import { forward } from '../../src/core/model';
import { zeros } from '../../src/core/linalg/mat';
import type { Dataset } from '../../src/core/data';
import type { NetworkJson } from '../../src/core/report/analysisJson';

const TORCH = path.resolve(__dirname, '..', 'fixtures', 'torch');

/** labels from the model's own decisions on random inputs (so the labels are learnable) */
async function problem(file: string, n: number) {
  const { model } = await readModelFile(path.join(TORCH, file));
  let s = 3;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 4 - 2;
  const X = zeros(n, model.d);
  X.data.forEach((_, i) => (X.data[i] = rnd()));
  const F = forward(model, X);
  const Y = zeros(n, 1);
  for (let i = 0; i < n; i++) {
    const row = Array.from(F.data.subarray(i * model.c, (i + 1) * model.c));
    Y.data[i] = model.c === 1 ? (row[0] > 0 ? 1 : 0) : row.indexOf(Math.max(...row));
  }
  const data = { X, Y, n, d: model.d, c: 1, labelNames: ['y'], source: { file: 'synthetic' }, affine: null } as unknown as Dataset;
  return { model, data };
}

function plainValue(w: NetworkJson, data: Dataset, beta: number, loss: 'logistic' | 'cross-entropy'): number {
  const { X, Y } = data;
  const d = X.cols;
  let total = 0;
  for (let i = 0; i < X.rows; i++) {
    const h = w.W1.map((u, j) =>
      Math.max(
        0,
        u.reduce((a, uk, k) => a + uk * X.data[i * d + k], w.b1 ? w.b1[j] : 0),
      ),
    );
    const f = w.W2.map((v, k) => v.reduce((a, vj, j) => a + vj * h[j], w.b2 ? w.b2[k] : 0));
    if (loss === 'logistic') {
      const y = Y.data[i] > 0 ? 1 : -1;
      const z = -y * f[0];
      total += z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
    } else {
      const mx = Math.max(...f);
      total += mx + Math.log(f.reduce((a, v) => a + Math.exp(v - mx), 0)) - f[Y.data[i]];
    }
  }
  const sq = (a: number[] | null) => (a ?? []).reduce((s, x) => s + x * x, 0);
  return total + (beta / 2) * (w.W1.reduce((s, r) => s + sq(r), 0) + sq(w.b1) + w.W2.reduce((s, r) => s + sq(r), 0) + sq(w.b2));
}

for (const [file, loss] of [
  ['legacy_f32_sigmoid.onnx', 'logistic'],
  ['legacy_f32_softmax.onnx', 'cross-entropy'],
] as const) {
  test(`${file}: loss ${loss} from the head; the optimum's value is recomputed from its weights`, async () => {
    const { model, data } = await problem(file, 16);
    const beta = 0.05;
    // no wall-clock budget: the certificate and the optimum stop on their iteration caps, so the
    // result (optimum or witness) is the same on every machine
    const s = { ...settingsFromOptions(model, { beta }), timeBudgetMs: undefined };
    const { json } = await analyze(model, data, s, { interpret: false, geometry: false });
    assert.equal(json.loss.name, loss);
    assert.equal(json.loss.source, 'head');
    const o = json.optimum!;
    assert.ok(o, 'an optimum or witness is reported');
    const plain = plainValue(o.network, data, beta, loss);
    assert.ok(Math.abs(plain - o.value) <= 1e-9 * Math.max(1, o.value), `${plain} vs ${o.value}`);
    assert.ok(o.lowerBound <= o.value * (1 + 1e-12));
    assert.equal(o.label, o.exact ? 'optimum' : 'witness');
    assert.ok(json.dualBound <= json.primal);
  });
}

test('--loss overrides the head (squared on a Sigmoid model: labels used as they are)', async () => {
  const { model, data } = await problem('legacy_f32_sigmoid.onnx', 16);
  const { json } = await analyze(model, data, settingsFromOptions(model, { beta: 0.05 }), { loss: 'squared', interpret: false, geometry: false });
  assert.deepEqual([json.loss.name, json.loss.source], ['squared', 'user']);
  assert.ok(json.optimum && json.optimum.value <= json.primal);
});
