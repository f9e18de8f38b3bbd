/**
 * onnxruntime-node's MatMul behind linalg's MatmulKernel: a one-node ONNX graph built with the
 * project's own protobuf writer. It lives in onnx/ (not linalg/) so the kernels stay free of the
 * ONNX reader and the folders import one way.
 */
import type { MatmulKernel } from '../linalg/kernel';
import { encodeModelProto, type ModelProto } from './proto';

const ONNX_DOUBLE = 11;
const ONNX_FLOAT = 1;

function matmulModel(elemType: number): Uint8Array {
  const vi = (name: string, dims: string[]) => ({
    name,
    type: { tensor_type: { elem_type: elemType, shape: { dim: dims.map((d) => ({ dim_param: d })) } } },
  });
  const model = {
    ir_version: 8,
    opset_import: [{ domain: '', version: 13 }],
    producer_name: 'relu-lens',
    graph: {
      name: 'matmul',
      node: [{ op_type: 'MatMul', input: ['A', 'B'], output: ['C'], name: 'mm' }],
      input: [vi('A', ['n', 'k']), vi('B', ['k', 'm'])],
      output: [vi('C', ['n', 'm'])],
    },
  } as unknown as ModelProto;
  return encodeModelProto(model);
}

/** onnxruntime MatMul in float64 (exact up to summation order) or float32 (faster, rounded inputs). */
export async function ortKernel(dtype: 'float64' | 'float32'): Promise<MatmulKernel | null> {
  let ort: typeof import('onnxruntime-node');
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    ort = require('onnxruntime-node');
  } catch {
    return null;
  }
  const session = await ort.InferenceSession.create(matmulModel(dtype === 'float64' ? ONNX_DOUBLE : ONNX_FLOAT));
  const Arr = dtype === 'float64' ? Float64Array : Float32Array;
  return {
    name: `onnxruntime-${dtype}`,
    async matmul(a, b) {
      const A = new ort.Tensor(dtype, dtype === 'float64' ? a.data : Arr.from(a.data), [a.rows, a.cols]);
      const B = new ort.Tensor(dtype, dtype === 'float64' ? b.data : Arr.from(b.data), [b.rows, b.cols]);
      const out = await session.run({ A, B });
      const c = out.C.data as Float64Array | Float32Array;
      return { rows: a.rows, cols: b.cols, data: c instanceof Float64Array ? c : Float64Array.from(c) };
    },
    dispose: () => session.release(),
  };
}
