/**
 * Synthetic models for every exporter quirk the reader must handle (MANIFEST.md "Quirks"), built
 * with ./builder.ts. Accepted ones are also run in onnxruntime and must agree.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crossCheck, readModelBytes, readModelFile } from '../../src/core/onnx/index';
import { halfToDouble } from '../../src/core/onnx/tensor';
import { decodeModelProto } from '../../src/core/onnx/proto';
import { doubleToHalfBits } from '../../src/core/onnx/ortCheck';
import { ReluLensError } from '../../src/core/errors';
import { withAllocSpy } from './allocSpy';
import { forward, type CanonicalModel } from '../../src/core/model';
import { buildModel, DOUBLE, externalTensor, f32, FLOAT, FLOAT16, INT64, INT8, leBytes, node, rand, tensor, type IO, type ModelSpec } from './builder';

const d = 3,
  m = 4,
  c = 2;
const W1 = f32(rand(m * d, 1)),
  b1 = f32(rand(m, 2)),
  W2 = f32(rand(c * m, 3)),
  b2 = f32(rand(c, 4));
/** row-major transpose of an r×k matrix */
const T = (a: number[], r: number, k: number) => Array.from({ length: r * k }, (_, i) => a[(i % r) * k + Math.floor(i / r)]);

const X: IO = { name: 'x', shape: ['N', d] };
const Y: IO = { name: 'y', shape: ['N', c] };

async function accept(bytes: Uint8Array, file = 'synthetic.onnx', check = true): Promise<CanonicalModel> {
  const model = readModelBytes(bytes, { file });
  if (check) {
    const r = await crossCheck(model, bytes);
    assert.equal(r.warning, undefined, r.warning);
    assert.ok(r.ok, `onnxruntime disagrees: maxAbsDiff ${r.maxAbsDiff} > ${r.tolerance}`);
  }
  return model;
}

function refuse(bytes: Uint8Array, opType: string, reason: RegExp, opts: { file?: string; readExternal?: (p: string) => Uint8Array } = {}) {
  assert.throws(
    () => readModelBytes(bytes, { file: opts.file ?? 'synthetic.onnx', readExternal: opts.readExternal }),
    (e: unknown) => {
      assert.ok(e instanceof ReluLensError, String(e));
      assert.equal(e.location.node?.opType, opType, e.describe());
      assert.match(e.message, reason);
      return true;
    },
  );
}

const same = (a: ArrayLike<number> | null, b: number[] | null, scale = 1) => {
  assert.ok(a && b, 'present');
  assert.deepEqual(
    Array.from(a),
    b.map((v) => v * scale),
  );
};

/** Gemm(transB=1) → Relu → Gemm(transB=1), torch style. */
function torchMlp(over: Partial<ModelSpec> = {}, gemmAttrs: Record<string, number> = { transB: 1 }): ModelSpec {
  return {
    nodes: [
      node('Gemm', ['x', 'W1', 'b1'], ['h'], gemmAttrs, 'fc1'),
      node('Relu', ['h'], ['r'], {}, 'relu'),
      node('Gemm', ['r', 'W2', 'b2'], ['y'], { transB: 1 }, 'fc2'),
    ],
    inits: [tensor('W1', [m, d], W1), tensor('b1', [m], b1), tensor('W2', [c, m], W2), tensor('b2', [c], b2)],
    inputs: [X],
    outputs: [Y],
    ...over,
  };
}

test('baseline torch Gemm MLP', async () => {
  const model = await accept(buildModel(torchMlp()));
  assert.deepEqual([model.d, model.m, model.c], [d, m, c]);
  same(model.W1.data, W1);
  same(model.b1, b1);
  same(model.W2.data, W2);
  same(model.b2, b2);
  assert.deepEqual(model.nodeMap.layer1, ["Gemm 'fc1'"]);
});

