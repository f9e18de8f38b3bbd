/**
 * Export of a network (src/core/analysis/export.ts) against independent oracles:
 *  - ONNX: onnxruntime runs the original model and the export on the same inputs (same weights →
 *    same outputs to the dtype's tolerance; new weights → f of the new weights, computed here in
 *    plain float64 from the weights rounded to float32); our reader reads the export back
 *    (names, declared shapes, head, weights);
 *  - .npy: byte-identical to files numpy wrote (scripts/fixtures/gen_export_npy.py); our reader reads
 *    numpy's .npz; our .npz unzips with fflate into numpy-identical members.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { unzipSync } from 'fflate';
import * as ort from 'onnxruntime-node';
import { readModelBytes, readModelFile } from '../../src/core/onnx';
import { readNpy } from '../../src/core/data/npy';
import { networkToCsv, networkToJson, networkToNpy, networkToNpz, networkToOnnx } from '../../src/core/analysis/export';
import type { CanonicalModel } from '../../src/core/model';
import type { NetworkWeights } from '../../src/core/problem/network';
import { fromRows, zeros } from '../../src/core/linalg/mat';
import { ReluLensError } from '../../src/core/errors';

const ROOT = path.resolve(__dirname, '..', '..');
const EXPORT = path.join(ROOT, 'test', 'fixtures', 'export');
const ACCEPT = path.resolve(ROOT, '..', 'shared', 'fixtures', 'onnx-real', 'accept');
const TORCH = path.join(ROOT, 'test', 'fixtures', 'torch');

function lcg(seed: number) {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

/** Concrete input dims for n samples of a declared input shape (symbolic dims → n, rank 1 → one sample). */
function dims(shape: (number | string | null)[], n: number, d: number): { dims: number[]; n: number } {
  if (shape.length <= 1) return { dims: [d], n: 1 };
  const rest = shape.slice(1).map((v) => (typeof v === 'number' ? v : 1));
  return { dims: [typeof shape[0] === 'number' ? shape[0] : n, ...rest], n: typeof shape[0] === 'number' ? shape[0] : n };
}

async function run(bytes: Uint8Array, model: CanonicalModel, X: Float64Array, n: number): Promise<Float64Array> {
  const s = await ort.InferenceSession.create(bytes);
  try {
    const { dims: dd } = dims(model.input.shape, n, model.d);
    const t = model.inputDtype === 'float64' ? new ort.Tensor('float64', X, dd) : new ort.Tensor('float32', Float32Array.from(X), dd);
    const out = await s.run({ [model.input.name]: t });
    return Float64Array.from(out[model.output.name].data as ArrayLike<number>);
  } finally {
    await s.release();
  }
}

/** f of a network in float64 from plain loops, then the head: the independent reference. */
function reference(net: NetworkWeights, X: Float64Array, n: number, head: string): Float64Array {
  const m = net.W1.rows,
    d = net.W1.cols,
    c = net.W2.rows;
  const out = new Float64Array(n * c);
  for (let i = 0; i < n; i++) {
    const h = new Float64Array(m);
    for (let j = 0; j < m; j++) {
      let z = net.b1 ? net.b1[j] : 0;
      for (let k = 0; k < d; k++) z += net.W1.data[j * d + k] * X[i * d + k];
      h[j] = Math.max(0, z);
    }
    const f = Array.from({ length: c }, (_, k) => (net.b2 ? net.b2[k] : 0) + h.reduce((s, hj, j) => s + net.W2.data[k * m + j] * hj, 0));
    const mx = Math.max(...f);
    const lse = mx + Math.log(f.reduce((s, v) => s + Math.exp(v - mx), 0));
    f.forEach(
      (v, k) => (out[i * c + k] = head === 'sigmoid' ? 1 / (1 + Math.exp(-v)) : head === 'softmax' ? Math.exp(v - lse) : head === 'logsoftmax' ? v - lse : v),
    );
  }
  return out;
}

function randomNet(d: number, m: number, c: number, b1: boolean, b2: boolean, seed: number): NetworkWeights {
  const r = lcg(seed);
  const W1 = zeros(m, d),
    W2 = zeros(c, m);
  W1.data.forEach((_, i) => (W1.data[i] = r() * 2 - 1));
  W2.data.forEach((_, i) => (W2.data[i] = r() * 2 - 1));
  return { W1, b1: b1 ? Float64Array.from({ length: m }, () => r() - 0.5) : null, W2, b2: b2 ? Float64Array.from({ length: c }, () => r() - 0.5) : null };
}

