/**
 * trainingGeometry (MATH.md §9): angles against orthogonal data, λ_min(H) against a direct dense
 * computation with an independent Jacobi eigen-solver, sampling and the notes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { trainingGeometry, ANGLE_SAMPLE_PAIRS, GRAM_DENSE_MAX_N } from '../../src/core/interpret';
import type { NetworkWeights } from '../../src/core/problem/network';
import type { Mat } from '../../src/core/linalg/mat';
import { mat, rng } from '../certify/helpers';

/** Eigenvalues of a symmetric matrix by cyclic Jacobi rotations (test reference). */
function jacobiEigenvalues(A0: number[][]): number[] {
  const n = A0.length;
  const A = A0.map((r) => r.slice());
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += A[p][q] ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++)
      for (let q = p + 1; q < n; q++) {
        if (Math.abs(A[p][q]) < 1e-300) continue;
        const th = (A[q][q] - A[p][p]) / (2 * A[p][q]);
        const t = Math.sign(th || 1) / (Math.abs(th) + Math.sqrt(th * th + 1));
        const c = 1 / Math.sqrt(t * t + 1),
          s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = A[k][p],
            akq = A[k][q];
          A[k][p] = c * akp - s * akq;
          A[k][q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = A[p][k],
            aqk = A[q][k];
          A[p][k] = c * apk - s * aqk;
          A[q][k] = s * apk + c * aqk;
        }
      }
  }
  return A.map((r, i) => r[i]);
}

test('orthogonal data: every angle is 90°, all pairs in the [90°, 100°) bin', () => {
  const n = 6;
  const X = mat(n, n, (i, j) => (i === j ? 2 + i : 0));
  const net: NetworkWeights = { W1: mat(3, n, () => 1), b1: null, W2: mat(1, 3, () => 1), b2: null };
  const g = trainingGeometry(net, X, { hiddenBias: 'none', outputBias: 'none' }, null, 1);
  assert.equal(g.angles.pairs, 15);
  assert.equal(g.angles.sampled, false);
  for (const v of [g.angles.min, g.angles.median, g.angles.max]) assert.ok(Math.abs(v - 90) < 1e-12);
  assert.equal(g.angles.histogram.edges.length, 19);
  assert.deepEqual(g.angles.histogram.counts, [0, 0, 0, 0, 0, 0, 0, 0, 0, 15, 0, 0, 0, 0, 0, 0, 0, 0]);
  assert.ok(g.notes.some((s) => s.includes('nearly orthogonal') && s.includes('90°')));
  assert.ok(g.notes.some((s) => s.includes('Width 3 < n+1 = 7')));
});

test('min, median and max of the angles equal a sort of all pairwise angles (odd and even pair counts, repeated points)', () => {
  for (const n of [7, 8, 40]) {
    const r = rng(n);
    // repeated rows: angles of exactly 0°, and many ties
    const X = mat(n, 3, (i, j) => (i % 5 === 4 ? [1, 2, 3][j] : r.normal()));
    const net: NetworkWeights = { W1: mat(2, 3, () => 1), b1: null, W2: mat(1, 2, () => 1), b2: null };
    const g = trainingGeometry(net, X, { hiddenBias: 'none', outputBias: 'none' }, null, 1);
    const all: number[] = [];
    for (let a = 0; a < n; a++)
      for (let b = a + 1; b < n; b++) {
        let s = 0,
          na = 0,
          nb = 0;
        for (let k = 0; k < 3; k++) {
          s += X.data[a * 3 + k] * X.data[b * 3 + k];
          na += X.data[a * 3 + k] ** 2;
          nb += X.data[b * 3 + k] ** 2;
        }
        all.push((Math.acos(Math.max(-1, Math.min(1, s / Math.sqrt(na * nb)))) * 180) / Math.PI);
      }
    all.sort((x, y) => x - y);
    const m = all.length;
    const median = m % 2 ? all[(m - 1) / 2] : (all[m / 2 - 1] + all[m / 2]) / 2;
    assert.equal(g.angles.pairs, m);
    assert.ok(Math.abs(g.angles.min - all[0]) < 1e-9 && Math.abs(g.angles.max - all[m - 1]) < 1e-9, `n = ${n}: min/max`);
    assert.ok(Math.abs(g.angles.median - median) < 1e-9, `n = ${n}: median ${g.angles.median} vs ${median}`);
  }
});

test('angles of known pairs with the bias column: x̃ = [x; 1]', () => {
  // x = (1,0), (0,1) ⇒ x̃ = (1,0,1), (0,1,1): cos = 1/2 ⇒ 60°
  const X = mat(2, 2, (i, j) => (i === j ? 1 : 0));
  const net: NetworkWeights = { W1: mat(1, 2, () => 1), b1: Float64Array.of(0), W2: mat(1, 1, () => 1), b2: null };
  const g = trainingGeometry(net, X, { hiddenBias: 'decayed', outputBias: 'none' }, 1, 1);
  assert.ok(Math.abs(g.angles.min - 60) < 1e-9);
  assert.ok(g.notes.some((s) => s.includes('far from orthogonal')));
});

