import { Matrix } from 'ml-matrix';
import { jsKernel, type MatmulKernel } from '../src/core/linalg/kernel';
import { ortKernel } from '../src/core/onnx/ortKernel';
import { type Mat, zeros } from '../src/core/linalg/mat';

function rand(rows: number, cols: number, seed: number): Mat {
  const m = zeros(rows, cols);
  let s = seed >>> 0;
  for (let i = 0; i < m.data.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    m.data[i] = s / 2 ** 32 - 0.5;
  }
  return m;
}

async function timeIt(f: () => Promise<unknown>, minMs = 300): Promise<number> {
  await f();
  let reps = 0;
  const t0 = performance.now();
  do {
    await f();
    reps++;
  } while (performance.now() - t0 < minMs);
  return (performance.now() - t0) / reps;
}

/** The hot product shape of the solvers: samples × features times features × patterns. */
export async function benchMatmul(shapes: [number, number, number][]) {
  const rows: Record<string, unknown>[] = [];
  const kernels: MatmulKernel[] = [jsKernel];
  for (const dt of ['float64', 'float32'] as const) {
    const k = await ortKernel(dt);
    if (k) kernels.push(k);
  }
  for (const [n, k, m] of shapes) {
    const a = rand(n, k, 1),
      b = rand(k, m, 2);
    const flop = 2 * n * k * m;
    const ref = await jsKernel.matmul(a, b);
    for (const ker of kernels) {
      const ms = await timeIt(() => ker.matmul(a, b));
      const out = await ker.matmul(a, b);
      let err = 0;
      for (let i = 0; i < out.data.length; i++) err = Math.max(err, Math.abs(out.data[i] - ref.data[i]));
      rows.push({ bench: 'matmul', kernel: ker.name, n, k, m, ms, gflops: flop / ms / 1e6, maxAbsErrVsJs: err });
    }
    const A = new Matrix(n, k),
      B = new Matrix(k, m);
    for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) A.set(i, j, a.data[i * k + j]);
    for (let i = 0; i < k; i++) for (let j = 0; j < m; j++) B.set(i, j, b.data[i * m + j]);
    const ms = await timeIt(async () => A.mmul(B));
    rows.push({ bench: 'matmul', kernel: 'ml-matrix', n, k, m, ms, gflops: flop / ms / 1e6, maxAbsErrVsJs: 0 });
  }
  for (const ker of kernels) await ker.dispose?.();
  return rows;
}
