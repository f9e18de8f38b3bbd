/**
 * The pattern cone K_D = {z : (2D − I)X̃z ≥ 0} (MATH.md §3.5, §4): projection onto it and a SOUND
 * upper bound on the per-pattern dual constraint max_{z∈K_D, ‖Pz‖≤1} gᵀz.
 *
 * Projection: with rows a_j = s_j x̃_j (s_j = ±1 from D), Π_K(g) = g + Aᵀμ where μ ≥ 0 solves the
 * nonnegative least-squares problem min_{μ≥0} ‖g + Aᵀμ‖ (the dual of the projection). Lawson–Hanson
 * active set: add the most violated constraint (largest −a_jᵀz/‖a_j‖), solve the least squares on
 * the passive set by a QR updated column by column (updatedQR.ts), step back to keep μ ≥ 0.
 * Finite; the passive set is the face of K the projection lands on (exact combinatorial information, no tolerance on z).
 *
 * Bound (weak duality, valid for ANY μ ≥ 0): for z ∈ K, μᵀAz ≥ 0, so
 *   gᵀz ≤ (g + Aᵀμ)ᵀz = wᵀz ≤ ‖w‖·‖z‖                      (full norm: ‖Pz‖ = ‖z‖)
 *   gᵀz ≤ ‖w_u‖‖z_u‖ + |w_b||z_b| ≤ ‖w_u‖ + |w_b|·x_max      (free hidden bias, ‖z_u‖ ≤ 1)
 * where for a pattern with both active and inactive rows |z_b| ≤ max_j ‖x_j‖ = x_max (b ≥ −x_jᵀu on
 * an active row, b ≤ −x_kᵀu on an inactive one). The NNLS only makes the bound tight; its accuracy
 * never affects soundness, since w is recomputed from the clipped μ.
 */
import { dotAt, type Mat } from './mat';
import { kthLargest } from './select';
import { leastSquares } from './dense';
import { UpdatedQR } from './updatedQR';

/** A row counts as violated when −a_jᵀz > NNLS_VIOLATION_TOL·‖a_j‖·‖z‖ (z the current residual g + Aᵀμ): rounding only. */
export const NNLS_VIOLATION_TOL = 1e-13;
/**
 * Weight of the bias coordinate in the NNLS for the free-hidden-bias bound: the weighted NNLS finds
 * the passive set, then the least squares on it is solved with w_b = 0 exactly (exactLse); whatever
 * rounding leaves in w_b is paid for by |w_b|·x_max in the bound.
 */
export const FREE_BIAS_WEIGHT = 1e3;
/**
 * Lawson–Hanson passes (one entering row each) allowed: this many per dimension, plus 100. Past it
 * μ is still feasible (the bound sound) but not optimal. The former 3p + 30 was hit on cold and
 * hot-row starts with many removals (44 blocks in one n = 1e4, d = 10 bound), loosening the
 * certified gap from 9e-9 to 3e-3 at the same primal point.
 */
export const NNLS_MAX_OUTER_PER_DIM = 10;
/** Rows most violated at a full scan that the NNLS tries before scanning all rows again (speed only). */
export const NNLS_HOT_ROWS = 64;

export interface ConeProjection {
  /** g + Aᵀμ (unweighted), recomputed from the clipped μ */
  z: Float64Array;
  /** rows of the passive set (the face), with their multipliers μ_j ≥ 0 */
  active: number[];
  mu: number[];
  /** stopped at stopBelow: z is then g + Aᵀμ for a feasible μ, not the projection */
  early?: boolean;
}

/**
 * min_{μ ≥ 0} ‖W(g + Aᵀμ)‖ with W = diag(1, …, 1, omega) (omega = 1: the Euclidean projection).
 * `warm` is a previous passive set, used when its least-squares solution is nonnegative. `base`
 * (omega = 1 only) is X̃g (length n), e.g. from one batched product for all blocks.
 *
 * Cost: a full scan is one pass over X̃ (O(n·p)); between full scans only the NNLS_HOT_ROWS rows
 * most violated at the last one are tried, and the least squares on the passive set is a QR
 * updated one column at a time. A returned face keeps its factorization (FACE_QR), so passing
 * `active` back as `warm` for the same pattern skips refactoring it.
 */