test('Gemm alpha/beta/transB variants (attributes honoured, ONNX defaults when absent)', async () => {
  for (const transB of [0, 1, undefined])
    for (const alpha of [1, 0.5, 2, undefined])
      for (const beta of [1, 0.25, undefined]) {
        const attrs: Record<string, unknown> = {};
        if (transB !== undefined) attrs.transB = { int: transB };
        if (alpha !== undefined) attrs.alpha = { f: alpha };
        if (beta !== undefined) attrs.beta = { f: beta };
        const w = transB === 1 ? W1 : T(W1, m, d); // stored [d, m] when transB = 0
        const spec = torchMlp({}, attrs as never);
        spec.inits![0] = tensor('W1', transB === 1 ? [m, d] : [d, m], w);
        const model = await accept(buildModel(spec));
        same(model.W1.data, W1, alpha ?? 1);
        same(model.b1, b1, beta ?? 1);
      }
});

test('Gemm with transA=1 on the data is refused', () => {
  refuse(buildModel(torchMlp({}, { transA: 1, transB: 1 })), 'Gemm', /transA/);
});

test('no-bias layers: Gemm without C, and legacy MatMul → Relu → MatMul with pre-transposed weights', async () => {
  const spec = torchMlp({ opset: 13 });
  spec.nodes[0] = node('Gemm', ['x', 'W1'], ['h'], { transB: 1 }, 'fc1');
  spec.inits = spec.inits!.filter((t) => t.name !== 'b1');
  const a = await accept(buildModel(spec));
  assert.equal(a.b1, null);
  same(a.b2, b2);
  const mm = await accept(
    buildModel({
      nodes: [
        node('MatMul', ['x', 'onnx::MatMul_7'], ['h'], {}, '/fc1/MatMul'),
        node('Relu', ['h'], ['r'], {}, '/relu/Relu'),
        node('MatMul', ['r', 'onnx::MatMul_8'], ['y'], {}, '/fc2/MatMul'),
      ],
      inits: [tensor('onnx::MatMul_7', [d, m], T(W1, m, d)), tensor('onnx::MatMul_8', [m, c], T(W2, c, m))],
      inputs: [X],
      outputs: [Y],
    }),
  );
  assert.equal(mm.b1, null);
  assert.equal(mm.b2, null);
  same(mm.W1.data, W1);
  same(mm.W2.data, W2);
});

test('Add with the bias as first operand, shaped [1, m]', async () => {
  const model = await accept(
    buildModel({
      nodes: [
        node('MatMul', ['x', 'K1'], ['h0'], {}, 'mm1'),
        node('Add', ['B1', 'h0'], ['h'], {}, 'add1'),
        node('Relu', ['h'], ['r'], {}, 'relu'),
        node('MatMul', ['r', 'K2'], ['y0'], {}, 'mm2'),
        node('Add', ['B2', 'y0'], ['y'], {}, 'add2'),
      ],
      inits: [tensor('K1', [d, m], T(W1, m, d)), tensor('B1', [1, m], b1), tensor('K2', [m, c], T(W2, c, m)), tensor('B2', [1, c], b2)],
      inputs: [X],
      outputs: [Y],
    }),
  );
  same(model.b1, b1);
  same(model.b2, b2);
  same(model.W1.data, W1);
  assert.deepEqual(model.nodeMap.layer1, ["MatMul 'mm1'", "Add 'add1'"]);
});

test('a bias that would differ per sample ([2, m]) is refused', () => {
  refuse(
    buildModel({
      nodes: [
        node('MatMul', ['x', 'K1'], ['h0'], {}, 'mm1'),
        node('Add', ['h0', 'B1'], ['h'], {}, 'add1'),
        node('Relu', ['h'], ['r']),
        node('MatMul', ['r', 'K2'], ['y']),
      ],
      inits: [tensor('K1', [d, m], T(W1, m, d)), tensor('B1', [2, m], [...b1, ...b1]), tensor('K2', [m, c], T(W2, c, m))],
      inputs: [X],
      outputs: [Y],
    }),
    'Add',
    /not a bias/,
  );
});

