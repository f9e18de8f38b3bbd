/**
 * Free (undecayed) hidden bias: M_free(Λ) = sup_{‖u‖≤1, b∈R} ‖Λᵀ(Xu + b1)_+‖.
 *
 * Derivation (for this project; tested against a grid over (u, b) in test/oracle):
 * - If Λᵀ1 ≠ 0 the value is +∞ (b → +∞ makes every row active and the value grows like b‖Λᵀ1‖).
 * - If Λᵀ1 = 0: for fixed u, Φ(b) = Λᵀ(Xu + b1)_+ is continuous and piecewise linear in b with
 *   kinks at b = −x_kᵀu; Φ → 0 as b → −∞ and Φ → ΛᵀXu (constant, since Λᵀ1 = 0) as b → +∞.
 *   ‖Φ‖ is convex on each linear piece, so its sup over b is attained at a kink or in a limit:
 *     M_free = max( ‖ΛᵀX‖₂ ,  max_k M(Λ; X − 1x_kᵀ) ),
 *   the first term from b → +∞ (for c = 1: ‖Xᵀλ‖), the others being bias-free oracles on the data
 *   shifted so that x_k is at the origin (rank ≤ d). At a kink b = −x_kᵀu.
 * - Exact when every shifted problem is exact (d ≤ 3 scalar, or c ≤ 3 within the budget); the
 *   cost is n times one bias-free oracle. Otherwise a sound bound: for each k,
 *   min(Σ_i|λ_i|‖x_i − x_k‖, ‖λ±‖·(σ_max(X − 1x̄ᵀ) + √n‖x̄ − x_k‖)) per sign (σ_max of a rank-one
 *   update bounded by the triangle inequality).
 */
import type { Mat } from '../linalg/mat';
import { sigmaMax, svd, SIGMA_REL_SLACK } from '../linalg/decomp';
import type { OracleOptions, OracleResult } from './types';
import { noBiasOracle } from './noBias';
import { evalVec, fpRel, makeRng, gaussian, normalize, vnorm } from './common';
import { CancelledError } from '../errors';

/** |Λᵀ1| above this fraction of Σ_i‖Λ_i‖ ⇒ M_free = +∞. Below it, Λ is projected onto Λᵀ1 = 0. */
export const FREE_BIAS_SUM_TOL = 1e-10;

