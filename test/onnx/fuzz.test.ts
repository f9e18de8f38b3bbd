/**
 * Robustness: thousands of damaged versions of the real fixtures. The reader must either return a
 * consistent model or throw a ReluLensError — never a TypeError/RangeError, never hang, never
 * allocate what a corrupted size field claims.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeModelProto, modelProtoType } from '../../src/core/onnx/proto';
import { readModelBytes } from '../../src/core/onnx/index';
import { ReluLensError } from '../../src/core/errors';
import { allocSpy } from './allocSpy';
import type { CanonicalModel } from '../../src/core/model';
import { REAL_FIXTURES, REPO_ROOT } from './paths';
import { buildModel, FLOAT16, node, rand, tensor } from './builder';
import { sized } from '../slow';

/** half in `npm test`, all 3600 in `npm run test:slow` (the same stream of mutants, a prefix) */
const MUTANTS = sized(1800, 3600);
// No time is asserted (CPU or wall: both depend on the machine). "Never allocate what a corrupted
// size field claims" is checked on the allocations themselves (./allocSpy.ts): no array the reader
// makes is longer than the bytes it was given (the file plus any external data it read), which is
// what makes every call cheap. (An endless loop would hang the run either way: a synchronous test
// is not interrupted by a timer.)
const MAX_RSS_GROWTH = 1.5 * 2 ** 30;
/** floor of the per-call allocation bound (tiny files legitimately make a few small arrays) */
const ALLOC_FLOOR = 4096;

function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Seed {
  name: string;
  bytes: Uint8Array;
  dir: string;
}

function seeds(): Seed[] {
  const out: Seed[] = [];
  for (const sub of ['accept', 'refuse', 'refuse/ferroflow_external_data']) {
    const dir = join(REAL_FIXTURES, sub);
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir)
      .filter((x) => x.endsWith('.onnx'))
      .sort())
      out.push({ name: `${sub}/${f}`, bytes: readFileSync(join(dir, f)), dir });
  }
  // quirks the real files lack: Scaler + ZipMap, float16 bits in int32_data, Constant-node weights
  const zipType = { sequence_type: { elem_type: { map_type: { key_type: 7, value_type: { tensor_type: { elem_type: 1 } } } } } };
  const W1 = rand(12, 1),
    W2 = rand(8, 2);
  out.push({
    name: 'synthetic/scaler-zipmap',
    dir: REPO_ROOT,
    bytes: buildModel({
      nodes: [
        node('Scaler', ['x'], ['xs'], { offset: [1, 2, 3], scale: [0.5, 2, 1] }, 'Scaler', 'ai.onnx.ml'),
        node('MatMul', ['xs', 'K1'], ['h0']),
        node('Add', ['h0', 'B1'], ['h']),
        node('Relu', ['h'], ['r']),
        node('MatMul', ['r', 'K2'], ['y0']),
        node('Add', ['y0', 'B2'], ['y']),
        node('Softmax', ['y'], ['p'], { axis: 1 }),
        node('ArgMax', ['p'], ['label'], { axis: 1 }),
        node('ZipMap', ['p'], ['probabilities'], { classlabels_int64s: { ints: [0, 1] } }, 'ZipMap', 'ai.onnx.ml'),
      ],
      inits: [tensor('K1', [3, 4], W1), tensor('B1', [4], rand(4, 3)), tensor('K2', [4, 2], W2), tensor('B2', [1, 2], rand(2, 4))],
      inputs: [{ name: 'x', shape: ['N', 3] }],
      outputs: [
        { name: 'label', elemType: 7, shape: ['N'] },
        { name: 'probabilities', rawType: zipType },
      ],
      mlOpset: 1,
    }),
  });
  out.push({
    name: 'synthetic/f16-constant',
    dir: REPO_ROOT,
    bytes: buildModel({
      nodes: [
        node('Constant', [], ['K1'], { value: tensor('', [3, 4], W1, FLOAT16, 'int32_f16') }),
        node('Gemm', ['x', 'K1'], ['h'], { alpha: { f: 0.5 } }),
        node('Relu', ['h'], ['r']),
        node('Gemm', ['r', 'K2', 'B2'], ['y'], { transB: 1, beta: { f: 2 } }),
      ],
      inits: [tensor('K2', [2, 4], W2, FLOAT16, 'int32_f16'), tensor('B2', [2], [0.5, -0.5], FLOAT16)],
      inputs: [{ name: 'x', elemType: FLOAT16, shape: ['N', 3] }],
      outputs: [{ name: 'y', elemType: FLOAT16, shape: ['N', 2] }],
    }),
  });
  return out;
}

