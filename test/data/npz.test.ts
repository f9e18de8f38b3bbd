import assert from 'node:assert/strict';
import { test } from 'node:test';
import { zipSync } from 'fflate';
import { parseDataset } from '../../src/core/data/index';
import { expected, fixture, npyF8, throwsData } from './helpers';

const same = (got: ArrayLike<number>, want: number[]) => {
  assert.equal(got.length, want.length);
  for (let i = 0; i < want.length; i++) assert.ok(Object.is(got[i], want[i]), `[${i}] ${got[i]} vs ${want[i]}`);
};

test('npz with stored members X, y', () => {
  const d = parseDataset(fixture('Xy_stored.npz'), { file: 'd.npz' });
  assert.equal(d.source.format, 'npz');
  assert.equal(d.n, 7);
  assert.equal(d.d, 3);
  same(d.X.data, expected['Xy_stored.npz:X'].values);
  same(d.Y.data, expected['Xy_stored.npz:y'].values);
});

test('npz compressed (savez_compressed), float32 X and int64 y', () => {
  const d = parseDataset(fixture('Xy_deflated.npz'), { file: 'd.npz' });
  same(d.X.data, expected['Xy_deflated.npz:X'].values);
  same(d.Y.data, expected['Xy_stored.npz:y'].values);
});

test('npz with inputs/targets names and a one-hot target matrix', () => {
  const d = parseDataset(fixture('inputs_targets.npz'), { file: 'd.npz' });
  assert.equal(d.c, 3);
  same(d.Y.data, expected['inputs_targets.npz:targets'].values);
  assert.ok(d.notes.some((n) => n.includes('features: "inputs", labels: "targets"')));
});

test('npz label member chosen by name; label columns by index', () => {
  const d = parseDataset(fixture('no_labels.npz'), { file: 'd.npz', labels: ['w'] });
  same(d.Y.data, expected['Xy_stored.npz:y'].values);
  const e = parseDataset(fixture('inputs_targets.npz'), { file: 'd.npz', labels: [1] });
  assert.equal(e.c, 1);
  assert.equal(e.Y.data[0], expected['inputs_targets.npz:targets'].values[1]);
});

test('npz with one positional array (arr_0) is a table', () => {
  const d = parseDataset(fixture('single_arr0.npz'), { file: 'd.npz' });
  assert.equal(d.d, 3);
  same(d.Y.data, expected['Xy_stored.npz:y'].values);
});

test('npz X with a separate label file', () => {
  const d = parseDataset(fixture('Xy_stored.npz'), { file: 'd.npz', labelBytes: fixture('y_u1_1d.npy'), labelFile: 'y.npy' });
  same(d.Y.data, expected['y_u1_1d.npy'].values);
  assert.equal(d.source.labelFile, 'y.npy');
});

test('npz without a label member lists the members', () => {
  throwsData(() => parseDataset(fixture('no_labels.npz'), { file: 'd.npz' }), 'no label member: found "X", "w"', { file: 'd.npz' });
  throwsData(() => parseDataset(fixture('no_labels.npz'), { file: 'd.npz', labels: ['t'] }), 'label member "t" not found; the members are "X", "w"', {
    file: 'd.npz',
  });
});

test('npz: X and y with different row counts', () => {
  const z = zipSync({ 'X.npy': fixture('X_f8_c.npy'), 'y.npy': npyF8([3], [0, 1, 0]) }, { level: 0 });
  throwsData(() => parseDataset(z, { file: 'd.npz' }), '"X" has 7 rows but "y" has 3', { file: 'd.npz' });
});

test('npz: errors inside a member name the member', () => {
  const z = zipSync({ 'X.npy': fixture('bad_3d.npy'), 'y.npy': fixture('y_f8_1d.npy') });
  throwsData(() => parseDataset(z, { file: 'd.npz' }), 'member "X": the array has 3 dimensions', { file: 'd.npz' });
});

test('a corrupt zip is refused', () => {
  const z = fixture('Xy_deflated.npz').slice(0, 200);
  throwsData(() => parseDataset(z, { file: 'd.npz' }), 'not a readable .npz (zip) archive', { file: 'd.npz' });
});

test('npz features member found by elimination (with and without a separate label file)', () => {
  const z = zipSync({ 'features.npy': fixture('X_f8_c.npy'), 'labels.npy': fixture('y_f8_1d.npy') });
  const d = parseDataset(z, { file: 'd.npz' });
  same(d.X.data, expected['X_f8_c.npy'].values);
  same(d.Y.data, expected['y_f8_1d.npy'].values);
  assert.ok(d.notes.some((n) => n.includes('features: member "features"')));
  const e = parseDataset(z, { file: 'd.npz', labelBytes: fixture('y_u1_1d.npy'), labelFile: 'y.npy' });
  same(e.Y.data, expected['y_u1_1d.npy'].values);
  const three = zipSync({ a: fixture('X_f8_c.npy'), b: fixture('X_f8_c.npy'), y: fixture('y_f8_1d.npy') });
  throwsData(() => parseDataset(three, { file: 'd.npz' }), 'cannot tell which member holds the features: found "a", "b", "y"', { file: 'd.npz' });
});
