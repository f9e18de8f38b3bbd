import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDataset } from '../../src/core/data/index';
import { enc, rows, throwsData } from './helpers';

const parseJson = (text: string, opts: { labels?: (string | number)[] } = {}) => parseDataset(enc(text), { file: 'd.json', ...opts });
const at = (row?: number, column?: number | string) => ({ file: 'd.json', row, column });

test('array of rows: last column is the label', () => {
  const d = parseJson('[[1, 2, 0], [3, 4.5, 1]]');
  assert.equal(d.source.format, 'json');
  assert.deepEqual(rows(d.X), [
    [1, 2],
    [3, 4.5],
  ]);
  assert.deepEqual(rows(d.Y), [[0], [1]]);
  assert.deepEqual(d.featureNames, ['x1', 'x2']);
});

test('{"X": [[…]], "y": […]} and {"x": …, "y": …}', () => {
  const d = parseJson('{"X": [[1, 2], [3, 4]], "y": [0, 1]}');
  assert.deepEqual(rows(d.X), [
    [1, 2],
    [3, 4],
  ]);
  assert.deepEqual(rows(d.Y), [[0], [1]]);
  assert.deepEqual(d.labelNames, ['y']);
  const e = parseJson('{"x": [[1], [2]], "y": [[0, 1], [1, 0]]}');
  assert.equal(e.c, 2);
  assert.deepEqual(e.labelNames, ['y1', 'y2']);
});

test('array of records with named fields; labels by name', () => {
  const d = parseJson('[{"a": 1, "b": 2, "t": 0}, {"a": 3, "b": 4, "t": 1}]', { labels: ['t'] });
  assert.deepEqual(d.featureNames, ['a', 'b']);
  assert.deepEqual(d.labelNames, ['t']);
  assert.deepEqual(rows(d.X), [
    [1, 2],
    [3, 4],
  ]);
  const byDefault = parseJson('[{"y": 5, "a": 1}]');
  assert.deepEqual(byDefault.labelNames, ['y']);
  assert.deepEqual(rows(byDefault.X), [[1]]);
});

test('object of columns (pandas orient="list")', () => {
  const d = parseJson('{"a": [1, 2], "b": [3, 4], "y": [0, 1]}');
  assert.deepEqual(d.featureNames, ['a', 'b']);
  assert.deepEqual(rows(d.X), [
    [1, 3],
    [2, 4],
  ]);
});

test('booleans widen to 1/0, numeric strings are read', () => {
  const d = parseJson('[[1, "2.5", true], [3, "4", false]]');
  assert.deepEqual(rows(d.X), [
    [1, 2.5],
    [3, 4],
  ]);
  assert.deepEqual(rows(d.Y), [[1], [0]]);
});

test('errors: non-numeric, null, ragged, missing/extra field, with row and column', () => {
  throwsData(() => parseJson('[[1, 2], [3, "abc"]]'), '"abc" is not a number', at(2, 2));
  throwsData(() => parseJson('[{"a": 1, "y": 2}, {"a": null, "y": 3}]'), 'null is not a number (a missing value', at(2, 'a'));
  throwsData(() => parseJson('[[1, 2, 3], [1, 2]]'), 'expected 3 cells, found 2', at(2, 3));
  throwsData(() => parseJson('[{"a": 1, "y": 2}, {"y": 3}]'), 'missing field "a"', at(2, 'a'));
  throwsData(() => parseJson('[{"a": 1, "y": 2}, {"a": 1, "y": 3, "z": 4}]'), 'unexpected field "z"', at(2, 'z'));
  throwsData(() => parseJson('{"X": [[1], ["nan"]], "y": [0, 1]}'), '"X": "nan" is NaN', at(2, 1));
});

test('errors: NaN/Infinity written by Python json.dumps, empty, wrong shape, missing labels', () => {
  throwsData(() => parseJson('[[1, NaN]]'), 'contains NaN or Infinity', at());
  throwsData(() => parseJson(''), 'the file is empty', at());
  throwsData(() => parseJson('[]'), 'the array is empty', at());
  throwsData(() => parseJson('42'), 'expected an array of rows', at());
  throwsData(() => parseJson('{"X": [[1], [2]], "w": [0, 1]}'), 'no label key: found "X", "w"', at());
  throwsData(() => parseJson('{"X": [[1], [2]], "y": [0, 1, 1]}'), '"X" has 2 rows but "y" has 3', at());
  throwsData(() => parseJson('[{"a": 1, "y": 2}]', { labels: ['b'] }), 'label column "b" not found; the columns are "a", "y"', at());
});
