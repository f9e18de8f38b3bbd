/**
 * skl2onnx's class labels (OutputHead.classes): read from the real converter's graphs — ZipMap's
 * classlabels, or the `classes` constant its ArrayFeatureExtractor indexes when there is no ZipMap —
 * and equal to the estimator's classes_ that make_fixtures.py recorded beside each model.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readModelFile } from '../../src/core/onnx/index';
import { record, SKLEARN_DIR } from './sklearnFixtures';

const CLASSIFIERS = [
  'mlpc_binary',
  'mlpc_binary_nozipmap',
  'mlpc_binary_scaler',
  'mlpc_3class',
  'mlpc_3class_nozipmap',
  'mlpc_3class_123',
  'mlpc_binary_strings',
];

for (const name of CLASSIFIERS)
  test(`skl2onnx ${name}: the model's classes are sklearn's classes_`, async () => {
    const { model } = await readModelFile(join(SKLEARN_DIR, `${name}.onnx`));
    assert.deepEqual(model.head.classes, record(name).classes);
  });

test('regressors and non-sklearn heads have no classes', async () => {
  for (const name of ['mlpr_1out', 'mlpr_2out']) {
    const { model } = await readModelFile(join(SKLEARN_DIR, `${name}.onnx`));
    assert.equal(model.head.classes, undefined);
  }
});
