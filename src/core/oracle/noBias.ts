/**
 * The oracle for a fixed data matrix X̃ (hidden bias decayed — ones column included by the
 * caller — or absent): M(Λ) = max_{‖u‖≤1} ‖Λᵀ(X̃u)_+‖.
 *
 * Pipeline: numerical row space (SVD, rank r with rankTol) → X̂ = X̃V → exact method by (r, c) or
 * sound bounds → direction mapped back and `lower` recomputed on X̃.
 *
 * Soundness of the rank cut: for unit u, X̃u = X̂(Vᵀu) + Eu with E = X̃ − X̂Vᵀ computed explicitly
 * (so it also absorbs the SVD's errors), and ‖Vᵀu‖ ≤ ‖V‖₂ ≤ √(1 + ‖VᵀV − I‖_F) =: s. Since (·)_+ is
 * 1-Lipschitz per coordinate, ‖Λᵀ(X̃u)_+‖ ≤ s·M(X̂) + min(‖Λ‖_F‖E‖_F, Σ_i‖Λ_i‖‖E_i‖) — the second term is
 * the rank allowance (≤ ‖Λ‖_F·√(Σ_{k>r}σ_k²), of the order of ‖Λ‖·σ_{r+1}).
 */
import type { Mat } from '../linalg/mat';
import { rowSpaceBasis } from '../linalg/decomp';
import type { OracleOptions, OracleResult, OracleMethod } from './types';
import { upperBound, lowerSearch, BestTracker } from './bounds';
import { evalVec, fpRel, vnorm } from './common';
import { exactScalar, BudgetExceeded, type SweepResult } from './sweep';
import { branchAndBound, BB_REL_TOL } from './vector';
import { Degenerate, generalPositionPatternBound, PatternSet, vertexVisits } from './vertexEnum';
import { globalScalar } from './globalSearch';
import { spatialSearch, SPATIAL_VECTOR_REL_TOL } from './spatialSearch';

/**
 * Scalar search at rank ≥ 5 beyond enumeration: the spatial branch and bound (spatialSearch.ts) when
 * the samples are at least this many per rank, else the sign-fixing one (globalSearch.ts). Measured
 * (issue #16): at n = 30, rank 9 a sign node bounds ~2× tighter but costs ~50× more; at n = 1,000,
 * rank 6 the spatial search reached M̄ = 1.087·M in 20,000 nodes (5 s) and the sign search 1.158·M
 * in 20,000 nodes (143 s).
 */
export const SPATIAL_MIN_ROWS_PER_RANK = 20;

/**
 * Vertex sign assignments allowed per pattern of the budget (the enumeration visits each cell about 2^(r−1) times).
 * Measured (issue #16): rank 7, n = 30 has 1.24·10⁶ patterns (within the budget) but 7.6·10⁷ sign assignments;
 * building its pattern set takes 18 s CPU and 170 MB peak (45 s and 0.5 GB before the flat key set), and an oracle
 * call walks 4× rank 6's patterns (rank 6, n = 30: 2.9·10⁵ patterns, 9.1·10⁶ assignments, a 4 s build with the
 * cells' caps, ~0.13 s a call over column generation's ~115 calls, ~0.45 s before the caps), so it stays with the
 * global search.
 */
export const VERTEX_VISITS_PER_PATTERN = 16;

type PatternSetEntry = { r: number; rankTol: number; budget: number; ps: PatternSet | null; why: string };
const patternSets = new WeakMap<Mat, PatternSetEntry>();
/**
 * The same data reach the oracle as fresh matrices (X̃ is rebuilt per analysis stage: certificate,
 * optimum, diagnosis), so the pattern set is also kept by content: the last PATTERN_SET_CACHE data
 * matrices, compared entry by entry (a build costs seconds at rank 7, n = 20; the comparison O(n·d)).
 */
export const PATTERN_SET_CACHE = 2;
const byContent: { X: Float64Array; rows: number; cols: number; entry: PatternSetEntry }[] = [];
function sameData(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i] && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) return false;
  return true;
}