export function freeBiasOracle(X: Mat, Lambda: Mat, opts: OracleOptions): OracleResult {
  const n = X.rows,
    d = X.cols,
    c = Lambda.cols;
  const notes: string[] = [];
  const u0 = new Float64Array(d);
  if (d) u0[0] = 1;
  const cen = centredDual(Lambda, notes);
  if ('infinite' in cen) return cen.infinite(u0);
  const { L0, l1 } = cen;
  if (n === 0 || d === 0) {
    return {
      exact: true,
      method: 'exact-free-bias',
      upper: 0,
      lower: 0,
      argmax: u0,
      argmaxBias: 0,
      outputDir: new Float64Array(c),
      patterns: 0,
      rank: 0,
      roundingAllowance: 0,
      notes,
    };
  }
  const best = new BestWithBias(X, L0, u0);
  const t1 = allActiveTerm(X, L0, best);
  let rowSumNorm = 0; // Σ_i ‖Λ_i‖‖x_i‖-type scale for the allowance
  for (let i = 0; i < n; i++) {
    let x2 = 0,
      l2 = 0;
    for (let q = 0; q < d; q++) x2 += X.data[i * d + q] ** 2;
    for (let k = 0; k < c; k++) l2 += L0.data[i * c + k] ** 2;
    rowSumNorm += Math.sqrt(x2 * l2);
  }
  const t1Upper = t1 * (1 + SIGMA_REL_SLACK) + fpRel(n, d) * rowSumNorm;

  // distinct shift points
  const seen = new Set<string>();
  const ks: number[] = [];
  for (let k = 0; k < n; k++) {
    const key = Array.from(X.data.subarray(k * d, (k + 1) * d)).join(',');
    if (!seen.has(key)) {
      seen.add(key);
      ks.push(k);
    }
  }
  const predicted = d <= 1 ? ks.length * 2 : d === 2 ? ks.length * 4 * n : ks.length * 4 * n * n * (c > 1 ? 50 : 1);
  const exactPossible = d <= 3 && (c === 1 || c <= 3) && predicted <= opts.patternBudget;
  let upper = t1Upper;
  let allExact = false;
  let R = 2 * (t1Upper - t1);
  let patterns = 0;
  if (exactPossible) {
    const sh = shiftedOracles(X, L0, ks, opts, best);
    upper = Math.max(upper, sh.upper);
    R = Math.max(R, sh.R);
    patterns = sh.patterns;
    allExact = sh.allExact;
  } else {
    notes.push(
      d > 3 ? `free bias with d = ${d} > 3: sound bounds only` : `free bias: predicted work ${predicted} exceeds the pattern budget: sound bounds only`,
    );
    upper = Math.max(upper, shiftBound(X, L0, ks) * (1 + 2 * fpRel(n, d) + SIGMA_REL_SLACK));
    randomKinks(X, ks, opts, best);
  }
  // lower recomputed directly at the best (u, b)
  const v = evalVec(X, L0, best.u, best.b, new Float64Array(c));
  const lower = c === 1 ? Math.abs(v[0]) : vnorm(v);
  const outputDir = c === 1 ? Float64Array.of(v[0] < 0 ? -1 : 1) : lower > 0 ? v.map((x) => x / lower) : Float64Array.from(v, (_, k) => (k === 0 ? 1 : 0));
  // exactness: every term exact; allow the largest sub-allowance plus the recomputation's own rounding
  const Rtot = R + 2 * fpRel(n, d + 1) * (rowSumNorm + Math.abs(best.b) * l1);
  const exact = allExact && upper - lower <= Rtot;
  if (allExact && !exact) notes.push('free bias: recomputed value differs from the exact terms by more than the allowance');
  upper = Math.max(upper, lower);
  notes.push(`free bias: M = max(‖ΛᵀX‖₂ = ${t1.toPrecision(6)}, max over ${ks.length} shifted bias-free oracles)`);
  return {
    exact,
    method: exact ? 'exact-free-bias' : 'bounds',
    upper,
    lower,
    argmax: best.u,
    argmaxBias: best.b,
    outputDir,
    patterns,
    rank: Math.min(d, n),
    roundingAllowance: Rtot,
    notes,
  };
}

/**
 * Λ projected onto Λᵀ1 = 0 (with Σ_i‖Λ_i‖), or, when ‖Λᵀ1‖ exceeds the tolerance, the +∞ result
 * (b → +∞) as a function of the default direction.
 */
function centredDual(Lambda: Mat, notes: string[]): { L0: Mat; l1: number } | { infinite: (u0: Float64Array) => OracleResult } {
  const n = Lambda.rows,
    c = Lambda.cols;
  const colSum = new Float64Array(c);
  let l1 = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < c; k++) {
      colSum[k] += Lambda.data[i * c + k];
      s += Lambda.data[i * c + k] ** 2;
    }
    l1 += Math.sqrt(s);
  }
  const sumNorm = vnorm(colSum);
  if (sumNorm > FREE_BIAS_SUM_TOL * l1) {
    return {
      infinite: (u0) => ({
        exact: false,
        method: 'bounds',
        upper: Infinity,
        lower: 0,
        argmax: u0,
        argmaxBias: 0,
        outputDir: colSum.map((x) => x / sumNorm),
        patterns: 0,
        rank: 0,
        roundingAllowance: 0,
        notes: [`free hidden bias: ‖Λᵀ1‖ = ${sumNorm.toExponential(3)} > ${FREE_BIAS_SUM_TOL}·Σ‖Λ_i‖ ⇒ M = +∞ (b → +∞); the dual point needs Λᵀ1 = 0`],
      }),
    };
  }
  // project Λ onto Λᵀ1 = 0 (changes nothing when it already holds exactly)
  const L0: Mat = { rows: n, cols: c, data: Float64Array.from(Lambda.data) };
  if (sumNorm > 0) {
    for (let i = 0; i < n; i++) for (let k = 0; k < c; k++) L0.data[i * c + k] -= colSum[k] / n;
    notes.push(
      `free hidden bias: ‖Λᵀ1‖ = ${sumNorm.toExponential(2)} (≤ tolerance) — M is reported for Λ projected onto Λᵀ1 = 0 (for the unprojected Λ it is +∞)`,
    );
  }
  return { L0, l1 };
}

