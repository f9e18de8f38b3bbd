import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ReluLensError } from '../../src/core/errors';
import { parseDataset, type Dataset, type ParseOptions } from '../../src/core/data/index';

export const FIXTURES = join(__dirname, '..', 'fixtures', 'data');

export const enc = (s: string) => new TextEncoder().encode(s);

export const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(join(FIXTURES, name)));

export interface Oracle {
  shape: number[];
  values: number[];
}
export const expected: Record<string, Oracle & Record<string, unknown>> = JSON.parse(readFileSync(join(FIXTURES, 'expected.json'), 'utf8'));

/** Parse text given inline, named `file` (default t.csv) so the extension drives format detection. */
export function parseText(text: string, opts: Partial<ParseOptions> = {}): Dataset {
  return parseDataset(enc(text), { file: 't.csv', ...opts });
}

export const rows = (m: { rows: number; cols: number; data: Float64Array }) =>
  Array.from({ length: m.rows }, (_, i) => Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols)));

/**
 * Asserts fn throws a data ReluLensError whose message contains `message` (string) or matches it
 * (RegExp), with exactly the given location fields (absent fields must be absent).
 */
export function throwsData(
  fn: () => unknown,
  message: string | RegExp,
  loc: { file?: string; row?: number; column?: number | string } = {},
  kind: 'data' | 'usage' = 'data',
): ReluLensError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof ReluLensError, `expected a ReluLensError, got ${caught === undefined ? 'no error' : String(caught)}`);
  const err = caught as ReluLensError;
  assert.equal(err.kind, kind, err.message);
  if (typeof message === 'string') assert.ok(err.message.includes(message), `message ${JSON.stringify(err.message)} lacks ${JSON.stringify(message)}`);
  else assert.match(err.message, message);
  if (kind === 'data') {
    assert.equal(err.location.file, loc.file ?? 't.csv', 'file');
    assert.equal(err.location.row, loc.row, 'row');
    assert.equal(err.location.column, loc.column, 'column');
  }
  return err;
}

/** A version-1.0 little-endian float64 .npy built by hand (for shapes numpy fixtures don't cover). */
export function npyF8(shape: number[], values: number[], shapeText = `(${shape.join(', ')}${shape.length === 1 ? ',' : ''})`): Uint8Array {
  const header = `{'descr': '<f8', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const text = header + ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const bytes = new Uint8Array(10 + text.length + 8 * values.length);
  bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, text.length & 0xff, text.length >> 8]);
  bytes.set(new TextEncoder().encode(text), 10);
  const dv = new DataView(bytes.buffer);
  values.forEach((v, i) => dv.setFloat64(10 + text.length + 8 * i, v, true));
  return bytes;
}
