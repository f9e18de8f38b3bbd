import { encodeModelProto, type ModelProto } from './proto';
import type { Mat } from '../linalg/mat';

/**
 * Write a two-layer ReLU network as ONNX: Gemm(transB=1) → Relu → Gemm(transB=1) [→ head].
 * Used to export optimal/witness networks and to build benchmark inputs. Weights are stored in
 * raw_data, little-endian, in the requested element type.
 */
export interface WriteOptions {
  dtype: 'float32' | 'float64';
  inputName?: string;
  outputName?: string;
  head?: 'none' | 'softmax' | 'sigmoid' | 'logsoftmax';
  producer?: string;
  /**
   * Drop-in options (all optional; defaults give the plain ['batch', d] → ['batch', c] graph).
   * Shapes as the original model declares them: a string is a symbolic dim, null an unnamed one.
   * A shape of rank ≠ 2 gets a Reshape to [-1, d] in front / to the declared shape behind.
   */
  inputShape?: (number | string | null)[];
  outputShape?: (number | string | null)[];
  /** element type of the graph input and output when it differs from the weights' (Cast nodes are added) */
  ioDtype?: 'float16' | 'float32' | 'float64';
  /** Softmax/LogSoftmax axis (default 1) */
  headAxis?: number;
  /** metadata_props entries */
  metadata?: Record<string, string>;
  docString?: string;
}

const ELEM = { float16: 10, float32: 1, float64: 11 } as const;
const INT64 = 7;

function int64Tensor(name: string, values: number[]) {
  const raw = new Uint8Array(values.length * 8);
  const dv = new DataView(raw.buffer);
  values.forEach((v, i) => dv.setBigInt64(i * 8, BigInt(v), true));
  return { name, dims: [values.length], data_type: INT64, raw_data: raw };
}

/** The Reshape target for a declared shape: fixed dims kept, the first non-fixed dim becomes −1. */
function reshapeTarget(shape: (number | string | null)[], total: number): number[] {
  const out = shape.map((s) => (typeof s === 'number' && s > 0 ? s : -1));
  const free = out.filter((v) => v === -1).length;
  if (free > 1) throw new RangeError(`cannot reshape to ${JSON.stringify(shape)}: more than one unknown dimension`);
  if (free === 0 && out.reduce((a, b) => a * b, 1) % total !== 0)
    throw new RangeError(`shape ${JSON.stringify(shape)} does not fit ${total} values per sample`);
  return out;
}

function tensor(name: string, dims: number[], values: ArrayLike<number>, dtype: 'float32' | 'float64') {
  const bytesPer = dtype === 'float32' ? 4 : 8;
  const raw = new Uint8Array(values.length * bytesPer);
  const dv = new DataView(raw.buffer);
  for (let i = 0; i < values.length; i++)
    if (dtype === 'float32') dv.setFloat32(i * 4, values[i], true);
    else dv.setFloat64(i * 8, values[i], true);
  return { name, dims, data_type: ELEM[dtype], raw_data: raw };
}

export function writeTwoLayerOnnx(net: { W1: Mat; b1: ArrayLike<number> | null; W2: Mat; b2: ArrayLike<number> | null }, opts: WriteOptions): Uint8Array {
  const { W1, W2 } = net;
  const m = W1.rows,
    d = W1.cols,
    c = W2.rows;
  const inName = opts.inputName ?? 'input';
  const outName = opts.outputName ?? 'output';
  const head = opts.head ?? 'none';
  const io = opts.ioDtype ?? opts.dtype;
  const inShape = opts.inputShape ?? ['batch', d];
  const outShape = opts.outputShape ?? ['batch', c];
  const init: ReturnType<typeof tensor>[] = [tensor('W1', [m, d], W1.data, opts.dtype), tensor('W2', [c, m], W2.data, opts.dtype)];
  if (net.b1) init.push(tensor('b1', [m], net.b1, opts.dtype));
  if (net.b2) init.push(tensor('b2', [c], net.b2, opts.dtype));
  type Node = { op_type: string; name: string; input: string[]; output: string[]; attribute: object[] };
  const node: Node[] = [];
  let x = inName;
  if (io !== opts.dtype) {
    node.push({ op_type: 'Cast', name: 'cast_in', input: [x], output: ['relu_lens/x_cast'], attribute: [{ name: 'to', type: 2, i: ELEM[opts.dtype] }] });
    x = 'relu_lens/x_cast';
  }
  if (inShape.length !== 2) {
    init.push(int64Tensor('relu_lens/in_shape', [-1, d]) as never);
    node.push({ op_type: 'Reshape', name: 'reshape_in', input: [x, 'relu_lens/in_shape'], output: ['relu_lens/x2d'], attribute: [] });
    x = 'relu_lens/x2d';
  }
  node.push(
    { op_type: 'Gemm', name: 'layer1', input: net.b1 ? [x, 'W1', 'b1'] : [x, 'W1'], output: ['relu_lens/h'], attribute: [{ name: 'transB', type: 2, i: 1 }] },
    { op_type: 'Relu', name: 'relu', input: ['relu_lens/h'], output: ['relu_lens/a'], attribute: [] },
    {
      op_type: 'Gemm',
      name: 'layer2',
      input: net.b2 ? ['relu_lens/a', 'W2', 'b2'] : ['relu_lens/a', 'W2'],
      output: ['relu_lens/logits'],
      attribute: [{ name: 'transB', type: 2, i: 1 }],
    },
  );
  let y = 'relu_lens/logits';
  if (head !== 'none') {
    const op = { softmax: 'Softmax', sigmoid: 'Sigmoid', logsoftmax: 'LogSoftmax' }[head];
    node.push({
      op_type: op,
      name: 'head',
      input: [y],
      output: ['relu_lens/probs'],
      attribute: head === 'sigmoid' ? [] : [{ name: 'axis', type: 2, i: opts.headAxis ?? 1 }],
    });
    y = 'relu_lens/probs';
  }
  if (outShape.length !== 2) {
    init.push(int64Tensor('relu_lens/out_shape', reshapeTarget(outShape, c)) as never);
    node.push({ op_type: 'Reshape', name: 'reshape_out', input: [y, 'relu_lens/out_shape'], output: ['relu_lens/y_shaped'], attribute: [] });
    y = 'relu_lens/y_shaped';
  }
  if (io !== opts.dtype) {
    node.push({ op_type: 'Cast', name: 'cast_out', input: [y], output: ['relu_lens/y_cast'], attribute: [{ name: 'to', type: 2, i: ELEM[io] }] });
    y = 'relu_lens/y_cast';
  }
  // the last node writes the graph output
  node[node.length - 1].output = [outName];
  const vi = (name: string, dims: (number | string | null)[]) => ({
    name,
    type: {
      tensor_type: {
        elem_type: ELEM[io],
        shape: { dim: dims.map((v) => (typeof v === 'number' ? { dim_value: v } : typeof v === 'string' && v ? { dim_param: v } : {})) },
      },
    },
  });
  const model = {
    ir_version: 8,
    opset_import: [{ domain: '', version: 13 }],
    producer_name: opts.producer ?? 'relu-lens',
    producer_version: '0.1.0',
    ...(opts.docString ? { doc_string: opts.docString } : {}),
    metadata_props: Object.entries(opts.metadata ?? {}).map(([key, value]) => ({ key, value })),
    graph: { name: 'relu_lens_two_layer', node, initializer: init, input: [vi(inName, inShape)], output: [vi(outName, outShape)] },
  } as unknown as ModelProto;
  return encodeModelProto(model);
}