test('MatMul with the weight on the left of a 1-D input (nnet2onnx)', async () => {
  const model = await accept(
    buildModel({
      nodes: [
        node('MatMul', ['W0', 'X_0'], ['M0']),
        node('Add', ['M0', 'B0'], ['H0']),
        node('Relu', ['H0'], ['R0']),
        node('MatMul', ['W1', 'R0'], ['M1']),
        node('Add', ['M1', 'B1'], ['Y_0']),
      ],
      inits: [tensor('W0', [m, d], W1), tensor('B0', [m], b1), tensor('W1', [c, m], W2), tensor('B1', [c], b2)],
      inputs: [{ name: 'X_0', shape: [d] }],
      outputs: [{ name: 'Y_0', shape: [c] }],
      opset: 14,
    }),
  );
  same(model.W1.data, W1);
  same(model.W2.data, W2);
  assert.deepEqual(model.input.shape, [d]);
});

test('float16 weights in int32_data widen exactly; float16 input', async () => {
  const h = (v: number[]) => v.map((x) => halfToDouble(doubleToHalfBits(x)));
  const spec: ModelSpec = {
    nodes: [
      node('MatMul', ['x', 'K1'], ['h0']),
      node('Add', ['h0', 'B1'], ['h']),
      node('Relu', ['h'], ['r']),
      node('MatMul', ['r', 'K2'], ['y0']),
      node('Add', ['y0', 'B2'], ['y']),
    ],
    inits: [
      tensor('K1', [d, m], T(W1, m, d), FLOAT16, 'int32_f16'),
      tensor('B1', [m], b1, FLOAT16, 'int32_f16'),
      tensor('K2', [m, c], T(W2, c, m), FLOAT16, 'int32_f16'),
      tensor('B2', [c], b2, FLOAT16, 'raw'),
    ],
    inputs: [{ ...X, elemType: FLOAT16 }],
    outputs: [{ ...Y, elemType: FLOAT16 }],
  };
  const bytes = buildModel(spec);
  const model = await accept(bytes);
  assert.equal(model.dtype, 'float16');
  assert.equal(model.inputDtype, 'float16');
  same(model.W1.data, h(W1));
  same(model.b1, h(b1));
  same(model.W2.data, h(W2));
  same(model.b2, h(b2));
  // exact widening of a few known bit patterns: max half, smallest subnormal, negative zero
  assert.equal(halfToDouble(0x7bff), 65504);
  assert.equal(halfToDouble(0x0001), 2 ** -24);
  assert.ok(Object.is(halfToDouble(0x8000), -0));
});

test('double_data weights with a float64 input', async () => {
  const w = rand(m * d, 9);
  const spec = torchMlp({ inputs: [{ ...X, elemType: DOUBLE }], outputs: [{ ...Y, elemType: DOUBLE }] });
  spec.inits = [
    tensor('W1', [m, d], w, DOUBLE, 'double_data'),
    tensor('b1', [m], b1, DOUBLE, 'double_data'),
    tensor('W2', [c, m], W2, DOUBLE, 'double_data'),
    tensor('b2', [c], b2, DOUBLE, 'raw'),
  ];
  const model = await accept(buildModel(spec));
  assert.equal(model.dtype, 'float64');
  same(model.W1.data, w); // not rounded to float32
});

test('float_data weights (keras2onnx style)', async () => {
  const spec = torchMlp();
  spec.inits = spec.inits!.map((t) => tensor(t.name, t.dims, t.name === 'W1' ? W1 : t.name === 'b1' ? b1 : t.name === 'W2' ? W2 : b2, FLOAT, 'float_data'));
  same((await accept(buildModel(spec))).W2.data, W2);
});

test('float input with double initializers is refused as type-invalid', () => {
  const spec = torchMlp();
  spec.inits![0] = tensor('W1', [m, d], W1, DOUBLE);
  refuse(buildModel(spec), 'Gemm', /type-invalid/);
});

test('Constant-node weights: value tensor and value_floats', async () => {
  const model = await accept(
    buildModel({
      nodes: [
        node('Constant', [], ['K1'], { value: tensor('', [d, m], T(W1, m, d)) }, 'c1'),
        node('Constant', [], ['B1'], { value_floats: b1 }, 'c2'),
        node('MatMul', ['x', 'K1'], ['h0']),
        node('Add', ['h0', 'B1'], ['h']),
        node('Relu', ['h'], ['r']),
        node('Constant', [], ['K2'], { value: tensor('', [c, m], W2, FLOAT, 'float_data') }, 'c3'),
        node('Gemm', ['r', 'K2'], ['y'], { transB: 1 }),
      ],
      inputs: [X],
      outputs: [Y],
      opset: 13,
    }),
  );
  same(model.W1.data, W1);
  same(model.b1, b1);
  same(model.W2.data, W2);
  assert.equal(model.b2, null);
});

