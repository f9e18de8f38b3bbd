/**
 * Least squares min_x ‖Σ_k x_k·a_k − rhs‖ over a column set that grows and shrinks one column at a
 * time (the passive set of the NNLS in cone.ts), with a thin QR kept up to date instead of
 * refactorized: appending costs O(p·k) (Gram–Schmidt, twice, so Q stays orthonormal to rounding),
 * removing costs O(p·k + k²) (Givens rotations restore R's triangle), a solve costs O(k²). A fresh
 * Householder QR per solve costs O(p·k²) and dominated the d = 50 bench (profiled: 60% of the time).
 * The same factorization serves a face's rows in the face Newton's release step (polish.ts): there
 * the right-hand side changes at every use (solveFor), and a released row leaves in O(p·k + k²)
 * where a Householder QR re-reflects every later column (O(p·k²): 5.5% of n = 1e3, d = 50,
 * 100 patterns).
 */

const NO_RHS = new Float64Array(0);

/** A new column counts as dependent when its part outside span(Q) is ≤ QR_DEPENDENT_TOL·max|R_jj| (as dense.ts leastSquares). */
export const QR_DEPENDENT_TOL = 1e-13;

export class UpdatedQR {
  /** orthonormal columns q_0 … q_{k−1} (each length p) */
  private q: Float64Array[] = [];
  /** R by columns: r[j][i] = R_ij for i ≤ j */
  private r: Float64Array[] = [];
  /** Qᵀ·rhs */
  private qtb: number[] = [];

  /** rhs: the right-hand side solve() uses (omitted: solveFor only) */
  constructor(
    private readonly p: number,
    private readonly rhs: Float64Array = NO_RHS,
  ) {}

  /** The same factorization for another right-hand side (copies Q and R, recomputes Qᵀrhs: O(p·k)). */
  withRhs(rhs: Float64Array): UpdatedQR {
    const out = new UpdatedQR(this.p, rhs);
    out.q = this.q.map((c) => Float64Array.from(c));
    out.r = this.r.map((c) => Float64Array.from(c));
    out.qtb = out.q.map((c) => {
      let t = 0;
      for (let i = 0; i < this.p; i++) t += c[i] * rhs[i];
      return t;
    });
    return out;
  }

  get size(): number {
    return this.q.length;
  }

  /** Append column a (copied); false (and nothing changes) if it is numerically in span(Q). */
  append(a: Float64Array): boolean {
    const { p, q } = this;
    const k = q.length;
    if (k >= p) return false;
    const v = Float64Array.from(a);
    const coef = new Float64Array(p);
    for (let pass = 0; pass < 2; pass++)
      for (let j = 0; j < k; j++) {
        const qj = q[j];
        let t = 0;
        for (let i = 0; i < p; i++) t += qj[i] * v[i];
        coef[j] += t;
        for (let i = 0; i < p; i++) v[i] -= t * qj[i];
      }
    let nv = 0;
    for (let i = 0; i < p; i++) nv += v[i] * v[i];
    nv = Math.sqrt(nv);
    let dmax = nv;
    for (let j = 0; j < k; j++) dmax = Math.max(dmax, Math.abs(this.r[j][j]));
    if (!(nv > QR_DEPENDENT_TOL * dmax)) return false;
    for (let i = 0; i < p; i++) v[i] /= nv;
    coef[k] = nv;
    q.push(v);
    this.r.push(coef);
    let t = 0;
    if (this.rhs.length) for (let i = 0; i < p; i++) t += v[i] * this.rhs[i];
    this.qtb.push(t);
    return true;
  }

  /** Remove column number t (later columns shift down by one). */
  remove(t: number): void {
    const { q, r, qtb, p } = this;
    const k = q.length;
    r.splice(t, 1);
    // columns t … k−2 of R now have one entry below the diagonal: rotate rows j, j+1 to clear it
    for (let j = t; j < k - 1; j++) {
      const a = r[j][j],
        b = r[j][j + 1];
      const h = Math.hypot(a, b);
      if (!(h > 0)) continue;
      const c = a / h,
        s = b / h;
      for (let l = j; l < k - 1; l++) {
        const x = r[l][j],
          y = r[l][j + 1];
        r[l][j] = c * x + s * y;
        r[l][j + 1] = -s * x + c * y;
      }
      r[j][j + 1] = 0;
      const qa = q[j],
        qb = q[j + 1];
      for (let i = 0; i < p; i++) {
        const x = qa[i],
          y = qb[i];
        qa[i] = c * x + s * y;
        qb[i] = -s * x + c * y;
      }
      const x = qtb[j],
        y = qtb[j + 1];
      qtb[j] = c * x + s * y;
      qtb[j + 1] = -s * x + c * y;
    }
    q.pop();
    qtb.pop();
    for (const col of r) col[k - 1] = 0;
  }

  /** The least-squares coefficients, one per column in order. */
  solve(): Float64Array {
    const k = this.q.length,
      r = this.r;
    const x = new Float64Array(k);
    for (let j = k - 1; j >= 0; j--) {
      let s = this.qtb[j];
      for (let l = j + 1; l < k; l++) s -= r[l][j] * x[l];
      x[j] = s / r[j][j];
    }
    return x;
  }

  /** The least-squares coefficients for right-hand side b (R⁻¹Qᵀb: O(p·k + k²)), one per column in order. */
  solveFor(b: ArrayLike<number>): Float64Array {
    const { p, q, r } = this,
      k = q.length;
    const x = new Float64Array(k);
    for (let j = 0; j < k; j++) {
      const qj = q[j];
      let t = 0;
      for (let i = 0; i < p; i++) t += qj[i] * b[i];
      x[j] = t;
    }
    for (let j = k - 1; j >= 0; j--) {
      let s = x[j];
      for (let l = j + 1; l < k; l++) s -= r[l][j] * x[l];
      x[j] = s / r[j][j];
    }
    return x;
  }

  /**
   * The vector w in the columns' span with col_lᵀw = δ_lt (column t of the pseudo-inverse's
   * transpose): w = Q·R⁻ᵀe_t, O(p·k + k²). With the columns as a face's rows, w spans what the face
   * gains when row t leaves it.
   */
  dualColumn(t: number): Float64Array {
    const { p, q, r } = this,
      k = q.length;
    // Rᵀy = e_t by forward substitution (row j of Rᵀ is column j of R: r[j])
    const y = new Float64Array(k);
    for (let j = t; j < k; j++) {
      let s = j === t ? 1 : 0;
      for (let l = t; l < j; l++) s -= r[j][l] * y[l];
      y[j] = s / r[j][j];
    }
    const w = new Float64Array(p);
    for (let j = t; j < k; j++) {
      const c = y[j],
        qj = q[j];
      for (let i = 0; i < p; i++) w[i] += c * qj[i];
    }
    return w;
  }
}
