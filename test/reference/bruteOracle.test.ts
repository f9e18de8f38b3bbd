/**
 * The brute oracle against a plain dense search over directions (no patterns, no cones):
 *  - a dense value can never exceed the oracle (the oracle is a max; anything above is a miss);
 *  - on the circle (rank 2) a grid of N angles misses the max by at most L·π/N with
 *    L = ‖Λ‖_F·‖X̃‖_F (u ↦ ‖Λᵀ(X̃u)_+‖ is L-Lipschitz), which makes the check two-sided;
 *  - on the sphere, dense sampling plus local refinement must come close;
 *  - the oracle's value is attained: recomputed at its argmax it agrees to rounding.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Mat } from '../../src/core/linalg/mat';
import { BruteOracle } from './bruteOracle';
import { gauss, mkMat, normv, rng } from './small';

function valueAt(X: Mat, L: Mat, u: ArrayLike<number>): number {
  const acc = new Array<number>(L.cols).fill(0);
  for (let i = 0; i < X.rows; i++) {
    let z = 0;
    for (let q = 0; q < X.cols; q++) z += X.data[i * X.cols + q] * u[q];
    if (z > 0) for (let k = 0; k < L.cols; k++) acc[k] += L.data[i * L.cols + k] * z;
  }
  return normv(acc);
}

/** Dense search; returns the best value and an a-priori bound on how far below M it can be (rank 2 grid only). */
function dense(X: Mat, L: Mat, seed: number): { best: number; slack: number } {
  const p = X.cols;
  let best = 0;
  if (p === 1) return { best: Math.max(valueAt(X, L, [1]), valueAt(X, L, [-1])), slack: 0 };
  const Lf = normv(L.data) * normv(X.data);
  if (p === 2) {
    const N = 20000;
    for (let k = 0; k < N; k++) {
      const t = (2 * Math.PI * k) / N;
      best = Math.max(best, valueAt(X, L, [Math.cos(t), Math.sin(t)]));
    }
    return { best, slack: (Lf * Math.PI) / N };
  }
  const r = rng(seed);
  for (let k = 0; k < 400; k++) {
    let u = [gauss(r), gauss(r), gauss(r)];
    let nu = normv(u);
    u = u.map((x) => x / nu);
    let f = valueAt(X, L, u);
    let step = 0.1;
    for (let it = 0; it < 150; it++) {
      const w = u.map((x) => x + step * gauss(r));
      nu = normv(w);
      const ww = w.map((x) => x / nu);
      const fw = valueAt(X, L, ww);
      if (fw > f) {
        u = ww;
        f = fw;
      } else step *= 0.95;
    }
    best = Math.max(best, f);
  }
  return { best, slack: 1e-3 * best };
}

function check(X: Mat, L: Mat, label: string, seed = 1) {
  const res = new BruteOracle(X).evaluate(L);
  const { best, slack } = dense(X, L, seed);
  const scale = Math.max(res.value, 1e-300);
  assert.ok(best <= res.value * (1 + 1e-12) + 1e-300, `${label}: dense ${best} exceeds oracle ${res.value}`);
  assert.ok(res.value <= best + slack + 1e-12 * scale, `${label}: oracle ${res.value} above dense ${best} + bound ${slack}`);
  assert.ok(Math.abs(res.attained - res.value) <= 1e-12 * scale, `${label}: not attained ${res.attained} vs ${res.value}`);
  assert.ok(Math.abs(valueAt(X, L, res.u) - res.attained) <= 1e-12 * scale, `${label}: argmax mismatch`);
  assert.ok(Math.abs(normv(res.u) - 1) < 1e-12 || res.value === 0, `${label}: argmax not unit`);
}

test('brute oracle agrees with dense search on random instances (rank 1–3, c = 1, 2)', () => {
  const R = rng(11);
  for (let trial = 0; trial < 60; trial++) {
    const n = 2 + Math.floor(R() * 14),
      p = 1 + (trial % 3),
      c = 1 + (Math.floor(trial / 3) % 2);
    const X = mkMat(
      n,
      p,
      Array.from({ length: n * p }, () => gauss(R)),
    );
    const L = mkMat(
      n,
      c,
      Array.from({ length: n * c }, () => gauss(R)),
    );
    check(X, L, `trial ${trial} n=${n} p=${p} c=${c}`, trial);
  }
});

test('brute oracle on adversarial geometry: duplicates, collinear points with bias, zero rows, rank deficiency', () => {
  const R = rng(5);
  for (let trial = 0; trial < 30; trial++) {
    const c = 1 + (trial % 2);
    const rows: number[][] = [];
    const kind = trial % 5;
    const n = 6 + Math.floor(R() * 9);
    for (let i = 0; i < n; i++) {
      if (kind === 0)
        rows.push(i % 3 === 0 && i ? rows[i - 1].slice() : [gauss(R), gauss(R), 1]); // duplicates, bias column
      else if (kind === 1) {
        const t = gauss(R);
        rows.push(i < n - 1 ? [0.3 + t, -1 + 2 * t, 1] : [gauss(R), gauss(R), 1]); // n−1 collinear points + 1 off the line
      } else if (kind === 2)
        rows.push(i % 4 === 0 ? [0, 0, 0] : [gauss(R), gauss(R), gauss(R)]); // zero rows
      else if (kind === 3) {
        const t = gauss(R);
        rows.push([t, 2 * t, 1]); // all collinear: rank 2 in 3 columns
      } else rows.push([Math.round(gauss(R) * 2) / 2, Math.round(gauss(R) * 2) / 2, 1]); // grid: many collinear triples
    }
    const X = mkMat(n, 3, rows.flat());
    const L = mkMat(
      n,
      c,
      Array.from({ length: n * c }, () => gauss(R)),
    );
    check(X, L, `adversarial kind ${kind} trial ${trial}`, trial);
  }
});

test('brute oracle: whitened data gives max(‖λ+‖, ‖λ−‖) (MATH.md §5)', () => {
  const R = rng(3);
  for (let trial = 0; trial < 20; trial++) {
    // rows of a random rotation of R^3 (n = 3) or two orthonormal rows (n = 2)
    const n = 2 + (trial % 2);
    const a = [gauss(R), gauss(R), gauss(R)];
    const na = normv(a);
    const e1 = a.map((x) => x / na);
    const b = [gauss(R), gauss(R), gauss(R)];
    const t = b[0] * e1[0] + b[1] * e1[1] + b[2] * e1[2];
    const b2 = b.map((x, q) => x - t * e1[q]);
    const nb = normv(b2);
    const e2 = b2.map((x) => x / nb);
    const e3 = [e1[1] * e2[2] - e1[2] * e2[1], e1[2] * e2[0] - e1[0] * e2[2], e1[0] * e2[1] - e1[1] * e2[0]];
    const X = mkMat(n, 3, [e1, e2, e3].slice(0, n).flat());
    const lam = Array.from({ length: n }, () => gauss(R));
    const pos = normv(lam.map((x) => Math.max(x, 0))),
      neg = normv(lam.map((x) => Math.max(-x, 0)));
    const res = new BruteOracle(X).evaluate(mkMat(n, 1, lam));
    assert.ok(Math.abs(res.value - Math.max(pos, neg)) <= 1e-13 * Math.max(pos, neg), `trial ${trial}: ${res.value} vs ${Math.max(pos, neg)}`);
  }
});
