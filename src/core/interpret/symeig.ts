/**
 * Smallest eigenvalue of a dense symmetric matrix: Householder tridiagonalization (eigenvalues
 * only, Golub & Van Loan Alg. 8.3.1) followed by Sturm-sequence bisection. Backward stable: the
 * result is within a small multiple of ε·‖A‖ of the true λ_min. Written here because ml-matrix's
 * EigenvalueDecomposition also builds the eigenvectors and is ~10× slower at n = 600.
 */

/** λ_min of the symmetric n×n matrix A (row-major; A is overwritten). */
export function symMinEigenvalue(A: Float64Array, n: number): number {
  if (n === 0) return NaN;
  if (n === 1) return A[0];
  const v = new Float64Array(n);
  const p = new Float64Array(n);
  for (let k = 0; k < n - 2; k++) {
    // x = A[k+1:, k]
    let alpha = 0;
    for (let i = k + 1; i < n; i++) alpha += A[i * n + k] ** 2;
    alpha = Math.sqrt(alpha);
    if (alpha === 0) continue;
    const x0 = A[(k + 1) * n + k];
    const s = x0 >= 0 ? -alpha : alpha; // reflect x onto s·e1, avoiding cancellation
    // v = x − s e1, β = 2/‖v‖²
    let vn2 = 0;
    for (let i = k + 1; i < n; i++) {
      v[i] = A[i * n + k] - (i === k + 1 ? s : 0);
      vn2 += v[i] * v[i];
    }
    if (vn2 === 0) continue;
    const beta = 2 / vn2;
    // p = β A' v
    for (let i = k + 1; i < n; i++) {
      let t = 0;
      const o = i * n;
      for (let j = k + 1; j < n; j++) t += A[o + j] * v[j];
      p[i] = beta * t;
    }
    // w = p − (β pᵀv / 2) v ; A' −= v wᵀ + w vᵀ
    let pv = 0;
    for (let i = k + 1; i < n; i++) pv += p[i] * v[i];
    const c = (beta * pv) / 2;
    for (let i = k + 1; i < n; i++) p[i] -= c * v[i];
    for (let i = k + 1; i < n; i++) {
      const o = i * n;
      const vi = v[i],
        wi = p[i];
      for (let j = k + 1; j < n; j++) A[o + j] -= vi * p[j] + wi * v[j];
    }
    A[(k + 1) * n + k] = s;
    A[k * n + k + 1] = s;
  }
  const d = new Float64Array(n);
  const e = new Float64Array(n); // e[i] couples i and i+1
  for (let i = 0; i < n; i++) d[i] = A[i * n + i];
  for (let i = 0; i + 1 < n; i++) e[i] = A[(i + 1) * n + i];
  // Gershgorin interval
  let lo = Infinity,
    hi = -Infinity;
  for (let i = 0; i < n; i++) {
    const r = (i > 0 ? Math.abs(e[i - 1]) : 0) + (i + 1 < n ? Math.abs(e[i]) : 0);
    lo = Math.min(lo, d[i] - r);
    hi = Math.max(hi, d[i] + r);
  }
  const scale = Math.max(Math.abs(lo), Math.abs(hi), Number.MIN_VALUE);
  /** number of eigenvalues < x (Sturm count via the LDLᵀ pivots of T − xI) */
  const below = (x: number): number => {
    let count = 0;
    let q = d[0] - x;
    if (q < 0) count++;
    for (let i = 1; i < n; i++) {
      const qq = q === 0 ? Number.EPSILON * scale : q;
      q = d[i] - x - (e[i - 1] * e[i - 1]) / qq;
      if (q < 0) count++;
    }
    return count;
  };
  for (let it = 0; it < 200 && hi - lo > 4 * Number.EPSILON * scale; it++) {
    const mid = 0.5 * (lo + hi);
    if (below(mid) >= 1) hi = mid;
    else lo = mid;
  }
  return 0.5 * (lo + hi);
}
