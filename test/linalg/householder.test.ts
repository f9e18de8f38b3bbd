/**
 * src/core/linalg/dense.ts's Householder QR pieces, against the defining equations and against a
 * factorization from scratch: extendQR (a face's rows after one row leaves or joins) gives the
 * same numbers, bit for bit, as householderQR of the new columns; spanDualColumn's w satisfies
 * cols[l]ᵀw = δ_lt and lies in the columns' span; solveQR's residual is orthogonal to every column.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extendQR, householderQR, solveQR, spanDualColumn, type HouseholderQR } from '../../src/core/linalg/dense';
import { rng } from '../reference/small';

const cols = (k: number, m: number, R: () => number) => Array.from({ length: k }, () => Float64Array.from({ length: m }, R));
const dotv = (a: Float64Array, b: Float64Array) => a.reduce((s, x, i) => s + x * b[i], 0);
const same = (a: HouseholderQR | null, b: HouseholderQR | null, what: string) => {
  assert.ok(a && b, what);
  assert.deepEqual(Array.from(a.diag), Array.from(b.diag), `${what}: R's diagonal`);
  assert.deepEqual(Array.from(a.vv), Array.from(b.vv), `${what}: reflector norms`);
  a.A.forEach((c, j) => assert.deepEqual(Array.from(c), Array.from(b.A[j]), `${what}: column ${j}`));
};

test('extendQR after a column leaves or joins = householderQR from scratch, bit for bit', () => {
  const R = rng(5);
  for (const [k, m] of [
    [1, 3],
    [4, 7],
    [9, 11],
    [20, 21],
  ]) {
    const C = cols(k, m, R);
    const f = householderQR(C)!;
    for (let t = 0; t < k; t++) {
      const left = C.filter((_, j) => j !== t);
      same(extendQR(f, t, left), householderQR(left), `k = ${k}, column ${t} removed`);
    }
    const grown = [...C, Float64Array.from({ length: m }, R)];
    same(extendQR(f, k, grown), householderQR(grown), `k = ${k}, a column appended`);
  }
  // a dependent column appended: null, as from scratch
  const C = cols(3, 5, R),
    f = householderQR(C)!;
  const dep = [...C, Float64Array.from(C[0], (x, i) => 2 * x - C[2][i])];
  assert.equal(householderQR(dep), null);
  assert.equal(extendQR(f, 3, dep), null);
});

test('spanDualColumn: cols[l]ᵀw = δ_lt with w in the columns’ span; solveQR: residual orthogonal to the columns', () => {
  const R = rng(9);
  for (const [k, m] of [
    [3, 3],
    [5, 8],
    [12, 13],
  ]) {
    const C = cols(k, m, R),
      f = householderQR(C)!;
    for (let t = 0; t < k; t++) {
      const w = spanDualColumn(f, t);
      C.forEach((c, l) => assert.ok(Math.abs(dotv(c, w) - (l === t ? 1 : 0)) < 1e-10, `k = ${k}, t = ${t}, l = ${l}`));
      // in the span: the least-squares fit of w by the columns leaves nothing
      const x = solveQR(f, w),
        fit = new Float64Array(m);
      C.forEach((c, l) => c.forEach((v, i) => (fit[i] += x[l] * v)));
      assert.ok(
        fit.every((v, i) => Math.abs(v - w[i]) < 1e-10 * (1 + Math.abs(w[i]))),
        `k = ${k}, t = ${t}: w in the span`,
      );
    }
    const b = Float64Array.from({ length: m }, R),
      x = solveQR(f, b),
      r = Float64Array.from(b);
    C.forEach((c, l) => c.forEach((v, i) => (r[i] -= x[l] * v)));
    C.forEach((c, l) => assert.ok(Math.abs(dotv(c, r)) < 1e-10, `k = ${k}: residual ⊥ column ${l}`));
  }
});
