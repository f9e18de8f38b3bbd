/**
 * The one dense matrix type of the engine: row-major float64. Small and explicit so that the
 * ONNX reader, the data readers, the oracle and the solvers share data without copies or
 * conversions. Heavy decompositions go through ml-matrix (see ./decomp.ts); large products
 * through ./kernel.ts.
 */
export interface Mat {
  readonly rows: number;
  readonly cols: number;
  /** row-major: entry (i, j) at data[i * cols + j] */
  readonly data: Float64Array;
}

export function zeros(rows: number, cols: number): Mat {
  return { rows, cols, data: new Float64Array(rows * cols) };
}

export function fromRows(rows: ArrayLike<ArrayLike<number>>): Mat {
  const r = rows.length;
  const c = r ? rows[0].length : 0;
  const m = zeros(r, c);
  for (let i = 0; i < r; i++) {
    if (rows[i].length !== c) throw new RangeError(`fromRows: row ${i} has ${rows[i].length} entries, expected ${c}`);
    for (let j = 0; j < c; j++) m.data[i * c + j] = rows[i][j];
  }
  return m;
}

export function toRows(m: Mat): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < m.rows; i++) out.push(Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols)));
  return out;
}

export function get(m: Mat, i: number, j: number): number {
  return m.data[i * m.cols + j];
}

export function row(m: Mat, i: number): Float64Array {
  return m.data.subarray(i * m.cols, (i + 1) * m.cols);
}

export function col(m: Mat, j: number): Float64Array {
  const out = new Float64Array(m.rows);
  for (let i = 0; i < m.rows; i++) out[i] = m.data[i * m.cols + j];
  return out;
}

export function transpose(m: Mat): Mat {
  const t = zeros(m.cols, m.rows);
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.cols; j++) t.data[j * m.rows + i] = m.data[i * m.cols + j];
  return t;
}

export function clone(m: Mat): Mat {
  return { rows: m.rows, cols: m.cols, data: new Float64Array(m.data) };
}

/** C = A·B in plain JS (ikj order). Fine for the small products of the engine. */
export function matmul(a: Mat, b: Mat): Mat {
  if (a.cols !== b.rows) throw new RangeError(`matmul: ${a.rows}×${a.cols} times ${b.rows}×${b.cols}`);
  const c = zeros(a.rows, b.cols);
  const n = b.cols;
  for (let i = 0; i < a.rows; i++) {
    const ci = i * n;
    for (let k = 0; k < a.cols; k++) {
      const aik = a.data[i * a.cols + k];
      if (aik === 0) continue;
      const bk = k * n;
      for (let j = 0; j < n; j++) c.data[ci + j] += aik * b.data[bk + j];
    }
  }
  return c;
}

/** y = A·x */
export function matvec(a: Mat, x: ArrayLike<number>): Float64Array {
  const y = new Float64Array(a.rows);
  for (let i = 0; i < a.rows; i++) {
    let s = 0;
    const o = i * a.cols;
    for (let j = 0; j < a.cols; j++) s += a.data[o + j] * x[j];
    y[i] = s;
  }
  return y;
}

/** y = Aᵀ·x */
export function matTvec(a: Mat, x: ArrayLike<number>): Float64Array {
  const y = new Float64Array(a.cols);
  for (let i = 0; i < a.rows; i++) {
    const xi = x[i];
    if (xi === 0) continue;
    const o = i * a.cols;
    for (let j = 0; j < a.cols; j++) y[j] += a.data[o + j] * xi;
  }
  return y;
}

/**
 * a[ao … ao+len) · b[bo … bo+len), in four partial sums. Why: one accumulator is one long chain of
 * dependent adds. Measured here: a row scan of X̃ (n = 1e4, p = 51) 0.61 → 0.41 ms; a T = 400
 * Cholesky 11.4 → 8.0 ms (written inline in the caller it was no faster than this call).
 */
export function dotAt(a: Float64Array, ao: number, b: Float64Array, bo: number, len: number): number {
  let s0 = 0,
    s1 = 0,
    s2 = 0,
    s3 = 0,
    k = 0;
  for (; k + 3 < len; k += 4) {
    s0 += a[ao + k] * b[bo + k];
    s1 += a[ao + k + 1] * b[bo + k + 1];
    s2 += a[ao + k + 2] * b[bo + k + 2];
    s3 += a[ao + k + 3] * b[bo + k + 3];
  }
  for (; k < len; k++) s0 += a[ao + k] * b[bo + k];
  return s0 + s1 + (s2 + s3);
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

export function norm2(a: ArrayLike<number>): number {
  // scaled to avoid overflow/underflow on extreme weights
  let scale = 0;
  for (let i = 0; i < a.length; i++) scale = Math.max(scale, Math.abs(a[i]));
  if (scale === 0 || !Number.isFinite(scale)) return scale;
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const t = a[i] / scale;
    s += t * t;
  }
  return scale * Math.sqrt(s);
}

export function frob2(m: Mat): number {
  let s = 0;
  for (let i = 0; i < m.data.length; i++) s += m.data[i] * m.data[i];
  return s;
}

/**
 * Columns shifted to mean zero (Λᵀ1 = 0): the dual's constraint under a free bias. Here, not in
 * certify/, because the oracles restricted to own cones (oracle/ownOracle.ts) project with it too.
 */
export function projectMeanZero(L: Mat): Mat {
  const n = L.rows,
    c = L.cols;
  const out = zeros(n, c);
  for (let k = 0; k < c; k++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += L.data[i * c + k];
    const mu = n > 0 ? s / n : 0;
    for (let i = 0; i < n; i++) out.data[i * c + k] = L.data[i * c + k] - mu;
  }
  return out;
}

/** [X, 1]: the data with a column of ones, for a decayed hidden bias (MATH.md §1). */
export function appendOnes(x: Mat): Mat {
  const out = zeros(x.rows, x.cols + 1);
  for (let i = 0; i < x.rows; i++) {
    out.data.set(row(x, i), i * (x.cols + 1));
    out.data[i * (x.cols + 1) + x.cols] = 1;
  }
  return out;
}
