/**
 * The extension's side of external data (src/extension/files.ts) under a stand-in `vscode`: the
 * worker (workerJobs.loadModel, run in-process) asks for every external entry at once, the host
 * checks them all through the engine's file layer and reads only the used ranges — never a whole
 * file, never through workspace.fs for a local model, never outside the model's folder. Virtual
 * folders (workspace.fs only) refuse symlinks and non-files and never read a file larger than the cap.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Module from 'node:module';
import { loadModel, NeedExternal } from '../../src/extension/workerJobs';
import type { ModelSource, WorkerResponse } from '../../src/extension/protocol';
import { crossCheck } from '../../src/core/onnx/index';
import { memorySource, rangeKey, MAX_EXTERNAL_BYTES, type ExternalEntry } from '../../src/core/io/external';
import { ReluLensError } from '../../src/core/errors';
import { modelSummary } from '../../src/core/model';
import { buildModel, externalTensor, f32, FLOAT, leBytes, node, rand, tensor, type ModelSpec, type TensorObj } from '../onnx/builder';
import { mkfifo, recordingFs, sparseFile, tempDir, touched } from './helpers';

// ---- a stand-in vscode: Uri, FileType, workspace.fs (recorded) ----
const FileType = { Unknown: 0, File: 1, Directory: 2, SymbolicLink: 64 } as const;
class Uri {
  constructor(
    readonly scheme: string,
    readonly authority: string,
    readonly path: string,
  ) {}
  get fsPath() {
    return this.path;
  }
  static file(p: string) {
    return new Uri('file', '', p);
  }
  static joinPath(u: Uri, ...parts: string[]) {
    return new Uri(u.scheme, u.authority, path.posix.join(u.path, ...parts));
  }
  toString() {
    return `${this.scheme}://${this.path}`;
  }
}
const wsCalls: { op: 'stat' | 'readFile'; path: string }[] = [];
/** virtual file system for non-file schemes: path → what stat says, and the bytes */
const vfs = new Map<string, { type: number; size: number; bytes?: Uint8Array }>();
const stub = {
  Uri,
  FileType,
  FileSystemError: class extends Error {},
  workspace: {
    asRelativePath: (u: Uri | string) => (typeof u === 'string' ? u : path.basename(u.path)),
    fs: {
      async stat(u: Uri) {
        wsCalls.push({ op: 'stat', path: u.path });
        if (u.scheme === 'file') {
          const st = fs.statSync(u.path);
          return { type: st.isFile() ? FileType.File : FileType.Unknown, size: st.size, ctime: 0, mtime: 0 };
        }
        const e = vfs.get(u.path);
        if (!e) throw new Error('FileNotFound');
        return { type: e.type, size: e.size, ctime: 0, mtime: 0 };
      },
      async readFile(u: Uri) {
        wsCalls.push({ op: 'readFile', path: u.path });
        if (u.scheme === 'file') return fs.readFileSync(u.path);
        const e = vfs.get(u.path);
        if (!e?.bytes) throw new Error('FileNotFound');
        return e.bytes;
      },
    },
  },
};
function requireWithStub<T>(file: string): T {
  const M = Module as unknown as { _load: (req: string, parent: unknown, isMain: boolean) => unknown };
  const orig = M._load;
  M._load = function (req, parent, isMain) {
    if (req === 'vscode') return stub;
    return orig.call(this, req, parent, isMain);
  };
  try {
    return require(file) as T;
  } finally {
    M._load = orig;
  }
}
type Files = typeof import('../../src/extension/files');
const host = requireWithStub<Files>('../../src/extension/files');

// ---- models ----
const d = 2,
  m = 2,
  c = 1;
const W1 = f32(rand(m * d, 1)),
  b1 = f32(rand(m, 2)),
  W2 = f32(rand(c * m, 3)),
  b2 = f32(rand(c, 4));
const PAYLOAD = leBytes([...W1, ...b1, ...W2], FLOAT);

function spec(loc: (n: string) => string, base = 0, extra: TensorObj[] = []): ModelSpec {
  return {
    nodes: [
      node('Gemm', ['x', 'W1', 'b1'], ['h'], { transB: 1 }, 'fc1'),
      node('Relu', ['h'], ['r'], {}, 'relu'),
      node('Gemm', ['r', 'W2', 'b2'], ['y'], { transB: 1 }, 'fc2'),
    ],
    inits: [
      externalTensor('W1', [m, d], loc('W1'), base, 16),
      externalTensor('b1', [m], loc('b1'), base + 16, 8),
      externalTensor('W2', [c, m], loc('W2'), base + 24, 8),
      tensor('b2', [c], b2),
      ...extra,
    ],
    inputs: [{ name: 'x', shape: ['N', d] }],
    outputs: [{ name: 'y', shape: ['N', c] }],
    irVersion: 8,
  };
}
const junk = (location: string) => externalTensor('junk', [4], location, 0, 16);

