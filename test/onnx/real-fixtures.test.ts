/** The real exporter files of shared/fixtures/onnx-real (see its MANIFEST.md). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { crossCheck, readModelBytes, readModelFile } from '../../src/core/onnx/index';
import { GraphIndex } from '../../src/core/onnx/graph';
import { decodeModel } from '../../src/core/onnx/index';
import { ReluLensError } from '../../src/core/errors';
import { withAllocSpy } from './allocSpy';
import type { CanonicalModel } from '../../src/core/model';
import { REAL_FIXTURES } from './paths';

const ACCEPT = join(REAL_FIXTURES, 'accept');
const REFUSE = join(REAL_FIXTURES, 'refuse');

/** d-m-c and head from MANIFEST.md */
const MANIFEST: Record<string, { dmc: string; head?: string }> = {
  '01_omlt_gemm_transB.onnx': { dmc: '2-2-1', head: 'none' },
  '02_omlt_gemm_not_transB.onnx': { dmc: '2-2-1', head: 'none' },
  '03_omlt_keras_linear_131_relu_tf2onnx.onnx': { dmc: '1-3-1', head: 'none' },
  '04_marabou_fc_2-2-3_keras2onnx.onnx': { dmc: '2-2-3', head: 'none' },
  '05_marabou_test_tiny_vnncomp_nnet2onnx.onnx': { dmc: '1-1-1', head: 'none' },
  '08_ppml_slp_calibrated_torch_reshape_metadata.onnx': { dmc: '784-100-10', head: 'none' },
  '13_numpyquant_torch_gemm_sigmoid_head.onnx': { dmc: '2-5-2', head: 'sigmoid' },
};

/** The reason each refusal must state (a word or phrase of the message). */
const REFUSALS: Record<string, { op: string; reason: RegExp }> = {
  'r01_omlt_gemm_3layer_logsoftmax.onnx': { op: 'Gemm', reason: /three linear layers/ },
  'r02_omlt_keras_linear_131_sigmoid.onnx': { op: 'Sigmoid', reason: /hidden activation is Sigmoid, ReLU Lens handles ReLU only/ },
  'r03_marabou_fc_2-2sigmoids-3.onnx': { op: 'Sigmoid', reason: /hidden activation is Sigmoid/ },
  'r04_marabou_mnist2x10_two_hidden.onnx': { op: 'Gemm', reason: /two hidden ReLU layers/ },
  'r05_marabou_gemm_batchnorm_gemm_no_relu.onnx': { op: 'BatchNormalization', reason: /BatchNormalization/ },
  'r06_marabou_fc1_tf2onnx154_inits_as_inputs_4layer.onnx': { op: 'Gemm', reason: /four linear layers/ },
  'r07_marabou_fc2_flatten_axis0_no_relu.onnx': { op: 'Flatten', reason: /axis=0/ },
  'r10_mvjl_small_nnet_float_input_double_weights.onnx': { op: 'Gemm', reason: /type-invalid.*float32.*float64/ },
  'r15_marabou_test_nano_skl2onnx_matmul_relu.onnx': { op: 'Relu', reason: /only one linear layer/ },
  'r16_marabou_yizhak_gemm_add_gemm_no_relu.onnx': { op: 'Gemm', reason: /no nonlinearity/ },
};

const accepted = new Map<string, CanonicalModel>();

for (const f of readdirSync(ACCEPT)
  .filter((x) => x.endsWith('.onnx'))
  .sort()) {
  test(`accept/${f}: read and agrees with onnxruntime`, async () => {
    const path = join(ACCEPT, f);
    const { model, bytes } = await readModelFile(path);
    accepted.set(f, model);
    const want = MANIFEST[f];
    assert.ok(want, `${f} is listed in the test's copy of MANIFEST.md`);
    assert.equal(`${model.d}-${model.m}-${model.c}`, want.dmc);
    assert.equal(model.head.kind, want.head);
    assert.equal(model.W1.rows * model.W1.cols, model.m * model.d);
    const r = await crossCheck(model, bytes, undefined, { modelPath: path });
    assert.equal(r.warning, undefined);
    assert.ok(r.ok, `maxAbsDiff ${r.maxAbsDiff} > tolerance ${r.tolerance}`);
    assert.ok(r.maxAbsDiff !== null && r.maxAbsDiff <= 1e-4, `maxAbsDiff ${r.maxAbsDiff}`);
  });
}

test('fixture 02 (transB=0) reads as a different function from 01 (transB=1)', async () => {
  const a = (await readModelFile(join(ACCEPT, '01_omlt_gemm_transB.onnx'))).model;
  const b = (await readModelFile(join(ACCEPT, '02_omlt_gemm_not_transB.onnx'))).model;
  // same initializer bytes, so W1 of 02 is the transpose of W1 of 01
  assert.deepEqual(Array.from(b.W1.data), [a.W1.data[0], a.W1.data[2], a.W1.data[1], a.W1.data[3]]);
  assert.notDeepEqual(Array.from(a.W1.data), Array.from(b.W1.data));
  assert.deepEqual(Array.from(a.W2.data), Array.from(b.W2.data));
});