const f32 = (net: NetworkWeights): NetworkWeights => ({
  W1: { ...net.W1, data: net.W1.data.map(Math.fround) },
  b1: net.b1 && net.b1.map(Math.fround),
  W2: { ...net.W2, data: net.W2.data.map(Math.fround) },
  b2: net.b2 && net.b2.map(Math.fround),
});

function maxDiff(a: Float64Array, b: Float64Array): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const models = [
  ...(existsSync(ACCEPT)
    ? readdirSync(ACCEPT)
        .filter((f) => f.endsWith('.onnx'))
        .map((f) => path.join(ACCEPT, f))
    : []),
  ...readdirSync(TORCH)
    .filter((f) => /^legacy_.*\.onnx$/.test(f))
    .map((f) => path.join(TORCH, f)),
];

for (const file of models) {
  test(`networkToOnnx is a drop-in replacement: ${path.basename(file)}`, async () => {
    const { model, bytes } = await readModelFile(file);
    const tol = model.dtype === 'float64' ? 1e-10 : 1e-4;
    const r = lcg(11);
    const { n: nRun } = dims(model.input.shape, 7, model.d);
    const X = Float64Array.from({ length: nRun * model.d }, () => r() * 4 - 2);
    // 1. the same weights: the export computes what the original computes
    const same = networkToOnnx(model, model);
    const [a, b] = [await run(bytes, model, X, nRun), await run(same, model, X, nRun)];
    const scale = Math.max(1, ...Array.from(a, Math.abs));
    assert.ok(maxDiff(a, b) <= tol * scale, `same weights: max |Δ| ${maxDiff(a, b)} (scale ${scale})`);
    // 2. new weights (another width, biases present): the export computes f of the new weights
    const net = randomNet(model.d, model.m + 3, model.c, true, true, 5);
    const out = networkToOnnx(model, net);
    const ref = reference(model.dtype === 'float64' ? net : f32(net), X, nRun, model.head.kind);
    const got = await run(out, model, X, nRun);
    assert.ok(maxDiff(got, ref) <= tol * Math.max(1, ...Array.from(ref, Math.abs)), `new weights: max |Δ| ${maxDiff(got, ref)}`);
    // 3. our reader reads it back: names, declared shapes, head, element types, weights
    const back = readModelBytes(out, { file: 'exported.onnx' });
    assert.equal(back.input.name, model.input.name);
    assert.equal(back.output.name, model.output.name);
    assert.deepEqual(back.input.shape, model.input.shape);
    assert.deepEqual(back.output.shape, model.output.shape);
    assert.equal(back.head.kind, model.head.kind);
    assert.equal(back.dtype, model.dtype);
    assert.equal(back.inputDtype, model.inputDtype);
    const want = model.dtype === 'float64' ? net : f32(net);
    assert.deepEqual([...back.W1.data], [...want.W1.data]);
    assert.deepEqual([...back.W2.data], [...want.W2.data]);
    assert.deepEqual([...(back.b1 ?? [])], [...want.b1!]);
    assert.deepEqual([...(back.b2 ?? [])], [...want.b2!]);
  });
}

test('networkToOnnx refuses a network of the wrong shape', async () => {
  const { model } = await readModelFile(path.join(TORCH, 'legacy_f32_bias.onnx'));
  assert.throws(() => networkToOnnx(model, randomNet(model.d + 1, 3, model.c, true, true, 1)), ReluLensError);
  assert.throws(() => networkToOnnx(model, randomNet(model.d, 3, model.c + 1, true, true, 1)), ReluLensError);
});

const values = JSON.parse(readFileSync(path.join(EXPORT, 'values.json'), 'utf8'));
const fixtureNet: NetworkWeights = {
  W1: fromRows(values.W1),
  b1: Float64Array.from(values.b1),
  W2: fromRows(values.W2),
  b2: Float64Array.from(values.b2),
};

