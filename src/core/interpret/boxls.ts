/**
 * Bounded-variable least squares: min_μ ½‖g + Σ_i μ_i b_i‖²  s.t.  lo_i ≤ μ_i ≤ hi_i, with 0 feasible.
 *
 * Why this problem (MATH.md §3.5, §6): for a polyhedral cone K = {w : a_iᵀw ≥ 0} Moreau's
 * decomposition gives Π_K(g) = g + Σ μ*_i a_i with μ* = argmin_{μ≥0} ‖g + Σ μ_i a_i‖ (the dual of
 * the projection is an NNLS over the constraint rows). The neuron reading adds box-bounded
 * multipliers for samples on a neuron's kink (see ./neurons.ts), hence bounds instead of μ ≥ 0.
 *
 * Algorithm: Lawson–Hanson active set generalized to two-sided bounds (Stark & Parker's BVLS):
 * variables are at a bound or free; the free set is solved by least squares on an incrementally
 * updated QR (dependent columns dropped, so duplicate samples are harmless); a free variable that
 * would leave its box stops the step at the box and returns to the bound. The number of variables
 * is n (samples) and the dimension q = d̃ is small: an outer step costs O(n·q + q·|F|) plus
 * O(q·|F|) per column leaving. A multiply-add budget makes the stop deterministic.
 */

export interface BoxLsProblem {
  /** dimension q of g and of every column */
  g: Float64Array;
  /** columns b_i (length q each), or packed: column i at [i·q, (i + 1)·q) of one array */
  cols: Float64Array[] | Float64Array;
  /** bounds with lo_i ≤ 0 ≤ hi_i (Infinity allowed for hi) */
  lo: Float64Array;
  hi: Float64Array;
}

export interface BoxLsResult {
  mu: Float64Array;
  /** z = g + Σ μ_i b_i at the solution */
  z: Float64Array;
  iterations: number;
  /** false when the iteration cap or work budget was hit (μ is then feasible but not proven optimal) */
  converged: boolean;
}

/** KKT violation b_iᵀz/‖b_i‖ below this fraction of max(‖z‖, ‖g‖) counts as satisfied. */
export const BOXLS_OPT_TOL = 1e-12;
/** A column whose Gram–Schmidt remainder is below this fraction of its norm is dependent (dropped). */
export const BOXLS_DEPENDENT_TOL = 1e-10;

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/**
 * Thin QR of the free columns, grown one column at a time by modified Gram–Schmidt (a second pass
 * when needed, for orthogonality to working precision) and downdated by Givens rotations.
 * Dependent columns are kept out of the basis and get coefficient 0.
 */
class IncrementalQR {
  private Q: Float64Array[] = [];
  private R: number[][] = []; // R[r][k]: coefficient of Q[r] in basis column k
  private ids: number[] = [];
  /** multiply-adds spent, for the caller's work budget */
  work = 0;
  constructor(private q: number) {}
  add(id: number, cols: Float64Array): boolean {
    const v = cols.slice(id * this.q, (id + 1) * this.q);
    const n0 = Math.sqrt(dot(v, v));
    if (!(n0 > 0)) return false;
    const coef = new Array<number>(this.Q.length).fill(0);
    let before = n0;
    let nv = n0;
    // DGKS: a second pass only when the first lost more than 1/√2 of the norm
    for (let pass = 0; pass < 2; pass++) {
      for (let r = 0; r < this.Q.length; r++) {
        const c = dot(this.Q[r], v);
        coef[r] += c;
        const Qr = this.Q[r];
        for (let t = 0; t < this.q; t++) v[t] -= c * Qr[t];
      }
      nv = Math.sqrt(dot(v, v));
      this.work += 2 * this.q * (this.Q.length + 1);
      if (nv > Math.SQRT1_2 * before) break;
      before = nv;
    }
    if (nv <= BOXLS_DEPENDENT_TOL * n0) return false;
    for (let t = 0; t < this.q; t++) v[t] /= nv;
    const k = this.ids.length;
    for (let r = 0; r < this.Q.length; r++) this.R[r][k] = coef[r];
    const row = new Array<number>(k + 1).fill(0); // dense rows: zeros below the diagonal
    row[k] = nv;
    this.R.push(row);
    this.Q.push(v);
    this.ids.push(id);
    return true;
  }
  /**
   * Drops the given ids by Givens downdating (deleting a column leaves R upper Hessenberg from that
   * column on; rotations restore it and are applied to Q): O(q·f) per column instead of a rebuild.
   * Free ids outside the basis (dependent before) are then offered again.
   */
  remove(gone: Set<number>, free: number[], cols: Float64Array): void {
    for (let k = this.ids.length - 1; k >= 0; k--) {
      if (!gone.has(this.ids[k])) continue;
      const f = this.ids.length;
      for (const row of this.R) row.splice(k, 1);
      for (let j = k; j < f - 1; j++) {
        const a = this.R[j][j],
          b = this.R[j + 1][j];
        const r = Math.hypot(a, b);
        if (r === 0) continue;
        const c = a / r,
          s = b / r;
        const Rj = this.R[j],
          Rj1 = this.R[j + 1];
        for (let t = j; t < f - 1; t++) {
          const x = Rj[t],
            y = Rj1[t];
          Rj[t] = c * x + s * y;
          Rj1[t] = -s * x + c * y;
        }
        Rj1[j] = 0;
        const Qj = this.Q[j],
          Qj1 = this.Q[j + 1];
        for (let t = 0; t < this.q; t++) {
          const x = Qj[t],
            y = Qj1[t];
          Qj[t] = c * x + s * y;
          Qj1[t] = -s * x + c * y;
        }
        this.work += 4 * (this.q + f);
      }
      this.R.pop();
      this.Q.pop();
      this.ids.splice(k, 1);
    }
    const inBasis = new Set(this.ids);
    for (const id of free) if (!inBasis.has(id) && !gone.has(id)) this.add(id, cols);
  }
  /** least-squares coefficients per id (ids outside the basis: absent ⇒ 0) */
  solve(rhs: Float64Array): Map<number, number> {
    const k = this.ids.length;
    const x = new Float64Array(k);
    const qtb = this.Q.map((qv) => dot(qv, rhs));
    for (let i = k - 1; i >= 0; i--) {
      let s = qtb[i];
      for (let j = i + 1; j < k; j++) s -= this.R[i][j] * x[j];
      x[i] = s / this.R[i][i];
    }
    return new Map(this.ids.map((id, i) => [id, x[i]]));
  }
}