/**
 * The full scan's violated rows and values, and the passive-set marks, shared by every call
 * (projectCone is synchronous and not re-entrant; each scan writes entries 0..m−1 before reading
 * them, and every mark set is cleared before the call returns): the bound and the polish scans call
 * it hundreds of times per round, and n-long arrays per call were a measurable part of the garbage
 * collector's time (bench/convex.ts profile, n = 1e3, d = 10).
 */
let scanScratch = { viol: new Float64Array(0), sel: new Float64Array(0), row: new Int32Array(0), inP: new Uint8Array(0) };

/**
 * The QR factors of a face returned by projectCone, carried on the returned `active` array itself
 * (looked up by that array's identity, as a WeakMap would be, but without one: the sign search makes
 * ~10⁶ projections, and a WeakMap entry for each made a third of its CPU garbage collection). Not
 * enumerable: the array still compares and serializes as plain rows.
 */
const FACE_QR = Symbol('faceQR');
type FaceRows = number[] & { [FACE_QR]?: { Xt: Mat; pattern: Uint8Array; omega: number; qr: UpdatedQR } };

/** The Lawson–Hanson state of one projection: passive rows P, their columns ã_t, multipliers μ, the QR of the columns. */
interface NnlsState {
  Xt: Mat;
  pattern: Uint8Array;
  omega: number;
  /** W g */
  wg: Float64Array;
  /** ‖W x̃_j‖ */
  rowNorm: Float64Array;
  P: number[];
  cols: Float64Array[];
  mu: number[];
  qr: UpdatedQR;
  /** 1 for the rows in P (shared scratch, cleared on return) */
  inP: Uint8Array;
}

/** ã_j = s_j W x̃_j, the weighted constraint row. */
function weightedRow(st: NnlsState, j: number): Float64Array {
  const p = st.Xt.cols,
    X = st.Xt.data,
    a = new Float64Array(p);
  const s = st.pattern[j] ? 1 : -1;
  for (let k = 0; k < p; k++) a[k] = s * X[j * p + k];
  a[p - 1] *= st.omega;
  return a;
}

/** c_j = ã_jᵀz̃ = s_j x̃_jᵀW z̃ (z̃ = W(g + Aᵀμ)), O(p) per row: a scan is one pass over X̃. */
function rowDot(st: NnlsState, j: number, z: Float64Array): number {
  const p = st.Xt.cols,
    X = st.Xt.data,
    o = j * p,
    e = p - 1;
  const t = dotAt(X, o, z, 0, e) + X[o + e] * st.omega * z[e];
  return st.pattern[j] ? t : -t;
}

/**
 * Start from the previous face, less the rows whose least-squares multiplier is not positive
 * (repeatedly): any passive set with a positive solution is a valid Lawson–Hanson state, so a face
 * that has moved a little still saves most of the rows a cold start would add one scan at a time.
 */
function warmStart(st: NnlsState, warm: number[], neg: Float64Array): void {
  const n = st.Xt.rows,
    p = st.Xt.cols;
  const known = (warm as FaceRows)[FACE_QR];
  let ok: number[];
  if (known && known.Xt === st.Xt && known.pattern === st.pattern && known.omega === st.omega) {
    st.qr = known.qr.withRhs(neg);
    ok = warm.slice();
  } else {
    ok = [];
    for (const j of warm) if (j >= 0 && j < n && st.rowNorm[j] > 0 && st.qr.append(weightedRow(st, j))) ok.push(j);
  }
  for (let round = 0; ok.length && round < p; round++) {
    const sol = st.qr.solve();
    if (allPositive(sol)) {
      for (const j of ok) {
        st.P.push(j);
        st.cols.push(weightedRow(st, j));
      }
      st.mu = Array.from(sol);
      break;
    }
    for (let t = sol.length - 1; t >= 0; t--)
      if (!(sol[t] > 0)) {
        ok.splice(t, 1);
        st.qr.remove(t);
      }
  }
  if (!st.P.length) st.qr = new UpdatedQR(p, neg);
}

/** z̃ = g̃ + Σ μ_t ã_t into z; returns the rounding mass ‖g̃‖ + Σ_t μ_t‖ã_t‖. */
function nnlsResidual(st: NnlsState, gnorm: number, z: Float64Array): number {
  const p = st.Xt.cols,
    { P, cols, mu, rowNorm } = st;
  let mass = gnorm;
  z.set(st.wg);
  for (let t = 0; t < P.length; t++) {
    mass += mu[t] * rowNorm[P[t]];
    const ct = cols[t],
      mt = mu[t];
    for (let k = 0; k < p; k++) z[k] += mt * ct[k];
  }
  return mass;
}