test('fixture facts: metadata, 1-D input, batch names, producers', async () => {
  const m08 = (await readModelFile(join(ACCEPT, '08_ppml_slp_calibrated_torch_reshape_metadata.onnx'))).model;
  assert.equal(m08.metadata['/Relu_max'], '13.236458131011641');
  assert.deepEqual(m08.input.shape, ['batch_size', 1, 28, 28]);
  assert.ok(m08.nodeMap.preprocess.some((s) => s.startsWith('Reshape')));
  assert.equal(m08.producer.name, 'pytorch');
  assert.equal(m08.opset, 14);
  const m05 = (await readModelFile(join(ACCEPT, '05_marabou_test_tiny_vnncomp_nnet2onnx.onnx'))).model;
  assert.deepEqual(m05.input.shape, [1]);
  const m04 = (await readModelFile(join(ACCEPT, '04_marabou_fc_2-2-3_keras2onnx.onnx'))).model;
  assert.deepEqual(m04.input.shape, ['N', 2]);
  assert.ok(m04.b1 && m04.b2);
  const m13 = (await readModelFile(join(ACCEPT, '13_numpyquant_torch_gemm_sigmoid_head.onnx'))).model;
  assert.equal(m13.head.kind, 'sigmoid');
  assert.deepEqual(m13.compareTensor, { name: 'output', afterHead: true });
  assert.equal(m13.dtype, 'float32');
});

test('readModelBytes gives the same model as readModelFile (no fs needed)', async () => {
  const path = join(ACCEPT, '03_omlt_keras_linear_131_relu_tf2onnx.onnx');
  const a = (await readModelFile(path)).model;
  const b = readModelBytes(readFileSync(path), { file: path });
  assert.deepEqual(Array.from(b.W1.data), Array.from(a.W1.data));
  assert.deepEqual(Array.from(b.W2.data), Array.from(a.W2.data));
});

for (const [f, want] of Object.entries(REFUSALS)) {
  test(`refuse/${f}: refused naming the node and the reason`, async () => {
    await assert.rejects(readModelFile(join(REFUSE, f)), (e: unknown) => {
      assert.ok(e instanceof ReluLensError, String(e));
      assert.equal(e.kind, 'model');
      assert.ok(e.location.node, `no node in ${e.describe()}`);
      assert.equal(e.location.node.opType, want.op, e.describe());
      assert.ok(e.location.node.name.length > 0);
      assert.match(e.message, want.reason);
      return true;
    });
  });
}

test('every refuse/ file is covered by the test', () => {
  const files = readdirSync(REFUSE).filter((x) => x.endsWith('.onnx'));
  for (const f of files) assert.ok(REFUSALS[f], `${f} has no expectation`);
});

test('ferroflow: external data (out-of-order offsets, one inline bias) read as onnx reads it, then refused for depth', async () => {
  const dir = join(REFUSE, 'ferroflow_external_data');
  const path = join(dir, 'mlp.onnx');
  const expected = JSON.parse(readFileSync(join(__dirname, 'ferroflow-expected.json'), 'utf8')) as {
    name: string;
    dims: number[];
    sum: number;
    sumAbs: number;
    weightedSum: number;
    first: number[];
    last: number;
  }[];
  const proto = decodeModel(readFileSync(path), path);
  const g = new GraphIndex(proto.graph!, path, (rel) => readFileSync(join(dir, rel)));
  const user = { node: proto.graph!.node[0], index: 0 };
  assert.equal(expected.length, 6);
  for (const e of expected) {
    const t = g.constant(e.name, user);
    assert.deepEqual(t.dims, e.dims, e.name);
    let sum = 0,
      sumAbs = 0,
      weighted = 0;
    t.values.forEach((v, i) => {
      sum += v;
      sumAbs += Math.abs(v);
      weighted += v * ((i % 97) + 1);
    });
    const close = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * (1 + Math.abs(b));
    assert.ok(close(sum, e.sum), `${e.name} sum ${sum} vs ${e.sum}`);
    assert.ok(close(sumAbs, e.sumAbs), `${e.name} sumAbs`);
    assert.ok(close(weighted, e.weightedSum), `${e.name} weighted sum`);
    assert.deepEqual(Array.from(t.values.subarray(0, 4)), e.first);
    assert.equal(t.values[t.values.length - 1], e.last);
  }
  await assert.rejects(readModelFile(path), (e: unknown) => {
    assert.ok(e instanceof ReluLensError);
    assert.deepEqual(e.location.node, { opType: 'Gemm', name: 'node_linear_2' });
    assert.match(e.message, /three linear layers and two hidden ReLU layers/);
    return true;
  });
});

test('corrupt, truncated, empty and non-ONNX inputs fail fast with "not an ONNX model"', () => {
  const good = readFileSync(join(ACCEPT, '08_ppml_slp_calibrated_torch_reshape_metadata.onnx'));
  const cases: [string, Uint8Array][] = [
    ['empty', new Uint8Array(0)],
    ['text', new TextEncoder().encode('hello, this is not a model\n')],
    ['csv', new TextEncoder().encode('x1,x2,y\n0.1,0.2,1\n')],
    ['truncated', good.subarray(0, good.length >> 1)],
    ['zeros', new Uint8Array(1000)],
  ];
  for (const [what, bytes] of cases) {
    // "fast" as work, not wall-clock: refused without allocating more than the input's size
    const r = withAllocSpy(() =>
      assert.throws(
        () => readModelBytes(bytes, { file: what }),
        (e: unknown) => {
          assert.ok(e instanceof ReluLensError, `${what}: ${e}`);
          return true;
        },
      ),
    );
    if (r.error) throw r.error;
    assert.ok(r.stats.largest <= Math.max(bytes.length, 64), `${what}: a ${r.stats.largestKind} of ${r.stats.largest} elements for ${bytes.length} bytes`);
  }
  assert.throws(() => readModelBytes(new Uint8Array(0), { file: 'e' }), /not an ONNX model/);
  assert.throws(() => readModelBytes(new TextEncoder().encode('hello'), { file: 't' }), /not an ONNX model/);
});