/**
 * The pattern set of X̃ for rank r ≥ 5, built once per data matrix (it does not depend on Λ), or
 * null with the reason in `notes`: enumeration is chosen by the pattern count, not the rank.
 */
function patternSetFor(X: Mat, Xh: Mat, n: number, r: number, opts: OracleOptions, notes: string[]): PatternSet | null {
  let known = patternSets.get(X);
  if (!known) {
    const hit = byContent.find((e) => e.rows === X.rows && e.cols === X.cols && sameData(e.X, X.data));
    if (hit) {
      known = hit.entry;
      patternSets.set(X, known);
    }
  }
  if (known && known.r === r && known.rankTol === opts.rankTol && known.budget === opts.patternBudget) {
    if (!known.ps) notes.push(known.why);
    return known.ps;
  }
  let m = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let q = 0; q < r; q++) s += Xh.data[i * r + q] ** 2;
    if (s > 0) m++;
  }
  const bound = generalPositionPatternBound(m, r);
  const visits = vertexVisits(m, r);
  let ps: PatternSet | null = null;
  let why = '';
  if (bound > opts.patternBudget) why = `rank ${r}: up to ${bound.toExponential(2)} activation patterns exceed the pattern budget ${opts.patternBudget}`;
  else if (visits > VERTEX_VISITS_PER_PATTERN * opts.patternBudget)
    why = `rank ${r}: the vertex enumeration would visit ${visits.toExponential(2)} sign assignments (budget ${VERTEX_VISITS_PER_PATTERN}× the pattern budget)`;
  else
    try {
      ps = PatternSet.build(Xh.data, n, r, VERTEX_VISITS_PER_PATTERN * opts.patternBudget, opts.shouldStop);
    } catch (e) {
      if (e instanceof Degenerate) why = `rank ${r}: vertex enumeration not exact here (${e.message})`;
      else if (e instanceof BudgetExceeded) why = `rank ${r}: vertex enumeration exceeded its budget`;
      else throw e;
    }
  if (!ps) notes.push(why);
  const entry = { r, rankTol: opts.rankTol, budget: opts.patternBudget, ps, why };
  patternSets.set(X, entry);
  byContent.unshift({ X: Float64Array.from(X.data), rows: X.rows, cols: X.cols, entry });
  if (byContent.length > PATTERN_SET_CACHE) byContent.length = PATTERN_SET_CACHE;
  return ps;
}

/** ‖X̃X̃ᵀ − I‖_F below which the data count as whitened (MATH.md §5). */
export const WHITEN_TOL = 1e-9;
/** Largest n for which the whitened test (an n×n Gram matrix) is attempted. */
export const WHITEN_MAX_N = 2000;

export interface CoreInfo extends OracleResult {
  /** internal: the computed value before allowances (for composition by the free-bias oracle) */
  computed: number;
}

function zeroResult(X: Mat, Lambda: Mat, rank: number, note: string): CoreInfo {
  const u = new Float64Array(X.cols);
  if (X.cols) u[0] = 1;
  const out = new Float64Array(Lambda.cols);
  if (Lambda.cols) out[0] = 1;
  return {
    exact: true,
    method: rank <= 1 ? 'exact-rank1' : 'bounds',
    upper: 0,
    lower: 0,
    argmax: u,
    argmaxBias: 0,
    outputDir: out,
    patterns: 0,
    rank,
    roundingAllowance: 0,
    notes: [note],
    computed: 0,
  };
}

function outDir(v: Float64Array): { val: number; dir: Float64Array } {
  if (v.length === 1) return { val: Math.abs(v[0]), dir: Float64Array.of(v[0] < 0 ? -1 : 1) };
  const nv = vnorm(v);
  return { val: nv, dir: nv > 0 ? v.map((x) => x / nv) : Float64Array.from(v, (_, k) => (k === 0 ? 1 : 0)) };
}

