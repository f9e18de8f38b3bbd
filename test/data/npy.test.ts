import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDataset } from '../../src/core/data/index';
import { readNpy } from '../../src/core/data/npy';
import { expected, fixture, npyF8, rows, throwsData } from './helpers';

/** Exact equality with the numpy oracle, -0 and subnormals included. */
function sameValues(got: ArrayLike<number>, want: number[], what: string) {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) assert.ok(Object.is(got[i], want[i]), `${what}[${i}]: ${got[i]} vs ${want[i]}`);
}

const arrays = [
  'X_f8_c.npy',
  'X_f8_f.npy',
  'X_f4_c.npy',
  'X_f4_f.npy',
  'X_f8_be.npy',
  'X_f8_v2.npy',
  'X_f8_v3.npy',
  'X_f2.npy',
  'y_f8_1d.npy',
  'y_i8_1d.npy',
  'y_i4_1d.npy',
  'y_u1_1d.npy',
  'y_b1_1d.npy',
  'Y_onehot_f4.npy',
  'table_f8.npy',
];

for (const name of arrays) {
  test(`.npy ${name} equals numpy's values`, () => {
    const a = readNpy(fixture(name), name);
    assert.deepEqual(a.shape, expected[name].shape);
    sameValues(a.data, expected[name].values, name);
  });
}

test('.npy pair: X.npy features with a separate 1-D y.npy', () => {
  const d = parseDataset(fixture('X_f8_f.npy'), { file: 'X.npy', labelBytes: fixture('y_i8_1d.npy'), labelFile: 'y.npy' });
  assert.equal(d.n, 7);
  assert.equal(d.d, 3);
  assert.equal(d.c, 1);
  sameValues(d.X.data, expected['X_f8_f.npy'].values, 'X');
  sameValues(d.Y.data, expected['y_i8_1d.npy'].values, 'y');
  assert.deepEqual(d.featureNames, ['x1', 'x2', 'x3']);
  assert.deepEqual(d.labelNames, ['y']);
  assert.deepEqual(d.source, { file: 'X.npy', format: 'npy', labelFile: 'y.npy' });
});

test('.npy pair with a one-hot label matrix gives c = 3; labels picks its columns', () => {
  const d = parseDataset(fixture('X_f4_c.npy'), { file: 'X.npy', labelBytes: fixture('Y_onehot_f4.npy'), labelFile: 'Y.npy' });
  assert.equal(d.c, 3);
  assert.deepEqual(d.labelNames, ['y1', 'y2', 'y3']);
  const e = parseDataset(fixture('X_f4_c.npy'), { file: 'X.npy', labelBytes: fixture('Y_onehot_f4.npy'), labelFile: 'Y.npy', labels: [2, 0] });
  assert.equal(e.c, 2);
  assert.deepEqual(rows(e.Y)[0], [expected['Y_onehot_f4.npy'].values[2], expected['Y_onehot_f4.npy'].values[0]]);
});

test('a single 2-D .npy is a table: last column is the label', () => {
  const d = parseDataset(fixture('table_f8.npy'), { file: 'table.npy' });
  assert.equal(d.d, 3);
  sameValues(d.X.data, expected['X_f8_c.npy'].values, 'X');
  sameValues(d.Y.data, expected['y_f8_1d.npy'].values, 'y');
  const byIndex = parseDataset(fixture('table_f8.npy'), { file: 'table.npy', labels: [0] });
  assert.equal(byIndex.d, 3);
  assert.equal(byIndex.Y.data[1], expected['X_f8_c.npy'].values[3]);
});

// ---- refusals ----

test('object arrays are refused with a clear message', () => {
  throwsData(() => readNpy(fixture('bad_object.npy'), 'o.npy'), 'object arrays (dtype=object', { file: 'o.npy' });
});

test('3-D arrays are refused, naming the shape', () => {
  throwsData(() => readNpy(fixture('bad_3d.npy'), 'c.npy'), 'the array has 3 dimensions (shape (2, 2, 2))', { file: 'c.npy' });
});

test('truncated data: the header claims more bytes than present (checked before allocating)', () => {
  const e = throwsData(() => readNpy(fixture('bad_truncated.npy'), 't.npy'), 'truncated .npy file', { file: 't.npy' });
  assert.match(e.message, /shape \(7, 3\) of <f8 \(168 data bytes\) but only 148 bytes follow/);
});

test('a header claiming an enormous shape fails fast without allocating', () => {
  const bytes = npyF8([1e11, 1000], [1, 2]);
  assert.equal(bytes.length % 8, 0);
  throwsData(() => readNpy(bytes, 'huge.npy'), 'shape (100000000000, 1000) of <f8 (800000000000000 data bytes) but only 16 bytes follow', { file: 'huge.npy' });
});

test('a truncated header and a missing magic are refused', () => {
  const whole = fixture('X_f8_c.npy');
  throwsData(() => readNpy(whole.subarray(0, 40), 'h.npy'), 'the header claims 118 bytes', { file: 'h.npy' });
  throwsData(() => readNpy(whole.subarray(0, 8), 'h.npy'), 'header is incomplete', { file: 'h.npy' });
  throwsData(() => parseDataset(new TextEncoder().encode('1,2\n'), { file: 'x.npy' }), 'not a .npy file', { file: 'x.npy' });
  throwsData(() => readNpy(new Uint8Array(0), 'e.npy'), 'the file is empty', { file: 'e.npy' });
});

test('NaN and -Infinity in an array are located (row, column 1-based; Fortran order too)', () => {
  throwsData(() => readNpy(fixture('bad_nan.npy'), 'n.npy'), 'the entry is NaN', { file: 'n.npy', row: 5, column: 3 });
  throwsData(() => readNpy(fixture('bad_inf_f.npy'), 'i.npy'), 'the entry is -Infinity', { file: 'i.npy', row: 3, column: 2 });
});

test('int64 values beyond 2^53 are refused rather than rounded', () => {
  throwsData(() => readNpy(fixture('bad_i8_big.npy'), 'b.npy'), 'the int64 entry is too large to represent exactly', { file: 'b.npy', row: 3, column: 1 });
});

test('Python 2 long shapes (2L, 1L) in the header are read', () => {
  assert.deepEqual(Array.from(readNpy(npyF8([2, 1], [1.5, -2], '(2L, 1L)'), 'p2.npy').data), [1.5, -2]);
});

test('a 0-row array and a scalar are refused', () => {
  throwsData(() => parseDataset(npyF8([], [1]), { file: 's.npy' }), 'the array is a scalar', { file: 's.npy' });
  throwsData(() => parseDataset(npyF8([0, 3], []), { file: 'z.npy' }), 'no rows', { file: 'z.npy' });
});

test('an unaligned view (Buffer pool offset) is read correctly', () => {
  const whole = fixture('X_f8_c.npy');
  const shifted = new Uint8Array(whole.length + 3);
  shifted.set(whole, 3);
  sameValues(readNpy(shifted.subarray(3), 'u.npy').data, expected['X_f8_c.npy'].values, 'unaligned');
});