type Final = Exclude<WorkerResponse, { kind: 'progress' }>;
/** The worker's answer to an inspect request, computed in-process (worker.ts does the same mapping). */
async function worker(src: ModelSource): Promise<Final> {
  try {
    return { id: 1, ok: true, kind: 'inspect', summary: modelSummary(loadModel(src)) };
  } catch (e) {
    if (e instanceof NeedExternal) return { id: 1, ok: false, error: e.message, errorKind: 'need-external', needExternal: e.path, needRanges: e.entries };
    if (e instanceof ReluLensError) return { id: 1, ok: false, error: e.describe(), errorKind: e.kind };
    throw e;
  }
}

function setup(s: (dir: string) => ModelSpec) {
  const t = tempDir('relu-lens-host-');
  fs.writeFileSync(path.join(t.dir, 'w.bin'), PAYLOAD);
  fs.writeFileSync(path.join(t.dir, 'junk.bin'), new Uint8Array(64));
  const file = path.join(t.dir, 'model.onnx');
  fs.writeFileSync(file, buildModel(s(t.dir)));
  const src: ModelSource = { modelBytes: fs.readFileSync(file), modelName: 'model.onnx', externals: {} };
  return { ...t, uri: Uri.file(file), file, src };
}

test('local model: one round trip, every entry checked, only the used ranges read (through the file layer, not workspace.fs)', async () => {
  const h = setup(() => spec(() => 'w.bin', 0, [junk('junk.bin')]));
  try {
    wsCalls.length = 0;
    const { fs: rfs, calls } = recordingFs();
    let sends = 0;
    const entries: ExternalEntry[] = [];
    const res = await host.withExternals(h.uri as never, h.src, (s) => (sends++, worker(s)), entries, host.externalReader(h.uri as never, rfs));
    assert.ok(res.ok, JSON.stringify(res));
    assert.equal(sends, 2, 'one round trip');
    assert.deepEqual(wsCalls, [], 'workspace.fs was used for external data');
    const sizes = Object.fromEntries(Object.entries(h.src.externals).map(([k, v]) => [k, v.length]));
    assert.deepEqual(sizes, {
      [rangeKey({ location: 'w.bin', offset: 0, length: 16 })]: 16,
      [rangeKey({ location: 'w.bin', offset: 16, length: 8 })]: 8,
      [rangeKey({ location: 'w.bin', offset: 24, length: 8 })]: 8,
      [rangeKey({ location: 'junk.bin', offset: 0, length: 16 })]: 0,
    });
    assert.equal(
      calls.filter((x) => x.op === 'read').reduce((s, x) => s + (x.length ?? 0), 0),
      32,
    );
    assert.deepEqual(
      touched(calls, path.join(h.dir, 'junk.bin')).map((x) => x.op),
      ['stat'],
      'the unused initializer is checked, not read',
    );
    assert.deepEqual(
      entries.map((e) => [e.tensor, e.used]),
      [
        ['W1', true],
        ['b1', true],
        ['W2', true],
        ['junk', false],
      ],
    );
    // the worker's cross-check runs on those ranges alone
    const model = loadModel(h.src);
    const r = await crossCheck(model, h.src.modelBytes, undefined, { external: memorySource(h.src.externals) });
    assert.ok(r.ok && r.maxAbsDiff !== null, JSON.stringify(r));
  } finally {
    h.done();
  }
});

