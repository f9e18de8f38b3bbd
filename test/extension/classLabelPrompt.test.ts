// The label prompt reads a classifier's labels as certify does (the load pipeline's rule, MATH.md §8):
// for a cross-entropy model one column of classes is offered by default and accepted, as are c one-hot
// columns; for other losses exactly c. The oracle is the load pipeline itself: the labels the prompt
// returns for skl2onnx's 3-class fixture (classes 1, 2, 3) load and are mapped to positions 0…2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fakeVscode, requireWithVscode } from './fakeVscode';
import { dataColumns, inspectSummary } from '../../src/extension/workerJobs';
import { loadPipeline } from '../../src/core/pipeline/load';
import { readModelFile } from '../../src/core/onnx';

type Item = { label: string; picked?: boolean; value?: unknown };
const fake = fakeVscode({ calls: [] }) as { window: Record<string, unknown>; Uri: { file(p: string): unknown } };
const prompts = requireWithVscode(require.resolve('../../src/extension/prompts'), fake) as typeof import('../../src/extension/prompts');

const SK = 'test/fixtures/sklearn';

/** The 'data' prompt on `name`.csv: the current file, then the label pick answered by `pick` (one round per call). */
async function askLabels(name: string, c: number, classColumn: boolean, picks: ((items: Item[]) => Item[])[]) {
  const warnings: string[] = [];
  const bytes = readFileSync(path.join(SK, `${name}.csv`));
  let labelRounds = 0;
  let preselected: string[] = [];
  fake.window.showQuickPick = async (items: Item[], o: { canPickMany?: boolean }) => {
    if (!o.canPickMany) return items[0]; // the data file: the current setting
    if (labelRounds === 0) preselected = items.filter((it) => it.picked).map((it) => it.label);
    const pick = picks[labelRounds++];
    return pick ? pick(items) : undefined;
  };
  fake.window.showWarningMessage = async (m: string) => void warnings.push(m);
  const ans = await prompts.askForSettings(
    {
      model: fake.Uri.file(path.join(SK, `${name}.onnx`)) as never,
      loc: { key: `${name}.onnx` } as never,
      c,
      classColumn,
      current: { data: `${name}.csv`, beta: 1 },
      // the worker's column reader, with the count session.ts asks for
      columns: async () => dataColumns(bytes, `${name}.csv`, classColumn ? undefined : c),
    },
    'data',
  );
  return { ans, warnings, preselected, labelRounds };
}

const byLabel =
  (...names: string[]) =>
  (items: Item[]) =>
    items.filter((it) => names.includes(it.label));

test('a 3-class skl2onnx classifier: the class column is preselected and accepted, and it loads as certify reads it', async () => {
  const { model } = await readModelFile(path.join(SK, 'mlpc_3class_123.onnx'));
  const summary = inspectSummary(model);
  assert.equal(summary.c, 3);
  assert.equal(summary.headLoss, 'cross-entropy'); // skl2onnx's Softmax probability head
  const r = await askLabels('mlpc_3class_123', summary.c, true, [(items) => items.filter((it) => it.picked)]);
  assert.deepEqual(r.preselected, ['y']);
  assert.equal(r.labelRounds, 1);
  assert.deepEqual(r.warnings, []);
  assert.deepEqual(r.ans?.entry.labels, ['y']);
  const l = await loadPipeline({
    model: { path: path.join(SK, 'mlpc_3class_123.onnx') },
    data: { path: path.join(SK, 'mlpc_3class_123.csv') },
    labels: r.ans!.entry.labels!,
    crossCheck: false,
  });
  assert.equal(l.data!.c, 1);
  const y = readFileSync(path.join(SK, 'mlpc_3class_123.csv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((row) => Number(row.split(',').at(-1)));
  assert.deepEqual(
    Array.from(l.data!.Y.data),
    y.map((k) => k - 1),
  ); // classes 1, 2, 3 → positions 0, 1, 2
});

test('cross-entropy: 2 of 3 columns is neither a class column nor one-hot, so the prompt asks again', async () => {
  const r = await askLabels('mlpc_3class', 3, true, [byLabel('x2', 'y'), byLabel('y')]);
  assert.equal(r.labelRounds, 2);
  assert.equal(r.warnings.length, 1);
  assert.match(r.warnings[0], /pick the class column or 3 one-hot columns as labels \(you picked 2\)/);
  assert.deepEqual(r.ans?.entry.labels, ['y']);
});

test('a loss without class labels (squared): exactly c columns, one column is asked again', async () => {
  const r = await askLabels('mlpr_2out', 2, false, [byLabel('y1'), byLabel('y1', 'y2')]);
  assert.deepEqual(r.preselected, ['y1', 'y2']);
  assert.equal(r.labelRounds, 2);
  assert.equal(r.warnings.length, 1);
  assert.match(r.warnings[0], /pick exactly 2 columns as labels \(you picked 1\)/);
  assert.deepEqual(r.ans?.entry.labels, ['y1', 'y2']);
});