/** −c_j/‖ã_j‖, the violation of row j at z (from the caller's X̃g when `base` is given). A function, not a closure per call: the sign search makes ~10⁶ calls. */
function violationOf(st: NnlsState, j: number, z: Float64Array, base: Float64Array | undefined): number {
  return (base !== undefined ? (st.pattern[j] ? -base[j] : base[j]) : -rowDot(st, j, z)) / st.rowNorm[j];
}

/** Every entry > 0 (false for NaN). */
function allPositive(x: Float64Array): boolean {
  for (let t = 0; t < x.length; t++) if (!(x[t] > 0)) return false;
  return true;
}

/**
 * The row to enter: the most violated (violation −c_j/‖ã_j‖ above thr) among the rows most violated
 * at the last full scan, else among all rows by a full scan, which also refreshes that hot list.
 * Returns the row (−1: none) and the hot list.
 */
function enteringRow(st: NnlsState, z: Float64Array, thr: number, hot: Int32Array | null, base?: Float64Array): { best: number; hot: Int32Array | null } {
  const n = st.Xt.rows,
    { rowNorm, inP } = st;
  // the cold start's first scan can use X̃g from the caller's batched product
  const useBase = base !== undefined && st.omega === 1 && !st.P.length;
  let best = -1,
    bestV = 0;
  // Any violated row may enter (each entry still lowers ‖z‖), so the rows most violated at the
  // last full scan are tried first; a full scan (O(n·p)) runs only when none of them is violated
  // any more, and it is what ends the loop: termination is still exact.
  if (hot)
    for (const j of hot) {
      if (inP[j]) continue;
      const v = violationOf(st, j, z, useBase ? base : undefined);
      if (v > thr && v > bestV) {
        bestV = v;
        best = j;
      }
    }
  if (best >= 0) return { best, hot };
  const { viol, sel, row: violRow } = scanScratch;
  let m = 0;
  for (let j = 0; j < n; j++) {
    if (inP[j] || !(rowNorm[j] > 0)) continue;
    const v = violationOf(st, j, z, useBase ? base : undefined);
    if (v > thr) {
      viol[m] = v;
      violRow[m++] = j;
      if (v > bestV) {
        bestV = v;
        best = j;
      }
    }
  }
  if (m <= NNLS_HOT_ROWS) return { best, hot: violRow.slice(0, m) };
  sel.set(viol.subarray(0, m));
  const cut = kthLargest(sel.subarray(0, m), NNLS_HOT_ROWS);
  let h = 0;
  for (let t = 0; t < m; t++) if (viol[t] >= cut) h++;
  const out = new Int32Array(h);
  for (let t = 0, e = 0; t < m; t++) if (viol[t] >= cut) out[e++] = violRow[t];
  return { best, hot: out };
}

/** Least squares on P, stepping back along μ → solution to keep μ ≥ 0 (rows whose μ reaches 0 leave P). */
function keepFeasible(st: NnlsState): void {
  const p = st.Xt.cols,
    { P, cols, qr, inP } = st;
  for (let inner = 0; inner < 3 * p + 10; inner++) {
    const sol = qr.solve();
    if (allPositive(sol)) {
      st.mu = Array.from(sol);
      return;
    }
    const mu = st.mu;
    let alpha = 1,
      tmin = -1;
    for (let t = 0; t < sol.length; t++)
      if (sol[t] <= 0) {
        const a = mu[t] / (mu[t] - sol[t]);
        if (a < alpha || tmin < 0) {
          alpha = a;
          tmin = t;
        }
      }
    const next = new Array<number>(mu.length);
    for (let t = 0; t < mu.length; t++) next[t] = mu[t] + alpha * (sol[t] - mu[t]);
    next[tmin] = 0;
    for (let t = next.length - 1; t >= 0; t--)
      if (!(next[t] > 0)) {
        inP[P[t]] = 0;
        P.splice(t, 1);
        cols.splice(t, 1);
        next.splice(t, 1);
        qr.remove(t);
      }
    st.mu = next;
    if (!P.length) return;
  }
}

