/**
 * Thin wrappers over ml-matrix decompositions for the engine's row-major `Mat` type.
 *
 * Conventions: A = U·diag(s)·Vᵀ with A m×n, k = min(m, n), U m×k, V n×k, s descending, ≥ 0.
 * Singular values from ml-matrix's Golub–Kahan SVD are backward stable: each computed σ_i is
 * within p(m,n)·ε·σ_1 of the true one (ε = 2⁻⁵²). Callers that need a *sound* bound from a σ
 * (e.g. the oracle) must add their own relative slack; see `SIGMA_REL_SLACK`.
 */
import { Matrix, SingularValueDecomposition } from 'ml-matrix';
import type { Mat } from './mat';
import { zeros } from './mat';

/**
 * Relative slack to add to a computed singular value before using it as an upper bound:
 * Golub–Kahan's backward error is a modest multiple of ε·σ_1; 1e-12 leaves a factor > 4000.
 */
export const SIGMA_REL_SLACK = 1e-12;

export function toMatrix(a: Mat): Matrix {
  const m = new Matrix(a.rows, a.cols);
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < a.cols; j++) m.set(i, j, a.data[i * a.cols + j]);
  return m;
}

export function fromMatrix(m: Matrix): Mat {
  const out = zeros(m.rows, m.columns);
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.columns; j++) out.data[i * m.columns + j] = m.get(i, j);
  return out;
}

export interface Svd {
  /** m×k, orthonormal columns (empty 0-column matrix when not requested) */
  U: Mat;
  /** singular values, descending, length k = min(m, n) */
  s: Float64Array;
  /** n×k, orthonormal columns (empty when not requested) */
  V: Mat;
}

/** Thin SVD. Wide matrices are handled by factoring the transpose. Empty input ⇒ empty factors. */
export function svd(a: Mat, opts: { wantU?: boolean; wantV?: boolean } = {}): Svd {
  const wantU = opts.wantU ?? true;
  const wantV = opts.wantV ?? true;
  const k = Math.min(a.rows, a.cols);
  if (k === 0) return { U: zeros(a.rows, 0), s: new Float64Array(0), V: zeros(a.cols, 0) };
  const wide = a.rows < a.cols;
  const m = toMatrix(a);
  const target = wide ? m.transpose() : m;
  const dec = new SingularValueDecomposition(target, {
    computeLeftSingularVectors: wide ? wantV : wantU,
    computeRightSingularVectors: wide ? wantU : wantV,
    autoTranspose: false,
  });
  const diag = dec.diagonal;
  const s = new Float64Array(k);
  for (let i = 0; i < k; i++) s[i] = Math.abs(diag[i] ?? 0);
  const take = (M: Matrix, rows: number): Mat => {
    const out = zeros(rows, k);
    for (let i = 0; i < rows; i++) for (let j = 0; j < k; j++) out.data[i * k + j] = M.get(i, j);
    return out;
  };
  let U = zeros(a.rows, 0);
  let V = zeros(a.cols, 0);
  if (wide) {
    if (wantU) U = take(dec.rightSingularVectors, a.rows);
    if (wantV) V = take(dec.leftSingularVectors, a.cols);
  } else {
    if (wantU) U = take(dec.leftSingularVectors, a.rows);
    if (wantV) V = take(dec.rightSingularVectors, a.cols);
  }
  // ml-matrix returns s sorted descending; enforce it defensively (stable permutation).
  let sorted = true;
  for (let i = 1; i < k; i++) if (s[i] > s[i - 1]) sorted = false;
  if (!sorted) {
    const idx = Array.from({ length: k }, (_, i) => i).sort((x, y) => s[y] - s[x]);
    const perm = (M: Mat): Mat => {
      if (M.cols === 0) return M;
      const out = zeros(M.rows, k);
      for (let i = 0; i < M.rows; i++) for (let j = 0; j < k; j++) out.data[i * k + j] = M.data[i * k + idx[j]];
      return out;
    };
    const s2 = new Float64Array(k);
    for (let j = 0; j < k; j++) s2[j] = s[idx[j]];
    return { U: perm(U), s: s2, V: perm(V) };
  }
  return { U, s, V };
}

