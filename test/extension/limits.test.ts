// Issue #17 item 4: the host's limits on the engine worker, on a stand-in worker that hangs or
// exhausts memory on request (./fixtures/stubborn-worker.mjs) and on the real file-reading path:
// a light request is cancelled or stopped by its timeout (its thread terminated, the other light
// requests answered by a fresh one), a heavy job that outlives its time budget is stopped by the
// wall-clock guard and says so, the heavy thread's heap is sized from the pattern budget, a job
// past that heap ends with an error naming the limit, and a file over the size cap is refused
// before a byte is read, naming the setting that raises it. No time is asserted: the guards are
// set to a few milliseconds and what is checked is what they report.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Module from 'node:module';
import type { Worker } from 'node:worker_threads';
import { Engine, workerHeapMb, WORKER_BASE_HEAP_MB, WORKER_BYTES_PER_PATTERN } from '../../src/extension/engine';
import { mkfifo, tempDir } from '../io/helpers';

const STUBBORN = path.resolve(__dirname, 'fixtures/stubborn-worker.mjs');
const engines: Engine[] = [];
const engineOf = (opts: ConstructorParameters<typeof Engine>[1] = {}) => {
  const e = new Engine(STUBBORN, opts);
  engines.push(e);
  return e;
};
after(() => engines.forEach((e) => e.dispose()));
const lanes = (e: Engine) => (e as unknown as { lanes: { heavy?: Worker; light?: Worker } }).lanes;
const exited = (w: Worker) => new Promise<number>((r) => w.once('exit', r));
const columns = { kind: 'dataColumns' as const, dataBytes: new Uint8Array(1) };
const analyze = (dataName: string, options: object) =>
  ({
    kind: 'analyze',
    modelBytes: new Uint8Array(1),
    modelName: 'm.onnx',
    externals: {},
    dataBytes: new Uint8Array(1),
    dataName,
    options,
  }) as const;

test('a light request is cancelled: its thread stops, a request queued behind it is answered by a fresh thread', async () => {
  const engine = engineOf();
  const ctl = new AbortController();
  const hung = engine.request({ ...columns, dataName: 'hang' }, ctl.signal);
  // the stand-in answers 'echo' on arrival even while 'hang' is unanswered
  assert.ok((await engine.request({ ...columns, dataName: 'echo' })).ok);
  const behind = engine.request({ ...columns, dataName: 'hang-2' });
  const thread = lanes(engine).light!;
  const gone = exited(thread);
  ctl.abort();
  const res = await hung;
  assert.ok(!res.ok && res.errorKind === 'cancelled', JSON.stringify(res));
  await gone; // the thread that held it has exited
  assert.notEqual(lanes(engine).light, thread, 'a fresh thread serves the lane');
  const again = engine.request({ ...columns, dataName: 'echo' });
  assert.ok((await again).ok);
  // hang-2 shared the old thread: it was sent again to the new one, not failed with the old one
  const pending = (engine as unknown as { pending: Map<number, { worker?: Worker }> }).pending;
  assert.equal(pending.size, 1, 'only hang-2 is still pending');
  assert.equal([...pending.values()][0].worker, lanes(engine).light, 'on the fresh thread');
  let settled = false;
  void behind.then(() => (settled = true));
  await new Promise((r) => setImmediate(r));
  assert.ok(!settled, 'hang-2 was not failed with the old thread');
});

test('a light request that never answers is stopped by the light timeout, with a message that says so', async () => {
  const engine = engineOf({ lightTimeoutMs: 20 });
  const res = await engine.request({ ...columns, dataName: 'hang' });
  assert.ok(!res.ok);
  assert.match(res.error, /did not answer this dataColumns request within 0\.02 s: stopped/);
});

test('the wall-clock guard stops a job that outlives its time budget and reports it', async () => {
  const engine = engineOf({ graceMs: 0 });
  const job = engine.job(analyze('hang', { beta: 1, timeBudgetMs: 10 }));
  const res = await job.result;
  assert.ok(!res.ok);
  assert.match(res.error, /stopped by the wall-clock safety limit/);
  assert.match(res.error, /reluLens\.timeBudgetSeconds/);
  assert.equal(lanes(engine).heavy, undefined, 'the stuck thread is gone');
  // the next job runs on a fresh thread
  const next = engine.job({ ...columns, dataName: 'echo' } as never);
  assert.ok((await next.result).ok);
});