/** Unweighted z = g + Aᵀμ from the clipped μ, the face, and its factorization kept for a warm start. */
function projectionResult(st: NnlsState, g: Float64Array, early: boolean): ConeProjection {
  const p = st.Xt.cols,
    X = st.Xt.data,
    { P, mu, pattern } = st;
  const out = Float64Array.from(g);
  const active: number[] = [],
    mus: number[] = [];
  for (let t = 0; t < P.length; t++) {
    const m0 = Math.max(0, mu[t]);
    if (!(m0 > 0)) continue;
    const j = P[t],
      s = pattern[j] ? 1 : -1;
    for (let k = 0; k < p; k++) out[k] += m0 * s * X[j * p + k];
    active.push(j);
    mus.push(m0);
  }
  // the factorization of exactly these rows, for a caller that passes `active` back as `warm`
  if (active.length === P.length) Object.defineProperty(active, FACE_QR, { value: { Xt: st.Xt, pattern, omega: st.omega, qr: st.qr } });
  return { z: out, active, mu: mus, early };
}

export function projectCone(
  Xt: Mat,
  pattern: Uint8Array,
  g: Float64Array,
  omega = 1,
  warm?: number[],
  base?: Float64Array,
  /** omega = 1: stop as soon as ‖g + Aᵀμ‖ ≤ stopBelow (every iterate's μ ≥ 0, so that norm is already an upper bound on ‖Π_K g‖) */
  stopBelow = -1,
): ConeProjection {
  const n = Xt.rows,
    p = Xt.cols;
  const wg = Float64Array.from(g);
  wg[p - 1] *= omega;
  if (scanScratch.viol.length < n) scanScratch = { viol: new Float64Array(n), sel: new Float64Array(n), row: new Int32Array(n), inP: new Uint8Array(n) };
  const neg = new Float64Array(p);
  for (let k = 0; k < p; k++) neg[k] = -wg[k];
  const st: NnlsState = { Xt, pattern, omega, wg, rowNorm: rowNormsOf(Xt, omega), P: [], cols: [], mu: [], qr: new UpdatedQR(p, neg), inP: scanScratch.inP };
  try {
    if (warm && warm.length && warm.length <= p) warmStart(st, warm, neg);
    for (const j of st.P) st.inP[j] = 1;
    let gnorm = 0;
    for (let k = 0; k < p; k++) gnorm += wg[k] * wg[k];
    gnorm = Math.sqrt(gnorm);
    const fl = 8 * 2.220446049250313e-16 * (p + 8);
    const z = new Float64Array(p);
    let hot: Int32Array | null = null;
    for (let outer = 0; outer < NNLS_MAX_OUTER_PER_DIM * p + 100; outer++) {
      // violation of row j: −c_j/‖ã_j‖. It counts only above the rounding floor
      // fl·‖ã_j‖(‖g̃‖ + Σ_t μ_t‖ã_t‖) and above NNLS_VIOLATION_TOL·‖ã_j‖‖z̃‖.
      const mass = nnlsResidual(st, gnorm, z);
      let zn = 0;
      for (let k = 0; k < p; k++) zn += z[k] * z[k];
      zn = Math.sqrt(zn);
      if (omega === 1 && zn <= stopBelow) return projectionResult(st, g, true);
      const thr = Math.max(fl * mass, NNLS_VIOLATION_TOL * zn);
      const pick = enteringRow(st, z, thr, hot, base);
      hot = pick.hot;
      const best = pick.best;
      if (best < 0 || st.P.length >= p) break;
      // a column numerically in the span of the passive ones: a rounding-level violation, stop adding
      const col = weightedRow(st, best);
      if (!st.qr.append(col)) break;
      st.P.push(best);
      st.cols.push(col);
      st.inP[best] = 1;
      st.mu.push(0);
      keepFeasible(st);
      if (!st.inP[best]) break; // the new column could not enter: rounding-level violation
    }
    return projectionResult(st, g, false);
  } finally {
    for (const j of st.P) st.inP[j] = 0;
  }
}

const normCache = new WeakMap<Mat, Map<number, Float64Array>>();

/** ‖W x̃_j‖ with W = diag(1, …, 1, omega), cached per matrix. */
export function rowNormsOf(Xt: Mat, omega: number): Float64Array {
  let byF = normCache.get(Xt);
  if (!byF) normCache.set(Xt, (byF = new Map()));
  let out = byF.get(omega);
  if (!out) {
    const n = Xt.rows,
      p = Xt.cols;
    out = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < p - 1; k++) s += Xt.data[j * p + k] ** 2;
      s += (Xt.data[j * p + p - 1] * omega) ** 2;
      out[j] = Math.sqrt(s);
    }
    byF.set(omega, out);
  }
  return out;
}

