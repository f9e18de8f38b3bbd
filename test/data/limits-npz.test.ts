/**
 * .npz / .npy size claims: an archive member is checked against what the archive declares, what
 * its .npy header declares and what it actually inflates to, with a cap that stops inflation —
 * measured in bytes inflated and allocated, never in time.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadDataset, parseDataset } from '../../src/core/data/index';
import { DEFAULT_LIMITS, MAX_CELLS, MAX_NPZ_MEMBER_BYTES } from '../../src/core/data/limits';
import { npyFail, readNpy, readNpyHeader } from '../../src/core/data/npy';
import { ReluLensError } from '../../src/core/errors';
import { expected, fixture, npyF8, throwsData } from './helpers';
import { countInflated, largestAllocation } from './spies';
import { buildZip, deflatedZeros, npyHeader } from './zipBuild';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
/** one push of 16 KiB of compressed input inflates to at most ~16.5 MiB (deflate's ~1032:1) */
const ONE_PUSH = 17 * MiB;

const f8 = (n: number) => npyHeader('<f8', `(${n},)`);
const y = fixture('y_f8_1d.npy');
const storedY = { name: 'y.npy', stored: y, method: 0 as const, size: y.length };

/** An npz whose X member inflates to header + `zeros` zero bytes, declaring `declared` bytes. */
function bomb(header: Uint8Array, zeros: number, declared = header.length + zeros): Uint8Array {
  return buildZip([{ name: 'X.npy', stored: deflatedZeros(header, zeros), method: 8, size: declared }, storedY]);
}

function refused(r: { error?: unknown }, message: string | RegExp): ReluLensError {
  assert.ok(r.error instanceof ReluLensError, `expected a refusal, got ${String(r.error ?? 'a dataset')}`);
  const e = r.error as ReluLensError;
  assert.equal(e.kind, 'data');
  assert.equal(e.location.file, 'd.npz');
  if (typeof message === 'string') assert.ok(e.message.includes(message), e.message);
  else assert.match(e.message, message);
  assert.ok(!e.describe().includes('\n'), 'one line');
  return e;
}

test('the inflate counter sees a normal deflated read (so its zero counts below mean something)', () => {
  const r = countInflated(() => parseDataset(fixture('Xy_deflated.npz'), { file: 'd.npz' }));
  assert.equal(r.error, undefined);
  assert.ok(r.stats.bytes >= 212 + 184, `${r.stats.bytes}`);
});

test('zip bomb, honest sizes: a 1.5 GiB member is refused from its declared size, nothing inflated', () => {
  const z = bomb(f8((1.5 * GiB) / 8), 1.5 * GiB);
  assert.ok(z.length < 4 * MiB, `the archive is ${z.length} bytes`);
  const r = countInflated(() => parseDataset(z, { file: 'd.npz' }));
  const e = refused(r, 'member "X": the archive declares 1.5 GiB (1,610,612,864 bytes) uncompressed, more than one array may take');
  assert.match(e.message, /\(limit MAX_NPZ_MEMBER_BYTES = [\d,]+ bytes\)$/);
  assert.equal(r.stats.bytes, 0);
});

test('zip bomb, lying size: 1.5 GiB of zeros declared as 928 bytes — inflation stops at the first push', () => {
  const header = f8(100);
  const z = bomb(header, 1.5 * GiB, header.length + 800);
  const r = countInflated(() => parseDataset(z, { file: 'd.npz' }));
  refused(r, 'member "X": inflates to more than the 928 bytes the archive declares; inflating was stopped there (a corrupt archive or a zip bomb)');
  assert.ok(r.stats.bytes <= ONE_PUSH, `${r.stats.bytes} bytes inflated`);
});

test('a member declaring more than an (injected) member cap is refused before inflating', () => {
  assert.ok(MAX_NPZ_MEMBER_BYTES < 600 * MiB);
  const header = f8(1000);
  const r = countInflated(() => parseDataset(bomb(header, 64 * MiB, 64 * MiB), { file: 'd.npz', limits: { maxMemberBytes: MiB } }));
  refused(r, /the archive declares 64 MiB \(67,108,864 bytes\) uncompressed.*\(limit MAX_NPZ_MEMBER_BYTES = 1,048,576 bytes\)/);
  assert.equal(r.stats.bytes, 0);
});

