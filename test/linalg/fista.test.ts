/**
 * src/core/linalg/fista.ts against its definitions: the momentum sequence t_{k+1} = (1 + √(1 + 4t_k²))/2
 * (t_k ≥ (k + 1)/2, the O(1/k²) rate's requirement, and t_{k+1}² − t_{k+1} = t_k²), and FISTA built
 * from these pieces reaching the closed-form minimizer of a lasso with an orthogonal design.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extrapolate, fistaMomentum, stepTerms } from '../../src/core/linalg/fista';

test('momentum: t_{k+1}² − t_{k+1} = t_k², t_k ≥ (k + 1)/2, weight (t_k − 1)/t_{k+1}', () => {
  let t = 1;
  for (let k = 1; k < 200; k++) {
    const { next, weight } = fistaMomentum(t);
    assert.ok(Math.abs(next * next - next - t * t) <= 1e-12 * t * t + 1e-15);
    assert.ok(Math.abs(weight - (t - 1) / next) <= 1e-15);
    t = next;
    assert.ok(t >= (k + 2) / 2 - 1e-12, `t_${k + 1} = ${t}`);
  }
  assert.deepEqual(Array.from(extrapolate([2, 4], [1, 1], 0.5)), [2.5, 5.5]);
  assert.deepEqual(
    stepTerms([
      [[3], [1], [2]],
      [
        [1, 1],
        [0, 2],
        [1, 1],
      ],
    ]),
    { lin: 2 * 2 + 1 - 1, sq: 4 + 1 + 1 },
  );
});

test('FISTA from these pieces solves min ½‖D(x − a)‖² + λ‖x‖₁ (closed form: soft-thresholding at λ/d_i²) to 1e-10', () => {
  const a = [3, -0.2, 0.5, -2, 0.05],
    lam = 0.4;
  // a badly scaled copy: f(x) = ½‖Dx − Da‖² with D = diag(s), prox of λ‖x‖₁ with step 1/L
  const s = [1, 3, 0.5, 2, 1.5];
  const L = Math.max(...s.map((v) => v * v));
  const grad = (x: ArrayLike<number>) => Float64Array.from(x, (v, i) => s[i] * s[i] * (v - a[i]));
  const prox = (v: Float64Array, thr: number) => v.map((u) => Math.sign(u) * Math.max(0, Math.abs(u) - thr));
  let x: Float64Array = new Float64Array(a.length),
    y: Float64Array = Float64Array.from(x),
    t = 1;
  for (let k = 0; k < 3000; k++) {
    const g = grad(y);
    const xn = prox(
      Float64Array.from(y, (v, i) => v - g[i] / L),
      lam / L,
    );
    const { next, weight } = fistaMomentum(t);
    y = extrapolate(xn, x, weight);
    x = xn;
    t = next;
  }
  // the scaled problem's minimizer: soft-threshold a_i at λ/s_i²
  const ref = a.map((v, i) => Math.sign(v) * Math.max(0, Math.abs(v) - lam / (s[i] * s[i])));
  x.forEach((v, i) => assert.ok(Math.abs(v - ref[i]) < 1e-10, `x_${i} = ${v} vs ${ref[i]}`));
});
