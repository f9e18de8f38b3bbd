/**
 * src/core/linalg/spd.ts against a reference written here (Gaussian elimination with partial
 * pivoting) and against the defining equations: the ridge schedule is tried in order, a singular
 * H falls through to the first ridge that factors, an indefinite H gives null; symmetricSolve's
 * fallback returns the min-norm least-squares solution of a singular system.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ridgeCholeskySolve, spdSolve, symmetricSolve } from '../../src/core/linalg/spd';

function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296 - 0.5;
  };
}

/** x with A x = b by Gaussian elimination with partial pivoting (A row-major T×T) */
function gauss(A: ArrayLike<number>, T: number, b: ArrayLike<number>): number[] {
  const M = Array.from({ length: T }, (_, i) => [...Array.from({ length: T }, (_, j) => A[i * T + j]), b[i]]);
  for (let k = 0; k < T; k++) {
    let piv = k;
    for (let i = k + 1; i < T; i++) if (Math.abs(M[i][k]) > Math.abs(M[piv][k])) piv = i;
    [M[k], M[piv]] = [M[piv], M[k]];
    for (let i = k + 1; i < T; i++) {
      const f = M[i][k] / M[k][k];
      for (let j = k; j <= T; j++) M[i][j] -= f * M[k][j];
    }
  }
  const x = new Array(T).fill(0);
  for (let i = T - 1; i >= 0; i--) {
    let s = M[i][T];
    for (let j = i + 1; j < T; j++) s -= M[i][j] * x[j];
    x[i] = s / M[i][i];
  }
  return x;
}

/** G = BᵀB for a random k×T matrix B (rank min(k, T)) */
function gram(T: number, k: number, r: () => number): Float64Array {
  const B = Array.from({ length: k * T }, r);
  const G = new Float64Array(T * T);
  for (let i = 0; i < T; i++) for (let j = 0; j < T; j++) for (let q = 0; q < k; q++) G[i * T + j] += B[q * T + i] * B[q * T + j];
  return G;
}

test('ridgeCholeskySolve: (H + ridge·I)x = rhs at the first ridge that factors, as the reference solve', () => {
  const r = rng(3);
  for (const T of [1, 3, 7]) {
    const H = gram(T, T + 2, r);
    const rhs = Array.from({ length: T }, r);
    const x = ridgeCholeskySolve(H, T, rhs, [0])!;
    const ref = gauss(H, T, rhs);
    for (let i = 0; i < T; i++) assert.ok(Math.abs(x[i] - ref[i]) <= 1e-9 * (1 + Math.abs(ref[i])), `T=${T}: x_${i} ${x[i]} vs ${ref[i]}`);
    // with a ridge: the reference solve of H + ridge·I
    const Hr = Float64Array.from(H);
    for (let i = 0; i < T; i++) Hr[i * T + i] += 0.5;
    const xr = ridgeCholeskySolve(H, T, rhs, [0.5])!;
    const refr = gauss(Hr, T, rhs);
    for (let i = 0; i < T; i++) assert.ok(Math.abs(xr[i] - refr[i]) <= 1e-9 * (1 + Math.abs(refr[i])));
  }
  // rank-deficient H (2 of 5): the zero ridge fails, the next one is used
  const T = 5,
    H = gram(T, 2, r),
    rhs = Array.from({ length: T }, r);
  const x = ridgeCholeskySolve(H, T, rhs, [0, 1e-3])!;
  const Hr = Float64Array.from(H);
  for (let i = 0; i < T; i++) Hr[i * T + i] += 1e-3;
  const ref = gauss(Hr, T, rhs);
  for (let i = 0; i < T; i++) assert.ok(Math.abs(x[i] - ref[i]) <= 1e-7 * (1 + Math.abs(ref[i])), `x_${i} ${x[i]} vs ${ref[i]}`);
  // indefinite H: no ridge in the list factors it
  assert.equal(ridgeCholeskySolve(Float64Array.of(1, 0, 0, -1), 2, [1, 1], [0, 1e-6]), null);
});

