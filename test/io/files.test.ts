/**
 * The engine's file layer (src/core/io/files.ts) on hostile files made at test time: symlinks out
 * of the folder, '..' and absolute locations, FIFOs, devices, directories, files swapped between
 * check and open, ranges past the end, a 2 GB sparse file, the byte cap. What was touched is
 * recorded through an injected node:fs; what was allocated through the allocation spy.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { ModelFolder, readRegularFile } from '../../src/core/io/files';
import { MAX_EXTERNAL_BYTES, callbackSource, memorySource, rangeKey, type ExternalRange } from '../../src/core/io/external';
import { MAX_TENSOR_ELEMENTS } from '../../src/core/onnx/tensor';
import { ReluLensError } from '../../src/core/errors';
import { withAllocSpy } from '../onnx/allocSpy';
import { mkZeroDevice, mkfifo, recordingFs, runNode, sparseFile, tempDir, touched } from './helpers';

const entry = (location: string, offset = 0, length = 8, tensor = 'W1') => ({ location, offset, length, tensor, used: true });
const range = (location: string, offset = 0, length = 8, tensor = 'W1'): ExternalRange => ({ location, offset, length, tensor });

function refused(f: () => unknown, reason: RegExp, names: RegExp[] = [/'W1'/]) {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof ReluLensError, String(e));
    assert.equal(e.kind, 'model');
    assert.match(e.message, reason);
    for (const n of names) assert.match(e.message, n);
    return true;
  });
}

test('MAX_EXTERNAL_BYTES is what the largest tensor the reader accepts can need (2^26 float64)', () => {
  assert.equal(MAX_EXTERNAL_BYTES, MAX_TENSOR_ELEMENTS * 8);
});

test('a symlink leading out of the folder (/etc/passwd, /dev/zero) is refused before its target is touched', () => {
  const t = tempDir();
  try {
    for (const target of ['/etc/passwd', '/dev/zero']) {
      const link = `to-${target.split('/').pop()}.bin`;
      fs.symlinkSync(target, join(t.dir, link));
      const { fs: rfs, calls } = recordingFs();
      const folder = new ModelFolder(join(t.dir, 'model.onnx'), { fs: rfs });
      refused(() => folder.check(entry(link)), /outside the model's folder/, [/'W1'/, new RegExp(link.replace('.', '\\.'))]);
      refused(() => folder.read(range(link)), /outside the model's folder/);
      assert.deepEqual(touched(calls, target), [], `${target} was touched: ${JSON.stringify(calls)}`);
      assert.equal(calls.filter((c) => c.op === 'open').length, 0);
    }
    // a parent directory that is a symlink out of the folder
    fs.symlinkSync('/etc', join(t.dir, 'etc'));
    const { fs: rfs, calls } = recordingFs();
    refused(() => new ModelFolder(join(t.dir, 'model.onnx'), { fs: rfs }).read(range('etc/passwd')), /outside the model's folder/);
    assert.deepEqual(touched(calls, '/etc/passwd'), []);
  } finally {
    t.done();
  }
});

test("'..' escapes and absolute locations are refused without a single file-system call", () => {
  const t = tempDir();
  try {
    for (const loc of ['../../etc/passwd', '/etc/passwd', '..\\..\\etc\\passwd', 'a/../../etc/passwd', 'C:/Windows/win.ini', '~/x', '']) {
      const { fs: rfs, calls } = recordingFs();
      const folder = new ModelFolder(join(t.dir, 'model.onnx'), { fs: rfs });
      refused(() => folder.check(entry(loc)), /outside the model's folder/);
      refused(() => folder.read(range(loc)), /outside the model's folder/);
      assert.deepEqual(calls, [], loc);
    }
  } finally {
    t.done();
  }
});

test('symlinks that stay inside the folder are followed', () => {
  const t = tempDir();
  try {
    fs.mkdirSync(join(t.dir, 'weights'));
    fs.writeFileSync(
      join(t.dir, 'weights', 'real.bin'),
      Uint8Array.from({ length: 16 }, (_, i) => i),
    );
    fs.symlinkSync('weights/real.bin', join(t.dir, 'alias.bin'));
    const folder = new ModelFolder(join(t.dir, 'model.onnx'));
    assert.deepEqual(Array.from(folder.read(range('alias.bin', 4, 4))), [4, 5, 6, 7]);
  } finally {
    t.done();
  }
});

test('a FIFO is refused by stat, never opened; if stat were fooled, the O_NONBLOCK open + fstat still refuse it without blocking', () => {
  const t = tempDir();
  try {
    mkfifo(join(t.dir, 'w.fifo'));
    const { fs: rfs, calls } = recordingFs();
    const folder = new ModelFolder(join(t.dir, 'model.onnx'), { fs: rfs });
    refused(() => folder.check(entry('w.fifo')), /FIFO \(named pipe\), not a regular file/, [/'W1'/, /w\.fifo/]);
    refused(() => folder.read(range('w.fifo')), /FIFO/);
    assert.equal(calls.filter((c) => c.op === 'open').length, 0, JSON.stringify(calls));
    // stat lies (a swap between stat and open): the open must not wait for a writer. In a child with a
    // timeout, so a blocking open fails the test instead of hanging it.
    fs.writeFileSync(join(t.dir, 'regular.bin'), new Uint8Array(64));
    const code = `
      const fs = require('node:fs');
      const { ModelFolder, readRegularFile } = require('./src/core/io/files');
      const dir = ${JSON.stringify(t.dir)};
      const lying = { ...fs, statSync: () => fs.statSync(dir + '/regular.bin') };
      const out = [];
      try { new ModelFolder(dir + '/model.onnx', { fs: lying }).read({ location: 'w.fifo', offset: 0, length: 8, tensor: 'W1' }); out.push('read'); }
      catch (e) { out.push(e.message); }
      try { readRegularFile(dir + '/w.fifo', { what: 'the model file', fs: lying }); out.push('read'); }
      catch (e) { out.push(e.message); }
      console.log(JSON.stringify(out));`;
    const r = runNode(['-e', code], 60_000);
    assert.equal(r.timedOut, false, 'opening the FIFO blocked');
    assert.equal(r.status, 0, r.stderr);
    const [viaFolder, viaModel] = JSON.parse(r.stdout) as string[];
    assert.match(viaFolder, /'W1'.*w\.fifo.*FIFO/);
    assert.match(viaModel, /FIFO/);
    // the model file itself: refused by stat, without opening
    const m = recordingFs();
    assert.throws(() => readRegularFile(join(t.dir, 'w.fifo'), { what: 'the model file', fs: m.fs }), /cannot read the model file \(it is a FIFO/);
    assert.equal(m.calls.filter((c) => c.op === 'open').length, 0);
  } finally {
    t.done();
  }
});

test('devices and directories in the folder are refused without being opened', (tc) => {
  const t = tempDir();
  try {
    fs.mkdirSync(join(t.dir, 'sub'));
    const { fs: rfs, calls } = recordingFs();
    const folder = new ModelFolder(join(t.dir, 'model.onnx'), { fs: rfs });
    refused(() => folder.read(range('sub')), /is a directory, not a regular file/);
    if (mkZeroDevice(join(t.dir, 'zero'))) refused(() => folder.read(range('zero')), /is a character device, not a regular file/);
    else tc.diagnostic('mknod not permitted here: the device case is covered by the /dev/zero symlink test');
    assert.equal(calls.filter((c) => c.op === 'open').length, 0);
  } finally {
    t.done();
  }
});

test('a file replaced between the check and the open is refused', () => {
  const t = tempDir();
  try {
    fs.writeFileSync(join(t.dir, 'w.bin'), new Uint8Array(64));
    fs.writeFileSync(join(t.dir, 'other.bin'), new Uint8Array(64));
    const lying = recordingFs({ statSync: ((p: fs.PathLike) => fs.statSync(join(t.dir, 'other.bin'))) as never });
    refused(() => new ModelFolder(join(t.dir, 'model.onnx'), { fs: lying.fs }).read(range('w.bin')), /replaced while being read/);
  } finally {
    t.done();
  }
});

test('a range past the end of the file is refused before anything is allocated or read', () => {
  const t = tempDir();
  try {
    fs.writeFileSync(join(t.dir, 'w.bin'), new Uint8Array(20));
    const { fs: rfs, calls } = recordingFs();
    const folder = new ModelFolder(join(t.dir, 'model.onnx'), { fs: rfs });
    refused(() => folder.check(entry('w.bin', 16, 8)), /bytes 16…24, but the file has only 20 bytes/);
    refused(() => folder.check({ ...entry('w.bin', 21), length: undefined }), /file has only 20 bytes/);
    const huge = withAllocSpy(() => folder.read(range('w.bin', 0, 2 ** 28)));
    assert.ok(huge.error instanceof ReluLensError && /file has only 20 bytes/.test(huge.error.message), String(huge.error));
    assert.ok(huge.stats.largest < 1024, `allocated ${huge.stats.largest} elements (${huge.stats.largestKind})`);
    assert.equal(calls.filter((c) => c.op === 'read').length, 0);
  } finally {
    t.done();
  }
});

test('a 2 GB sparse file: only the 32 bytes asked for are read and allocated, each range once', async () => {
  const t = tempDir();
  try {
    const payload = Uint8Array.from({ length: 32 }, (_, i) => 200 - i);
    const size = 2 ** 31;
    const offset = size - 1000;
    sparseFile(join(t.dir, 'big.bin'), size, offset, payload);
    const { fs: rfs, calls } = recordingFs();
    const folder = new ModelFolder(join(t.dir, 'model.onnx'), { fs: rfs });
    folder.check(entry('big.bin', offset, 32));
    const r = withAllocSpy(() => folder.read(range('big.bin', offset, 32)));
    if (r.error) throw r.error;
    assert.deepEqual(Array.from(r.value!), Array.from(payload));
    assert.ok(r.stats.largest <= 32, `largest allocation ${r.stats.largest} (${r.stats.largestKind})`);
    assert.ok(r.stats.total <= 1024, `allocated ${r.stats.total} elements in total`);
    const readBytes = () => calls.filter((c) => c.op === 'read').reduce((s, c) => s + (c.length ?? 0), 0);
    assert.equal(readBytes(), 32);
    // cached: the cross-check asking again reads nothing
    folder.read(range('big.bin', offset, 32));
    assert.equal(readBytes(), 32);
    assert.equal(folder.bytesRead, 32);
    // the async path (extension host) is ranged too
    const again = new ModelFolder(join(t.dir, 'model.onnx'), { fs: rfs });
    assert.deepEqual(Array.from(await again.readAsync(range('big.bin', offset + 8, 8))), Array.from(payload.subarray(8, 16)));
    assert.equal(readBytes(), 40);
  } finally {
    t.done();
  }
});

test('the byte cap is checked before the buffer is allocated', () => {
  const t = tempDir();
  try {
    fs.writeFileSync(join(t.dir, 'w.bin'), new Uint8Array(4096));
    const { fs: rfs, calls } = recordingFs();
    const folder = new ModelFolder(join(t.dir, 'model.onnx'), { fs: rfs, maxBytes: 1000 });
    folder.read(range('w.bin', 0, 600));
    const over = withAllocSpy(() => folder.read(range('w.bin', 600, 600, 'W2')));
    assert.ok(over.error instanceof ReluLensError, String(over.error));
    assert.match(over.error.message, /'W2'.*beyond the limit of 1000 \(MAX_EXTERNAL_BYTES\)/);
    assert.ok(over.stats.largest < 600, `allocated ${over.stats.largest}`);
    assert.equal(
      calls.filter((c) => c.op === 'read').reduce((s, c) => s + (c.length ?? 0), 0),
      600,
    );
  } finally {
    t.done();
  }
});

test('the model file: regular, size-capped before allocation', () => {
  const t = tempDir();
  try {
    fs.writeFileSync(join(t.dir, 'm.onnx'), new Uint8Array(5000));
    const r = withAllocSpy(() => readRegularFile(join(t.dir, 'm.onnx'), { what: 'the model file', maxBytes: 4096 }));
    assert.match(String((r.error as Error)?.message), /cannot read the model file \(it has 5000 bytes, more than the limit of 4096\)/);
    assert.ok(r.stats.largest < 4096);
    assert.equal(readRegularFile(join(t.dir, 'm.onnx')).length, 5000);
    assert.throws(() => readRegularFile(join(t.dir, 'nope.onnx'), { what: 'the model file' }), /cannot read the model file \(ENOENT\)/);
    assert.throws(() => readRegularFile(t.dir, { what: 'the model file' }), /it is a directory/);
  } finally {
    t.done();
  }
});

test('in-memory sources: exact ranges by key, whole files by path, nothing read past the end', () => {
  const whole = Uint8Array.from({ length: 16 }, (_, i) => i);
  const src = memorySource({ 'w.bin': whole, [rangeKey({ location: 'x.bin', offset: 4, length: 2 })]: Uint8Array.of(9, 9) });
  assert.deepEqual(Array.from(src.read(range('w.bin', 2, 3))), [2, 3, 4]);
  assert.deepEqual(Array.from(src.read(range('x.bin', 4, 2))), [9, 9]);
  refused(() => src.read(range('w.bin', 12, 8)), /file has only 16 bytes/);
  refused(() => src.read(range('y.bin', 0, 1)), /was not read/);
  assert.equal(src.has({ location: 'x.bin', offset: 4, length: 2, tensor: 'W1', used: true }), true);
  assert.equal(src.has({ location: 'x.bin', offset: 0, length: 2, tensor: 'W1', used: true }), false);
  refused(() => callbackSource(() => whole).read(range('w.bin', 10, 10)), /file has only 16 bytes/);
});
