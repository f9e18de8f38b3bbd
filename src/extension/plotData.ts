/**
 * PlotData for the panel (src/protocol/panel.ts): at most MAX_PLOT_ROWS rows of the training data, and
 * for d > 2 a 2-D PCA of the inputs the webview also projects the neurons' directions with.
 * Runs in the worker (no vscode). The PCA is over the whole data set when that is cheap, else over
 * the rows sent — the plot only needs a faithful picture of what it shows.
 */
import type { Mat } from '../core/linalg/mat';
import { svd } from '../core/linalg/decomp';
import type { PlotData } from '../protocol/panel';

export const MAX_PLOT_ROWS = 2000;
/** Covariance + SVD up to this many features; above it, orthogonal iteration on two vectors. */
const DENSE_PCA_MAX_D = 256;
/** Rows × d² work allowed for the full-data covariance before falling back to the plotted rows. */
const FULL_COV_WORK = 2e8;
/** Orthogonal iteration: stop when the subspace moves less than this (cosine defect). */
const POWER_TOL = 1e-12;

/** Deterministic, evenly spread subsample (the first and last rows included). */
export function plotIndices(n: number, max = MAX_PLOT_ROWS): number[] {
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  return Array.from({ length: max }, (_, k) => Math.round((k * (n - 1)) / (max - 1)));
}

export function buildPlotData(X: Mat, Y: Mat, max = MAX_PLOT_ROWS): PlotData {
  const n = X.rows,
    d = X.cols,
    c = Y.cols;
  const indices = plotIndices(n, max);
  const rowsOf = (M: Mat) => indices.map((i) => Array.from(M.data.subarray(i * M.cols, (i + 1) * M.cols)));
  const plot: PlotData = { d, c, X: rowsOf(X), Y: rowsOf(Y), indices };
  if (d > 2) {
    const useAll = n <= max || n * d * d <= FULL_COV_WORK;
    const source = useAll ? X : subRows(X, indices);
    const p = pca2(source);
    plot.pca = {
      components: p.components,
      mean: p.mean,
      explained: p.explained,
      X2: plot.X.map((x) => p.components.map((u) => u.reduce((s, uk, k) => s + uk * (x[k] - p.mean[k]), 0))),
    };
  }
  return plot;
}

function subRows(X: Mat, idx: number[]): Mat {
  const d = X.cols;
  const data = new Float64Array(idx.length * d);
  idx.forEach((i, r) => data.set(X.data.subarray(i * d, (i + 1) * d), r * d));
  return { rows: idx.length, cols: d, data };
}

/** Top-2 principal directions of the rows of X (unit vectors, sign fixed: largest |entry| > 0). */
export function pca2(X: Mat): { components: number[][]; mean: number[]; explained: [number, number] } {
  const n = X.rows,
    d = X.cols;
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) mean[k] += X.data[i * d + k];
  for (let k = 0; k < d; k++) mean[k] /= Math.max(n, 1);
  let total = 0;
  for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) total += (X.data[i * d + k] - mean[k]) ** 2;
  let comps: Float64Array[];
  let lambdas: number[];
  if (d <= DENSE_PCA_MAX_D) {
    const C = { rows: d, cols: d, data: new Float64Array(d * d) };
    const row = new Float64Array(d);
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < d; k++) row[k] = X.data[i * d + k] - mean[k];
      for (let a = 0; a < d; a++) {
        const ra = row[a];
        if (ra === 0) continue;
        for (let b = a; b < d; b++) C.data[a * d + b] += ra * row[b];
      }
    }
    for (let a = 0; a < d; a++) for (let b = 0; b < a; b++) C.data[a * d + b] = C.data[b * d + a];
    const s = svd(C, { wantU: false, wantV: true });
    comps = [0, 1].map((j) => Float64Array.from({ length: d }, (_, k) => s.V.data[k * s.V.cols + j]));
    lambdas = [s.s[0] ?? 0, s.s[1] ?? 0];
  } else {
    ({ comps, lambdas } = orthogonalIteration(X, mean));
  }
  const components = comps.map((u) => {
    let big = 0;
    for (let k = 0; k < d; k++) if (Math.abs(u[k]) > Math.abs(u[big])) big = k;
    const sgn = u[big] < 0 ? -1 : 1;
    return Array.from(u, (x) => sgn * x);
  });
  const explained: [number, number] = total > 0 ? [lambdas[0] / total, lambdas[1] / total] : [0, 0];
  return { components, mean: Array.from(mean), explained };
}

/** Two leading eigenvectors of XcᵀXc without forming it (for wide inputs such as images). */
function orthogonalIteration(X: Mat, mean: Float64Array): { comps: Float64Array[]; lambdas: number[] } {
  const n = X.rows,
    d = X.cols;
  let Q = [Float64Array.from({ length: d }, (_, k) => Math.sin(k + 1)), Float64Array.from({ length: d }, (_, k) => Math.cos(3 * k + 2))];
  gramSchmidt(Q);
  const apply = (v: Float64Array) => {
    const out = new Float64Array(d);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += (X.data[i * d + k] - mean[k]) * v[k];
      if (s !== 0) for (let k = 0; k < d; k++) out[k] += s * (X.data[i * d + k] - mean[k]);
    }
    return out;
  };
  let lambdas = [0, 0];
  for (let it = 0; it < 500; it++) {
    const Z = Q.map(apply);
    lambdas = Z.map((z, j) => z.reduce((s, x, k) => s + x * Q[j][k], 0));
    gramSchmidt(Z);
    const moved = Z.reduce((m, z, j) => Math.max(m, 1 - Math.abs(z.reduce((s, x, k) => s + x * Q[j][k], 0))), 0);
    Q = Z;
    if (moved < POWER_TOL) break;
  }
  return { comps: Q, lambdas };
}

function gramSchmidt(V: Float64Array[]): void {
  for (let j = 0; j < V.length; j++) {
    for (let i = 0; i < j; i++) {
      const p = V[j].reduce((s, x, k) => s + x * V[i][k], 0);
      for (let k = 0; k < V[j].length; k++) V[j][k] -= p * V[i][k];
    }
    const nr = Math.hypot(...V[j]) || 1;
    for (let k = 0; k < V[j].length; k++) V[j][k] /= nr;
  }
}
