/**
 * `inspect` reads a classifier's labels as `certify` does (src/core/pipeline/classes.ts): through
 * skl2onnx's classes_ when they are not 0…c−1, one class column for c outputs. The oracle is the
 * exporter: test/fixtures/sklearn/*.json records scikit-learn's classes_ and n beside each skl2onnx
 * model (make_fixtures.py), so the mapping shown must list exactly those classes, in that order.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { cli, ROOT } from './helpers';

const SK = path.join(ROOT, 'test', 'fixtures', 'sklearn');
const at = (name: string, ext: string) => path.join(SK, `${name}.${ext}`);
const sklearnFacts = (name: string) => JSON.parse(readFileSync(at(name, 'json'), 'utf8')) as { n: number; classes: (number | string)[] };

/** The note certify prints, rebuilt from scikit-learn's classes_ (not from the model). */
function expectedNote(classes: (number | string)[]): string {
  const shown = classes.map((k) => (typeof k === 'string' ? JSON.stringify(k) : String(k)));
  return `labels are the model's classes (skl2onnx classes_ [${shown.join(', ')}]), read as the output positions ${shown.map((k, i) => `${k} → ${i}`).join(', ')}`;
}

for (const name of ['mlpc_3class_123', 'mlpc_binary_strings']) {
  test(`inspect ${name} --data: the labels are read through the model's classes and the mapping is shown`, () => {
    const sk = sklearnFacts(name);
    const note = expectedNote(sk.classes);
    const r = cli(['inspect', at(name, 'onnx'), '--data', at(name, 'csv'), '--json']);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal(j.data.n, sk.n);
    assert.equal(j.data.c, 1); // one class column for the model's outputs
    assert.deepEqual(j.data.labels, ['y']);
    assert.ok(j.warnings.includes(note), j.warnings.join(' | '));
    const human = cli(['inspect', at(name, 'onnx'), '--data', at(name, 'csv')]);
    assert.equal(human.code, 0, human.stderr);
    assert.ok(human.stdout.includes(`  warning: ${note}\n`), human.stdout);
  });
}

test('inspect on classes 0…c−1 (mlpc_3class): one class column accepted, no mapping to show', () => {
  const sk = sklearnFacts('mlpc_3class');
  assert.deepEqual(sk.classes, [0, 1, 2]);
  const r = cli(['inspect', at('mlpc_3class', 'onnx'), '--data', at('mlpc_3class', 'csv'), '--json']);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.data.n, sk.n);
  assert.ok(!j.warnings.some((w: string) => /the model's classes/.test(w)), j.warnings.join(' | '));
});

test('inspect: a label that is not one of the classes is refused as certify refuses it (file, row, column), exit 3', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rl-inspect-classes-'));
  const lines = readFileSync(at('mlpc_binary_strings', 'csv'), 'utf8').split('\n');
  lines[5] = lines[5].replace(/,[^,]*$/, ',maybe');
  const csv = path.join(dir, 'strings.csv');
  writeFileSync(csv, lines.join('\n'));
  const r = cli(['inspect', at('mlpc_binary_strings', 'onnx'), '--data', csv]);
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /strings\.csv: row 6, column y: label "maybe" is not one of the model's classes \("no", "yes"\)/);
});
