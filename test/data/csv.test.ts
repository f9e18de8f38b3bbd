import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDataset } from '../../src/core/data/index';
import { enc, expected, fixture, parseText, rows, throwsData } from './helpers';

test('CSV with header, CRLF, BOM and blank trailing lines', () => {
  const d = parseText('\ufeffx1,x2,y\r\n1,2,3\r\n4.5,-5e-1,6\r\n\r\n\r\n');
  assert.equal(d.n, 2);
  assert.equal(d.d, 2);
  assert.equal(d.c, 1);
  assert.deepEqual(d.featureNames, ['x1', 'x2']);
  assert.deepEqual(d.labelNames, ['y']);
  assert.deepEqual(rows(d.X), [
    [1, 2],
    [4.5, -0.5],
  ]);
  assert.deepEqual(rows(d.Y), [[3], [6]]);
  assert.deepEqual(d.source, { file: 't.csv', format: 'csv' });
  assert.equal(d.affine, null);
});

test('CSV without header: last column is the label, names are generated', () => {
  const d = parseText('1,2,3\n4,5,6');
  assert.deepEqual(rows(d.X), [
    [1, 2],
    [4, 5],
  ]);
  assert.deepEqual(rows(d.Y), [[3], [6]]);
  assert.deepEqual(d.featureNames, ['x1', 'x2']);
  assert.deepEqual(d.labelNames, ['y']);
  assert.ok(d.notes.some((n) => n.includes('no header row')));
});

test('a column named y (any case) is the default label, wherever it is', () => {
  const d = parseText('Y,a,b\n1,2,3\n');
  assert.deepEqual(d.labelNames, ['Y']);
  assert.deepEqual(rows(d.X), [[2, 3]]);
  assert.deepEqual(rows(d.Y), [[1]]);
});

test('TSV by extension and by content; a lone CR ends a line too', () => {
  const a = parseText('a\tb\ty\n1\t2\t3\n', { file: 'd.tsv' });
  assert.equal(a.source.format, 'tsv');
  assert.deepEqual(rows(a.X), [[1, 2]]);
  const b = parseText('a\tb\ty\r1\t2\t3\r', { file: 'd.csv' });
  assert.equal(b.source.format, 'tsv');
  assert.deepEqual(rows(b.Y), [[3]]);
});

test('semicolon files are sniffed; decimal commas get a pointed message', () => {
  const d = parseText('a;b;y\n1.5;2;3\n');
  assert.deepEqual(rows(d.X), [[1.5, 2]]);
  throwsData(() => parseText('a;b;y\n1,5;2;3\n'), '"1,5" is not a number (the decimal separator must be ".")', { row: 2, column: 'a' });
});

test('RFC 4180 quotes: quoted numbers, "" escapes, delimiters and newlines inside quotes', () => {
  const d = parseText('"x,1","say ""hi""\nthere",y\n"1.5", 2 ,"3"\n');
  assert.deepEqual(d.featureNames, ['x,1', 'say "hi"\nthere']);
  assert.deepEqual(rows(d.X), [[1.5, 2]]);
  assert.deepEqual(rows(d.Y), [[3]]);
});

test('row numbers count records (a multi-line quoted header is one row)', () => {
  throwsData(() => parseText('"a\nb",y\n1,2\n1,x\n'), '"x" is not a number', { row: 3, column: 'y' });
});

test('blank lines inside the data are skipped but still counted for row numbers', () => {
  const d = parseText('a,y\n1,2\n\n3,4\n');
  assert.equal(d.n, 2);
  assert.ok(d.notes.some((n) => n.includes('1 blank line skipped')));
  throwsData(() => parseText('a,y\n1,2\n\n3,q\n'), '"q" is not a number', { row: 4, column: 'y' });
});

test('whitespace-separated text (np.savetxt default)', () => {
  const d = parseDataset(fixture('savetxt_space.txt'), { file: 'savetxt_space.txt' });
  const want = expected['savetxt.csv'];
  assert.deepEqual([d.n, d.d + d.c], want.shape);
  assert.deepEqual(
    rows(d.X)
      .map((r, i) => [...r, d.Y.data[i]])
      .flat(),
    want.values,
  );
});

test('np.savetxt CSV with header: %.18e values are read exactly', () => {
  const d = parseDataset(fixture('savetxt_header.csv'), { file: 'savetxt_header.csv' });
  const want = expected['savetxt.csv'];
  assert.deepEqual(d.featureNames, ['a', 'b', 'c']);
  assert.deepEqual(d.labelNames, ['y']);
  const got = rows(d.X)
    .map((r, i) => [...r, d.Y.data[i]])
    .flat();
  assert.equal(got.length, want.values.length);
  got.forEach((v, i) => assert.ok(Object.is(v, want.values[i]), `entry ${i}: ${v} vs ${want.values[i]}`));
});

