/**
 * Independent brute-force oracle for scalar output at ANY rank (test-only reference):
 *
 *   M(λ) = max_{‖u‖≤1} |λᵀ(X̃u)_+|        (MATH.md §2, §3.5)
 *
 * for small n (every one of the 2^n activation patterns is visited, so n ≤ MAX_N).
 *
 * Method (deliberately different from the product, which enumerates arrangement vertices, and
 * from ./bruteOracle.ts, which is limited to rank ≤ 3):
 *  1. Visit ALL 2^n sign patterns D = diag(d), d ∈ {0,1}^n. Patterns that no u realises are
 *     harmless: on the closed cone K_D = {u : (2D−I)X̃u ≥ 0} we have (X̃u)_+ = DX̃u, so any
 *     value computed on K_D is attained by a real u. Every u lies in some K_D (take D = 1[X̃u ≥ 0]),
 *     so the max over all patterns is exactly M(λ).
 *  2. For each D and s ∈ {+1, −1}: on K_D, s·λᵀ(X̃u)_+ = gᵀu with g = s·X̃ᵀDλ, and
 *     max_{u∈K_D, ‖u‖≤1} gᵀu = ‖Π_{K_D}(g)‖. With A = (2D−I)X̃ (rows a_i = ±x̃_i) the polar cone is
 *     K° = {−Aᵀμ : μ ≥ 0}, so by Moreau's decomposition Π_K(g) = g + Aᵀμ*,
 *     μ* = argmin_{μ≥0} ‖g + Aᵀμ‖² — a nonnegative least-squares problem, solved here by an exact
 *     Lawson–Hanson active-set method (finite termination).
 *  3. Two numbers per pattern, both rigorous whatever the NNLS accuracy:
 *       upper    = ‖g + Aᵀμ‖ for the μ ≥ 0 returned: by weak duality, for u ∈ K, ‖u‖ ≤ 1,
 *                  gᵀu ≤ gᵀu + μᵀAu = (g + Aᵀμ)ᵀu ≤ ‖g + Aᵀμ‖;
 *       attained = |λᵀ(X̃u)_+| recomputed directly at u = (g + Aᵀμ)/‖g + Aᵀμ‖ (a real unit u).
 *     So max(attained) ≤ M(λ) ≤ max(upper) (up to the rounding of the final sums), and the two
 *     agree when the NNLS is exact (then u ∈ K and gᵀu = ‖Π_K g‖, by Moreau orthogonality).
 *
 * Nothing here imports src/core/linalg or src/core/convex: the NNLS and its least-squares
 * solves (Householder QR) are written out below so that a bug there cannot hide here too.
 */
import type { Mat } from '../../src/core/linalg/mat';

/** Hard cap on n: 2^n patterns × 2 signs, each an NNLS. n = 14 takes a couple of seconds. */
export const MAX_N = 16;

/**
 * A candidate column enters the passive set only if its distance to the span of the passive
 * columns exceeds this fraction of its norm. In exact arithmetic Lawson–Hanson never picks a
 * dependent column (its multiplier w_j = c_jᵀr is 0 because r ⊥ span(C_P)); in floating point a
 * rounding-level w_j > 0 could, and would make the LS solve blow up. Rejecting such a column
 * leaves a KKT violation of at most INDEP_TOL·‖c_j‖·‖r‖: invisible at our tolerances.
 */
const INDEP_TOL = 1e-11;
/**
 * Stop when every multiplier w_j = c_jᵀr ≤ DUAL_TOL·‖c_j‖·‖b‖. Since w_j = −a_jᵀΠ (see below),
 * this says Π is in K up to rounding. ‖b‖ bounds ‖r‖ for all iterates (the objective only
 * decreases from μ = 0), so it is a safe scale.
 */
const DUAL_TOL = 1e-13;

export interface NnlsResult {
  /** the minimiser, x ≥ 0 componentwise (exactly: entries are clamped) */
  x: Float64Array;
  /** false only if the iteration cap was hit (then x is still feasible, just maybe not optimal) */
  converged: boolean;
  /** outer iterations (columns added) */
  iterations: number;
}

