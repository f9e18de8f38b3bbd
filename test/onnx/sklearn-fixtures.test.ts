/**
 * MLPClassifier / MLPRegressor converted by the real skl2onnx (test/fixtures/sklearn/make_fixtures.py).
 * The reader's weights must be sklearn's fitted coefs (recorded in float64 beside each model), must
 * compute what onnxruntime computes, and must reproduce sklearn's predict_proba / predict; a
 * classifier head (Sigmoid/Softmax before ZipMap/ArgMax, node names that lie) gives the
 * classification loss by default.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { crossCheck, readModelFile } from '../../src/core/onnx/index';
import { forward } from '../../src/core/model';
import { loadDataset } from '../../src/core/data/index';
import { lossFromHead } from '../../src/core/analysis/loss';
import { record, SKLEARN_DIR } from './sklearnFixtures';

/** float32 storage of float64 coefs: relative rounding 2^-24 of the largest weight, with margin */
const F32_REL = 1e-6;

const CASES = [
  { name: 'mlpc_binary', c: 1, probability: 'sigmoid', loss: 'logistic' },
  { name: 'mlpc_binary_nozipmap', c: 1, probability: 'sigmoid', loss: 'logistic' },
  { name: 'mlpc_binary_scaler', c: 1, probability: 'sigmoid', loss: 'logistic' },
  { name: 'mlpc_3class', c: 3, probability: 'softmax', loss: 'cross-entropy' },
  { name: 'mlpc_3class_nozipmap', c: 3, probability: 'softmax', loss: 'cross-entropy' },
  { name: 'mlpr_1out', c: 1, probability: undefined, loss: 'squared' },
  { name: 'mlpr_2out', c: 2, probability: undefined, loss: 'squared' },
] as const;

for (const k of CASES) {
  test(`skl2onnx ${k.name}: weights, head, default loss, onnxruntime and sklearn agree`, async () => {
    const rec = record(k.name);
    const { model, bytes, external } = await readModelFile(join(SKLEARN_DIR, `${k.name}.onnx`));
    assert.equal(model.producer.name, 'skl2onnx');
    assert.deepEqual([model.d, model.m, model.c], [2, rec.coefs[0][0].length, k.c]);
    assert.equal(model.head.kind, k.probability ? 'sklearn-postprocess' : 'none');
    assert.equal(model.head.probability, k.probability);
    // skl2onnx names the output activation 'Relu1' whatever it is: matched on op_type, not on names
    if (k.probability) assert.match(model.head.nodes[0], new RegExp(`^${k.probability === 'sigmoid' ? 'Sigmoid' : 'Softmax'}:Relu1$`));
    assert.equal(lossFromHead(model.head).name, k.loss);

    // sklearn's coefs_[0] is d×m (x·W): the canonical W1 is its transpose
    if (!rec.pipeline) {
      const big = Math.max(...rec.coefs.flat(2).map(Math.abs), ...rec.intercepts.flat().map(Math.abs));
      for (let j = 0; j < model.m; j++) {
        for (let i = 0; i < model.d; i++) assert.ok(Math.abs(model.W1.data[j * model.d + i] - rec.coefs[0][i][j]) <= F32_REL * big);
        assert.ok(Math.abs(model.b1![j] - rec.intercepts[0][j]) <= F32_REL * big);
        for (let o = 0; o < model.c; o++) assert.ok(Math.abs(model.W2.data[o * model.m + j] - rec.coefs[1][j][o]) <= F32_REL * big);
      }
      for (let o = 0; o < model.c; o++) assert.ok(Math.abs(model.b2![o] - rec.intercepts[1][o]) <= F32_REL * big);
    } else {
      assert.equal(model.foldedPreprocessing.length, 1, 'the StandardScaler is folded into layer 1');
    }

    const data = await loadDataset(join(SKLEARN_DIR, `${k.name}.csv`), {
      expectD: 2,
      labels: k.c === 2 && !k.probability ? ['y1', 'y2'] : undefined,
    });
    const ort = await crossCheck(model, bytes, data.X, { external });
    assert.ok(ort.ok, `onnxruntime differs by ${ort.maxAbsDiff} > ${ort.tolerance}`);
    assert.equal(ort.inputs, 'data');

    // the logits through the head sklearn applies must give sklearn's own outputs
    const F = forward(model, data.X);
    const TOL = 1e-5; // float32 weights and input cast: far above the rounding, far below any real difference
    for (let i = 0; i < data.n; i++) {
      const row = Array.from(F.data.subarray(i * model.c, (i + 1) * model.c));
      let want: number[], got: number[];
      if (k.probability === 'sigmoid') {
        const p = 1 / (1 + Math.exp(-row[0]));
        (got = [1 - p, p]), (want = rec.predict_proba![i]);
      } else if (k.probability === 'softmax') {
        const mx = Math.max(...row),
          e = row.map((v) => Math.exp(v - mx)),
          s = e.reduce((a, b) => a + b, 0);
        (got = e.map((v) => v / s)), (want = rec.predict_proba![i]);
      } else {
        got = row;
        want = k.c === 1 ? [rec.predict[i]] : (rec.predict as unknown as number[][])[i];
      }
      got.forEach((v, o) => assert.ok(Math.abs(v - want[o]) <= TOL, `${k.name} row ${i} output ${o}: ${v} vs sklearn ${want[o]}`));
    }
  });
}
