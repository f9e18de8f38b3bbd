/**
 * The product kernel on the user's path (issue #19 item 5) is deterministic: onnxruntime's float64
 * MatMul runs on ORT_INTRA_OP_THREADS = 1 thread (with more, MLAS splits the inner dimension of a
 * short-and-wide product across threads and the bits depend on the thread count — seen on 11×1000 ·
 * 1000×100, the gradient's shape), two sessions give the same bits, it agrees with the reference
 * product within the float64 summation bound (k·ε·Σ|a||b| per entry), and the JS/onnxruntime choice
 * depends on the sizes only (never on the data).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ortKernel, ORT_INTRA_OP_THREADS } from '../../src/core/onnx/ortKernel';
import { chooseProduct, ORT_MIN_FLOPS } from '../../src/core/convex';
import { type Mat, zeros } from '../../src/core/linalg/mat';

function rand(rows: number, cols: number, seed: number): Mat {
  let s = seed >>> 0 || 1;
  const m = zeros(rows, cols);
  for (let i = 0; i < m.data.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    m.data[i] = s / 2 ** 32 - 0.5;
  }
  return m;
}

/** C = A·B entry by entry with Σ|a||b| beside it (the summation bound's scale) */
function reference(a: Mat, b: Mat): { c: Float64Array; abs: Float64Array } {
  const c = new Float64Array(a.rows * b.cols),
    abs = new Float64Array(a.rows * b.cols);
  for (let i = 0; i < a.rows; i++)
    for (let j = 0; j < b.cols; j++) {
      let s = 0,
        t = 0;
      for (let k = 0; k < a.cols; k++) {
        const v = a.data[i * a.cols + k] * b.data[k * b.cols + j];
        s += v;
        t += Math.abs(v);
      }
      c[i * b.cols + j] = s;
      abs[i * b.cols + j] = t;
    }
  return { c, abs };
}

test('onnxruntime float64 MatMul on one thread: the same bits from two sessions and repeated runs; within k·ε·Σ|a||b| of the reference product', async (t) => {
  const k1 = await ortKernel('float64');
  if (!k1) return t.skip('onnxruntime-node is not available on this platform');
  const k2 = (await ortKernel('float64'))!;
  assert.equal(ORT_INTRA_OP_THREADS, 1);
  // the solver's shapes: X̃·Zd (n×p · p×P), X̃ᵀ·(mask∘r) (p×n · n×P), and odd sizes
  for (const [n, p, m] of [
    [1000, 11, 100],
    [11, 1000, 100],
    [37, 5, 3],
    [2000, 3, 700],
    [500, 200, 64],
  ]) {
    const a = rand(n, p, n + p),
      b = rand(p, m, m + 7);
    const c1: Mat = await k1.matmul(a, b),
      c2: Mat = await k2.matmul(a, b),
      c3: Mat = await k1.matmul(a, b);
    assert.deepEqual([c1.rows, c1.cols], [n, m]);
    assert.ok(
      c1.data.every((v, i) => Object.is(v, c2.data[i]) && Object.is(v, c3.data[i])),
      `${n}×${p}·${p}×${m}: the bits changed between runs`,
    );
    const ref = reference(a, b);
    for (let i = 0; i < ref.c.length; i++)
      assert.ok(Math.abs(c1.data[i] - ref.c[i]) <= p * 2.3e-16 * ref.abs[i], `${n}×${p}·${p}×${m} entry ${i}: ${c1.data[i]} vs ${ref.c[i]}`);
  }
  await Promise.all([k1, k2].map((k) => k.dispose?.()));
});

test('chooseProduct: plain JS below ORT_MIN_FLOPS, onnxruntime above (when it loads), the same for any data of a shape', async () => {
  const ort = await ortKernel('float64');
  const small = Math.floor(ORT_MIN_FLOPS / 2 / 10 / 10) - 1; // 2·small·10·10 < ORT_MIN_FLOPS
  for (const seed of [1, 2, 3]) {
    assert.equal((await chooseProduct(rand(small, 10, seed), rand(10, 10, seed))).name, 'js');
    assert.equal((await chooseProduct(rand(1000, 11, seed), rand(11, 100, seed))).name, ort ? 'onnxruntime-float64' : 'js');
    // all-zero data of the same shape: the same choice (sizes only)
    assert.equal((await chooseProduct(zeros(1000, 11), zeros(11, 100))).name, ort ? 'onnxruntime-float64' : 'js');
  }
  await ort?.dispose?.();
});
