/**
 * The onnxruntime cross-check (src/core/onnx/ortCheck.ts): onnxruntime's own error text when it
 * cannot run a model, and tolerances scaled to the outputs per element type (issue #17 item 5:
 * "onnxruntime differs by null"; a float16 tolerance of 1.26 on outputs of ~2.7).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { readModelBytes } from '../../src/core/onnx/index';
import {
  crossCheck,
  crossCheckRefusal,
  crossToleranceFor,
  doubleToHalfBits,
  ortMessage,
  FLOAT16_TOLERANCE_ULPS,
  FLOAT32_TOLERANCE_ULPS,
  FLOAT64_RELATIVE_TOLERANCE,
} from '../../src/core/onnx/ortCheck';
import { decodeModelProto, encodeModelProto, type ModelProto, type TensorProto } from '../../src/core/onnx/proto';
import { readTensor } from '../../src/core/onnx/tensor';
import { forward, type CanonicalModel } from '../../src/core/model';
import { ReluLensError } from '../../src/core/errors';
import type { Mat } from '../../src/core/linalg/mat';
import { REAL_FIXTURES, REPO_ROOT } from './paths';
import { buildModel, FLOAT, FLOAT16, node, rand, tensor } from './builder';

const ACCEPT = join(REAL_FIXTURES, 'accept');
const FIX01 = join(ACCEPT, '01_omlt_gemm_transB.onnx');
const FIX08 = join(ACCEPT, '08_ppml_slp_calibrated_torch_reshape_metadata.onnx');

/** A real fixture's bytes with `edit` applied through the repo's own protobuf reader/writer. */
function mutated(path: string, edit: (p: ModelProto) => void): Uint8Array {
  const p = decodeModelProto(readFileSync(path));
  edit(p);
  return encodeModelProto(p);
}