export function noBiasOracle(X: Mat, Lambda: Mat, opts: OracleOptions): CoreInfo {
  const n = X.rows,
    d = X.cols,
    c = Lambda.cols;
  const notes: string[] = [];
  let allZeroL = true;
  for (let i = 0; i < Lambda.data.length; i++)
    if (Lambda.data[i] !== 0) {
      allZeroL = false;
      break;
    }
  let allZeroX = true;
  for (let i = 0; i < X.data.length; i++)
    if (X.data[i] !== 0) {
      allZeroX = false;
      break;
    }
  if (n === 0 || d === 0 || c === 0 || allZeroL || allZeroX) return zeroResult(X, Lambda, 0, 'M = 0 (empty or zero data / dual)');
  const red = reduceToRowSpace(X, Lambda, opts.rankTol, notes);
  if (red.r === 0) return zeroResult(X, Lambda, 0, 'M = 0 (numerically zero data)');
  const ctx = new ReducedOracle(X, Lambda, opts, red, notes);
  const r = red.r;
  if (c === 1 && n <= d && n <= WHITEN_MAX_N) {
    const w = whitenedClosedForm(ctx);
    if (w) return w;
  }
  if (c === 1 && r <= 4) {
    const e = scalarSweep(ctx);
    if (e) return e;
  }
  // rank ≥ 5: vertex enumeration, when the pattern count fits the budget
  const ps = r >= 5 && (c === 1 || c === 2 || c === 3) ? patternSetFor(X, red.Xh, n, r, opts, notes) : null;
  if (ps && c === 1) return vertexScalar(ctx, ps);
  if ((c === 1 || c === 2 || c === 3) && r >= 5 && !ps && opts.nodeBudget > 0) return anytimeSearch(ctx);
  if ((c === 2 || c === 3) && (r <= 4 || ps)) {
    const v = outputSphereSearch(ctx, ps);
    if (v) return v;
  }
  // ---- bounds ----
  lowerSearch(red.Xh, Lambda, ctx.searchOpts, ctx.tracker);
  if (r > 4 && !ps) notes.push(`rank ${r}: no exact enumeration (see above); sound bounds only`);
  else if (c > 3) notes.push(`c = ${c} > 3 outputs: no exact method; sound bounds only`);
  const res = ctx.finalize('bounds', ctx.tracker.best.u, null, 0, 0, []);
  res.notes.push(...ctx.ub.notes);
  return res;
}

/** ‖[v_aᵀv_b]_{a,b} − I‖_F for the vectors v_a (a < count) with entries data[a·si + k·sk], k < len. */
function orthonormalityDefect(data: Float64Array, count: number, len: number, si: number, sk: number): number {
  let dev = 0;
  for (let a = 0; a < count; a++)
    for (let b = 0; b < count; b++) {
      let s = 0;
      for (let k = 0; k < len; k++) s += data[a * si + k * sk] * data[b * si + k * sk];
      dev += (s - (a === b ? 1 : 0)) ** 2;
    }
  return Math.sqrt(dev);
}

/** X̃ reduced to its numerical row space: X̂ = X̃V (V null: X̂ = X̃), with the allowances of the cut (header). */
interface RowSpace {
  r: number;
  sigma1: number;
  Xh: Mat;
  /** d×r, null = identity */
  Vb: Mat | null;
  rankAllow: number;
  scale: number;
}