test('UTF-16LE text with BOM (Excel "Unicode Text")', () => {
  const s = '\ufeffa\tb\ty\r\n1\t2\t3\r\n';
  const bytes = new Uint8Array(s.length * 2);
  for (let i = 0; i < s.length; i++) {
    bytes[2 * i] = s.charCodeAt(i) & 0xff;
    bytes[2 * i + 1] = s.charCodeAt(i) >> 8;
  }
  const d = parseDataset(bytes, { file: 'excel.txt' });
  assert.deepEqual(rows(d.X), [[1, 2]]);
  assert.deepEqual(d.featureNames, ['a', 'b']);
});

test('header detection: a first row with any text cell is a header; numbers-only is data', () => {
  assert.deepEqual(parseText('x1,x2,label\n1,2,0\n').featureNames, ['x1', 'x2']);
  assert.equal(parseText('1,2,0\n3,4,1\n').n, 2);
  const d = parseText('0,1,2\n5,6,7\n');
  assert.equal(d.n, 2);
  assert.ok(d.notes.some((n) => n.includes('pandas column header')));
  // an empty header cell (pandas index column) gets a name; messages locate it by number
  assert.deepEqual(parseText(',b,y\n1,2,3\n').featureNames, ['column 1', 'b']);
  throwsData(() => parseText(',b,y\nq,2,3\n'), '"q" is not a number', { row: 2, column: 1 });
});

test('a one-column file whose header has a space is not whitespace-separated', () => {
  const d = parseDataset(enc('x,y\n1,0\n2,1\n'), { file: 'X.csv', labelBytes: enc('petal length\n1.5\n2.5\n'), labelFile: 'y.txt' });
  assert.deepEqual(d.labelNames, ['petal length']);
  assert.deepEqual(rows(d.Y), [[1.5], [2.5]]);
});

// ---- errors, each with its exact location ----

test('non-numeric cell: quoted in the message, row and header name located', () => {
  const text = ['x1,x2,y', ...Array.from({ length: 15 }, () => '1,2,3'), '4,abc,6'].join('\n');
  const e = throwsData(() => parseText(text), '"abc" is not a number', { row: 17, column: 'x2' });
  assert.equal(e.describe(), 't.csv: row 17, column x2: "abc" is not a number');
});

test('non-numeric cell without header: column is 1-based', () => {
  throwsData(() => parseText('1,2,3\n4,5,oops\n'), '"oops" is not a number', { row: 2, column: 3 });
});

test('text in the label column gets a hint', () => {
  throwsData(() => parseText('a,b,species\n1,2,setosa\n'), 'this is a label column', { row: 2, column: 'species' });
});

test('NaN and infinities say which', () => {
  throwsData(() => parseText('a,y\n1,2\nNaN,3\n'), '"NaN" is NaN', { row: 3, column: 'a' });
  throwsData(() => parseText('a,y\n1,inf\n'), '"inf" is Infinity', { row: 2, column: 'y' });
  throwsData(() => parseText('a,y\n-Infinity,1\n'), '"-Infinity" is -Infinity', { row: 2, column: 'a' });
  throwsData(() => parseText('a,y\n1,-1e400\n'), '"-1e400" overflows to -Infinity', { row: 2, column: 'y' });
});

test('empty cell', () => {
  throwsData(() => parseText('a,b,y\n1,,3\n'), 'empty cell', { row: 2, column: 'b' });
});

test('ragged rows: too few and too many cells', () => {
  throwsData(() => parseText('a,b,y\n1,2,3\n4,5\n'), 'expected 3 cells, found 2', { row: 3, column: 'y' });
  throwsData(() => parseText('a,b,y\n1,2,3,4\n'), 'expected 3 cells, found 4', { row: 2, column: 4 });
  throwsData(() => parseText('1,2,3\n1,2\n'), 'expected 3 cells, found 2', { row: 2, column: 3 });
});

test('quote errors', () => {
  throwsData(() => parseText('a,y\n1,"2\n'), 'never closed', { row: 2, column: 'y' });
  throwsData(() => parseText('a,y\n"1"x,2\n'), 'unexpected text after the closing quote', { row: 2, column: 'a' });
});

test('empty file, whitespace-only file, BOM-only file', () => {
  throwsData(() => parseText(''), 'the file is empty');
  throwsData(() => parseText('\n\n  \n'), 'the file is empty');
  throwsData(() => parseDataset(new Uint8Array([0xef, 0xbb, 0xbf]), { file: 't.csv' }), 'the file is empty');
});

test('header only', () => {
  throwsData(() => parseText('x1,x2,y\r\n\r\n'), 'header row but no data rows');
});

test('a single column leaves no features', () => {
  throwsData(() => parseText('y\n1\n2\n'), 'single column');
});

test('encoded bytes round-trip (sanity of enc helper)', () => {
  assert.equal(enc('é').length, 2);
});

test('rows ending with a delimiter get a hint', () => {
  throwsData(() => parseText('a,b,\n1,2,\n'), 'the rows seem to end with a delimiter', { row: 2, column: 3 });
});