/** The best (u, b) met, by ‖Λᵀ(Xu + b1)_+‖. */
class BestWithBias {
  val = -1;
  u: Float64Array;
  b = 0;
  private readonly buf: Float64Array;
  constructor(
    private readonly X: Mat,
    private readonly L0: Mat,
    u0: Float64Array,
  ) {
    this.u = u0;
    this.buf = new Float64Array(L0.cols);
  }
  offer(u: Float64Array, b: number): void {
    const v = evalVec(this.X, this.L0, u, b, this.buf);
    const val = this.L0.cols === 1 ? Math.abs(v[0]) : vnorm(v);
    if (val > this.val) {
      this.val = val;
      this.u = Float64Array.from(u);
      this.b = b;
    }
  }
}

/** b making every row active for direction u: b = −min_i x_iᵀu */
function kinkBias(X: Mat, u: Float64Array): number {
  const n = X.rows,
    d = X.cols;
  let mn = Infinity;
  for (let i = 0; i < n; i++) {
    let z = 0;
    for (let k = 0; k < d; k++) z += X.data[i * d + k] * u[k];
    mn = Math.min(mn, z);
  }
  return -mn;
}

/** Term 1 (b → +∞): ‖ΛᵀX‖₂ by an SVD; its top right singular vectors (±) are offered as directions. */
function allActiveTerm(X: Mat, L0: Mat, best: BestWithBias): number {
  const n = X.rows,
    d = X.cols,
    c = L0.cols;
  const LtX = { rows: c, cols: d, data: new Float64Array(c * d) };
  for (let i = 0; i < n; i++)
    for (let k = 0; k < c; k++) {
      const l = L0.data[i * c + k];
      if (l !== 0) for (let q = 0; q < d; q++) LtX.data[k * d + q] += l * X.data[i * d + q];
    }
  const sv = svd(LtX, { wantU: false, wantV: true });
  const u = new Float64Array(d);
  for (let q = 0; q < d; q++) u[q] = sv.V.data[q * sv.V.cols];
  if (normalize(u) > 0) {
    best.offer(u, kinkBias(X, u));
    const um = u.map((x) => -x);
    best.offer(um, kinkBias(X, um));
  }
  return sv.s[0] ?? 0;
}

/** The exact terms: one bias-free oracle per distinct shift point x_k (data X − 1x_kᵀ). */
function shiftedOracles(
  X: Mat,
  L0: Mat,
  ks: number[],
  opts: OracleOptions,
  best: BestWithBias,
): { upper: number; R: number; patterns: number; allExact: boolean } {
  const n = X.rows,
    d = X.cols;
  const Xs: Mat = { rows: n, cols: d, data: new Float64Array(n * d) };
  let upper = 0,
    R = 0,
    patterns = 0,
    allExact = true;
  for (const k of ks) {
    if (opts.shouldStop && opts.shouldStop()) throw new CancelledError('oracle');
    for (let i = 0; i < n; i++) for (let q = 0; q < d; q++) Xs.data[i * d + q] = X.data[i * d + q] - X.data[k * d + q];
    const res = noBiasOracle(Xs, L0, { ...opts, hints: undefined, samples: Math.min(opts.samples, 20), hiddenBias: 'none' });
    patterns += res.patterns;
    upper = Math.max(upper, res.upper);
    R = Math.max(R, res.roundingAllowance);
    if (!res.exact) allExact = false;
    let bk = 0;
    for (let q = 0; q < d; q++) bk -= X.data[k * d + q] * res.argmax[q];
    best.offer(res.argmax, bk);
  }
  return { upper, R, patterns, allExact };
}