export function singularValues(a: Mat): Float64Array {
  return svd(a, { wantU: false, wantV: false }).s;
}

/** Largest singular value (spectral norm) as computed; add `SIGMA_REL_SLACK` for a sound bound. */
export function sigmaMax(a: Mat): number {
  if (a.rows === 0 || a.cols === 0) return 0;
  // Cheap exact cases
  if (a.cols === 1 || a.rows === 1) {
    let s = 0;
    for (let i = 0; i < a.data.length; i++) s += a.data[i] * a.data[i];
    return Math.sqrt(s);
  }
  return singularValues(a)[0];
}

/** Numerical rank: number of σ_i > relTol·σ_1 (0 for a zero matrix). */
export function numericalRank(a: Mat, relTol = 1e-10, s?: Float64Array): number {
  const sv = s ?? singularValues(a);
  if (sv.length === 0 || !(sv[0] > 0)) return 0;
  let r = 0;
  for (let i = 0; i < sv.length; i++) if (sv[i] > relTol * sv[0]) r++;
  return r;
}

export interface RowSpace {
  /** d×r matrix whose orthonormal columns span the numerical row space of A (A m×d) */
  basis: Mat;
  rank: number;
  /** all singular values */
  s: Float64Array;
  /** first dropped singular value σ_{r+1} (0 if none) */
  sigmaDropped: number;
}

/**
 * Orthonormal basis V_r (d×r) of the numerical row space of A (σ_i > relTol·σ_1).
 * The columns are re-orthonormalized (modified Gram–Schmidt, twice) after the SVD.
 */
export function rowSpaceBasis(a: Mat, relTol = 1e-10): RowSpace {
  const { s, V } = svd(a, { wantU: false, wantV: true });
  const r = numericalRank(a, relTol, s);
  const d = a.cols;
  const basis = zeros(d, r);
  for (let i = 0; i < d; i++) for (let j = 0; j < r; j++) basis.data[i * r + j] = V.data[i * V.cols + j];
  orthonormalizeColumns(basis);
  return { basis, rank: r, s, sigmaDropped: r < s.length ? s[r] : 0 };
}

/** In-place modified Gram–Schmidt (two passes) on the columns of B. */
export function orthonormalizeColumns(B: Mat): void {
  const d = B.rows;
  const r = B.cols;
  for (let pass = 0; pass < 2; pass++) {
    for (let j = 0; j < r; j++) {
      for (let k = 0; k < j; k++) {
        let dotp = 0;
        for (let i = 0; i < d; i++) dotp += B.data[i * r + j] * B.data[i * r + k];
        for (let i = 0; i < d; i++) B.data[i * r + j] -= dotp * B.data[i * r + k];
      }
      let nn = 0;
      for (let i = 0; i < d; i++) nn += B.data[i * r + j] * B.data[i * r + j];
      nn = Math.sqrt(nn);
      if (nn > 0) for (let i = 0; i < d; i++) B.data[i * r + j] /= nn;
    }
  }
}

/** Moore–Penrose pseudo-inverse (n×m for A m×n), singular values ≤ relTol·σ_1 treated as zero. */
export function pinv(a: Mat, relTol = 1e-10): Mat {
  const { U, s, V } = svd(a);
  const r = numericalRank(a, relTol, s);
  const out = zeros(a.cols, a.rows);
  const k = s.length;
  for (let t = 0; t < r; t++) {
    const inv = 1 / s[t];
    for (let i = 0; i < a.cols; i++) {
      const vi = V.data[i * k + t] * inv;
      if (vi === 0) continue;
      for (let j = 0; j < a.rows; j++) out.data[i * a.rows + j] += vi * U.data[j * k + t];
    }
  }
  return out;
}