test('the .npy header inside a member is checked as soon as it is inflated: shape × dtype against the declared size', () => {
  // the header says 10^6 float64 (8 MB) but the archive declares 2 KB for the member
  const header = f8(1e6);
  const r = countInflated(() => parseDataset(bomb(header, 64 * MiB, 2048), { file: 'd.npz' }));
  refused(r, 'member "X": truncated .npy file: the header says shape (1000000,) of <f8 (8000000 data bytes) but only 1920 bytes follow');
  assert.ok(r.stats.bytes <= ONE_PUSH, `${r.stats.bytes}`);
});

test('a member whose header shape is over MAX_CELLS is refused after its first push, before its array is allocated', () => {
  // 2^27 uint8 entries: 128 MiB, under the byte cap, over the 2^26-cell cap
  const n = 2 ** 27;
  const header = npyHeader('|u1', `(${n},)`);
  const z = bomb(header, n);
  let counted: ReturnType<typeof countInflated> | undefined;
  return largestAllocation(() => (counted = countInflated(() => parseDataset(z, { file: 'd.npz' })))).then(({ largest }) => {
    refused(
      counted!,
      `member "X": the array has shape (134217728,), 134,217,728 entries: too many to read (limit MAX_CELLS = ${MAX_CELLS.toLocaleString('en-US')} entries)`,
    );
    assert.ok(counted!.stats.bytes <= ONE_PUSH, `${counted!.stats.bytes}`);
    assert.ok(largest < ONE_PUSH, `largest allocation ${largest}`);
  });
});

test('a member that inflates to less than it declares is refused', () => {
  const header = f8(21);
  const z = bomb(header, 168, header.length + 168 + 1000);
  refused(
    countInflated(() => parseDataset(z, { file: 'd.npz' })),
    'member "X": inflates to 296 bytes, but the archive declares 1.3 KiB (1,296 bytes) (a corrupt archive)',
  );
});

test('local header and central directory disagreeing on a size is refused', () => {
  const x = fixture('X_f8_c.npy');
  for (const zip64Local of [true, false]) {
    const z = buildZip([{ name: 'X.npy', stored: x, method: 0, size: x.length, localSize: x.length + 8, zip64Local }, storedY]);
    throwsData(() => parseDataset(z, { file: 'd.npz' }), /not a readable \.npz \(zip\) archive: member "X\.npy": the local header declares 304 bytes/, {
      file: 'd.npz',
    });
  }
});

test('a stored member whose stored and declared sizes differ is refused', () => {
  const x = fixture('X_f8_c.npy');
  const z = buildZip([{ name: 'X.npy', stored: x, method: 0, size: x.length + 100, localSize: x.length + 100 }, storedY]);
  throwsData(() => parseDataset(z, { file: 'd.npz' }), 'stored uncompressed but declares 296 stored and 396 uncompressed bytes', { file: 'd.npz' });
});

test("hand-built archives read like numpy's: stored, deflated, ZIP64 local headers or not", () => {
  const x = fixture('X_f8_c.npy');
  for (const zip64Local of [true, false]) {
    const z = buildZip([
      { name: 'X.npy', stored: deflatedZeros(x, 0), method: 8, size: x.length, zip64Local },
      { ...storedY, zip64Local },
    ]);
    const d = parseDataset(z, { file: 'd.npz' });
    assert.deepEqual(Array.from(d.X.data), expected['X_f8_c.npy'].values);
    assert.deepEqual(Array.from(d.Y.data), expected['y_f8_1d.npy'].values);
  }
});

test('a member with trailing bytes after its array keeps only the array', () => {
  const x = fixture('X_f8_c.npy');
  const z = buildZip([{ name: 'X.npy', stored: deflatedZeros(x, 4096), method: 8, size: x.length + 4096 }, storedY]);
  assert.deepEqual(Array.from(parseDataset(z, { file: 'd.npz' }).X.data), expected['X_f8_c.npy'].values);
});