test('symmetricSolve: Cholesky when definite; min-norm least squares when singular', () => {
  const r = rng(9);
  const T = 4,
    H = gram(T, 6, r),
    rhs = Array.from({ length: T }, r);
  const x = symmetricSolve(H, T, rhs)!;
  const ref = gauss(H, T, rhs);
  for (let i = 0; i < T; i++) assert.ok(Math.abs(x[i] - ref[i]) <= 1e-9 * (1 + Math.abs(ref[i])));
  // H = diag(2, 0): the consistent rhs (4, 0) has the min-norm solution (2, 0)
  const s = symmetricSolve(Float64Array.of(2, 0, 0, 0), 2, [4, 0])!;
  assert.ok(Math.abs(s[0] - 2) < 1e-12 && Math.abs(s[1]) < 1e-12, `got ${Array.from(s)}`);
});

test('spdSolve: the growing ridge from 1e-14·max diag — exact on a definite H, a tiny-ridge solve on a singular one, zero for H = 0', () => {
  const r = rng(11);
  const T = 6;
  const H = gram(T, T + 3, r);
  const g = Float64Array.from({ length: T }, r);
  const x = spdSolve(H, g, T);
  const ref = gauss(H, T, g);
  for (let i = 0; i < T; i++) assert.ok(Math.abs(x[i] - ref[i]) <= 1e-8 * (1 + Math.abs(ref[i])), `x_${i} ${x[i]} vs ${ref[i]}`);
  // rank 2 of 6: the first ridge that factors is some 1e-14·100^k·max diag, and y solves
  // (H + ridge·I)y = g for it (backward stable: residual ≤ 1e-10·(‖H‖ + ridge)·‖y‖; y itself is ill-conditioned)
  const S = gram(T, 2, r);
  const y = spdSolve(S, g, T);
  let dmax = 0,
    ny = 0;
  for (let i = 0; i < T; i++) dmax = Math.max(dmax, S[i * T + i]);
  for (const v of y) ny = Math.max(ny, Math.abs(v));
  assert.ok(ny > 0 && y.every(Number.isFinite));
  let found = false;
  for (let ridge = 1e-14 * dmax; ridge < 1e6 * dmax && !found; ridge *= 100) {
    let res = 0;
    for (let i = 0; i < T; i++) {
      let s = ridge * y[i] - g[i];
      for (let j = 0; j < T; j++) s += S[i * T + j] * y[j];
      res = Math.max(res, Math.abs(s));
    }
    found = res <= 1e-10 * (T * dmax + ridge) * ny;
  }
  assert.ok(found, `no ridge of the schedule solves the system for ${Array.from(y)}`);
  assert.deepEqual(Array.from(spdSolve(new Float64Array(T * T), g, T)), new Array(T).fill(0));
});

test('spdSolve factors two rows by four columns at a time: the same solve as Gaussian elimination for every T mod 4 and T mod 2, an indefinite pivot refused in either row of a pair and in an odd last row', () => {
  const r = rng(23);
  // T = 1 … 13 covers every remainder of the row pairs and the four-column groups; 37 and 64 a few full groups
  for (const T of [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 37, 64]) {
    const H = gram(T, T + 5, r);
    const g = Float64Array.from({ length: T }, r);
    const x = spdSolve(H, g, T);
    const ref = gauss(H, T, g);
    let scale = 0;
    for (const v of ref) scale = Math.max(scale, Math.abs(v));
    for (let i = 0; i < T; i++) assert.ok(Math.abs(x[i] - ref[i]) <= 1e-9 * (1 + scale), `T = ${T}: x_${i} ${x[i]} vs ${ref[i]}`);
  }
  // unit diagonal, rows u and v coupled by 1e8 (an eigenvalue near −1e8): no ridge below 1e6·max diag
  // makes it definite, so pivot v fails — as the second row of a pair (v = 1, 5), the first (v = 2),
  // the odd last row (v = 2 of 3, 4 of 5)…
  for (const [T, u, v] of [
    [2, 0, 1],
    [3, 1, 2],
    [4, 1, 2],
    [5, 3, 4],
    [6, 2, 5],
    [9, 0, 5],
  ]) {
    const H = new Float64Array(T * T);
    for (let i = 0; i < T; i++) H[i * T + i] = 1;
    H[u * T + v] = H[v * T + u] = 1e8;
    // …and spdSolve returns its zero step, as for every schedule that fails
    assert.deepEqual(Array.from(spdSolve(H, new Float64Array(T).fill(1), T)), new Array(T).fill(0), `T = ${T}, rows ${u}, ${v}`);
  }
});