function reduceToRowSpace(X: Mat, Lambda: Mat, rankTol: number, notes: string[]): RowSpace {
  const n = X.rows,
    d = X.cols,
    c = Lambda.cols;
  const rs = rowSpaceBasis(X, rankTol);
  const r = rs.rank;
  const sigma1 = rs.s[0];
  if (r === d) return { r, sigma1, Xh: X, Vb: null, rankAllow: 0, scale: 1 };
  const Vb = rs.basis;
  const Xh: Mat = { rows: n, cols: r, data: new Float64Array(n * r) };
  for (let i = 0; i < n; i++)
    for (let q = 0; q < r; q++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += X.data[i * d + k] * Vb.data[k * r + q];
      Xh.data[i * r + q] = s;
    }
  // E = X − X̂Vᵀ
  let eF2 = 0,
    lF2 = 0,
    rowwise = 0;
  for (let i = 0; i < n; i++) {
    let e2 = 0;
    for (let k = 0; k < d; k++) {
      let s = X.data[i * d + k];
      for (let q = 0; q < r; q++) s -= Xh.data[i * r + q] * Vb.data[k * r + q];
      e2 += s * s;
    }
    let l2 = 0;
    for (let k = 0; k < c; k++) l2 += Lambda.data[i * c + k] ** 2;
    eF2 += e2;
    lF2 += l2;
    rowwise += Math.sqrt(e2 * l2);
  }
  const rankAllow = Math.min(Math.sqrt(eF2 * lF2), rowwise) * (1 + 1e-12);
  const scale = Math.sqrt(1 + orthonormalityDefect(Vb.data, r, d, 1, r) + 4e-16 * r * d);
  notes.push(
    `rank ${r} < ${d} columns: reduced to the row space (σ_${r + 1}/σ_1 = ${(rs.sigmaDropped / sigma1).toExponential(2)}, rank allowance ${rankAllow.toExponential(2)})`,
  );
  return { r, sigma1, Xh, Vb, rankAllow, scale };
}

/**
 * One oracle call on the reduced data: the sound generic bound, the arithmetic allowance A, the lower
 * bound tracker, the maps between X̃ and X̂ coordinates, the caller's thresholds moved to X̂, and
 * `finalize`, which turns a method's value on X̂ into a sound result on X̃.
 */
class ReducedOracle {
  readonly n: number;
  readonly d: number;
  readonly c: number;
  readonly r: number;
  readonly Xh: Mat;
  readonly ub: ReturnType<typeof upperBound>;
  /** Lipschitz constant on the reduced data */
  readonly lip: number;
  /** arithmetic allowance on the reduced data */
  readonly A: number;
  readonly tracker: BestTracker;
  readonly searchOpts: { hints: Mat | undefined; samples: number; seed: number; shouldStop?: () => boolean };
  /** the caller's stopBelow on X̂ (undefined: none) */
  readonly stopHat: number | undefined;
  readonly early: { above: number; work: number } | undefined;
  readonly earlyVertex: { above: number; work: number } | undefined;

  constructor(
    readonly X: Mat,
    readonly Lambda: Mat,
    readonly opts: OracleOptions,
    readonly red: RowSpace,
    readonly notes: string[],
  ) {
    const n = (this.n = X.rows),
      d = (this.d = X.cols),
      c = (this.c = Lambda.cols),
      r = (this.r = red.r);
    const Xh = (this.Xh = red.Xh);
    this.ub = upperBound(X, Lambda, red.sigma1);
    let lip = 0;
    for (let i = 0; i < n; i++) {
      let x2 = 0,
        l2 = 0;
      for (let q = 0; q < r; q++) x2 += Xh.data[i * r + q] ** 2;
      for (let k = 0; k < c; k++) l2 += Lambda.data[i * c + k] ** 2;
      lip += Math.sqrt(x2 * l2);
    }
    this.lip = lip;
    this.A = fpRel(n, r) * lip;
    let hintsR: Mat | undefined;
    if (opts.hints && opts.hints.cols === d && opts.hints.rows > 0) {
      const hr = { rows: opts.hints.rows, cols: r, data: new Float64Array(opts.hints.rows * r) };
      for (let j = 0; j < opts.hints.rows; j++) hr.data.set(this.toReduced(opts.hints.data.subarray(j * d, (j + 1) * d) as Float64Array), j * r);
      hintsR = hr;
    }
    this.tracker = new BestTracker(Xh, Lambda);
    this.searchOpts = { hints: hintsR, samples: opts.samples, seed: opts.seed, shouldStop: opts.shouldStop };
    const { scale, rankAllow } = red;
    // The searches run on X̂, and the caller's threshold is about M(X̃) ≤ scale·M(X̂) + scale·A + rankAllow
    // (finalize): so they may drop what is below (stopBelow − rankAllow)/scale − A on X̂, not stopBelow.
    this.stopHat = opts.stopBelow === undefined ? undefined : (opts.stopBelow - rankAllow) / scale - this.A;
    // the caller's bar for an early stop, likewise moved to X̂ (generously: the value is recomputed on X̃ anyway)
    const eAbove = opts.earlyDirection ? (opts.earlyDirection.above + rankAllow) / scale + this.A : Infinity;
    this.early = opts.earlyDirection?.nodes !== undefined ? { above: eAbove, work: opts.earlyDirection.nodes } : undefined;
    this.earlyVertex = opts.earlyDirection?.projections !== undefined ? { above: eAbove, work: opts.earlyDirection.projections } : undefined;
  }

