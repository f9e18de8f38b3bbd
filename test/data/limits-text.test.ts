/**
 * Text and JSON readers under hostile sizes: 10^7 columns, a 1 GiB line, too many cells, a JSON
 * file past its cap — each a one-line refusal naming file, row (column) and limit, with bounded
 * allocation — while valid files read exactly as before, however the bytes arrive.
 */
import assert from 'node:assert/strict';
import { closeSync, ftruncateSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadDataset, parseDataset, type Dataset } from '../../src/core/data/index';
import { MAX_COLUMNS, MAX_JSON_BYTES, MAX_LINE_CHARS } from '../../src/core/data/limits';
import type { ByteSource } from '../../src/core/data/source';
import { readDelimited } from '../../src/core/data/text';
import { ReluLensError } from '../../src/core/errors';
import { enc, expected, FIXTURES, fixture, rows, throwsData } from './helpers';
import { largestAllocation } from './spies';

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

function tempDir(): { dir: string; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'relu-lens-limits-'));
  return { dir, done: () => rmSync(dir, { recursive: true, force: true }) };
}

async function refusal(p: Promise<unknown> | (() => unknown)): Promise<ReluLensError> {
  let caught: unknown;
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof ReluLensError, `expected a ReluLensError, got ${caught === undefined ? 'a dataset' : String(caught)}`);
  assert.equal(caught.kind, 'data');
  assert.ok(!caught.describe().includes('\n'), 'one line');
  return caught;
}

// ---- columns ----

test('a CSV row of 10^7 columns is refused at column MAX_COLUMNS + 1, streamed from disk', async () => {
  const { dir, done } = tempDir();
  try {
    const file = join(dir, 'wide.csv');
    const fd = openSync(file, 'w');
    const piece = '0,'.repeat(1e6); // the line is written lazily, 2 MB at a time
    for (let i = 0; i < 10; i++) writeSync(fd, i < 9 ? piece : piece.slice(0, -1) + '\n');
    writeSync(fd, '1,2\n');
    closeSync(fd);
    const { error, largest } = await largestAllocation(() => loadDataset(file));
    const e = await refusal(() => {
      throw error;
    });
    assert.equal(e.describe(), `${file}: row 1, column 1000001: the row has too many cells (limit MAX_COLUMNS = 1,000,000 columns)`);
    assert.deepEqual(e.location, { file, row: 1, column: MAX_COLUMNS + 1 });
    assert.ok(largest < 8 * MiB, `largest allocation ${largest}`);
  } finally {
    done();
  }
});

test('the column limit holds for bytes in memory too, and a header row is located the same way', async () => {
  const line = Array.from({ length: 1001 }, (_, j) => `c${j}`).join(',');
  const e = await refusal(() => parseDataset(enc(`${line}\n`), { file: 'w.csv', limits: { maxColumns: 1000 } }));
  assert.equal(e.describe(), 'w.csv: row 1, column 1001: the row has too many cells (limit MAX_COLUMNS = 1,000 columns)');
  // exactly at the limit is fine
  const ok = parseDataset(enc(`${Array.from({ length: 1000 }, (_, j) => `c${j}`).join(',')}\n${'1,'.repeat(999)}1\n`), {
    file: 'w.csv',
    limits: { maxColumns: 1000 },
  });
  assert.equal(ok.d + ok.c, 1000);
});

// ---- line length ----

test('a 1 GiB line (sparse file) is refused once it passes MAX_LINE_CHARS, without reading the rest', async () => {
  const { dir, done } = tempDir();
  try {
    const file = join(dir, 'long.csv');
    const fd = openSync(file, 'w');
    writeSync(fd, 'a,b,y\n1,2,');
    ftruncateSync(fd, GiB); // a hole: one 1 GiB line of NUL bytes, no disk used
    writeSync(fd, '\n3,4,5\n', GiB);
    closeSync(fd);
    const { error, largest } = await largestAllocation(() => loadDataset(file));
    const e = await refusal(() => {
      throw error;
    });
    assert.equal(e.describe(), `${file}: row 2: the line is too long to read (limit MAX_LINE_CHARS = 67,108,864 characters)`);
    // the window holds the line read so far: about MAX_LINE_CHARS, never the whole GiB
    assert.ok(largest <= MAX_LINE_CHARS + 2 * MiB, `largest allocation ${largest}`);
  } finally {
    done();
  }
});