/** What onnxruntime itself says about these bytes (loading them and running `feeds`). */
async function ortSays(bytes: Uint8Array, feed: (inputName: string) => Record<string, ort.Tensor>): Promise<string> {
  try {
    const s = await ort.InferenceSession.create(bytes);
    try {
      await s.run(feed(s.inputNames[0]));
    } finally {
      await s.release();
    }
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('onnxruntime ran the mutated model: the mutation does not test anything');
}

const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();

function assertRefusalCarries(r: Awaited<ReturnType<typeof crossCheck>>, file: string, ortText: string) {
  assert.equal(r.ok, false);
  assert.equal(r.maxAbsDiff, null);
  assert.ok(r.ortError, JSON.stringify(r));
  // onnxruntime's words, unchanged except for whitespace and a C++ source-location prefix
  assert.ok(oneLine(ortText).endsWith(r.ortError!), `'${r.ortError}' is not onnxruntime's text '${ortText}'`);
  assert.ok(r.ortError!.length > 20);
  const e = crossCheckRefusal(r, file);
  assert.ok(e instanceof ReluLensError);
  assert.equal(e.kind, 'model');
  const line = e.describe();
  assert.ok(line.startsWith(`${file}: `), line);
  assert.ok(line.includes(r.ortError!), line);
  assert.match(line, /onnxruntime could not run the model/);
  assert.doesNotMatch(line, /null|undefined|NaN/);
  assert.doesNotMatch(line, /\n/);
}

test('onnxruntime refuses an op type: the result carries its own error text, never "differs by null"', async () => {
  const model = readModelBytes(readFileSync(FIX01), { file: FIX01 });
  // the reader saw the real file; onnxruntime gets one whose Relu became an op it does not know
  const bytes = mutated(FIX01, (p) => {
    p.graph!.node.find((n) => n.op_type === 'Relu')!.op_type = 'ReluLensNoSuchOp';
  });
  const said = await ortSays(bytes, (name) => ({ [name]: new ort.Tensor('float32', new Float32Array(4), [2, 2]) }));
  const r = await crossCheck(model, bytes, undefined, { modelPath: FIX01 });
  assertRefusalCarries(r, FIX01, said);
  assert.match(r.ortError!, /ReluLensNoSuchOp/);
  assert.match(r.warning ?? '', /ReluLensNoSuchOp/);
});

test('onnxruntime refuses a shape at run time: its multi-line message becomes one line', async () => {
  const model = readModelBytes(readFileSync(FIX01), { file: FIX01 });
  // the declared input says 3 features; the weights (and the feed) have 2
  const bytes = mutated(FIX01, (p) => {
    p.graph!.input[0].type!.tensor_type!.shape!.dim[1] = { dim_value: 3 };
  });
  const said = await ortSays(bytes, (name) => ({ [name]: new ort.Tensor('float32', new Float32Array(4), [2, 2]) }));
  assert.match(said, /\n/, 'onnxruntime wrote this one on several lines');
  const r = await crossCheck(model, bytes);
  assertRefusalCarries(r, 'model.onnx', said);
  assert.match(r.ortError!, /invalid dimensions/i);
});

test('ortMessage drops the C++ source location onnxruntime prefixes, keeps the rest verbatim', () => {
  const raw =
    '/onnxruntime_src/onnxruntime/core/graph/model.cc:202 onnxruntime::Model::Model(onnx::ModelProto&&, const onnxruntime::PathString&) Unsupported model IR version: 99, max supported IR version: 13\n';
  assert.equal(ortMessage(new Error(raw)), 'Unsupported model IR version: 99, max supported IR version: 13');
  assert.equal(
    ortMessage(new Error('Got invalid dimensions for input: x for the following indices\n index: 1 Got: 2 Expected: 3\n')),
    'Got invalid dimensions for input: x for the following indices index: 1 Got: 2 Expected: 3',
  );
  assert.equal(ortMessage('plain string'), 'plain string');
});

test("CLI: a model onnxruntime cannot load exits 3 with one line naming the file and onnxruntime's reason", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rl-ort-'));
  try {
    const file = join(dir, 'future-ir.onnx');
    // ReLU Lens reads it (it ignores ir_version); onnxruntime refuses to load it
    const bytes = mutated(FIX01, (p) => {
      p.ir_version = 99;
    });
    writeFileSync(file, bytes);
    readModelBytes(bytes, { file });
    const said = await ortSays(bytes, (name) => ({ [name]: new ort.Tensor('float32', new Float32Array(4), [2, 2]) }));
    assert.match(said, /IR version/);
    for (const json of [false, true]) {
      const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'src/cli/main.ts'), 'inspect', file, ...(json ? ['--json'] : [])], {
        cwd: REPO_ROOT,
        encoding: 'utf8',
        timeout: 120_000,
      });
      assert.equal(r.status, 3, `exit ${r.status}: ${r.stderr}`);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, r.stderr);
      assert.ok(lines[0].includes(file), lines[0]);
      assert.match(lines[0], /onnxruntime could not run the model/);
      assert.match(lines[0], /Unsupported model IR version: 99/);
      assert.ok(oneLine(said).includes(lines[0].slice(lines[0].indexOf('Unsupported'))), `${lines[0]} vs ${said}`);
      assert.doesNotMatch(r.stderr, /differs by|null/);
      if (json) assert.match(JSON.parse(r.stdout).error, /Unsupported model IR version: 99/);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('tolerance rules: named constants, scaled to the outputs, never an absolute 1.26 for float16', () => {
  // the case: float16 outputs of ~2.7 behind a 784-wide layer (accumulated size ~43)
  const f16 = crossToleranceFor('float16', 2.7, 43);
  const ulp16 = 2.7 * 2 ** -10;
  assert.ok(f16.tolerance >= FLOAT16_TOLERANCE_ULPS * ulp16, `${f16.tolerance}`);
  assert.ok(f16.tolerance <= 1.01 * FLOAT16_TOLERANCE_ULPS * ulp16 + 1e-4, `${f16.tolerance}`);
  assert.ok(f16.tolerance < (0.1 * 2.7) / 5, 'an error of 0.1 of the output is far outside');
  assert.ok(FLOAT16_TOLERANCE_ULPS >= 2 && FLOAT16_TOLERANCE_ULPS <= 16, 'a few float16 ulps');
  assert.equal(
    f16.rule,
    `float16: ${FLOAT16_TOLERANCE_ULPS} float16 ulps of the largest output 2.70 + ${FLOAT32_TOLERANCE_ULPS} float32 ulps of the accumulated size 43.0`,
  );
  // float32: a few ulps of the accumulated size (it bounds every partial sum)
  const f32 = crossToleranceFor('float32', 2.7, 1260);
  assert.equal(f32.tolerance, FLOAT32_TOLERANCE_ULPS * 2 ** -23 * 1260);
  assert.equal(f32.rule, `float32: ${FLOAT32_TOLERANCE_ULPS} float32 ulps of the accumulated size 1.26e+3`);
  // float64: ~1e-9 relative, which still catches float64 weights narrowed to float32 (~6e-8)
  const f64 = crossToleranceFor('float64', 30, 25);
  assert.equal(f64.tolerance, FLOAT64_RELATIVE_TOLERANCE * 30);
  assert.ok(f64.tolerance < 2 ** -24 * 30);
  // scaled, not absolute: a thousand times smaller outputs, a thousand times smaller tolerance
  for (const p of ['float16', 'float32', 'float64'] as const) {
    const big = crossToleranceFor(p, 1, 1).tolerance,
      small = crossToleranceFor(p, 1e-3, 1e-3).tolerance;
    assert.ok(Math.abs(small / big - 1e-3) < 1e-9, `${p}: ${small} vs ${big}`);
    assert.ok(crossToleranceFor(p, 0, 0).tolerance > 0, `${p}: all-zero outputs still get a (tiny) tolerance`);
  }
});