/**
 * Least squares on the passive columns by Householder QR: min_z ‖Σ_t z_t c_{P[t]} − b‖.
 * `cols` holds column j of C as row j (k×d, row-major). Returns null if the last column of P
 * is (numerically) in the span of the others — the caller then rejects that candidate — or if
 * any earlier diagonal vanished (cannot happen for a passive set built by this module, guarded
 * anyway). QR, not normal equations, so that the conditioning is not squared.
 */
function lsPassive(cols: Float64Array, d: number, P: number[], b: Float64Array, colNorm: Float64Array): Float64Array | null {
  const p = P.length;
  if (p > d) return null; // more than d columns in R^d cannot be independent
  // R: working copy, column t at R[t*d .. t*d+d)
  const R = new Float64Array(p * d);
  for (let t = 0; t < p; t++) R.set(cols.subarray(P[t] * d, P[t] * d + d), t * d);
  const y = Float64Array.from(b);
  const diag = new Float64Array(p);
  const v = new Float64Array(d);
  for (let t = 0; t < p; t++) {
    const ct = t * d;
    let sigma = 0;
    for (let i = t; i < d; i++) sigma += R[ct + i] * R[ct + i];
    sigma = Math.sqrt(sigma);
    // |R_tt| is the distance of column t from the span of columns 0..t−1.
    if (!(sigma > INDEP_TOL * colNorm[P[t]])) return null;
    const alpha = R[ct + t] > 0 ? -sigma : sigma;
    // v = x − alpha·e_t (on rows t..d−1); H = I − 2vvᵀ/vᵀv maps x to alpha·e_t
    let vv = 0;
    for (let i = t; i < d; i++) {
      v[i] = R[ct + i] - (i === t ? alpha : 0);
      vv += v[i] * v[i];
    }
    diag[t] = alpha;
    R[ct + t] = alpha;
    for (let i = t + 1; i < d; i++) R[ct + i] = 0;
    if (vv === 0) continue; // column already equal to alpha·e_t
    for (let s = t + 1; s < p; s++) {
      const cs = s * d;
      let dot = 0;
      for (let i = t; i < d; i++) dot += v[i] * R[cs + i];
      const f = (2 * dot) / vv;
      for (let i = t; i < d; i++) R[cs + i] -= f * v[i];
    }
    let dot = 0;
    for (let i = t; i < d; i++) dot += v[i] * y[i];
    const f = (2 * dot) / vv;
    for (let i = t; i < d; i++) y[i] -= f * v[i];
  }
  // back substitution R z = (Qᵀb)[0..p)
  const z = new Float64Array(p);
  for (let t = p - 1; t >= 0; t--) {
    let s = y[t];
    for (let q = t + 1; q < p; q++) s -= R[q * d + t] * z[q];
    z[t] = s / diag[t];
  }
  for (let t = 0; t < p; t++) if (!Number.isFinite(z[t])) return null;
  return z;
}

/**
 * Lawson–Hanson NNLS: min_{x ≥ 0} ‖Cx − b‖ with C d×k given column-wise (column j of C is row j
 * of `cols`, k×d row-major). k may exceed d and C may be rank deficient or have zero columns.
 *
 * Active-set method (Lawson & Hanson, Solving Least Squares Problems, ch. 23): move the column
 * with the largest multiplier w_j = c_jᵀ(b − Cx) into the passive set P, solve the unconstrained
 * LS on P, and if that leaves some passive entry ≤ 0, step back along the segment to the first
 * boundary and drop the entries that hit 0. The objective strictly decreases over passive sets,
 * so no set repeats: finite termination. A hard iteration cap only guards against rounding.
 */