type Mutation = 'bitflip' | 'overwrite' | 'truncate' | 'varint' | 'inflate' | 'external';

function mutate(seed: Seed, kind: Mutation, rnd: () => number): Uint8Array {
  const src = seed.bytes;
  const pick = (n: number) => Math.floor(rnd() * n);
  switch (kind) {
    case 'bitflip': {
      const b = Uint8Array.from(src);
      const flips = 1 + pick(8);
      // bias towards the structural head of the file, where dims and lengths live
      for (let i = 0; i < flips; i++) {
        const pos = rnd() < 0.7 ? pick(Math.min(b.length, 2048)) : pick(b.length);
        b[pos] ^= 1 << pick(8);
      }
      return b;
    }
    case 'overwrite': {
      const b = Uint8Array.from(src);
      const at = pick(b.length),
        len = 1 + pick(16);
      for (let i = at; i < Math.min(b.length, at + len); i++) b[i] = pick(256);
      return b;
    }
    case 'truncate':
      return src.slice(0, pick(src.length));
    case 'varint': {
      // make a length/varint field claim something enormous
      const b = Array.from(src.subarray(0, Math.min(src.length, 1 << 20)));
      const at = pick(Math.min(b.length, 4096));
      const junk = rnd() < 0.5 ? [0xff, 0xff, 0xff, 0xff, 0x0f] : [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
      b.splice(at, rnd() < 0.5 ? 0 : 1, ...junk);
      return Uint8Array.from(b);
    }
    case 'inflate':
    case 'external': {
      const T = modelProtoType();
      const m = T.toObject(decodeModelProto(src) as never, { longs: Number }) as {
        graph: { initializer: { dims: number[]; external_data?: { key: string; value: string }[] }[] };
      };
      const inits = m.graph.initializer;
      if (!inits.length) return src;
      const t = inits[pick(inits.length)];
      if (kind === 'inflate') {
        const choices = [2 ** 31, 2 ** 40, 1e6, -1, 0, 2 ** 53 + 2];
        if (!t.dims.length) t.dims = [1];
        t.dims[pick(t.dims.length)] = choices[pick(choices.length)];
        if (rnd() < 0.3) t.dims.push(choices[pick(choices.length)]);
      } else {
        const kv = t.external_data ?? [];
        const values = ['0', '999999999', '-5', 'abc', '../mlp.onnx.data', '/etc/passwd', '1e3', String(2 ** 60)];
        if (kv.length) kv[pick(kv.length)].value = values[pick(values.length)];
      }
      return T.encode(T.fromObject(m)).finish();
    }
  }
}

function checkModel(m: CanonicalModel) {
  assert.ok(m.d > 0 && m.m > 0 && m.c > 0);
  assert.equal(m.W1.data.length, m.m * m.d);
  assert.equal(m.W2.data.length, m.c * m.m);
  assert.ok(m.W1.data.every(Number.isFinite) && m.W2.data.every(Number.isFinite));
  if (m.b1) assert.equal(m.b1.length, m.m);
  if (m.b2) assert.equal(m.b2.length, m.c);
}

test(`fuzz: ${MUTANTS} mutated fixtures either read or raise ReluLensError`, () => {
  const all = seeds();
  assert.ok(all.length >= 12, 'fixtures found');
  // every seed is itself readable or cleanly refused
  for (const sd of all.filter((x) => x.name.startsWith('synthetic'))) readModelBytes(sd.bytes, { file: sd.name });
  const rnd = prng(20261123);
  const kinds: Mutation[] = ['bitflip', 'overwrite', 'truncate', 'varint', 'inflate', 'external'];
  const stats = { accepted: 0, refused: 0, internal: 0, maxMs: 0, maxAllocRatio: 0, byKind: {} as Record<string, number> };
  const rss0 = process.memoryUsage().rss;
  let rssMax = rss0;
  const t0 = performance.now();
  const cpuStart = process.cpuUsage();
  const externalCache = new Map<string, Uint8Array>();
  const spy = allocSpy();
  try {
    for (let i = 0; i < MUTANTS; i++) {
      const kind = kinds[Math.floor(rnd() * kinds.length)];
      // external-data mutations only make sense on the one fixture that has external data
      const seed = kind === 'external' ? all.find((s) => s.name.includes('ferroflow'))! : all[i % all.length];
      const bytes = mutate(seed, kind, rnd);
      let externalRead = 0;
      const readExternal = (rel: string) => {
        const p = join(seed.dir, rel);
        if (!externalCache.has(p)) {
          if (!existsSync(p)) throw new ReluLensError('model', `external data file '${rel}' not found`);
          externalCache.set(p, readFileSync(p));
        }
        externalRead += externalCache.get(p)!.length;
        return externalCache.get(p)!;
      };
      const cpu0 = process.cpuUsage();
      const run = spy.run(() => readModelBytes(bytes, { file: `${seed.name}#${i}`, readExternal }));
      const cpu = process.cpuUsage(cpu0);
      if (run.error === undefined) {
        checkModel(run.value!);
        stats.accepted++;
      } else {
        const e = run.error;
        if (!(e instanceof ReluLensError)) {
          assert.fail(`mutant ${i} (${kind} of ${seed.name}) threw ${e instanceof Error ? e.stack : String(e)}`);
        }
        stats.refused++;
        // the recognizer's last-resort wrapper: counted so a regression towards it is visible
        if (e.message.startsWith('the model is malformed')) stats.internal++;
      }
      const given = bytes.length + externalRead;
      assert.ok(
        run.stats.largest <= Math.max(given, ALLOC_FLOOR),
        `mutant ${i} (${kind} of ${seed.name}): a ${run.stats.largestKind} of ${run.stats.largest} elements from ${given} bytes of input`,
      );
      stats.maxAllocRatio = Math.max(stats.maxAllocRatio, run.stats.largest / Math.max(given, 1));
      stats.maxMs = Math.max(stats.maxMs, (cpu.user + cpu.system) / 1000); // printed only
      stats.byKind[kind] = (stats.byKind[kind] ?? 0) + 1;
      if (i % 100 === 0) rssMax = Math.max(rssMax, process.memoryUsage().rss);
    }
  } finally {
    spy.close();
  }
  const wallTotal = performance.now() - t0;
  const cpuTotal = process.cpuUsage(cpuStart);
  const total = (cpuTotal.user + cpuTotal.system) / 1000;
  rssMax = Math.max(rssMax, process.memoryUsage().rss);
  console.log(
    `fuzz: ${MUTANTS} mutants, ${stats.accepted} read, ${stats.refused} refused (${stats.internal} via the last-resort wrapper), ` +
      `largest allocation ${stats.maxAllocRatio.toFixed(2)}× the input, max ${stats.maxMs.toFixed(1)} ms CPU/call, ` +
      `total ${(total / 1000).toFixed(1)} s CPU (${(wallTotal / 1000).toFixed(1)} s wall), rss growth ${((rssMax - rss0) / 2 ** 20).toFixed(0)} MiB, kinds ${JSON.stringify(stats.byKind)}`,
  );
  assert.ok(rssMax - rss0 < MAX_RSS_GROWTH, `rss grew by ${rssMax - rss0}`);
});
