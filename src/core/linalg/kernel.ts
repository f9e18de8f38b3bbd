import { Mat, matmul } from './mat';
import { encodeModelProto, ModelProto } from '../onnx/proto';

/**
 * One small interface over the two ways the engine multiplies large matrices: plain JS (always
 * there, exact float64) and onnxruntime-node's MatMul (a tuned kernel; loaded lazily, may be
 * missing on a platform). `npm run bench` measures both in the same run; the engine picks by size.
 */
export interface MatmulKernel {
  readonly name: string;
  matmul(a: Mat, b: Mat): Promise<Mat>;
  dispose?(): Promise<void>;
}

export const jsKernel: MatmulKernel = {
  name: 'js',
  matmul: async (a, b) => matmul(a, b),
};

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
