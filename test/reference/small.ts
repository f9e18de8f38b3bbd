/**
 * Tiny dense helpers for the independent reference (test/reference/*). Deliberately separate
 * from src/core/linalg so that a bug there cannot hide the same bug in the reference.
 * Vectors are plain number[]; matrices of the problem are row-major Float64Array wrapped in Mat.
 */
import type { Mat } from '../../src/core/linalg/mat';

export type Vec = number[];

export function mkMat(rows: number, cols: number, data?: ArrayLike<number>): Mat {
  const m = { rows, cols, data: new Float64Array(rows * cols) };
  if (data) m.data.set(data as ArrayLike<number>);
  return m;
}

export function matFromRows(r: number[][], cols?: number): Mat {
  const c = cols ?? (r.length ? r[0].length : 0);
  const m = mkMat(r.length, c);
  r.forEach((row, i) => row.forEach((v, j) => (m.data[i * c + j] = v)));
  return m;
}

export function rowOf(m: Mat, i: number): Vec {
  return Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols));
}

export function dotv(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

export function normv(a: ArrayLike<number>): number {
  return Math.sqrt(dotv(a, a));
}

export function cross(a: Vec, b: Vec): Vec {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

/**
 * Cyclic Jacobi eigen-decomposition of a small symmetric matrix (given as number[][]).
 * Returns eigenvalues in decreasing order and eigenvectors as columns of `vecs` (vecs[i][k] is
 * component i of eigenvector k). Jacobi is slow but accurate to a few ulps for tiny matrices,
 * which is what a reference wants.
 */
export function symEig(S: number[][]): { vals: number[]; vecs: number[][] } {
  const n = S.length;
  const a = S.map((r) => r.slice());
  const v: number[][] = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p][q] * a[p][q];
    if (off === 0) break;
    let diag = 0;
    for (let p = 0; p < n; p++) diag += a[p][p] * a[p][p];
    if (off <= 1e-34 * diag) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        if (a[p][q] === 0) continue;
        const theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k][p],
            akq = a[k][q];
          a[k][p] = c * akp - s * akq;
          a[k][q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p][k],
            aqk = a[q][k];
          a[p][k] = c * apk - s * aqk;
          a[q][k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k][p],
            vkq = v[k][q];
          v[k][p] = c * vkp - s * vkq;
          v[k][q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const idx = Array.from({ length: n }, (_, i) => i).sort((i, j) => a[j][j] - a[i][i]);
  return { vals: idx.map((i) => a[i][i]), vecs: v.map((row) => idx.map((i) => row[i])) };
}

/**
 * Solve the square system H x = g by Gaussian elimination with partial pivoting.
 * Returns null when H is numerically singular.
 */
export function solveDense(H: number[][], g: number[]): number[] | null {
  const n = g.length;
  const a = H.map((r, i) => [...r, g[i]]);
  for (let k = 0; k < n; k++) {
    let piv = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(a[i][k]) > Math.abs(a[piv][k])) piv = i;
    if (!(Math.abs(a[piv][k]) > 1e-300)) return null;
    [a[k], a[piv]] = [a[piv], a[k]];
    for (let i = k + 1; i < n; i++) {
      const f = a[i][k] / a[k][k];
      if (f === 0) continue;
      for (let j = k; j <= n; j++) a[i][j] -= f * a[k][j];
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let i = n - 1; i >= 0; i--) {
    let s = a[i][n];
    for (let j = i + 1; j < n; j++) s -= a[i][j] * x[j];
    x[i] = s / a[i][i];
  }
  return x.every(Number.isFinite) ? x : null;
}

/** Deterministic PRNG (mulberry32) so every random instance is reproducible from its seed. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function gauss(r: () => number): number {
  const u = Math.max(r(), 1e-300);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
}
