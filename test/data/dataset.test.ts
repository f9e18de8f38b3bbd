import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadDataset, parseDataset } from '../../src/core/data/index';
import { ReluLensError } from '../../src/core/errors';
import { enc, expected, FIXTURES, fixture, parseText, rows, throwsData } from './helpers';

test('labels by several names give a vector output in the order given', () => {
  const d = parseText('a,b,c,d\n1,2,3,4\n5,6,7,8\n', { labels: ['d', 'b'] });
  assert.equal(d.c, 2);
  assert.deepEqual(d.labelNames, ['d', 'b']);
  assert.deepEqual(rows(d.Y), [
    [4, 2],
    [8, 6],
  ]);
  assert.deepEqual(d.featureNames, ['a', 'c']);
  assert.deepEqual(rows(d.X), [
    [1, 3],
    [5, 7],
  ]);
});

test('labels by 0-based index; names match case-insensitively when unambiguous', () => {
  const d = parseText('1,2,3\n4,5,6\n', { labels: [0] });
  assert.deepEqual(rows(d.Y), [[1], [4]]);
  assert.deepEqual(rows(d.X), [
    [2, 3],
    [5, 6],
  ]);
  assert.deepEqual(parseText('A,Target\n1,2\n', { labels: ['target'] }).labelNames, ['Target']);
});

test('label errors: missing name lists the columns; index out of range; duplicates; no header', () => {
  throwsData(() => parseText('x1,x2,out\n1,2,3\n', { labels: ['y'] }), 'label column "y" not found; the columns are "x1", "x2", "out"');
  throwsData(() => parseText('x1,x2,y\n1,2,3\n', { labels: [3] }), 'label column index 3 is out of range: the data has 3 columns (0-based indices 0–2)');
  throwsData(() => parseText('x1,x2,y\n1,2,3\n', { labels: [-1] }), 'label column index -1 is out of range');
  throwsData(() => parseText('x1,x2,y\n1,2,3\n', { labels: ['y', 2] }), 'listed twice');
  throwsData(() => parseText('1,2,3\n', { labels: ['y'] }), 'no header row, so choose label columns by 0-based index (0–2)');
  throwsData(() => parseText('a,b\n1,2\n', { labels: ['a', 'b'] }), 'no feature columns are left');
});

test('a wrong label name fails before the body is parsed', () => {
  // the bad cell in row 3 is never reached
  throwsData(() => parseText('a,b\n1,2\n1,zzz\n', { labels: ['q'] }), 'label column "q" not found');
});

test('CSV features with a separate CSV label file', () => {
  const d = parseDataset(enc('a,b\n1,2\n3,4\n'), { file: 'X.csv', labelBytes: enc('label\n0\n1\n'), labelFile: 'y.csv' });
  assert.deepEqual(d.featureNames, ['a', 'b']);
  assert.deepEqual(d.labelNames, ['label']);
  assert.deepEqual(rows(d.X), [
    [1, 2],
    [3, 4],
  ]);
  assert.deepEqual(rows(d.Y), [[0], [1]]);
  assert.deepEqual(d.source, { file: 'X.csv', format: 'csv', labelFile: 'y.csv' });
  // labels picks among the label file's columns
  const e = parseDataset(enc('1,2\n3,4\n'), { file: 'X.csv', labelBytes: enc('p,q\n0,9\n1,8\n'), labelFile: 'y.csv', labels: ['q'] });
  assert.deepEqual(rows(e.Y), [[9], [8]]);
});

test('X and y row counts differ', () => {
  throwsData(
    () => parseDataset(enc('1,2\n3,4\n5,6\n'), { file: 'X.csv', labelBytes: enc('0\n1\n'), labelFile: 'y.csv' }),
    'the features (X.csv) have 3 rows but the labels (y.csv) have 2',
    { file: 'y.csv' },
  );
  throwsData(
    () => parseDataset(fixture('X_f8_c.npy'), { file: 'X.npy', labelBytes: fixture('bad_i8_big.npy').subarray(0, 0), labelFile: 'y.npy' }),
    'the file is empty',
    { file: 'y.npy' },
  );
});

