/**
 * Small dense kernels of the convex-program solver: Householder least squares (the NNLS inner
 * solves, stable even with a heavily weighted row) and an orthonormal null-space basis (the face of a
 * cone on which a block lives). Sizes are small, so clarity comes first. The Newton steps' SPD solve
 * is ./spd.ts spdSolve (the engine's one Cholesky).
 */

/**
 * min_x ‖Σ_k x_k·cols[k] − rhs‖ by Householder QR. Returns null when the columns are numerically
 * dependent (|R_kk| ≤ 1e-13·max|R_jj|): the caller treats that as "cannot add this column".
 */
export function leastSquares(cols: Float64Array[], rhs: Float64Array): Float64Array | null {
  const f = householderQR(cols);
  return f && solveQR(f, rhs);
}

/** A Householder QR of k columns of length m: the reflectors v_j (in A[j][j:]), ‖v_j‖², R's diagonal; R's upper part in A[l][j], l > j. */
export interface HouseholderQR {
  m: number;
  A: Float64Array[];
  vv: Float64Array;
  diag: Float64Array;
}

/** The QR of the columns (copied), or null when they are numerically dependent (as leastSquares). */
export function householderQR(cols: Float64Array[]): HouseholderQR | null {
  const k = cols.length,
    m = k ? cols[0].length : 0;
  if (k > m) return null;
  const A = cols.map((c) => Float64Array.from(c));
  const diag = new Float64Array(k),
    vvs = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    const a = A[j];
    let s = 0;
    for (let i = j; i < m; i++) s += a[i] * a[i];
    const nrm = Math.sqrt(s);
    const alpha = a[j] > 0 ? -nrm : nrm;
    diag[j] = alpha;
    if (nrm === 0) continue;
    // v = a[j:] − alpha e_j, stored in a[j:]
    a[j] -= alpha;
    const vv = s - 2 * alpha * (a[j] + alpha) + alpha * alpha; // ‖v‖² (a[j] already shifted)
    vvs[j] = vv;
    if (!(vv > 0)) continue;
    for (let l = j + 1; l < k; l++) reflect(a, vv, j, m, A[l]);
  }
  let dmax = 0;
  for (let j = 0; j < k; j++) dmax = Math.max(dmax, Math.abs(diag[j]));
  for (let j = 0; j < k; j++) if (!(Math.abs(diag[j]) > 1e-13 * dmax)) return null;
  return { m, A, vv: vvs, diag };
}

/** The least-squares coefficients for rhs from a QR (O(m·k + k²): the columns are not touched again). */
export function solveQR(f: HouseholderQR, rhs: Float64Array): Float64Array {
  const { m, A, vv, diag } = f,
    k = A.length;
  const b = Float64Array.from(rhs);
  for (let j = 0; j < k; j++) if (vv[j] > 0) reflect(A[j], vv[j], j, m, b);
  const x = new Float64Array(k);
  for (let j = k - 1; j >= 0; j--) {
    let s = b[j];
    for (let l = j + 1; l < k; l++) s -= A[l][j] * x[l];
    x[j] = s / diag[j];
  }
  return x;
}

/**
 * y[j:] −= (2 vᵀy/vv)·v with v = a[j:m]: one Householder reflection (a plain function, not a
 * closure per column).
 */
function reflect(a: Float64Array, vv: number, j: number, m: number, y: Float64Array): void {
  let t = 0;
  for (let i = j; i < m; i++) t += a[i] * y[i];
  t = (2 * t) / vv;
  for (let i = j; i < m; i++) y[i] -= t * a[i];
}

/**
 * Orthonormal basis (columns, each length p) of {z : rowᵀz = 0 for every row}, by Gram–Schmidt
 * (twice) of the rows and then of the unit vectors. Rows within 1e-12 (relative) of the span of
 * the previous ones are dependent and skipped.
 */
export function nullBasis(rows: Float64Array[], p: number): Float64Array[] {
  const span: Float64Array[] = [];
  const orth = (v: Float64Array) => {
    for (let pass = 0; pass < 2; pass++)
      for (const q of span) {
        let t = 0;
        for (let i = 0; i < p; i++) t += q[i] * v[i];
        for (let i = 0; i < p; i++) v[i] -= t * q[i];
      }
  };
  const push = (r: ArrayLike<number>, tol: number): boolean => {
    const v = Float64Array.from(r);
    let n0 = 0;
    for (let i = 0; i < p; i++) n0 += v[i] * v[i];
    n0 = Math.sqrt(n0);
    if (!(n0 > 0)) return false;
    orth(v);
    let n1 = 0;
    for (let i = 0; i < p; i++) n1 += v[i] * v[i];
    n1 = Math.sqrt(n1);
    if (!(n1 > tol * n0)) return false;
    for (let i = 0; i < p; i++) v[i] /= n1;
    span.push(v);
    return true;
  };
  for (const r of rows) {
    if (span.length >= p) break;
    push(r, 1e-12);
  }
  const rank = span.length;
  for (let e = 0; e < p && span.length < p; e++) {
    const u = new Float64Array(p);
    u[e] = 1;
    push(u, 1e-8);
  }
  return span.slice(rank);
}