test('a long line of real numbers against a smaller (injected) line limit; a line just under it reads', async () => {
  const cells = (n: number) => Array.from({ length: n }, (_, j) => (j * 0.123456789).toFixed(9)).join(',');
  const wide = cells(300_000); // ~3.6 MB
  const limit = MiB;
  const e = await refusal(() => parseDataset(enc(`${cells(3)}\n${wide}\n`), { file: 'l.csv', limits: { maxLineChars: limit } }));
  assert.equal(e.describe(), 'l.csv: row 2: the line is too long to read (limit MAX_LINE_CHARS = 1,048,576 characters)');
  const e2 = await refusal(() => parseDataset(enc(`x,y\n1,2\n${'1'.repeat(limit + 10)},2\n`), { file: 'l.csv', limits: { maxLineChars: limit } }));
  assert.equal(e2.location.row, 3);
  const near = cells(70_000);
  assert.ok(near.length < limit && near.length > limit * 0.9, `${near.length}`);
  const d = parseDataset(enc(`${near}\n${near}\n`), { file: 'l.csv', limits: { maxLineChars: limit } });
  assert.equal(d.n, 2);
  assert.equal(d.d, 69_999);
  assert.equal(d.X.data[1], Number((0.123456789).toFixed(9)));
});

// ---- cells ----

test('a table past MAX_CELLS is refused at the first row over it (injected limit), with rows × columns', async () => {
  const text = (n: number) => ['a,b,c,d,y', ...Array.from({ length: n }, (_, i) => `${i},1,2,3,0`)].join('\n') + '\n';
  const limits = { maxCells: 1000 };
  assert.equal(parseDataset(enc(text(200)), { file: 'c.csv', limits }).n, 200);
  const many = enc(text(100_000));
  const { error, largest } = await largestAllocation(() => parseDataset(many, { file: 'c.csv', limits }));
  const e = await refusal(() => {
    throw error;
  });
  assert.equal(e.describe(), 'c.csv: row 202: the table has too many cells: 201 rows × 5 columns (limit MAX_CELLS = 1,000 cells)');
  assert.ok(largest <= 1000 * 8, `the table never grew past the cap: largest allocation ${largest}`);
});

// ---- JSON ----

test('a JSON data file over MAX_JSON_BYTES is refused from its size, before it is decoded or parsed', async () => {
  const { dir, done } = tempDir();
  const parse = JSON.parse;
  let parsed = 0;
  JSON.parse = ((...a: Parameters<typeof JSON.parse>) => (parsed++, parse(...a))) as typeof JSON.parse;
  try {
    const file = join(dir, 'big.json');
    const fd = openSync(file, 'w');
    writeSync(fd, '[[1, 2]');
    ftruncateSync(fd, MAX_JSON_BYTES + 1); // sparse
    closeSync(fd);
    const { error, largest } = await largestAllocation(() => loadDataset(file));
    const e = await refusal(() => {
      throw error;
    });
    assert.equal(
      e.describe(),
      `${file}: the JSON file is 64 MiB (67,108,865 bytes), too large to parse; save large data as .npy, .npz or CSV (limit MAX_JSON_BYTES = 67,108,864 bytes)`,
    );
    assert.ok(largest < MiB, `largest allocation ${largest}`);
    // bytes in memory: the same check, against an injected cap
    const small = enc(
      JSON.stringify([
        [1, 2],
        [3, 4],
      ]),
    );
    const e2 = await refusal(() => parseDataset(small, { file: 'd.json', limits: { maxJsonBytes: 10 } }));
    assert.match(e2.message, /^the JSON file is 13 bytes, too large to parse.*\(limit MAX_JSON_BYTES = 10 bytes\)$/);
    assert.equal(parsed, 0);
  } finally {
    JSON.parse = parse;
    done();
  }
});

test('a JSON table past MAX_CELLS is refused before its array is allocated (injected limit)', async () => {
  const rowsJson = enc(JSON.stringify(Array.from({ length: 300 }, (_, i) => [i, 1, 2, 0])));
  const { error, largest } = await largestAllocation(() => parseDataset(rowsJson, { file: 'd.json', limits: { maxCells: 1000 } }));
  const e = await refusal(() => {
    throw error;
  });
  assert.equal(e.describe(), 'd.json: the table has too many cells: 300 rows × 4 columns (limit MAX_CELLS = 1,000 cells)');
  assert.ok(largest < 300 * 4 * 8, `${largest}`);
  const cols = JSON.stringify({ a: Array(300).fill(1), b: Array(300).fill(2), y: Array(300).fill(0) });
  const e2 = await refusal(() => parseDataset(enc(cols), { file: 'd.json', limits: { maxCells: 800 } }));
  assert.match(e2.message, /300 rows × 3 columns/);
});

// ---- valid files read exactly as before ----

/** A source that hands out 1–7 bytes per read: every chunk boundary the reader can meet. */
function trickle(bytes: Uint8Array): ByteSource {
  let k = 0;
  return { size: bytes.length, read: (offset, length) => bytes.subarray(offset, Math.min(bytes.length, offset + Math.min(length, 1 + (k++ % 7)))) };
}

