import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeOracle } from '../../src/core/oracle/index';
import { svd, pinv, numericalRank, rowSpaceBasis, sigmaMax, singularValues } from '../../src/core/linalg/decomp';
import { brute, gauss, mat, rng } from './brute';

function whitened(n: number, d: number, seed: number) {
  const r = rng(seed);
  const A = mat(d, n, () => gauss(r));
  const { U } = svd(A); // d×n orthonormal columns
  return mat(n, d, (i, j) => U.data[j * n + i]); // rows orthonormal: XXᵀ = I
}

test('whitened closed form M = max(‖λ+‖, ‖λ−‖) vs brute force (d ≤ 3) and any d', () => {
  for (let s = 0; s < 200; s++) {
    const r = rng(s + 5);
    const d = 1 + (s % 6);
    const n = 1 + Math.floor(r() * d);
    const X = whitened(n, d, s);
    const L = mat(n, 1, () => (r() < 0.2 ? 0 : gauss(r)));
    const res = computeOracle(X, L);
    let p = 0,
      m = 0;
    for (const l of L.data) {
      if (l > 0) p += l * l;
      else m += l * l;
    }
    const closed = Math.sqrt(Math.max(p, m));
    assert.ok(res.upper >= closed, `s=${s}`);
    assert.ok(res.upper - closed <= 1e-9 * Math.max(closed, 1), `s=${s}: ${res.upper} vs ${closed} ${res.method}`);
    assert.ok(res.exact, `s=${s} ${res.method}`);
    if ((n > 4 || d > 4) && closed > 0) assert.equal(res.method, 'exact-whitened');
    if (d <= 3) {
      const bf = brute(X, L, { samples: 4000, seed: s });
      assert.ok(bf.max <= res.upper, `unsound s=${s}`);
      assert.ok(res.upper - bf.max <= 1e-6 * Math.max(closed, 1e-12) + 1e-12, `s=${s}: brute ${bf.max} closed ${closed}`);
    }
  }
});

test('decomp: svd, rank, row space, pinv, σ_max', () => {
  const r = rng(9);
  for (let s = 0; s < 30; s++) {
    const m = 1 + Math.floor(r() * 7),
      n = 1 + Math.floor(r() * 7);
    const k = 1 + Math.floor(r() * Math.min(m, n));
    const B = mat(m, k, () => gauss(r)),
      C = mat(k, n, () => gauss(r));
    const A = mat(m, n, (i, j) => {
      let t = 0;
      for (let q = 0; q < k; q++) t += B.data[i * k + q] * C.data[q * n + j];
      return t;
    });
    const { U, s: sv, V } = svd(A);
    // reconstruction
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let t = 0;
        for (let q = 0; q < sv.length; q++) t += U.data[i * sv.length + q] * sv[q] * V.data[j * sv.length + q];
        assert.ok(Math.abs(t - A.data[i * n + j]) < 1e-9 * (sv[0] + 1));
      }
    for (let q = 1; q < sv.length; q++) assert.ok(sv[q] <= sv[q - 1]);
    assert.equal(numericalRank(A, 1e-10), k);
    assert.ok(Math.abs(sigmaMax(A) - singularValues(A)[0]) <= 1e-14 * sigmaMax(A));
    const rs = rowSpaceBasis(A, 1e-10);
    assert.equal(rs.rank, k);
    // A V Vᵀ = A
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let t = 0;
        for (let q = 0; q < k; q++) {
          let w = 0;
          for (let l = 0; l < n; l++) w += A.data[i * n + l] * rs.basis.data[l * k + q];
          t += w * rs.basis.data[j * k + q];
        }
        assert.ok(Math.abs(t - A.data[i * n + j]) < 1e-9 * (sv[0] + 1));
      }
    // A A⁺ A = A
    const P = pinv(A, 1e-10);
    const AP = mat(m, m, (i, j) => {
      let t = 0;
      for (let q = 0; q < n; q++) t += A.data[i * n + q] * P.data[q * m + j];
      return t;
    });
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let t = 0;
        for (let q = 0; q < m; q++) t += AP.data[i * m + q] * A.data[q * n + j];
        assert.ok(Math.abs(t - A.data[i * n + j]) < 1e-8 * (sv[0] + 1));
      }
  }
});