/**
 * A cheap sound bound on every shifted term (before the rounding factor): per output column
 * min(Σ_i|λ_i|‖x_i − x_k‖, ‖λ±‖·(σ_max(X − 1x̄ᵀ) + √n‖x̄ − x_k‖)) per sign, combined by √Σ; for vectors
 * also Σ_i‖Λ_i‖‖x_i − x_k‖.
 */
function shiftBound(X: Mat, L0: Mat, ks: number[]): number {
  const n = X.rows,
    d = X.cols,
    c = L0.cols;
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let q = 0; q < d; q++) mean[q] += X.data[i * d + q] / n;
  const Xc: Mat = { rows: n, cols: d, data: new Float64Array(n * d) };
  for (let i = 0; i < n; i++) for (let q = 0; q < d; q++) Xc.data[i * d + q] = X.data[i * d + q] - mean[q];
  const sc = sigmaMax(Xc) * (1 + SIGMA_REL_SLACK); // σ_max(X − 1x̄ᵀ)
  let shiftMax = 0;
  for (const k of ks) {
    let dm = 0;
    for (let q = 0; q < d; q++) dm += (mean[q] - X.data[k * d + q]) ** 2;
    const sk = sc + Math.sqrt(n * dm) * (1 + 1e-15);
    let colSq = 0;
    let rowSum = 0;
    const rowNrm = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let q = 0; q < d; q++) s += (X.data[i * d + q] - X.data[k * d + q]) ** 2;
      rowNrm[i] = Math.sqrt(s);
    }
    for (let col = 0; col < c; col++) {
      let sp = 0,
        sm = 0,
        np = 0,
        nm = 0;
      for (let i = 0; i < n; i++) {
        const l = L0.data[i * c + col];
        if (l > 0) {
          sp += l * rowNrm[i];
          np += l * l;
        } else if (l < 0) {
          sm -= l * rowNrm[i];
          nm += l * l;
        }
      }
      const b = Math.max(Math.min(sp, Math.sqrt(np) * sk), Math.min(sm, Math.sqrt(nm) * sk));
      colSq += b * b;
    }
    for (let i = 0; i < n; i++) {
      let l2 = 0;
      for (let col = 0; col < c; col++) l2 += L0.data[i * c + col] ** 2;
      rowSum += Math.sqrt(l2) * rowNrm[i];
    }
    shiftMax = Math.max(shiftMax, c === 1 ? Math.sqrt(colSq) : Math.min(Math.sqrt(colSq), rowSum));
  }
  return shiftMax;
}

/** Lower bound when not exact: random directions, each at the kink of a random shift point, and the hints. */
function randomKinks(X: Mat, ks: number[], opts: OracleOptions, best: BestWithBias): void {
  const d = X.cols;
  const rng = makeRng(opts.seed);
  const u = new Float64Array(d);
  for (let s = 0; s < opts.samples; s++) {
    for (let q = 0; q < d; q++) u[q] = gaussian(rng);
    normalize(u);
    const k = ks[Math.floor(rng() * ks.length)];
    let bk = 0;
    for (let q = 0; q < d; q++) bk -= X.data[k * d + q] * u[q];
    best.offer(u, bk);
  }
  if (opts.hints && opts.hints.cols === d + 1) {
    for (let j = 0; j < opts.hints.rows; j++) {
      const h = Float64Array.from(opts.hints.data.subarray(j * (d + 1), j * (d + 1) + d));
      const nh = normalize(h);
      if (nh > 0) best.offer(h, opts.hints.data[j * (d + 1) + d] / nh);
    }
  }
}