// ---- float16 copies of the real fixtures ----------------------------------------------------

/** The fixture with every float32 tensor, input, output and Cast turned into float16. */
function toFloat16(path: string): Uint8Array {
  return mutated(path, (p) => {
    const g = p.graph!;
    const half = (t: TensorProto): TensorProto => {
      if (t.data_type !== FLOAT) return t;
      const v = readTensor(t, { loc: {} }).values;
      const raw = new Uint8Array(2 * v.length);
      const dv = new DataView(raw.buffer);
      v.forEach((x, i) => dv.setUint16(2 * i, doubleToHalfBits(x), true));
      return { name: t.name, dims: t.dims, data_type: FLOAT16, raw_data: raw } as TensorProto;
    };
    g.initializer = g.initializer.map(half);
    for (const vi of [...g.input, ...g.output, ...(g.value_info ?? [])]) if (vi.type?.tensor_type?.elem_type === FLOAT) vi.type.tensor_type.elem_type = FLOAT16;
    for (const n of g.node)
      for (const a of n.attribute) {
        if (a.t) a.t = half(a.t);
        if (n.op_type === 'Cast' && a.name === 'to' && Number(a.i) === FLOAT) a.i = FLOAT16;
      }
  });
}

function inputs(model: CanonicalModel, rows: number, seed: number): Mat {
  return { rows, cols: model.d, data: Float64Array.from(rand(rows * model.d, seed), (v) => 2 * v) };
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

const accepted = readdirSync(ACCEPT)
  .filter((f) => f.endsWith('.onnx'))
  .sort();

for (const f of accepted) {
  test(`float16 copy of ${f}: passes unperturbed, tolerance a few float16 ulps of the outputs`, async () => {
    const bytes = toFloat16(join(ACCEPT, f));
    const model = readModelBytes(bytes, { file: f });
    assert.equal(model.dtype, 'float16');
    assert.equal(model.inputDtype, 'float16');
    const X = inputs(model, 64, 7);
    const r = await crossCheck(model, bytes, X);
    assert.equal(r.warning, undefined, r.warning);
    assert.equal(r.precision, 'float16');
    assert.ok(r.toleranceRule.startsWith(`float16: ${FLOAT16_TOLERANCE_ULPS} float16 ulps of the largest output `), r.toleranceRule);
    assert.ok(r.ok && r.maxAbsDiff !== null, `${f}: maxAbsDiff ${r.maxAbsDiff} > tolerance ${r.tolerance} (${r.toleranceRule})`);
    // the largest output the check saw is in the rule; the tolerance is ~8 ulps of it, not ~1e-2 × (1 + it) or more
    const out = Number(/largest output (\S+)/.exec(r.toleranceRule)![1]);
    assert.ok(r.tolerance <= (FLOAT16_TOLERANCE_ULPS + 2) * out * 2 ** -10 + 1e-3, `${f}: tolerance ${r.tolerance} for outputs up to ${out}`);
  });
}

test('float16 copy of fixture 08 (784 wide): extracted weights off by 0.1 of the output are rejected', async () => {
  const bytes = toFloat16(FIX08);
  const model = readModelBytes(bytes, { file: 'f16-08.onnx' });
  const X = inputs(model, 64, 8);
  const out = maxAbs(forward(model, X).data);
  assert.ok(out > 1, `outputs up to ${out}`);
  const good = await crossCheck(model, bytes, X);
  assert.ok(good.ok, JSON.stringify(good));
  // the old rule gave this model a tolerance of ~36 (on outputs of ~35): it passed anything
  assert.ok(good.tolerance < 0.02 * out, `tolerance ${good.tolerance} for outputs up to ${out}`);

  const shifted = { ...model, b2: Float64Array.from(model.b2!, (v, k) => v + (k % 2 ? -0.1 : 0.1) * out) };
  const scaled = { ...model, W2: { ...model.W2, data: model.W2.data.map((v) => 1.1 * v) } };
  for (const [what, bad] of [
    ['output bias + 0.1·max|y|', shifted],
    ['W2 × 1.1', scaled],
  ] as const) {
    const r = await crossCheck(bad, bytes, X);
    assert.equal(r.ok, false, `${what}: accepted with maxAbsDiff ${r.maxAbsDiff} ≤ ${r.tolerance}`);
    assert.ok(r.maxAbsDiff! > r.tolerance);
    const e = crossCheckRefusal(r, 'f16-08.onnx')!;
    assert.match(e.describe(), /^f16-08\.onnx: the extracted weights do not reproduce the model: onnxruntime differs by \S+ \(tolerance \S+, float16: /);
  }
});

test('float16 copies of the other head-free fixtures: an output bias off by 0.1 of the output is rejected', async () => {
  for (const f of accepted) {
    const bytes = toFloat16(join(ACCEPT, f));
    const model = readModelBytes(bytes, { file: f });
    if (model.head.kind !== 'none') continue;
    const X = inputs(model, 32, 9);
    const out = maxAbs(forward(model, X).data);
    const b2 = model.b2 ? Float64Array.from(model.b2) : new Float64Array(model.c);
    b2[0] += 0.1 * out;
    const r = await crossCheck({ ...model, b2 }, bytes, X);
    assert.equal(r.ok, false, `${f}: accepted with maxAbsDiff ${r.maxAbsDiff} ≤ ${r.tolerance} (outputs up to ${out})`);
  }
});

// The graph Casts the input to float16. The check feeds float16 numbers, so that Cast is exact on
// either side whether onnxruntime keeps it or (as its CPU provider does, running the float16 Gemm
// in float32) drops it; the tight float16 tolerance must then hold.
test('float16 weights behind a float32 input (Cast in the graph): agrees within the float16 rule', async () => {
  const d = 16,
    m = 32,
    c = 2;
  const W1 = rand(m * d, 21),
    W2 = rand(c * m, 22);
  const bytes = buildModel({
    nodes: [
      node('Cast', ['x'], ['xh'], { to: FLOAT16 }),
      node('Gemm', ['xh', 'W1', 'b1'], ['h'], { transB: 1 }),
      node('Relu', ['h'], ['r']),
      node('Gemm', ['r', 'W2', 'b2'], ['yh'], { transB: 1 }),
      node('Cast', ['yh'], ['y'], { to: FLOAT }),
    ],
    inits: [
      tensor('W1', [m, d], W1, FLOAT16),
      tensor('b1', [m], rand(m, 23), FLOAT16),
      tensor('W2', [c, m], W2, FLOAT16),
      tensor('b2', [c], rand(c, 24), FLOAT16),
    ],
    inputs: [{ name: 'x', shape: ['N', d] }],
    outputs: [{ name: 'y', shape: ['N', c] }],
  });
  const model = readModelBytes(bytes, { file: 'cast.onnx' });
  assert.equal(model.dtype, 'float16');
  assert.equal(model.inputDtype, 'float32');
  // user data that are not float16 numbers
  const X = { rows: 64, cols: d, data: Float64Array.from(rand(64 * d, 25), (v) => Math.fround(3 * v + 1e-4)) };
  const r = await crossCheck(model, bytes, X);
  assert.equal(r.precision, 'float16');
  assert.ok(r.ok, `maxAbsDiff ${r.maxAbsDiff} > ${r.tolerance} (${r.toleranceRule})`);
});

test('float32 and float64 real models keep tight, reported tolerances', async () => {
  const { model, bytes } = { model: readModelBytes(readFileSync(FIX08), { file: FIX08 }), bytes: readFileSync(FIX08) };
  const r = await crossCheck(model, bytes);
  assert.equal(r.precision, 'float32');
  assert.ok(r.toleranceRule.startsWith(`float32: ${FLOAT32_TOLERANCE_ULPS} float32 ulps of the accumulated size `), r.toleranceRule);
  assert.ok(r.ok, JSON.stringify(r));
  assert.ok(r.tolerance < 1e-5 * 1500, `${r.tolerance}`);
  const torch = join(REPO_ROOT, 'test/fixtures/torch/legacy_f64_bias.onnx');
  const b64 = readFileSync(torch);
  const m64 = readModelBytes(b64, { file: torch });
  const r64 = await crossCheck(m64, b64);
  assert.equal(r64.precision, 'float64');
  assert.ok(r64.ok && r64.maxAbsDiff! <= r64.tolerance, JSON.stringify(r64));
  assert.ok(r64.tolerance < 1e-7, `${r64.tolerance}`);
  // float64 weights read with a float32-sized error (what narrowing them to float32 does): caught
  const narrowed = { ...m64, W2: { ...m64.W2, data: m64.W2.data.map((v) => v * (1 + 2 ** -23)) } };
  const rn = await crossCheck(narrowed, b64);
  assert.equal(rn.ok, false, JSON.stringify(rn));
});
