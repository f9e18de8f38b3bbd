/**
 * src/core/linalg/updatedQR.ts as the face Newton's release step uses it (polish.ts): a face's rows
 * factored once, then rows leaving (remove) and joining (append) in place. Against the defining
 * equations after every change: dualColumn(t)'s w satisfies cols[l]ᵀw = δ_lt and lies in the
 * columns' span (a fresh Householder least-squares fit of w leaves nothing); solveFor(b) equals a
 * fresh Householder least squares (dense.ts leastSquares) and its residual is orthogonal to every column.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UpdatedQR } from '../../src/core/linalg/updatedQR';
import { leastSquares } from '../../src/core/linalg/dense';
import { rng } from '../reference/small';

const dotv = (a: Float64Array, b: Float64Array) => a.reduce((s, x, i) => s + x * b[i], 0);

function checkAgainstFresh(qr: UpdatedQR, C: Float64Array[], m: number, R: () => number, what: string): void {
  for (let t = 0; t < C.length; t++) {
    const w = qr.dualColumn(t);
    C.forEach((c, l) => assert.ok(Math.abs(dotv(c, w) - (l === t ? 1 : 0)) < 1e-10, `${what}, t = ${t}, l = ${l}`));
    const x = leastSquares(C, w)!,
      fit = new Float64Array(m);
    C.forEach((c, l) => c.forEach((v, i) => (fit[i] += x[l] * v)));
    assert.ok(
      fit.every((v, i) => Math.abs(v - w[i]) < 1e-10 * (1 + Math.abs(w[i]))),
      `${what}, t = ${t}: w in the span`,
    );
  }
  const b = Float64Array.from({ length: m }, R),
    x = qr.solveFor(b),
    ref = leastSquares(C, b)!,
    r = Float64Array.from(b);
  x.forEach((v, l) => assert.ok(Math.abs(v - ref[l]) <= 1e-9 * (1 + Math.abs(ref[l])), `${what}: coefficient ${l} ${v} vs ${ref[l]}`));
  C.forEach((c, l) => c.forEach((v, i) => (r[i] -= x[l] * v)));
  C.forEach((c, l) => assert.ok(Math.abs(dotv(c, r)) < 1e-10, `${what}: residual ⊥ column ${l}`));
}

test('UpdatedQR.dualColumn and solveFor match the defining equations and a fresh QR after rows leave and join', () => {
  const R = rng(9);
  for (const [k, m] of [
    [1, 3],
    [3, 3],
    [5, 8],
    [12, 13],
    [20, 21],
  ]) {
    const C = Array.from({ length: k }, () => Float64Array.from({ length: m }, () => R() - 0.5));
    const qr = new UpdatedQR(m);
    for (const c of C) assert.ok(qr.append(c));
    checkAgainstFresh(qr, C, m, R, `k = ${k}`);
    for (let step = 0; step < 6; step++) {
      if (C.length > 1 && (step % 2 === 0 || C.length === m)) {
        const t = Math.floor(R() * C.length);
        C.splice(t, 1);
        qr.remove(t);
        checkAgainstFresh(qr, C, m, R, `k = ${k}, step ${step}: column ${t} removed`);
      } else {
        const a = Float64Array.from({ length: m }, () => R() - 0.5);
        assert.ok(qr.append(a));
        C.push(a);
        checkAgainstFresh(qr, C, m, R, `k = ${k}, step ${step}: a column appended`);
      }
    }
  }
});

test('UpdatedQR without a right-hand side refuses a dependent row, as a face with dependent rows has no multipliers', () => {
  const qr = new UpdatedQR(5);
  const a = Float64Array.from([1, 0, 1, 0, 1]),
    b = Float64Array.from([0, 1, 0, 1, 0]);
  assert.ok(qr.append(a));
  assert.ok(qr.append(b));
  assert.equal(qr.append(Float64Array.from(a, (x, i) => 2 * x - 3 * b[i])), false);
  assert.equal(qr.size, 2);
  checkAgainstFresh(qr, [a, b], 5, rng(3), 'after the refusal');
});
