import { type Mat, matmul } from './mat';

/**
 * One small interface over the two ways the engine multiplies large matrices: plain JS (always
 * there, exact float64) and onnxruntime-node's MatMul (a tuned kernel; loaded lazily, may be
 * missing on a platform; it is onnx/ortKernel.ts, so linalg/ never imports onnx/). `npm run bench`
 * measures both in the same run; the engine picks by size.
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
