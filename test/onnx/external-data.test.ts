/**
 * Issue #17 item 1: external data of hostile models, end to end (reader, onnxruntime cross-check,
 * CLI). Models are built with the reader's own protobuf schema (./builder.ts); symlinks, FIFOs and
 * a 2 GB sparse file are made in a temp dir at test time. The CLI runs in a child process with a
 * timeout, so a regression towards a hang or a runaway read fails instead of hanging the suite.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { crossCheck, readModelBytes, readModelFile } from '../../src/core/onnx/index';
import { ModelFolder } from '../../src/core/io/files';
import { ReluLensError } from '../../src/core/errors';
import { buildModel, externalTensor, f32, FLOAT, leBytes, node, rand, tensor, type ModelSpec, type TensorObj } from './builder';
import { withAllocSpy } from './allocSpy';
import { REAL_FIXTURES, REPO_ROOT } from './paths';
import { mkfifo, openedUnderStrace, recordingFs, runCli, runNode, sparseFile, straceWorks, tempDir, touched } from '../io/helpers';

const d = 2,
  m = 2,
  c = 1;
const W1 = f32(rand(m * d, 1)),
  b1 = f32(rand(m, 2)),
  W2 = f32(rand(c * m, 3)),
  b2 = f32(rand(c, 4));
/** W1 | b1 | W2: the 32 bytes the model needs */
const PAYLOAD = leBytes([...W1, ...b1, ...W2], FLOAT);
const MB = 1024 * 1024;
/** A CLI run that read a 2 GB file would be far above this; node + onnxruntime alone stay near 150 MB. */
const RSS_LIMIT = 400 * MB;

/** Gemm → Relu → Gemm with W1, b1, W2 stored externally at `base` in `where(name)`, plus `extra` initializers. */
function spec(where: (name: string) => string, base = 0, extra: TensorObj[] = []): ModelSpec {
  return {
    nodes: [
      node('Gemm', ['x', 'W1', 'b1'], ['h'], { transB: 1 }, 'fc1'),
      node('Relu', ['h'], ['r'], {}, 'relu'),
      node('Gemm', ['r', 'W2', 'b2'], ['y'], { transB: 1 }, 'fc2'),
    ],
    inits: [
      externalTensor('W1', [m, d], where('W1'), base, 16),
      externalTensor('b1', [m], where('b1'), base + 16, 8),
      externalTensor('W2', [c, m], where('W2'), base + 24, 8),
      tensor('b2', [c], b2),
      ...extra,
    ],
    inputs: [{ name: 'x', shape: ['N', d] }],
    outputs: [{ name: 'y', shape: ['N', c] }],
    irVersion: 8,
  };
}

/** An initializer no node uses, stored in `location`. */
const junk = (location: string) => externalTensor('junk', [4], location, 0, 16);

/** A folder with w.bin (the payload) and model.onnx built from `s`. */
function folder(s: (dir: string) => ModelSpec): { dir: string; model: string; done(): void } {
  const t = tempDir('relu-lens-ext-');
  fs.writeFileSync(join(t.dir, 'w.bin'), PAYLOAD);
  const model = join(t.dir, 'model.onnx');
  fs.writeFileSync(model, buildModel(s(t.dir)));
  return { dir: t.dir, model, done: t.done };
}

async function refusedFile(path: string, reason: RegExp, tensorName: string, opts: Parameters<typeof readModelFile>[1] = {}) {
  await assert.rejects(readModelFile(path, opts), (e: unknown) => {
    assert.ok(e instanceof ReluLensError, String(e));
    assert.equal(e.kind, 'model');
    assert.equal(e.location.file, path);
    assert.match(e.message, reason);
    assert.match(e.message, new RegExp(`'${tensorName}'`));
    return true;
  });
}