  /** a direction on X̂ mapped to a unit u on X̃ */
  toFull(w: Float64Array): Float64Array {
    const { d, r } = this,
      Vb = this.red.Vb;
    let u: Float64Array;
    if (!Vb) u = Float64Array.from(w);
    else {
      u = new Float64Array(d);
      for (let k = 0; k < d; k++) {
        let s = 0;
        for (let q = 0; q < r; q++) s += Vb.data[k * r + q] * w[q];
        u[k] = s;
      }
    }
    const nn = vnorm(u);
    if (nn > 0) for (let k = 0; k < d; k++) u[k] /= nn;
    else if (d) u[0] = 1;
    return u;
  }

  toReduced(u: Float64Array): Float64Array {
    const { d } = this,
      Vb = this.red.Vb,
      r = this.red.r;
    if (!Vb) return Float64Array.from(u);
    const w = new Float64Array(r);
    for (let q = 0; q < r; q++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += Vb.data[k * r + q] * u[k];
      w[q] = s;
    }
    return w;
  }

  /**
   * The result for direction w (on X̂) and a method's value computedHat on X̂ (null: bounds only):
   * `lower` recomputed on X̃, `upper` = scale·computedHat + allowances (exact when they meet).
   */
  finalize(method: OracleMethod, w: Float64Array, computedHat: number | null, extraTol: number, patterns: number, moreNotes: string[]): CoreInfo {
    const { X, Lambda, c, r, ub, A } = this;
    const { scale, rankAllow } = this.red;
    const u = this.toFull(w);
    const v = evalVec(X, Lambda, u, 0, new Float64Array(c));
    const { val: lower, dir } = outDir(v);
    let upper: number, R: number, exact: boolean;
    if (computedHat === null) {
      upper = Math.max(ub.upper, lower);
      R = 0;
      exact = false;
    } else {
      const half = scale * A + rankAllow;
      const uc = scale * computedHat + half + extraTol;
      R = 2 * half + (scale - 1) * computedHat + extraTol;
      if (uc <= lower + R) {
        upper = lower + R;
        R = Math.max(R, upper - lower);
        exact = true;
      } else {
        upper = uc;
        exact = false;
        moreNotes.push('exact method did not reproduce its value at the returned direction; reporting the enumeration bound');
      }
      if (ub.upper < upper) {
        // the generic bound is tighter (can only happen when not exact)
        if (!exact) upper = Math.max(ub.upper, lower);
      }
    }
    return {
      exact,
      method: exact ? method : 'bounds',
      upper,
      lower,
      argmax: u,
      argmaxBias: 0,
      outputDir: dir,
      patterns,
      rank: r,
      roundingAllowance: R,
      notes: [...this.notes, ...moreNotes],
      computed: computedHat ?? upper,
    };
  }

  /** extra directions of a search, mapped to X̃ with their values recomputed there (best first) */
  candidatesOf(list: { u: Float64Array }[]): { u: Float64Array; value: number }[] {
    return list
      .map(({ u: w }) => {
        const u = this.toFull(w);
        return { u, value: vnorm(evalVec(this.X, this.Lambda, u, 0, new Float64Array(this.c))) };
      })
      .sort((a, b) => b.value - a.value);
  }
}

