/**
 * One function decides how the convex program's hot products are multiplied: plain JS below
 * ORT_MIN_FLOPS, onnxruntime float64 above (when it loads). The threshold is measured by
 * bench/convex.ts (same run: both kernels on the program's own shapes, GFLOP/s reported). This is
 * the user's path (analyze → the optimum's and the diagnosis' programs, in the CLI and the panel).
 * Deterministic: the choice depends on the sizes only, and onnxruntime runs on one thread
 * (onnx/ortKernel.ts ORT_INTRA_OP_THREADS), so the same inputs give the same numbers anywhere
 * onnxruntime loads; against plain JS they differ by summation-order rounding only.
 */
import type { Mat } from '../linalg/mat';
import { jsKernel, type MatmulKernel } from '../linalg/kernel';
import { ortKernel } from '../onnx/ortKernel';

/**
 * 2·rows·inner·cols above which onnxruntime's float64 MatMul is used. Measured on this machine
 * (2 shared cores, 2026-11-23, program shapes n×(d+1) times (d+1)×patterns): onnxruntime was faster
 * already at 1.2e4 flops (0.17 vs 0.26 ms) and 10–20× faster from 2e6 flops; below ~1e4 flops the
 * tensor setup and the async hop dominate, so plain JS is kept there.
 */
export const ORT_MIN_FLOPS = 1e4;

let ort: Promise<MatmulKernel | null> | null = null;

/** The kernel for one product: `forced` if given, else by size. */
export async function chooseProduct(a: Mat, b: Mat, forced?: MatmulKernel): Promise<MatmulKernel> {
  if (forced) return forced;
  const flops = 2 * a.rows * a.cols * b.cols;
  if (flops < ORT_MIN_FLOPS) return jsKernel;
  if (!ort) ort = ortKernel('float64').catch(() => null);
  return (await ort) ?? jsKernel;
}