/**
 * Free hidden bias: on the passive set, min ‖g_u + Σμ_t a_tu‖ subject to g_b + Σμ_t s_t = 0 exactly
 * (the bias entry of a_t is s_t = ±1), by eliminating the first multiplier. Null if the result is
 * not nonnegative (the weighted solution is kept then).
 */
export function exactLse(Xt: Mat, pattern: Uint8Array, g: Float64Array, active: number[]): number[] | null {
  const p = Xt.cols,
    pu = p - 1,
    X = Xt.data;
  const sg = active.map((j) => (pattern[j] ? 1 : -1));
  const a0 = active[0],
    s0 = sg[0];
  const au = (j: number, s: number) => Float64Array.from({ length: pu }, (_, k) => s * X[j * p + k]);
  const a0u = au(a0, s0);
  const gb = g[pu];
  // μ_0 = −s0(g_b + Σ_{t>0} s_t μ_t)
  const rhs = Float64Array.from({ length: pu }, (_, k) => -(g[k] - s0 * gb * a0u[k]));
  const cols = active.slice(1).map((j, t) => {
    const a = au(j, sg[t + 1]);
    return Float64Array.from(a, (x, k) => x - s0 * sg[t + 1] * a0u[k]);
  });
  const rest = cols.length ? leastSquares(cols, rhs) : new Float64Array(0);
  if (!rest) return null;
  let sum = gb;
  rest.forEach((m, t) => (sum += sg[t + 1] * m));
  const mu = [-s0 * sum, ...Array.from(rest)];
  return mu.every((m) => m >= 0) ? mu : null;
}

/** Is the pattern "mixed" (some active and some inactive rows)? Only then is |z_b| ≤ x_max on K. */
export function isMixed(pattern: Uint8Array): boolean {
  let on = 0;
  for (let j = 0; j < pattern.length; j++) on += pattern[j];
  return on > 0 && on < pattern.length;
}

/**
 * Sound upper bound on max_{z∈K_D, ‖Pz‖≤1} gᵀz for one block (before the rounding allowance,
 * which the caller adds). freeBias: P drops the last coordinate; `xMax` = max_j ‖x_j‖ (u part).
 * Returns also Σμ_j‖a_j‖ (for the rounding allowance) and the passive set (warm start).
 */
export function blockBound(
  Xt: Mat,
  pattern: Uint8Array,
  g: Float64Array,
  freeBias: boolean,
  xMax: number,
  warm?: number[],
  base?: Float64Array,
  /** full norm: the caller only needs to know whether the value exceeds this */
  stopBelow = -1,
): { bound: number; muMass: number; active: number[] } {
  const p = Xt.cols;
  const nrm = (a: ArrayLike<number>, len: number) => {
    let s = 0;
    for (let k = 0; k < len; k++) s += a[k] * a[k];
    return Math.sqrt(s);
  };
  if (freeBias && !isMixed(pattern)) {
    // all active rows: b is free above, so the value (for Λᵀ1 = 0 exactly) is ‖g_u‖; the caller
    // accounts for the rounding left in Λᵀ1. (All-inactive patterns contribute nothing.)
    let on = 0;
    for (let j = 0; j < pattern.length; j++) on += pattern[j];
    return { bound: on ? nrm(g, p - 1) : 0, muMass: 0, active: [] };
  }
  const pr = freeBias ? projectCone(Xt, pattern, g, FREE_BIAS_WEIGHT, warm) : projectCone(Xt, pattern, g, 1, warm, base, stopBelow);
  if (freeBias && pr.active.length) {
    const ex = exactLse(Xt, pattern, g, pr.active);
    if (ex) {
      pr.mu = ex;
      const z = Float64Array.from(g);
      pr.active.forEach((j, t) => {
        const s = pattern[j] ? 1 : -1;
        for (let k = 0; k < p; k++) z[k] += ex[t] * s * Xt.data[j * p + k];
      });
      pr.z = z;
    }
  }
  let muMass = 0;
  for (let t = 0; t < pr.active.length; t++) {
    const j = pr.active[t];
    let s = 0;
    for (let k = 0; k < p; k++) s += Xt.data[j * p + k] ** 2;
    muMass += pr.mu[t] * Math.sqrt(s);
  }
  const bound = freeBias ? nrm(pr.z, p - 1) + Math.abs(pr.z[p - 1]) * xMax : nrm(pr.z, p);
  return { bound, muMass, active: pr.active };
}