/** Scalar, X̃X̃ᵀ = I up to WHITEN_TOL: the closed form M = max(‖λ+‖, ‖λ−‖) (MATH.md §5); null when not whitened. */
function whitenedClosedForm(ctx: ReducedOracle): CoreInfo | null {
  const { X, Lambda, n, d, r, ub, lip, notes } = ctx;
  const dev = orthonormalityDefect(X.data, n, d, d, 1); // ‖X̃X̃ᵀ − I‖_F
  if (!(dev <= WHITEN_TOL)) return null;
  // ‖X̃u‖² = uᵀX̃ᵀX̃u ≤ ‖X̃X̃ᵀ‖ ≤ 1 + dev, and {X̃u} ⊇ … : M ≤ √(1+dev)·max(‖λ+‖, ‖λ−‖)
  let p2 = 0,
    m2 = 0;
  const lp = new Float64Array(n),
    lm = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const l = Lambda.data[i];
    if (l > 0) {
      p2 += l * l;
      lp[i] = l;
    } else if (l < 0) {
      m2 += l * l;
      lm[i] = -l;
    }
  }
  const val = Math.sqrt(Math.max(p2, m2));
  const z = p2 >= m2 ? lp : lm;
  // u = X̃ᵀz/‖·‖ (X̃ᵀ(X̃X̃ᵀ)⁻¹z up to dev)
  const u = new Float64Array(d);
  for (let i = 0; i < n; i++) if (z[i] !== 0) for (let k = 0; k < d; k++) u[k] += z[i] * X.data[i * d + k];
  const nu = vnorm(u);
  if (nu > 0) for (let k = 0; k < d; k++) u[k] /= nu;
  else u[0] = 1;
  const v = evalVec(X, Lambda, u, 0, new Float64Array(1));
  const lower = Math.abs(v[0]);
  const uc = Math.sqrt(1 + dev) * val * (1 + fpRel(n, d));
  // lower ≥ val·(1 − O(dev)) in exact arithmetic: ‖X̃ᵀz‖ ≤ √(1+dev)‖z‖ and X̃X̃ᵀz = z + Δz
  const R = 2 * (uc - val) + 2 * dev * val + 2 * fpRel(n, d) * lip;
  const exact = uc - lower <= R;
  return {
    exact,
    method: exact ? 'exact-whitened' : 'bounds',
    upper: exact ? Math.max(uc, lower) : Math.max(Math.min(uc, ub.upper), lower),
    lower,
    argmax: u,
    argmaxBias: 0,
    outputDir: Float64Array.of(v[0] < 0 ? -1 : 1),
    patterns: 0,
    rank: r,
    roundingAllowance: R,
    notes: [...notes, `whitened data (‖X̃X̃ᵀ − I‖_F = ${dev.toExponential(2)} ≤ ${WHITEN_TOL}): M = max(‖λ+‖, ‖λ−‖) (MATH.md §5)`],
    computed: val,
  };
}

/** Scalar at rank ≤ 4: the exact sweeps of sweep.ts; null when rank 4 exceeds the pattern budget. */
function scalarSweep(ctx: ReducedOracle): CoreInfo | null {
  const { Xh, Lambda, n, r, opts, tracker, searchOpts, notes } = ctx;
  lowerSearch(Xh, Lambda, r <= 3 ? { ...searchOpts, samples: Math.min(opts.samples, 200) } : searchOpts, tracker);
  const lam = Float64Array.from(Lambda.data);
  const method: OracleMethod = r === 1 ? 'exact-rank1' : r === 2 ? 'exact-circle' : r === 3 ? 'exact-sphere' : 'exact-rank4';
  try {
    const res = exactScalar(Xh.data, n, r, lam, {
      budget: r === 4 ? opts.patternBudget : Infinity,
      shouldStop: opts.shouldStop,
      seedU: tracker.best.u,
    });
    return ctx.finalize(method, res.u, res.value, 0, res.patterns, [
      `${res.patterns} cells enumerated, ${res.candidatesEvaluated} interior critical points evaluated${res.info ? '; ' + res.info : ''}`,
    ]);
  } catch (e) {
    if (!(e instanceof BudgetExceeded)) throw e;
    notes.push(`rank ${r}: pattern budget ${opts.patternBudget} exceeded; falling back to bounds`);
    return null;
  }
}

