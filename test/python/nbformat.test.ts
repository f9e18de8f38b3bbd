import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ReluLensError } from '../../src/core/errors';
import { analyzeNotebook, notebookCells } from '../../src/core/python';
import { runLint } from '../../src/cli/lint';

/**
 * Issue #17: a .ipynb whose JSON is not nbformat 4 gave a raw JavaScript TypeError. Each wrong
 * shape must be refused as a ReluLensError naming the file and the place that is wrong.
 */
const code = (source: unknown) => ({ cell_type: 'code', metadata: {}, outputs: [], source });
const ok = code('import torch\n');

const WRONG: [string, unknown, RegExp][] = [
  ['null', null, /the JSON is null/],
  ['a number', 42, /the JSON is a number/],
  ['a list', [ok], /the JSON is a list/],
  ['a string', 'cells', /the JSON is a string/],
  ['no cells', { nbformat: 4, metadata: {} }, /"cells" is missing/],
  ['cells a number', { cells: 3 }, /"cells" is a number/],
  ['cells an object', { cells: { 0: ok } }, /"cells" is an object/],
  ['a null cell', { cells: [ok, null] }, /cells\[1\] is null/],
  ['a cell that is a string', { cells: ['print(1)'] }, /cells\[0\] is a string/],
  ['a cell without cell_type', { cells: [ok, { source: 'x = 1' }] }, /cells\[1\]\.cell_type is missing/],
  ['an nbformat 3 heading cell', { cells: [{ cell_type: 'heading', source: '# T' }] }, /cells\[0\]\.cell_type is "heading"/],
  ['cell_type a number', { cells: [{ cell_type: 1, source: '' }] }, /cells\[0\]\.cell_type is a number/],
  ['an object source', { cells: [ok, ok, ok, code({ text: 'x' })] }, /cells\[3\]\.source is an object/],
  ['a numeric source', { cells: [code(7)] }, /cells\[0\]\.source is a number/],
  ['no source', { cells: [{ cell_type: 'code' }] }, /cells\[0\]\.source is missing/],
  ['source lines that are not strings', { cells: [code(['a = 1\n', 2])] }, /cells\[0\]\.source\[1\] is a number/],
  ['a null source line', { cells: [code([null])] }, /cells\[0\]\.source\[0\] is null/],
  ['a markdown cell with a list of lists', { cells: [{ cell_type: 'markdown', source: [['#']] }] }, /cells\[0\]\.source\[0\] is a list/],
];

function refusal(json: string): ReluLensError {
  try {
    notebookCells(json, 'nb.ipynb');
  } catch (e) {
    assert.ok(e instanceof ReluLensError, `not a ReluLensError: ${(e as Error).stack}`);
    return e;
  }
  assert.fail('accepted');
}

for (const [name, nb, where] of WRONG)
  test(`notebook with ${name}: refused with the file and the place`, async () => {
    const e = refusal(JSON.stringify(nb));
    assert.equal(e.kind, 'data');
    assert.equal(e.location.file, 'nb.ipynb');
    const line = e.describe();
    assert.match(line, /^nb\.ipynb: not a notebook: /);
    assert.match(line, where);
    assert.doesNotMatch(line, /\n|TypeError|Cannot read|undefined/);
    await assert.rejects(analyzeNotebook(JSON.stringify(nb), 'nb.ipynb'), (x) => x instanceof ReluLensError && where.test(x.message));
  });

test('a file that is not JSON is refused the same way', () => {
  assert.match(refusal('{"cells": [').describe(), /^nb\.ipynb: not a notebook: invalid JSON \(/);
});

test('nbformat 4 shapes are accepted: string or list sources, markdown and raw cells, no cells', async () => {
  const nb = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {},
    cells: [{ cell_type: 'markdown', source: ['# Title\n'] }, code(['import torch\n', 'x = 1\n']), { cell_type: 'raw', source: '' }, code('y = 2')],
  };
  assert.deepEqual(notebookCells(JSON.stringify(nb), 'nb.ipynb'), [
    { index: 1, source: 'import torch\nx = 1\n' },
    { index: 3, source: 'y = 2' },
  ]);
  const [f] = await analyzeNotebook(JSON.stringify({ cells: [] }), 'empty.ipynb');
  assert.equal(f.network, null);
});

test('relu-lens lint on a wrong-shaped notebook: exit 3 and one line naming the file and the place', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rl-nb-'));
  const file = path.join(dir, 'bad.ipynb');
  writeFileSync(file, JSON.stringify({ cells: [ok, ok, ok, code({ text: 'x' })] }));
  const err: string[] = [];
  const write = process.stderr.write;
  process.stderr.write = ((s: string) => (err.push(String(s)), true)) as typeof process.stderr.write;
  let rc: number;
  try {
    rc = await runLint([file]);
  } finally {
    process.stderr.write = write;
    rmSync(dir, { recursive: true, force: true });
  }
  assert.equal(rc, 3);
  assert.equal(err.length, 1, err.join(''));
  assert.match(err[0], /^relu-lens: .*bad\.ipynb: not a notebook: cells\[3\]\.source is an object; nbformat 4 wants a string or a list of strings\n$/);
});