/** Working state of one solve: μ, each variable's state, the free set and its QR, z = g + Σ μ_i b_i. */
interface Bvls {
  P: PackedProblem;
  q: number;
  p: number;
  mu: Float64Array;
  /** 0 free, -1 at lo, +1 at hi, 2 fixed (lo = hi = 0 or a zero column: never moves) */
  state: Int8Array;
  /** column norms ‖b_i‖ */
  cn: Float64Array;
  z: Float64Array;
  free: number[];
  qr: IncrementalQR;
  /** variables that entered and left without a step since the last progress */
  blocked: Set<number>;
  /**
   * The variables with a finite nonzero bound, ascending: a variable at a bound has μ equal to it, so only these
   * (and the free ones) can have μ ≠ 0 — the sums over μ_i b_i run over them, in the order of i as over all p.
   */
  edged: Int32Array;
}

/** The problem with its columns in one array (column i at [i·q, (i + 1)·q)): the scans over all p columns read memory in order. */
type PackedProblem = Omit<BoxLsProblem, 'cols'> & { cols: Float64Array };

function packed(P: BoxLsProblem): PackedProblem {
  const { cols } = P;
  if (!Array.isArray(cols)) return P as PackedProblem;
  const q = P.g.length;
  const flat = new Float64Array(cols.length * q);
  cols.forEach((c, i) => flat.set(c, i * q));
  return { ...P, cols: flat };
}

function initBvls(P: PackedProblem): Bvls {
  const { g, cols, lo, hi } = P;
  const q = g.length;
  const p = lo.length;
  const state = new Int8Array(p);
  const cn = new Float64Array(p);
  const edged: number[] = [];
  const finiteNonzero = (x: number) => x !== 0 && Number.isFinite(x);
  for (let i = 0; i < p; i++) {
    if (finiteNonzero(lo[i]) || finiteNonzero(hi[i])) edged.push(i);
    let s = 0;
    for (let t = i * q; t < (i + 1) * q; t++) s += cols[t] * cols[t];
    cn[i] = Math.sqrt(s);
    if (!(cn[i] > 0) || (lo[i] === 0 && hi[i] === 0)) state[i] = 2;
    else state[i] = lo[i] === 0 ? -1 : 1;
  }
  const mu = new Float64Array(p);
  return { P, q, p, mu, state, cn, z: new Float64Array(q), free: [], qr: new IncrementalQR(q), blocked: new Set<number>(), edged: Int32Array.from(edged) };
}

/** z = g + Σ μ_i b_i, the sum in increasing i over the variables that can have μ_i ≠ 0 (the free and the edged ones). */
function recompute(st: Bvls): void {
  const { z, mu, q, free, edged } = st;
  const { g, cols } = st.P;
  z.set(g);
  const idx = Int32Array.from(new Set([...free, ...edged])).sort();
  for (const i of idx) if (mu[i] !== 0) for (let t = 0; t < q; t++) z[t] += mu[i] * cols[i * q + t];
}

