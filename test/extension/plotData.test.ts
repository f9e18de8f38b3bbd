import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildPlotData, pca2, plotIndices, MAX_PLOT_ROWS } from '../../src/extension/plotData';
import { makeRng, gaussian } from '../../src/core/random';
import { svd } from '../../src/core/linalg/decomp';
import type { Mat } from '../../src/core/linalg/mat';

function randomData(n: number, d: number, seed: number, scales: number[]): Mat {
  const rng = makeRng(seed);
  const data = new Float64Array(n * d);
  // correlated columns so the principal directions are not the axes
  for (let i = 0; i < n; i++) {
    const z = Array.from({ length: d }, (_, k) => gaussian(rng) * (scales[k] ?? 0.1));
    for (let k = 0; k < d; k++) data[i * d + k] = z[k] + 0.5 * z[(k + 1) % d] + 3;
  }
  return { rows: n, cols: d, data };
}

/** Independent oracle: cyclic Jacobi eigen-decomposition of the sample covariance. */
function jacobiEigen(A: number[][]): { values: number[]; vectors: number[][] } {
  const d = A.length;
  const a = A.map((r) => [...r]);
  const V: number[][] = Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => (i === j ? 1 : 0)));
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < d; p++) for (let q = p + 1; q < d; q++) off += a[p][q] ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < d; p++)
      for (let q = p + 1; q < d; q++) {
        if (Math.abs(a[p][q]) < 1e-300) continue;
        const th = (a[q][q] - a[p][p]) / (2 * a[p][q]);
        const t = Math.sign(th || 1) / (Math.abs(th) + Math.sqrt(th * th + 1));
        const c: number = 1 / Math.sqrt(t * t + 1),
          s: number = t * c;
        for (let k = 0; k < d; k++) {
          const akp = a[k][p],
            akq = a[k][q];
          a[k][p] = c * akp - s * akq;
          a[k][q] = s * akp + c * akq;
        }
        for (let k = 0; k < d; k++) {
          const apk = a[p][k],
            aqk = a[q][k];
          a[p][k] = c * apk - s * aqk;
          a[q][k] = s * apk + c * aqk;
        }
        for (let k = 0; k < d; k++) {
          const vkp = V[k][p],
            vkq = V[k][q];
          V[k][p] = c * vkp - s * vkq;
          V[k][q] = s * vkp + c * vkq;
        }
      }
  }
  const idx = Array.from({ length: d }, (_, i) => i).sort((i, j) => a[j][j] - a[i][i]);
  return { values: idx.map((i) => a[i][i]), vectors: idx.map((i) => V.map((r) => r[i])) };
}

function covariance(X: Mat): number[][] {
  const { rows: n, cols: d } = X;
  const mu = Array.from({ length: d }, (_, k) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += X.data[i * d + k];
    return s / n;
  });
  return Array.from({ length: d }, (_, a) =>
    Array.from({ length: d }, (_, b) => {
      let s = 0;
      for (let i = 0; i < n; i++) s += (X.data[i * d + a] - mu[a]) * (X.data[i * d + b] - mu[b]);
      return s;
    }),
  );
}

const absCos = (u: number[], v: number[]) => Math.abs(u.reduce((s, x, k) => s + x * v[k], 0)) / Math.hypot(...u) / Math.hypot(...v);

test('PCA of a 5-D data set matches the Jacobi eigenvectors of the covariance', () => {
  const X = randomData(500, 5, 3, [3, 2, 1, 0.5, 0.2]);
  const p = pca2(X);
  const ref = jacobiEigen(covariance(X));
  const total = ref.values.reduce((s, x) => s + x, 0);
  for (let j = 0; j < 2; j++) {
    assert.ok(absCos(p.components[j], ref.vectors[j]) > 1 - 1e-10, `component ${j}`);
    assert.ok(Math.abs(Math.hypot(...p.components[j]) - 1) < 1e-12);
    assert.ok(Math.abs(p.explained[j] - ref.values[j] / total) < 1e-10, `explained ${j}: ${p.explained[j]} vs ${ref.values[j] / total}`);
  }
  // sign convention: the largest-magnitude entry is positive
  for (const u of p.components) assert.ok(u[u.reduce((bi, x, k) => (Math.abs(x) > Math.abs(u[bi]) ? k : bi), 0)] > 0);
});

test('PlotData: X2 is the projection of the rows sent onto the components, rows are the data rows', () => {
  const X = randomData(300, 4, 5, [2, 1, 0.5, 0.1]);
  const Y = { rows: 300, cols: 1, data: Float64Array.from({ length: 300 }, (_, i) => i) };
  const pd = buildPlotData(X, Y);
  assert.equal(pd.d, 4);
  assert.equal(pd.X.length, 300);
  assert.ok(pd.pca);
  const mu = Array.from({ length: 4 }, (_, k) => pd.X.reduce((s, r) => s + r[k], 0) / 300);
  pd.indices.forEach((i, r) => {
    assert.deepEqual(pd.X[r], Array.from(X.data.subarray(i * 4, i * 4 + 4)));
    assert.equal(pd.Y[r][0], i);
    for (let j = 0; j < 2; j++) {
      const direct = pd.pca!.components[j].reduce((s, u, k) => s + u * (pd.X[r][k] - mu[k]), 0);
      assert.ok(Math.abs(pd.pca!.X2[r][j] - direct) < 1e-9);
    }
  });
  // 2-D data: no PCA, the plot uses the coordinates
  assert.equal(buildPlotData({ rows: 3, cols: 2, data: new Float64Array(6) }, { rows: 3, cols: 1, data: new Float64Array(3) }).pca, undefined);
});

test('at most MAX_PLOT_ROWS rows, spread over the whole data set, first and last included', () => {
  assert.equal(MAX_PLOT_ROWS, 2000);
  const idx = plotIndices(123_457);
  assert.equal(idx.length, 2000);
  assert.equal(idx[0], 0);
  assert.equal(idx[idx.length - 1], 123_456);
  for (let k = 1; k < idx.length; k++) assert.ok(idx[k] > idx[k - 1]);
  const gaps = idx.slice(1).map((x, k) => x - idx[k]);
  assert.ok(Math.max(...gaps) - Math.min(...gaps) <= 1, 'evenly spaced');
  assert.deepEqual(plotIndices(5), [0, 1, 2, 3, 4]);
});

test('wide inputs (d > 256): orthogonal iteration agrees with the SVD of the centered data', () => {
  const n = 400,
    d = 300;
  const X = randomData(
    n,
    d,
    11,
    Array.from({ length: d }, (_, k) => (k === 0 ? 5 : k === 1 ? 3 : 0.3)),
  );
  const p = pca2(X);
  const mu = Array.from({ length: d }, (_, k) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += X.data[i * d + k];
    return s / n;
  });
  const Xc = { rows: n, cols: d, data: X.data.map((x, idx) => x - mu[idx % d]) };
  const s = svd(Xc, { wantU: false, wantV: true });
  let total = 0;
  for (const x of Xc.data) total += x * x;
  for (let j = 0; j < 2; j++) {
    const v = Array.from({ length: d }, (_, k) => s.V.data[k * s.V.cols + j]);
    assert.ok(absCos(p.components[j], v) > 1 - 1e-8, `component ${j}: ${absCos(p.components[j], v)}`);
    assert.ok(Math.abs(p.explained[j] - s.s[j] ** 2 / total) < 1e-8);
  }
});