/** Scalar at rank ≥ 5 within the pattern budget: the vertex enumeration (vertexEnum.ts). */
function vertexScalar(ctx: ReducedOracle, ps: PatternSet): CoreInfo {
  const { Xh, Lambda, r, opts, tracker, searchOpts, stopHat } = ctx;
  lowerSearch(Xh, Lambda, { ...searchOpts, samples: Math.min(opts.samples, 200) }, tracker);
  const res = ps.maximize(Xh.data, r, Float64Array.from(Lambda.data), tracker.best.u, {
    stopBelow: stopHat,
    candidates: opts.candidates ?? 0,
    earlyDirection: ctx.earlyVertex,
    warmScope: opts.warmScope,
  });
  const info = `rank ${r}: ${res.info}, ${res.candidatesEvaluated} cone projections`;
  // cut short, or patterns skipped at the threshold: a sound bound ≤ stopBelow, not the maximum
  const skipped = stopHat !== undefined && res.value > res.attained && res.value <= stopHat;
  const out = ctx.finalize('exact-vertex', res.u, res.value, 0, res.patterns, res.cutShort || skipped ? [] : [info]);
  if (res.cutShort || skipped) {
    out.notes = out.notes.filter((t) => !t.startsWith('exact method did not reproduce'));
    out.notes.push(res.cutShort ? info : `${info}; proved M ≤ ${opts.stopBelow?.toPrecision(6)} (the threshold), skipping the patterns below it`);
  }
  out.candidates = ctx.candidatesOf(res.candidates);
  return out;
}

/** Rank ≥ 5 beyond enumeration: the anytime spatial or sign-fixing branch and bound within the node budget. */
function anytimeSearch(ctx: ReducedOracle): CoreInfo {
  const { Xh, Lambda, n, r, c, opts, tracker, searchOpts, stopHat } = ctx;
  const { scale } = ctx.red;
  let m = 0;
  for (let i = 0; i < n; i++) if (Xh.data.subarray(i * r, i * r + r).some((v) => v !== 0)) m++;
  const spatial = c === 2 || c === 3 || m >= SPATIAL_MIN_ROWS_PER_RANK * r;
  lowerSearch(Xh, Lambda, searchOpts, tracker);
  const sOpts = { nodeBudget: opts.nodeBudget, stopBelow: stopHat, seedU: tracker.best.u, shouldStop: opts.shouldStop, earlyDirection: ctx.early };
  const gs = spatial ? spatialSearch(Xh.data, n, r, Lambda.data, c, sOpts) : globalScalar(Xh.data, n, r, Float64Array.from(Lambda.data), sOpts);
  const what = spatial ? `spatial branch and bound${c > 1 ? ` (c = ${c}, relative tolerance ${SPATIAL_VECTOR_REL_TOL})` : ''}` : 'sign-fixing branch and bound';
  // closed: the value attained plus the search's own tolerance (0 for c = 1 up to rounding) is the maximum
  const res = gs.closed
    ? ctx.finalize('exact-search', gs.u, gs.attained, scale * Math.max(0, gs.upper - gs.attained), gs.nodes, [])
    : ctx.finalize('exact-search', gs.u, gs.upper, 0, gs.nodes, []);
  res.notes = res.notes.filter((t) => !t.startsWith('exact method did not reproduce'));
  res.notes.push(
    gs.closed
      ? `rank ${r}: global search (${what}) closed after ${gs.nodes} nodes`
      : gs.nodes < opts.nodeBudget && opts.stopBelow !== undefined && stopHat !== undefined && gs.upper <= stopHat
        ? `rank ${r}: global search (${what}) proved M ≤ ${opts.stopBelow.toPrecision(6)} (the threshold) after ${gs.nodes} nodes, dropping the regions below it`
        : gs.stoppedEarly
          ? `rank ${r}: global search (${what}) stopped early after ${gs.nodes} nodes: a direction above the caller's bar was found (M̄ = ${res.upper.toPrecision(6)})`
          : `rank ${r}: global search (${what}) stopped at its node budget (${opts.nodeBudget}) with M̄ = ${res.upper.toPrecision(6)} against ${res.lower.toPrecision(6)} attained; raise the oracle node budget to tighten it`,
  );
  return res;
}

