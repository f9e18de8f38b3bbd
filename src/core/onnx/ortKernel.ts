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

/**
 * Threads of onnxruntime's intra-op pool for the engine's products. One, for determinism: with more,
 * MLAS splits the inner dimension of a short-and-wide product (the solver's gradient X̃ᵀ·(mask∘r),
 * 11×1000 · 1000×100) across threads and the bits depend on the thread count, so the same inputs
 * would give different numbers on different machines (test/convex/ortKernel.test.ts). Also the CPU
 * budget counts user+sys over all threads, and the products are ~2–10% of a solve.
 */
export const ORT_INTRA_OP_THREADS = 1;

/** onnxruntime MatMul in float64 (exact up to summation order) or float32 (faster, rounded inputs). */
export async function ortKernel(dtype: 'float64' | 'float32', threads = ORT_INTRA_OP_THREADS): Promise<MatmulKernel | null> {
  let ort: typeof import('onnxruntime-node');
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    ort = require('onnxruntime-node');
  } catch {
    return null;
  }
  const session = await ort.InferenceSession.create(matmulModel(dtype === 'float64' ? ONNX_DOUBLE : ONNX_FLOAT), {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    // no busy-waiting pool threads between the solver's products (they would burn the shared cores)
    extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
  });
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