/** The CLI's refusal: exit 3, one line on stderr naming the model, the tensor, the file and the reason. */
function assertCliRefusal(r: ReturnType<typeof runCli>, model: string, parts: RegExp[]) {
  assert.equal(r.timedOut, false, 'the CLI did not finish');
  assert.equal(r.status, 3, `exit ${r.status}: ${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.ok(lines[0].startsWith(`relu-lens: ${model}: `), lines[0]);
  for (const p of parts) assert.match(lines[0], p);
}

test('unused initializer → symlink to /dev/zero: refused at once by the CLI (child with timeout), /dev/zero never touched', async () => {
  const f = folder((dir) => {
    fs.symlinkSync('/dev/zero', join(dir, 'zero.bin'));
    return spec(() => 'w.bin', 0, [junk('zero.bin')]);
  });
  try {
    const r = runCli(['inspect', f.model], 60_000);
    assertCliRefusal(r, f.model, [/initializer 'junk' \(used by no node\)/, /'zero\.bin'/, /outside the model's folder/]);
    assert.ok(r.maxRss !== null && r.maxRss < RSS_LIMIT, `peak RSS ${(r.maxRss ?? NaN) / MB} MB`);
    const { fs: rfs, calls } = recordingFs();
    await refusedFile(f.model, /outside the model's folder/, 'junk', { fs: rfs });
    assert.deepEqual(touched(calls, '/dev/zero'), []);
    assert.deepEqual(
      calls.filter((c) => c.op === 'read' && c.path !== f.model),
      [],
      'nothing but the model read before the refusal',
    );
  } finally {
    f.done();
  }
});

test('the cross-check on its own never reads an unused initializer (it used to read /dev/zero whole: child with timeout)', () => {
  const f = folder((dir) => {
    fs.symlinkSync('/dev/zero', join(dir, 'zero.bin'));
    return spec(() => 'w.bin', 0, [junk('zero.bin')]);
  });
  try {
    // the canonical model from the weights alone, then crossCheck as the CLI used to call it (modelPath only)
    const code = `
      const fs = require('node:fs');
      const { readModelBytes, crossCheck } = require('./src/core/onnx');
      const path = ${JSON.stringify(f.model)};
      const bytes = fs.readFileSync(path);
      const w = fs.readFileSync(${JSON.stringify(join(f.dir, 'w.bin'))});
      const model = readModelBytes(bytes, { file: path, readExternal: (rel) => { if (rel !== 'w.bin') throw new Error('asked for ' + rel); return w; } });
      crossCheck(model, bytes, undefined, { modelPath: path }).then((r) => console.log(JSON.stringify(r)));`;
    const r = runNode(['-e', code], 60_000);
    assert.equal(r.timedOut, false, 'crossCheck hung on /dev/zero');
    assert.equal(r.status, 0, r.stderr);
    const res = JSON.parse(r.stdout.trim().split('\n').pop()!) as { ok: boolean; maxAbsDiff: number | null };
    assert.ok(res.ok && res.maxAbsDiff !== null, r.stdout);
    assert.ok(r.maxRss !== null && r.maxRss < RSS_LIMIT, `peak RSS ${(r.maxRss ?? NaN) / MB} MB`);
  } finally {
    f.done();
  }
});

test('/etc/passwd through a symlink, ../../etc/passwd, an absolute path: refused (used or not), /etc/passwd never opened', async () => {
  const variants: [string, (dir: string) => string][] = [
    ['symlink', (dir) => (fs.symlinkSync('/etc/passwd', join(dir, 'passwd.bin')), 'passwd.bin')],
    ['dot-dot', () => '../../../../../../../../etc/passwd'],
    ['absolute', () => '/etc/passwd'],
  ];
  for (const [what, make] of variants) {
    for (const usedBy of ['W2', 'junk'] as const) {
      const f = folder((dir) => {
        const loc = make(dir);
        return usedBy === 'W2' ? spec((n) => (n === 'W2' ? loc : 'w.bin')) : spec(() => 'w.bin', 0, [junk(loc)]);
      });
      try {
        const { fs: rfs, calls } = recordingFs();
        await refusedFile(f.model, /outside the model's folder/, usedBy, { fs: rfs });
        assert.deepEqual(touched(calls, '/etc/passwd'), [], `${what}/${usedBy}: ${JSON.stringify(calls)}`);
        assert.deepEqual(
          calls.filter((c) => c.op === 'read' && c.path !== f.model),
          [],
          `${what}/${usedBy}: read before refusing`,
        );
        if (usedBy === 'W2') {
          // the reader points at the node that reads the tensor
          await assert.rejects(readModelFile(f.model), (e: unknown) => (e as ReluLensError).location.node?.name === 'fc2');
        }
      } finally {
        f.done();
      }
    }
  }
});

test('the CLI refuses a symlink to /etc/passwd with exit 3, and (under strace) never opens it', { timeout: 180_000 }, (tc) => {
  const f = folder((dir) => {
    fs.symlinkSync('/etc/passwd', join(dir, 'passwd.bin'));
    return spec((n) => (n === 'W2' ? 'passwd.bin' : 'w.bin'), 0, [junk('passwd.bin')]);
  });
  try {
    assertCliRefusal(runCli(['inspect', f.model]), f.model, [/node Gemm 'fc2'/, /tensor 'W2'/, /'passwd\.bin'/, /outside the model's folder/]);
    if (!straceWorks()) return tc.diagnostic('strace unavailable: the in-process recording covers the reader');
    const { run, opened } = openedUnderStrace([join(REPO_ROOT, 'src/cli/main.ts'), 'inspect', f.model], 120_000);
    tc.diagnostic(`strace: ${opened.length} opens, none of /etc/passwd`);
    assert.equal(run.status, 3, run.stderr);
    assert.ok(
      opened.some((p) => p.endsWith('model.onnx')),
      'strace saw the model being opened',
    );
    assert.deepEqual(
      opened.filter((p) => p === '/etc/passwd' || p.endsWith('passwd.bin')),
      [],
    );
  } finally {
    f.done();
  }
});

test('the cross-check resolves external data through the file layer: a used tensor behind a symlink out of the folder is refused', async () => {
  // the bytes outside are the right ones, so only containment can tell: the old path join read them
  const outside = tempDir('relu-lens-outside-');
  const f = folder((dir) => {
    fs.writeFileSync(join(outside.dir, 'w.bin'), PAYLOAD);
    fs.symlinkSync(join(outside.dir, 'w.bin'), join(dir, 'elsewhere.bin'));
    return spec((n) => (n === 'W2' ? 'elsewhere.bin' : 'w.bin'));
  });
  try {
    const bytes = fs.readFileSync(f.model);
    const w = fs.readFileSync(join(f.dir, 'w.bin'));
    const model = readModelBytes(bytes, { file: f.model, readExternal: () => w });
    const plain = await crossCheck(model, bytes, undefined, { modelPath: f.model });
    assert.equal(plain.ok, false, JSON.stringify(plain));
    assert.match(plain.warning ?? '', /tensor 'W2'.*'elsewhere\.bin'.*outside the model's folder/);
    const { fs: rfs, calls } = recordingFs();
    const r = await crossCheck(model, bytes, undefined, { external: new ModelFolder(f.model, { fs: rfs }) });
    assert.equal(r.ok, false);
    assert.deepEqual(touched(calls, join(outside.dir, 'w.bin')), []);
  } finally {
    f.done();
    outside.done();
  }
});

test('FIFO as external data (used or not): refused without blocking (CLI in a child with timeout), never opened', async () => {
  for (const usedBy of ['W1', 'junk'] as const) {
    const f = folder((dir) => {
      mkfifo(join(dir, 'w.fifo'));
      return usedBy === 'W1' ? spec((n) => (n === 'W1' ? 'w.fifo' : 'w.bin')) : spec(() => 'w.bin', 0, [junk('w.fifo')]);
    });
    try {
      const r = runCli(['inspect', f.model], 60_000);
      assertCliRefusal(r, f.model, [new RegExp(`'${usedBy}'`), /'w\.fifo'/, /FIFO \(named pipe\), not a regular file/]);
      const { fs: rfs, calls } = recordingFs();
      await refusedFile(f.model, /FIFO/, usedBy, { fs: rfs });
      assert.deepEqual(
        calls.filter((c) => c.op === 'open' && c.path.endsWith('w.fifo')),
        [],
      );
    } finally {
      f.done();
    }
  }
});

test('a 2 GB sparse external file of which the model needs 32 bytes: accepted, 32 bytes read once, low memory', { timeout: 180_000 }, async (tc) => {
  const SIZE = 2 ** 31;
  const base = SIZE - 4096 - 13;
  const t = tempDir('relu-lens-sparse-');
  try {
    sparseFile(join(t.dir, 'big.bin'), SIZE, base, PAYLOAD);
    const model = join(t.dir, 'model.onnx');
    fs.writeFileSync(model, buildModel(spec(() => 'big.bin', base)));
    const { fs: rfs, calls } = recordingFs();
    const readBytes = () => calls.filter((c) => c.op === 'read' && c.path.endsWith('big.bin')).reduce((s, c) => s + (c.length ?? 0), 0);
    // readModelFile does all its work synchronously: the spy sees every allocation it makes
    const spied = withAllocSpy(() => readModelFile(model, { fs: rfs }));
    if (spied.error) throw spied.error;
    const { model: canonical, bytes, external } = await spied.value!;
    assert.deepEqual(Array.from(canonical.W1.data), W1);
    assert.deepEqual(Array.from(canonical.W2.data), W2);
    assert.equal(readBytes(), 32);
    assert.equal(external.bytesRead, 32);
    assert.ok(spied.stats.largest <= Math.max(bytes.length, 1024), `largest allocation ${spied.stats.largest} (${spied.stats.largestKind})`);
    // onnxruntime gets the same 32 bytes, inlined: nothing is read again
    const r = await crossCheck(canonical, bytes, undefined, { external });
    assert.ok(r.ok && r.maxAbsDiff !== null, JSON.stringify(r));
    assert.equal(readBytes(), 32);
    // the CLI end to end, its peak memory measured in the child (the old reader held the file twice)
    const cli = runCli(['inspect', model], 120_000);
    assert.equal(cli.timedOut, false);
    assert.equal(cli.status, 0, cli.stderr);
    assert.match(cli.stdout, /onnxruntime agrees/);
    assert.ok(cli.maxRss !== null && cli.maxRss < RSS_LIMIT, `peak RSS ${(cli.maxRss ?? NaN) / MB} MB`);
    tc.diagnostic(`sparse 2 GB: CLI peak RSS ${(cli.maxRss! / MB).toFixed(0)} MB, ${readBytes()} bytes read in-process`);
  } finally {
    t.done();
  }
});

test('external data declared beyond MAX_EXTERNAL_BYTES is refused before a byte is read', async () => {
  const t = tempDir('relu-lens-cap-');
  try {
    fs.writeFileSync(join(t.dir, 'big.bin'), new Uint8Array(0));
    fs.truncateSync(join(t.dir, 'big.bin'), 2 ** 31);
    const s = spec(() => 'big.bin');
    const claim = (x: TensorObj, offset: number) => ({
      ...x,
      external_data: [
        { key: 'location', value: 'big.bin' },
        { key: 'offset', value: String(offset) },
        { key: 'length', value: String(2 ** 29) },
      ],
    });
    s.inits![0] = claim(s.inits![0], 0);
    s.inits![2] = claim(s.inits![2], 2 ** 29);
    const model = join(t.dir, 'model.onnx');
    fs.writeFileSync(model, buildModel(s));
    const { fs: rfs, calls } = recordingFs();
    await assert.rejects(readModelFile(model, { fs: rfs }), /MAX_EXTERNAL_BYTES/);
    assert.equal(calls.filter((c) => c.op === 'read' || c.op === 'open').filter((c) => c.path.endsWith('big.bin')).length, 0);
  } finally {
    t.done();
  }
});

test('real external-data fixtures still load and cross-check, reading only their ranges', async () => {
  const cases = [join(REPO_ROOT, 'test/fixtures/torch/legacy_f32_external/model.onnx'), join(REPO_ROOT, 'test/fixtures/torch/dynamo_f32_big/model.onnx')];
  for (const path of cases) {
    const { fs: rfs, calls } = recordingFs();
    const { model, bytes, external } = await readModelFile(path, { fs: rfs });
    const dataFile = `${path}.data`;
    const reads = calls.filter((c) => c.op === 'read' && c.path.endsWith('.data'));
    assert.ok(reads.length > 0, `${path}: nothing read from ${dataFile}`);
    assert.ok(external.bytesRead <= fs.statSync(dataFile).size);
    const r = await crossCheck(model, bytes, undefined, { external });
    assert.ok(r.ok && r.maxAbsDiff !== null, `${path}: ${JSON.stringify(r)}`);
    assert.equal(calls.filter((c) => c.op === 'read' && c.path.endsWith('.data')).length, reads.length, 'the cross-check read again');
    // and as before, from the path alone
    const plain = await crossCheck(model, bytes, undefined, { modelPath: path });
    assert.ok(plain.ok && plain.maxAbsDiff !== null, JSON.stringify(plain));
  }
  // ferroflow (shared fixtures): external data with out-of-order offsets, read, then refused for depth
  const ferro = join(REAL_FIXTURES, 'refuse/ferroflow_external_data/mlp.onnx');
  if (fs.existsSync(ferro)) {
    const ext = new ModelFolder(ferro);
    assert.throws(() => readModelBytes(fs.readFileSync(ferro), { file: ferro, external: ext }), /three linear layers/);
    assert.ok(ext.bytesRead > 0 && ext.bytesRead <= fs.statSync(`${ferro}.data`).size);
  }
  const cli = runCli(['inspect', cases[0]], 120_000);
  assert.equal(cli.status, 0, cli.stderr);
  assert.match(cli.stdout, /onnxruntime agrees/);
});