/** Vector outputs c = 2, 3 where the scalar oracle is exact: branch and bound over the output sphere (vector.ts); null when rank 4 exceeds the pattern budget. */
function outputSphereSearch(ctx: ReducedOracle, ps: PatternSet | null): CoreInfo | null {
  const { Xh, Lambda, n, r, c, opts, tracker, searchOpts, A, ub, notes } = ctx;
  const { scale, rankAllow } = ctx.red;
  lowerSearch(Xh, Lambda, searchOpts, tracker);
  const lamG = new Float64Array(n);
  let budgetLeft = r === 4 ? opts.patternBudget : Infinity;
  let lastU: Float64Array | null = null;
  const sigmaFn = (g: Float64Array): SweepResult => {
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let k = 0; k < c; k++) s += Lambda.data[i * c + k] * g[k];
      lamG[i] = s;
    }
    // seed with the best vector direction and the previous vertex's argmax (prunes rank-3 circles)
    let seed = tracker.best.u;
    if (lastU && lastU.length === r) {
      let a = 0,
        b = 0;
      const z = new Float64Array(1);
      const Lg: Mat = { rows: n, cols: 1, data: lamG };
      a = Math.abs(evalVec(Xh, Lg, seed, 0, z)[0]);
      b = Math.abs(evalVec(Xh, Lg, lastU, 0, z)[0]);
      if (b > a) seed = lastU;
    }
    const res = ps
      ? ps.maximize(Xh.data, r, lamG, seed, { warmScope: opts.warmScope })
      : exactScalar(Xh.data, n, r, lamG, { budget: budgetLeft, shouldStop: opts.shouldStop, seedU: seed });
    budgetLeft -= res.patterns;
    lastU = res.u;
    return res;
  };
  const vecNorm = (w: Float64Array): number => vnorm(evalVec(Xh, Lambda, w, 0, new Float64Array(c)));
  try {
    const bb = branchAndBound(c as 2 | 3, sigmaFn, A, vecNorm, opts.shouldStop);
    let w = bb.u.length === r ? bb.u : tracker.best.u;
    if (tracker.best.value > vecNorm(w)) w = tracker.best.u;
    const method: OracleMethod = r === 1 ? 'exact-rank1' : r === 2 ? 'exact-circle' : r === 3 ? 'exact-sphere' : r === 4 ? 'exact-rank4' : 'exact-vertex';
    const bbNote = `output-sphere branch and bound (c = ${c}): ${bb.evals} scalar oracle calls, ${bb.converged ? 'converged' : 'NOT converged (budget)'} to relative gap ${BB_REL_TOL}`;
    if (bb.converged) {
      // bb.upper includes A; express it as computed value + tolerance so finalize adds A once
      // scale·bb.upper + rankAllow = scale·best + scale·A + rankAllow + scale·tolTerm
      const tolTerm = Math.max(0, bb.upper - A - bb.best);
      return ctx.finalize(method, w, bb.best, scale * tolTerm, bb.patterns, [bbNote]);
    }
    const res = ctx.finalize(method, w, null, 0, bb.patterns, [bbNote]);
    res.upper = Math.max(res.lower, Math.min(ub.upper, scale * bb.upper + rankAllow));
    return res;
  } catch (e) {
    if (!(e instanceof BudgetExceeded)) throw e;
    notes.push(`rank ${r}: pattern budget exceeded in the output-sphere search; falling back to bounds`);
    return null;
  }
}
