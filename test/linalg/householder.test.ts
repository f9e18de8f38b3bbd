/**
 * src/core/linalg/dense.ts's Householder QR, against the defining equations: solveQR recovers the
 * known coefficients of a vector in the columns' span, its residual is orthogonal to every column,
 * and dependent columns give null. (The updated QR of a face's rows: updatedQR.test.ts.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { householderQR, solveQR } from '../../src/core/linalg/dense';
import { rng } from '../reference/small';

const cols = (k: number, m: number, R: () => number) => Array.from({ length: k }, () => Float64Array.from({ length: m }, R));
const dotv = (a: Float64Array, b: Float64Array) => a.reduce((s, x, i) => s + x * b[i], 0);
test('solveQR: a vector in the columns’ span is fitted exactly; a residual is orthogonal to the columns', () => {
  const R = rng(9);
  for (const [k, m] of [
    [3, 3],
    [5, 8],
    [12, 13],
  ]) {
    const C = cols(k, m, R),
      f = householderQR(C)!;
    for (let t = 0; t < k; t++) {
      // w = Σ c_l·cols[l] with known coefficients
      const c = Float64Array.from({ length: k }, R),
        w = new Float64Array(m);
      C.forEach((col, l) => col.forEach((v, i) => (w[i] += c[l] * v)));
      const x = solveQR(f, w);
      x.forEach((v, l) => assert.ok(Math.abs(v - c[l]) < 1e-9 * (1 + Math.abs(c[l])), `k = ${k}, trial ${t}: coefficient ${l}`));
    }
    const b = Float64Array.from({ length: m }, R),
      x = solveQR(f, b),
      r = Float64Array.from(b);
    C.forEach((c, l) => c.forEach((v, i) => (r[i] -= x[l] * v)));
    C.forEach((c, l) => assert.ok(Math.abs(dotv(c, r)) < 1e-10, `k = ${k}: residual ⊥ column ${l}`));
  }
  // dependent columns: null
  const C = cols(3, 5, R);
  assert.equal(householderQR([...C, Float64Array.from(C[0], (x, i) => 2 * x - C[2][i])]), null);
});