test('networkToNpy writes the bytes numpy writes (2-D, 1-D, empty)', () => {
  assert.deepEqual(networkToNpy(fixtureNet.W1), new Uint8Array(readFileSync(path.join(EXPORT, 'W1.npy'))));
  assert.deepEqual(networkToNpy(fixtureNet.b1!), new Uint8Array(readFileSync(path.join(EXPORT, 'b1.npy'))));
  assert.deepEqual(networkToNpy(zeros(0, 3)), new Uint8Array(readFileSync(path.join(EXPORT, 'empty.npy'))));
});

const sameBits = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  assert.ok(a.length === b.length && Array.from(a).every((v, i) => Object.is(v, b[i])), `${Array.from(a)} vs ${Array.from(b)}`);

test("our .npy reader reads numpy's .npz and our .npz has numpy's members", () => {
  const theirs = unzipSync(new Uint8Array(readFileSync(path.join(EXPORT, 'net.npz'))));
  const ours = unzipSync(networkToNpz(fixtureNet));
  assert.deepEqual(Object.keys(ours).sort(), Object.keys(theirs).sort());
  for (const k of Object.keys(theirs)) {
    assert.deepEqual(ours[k], theirs[k], `member ${k} differs from numpy's`);
    const a = readNpy(ours[k], 'ours.npz', k);
    const key = k.replace(/\.npy$/, '') as keyof NetworkWeights;
    const want = fixtureNet[key]!;
    sameBits(a.data, 'data' in want ? want.data : want);
    assert.deepEqual(a.shape, 'rows' in want ? [want.rows, want.cols] : [want.length]);
  }
  // no biases: members left out
  const noBias = unzipSync(networkToNpz({ ...fixtureNet, b1: null, b2: null }));
  assert.deepEqual(Object.keys(noBias).sort(), ['W1.npy', 'W2.npy']);
});

test('networkToCsv reads back to the same float64 values; networkToJson', () => {
  const text = networkToCsv(fixtureNet);
  const blocks = text.trim().split(/\n\n/).slice(1);
  assert.equal(blocks.length, 4);
  const parse = (b: string) =>
    b
      .split('\n')
      .slice(1)
      .map((l) => l.split(',').map(Number));
  sameBits(parse(blocks[0]).flat(), fixtureNet.W1.data);
  sameBits(parse(blocks[1]).flat(), fixtureNet.b1!);
  sameBits(parse(blocks[2]).flat(), fixtureNet.W2.data);
  sameBits(parse(blocks[3]).flat(), fixtureNet.b2!);
  assert.match(blocks[0], /^# W1 2×3/);
  assert.match(networkToCsv({ ...fixtureNet, b2: null }), /# b2 absent/);
  const j = networkToJson(fixtureNet);
  assert.deepEqual(j.W1, values.W1);
  assert.deepEqual(j.b2, values.b2);
});

test('float16 input/output: the export keeps the element type (Casts around float32 weights) and onnxruntime agrees', async () => {
  const { writeTwoLayerOnnx } = await import('../../src/core/onnx/write');
  const { crossCheck } = await import('../../src/core/onnx');
  const net = randomNet(3, 4, 2, true, true, 9);
  const original = readModelBytes(writeTwoLayerOnnx(net, { dtype: 'float32', ioDtype: 'float16', inputShape: ['N', 3], outputShape: ['N', 2] }), {
    file: 'f16.onnx',
  });
  assert.equal(original.inputDtype, 'float16');
  const replacement = randomNet(3, 6, 2, true, false, 10);
  const bytes = networkToOnnx(original, replacement);
  const back = readModelBytes(bytes, { file: 'f16-export.onnx' });
  assert.equal(back.inputDtype, 'float16');
  assert.deepEqual(back.input.shape, ['N', 3]);
  assert.deepEqual([...back.W1.data], [...f32(replacement).W1.data]);
  const chk = await crossCheck(back, bytes);
  assert.ok(chk.ok && chk.maxAbsDiff !== null, `onnxruntime vs the weights: ${chk.maxAbsDiff} > ${chk.tolerance}`);
});

test('skl2onnx post-processing heads are refused for ONNX export with a clear message', async () => {
  const { model } = await readModelFile(path.join(TORCH, 'legacy_f32_bias.onnx'));
  const skl = { ...model, head: { kind: 'sklearn-postprocess' as const, nodes: ['ArgMax:x'] } };
  assert.throws(
    () => networkToOnnx(skl, model),
    (e: unknown) => e instanceof ReluLensError && /ZipMap/.test(e.message),
  );
});