test('local model: symlink to /etc/passwd, FIFO, ../ escape are refused by the host with the tensor and the reason; nothing outside is touched', async () => {
  const cases: [string, (dir: string) => ModelSpec, RegExp][] = [
    [
      'unused → /etc/passwd',
      (dir) => (fs.symlinkSync('/etc/passwd', path.join(dir, 'p.bin')), spec(() => 'w.bin', 0, [junk('p.bin')])),
      /initializer 'junk' \(used by no node\): external data file 'p\.bin' resolves outside the model's folder/,
    ],
    [
      'W2 → /etc/passwd',
      (dir) => (fs.symlinkSync('/etc/passwd', path.join(dir, 'p.bin')), spec((n) => (n === 'W2' ? 'p.bin' : 'w.bin'))),
      /tensor 'W2': external data file 'p\.bin' resolves outside/,
    ],
    [
      'W1 → FIFO',
      (dir) => (mkfifo(path.join(dir, 'w.fifo')), spec((n) => (n === 'W1' ? 'w.fifo' : 'w.bin'))),
      /tensor 'W1': external data file 'w\.fifo' is a FIFO/,
    ],
    // refused by the worker itself (the location leaves the folder as written), before asking the host
    [
      'W1 → ../../etc/passwd',
      () => spec((n) => (n === 'W1' ? '../../etc/passwd' : 'w.bin')),
      /tensor 'W1' points to external file '\.\.\/\.\.\/etc\/passwd', outside the model's folder/,
    ],
  ];
  for (const [what, s, reason] of cases) {
    const h = setup(s);
    try {
      const { fs: rfs, calls } = recordingFs();
      const res = await host.withExternals(h.uri as never, h.src, worker, undefined, host.externalReader(h.uri as never, rfs));
      assert.ok(!res.ok, what);
      assert.equal(res.errorKind, 'model', what);
      assert.match(res.error, /^model\.onnx: /, what);
      assert.match(res.error, reason, what);
      assert.deepEqual(touched(calls, '/etc/passwd'), [], what);
      assert.deepEqual(
        calls.filter((x) => x.op === 'open' || x.op === 'read'),
        [],
        `${what}: read before refusing`,
      );
      assert.deepEqual(
        Object.values(h.src.externals).filter((v) => v.length),
        [],
        what,
      );
    } finally {
      h.done();
    }
  }
  // a worker asking by bare path (the older protocol) gets nothing read
  const h = setup(() => spec(() => 'w.bin'));
  try {
    const res = await host.withExternals(h.uri as never, h.src, async () => ({
      id: 1,
      ok: false,
      error: 'x',
      errorKind: 'need-external',
      needExternal: '../../etc/passwd',
    }));
    assert.ok(!res.ok && /cannot be read/.test(res.error));
    assert.deepEqual(h.src.externals, {});
  } finally {
    h.done();
  }
});

test('local model: a 2 GB sparse external file gives the worker 32 bytes', async () => {
  const SIZE = 2 ** 31;
  const base = SIZE - 777;
  const h = setup(() => spec(() => 'big.bin', base));
  try {
    sparseFile(path.join(h.dir, 'big.bin'), SIZE, base, PAYLOAD);
    const res = await host.withExternals(h.uri as never, h.src, worker);
    assert.ok(res.ok, JSON.stringify(res));
    assert.equal(
      Object.values(h.src.externals).reduce((s, v) => s + v.length, 0),
      32,
    );
  } finally {
    h.done();
  }
});

test('virtual folder (workspace.fs only): symlinks and non-files refused, oversized files never read, only the range kept', async () => {
  const model = new Uri('vfs', '', '/ws/model.onnx');
  const e = (location: string): ExternalEntry => ({ location, offset: 0, length: 16, tensor: 'W1', used: true });
  vfs.set('/ws/link.bin', { type: FileType.File | FileType.SymbolicLink, size: 64, bytes: new Uint8Array(64) });
  vfs.set('/ws/pipe', { type: FileType.Unknown, size: 0 });
  vfs.set('/ws/dir', { type: FileType.Directory, size: 0 });
  vfs.set('/ws/huge.bin', { type: FileType.File, size: MAX_EXTERNAL_BYTES + 1 });
  vfs.set('/ws/w.bin', { type: FileType.File, size: 64, bytes: Uint8Array.from({ length: 64 }, (_, i) => i) });
  const reader = host.externalReader(model as never);
  wsCalls.length = 0;
  for (const [loc, reason] of [
    ['link.bin', /symbolic link/],
    ['pipe', /not a regular file/],
    ['dir', /a directory/],
    ['../etc/passwd', /outside the model's folder/],
  ] as const) {
    await assert.rejects(reader.check(e(loc)), (err: unknown) => err instanceof ReluLensError && reason.test(err.message) && /'W1'/.test(err.message));
  }
  await assert.rejects(reader.read({ ...e('huge.bin'), length: 16 }), /too large to read here/);
  assert.deepEqual(
    wsCalls.filter((x) => x.op === 'readFile'),
    [],
    'a refused file was read',
  );
  const into: Record<string, Uint8Array> = {};
  await host.readExternalRanges(model as never, [{ ...e('w.bin'), offset: 8 }], into, reader);
  const got = into[rangeKey({ location: 'w.bin', offset: 8, length: 16 })];
  assert.deepEqual(
    Array.from(got),
    Array.from({ length: 16 }, (_, i) => i + 8),
  );
  assert.equal(got.buffer.byteLength, 16, 'the whole file was kept instead of the range');
});