test('errors in the label file are located in the label file', () => {
  throwsData(() => parseDataset(enc('1\n2\n'), { file: 'X.csv', labelBytes: enc('y\n0\nfoo\n'), labelFile: 'y.csv' }), '"foo" is not a number', {
    file: 'y.csv',
    row: 3,
    column: 'y',
  });
});

test('feature dimension must match the model', () => {
  throwsData(() => parseText('a,b,c,y\n1,2,3,4\n', { expectD: 2 }), 'data has 3 feature columns, the model expects 2');
  assert.equal(parseText('a,b,y\n1,2,3\n', { expectD: 2 }).d, 2);
});

test('affine preprocessing x ↦ (x − mean) / scale is applied and recorded', () => {
  const d = parseText('a,b,y\n1,10,0\n3,30,1\n', { affine: { mean: [2, 20], scale: [0.5, 10] } });
  assert.deepEqual(rows(d.X), [
    [-2, -1],
    [2, 1],
  ]);
  assert.deepEqual(rows(d.Y), [[0], [1]]);
  assert.deepEqual(d.affine, { mean: Float64Array.from([2, 20]), scale: Float64Array.from([0.5, 10]) });
  assert.ok(d.notes.some((n) => n.includes('x ↦ (x − mean) / scale')));
});

test('affine validation: lengths and positive scale', () => {
  const bad = (affine: { mean: number[]; scale: number[] }, msg: string) => throwsData(() => parseText('a,b,y\n1,2,3\n', { affine }), msg, {}, 'usage');
  bad({ mean: [0], scale: [1, 1] }, 'mean has 1 entries, the data has 2 feature columns');
  bad({ mean: [0, 0], scale: [1] }, 'scale has 1 entries, the data has 2 feature columns');
  bad({ mean: [0, 0], scale: [1, 0] }, 'scale[1] = 0; every scale entry must be a finite number > 0');
  bad({ mean: [0, 0], scale: [-1, 1] }, 'scale[0] = -1');
  bad({ mean: [NaN, 0], scale: [1, 1] }, 'mean[0] = NaN is not a finite number');
});

test('format detection: magic bytes beat the extension; JSON by content', () => {
  const d = parseDataset(fixture('X_f8_c.npy'), { file: 'mislabelled.csv', labelBytes: fixture('y_f8_1d.npy') });
  assert.equal(d.source.format, 'npy');
  assert.equal(parseDataset(fixture('Xy_stored.npz'), { file: 'data.bin' }).source.format, 'npz');
  assert.equal(parseDataset(enc('[[1,2]]'), { file: 'data' }).source.format, 'json');
});

test('loadDataset reads files (and a label file) from disk', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'relu-lens-data-'));
  writeFileSync(join(dir, 'train.csv'), 'x1,x2,y\n1,2,0\n3,4,1\n');
  const d = await loadDataset(join(dir, 'train.csv'), { expectD: 2 });
  assert.deepEqual(rows(d.X), [
    [1, 2],
    [3, 4],
  ]);
  const p = await loadDataset(join(FIXTURES, 'X_f4_f.npy'), { labelFile: join(FIXTURES, 'y_i4_1d.npy') });
  assert.equal(p.n, 7);
  assert.deepEqual(Array.from(p.Y.data), expected['y_i4_1d.npy'].values);
  await assert.rejects(loadDataset(join(dir, 'nope.csv')), (e: unknown) => {
    assert.ok(e instanceof ReluLensError);
    assert.equal(e.kind, 'data');
    assert.equal(e.location.file, join(dir, 'nope.csv'));
    assert.match(e.message, /no such file/);
    return true;
  });
});

test('a model with c outputs and no label option takes columns y1…yc, else the last c columns', () => {
  const enc = (s: string) => new TextEncoder().encode(s);
  const named = parseDataset(enc('y2,x1,y1\n5,1,4\n7,2,6\n'), { file: 'v.csv', expectC: 2, expectD: 1 });
  assert.deepEqual(named.labelNames, ['y1', 'y2']);
  assert.deepEqual([...named.Y.data], [4, 5, 6, 7]);
  assert.deepEqual([...named.X.data], [1, 2]);
  const last = parseDataset(enc('a,b,c,d\n1,2,3,4\n'), { file: 'v.csv', expectC: 2, expectD: 2 });
  assert.deepEqual(last.labelNames, ['c', 'd']);
  assert.deepEqual([...last.X.data], [1, 2]);
});