test('numpy-written CSV and whitespace text read identically from disk (streamed) and from memory', async () => {
  for (const name of ['savetxt_header.csv', 'savetxt_space.txt']) {
    const want = expected['savetxt.csv'];
    const fromDisk = await loadDataset(join(FIXTURES, name));
    const inMemory = parseDataset(fixture(name), { file: join(FIXTURES, name) });
    for (const d of [fromDisk, inMemory]) {
      assert.deepEqual([d.n, d.d + d.c], want.shape);
      const got = rows(d.X)
        .map((r, i) => [...r, d.Y.data[i]])
        .flat();
      got.forEach((v, i) => assert.ok(Object.is(v, want.values[i]), `${name} entry ${i}: ${v} vs ${want.values[i]}`));
    }
    assert.deepEqual(fromDisk.notes, inMemory.notes);
    assert.deepEqual(fromDisk.featureNames, inMemory.featureNames);
  }
});

const utf16 = (s: string, be = false) => {
  const b = new Uint8Array(s.length * 2 + 2);
  b.set(be ? [0xfe, 0xff] : [0xff, 0xfe]);
  for (let i = 0; i < s.length; i++) {
    const hi = s.charCodeAt(i) >> 8;
    const lo = s.charCodeAt(i) & 0xff;
    b[2 + 2 * i] = be ? hi : lo;
    b[3 + 2 * i] = be ? lo : hi;
  }
  return b;
};

const SAMPLES: [string, Uint8Array][] = [
  ['savetxt_header.csv', fixture('savetxt_header.csv')],
  ['savetxt_space.txt', fixture('savetxt_space.txt')],
  ['bom.csv', enc('\ufeffx1,x2,y\r\n1,2,3\r\n4.5,-5e-1,6\r\n\r\n\r\n')],
  ['quoted.csv', enc('"x,1","say ""hi""\nthere",y\n"1.5", 2 ,"3"\n"2.5","1e3",  4\n')],
  ['cr.csv', enc('a\tb\ty\r1\t2\t3\r4\t5\t6')],
  ['names.csv', enc('température,größe,😀 y,y\n1,2,3,4\n5,6,7,8\n')],
  ['blank.csv', enc('a,y\n1,2\n\n\n3,4\n')],
  ['semi.csv', enc('a;b;y\n1.5;2;3\n')],
  ['utf16le.txt', utf16('a\tb\ty\r\n1\t2\t3\r\n4\t5\t6\r\n')],
  ['utf16be.txt', utf16('é,b,y\n1,2,3\n', true)],
];

test('chunk boundaries anywhere (1–7 bytes per read) change nothing: tables, names and notes', () => {
  for (const [name, bytes] of SAMPLES) {
    const ext = name.split('.').pop()!;
    const whole = readDelimited(bytes, name, ext);
    const pieces = readDelimited(trickle(bytes), name, ext);
    assert.deepEqual(pieces, whole, name);
  }
  // the same errors, at the same rows
  for (const text of ['a,y\n1,2\n\n3,q\n', 'a,y\n1,"2\n', 'a,b,y\n1,2,3\n4,5\n', '"a\nb",y\n1,2\n1,x\n']) {
    let want: unknown;
    let got: unknown;
    try {
      readDelimited(enc(text), 't.csv', 'csv');
    } catch (e) {
      want = (e as ReluLensError).describe();
    }
    try {
      readDelimited(trickle(enc(text)), 't.csv', 'csv');
    } catch (e) {
      got = (e as ReluLensError).describe();
    }
    assert.ok(typeof want === 'string');
    assert.equal(got, want);
  }
});

test('a 10^5-row file read from disk equals the same bytes read from memory, value for value', async () => {
  const { dir, done } = tempDir();
  try {
    let seed = 11;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
    const lines = ['x1,x2,x3,y'];
    for (let i = 0; i < 1e5; i++) lines.push([rnd(), rnd() * 1e-5, rnd() * 1e7, i % 2].map(String).join(','));
    const text = lines.join('\n') + '\n';
    assert.ok(text.length > 3 * MiB, 'spans several 1 MiB chunks');
    writeFileSync(join(dir, 'big.csv'), text);
    const a: Dataset = await loadDataset(join(dir, 'big.csv'));
    const b = parseDataset(enc(text), { file: join(dir, 'big.csv') });
    assert.equal(a.n, 1e5);
    assert.deepEqual(a.X.data, b.X.data);
    assert.deepEqual(a.Y.data, b.Y.data);
    assert.deepEqual(a.notes, b.notes);
    for (let i = 0; i < 1e5; i += 997) assert.equal(a.X.data[i * 3 + 2], Number(lines[i + 1].split(',')[2]));
  } finally {
    done();
  }
});