test('raw_data at unaligned offsets is read through DataView', async () => {
  const bytes = buildModel(torchMlp({ producer: 'odd' }));
  for (const shift of [1, 2, 3, 5]) {
    const buf = new Uint8Array(bytes.length + shift);
    buf.set(bytes, shift);
    const view = buf.subarray(shift);
    const offsets = decodeModelProto(view).graph!.initializer.map((t) => t.raw_data.byteOffset % 4);
    assert.ok(
      offsets.some((o) => o !== 0),
      'at least one raw_data is unaligned',
    );
    const model = readModelBytes(view, { file: 'unaligned' });
    same(model.W1.data, W1);
    same(model.b2, b2);
  }
});

test('skl2onnx Scaler folded into layer 1', async () => {
  const offset = [0.5, -1, 2],
    scale = [2, 0.25, 1.5];
  const bytes = buildModel({
    nodes: [
      node('Scaler', ['x'], ['xs'], { offset, scale }, 'Scaler', 'ai.onnx.ml'),
      node('MatMul', ['xs', 'K1'], ['h0'], {}, 'MatMul'),
      node('Add', ['h0', 'B1'], ['h'], {}, 'Add'),
      node('Relu', ['h'], ['r'], {}, 'Relu'),
      node('MatMul', ['r', 'K2'], ['y0'], {}, 'MatMul1'),
      node('Add', ['y0', 'B2'], ['y'], {}, 'Add1'),
    ],
    inits: [tensor('K1', [d, m], T(W1, m, d)), tensor('B1', [m], b1), tensor('K2', [m, c], T(W2, c, m)), tensor('B2', [c], b2)],
    inputs: [X],
    outputs: [Y],
    mlOpset: 1,
    opset: 13,
    producer: 'skl2onnx',
  });
  const model = await accept(bytes);
  assert.equal(model.foldedPreprocessing.length, 1);
  assert.equal(model.foldedPreprocessing[0].source, 'onnx:Scaler:Scaler');
  // the folded network on raw x equals the original network on (x − offset)·scale
  const x = [0.3, -0.7, 1.1];
  const xs = x.map((v, k) => (v - offset[k]) * scale[k]);
  const raw = forward(model, { rows: 1, cols: d, data: Float64Array.from(x) });
  const plain = readModelBytes(buildModel(torchMlp()), { file: 'p' });
  const ref = forward(plain, { rows: 1, cols: d, data: Float64Array.from(xs) });
  for (let k = 0; k < c; k++) assert.ok(Math.abs(raw.data[k] - ref.data[k]) < 1e-12);
});

test('Softmax (opset 13 default axis) and LogSoftmax (opset 11, axis=1) heads; Softmax over the batch refused', async () => {
  const sm = torchMlp({ outputs: [{ name: 'p', shape: ['N', c] }] });
  sm.nodes.push(node('Softmax', ['y'], ['p'], {}, 'softmax'));
  const a = await accept(buildModel(sm));
  assert.equal(a.head.kind, 'softmax');
  assert.equal(a.head.axis, -1);
  assert.deepEqual(a.compareTensor, { name: 'p', afterHead: true });
  const ls = torchMlp({ outputs: [{ name: 'p', shape: ['N', c] }], opset: 11 });
  ls.nodes.push(node('LogSoftmax', ['y'], ['p'], { axis: 1 }, 'LogSoftmax_3'));
  const b = await accept(buildModel(ls));
  assert.equal(b.head.kind, 'logsoftmax');
  assert.equal(b.head.axis, 1);
  const bad = torchMlp({ outputs: [{ name: 'p', shape: ['N', c] }] });
  bad.nodes.push(node('Softmax', ['y'], ['p'], { axis: 0 }, 'softmax'));
  refuse(buildModel(bad), 'Softmax', /axis 0/);
});