/** Least squares on the free set, stepping back to the box when it leaves it; true if μ moved. */
function settle(st: Bvls): boolean {
  const { mu, state, free, qr, q, p, edged } = st;
  const { g, cols, lo, hi } = st.P;
  let progressed = false;
  for (let inner = 0; inner <= p + 5; inner++) {
    // rhs = −(g + Σ_{bound} μ_i b_i): a bound variable with μ_i ≠ 0 is an edged one
    const rhs = Float64Array.from(g, (x) => -x);
    for (const i of edged) if (state[i] !== 0 && mu[i] !== 0) for (let t = 0; t < q; t++) rhs[t] -= mu[i] * cols[i * q + t];
    const sol = qr.solve(rhs);
    const s = free.map((i) => sol.get(i) ?? 0);
    let alpha = 1;
    let hit = -1;
    free.forEach((i, k) => {
      const cur = mu[i];
      const nxt = s[k];
      if (nxt < lo[i] && nxt < cur) {
        const a = (lo[i] - cur) / (nxt - cur);
        if (a < alpha) [alpha, hit] = [Math.max(a, 0), k];
      } else if (nxt > hi[i] && nxt > cur) {
        const a = (hi[i] - cur) / (nxt - cur);
        if (a < alpha) [alpha, hit] = [Math.max(a, 0), k];
      }
    });
    if (hit < 0) {
      free.forEach((i, k) => (mu[i] = Math.min(hi[i], Math.max(lo[i], s[k]))));
      progressed = true;
      break;
    }
    if (alpha > 0) progressed = true;
    free.forEach((i, k) => (mu[i] += alpha * (s[k] - mu[i])));
    qr.remove(returnToBounds(st, s, hit), free, cols);
    if (!free.length) break;
  }
  return progressed;
}

/** Free variables that reached (or crossed by rounding) a bound go back to it; returns them. */
function returnToBounds(st: Bvls, s: number[], hit: number): Set<number> {
  const { mu, state, free } = st;
  const { lo, hi } = st.P;
  const gone = new Set<number>();
  for (let k = free.length - 1; k >= 0; k--) {
    const i = free[k];
    const span = Math.max(1, Math.abs(lo[i]), Number.isFinite(hi[i]) ? Math.abs(hi[i]) : 0);
    const atLo = mu[i] <= lo[i] + 1e-14 * span && (k === hit || s[k] < lo[i]);
    const atHi = mu[i] >= hi[i] - 1e-14 * span && (k === hit || s[k] > hi[i]);
    if (k === hit || atLo || atHi) {
      const toLo = k === hit ? s[k] < mu[i] || mu[i] <= lo[i] : atLo;
      mu[i] = toLo ? lo[i] : hi[i];
      state[i] = toLo ? -1 : 1;
      free.splice(k, 1);
      gone.add(i);
    }
  }
  return gone;
}

/** KKT violation of a bound variable: its improvement rate when moving into the box. */
function violation(st: Bvls, i: number): number {
  const { q, z } = st;
  const cols = st.P.cols;
  let s = 0;
  for (let t = 0; t < q; t++) s += cols[i * q + t] * z[t];
  const w = s / st.cn[i];
  return st.state[i] === -1 ? -w : w;
}

/** The bound, unblocked variable with the largest violation above tol (−1: none). */
function entering(st: Bvls, tol: number): number {
  let best = -1;
  let bestV = tol;
  // the blocked set is nearly always empty: skip its lookup per variable then
  const blocked = st.blocked.size > 0 ? st.blocked : null;
  for (let i = 0; i < st.p; i++) {
    if (st.state[i] === 0 || st.state[i] === 2 || blocked?.has(i)) continue;
    const v = violation(st, i);
    if (v > bestV) {
      bestV = v;
      best = i;
    }
  }
  return best;
}

function makeFree(st: Bvls, i: number): void {
  st.state[i] = 0;
  st.free.push(i);
  st.qr.add(i, st.P.cols);
}

export function boxLeastSquares(
  P: BoxLsProblem,
  opts: { maxIterations?: number; warmFree?: number[] /** multiply-add budget (deterministic stop) */; maxWork?: number } = {},
): BoxLsResult {
  const st = initBvls(packed(P));
  const { q, p, state, z } = st;
  const maxIt = opts.maxIterations ?? 3 * p + 100;
  const gNorm = Math.sqrt(dot(P.g, P.g));
  let it = 0;
  let converged = false;
  // warm start: a guess of the free set (e.g. the constraint rows nearly tight at the neuron)
  for (const i of opts.warmFree ?? []) {
    if (state[i] === 0 || state[i] === 2) continue;
    makeFree(st, i);
  }
  if (st.free.length) settle(st);
  recompute(st);
  const maxWork = opts.maxWork ?? Infinity;
  let work = 0;
  while (it < maxIt && work + st.qr.work <= maxWork) {
    it++;
    work += p * q;
    const tol = BOXLS_OPT_TOL * Math.max(Math.sqrt(dot(z, z)), gNorm, Number.MIN_VALUE);
    const best = entering(st, tol);
    if (best < 0) {
      // a variable blocked after a degenerate entry may still violate its KKT condition: then the
      // point is not proven optimal
      converged = ![...st.blocked].some((i) => violation(st, i) > tol);
      break;
    }
    makeFree(st, best);
    const progressed = settle(st);
    if (progressed) st.blocked.clear();
    else st.blocked.add(best); // entered and left without a step: degenerate, try another variable
    recompute(st);
  }
  recompute(st);
  return { mu: st.mu, z: Float64Array.from(z), iterations: it, converged };
}