export function nnls(cols: Float64Array, k: number, d: number, b: Float64Array): NnlsResult {
  const x = new Float64Array(k);
  const colNorm = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    let s = 0;
    for (let i = 0; i < d; i++) s += cols[j * d + i] ** 2;
    colNorm[j] = Math.sqrt(s);
  }
  let bNorm = 0;
  for (let i = 0; i < d; i++) bNorm += b[i] * b[i];
  bNorm = Math.sqrt(bNorm);
  if (bNorm === 0) return { x, converged: true, iterations: 0 }; // x = 0 is optimal
  const passive = new Uint8Array(k);
  let P: number[] = [];
  const r = new Float64Array(d);
  const w = new Float64Array(k);
  const refresh = () => {
    // r = b − Cx, w = Cᵀr
    r.set(b);
    for (const j of P) for (let i = 0; i < d; i++) r[i] -= x[j] * cols[j * d + i];
    for (let j = 0; j < k; j++) {
      let s = 0;
      for (let i = 0; i < d; i++) s += cols[j * d + i] * r[i];
      w[j] = s;
    }
  };
  refresh();
  const maxIter = 5 * k + 20;
  let iter = 0;
  const rejected = new Uint8Array(k);
  for (; iter < maxIter; iter++) {
    rejected.fill(0);
    // Find an entering column whose trial LS keeps its own entry positive (L–H's test: a
    // rounding-level w_j can give z_j ≤ 0 or a dependent column; such j is skipped this round).
    let z: Float64Array | null = null;
    let trial: number[] = [];
    for (;;) {
      let j = -1;
      let best = 0;
      for (let q = 0; q < k; q++) {
        if (passive[q] || rejected[q] || colNorm[q] === 0) continue;
        if (w[q] > DUAL_TOL * colNorm[q] * bNorm && w[q] > best) {
          best = w[q];
          j = q;
        }
      }
      if (j < 0) break;
      trial = [...P, j];
      z = lsPassive(cols, d, trial, b, colNorm);
      if (z && z[z.length - 1] > 0) break;
      rejected[j] = 1;
      z = null;
    }
    if (!z) return { x, converged: true, iterations: iter }; // KKT holds: optimal
    P = trial;
    for (const j of P) passive[j] = 1;
    // Inner loop: while the LS solution leaves the orthant, move to the boundary and shrink P.
    while (z.some((zt) => zt <= 0)) {
      let alpha = Infinity;
      let hit = -1;
      P.forEach((j, t) => {
        if (z![t] <= 0) {
          const a = x[j] / (x[j] - z![t]);
          if (a < alpha) {
            alpha = a;
            hit = j;
          }
        }
      });
      P.forEach((j, t) => (x[j] += alpha * (z![t] - x[j])));
      // Drop the index that defined the step (guarantees progress) and any that rounded to ≤ 0.
      const keep = P.filter((j) => j !== hit && x[j] > 0);
      for (const j of P)
        if (!keep.includes(j)) {
          passive[j] = 0;
          x[j] = 0;
        }
      P = keep;
      if (P.length === 0) {
        z = new Float64Array(0);
        break;
      }
      const zz = lsPassive(cols, d, P, b, colNorm);
      // A subset of independent columns is independent, so this cannot fail; if rounding
      // says otherwise keep the current (feasible) x and stop: bounds stay rigorous.
      if (!zz) return { x, converged: false, iterations: iter + 1 };
      z = zz;
    }
    x.fill(0);
    P.forEach((j, t) => (x[j] = z![t]));
    refresh();
  }
  return { x, converged: false, iterations: iter };
}

export interface PatternValue {
  /** bit i set ⇔ sample i active (D_ii = 1) */
  mask: number;
  sign: 1 | -1;
  /** ‖g + Aᵀμ‖ for the NNLS μ ≥ 0: an upper bound on this pattern's max (weak duality) */
  upper: number;
  /** |λᵀ(X̃u)_+| recomputed at u = (g + Aᵀμ)/‖·‖ (0 when g + Aᵀμ = 0) */
  attained: number;
}

export interface BruteAnyRankResult {
  /** max over patterns and signs of ‖g + Aᵀμ*‖ = ‖Π_{K_D}(g)‖: M(λ) (an upper bound even if an NNLS were inexact) */
  value: number;
  /** max over patterns of |λᵀ(X̃u)_+| recomputed at the projected direction: a value really attained */
  attained: number;
  /** unit direction (X̃ coordinates, length X̃.cols) at which `attained` is reached; e_1 if M = 0 */
  u: Float64Array;
  /** number of sign patterns visited (2^n) */
  patterns: number;
  /** NNLS solves that hit the iteration cap (expected 0) */
  nnlsNotConverged: number;
  /** per pattern and sign, only with { perPattern: true } */
  perPattern?: PatternValue[];
}

