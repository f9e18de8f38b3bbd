/**
 * Class labels other than 0…c−1 (#18): skl2onnx models trained on classes [1, 2, 3] or ["no", "yes"]
 * (test/fixtures/sklearn/make_fixtures.py labelled(): the same data and fits as mlpc_3class and
 * mlpc_binary, labels renamed — sklearn orders classes_ by value, so the weights are identical).
 * The oracle: the load pipeline maps the labels through the model's classes, so the certificate
 * equals the 0…c−1 fixture's to the last bit; the result says how the labels were read; a label
 * that is not a class is refused with its file, row and column.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadPipeline } from '../../src/core/pipeline/load';
import { analyze } from '../../src/core/analysis';
import { ReluLensError } from '../../src/core/errors';
import { SKLEARN_DIR } from '../onnx/sklearnFixtures';

const at = (name: string, ext: string) => join(SKLEARN_DIR, `${name}.${ext}`);

async function load(name: string, csv?: string) {
  return loadPipeline({
    model: { path: at(name, 'onnx') },
    data: csv === undefined ? { path: at(name, 'csv') } : { bytes: new TextEncoder().encode(csv), file: `${name}.csv` },
    options: { sklearnAlpha: 0.05, maxIterations: 5 },
    crossCheck: false,
  });
}

async function certificate(name: string) {
  const l = await load(name);
  const { json } = await analyze(l.model, l.data!, l.settings!, { optimize: false, interpret: false, geometry: false });
  return { l, json };
}

const numbers = (j: { verdict: string; primalAsTrained: number; dualBound: number; pstarInterval: [number, number]; impliedBeta: number | null }) => [
  j.verdict,
  j.primalAsTrained,
  j.dualBound,
  ...j.pstarInterval,
  j.impliedBeta,
];

for (const [renamed, plain, mapping] of [
  ['mlpc_3class_123', 'mlpc_3class', /classes_ \[1, 2, 3\]\), read as the output positions 1 → 0, 2 → 1, 3 → 2/],
  ['mlpc_binary_strings', 'mlpc_binary', /classes_ \["no", "yes"\]\), read as the output positions "no" → 0, "yes" → 1/],
] as const)
  test(`${renamed}: labels read through the model's classes certify exactly as ${plain} does, and the result says so`, async () => {
    const a = await certificate(renamed);
    const b = await certificate(plain);
    assert.deepEqual(Array.from(a.l.data!.Y.data), Array.from(b.l.data!.Y.data));
    assert.deepEqual(numbers(a.json), numbers(b.json));
    assert.ok(
      a.l.warnings.some((w) => mapping.test(w)),
      a.l.warnings.join(' | '),
    );
    // 0…c−1 classes: nothing to say
    assert.ok(!b.l.warnings.some((w) => /the model's classes/.test(w)), b.l.warnings.join(' | '));
  });

test('a label that is not one of the classes is refused with the file, row and column', async () => {
  const lines = readFileSync(at('mlpc_3class_123', 'csv'), 'utf8').split('\n');
  lines[3] = lines[3].replace(/,[^,]*$/, ',4.0'); // file row 4 (header = row 1)
  await assert.rejects(load('mlpc_3class_123', lines.join('\n')), (e: unknown) => {
    assert.ok(e instanceof ReluLensError && e.kind === 'data', String(e));
    assert.match(e.describe(), /mlpc_3class_123\.csv: row 4, column y: label "4\.0" is not one of the model's classes \(1, 2, 3\)/);
    return true;
  });
  const words = readFileSync(at('mlpc_binary_strings', 'csv'), 'utf8').split('\n');
  words[5] = words[5].replace(/,[^,]*$/, ',maybe');
  await assert.rejects(load('mlpc_binary_strings', words.join('\n')), (e: unknown) => {
    assert.match((e as ReluLensError).describe(), /mlpc_binary_strings\.csv: row 6, column y: label "maybe" is not one of the model's classes \("no", "yes"\)/);
    return true;
  });
  // labels written as positions 0…c−1 for a model whose classes are 1, 2, 3: 0 is no class
  const zeroBased = readFileSync(at('mlpc_3class', 'csv'), 'utf8');
  await assert.rejects(load('mlpc_3class_123', zeroBased), /label "0\.0" is not one of the model's classes \(1, 2, 3\)/);
});