test('loadDataset reads only the directory and the members used (the unused 1.5 GiB member is never touched)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'relu-lens-npz-'));
  try {
    const x = fixture('X_f8_c.npy');
    const z = buildZip([
      { name: 'X.npy', stored: x, method: 0, size: x.length },
      storedY,
      { name: 'junk.npy', stored: deflatedZeros(f8(1), 1.5 * GiB), method: 8, size: 1.5 * GiB + 128 },
    ]);
    writeFileSync(join(dir, 'd.npz'), z);
    assert.ok(z.length > MiB, `${z.length}`);
    // loadDataset does its reading synchronously, before its promise settles
    let counted: ReturnType<typeof countInflated<Promise<unknown>>> | undefined;
    const { largest, value, error } = await largestAllocation(() => {
      counted = countInflated(() => loadDataset(join(dir, 'd.npz')));
      return counted.value!;
    });
    assert.equal(error, undefined);
    const d = value as Awaited<ReturnType<typeof loadDataset>>;
    assert.deepEqual(Array.from(d.X.data), expected['X_f8_c.npy'].values);
    assert.equal(counted!.stats.bytes, 0);
    assert.ok(largest < MiB, `largest allocation ${largest}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// ---- .npy headers ----

const fail = npyFail('h.npy', '');

test('.npy header: a shape over MAX_CELLS is refused from the header alone', () => {
  const h = npyHeader('|u1', `(${2 ** 20}, ${2 ** 20})`);
  // 2^40 entries that the file claims to hold (a size only a sparse file could have)
  assert.throws(
    () => readNpyHeader(h, h.length + 2 ** 40, fail),
    (e: unknown) => {
      assert.ok(e instanceof ReluLensError);
      assert.equal(
        e.message,
        `the array has shape (1048576, 1048576), 1,099,511,627,776 entries: too many to read (limit MAX_CELLS = ${MAX_CELLS.toLocaleString('en-US')} entries)`,
      );
      return true;
    },
  );
});

test('.npy header: a shape whose product overflows 2^53 is refused, not wrapped', () => {
  const h = npyHeader('<f8', `(${2 ** 40}, ${2 ** 40})`);
  throwsData(() => readNpyHeader(h, Number.MAX_SAFE_INTEGER, fail), 'shape (1099511627776, 1099511627776) of <f8 (over 2^53 data bytes)', { file: 'h.npy' });
  // a dimension past 2^53 was rounded when read: no count at all
  const huge = npyHeader('<f8', `(${'9'.repeat(30)}, 2)`);
  throwsData(() => readNpyHeader(huge, Number.MAX_SAFE_INTEGER, fail), 'unreadable .npy header: bad shape', { file: 'h.npy' });
});

test('.npy with more entries than an (injected) cap is refused before its data is decoded', async () => {
  const bytes = npyF8(
    [1001],
    Array.from({ length: 1001 }, (_, i) => i),
  );
  const { error, largest } = await largestAllocation(() => parseDataset(bytes, { file: 'big.npy', limits: { maxCells: 1000 } }));
  assert.ok(error instanceof ReluLensError);
  assert.equal(error.describe(), 'big.npy: the array has shape (1001,), 1,001 entries: too many to read (limit MAX_CELLS = 1,000 entries)');
  assert.ok(largest < 1001 * 8, `largest allocation ${largest}`);
  assert.equal(readNpy(bytes, 'ok.npy', '', { ...DEFAULT_LIMITS, maxCells: 1001 }).data.length, 1001);
});

test('.npy header longer than MAX_NPY_HEADER_BYTES is refused', () => {
  const text = `{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }` + ' '.repeat(70000) + '\n';
  const b = new Uint8Array(12 + text.length + 8);
  b.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 2, 0]);
  new DataView(b.buffer).setUint32(8, text.length, true);
  b.set(new TextEncoder().encode(text), 12);
  throwsData(() => readNpy(b, 'h.npy'), /the \.npy header is 70,058 bytes long.*\(limit MAX_NPY_HEADER_BYTES = 65,536 bytes\)/, { file: 'h.npy' });
});

test('loadDataset of a sparse .npy file claiming 2^31 float64 entries: refused from the header, nothing read', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'relu-lens-npy-'));
  try {
    const { openSync, writeSync, ftruncateSync, closeSync } = await import('node:fs');
    const h = f8(2 ** 31);
    const file = join(dir, 'big.npy');
    const fd = openSync(file, 'w');
    writeSync(fd, h);
    ftruncateSync(fd, h.length + 2 ** 34); // sparse: costs no disk
    closeSync(fd);
    const { error, largest } = await largestAllocation(() => loadDataset(file));
    assert.ok(error instanceof ReluLensError, String(error));
    assert.match(error.message, /the array has shape \(2147483648,\), 2,147,483,648 entries: too many to read \(limit MAX_CELLS/);
    assert.ok(largest < MiB, `largest allocation ${largest}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