/** Direct H_il = (x̃_iᵀx̃_l)·#{j : both active}/m, x̃ = [x; 1] (hidden bias). */
function directH(net: NetworkWeights, X: Mat): number[][] {
  const n = X.rows,
    d = X.cols,
    m = net.W1.rows;
  const act = (i: number, j: number) => {
    let z = net.b1![j];
    for (let k = 0; k < d; k++) z += X.data[i * d + k] * net.W1.data[j * d + k];
    return z > 0 ? 1 : 0;
  };
  return Array.from({ length: n }, (_, i) =>
    Array.from({ length: n }, (_, l) => {
      let g0 = 1;
      for (let k = 0; k < d; k++) g0 += X.data[i * d + k] * X.data[l * d + k];
      let s = 0;
      for (let j = 0; j < m; j++) s += act(i, j) * act(l, j);
      return (g0 * s) / m;
    }),
  );
}

test('λ_min(H) for the trained weights equals a direct dense computation; random init is seeded', () => {
  const r = rng(21);
  const n = 14,
    d = 3,
    m = 9;
  const X = mat(n, d, () => r.normal());
  const net: NetworkWeights = {
    W1: mat(m, d, () => r.normal()),
    b1: Float64Array.from({ length: m }, () => r.normal()),
    W2: mat(1, m, () => r.normal()),
    b2: null,
  };
  const modes = { hiddenBias: 'decayed', outputBias: 'none' } as const;
  const g = trainingGeometry(net, X, modes, 4, 5);
  const ref = Math.min(...jacobiEigenvalues(directH(net, X)));
  assert.ok(Math.abs(g.gramMinEig.trained - ref) < 1e-10 * (1 + Math.abs(ref)), `${g.gramMinEig.trained} vs ${ref}`);
  assert.ok(ref >= -1e-12, 'H is PSD');
  const again = trainingGeometry(net, X, modes, 4, 5);
  assert.equal(again.gramMinEig.randomInit, g.gramMinEig.randomInit);
  assert.equal(g.gramMinEig.seed, 5);
  assert.equal(g.width, m);
  assert.equal(g.n, n);
  assert.equal(g.optimumNeurons, 4);
  assert.ok(g.notes.some((s) => s.includes('uses 4 neuron(s)')));
});

test('λ_min(H) is exactly 0 when q·m < n (rank of the Kronecker rows), as the dense eigenvalues say to rounding', () => {
  const r = rng(8);
  const n = 30,
    d = 2,
    m = 4; // q·m = 12 < 30
  const X = mat(n, d, () => r.normal());
  const net: NetworkWeights = {
    W1: mat(m, d, () => r.normal()),
    b1: Float64Array.from({ length: m }, () => r.normal()),
    W2: mat(1, m, () => r.normal()),
    b2: null,
  };
  const g = trainingGeometry(net, X, { hiddenBias: 'decayed', outputBias: 'none' }, null, 3);
  assert.equal(g.gramMinEig.trained, 0);
  assert.equal(g.gramMinEig.randomInit, 0);
  const H = directH(net, X);
  const trace = H.reduce((s, row, i) => s + row[i], 0);
  const ref = Math.min(...jacobiEigenvalues(H));
  assert.ok(Math.abs(ref) <= 1e-12 * trace, `dense λ_min ${ref} (trace ${trace})`);
  assert.ok(
    g.notes.some((s) => s.includes('singular for the trained weights')),
    'the notes call it singular',
  );
});

test('large n: angles sampled (seeded), H on a subsample flagged in the notes; high-dimensional data is nearly orthogonal', () => {
  const r = rng(4);
  const n = 2100,
    d = 60;
  const X = mat(n, d, () => r.normal());
  const net: NetworkWeights = { W1: mat(4, d, () => r.normal()), b1: null, W2: mat(1, 4, () => 1), b2: null };
  const g = trainingGeometry(net, X, { hiddenBias: 'none', outputBias: 'none' }, null, 2);
  assert.equal(g.angles.sampled, true);
  assert.ok(g.angles.pairs > 0 && g.angles.histogram.counts.reduce((a, b) => a + b, 0) === g.angles.pairs);
  assert.ok(Math.abs(g.angles.median - 90) < 3, `median ${g.angles.median}`);
  // the work is bounded by sampling, not by a timer: at most ANGLE_SAMPLE_PAIRS angles, and H on a
  // subsample of GRAM_DENSE_MAX_N points (said in the notes)
  assert.ok(g.angles.pairs <= ANGLE_SAMPLE_PAIRS, `${g.angles.pairs} pairs`);
  assert.ok(g.notes.some((s) => s.includes(`${GRAM_DENSE_MAX_N} of the ${n}`)));
});

test('symMinEigenvalue equals the Jacobi reference on indefinite symmetric matrices', async () => {
  const { symMinEigenvalue } = await import('../../src/core/interpret');
  const r = rng(8);
  for (let n = 1; n <= 12; n++) {
    const A = Array.from({ length: n }, () => new Array<number>(n).fill(0));
    for (let i = 0; i < n; i++) for (let j = i; j < n; j++) A[i][j] = A[j][i] = r.normal();
    if (n > 3) (A[2] = A[1].slice()), A.forEach((row, i) => (row[2] = A[1][i])), (A[2][2] = A[1][1]); // repeated row/col
    const ref = Math.min(...jacobiEigenvalues(A));
    const got = symMinEigenvalue(Float64Array.from(A.flat()), n);
    assert.ok(Math.abs(got - ref) < 1e-12 * (1 + Math.abs(ref)) * n, `n=${n}: ${got} vs ${ref}`);
  }
});