test("the heavy thread's heap is sized from the pattern budget (and re-sized when the budget changes)", async () => {
  assert.equal(workerHeapMb(2_000_000), WORKER_BASE_HEAP_MB + Math.ceil((2_000_000 * WORKER_BYTES_PER_PATTERN) / 2 ** 20));
  assert.equal(workerHeapMb(2_000_000), 1513, 'the documented value at the default budget');
  assert.ok(workerHeapMb(20_000_000) > workerHeapMb(2_000_000));
  assert.equal(workerHeapMb(0), WORKER_BASE_HEAP_MB);
  const engine = engineOf();
  const a = engine.job(analyze('hang', { beta: 1, patternBudget: 8_000_000 }));
  await new Promise((r) => setImmediate(r));
  assert.equal(lanes(engine).heavy!.resourceLimits?.maxOldGenerationSizeMb, workerHeapMb(8_000_000));
  await a.cancel();
  const b = engine.job(analyze('hang', { beta: 1, patternBudget: 4096 }));
  await new Promise((r) => setImmediate(r));
  assert.equal(lanes(engine).heavy!.resourceLimits?.maxOldGenerationSizeMb, WORKER_BASE_HEAP_MB + 1);
  await b.cancel();
});

test('a job past its heap ends with an error naming the limit and the setting, not a dead extension host', async () => {
  const engine = engineOf({ heapMb: () => 16 });
  const res = await engine.job(analyze('oom', { beta: 1 })).result;
  assert.ok(!res.ok);
  assert.match(res.error, /more memory than its limit \(16 MiB, sized from reluLens\.patternBudget\)/);
});

// ---- the host's file reads (src/extension/files.ts) under a stand-in vscode ----
const FileType = { Unknown: 0, File: 1, Directory: 2, SymbolicLink: 64 } as const;
const reads: string[] = [];
const stub = {
  Uri: { file: (p: string) => ({ scheme: 'file', path: p, fsPath: p, toString: () => `file://${p}` }) },
  FileType,
  FileSystemError: class extends Error {},
  workspace: {
    asRelativePath: (u: { path: string }) => path.basename(u.path),
    getConfiguration: () => ({ get: () => undefined }),
    fs: {
      async stat(u: { path: string }) {
        const st = fs.statSync(u.path);
        return { type: st.isFile() ? FileType.File : FileType.Unknown, size: st.size, ctime: 0, mtime: 0 };
      },
      async readFile(u: { path: string }) {
        reads.push(u.path);
        return fs.readFileSync(u.path);
      },
    },
  },
};
function requireWithStub<T>(file: string): T {
  const M = Module as unknown as { _load: (req: string, parent: unknown, isMain: boolean) => unknown };
  const orig = M._load;
  M._load = function (req, parent, isMain) {
    return req === 'vscode' ? stub : orig.call(this, req, parent, isMain);
  };
  try {
    return require(file) as T;
  } finally {
    M._load = orig;
  }
}
const files = requireWithStub<typeof import('../../src/extension/files')>('../../src/extension/files');

test('a data file over the size cap is refused before it is read, naming the limit and the setting', async () => {
  const { dir, done } = tempDir();
  try {
    const big = path.join(dir, 'big.npz');
    fs.writeFileSync(big, new Uint8Array(3 * 2 ** 20));
    await assert.rejects(files.readBytes(stub.Uri.file(big) as never, { maxBytes: 2 ** 20 }), (e: Error) => {
      assert.match(e.message, /big\.npz: 3 MiB \(3145728 bytes\), over the 1\.00 MiB limit|big\.npz: 3 MiB \(3145728 bytes\), over the 1 MiB limit/);
      assert.match(e.message, /reluLens\.maxFileSizeMB/);
      return true;
    });
    assert.deepEqual(reads, [], 'not a byte read');
    // the default cap is the engine's (1 GiB) when the setting is unset
    assert.equal(files.maxReadBytes(), files.MAX_READ_BYTES);
    // under the cap: read
    assert.equal((await files.readBytes(stub.Uri.file(big) as never, { maxBytes: 4 * 2 ** 20 })).length, 3 * 2 ** 20);
  } finally {
    done();
  }
});

test('a FIFO is refused without a read; a cancelled read stops waiting', {
  skip: process.platform === 'win32',
}, async () => {
  const { dir, done } = tempDir();
  try {
    const fifo = path.join(dir, 'train.csv');
    mkfifo(fifo);
    reads.length = 0;
    await assert.rejects(files.readBytes(stub.Uri.file(fifo) as never), /not a regular file/);
    assert.deepEqual(reads, []);
    const ctl = new AbortController();
    ctl.abort();
    await assert.rejects(files.readBytes(stub.Uri.file(path.join(dir, 'x')) as never, { signal: ctl.signal }), files.ReadCancelled);
  } finally {
    done();
  }
});
