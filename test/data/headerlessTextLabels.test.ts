/**
 * A headerless CSV whose label column holds class names (iris as sklearn users save it, "setosa"
 * in the last column) kept losing its first sample: the reader and the lint's row count took a
 * first row with any text cell for a header. The feature cells decide now (src/core/data/header.ts).
 * Oracle: the file's own line count, and the first line's numbers as written.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDataset } from '../../src/core/data/index';
import { countSamples } from '../../src/core/python';
import { enc, parseText, rows, throwsData } from './helpers';

const CLASSES = ['setosa', 'versicolor', 'virginica'];
/** Rows 1, 2, 51, 52, 101, 102 of the UCI iris data, as `df.to_csv(header=False, index=False)` writes them. */
const IRIS = `5.1,3.5,1.4,0.2,setosa
4.9,3.0,1.4,0.2,setosa
7.0,3.2,4.7,1.4,versicolor
6.4,3.2,4.5,1.5,versicolor
6.3,3.3,6.0,2.5,virginica
5.8,2.7,5.1,1.9,virginica
`;
const HEADER = 'sepal_length,sepal_width,petal_length,petal_width,species\n';
const lineCount = (text: string) => text.split('\n').filter((l) => l.trim() !== '').length;

function onDisk(name: string, text: string): { file: string; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'rl-iris-'));
  const file = join(dir, name);
  writeFileSync(file, text);
  return { file, done: () => rmSync(dir, { recursive: true, force: true }) };
}

test('headerless, class names in the label column: every line is a sample, for the reader and for the lint', async () => {
  const { file, done } = onDisk('iris.csv', IRIS);
  try {
    const d = await loadDataset(file, { labelClasses: CLASSES });
    assert.equal(d.n, lineCount(IRIS));
    assert.equal(d.n, 6);
    assert.deepEqual(rows(d.X)[0], [5.1, 3.5, 1.4, 0.2]);
    assert.deepEqual(
      rows(d.Y).map((r) => r[0]),
      [0, 0, 1, 1, 2, 2],
    );
    assert.ok(
      d.notes.some((n) => n.includes('no header row')),
      d.notes.join(' | '),
    );
    assert.equal(countSamples(file, new Uint8Array(readFileSync(file))), lineCount(IRIS));
  } finally {
    done();
  }
});

test('the same file with a header row: the header is still one (named features), and both counts drop it', async () => {
  const text = HEADER + IRIS;
  const { file, done } = onDisk('iris.csv', text);
  try {
    const d = await loadDataset(file, { labelClasses: CLASSES });
    assert.equal(d.n, lineCount(text) - 1);
    assert.deepEqual(d.featureNames, ['sepal_length', 'sepal_width', 'petal_length', 'petal_width']);
    assert.deepEqual(d.labelNames, ['species']);
    assert.equal(countSamples(file, enc(text)), lineCount(text) - 1);
  } finally {
    done();
  }
});

test('a features-only file keeps its header; a labels-only file: a class name is data, a column name a header', () => {
  const withRows = (y: string) =>
    parseText(HEADER.replace(',species', '') + '1,2,3,4\n5,6,7,8\n', { labelBytes: enc(y), labelFile: 'y.csv', labelClasses: CLASSES });
  const bare = withRows('setosa\nvirginica\n');
  assert.deepEqual(bare.featureNames, ['sepal_length', 'sepal_width', 'petal_length', 'petal_width']);
  assert.deepEqual(rows(bare.Y), [[0], [2]]);
  const named = withRows('species\nsetosa\nvirginica\n');
  assert.deepEqual(named.labelNames, ['species']);
  assert.deepEqual(rows(named.Y), [[0], [2]]);
});

test('genuinely bad headerless files still name the file, row and column', () => {
  // text labels for a model without class names: refused on row 1 (it was read as a header before,
  // and the error then named row 2 and a column called "setosa")
  throwsData(() => parseText(IRIS), '"setosa" is not a number (this is a label column', { row: 1, column: 5 });
  // a label that is not one of the classes, and a feature cell that is not a number, below row 1
  throwsData(() => parseText(IRIS.replace('7.0,3.2,4.7,1.4,versicolor', '7.0,3.2,4.7,1.4,versicolour'), { labelClasses: CLASSES }), 'is not one of the model', {
    row: 3,
    column: 5,
  });
  throwsData(() => parseText(IRIS.replace('4.9,3.0', '4.9,abc'), { labelClasses: CLASSES }), '"abc" is not a number', { row: 2, column: 2 });
  // a class name in the first row's label cell with text among its features: that row is a header,
  // and its feature names locate the next error
  throwsData(() => parseText('a,b,c,d,setosa\n' + IRIS.replace('5.1,3.5', '5.1,x'), { labelClasses: CLASSES }), '"x" is not a number', { row: 2, column: 'b' });
});