test('node names lie: a Sigmoid named "Relu1" is a Sigmoid', async () => {
  const hidden = torchMlp();
  hidden.nodes[1] = node('Sigmoid', ['h'], ['r'], {}, 'Relu1');
  refuse(buildModel(hidden), 'Sigmoid', /hidden activation is Sigmoid, ReLU Lens handles ReLU only/);
  const head = torchMlp({ outputs: [{ name: 'p', shape: ['N', c] }] });
  head.nodes[1] = node('Relu', ['h'], ['r'], {}, 'Sigmoid');
  head.nodes.push(node('Sigmoid', ['y'], ['p'], {}, 'Relu1'));
  const model = await accept(buildModel(head));
  assert.equal(model.head.kind, 'sigmoid');
});

test('initializers repeated in graph.input (old IR) are not data inputs', async () => {
  const spec = torchMlp({ irVersion: 3, opset: 8 });
  spec.inputs = [X, ...spec.inits!.map((t) => ({ name: t.name, shape: t.dims }))];
  const model = await accept(buildModel(spec));
  assert.equal(model.input.name, 'x');
});

test('Identity/Dropout in between, Flatten of an image-shaped input, fixed batch dim 1', async () => {
  const spec: ModelSpec = {
    nodes: [
      node('Flatten', ['img'], ['x'], { axis: 1 }, 'flatten'),
      node('Identity', ['x'], ['x1']),
      node('Gemm', ['x1', 'W1', 'b1'], ['h'], { transB: 1 }),
      node('Identity', ['h'], ['h1']),
      node('Relu', ['h1'], ['r']),
      node('Dropout', ['r'], ['r1']),
      node('Gemm', ['r1', 'W2', 'b2'], ['y0'], { transB: 1 }),
      node('Identity', ['y0'], ['y']),
    ],
    inits: torchMlp().inits,
    inputs: [{ name: 'img', shape: [1, 1, 1, d] }],
    outputs: [{ name: 'y', shape: [1, c] }],
  };
  const model = await accept(buildModel(spec));
  assert.equal(model.d, d);
  assert.deepEqual(model.input.shape, [1, 1, 1, d]);
});

test('Cast in front: double input cast to float', async () => {
  const spec = torchMlp({ inputs: [{ name: 'xd', elemType: DOUBLE, shape: ['N', d] }] });
  spec.nodes.unshift(node('Cast', ['xd'], ['x'], { to: FLOAT }, 'cast'));
  const model = await accept(buildModel(spec));
  assert.equal(model.inputDtype, 'float64');
  assert.equal(model.dtype, 'float32');
});

test('skl2onnx post-processing (ArgMax/ZipMap): compared at the logits through an added graph output', async () => {
  const zipType = { sequence_type: { elem_type: { map_type: { key_type: INT64, value_type: { tensor_type: { elem_type: FLOAT } } } } } };
  const spec = torchMlp({
    outputs: [
      { name: 'label', elemType: INT64, shape: ['N'] },
      { name: 'probabilities', rawType: zipType },
    ],
    mlOpset: 1,
    producer: 'skl2onnx',
  });
  spec.nodes.push(
    node('Softmax', ['y'], ['p'], { axis: 1 }, 'Softmax'),
    node('ArgMax', ['p'], ['label'], { axis: 1, keepdims: 0 }, 'ArgMax'),
    node('ZipMap', ['p'], ['probabilities'], { classlabels_int64s: { ints: [0, 1] } }, 'ZipMap', 'ai.onnx.ml'),
  );
  const model = await accept(buildModel(spec));
  assert.equal(model.head.kind, 'sklearn-postprocess');
  assert.deepEqual(model.compareTensor, { name: 'y', afterHead: false });
  assert.ok(model.head.nodes.some((n) => n.startsWith('ZipMap')));
});