/** |λᵀ(X̃u)_+| evaluated directly (no pattern, no cone). */
export function oracleAt(Xt: Mat, lambda: ArrayLike<number>, u: ArrayLike<number>): number {
  const d = Xt.cols;
  let s = 0;
  for (let i = 0; i < Xt.rows; i++) {
    let z = 0;
    for (let q = 0; q < d; q++) z += Xt.data[i * d + q] * u[q];
    if (z > 0) s += lambda[i] * z;
  }
  return Math.abs(s);
}

/**
 * M(λ) = max_{‖u‖≤1} |λᵀ(X̃u)_+| by all 2^n patterns and one NNLS per pattern and sign.
 * X̃ is n×d row-major (n ≤ MAX_N, d ≥ 1, any rank, zero rows allowed), λ has length n.
 */
export function bruteOracleAnyRank(Xt: Mat, lambda: ArrayLike<number>, opts: { perPattern?: boolean } = {}): BruteAnyRankResult {
  const n = Xt.rows,
    d = Xt.cols;
  if (lambda.length !== n) throw new RangeError(`bruteOracleAnyRank: λ has ${lambda.length} entries, X̃ has ${n} rows`);
  if (n > MAX_N) throw new RangeError(`bruteOracleAnyRank: n = ${n} > ${MAX_N} (2^n patterns)`);
  if (d < 1) throw new RangeError('bruteOracleAnyRank: X̃ needs at least one column');
  const X = Xt.data;
  const A = new Float64Array(n * d); // rows a_i = ±x̃_i: the columns of C = Aᵀ in the NNLS
  const g = new Float64Array(d);
  const b = new Float64Array(d);
  const pi = new Float64Array(d);
  const uTry = new Float64Array(d);
  let value = 0,
    attained = 0,
    notConv = 0;
  const u = new Float64Array(d);
  u[0] = 1; // any unit u is an argmax when M = 0
  const per: PatternValue[] | undefined = opts.perPattern ? [] : undefined;
  const patterns = 2 ** n;
  for (let mask = 0; mask < patterns; mask++) {
    // g0 = X̃ᵀDλ and A = (2D − I)X̃
    g.fill(0);
    for (let i = 0; i < n; i++) {
      const on = (mask >>> i) & 1;
      const li = lambda[i];
      for (let q = 0; q < d; q++) {
        const xq = X[i * d + q];
        A[i * d + q] = on ? xq : -xq;
        if (on) g[q] += li * xq;
      }
    }
    for (const sign of [1, -1] as const) {
      // min_{μ≥0} ‖g + Aᵀμ‖ = min_{μ≥0} ‖Cμ − b‖ with C = Aᵀ, b = −g
      for (let q = 0; q < d; q++) b[q] = -sign * g[q];
      const { x: mu, converged } = nnls(A, n, d, b);
      if (!converged) notConv++;
      // Π = g + Aᵀμ recomputed from A itself, so `upper` is the weak-duality bound for this μ
      // regardless of how the NNLS got there.
      for (let q = 0; q < d; q++) pi[q] = sign * g[q];
      for (let i = 0; i < n; i++) {
        const m = mu[i];
        if (m !== 0) for (let q = 0; q < d; q++) pi[q] += m * A[i * d + q];
      }
      let upper = 0;
      for (let q = 0; q < d; q++) upper += pi[q] * pi[q];
      upper = Math.sqrt(upper);
      let att = 0;
      if (upper > 0) {
        for (let q = 0; q < d; q++) uTry[q] = pi[q] / upper;
        att = oracleAt(Xt, lambda, uTry);
        if (att > attained) {
          attained = att;
          u.set(uTry);
        }
      }
      if (upper > value) value = upper;
      per?.push({ mask, sign, upper, attained: att });
    }
  }
  return { value, attained, u, patterns, nnlsNotConverged: notConv, ...(per ? { perPattern: per } : {}) };
}
