import { encodeModelProto, ModelProto } from './proto';
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
}

const ELEM = { float32: 1, float64: 11 } as const;

function tensor(name: string, dims: number[], values: ArrayLike<number>, dtype: 'float32' | 'float64') {
  const bytesPer = dtype === 'float32' ? 4 : 8;
  const raw = new Uint8Array(values.length * bytesPer);
  const dv = new DataView(raw.buffer);
  for (let i = 0; i < values.length; i++)
    if (dtype === 'float32') dv.setFloat32(i * 4, values[i], true);
    else dv.setFloat64(i * 8, values[i], true);
  return { name, dims, data_type: ELEM[dtype], raw_data: raw };
}

export function writeTwoLayerOnnx(
  net: { W1: Mat; b1: ArrayLike<number> | null; W2: Mat; b2: ArrayLike<number> | null },
  opts: WriteOptions,
): Uint8Array {
  const { W1, W2 } = net;
  const m = W1.rows, d = W1.cols, c = W2.rows;
  const inName = opts.inputName ?? 'input';
  const outName = opts.outputName ?? 'output';
  const head = opts.head ?? 'none';
  const init = [tensor('W1', [m, d], W1.data, opts.dtype), tensor('W2', [c, m], W2.data, opts.dtype)];
  if (net.b1) init.push(tensor('b1', [m], net.b1, opts.dtype));
  if (net.b2) init.push(tensor('b2', [c], net.b2, opts.dtype));
  const preHead = head === 'none' ? outName : 'logits';
  const node = [
    { op_type: 'Gemm', name: 'layer1', input: net.b1 ? [inName, 'W1', 'b1'] : [inName, 'W1'], output: ['h'], attribute: [{ name: 'transB', type: 2, i: 1 }] },
    { op_type: 'Relu', name: 'relu', input: ['h'], output: ['a'] },
    { op_type: 'Gemm', name: 'layer2', input: net.b2 ? ['a', 'W2', 'b2'] : ['a', 'W2'], output: [preHead], attribute: [{ name: 'transB', type: 2, i: 1 }] },
  ];
  if (head !== 'none') {
    const op = { softmax: 'Softmax', sigmoid: 'Sigmoid', logsoftmax: 'LogSoftmax' }[head];
    node.push({ op_type: op, name: 'head', input: [preHead], output: [outName], attribute: head === 'sigmoid' ? [] : [{ name: 'axis', type: 2, i: 1 }] } as never);
  }
  const vi = (name: string, dims: (number | string)[]) => ({
    name,
    type: {
      tensor_type: {
        elem_type: ELEM[opts.dtype],
        shape: { dim: dims.map((x) => (typeof x === 'number' ? { dim_value: x } : { dim_param: x })) },
      },
    },
  });
  const model = {
    ir_version: 8,
    opset_import: [{ domain: '', version: 13 }],
    producer_name: opts.producer ?? 'relu-lens',
    producer_version: '0.1.0',
    graph: { name: 'relu_lens_two_layer', node, initializer: init, input: [vi(inName, ['batch', d])], output: [vi(outName, ['batch', c])] },
  } as unknown as ModelProto;
  return encodeModelProto(model);
}