test('external data with out-of-order offsets is read; escaping and absolute paths are refused', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'relu-lens-ext-'));
  try {
    // layout in the .data file: W2, gap, b1, W1 — deliberately not in graph order
    const parts: [string, number[], number[]][] = [
      ['W2', [c, m], W2],
      ['b1', [m], b1],
      ['W1', [m, d], W1],
    ];
    const chunks: Uint8Array[] = [];
    const where = new Map<string, [number, number]>();
    let off = 0;
    for (const [name, , vals] of parts) {
      const bytes = leBytes(vals, FLOAT);
      off += 13; // odd gaps keep offsets unaligned too
      chunks.push(new Uint8Array(13), bytes);
      where.set(name, [off, bytes.length]);
      off += bytes.length;
    }
    writeFileSync(join(dir, 'model.onnx.data'), Buffer.concat(chunks));
    const spec = (loc: (name: string) => string) =>
      torchMlp({
        irVersion: 8,
        inits: [
          ...parts.map(([name, dims]) => externalTensor(name, dims, loc(name), ...where.get(name)!)),
          tensor('b2', [c], b2), // one inline, as torch's dynamo exporter does
        ],
      });
    const good = buildModel(spec(() => 'model.onnx.data'));
    writeFileSync(join(dir, 'model.onnx'), good);
    const { model, bytes } = await readModelFile(join(dir, 'model.onnx'));
    same(model.W1.data, W1);
    same(model.b1, b1);
    same(model.W2.data, W2);
    same(model.b2, b2);
    const r = await crossCheck(model, bytes, undefined, { modelPath: join(dir, 'model.onnx') });
    assert.ok(r.ok && r.maxAbsDiff !== null, JSON.stringify(r));
    // as the CLI calls it: no options, the .data file is found next to model.file
    const plain = await crossCheck(model, bytes);
    assert.ok(plain.ok && plain.maxAbsDiff !== null, JSON.stringify(plain));
    // the byte-level API gets external data only through its callback
    const seen: string[] = [];
    readModelBytes(good, { file: 'm', readExternal: (p) => (seen.push(p), new Uint8Array(Buffer.concat(chunks))) });
    assert.ok(seen.every((p) => p === 'model.onnx.data'));

    const escape = buildModel(spec((n) => (n === 'W2' ? '../model.onnx.data' : 'model.onnx.data')));
    writeFileSync(join(dir, 'escape.onnx'), escape);
    await assert.rejects(readModelFile(join(dir, 'escape.onnx')), (e: unknown) => {
      assert.ok(e instanceof ReluLensError);
      assert.equal(e.location.node?.opType, 'Gemm');
      assert.match(e.message, /outside the model's folder/);
      return true;
    });
    const abs = buildModel(spec((n) => (n === 'W1' ? join(dir, 'model.onnx.data') : 'model.onnx.data')));
    refuse(abs, 'Gemm', /outside the model's folder/, { readExternal: () => new Uint8Array(0) });
    const short = buildModel(spec(() => 'model.onnx.data'));
    refuse(short, 'Gemm', /file has only/, { readExternal: () => new Uint8Array(20) });
    refuse(short, 'Gemm', /not found|cannot be read/, { readExternal: undefined });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('quantized networks are refused clearly', () => {
  const int8 = torchMlp();
  int8.inits![0] = tensor(
    'W1',
    [m, d],
    W1.map((v) => Math.round(v * 100)),
    INT8,
  );
  refuse(buildModel(int8), 'Gemm', /quantized/);
  const dq = torchMlp();
  dq.nodes.unshift(node('DequantizeLinear', ['Wq', 's'], ['W1'], {}, 'dq'));
  dq.inits![0] = tensor(
    'Wq',
    [m, d],
    W1.map((v) => Math.round(v * 100)),
    INT8,
  );
  dq.inits!.push(tensor('s', [], [0.01]));
  refuse(buildModel(dq), 'DequantizeLinear', /quantized/);
  const mmi = torchMlp();
  mmi.nodes[0] = node('MatMulInteger', ['x', 'W1'], ['h'], {}, 'mmi');
  refuse(buildModel(mmi), 'MatMulInteger', /quantized/);
});

test('claimed dims far beyond the bytes present are refused before allocating', () => {
  const spec = torchMlp();
  spec.inits![0] = { ...tensor('W1', [m, d], W1), dims: [100000, 100000] };
  const huge = buildModel(spec);
  spec.inits![0] = { ...tensor('W1', [m, d], W1), dims: [4000, 4000] };
  const big = buildModel(spec);
  // "before allocating", checked on the allocations themselves (not on a timer): nothing the reader
  // allocates is sized by the claimed dims — every array is at most as long as the file
  for (const [bytes, reason] of [
    [huge, /claims 100000×100000 elements/],
    [big, /raw_data/],
  ] as const) {
    const r = withAllocSpy(() => refuse(bytes, 'Gemm', reason));
    if (r.error) throw r.error;
    assert.ok(r.stats.largest <= bytes.length, `${reason}: a ${r.stats.largestKind} of ${r.stats.largest} elements for a ${bytes.length}-byte file`);
  }
  // the spy is live: reading the intact model is seen allocating its weights
  const intact = buildModel(torchMlp());
  const ok = withAllocSpy(() => readModelBytes(intact, { file: 'intact.onnx' }));
  if (ok.error) throw ok.error;
  assert.ok(ok.stats.largest >= m * d, `spy saw ${JSON.stringify(ok.stats)}`);
});

test('structural refusals name the node', () => {
  const tanh = torchMlp();
  tanh.nodes[1] = node('Tanh', ['h'], ['r'], {}, 'act');
  refuse(buildModel(tanh), 'Tanh', /hidden activation is Tanh/);
  const relu2 = torchMlp();
  relu2.nodes.splice(2, 0, node('Relu', ['r'], ['r2'], {}, 'again'));
  relu2.nodes[3].input[0] = 'r2';
  refuse(buildModel(relu2), 'Relu', /two ReLUs in a row/);
  const front = torchMlp();
  front.nodes.unshift(node('Relu', ['x0'], ['x'], {}, 'pre'));
  front.inputs = [{ name: 'x0', shape: ['N', d] }];
  refuse(buildModel(front), 'Relu', /before the first linear layer/);
  const conv = torchMlp();
  conv.nodes.unshift(node('Conv', ['x0', 'W1'], ['x'], {}, 'conv'));
  conv.inputs = [{ name: 'x0', shape: ['N', d] }];
  refuse(buildModel(conv), 'Conv', /convolutional/);
  const skip = torchMlp();
  skip.nodes.splice(2, 0, node('Add', ['r', 'h'], ['r2'], {}, 'skip'));
  skip.nodes[3].input[0] = 'r2';
  refuse(buildModel(skip), 'Add', /branches/);
  const linearHead = torchMlp();
  linearHead.nodes[1] = node('Identity', ['h'], ['r']);
  refuse(buildModel(linearHead), 'Gemm', /no nonlinearity/);
  const three = torchMlp({ outputs: [{ name: 'z', shape: ['N', c] }] });
  three.nodes.push(node('Gemm', ['y', 'W3'], ['z'], { transB: 1 }, 'fc3'));
  three.inits!.push(tensor('W3', [c, c], rand(c * c, 5)));
  refuse(buildModel(three), 'Gemm', /three linear layers/);
});

test('crossCheck: catches weights that do not reproduce the model; feeds user data when given', async () => {
  const bytes = buildModel(torchMlp());
  const model = readModelBytes(bytes, { file: 'm' });
  const X = { rows: 5, cols: d, data: Float64Array.from(rand(5 * d, 11)) };
  const good = await crossCheck(model, bytes, X);
  assert.equal(good.inputs, 'data');
  assert.ok(good.ok);
  // what a reader that ignored transB would produce: a different function
  const bad = { ...model, W2: { ...model.W2, data: model.W2.data.map((v, i) => (i === 0 ? v + 0.01 : v)) } };
  const r = await crossCheck(bad, bytes, X);
  assert.equal(r.ok, false);
  assert.ok(r.maxAbsDiff! > r.tolerance);
  await assert.rejects(crossCheck(model, bytes, { rows: 1, cols: d + 1, data: new Float64Array(d + 1) }), ReluLensError);
});

test('crossCheck: external data handed over in memory, also when an output must be added (ZipMap)', async () => {
  const zipType = { sequence_type: { elem_type: { map_type: { key_type: INT64, value_type: { tensor_type: { elem_type: FLOAT } } } } } };
  const blob = leBytes([...W1, ...W2], FLOAT);
  const spec = torchMlp({
    irVersion: 8,
    mlOpset: 1,
    outputs: [{ name: 'probabilities', rawType: zipType }],
    inits: [
      externalTensor('W1', [m, d], 'w.bin', 0, 4 * m * d),
      tensor('b1', [m], b1),
      externalTensor('W2', [c, m], 'w.bin', 4 * m * d, 4 * c * m),
      tensor('b2', [c], b2),
    ],
  });
  spec.nodes.push(node('ZipMap', ['y'], ['probabilities'], { classlabels_int64s: { ints: [0, 1] } }, 'ZipMap', 'ai.onnx.ml'));
  const bytes = buildModel(spec);
  const readExternal = (p: string) => (assert.equal(p, 'w.bin'), blob);
  const model = readModelBytes(bytes, { file: 'm', readExternal });
  assert.equal(model.head.kind, 'sklearn-postprocess');
  same(model.W2.data, W2);
  const r = await crossCheck(model, bytes, undefined, { readExternal });
  assert.ok(r.ok && r.maxAbsDiff !== null, JSON.stringify(r));
  const noFiles = await crossCheck(model, bytes);
  assert.equal(noFiles.ok, false);
  assert.match(noFiles.warning ?? '', /external/);
});

test('graph-level refusals still point at a node', () => {
  const two = torchMlp({ inputs: [X, { name: 'x2', shape: ['N', d] }] });
  two.nodes.push(node('Identity', ['x2'], ['unused'], {}, 'second'));
  refuse(buildModel(two), 'Identity', /2 data inputs/);
  const ints = torchMlp({ inputs: [{ ...X, elemType: INT8 }] });
  refuse(buildModel(ints), 'Gemm', /quantized/);
  const noLayer = { nodes: [node('Identity', ['x'], ['y'], {}, 'id')], inputs: [X], outputs: [Y] };
  refuse(buildModel(noLayer), 'Identity', /no linear layer/);
});

test('crossCheck without onnxruntime: ok with a warning and no difference', async () => {
  const bytes = buildModel(torchMlp());
  const r = await crossCheck(readModelBytes(bytes, { file: 'm' }), bytes, undefined, { ort: null });
  assert.equal(r.ok, true);
  assert.equal(r.maxAbsDiff, null);
  assert.match(r.warning ?? '', /onnxruntime-node could not be loaded/);
  assert.ok(r.tolerance > 0);
});

test('batch dims named, empty, fixed or absent all cross-check', async () => {
  for (const shape of [['batch', d], ['', d], [7, d], null] as ((number | string)[] | null)[]) {
    const model = await accept(buildModel(torchMlp({ inputs: [{ name: 'x', shape }], outputs: [{ name: 'y', shape: null }] })));
    assert.equal(model.d, d);
  }
  // 1-D input without any declared shape: fed one sample at a time
  const vec = await accept(
    buildModel({
      nodes: [node('MatMul', ['W0', 'x'], ['h0']), node('Relu', ['h0'], ['r']), node('MatMul', ['W1', 'r'], ['y'])],
      inits: [tensor('W0', [m, d], W1), tensor('W1', [c, m], W2)],
      inputs: [{ name: 'x', shape: [d] }],
      outputs: [{ name: 'y', shape: null }],
    }),
  );
  assert.equal(vec.c, c);
});

test('trailing reshape is transparent; trailing arithmetic that would change the output is refused', async () => {
  const sq = torchMlp({ outputs: [{ name: 'z', shape: ['N', c] }], opset: 13 });
  sq.nodes.push(node('Reshape', ['y', 'shape'], ['z'], {}, 'reshape'));
  sq.inits!.push(tensor('shape', [2], [-1, c], INT64));
  const model = await accept(buildModel(sq));
  assert.equal(model.head.kind, 'none');
  assert.deepEqual(model.compareTensor, { name: 'z', afterHead: false });
  const mul = torchMlp({ outputs: [{ name: 'z', shape: ['N', c] }] });
  mul.nodes.push(node('Mul', ['y', 'two'], ['z'], {}, 'times2'));
  mul.inits!.push(tensor('two', [], [2]));
  refuse(buildModel(mul), 'Mul', /changes the network's output/);
});
