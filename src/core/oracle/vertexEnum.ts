/**
 * Exact scalar oracle max_{‖u‖=1} |λᵀ(X̂u)_+| at ANY rank r, by enumerating the activation patterns
 * through the arrangement's extreme rays (MATH.md §3.5, derived for this project):
 *
 * - Completeness. The rows x̂_j span R^r (X̂ is the row-space reduction), so every full-dimensional
 *   cell of the arrangement {x̂_jᵀu = 0} is a pointed cone and has an extreme ray; every extreme ray
 *   is ±u0, the null direction of r − 1 independent rows. At u0 the rows not vanishing keep their
 *   sign throughout the cells around it, and the rows vanishing there take some sign. Trying every
 *   sign of the vanishing rows at every ±u0 therefore lists every cell's pattern (and some
 *   impossible ones). The sphere is covered by the closures of the cells, and on the closure of a
 *   cell with pattern D, h(u) = λᵀDX̂u; so M = max over patterns D and ± of max_{u∈K_D, ‖u‖≤1} ±gᵀu
 *   with g = X̂ᵀDλ and K_D = {u : (2D − I)X̂u ≥ 0}. An impossible pattern is harmless: on its closed
 *   cone (X̂u)_+ = DX̂u too, so its value is attained by a real u.
 * - Per pattern, max_{u∈K_D,‖u‖≤1} gᵀu = ‖Π_K g‖ ≤ ‖g + Aᵀμ‖ for ANY μ ≥ 0 (weak duality,
 *   linalg/cone.ts): the NNLS's accuracy only tightens a bound that is always sound. Patterns with
 *   ‖g‖ ≤ the best value attained are skipped (‖Π_K g‖ ≤ ‖g‖).
 * - Vertices in floating point. A row counts as vanishing at u0 when |x̂_jᵀu0| ≤ VERTEX_ZERO_TOL·‖x̂_j‖
 *   (generous: a false "vanishing" only adds patterns). A subset whose rows are nearly dependent
 *   cannot locate its vertex that accurately: below SUBSET_DEPENDENT_TOL it is taken as dependent
 *   (no vertex), between that and SUBSET_ILL_TOL the enumeration gives up exactness (Degenerate).
 *   So does a vertex where more than MAX_VANISHING rows vanish (2^k sign patterns).
 *
 * The pattern set does not depend on λ: it is built once per X̂ (PatternSet) and reused by every
 * call on the same data (the output-sphere search of vector outputs, column generation).
 * Cost: C(m, r−1) subsets × 2^r sign assignments to enumerate, then one NNLS per distinct pattern
 * that can beat the best value (each pattern's last multipliers, kept between calls, bound most
 * patterns without one at nearby dual points; each pattern's last bound, moved by the dual point's
 * change, lets most patterns skip even their g_D late in column generation: DriftStore).
 * r ≤ 4 keeps the great-circle sweeps of sweep.ts.
 */
import type { Mat } from '../linalg/mat';
import { projectCone } from '../linalg/cone';
import { BudgetExceeded, type SweepResult } from './sweep';
import { CancelledError } from '../errors';

/** |x̂_jᵀu0| ≤ this·‖x̂_j‖ (u0 unit): row j vanishes at the vertex u0 (all its signs are tried). */
export const VERTEX_ZERO_TOL = 1e-9;
/** Smallest/largest pivot of an (r−1)-subset's QR below this: the rows are dependent, no vertex. */
export const SUBSET_DEPENDENT_TOL = 1e-12;
/** Pivot ratio between SUBSET_DEPENDENT_TOL and this: the vertex cannot be located to VERTEX_ZERO_TOL; not exact. */
export const SUBSET_ILL_TOL = 1e-6;
/** More rows vanishing at one vertex than this: not exact (2^k sign patterns). */
export const MAX_VANISHING = 16;

/**
 * Largest pattern count × 2 signs × rank for which a pattern set keeps each pattern's last cone
 * multipliers (PatternSet.warmFaces; 12 bytes an entry, so at most 48 MB): column generation asks at
 * nearby dual points, where the last face's multipliers, rescaled, mostly bound the pattern below the
 * bar without a new projection (measured at rank 6, n = 20: ~22,600 projections a call near the end).
 */
export const PATTERN_WARM_MAX_ENTRIES = 4_000_000;

const EPS = 2.220446049250313e-16;

/** The enumeration could not be carried out exactly (degenerate or ill-conditioned vertices). */
export class Degenerate extends Error {}

/** Patterns of a general-position arrangement of m hyperplanes through 0 in R^r: 2Σ_{k<r} C(m−1, k). */
export function generalPositionPatternBound(m: number, r: number): number {
  let s = 0,
    c = 1;
  for (let k = 0; k < r && k <= m - 1; k++) {
    s += c;
    c = (c * (m - 1 - k)) / (k + 1);
  }
  return 2 * s;
}

/** Sign assignments the vertex enumeration visits: C(m, r−1)·2^r (before deduplication). */
export function vertexVisits(m: number, r: number): number {
  let c = 1;
  for (let k = 0; k < r - 1; k++) c = (c * (m - k)) / (k + 1);
  return c * 2 ** r;
}

/** Householder QR of the k×r block of rows (k = r − 1), with column pivoting on the rows: the null direction. */
function nullDirection(rows: Float64Array, k: number, r: number, out: Float64Array): number {
  // Work on Aᵀ (r×k); orthogonalize its columns (the rows) by modified Gram–Schmidt twice, with
  // pivoting by the largest remaining norm: the pivot ratio estimates the conditioning.
  const Q = new Float64Array(rows); // k vectors of length r, normalized rows
  const used = new Uint8Array(k);
  let pmax = 0,
    pmin = Infinity;
  const basis: number[] = [];
  for (let step = 0; step < k; step++) {
    let best = -1,
      bn = -1;
    for (let t = 0; t < k; t++) {
      if (used[t]) continue;
      let s = 0;
      for (let q = 0; q < r; q++) s += Q[t * r + q] ** 2;
      if (s > bn) {
        bn = s;
        best = t;
      }
    }
    const nb = Math.sqrt(bn);
    pmax = Math.max(pmax, nb);
    pmin = Math.min(pmin, nb);
    if (!(nb > 0)) return 0;
    used[best] = 1;
    for (let q = 0; q < r; q++) Q[best * r + q] /= nb;
    basis.push(best);
    for (let t = 0; t < k; t++) {
      if (used[t]) continue;
      for (let pass = 0; pass < 2; pass++) {
        let dp = 0;
        for (let q = 0; q < r; q++) dp += Q[t * r + q] * Q[best * r + q];
        for (let q = 0; q < r; q++) Q[t * r + q] -= dp * Q[best * r + q];
      }
    }
  }
  // the null direction: a unit vector orthogonal to the k basis vectors (start from the unit axis
  // least represented in the span, orthogonalize twice)
  let axis = 0,
    least = Infinity;
  for (let q = 0; q < r; q++) {
    let s = 0;
    for (const b of basis) s += Q[b * r + q] ** 2;
    if (s < least) {
      least = s;
      axis = q;
    }
  }
  out.fill(0);
  out[axis] = 1;
  for (let pass = 0; pass < 2; pass++)
    for (const b of basis) {
      let dp = 0;
      for (let q = 0; q < r; q++) dp += out[q] * Q[b * r + q];
      for (let q = 0; q < r; q++) out[q] -= dp * Q[b * r + q];
    }
  let nn = 0;
  for (let q = 0; q < r; q++) nn += out[q] ** 2;
  nn = Math.sqrt(nn);
  for (let q = 0; q < r; q++) out[q] /= nn;
  return pmax > 0 ? pmin / pmax : 0;
}

/** The distinct activation patterns (with impossible extras) of the arrangement of X̂'s nonzero rows. */
export class PatternSet {
  /** rows kept (nonzero), as indices into X̂ */
  readonly rows: Int32Array;
  /** pattern t's bits: bits[t·m + j] for kept row j */
  readonly bits: Uint8Array;
  readonly count: number;
  /** sign assignments visited (the budget's unit) */
  readonly visits: number;

  /**
   * Per pattern and sign (slot 2p or 2p + 1, r entries each): the face (kept-row ids, −1 padded) and
   * multipliers of the last projection. Speed only: ‖g + sAᵀμ‖ bounds ‖Π_K g‖ for ANY μ, s ≥ 0.
   */
  private warm: { r: number; scope: object; face: Int32Array; mu: Float64Array } | null = null;

  /**
   * The warm-start store for rank r and this run (MaximizeOptions.warmScope), cleared when another run
   * asks: the pattern set outlives a run (noBias.ts caches it by content). Null without a scope or when
   * too large (PATTERN_WARM_MAX_ENTRIES).
   */
  warmFaces(r: number, scope: object | undefined): { face: Int32Array; mu: Float64Array } | null {
    if (!scope) return null;
    if (this.warm?.r === r && this.warm.scope === scope) return this.warm;
    if (this.count * 2 * r > PATTERN_WARM_MAX_ENTRIES) return null;
    if (this.warm?.r === r) {
      this.warm.face.fill(-1);
      this.warm.mu.fill(0);
      this.warm.scope = scope;
    } else this.warm = { r, scope, face: new Int32Array(this.count * 2 * r).fill(-1), mu: new Float64Array(this.count * 2 * r) };
    return this.warm;
  }

  /** per-pattern bounds of this run's last calls, moved to the next dual point (driftFor) */
  private drift: DriftStore | null = null;

  /**
   * The run's per-pattern bounds moved to this call's dual point: D grows by Σ_t |λ_t − λ'_t|·‖x̂_t‖
   * (driftStep), so a bound b kept as b − D_then is b + (D_now − D_then) now. Null without a scope;
   * all unknown (Infinity) when the scope is new.
   */
  driftFor(scope: object | undefined, st: MaximizeState): DriftStore | null {
    if (!scope) return null;
    const dr = this.drift;
    if (!dr || dr.scope !== scope || dr.lam.length !== st.m) {
      this.drift = { scope, lam: Float64Array.from(st.lk), D: 0, key: new Float64Array(this.count).fill(Infinity) };
      return this.drift;
    }
    dr.D = driftStep(dr.D, dr.lam, st);
    dr.lam.set(st.lk);
    return dr;
  }

  private constructor(rows: Int32Array, bits: Uint8Array, count: number, visits: number) {
    this.rows = rows;
    this.bits = bits;
    this.count = count;
    this.visits = visits;
  }

  /** Throws BudgetExceeded past `budget` visits, Degenerate when exactness cannot be had. */
  static build(Xh: Float64Array, n: number, r: number, budget: number, shouldStop?: () => boolean): PatternSet {
    const keep: number[] = [];
    const norms: number[] = [];
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let q = 0; q < r; q++) s += Xh[j * r + q] ** 2;
      if (s > 0) {
        keep.push(j);
        norms.push(Math.sqrt(s));
      }
    }
    const m = keep.length;
    if (m === 0 || r < 2) throw new Degenerate('fewer than two dimensions');
    const U = new Float64Array(m * r); // normalized rows
    for (let t = 0; t < m; t++) for (let q = 0; q < r; q++) U[t * r + q] = Xh[keep[t] * r + q] / norms[t];
    const k = r - 1;
    const sub = new Int32Array(k);
    for (let t = 0; t < k; t++) sub[t] = t;
    const rowsBuf = new Float64Array(k * r);
    const u0 = new Float64Array(r);
    const base = new Uint8Array(m);
    const vanish: number[] = [];
    const seen = new Set<string | number>();
    const numericKey = m <= 52;
    const out: Uint8Array[] = [];
    let visits = 0;
    const cur = new Uint8Array(m);
    const keyOf = (b: Uint8Array): string | number => {
      if (numericKey) {
        let key = 0;
        for (let j = 0; j < m; j++) if (b[j]) key += 2 ** j;
        return key;
      }
      return String.fromCharCode(...packBits(b));
    };
    for (;;) {
      if (shouldStop?.()) throw new CancelledError('oracle');
      for (let t = 0; t < k; t++) rowsBuf.set(U.subarray(sub[t] * r, sub[t] * r + r), t * r);
      const ratio = nullDirection(rowsBuf, k, r, u0);
      if (ratio >= SUBSET_DEPENDENT_TOL) {
        if (ratio < SUBSET_ILL_TOL) throw new Degenerate(`an ill-conditioned vertex (pivot ratio ${ratio.toExponential(1)})`);
        vanish.length = 0;
        for (let j = 0; j < m; j++) {
          let z = 0;
          for (let q = 0; q < r; q++) z += U[j * r + q] * u0[q];
          if (Math.abs(z) <= VERTEX_ZERO_TOL) {
            vanish.push(j);
            base[j] = 0;
          } else base[j] = z > 0 ? 1 : 0;
        }
        if (vanish.length > MAX_VANISHING) throw new Degenerate(`${vanish.length} hyperplanes through one vertex (more than ${MAX_VANISHING})`);
        const combos = 2 ** vanish.length;
        visits += 2 * combos;
        if (visits > budget) throw new BudgetExceeded(visits);
        for (let side = 0; side < 2; side++) {
          for (let j = 0; j < m; j++) cur[j] = side === 0 ? base[j] : 1 - base[j];
          for (const v of vanish) cur[v] = 0;
          // numeric keys: the fixed rows' part once, then one term per vanishing row set
          const fixed = numericKey ? (keyOf(cur) as number) : 0;
          for (let mask = 0; mask < combos; mask++) {
            let key: string | number;
            if (numericKey) {
              let kk = fixed;
              for (let v = 0; v < vanish.length; v++) if ((mask >> v) & 1) kk += 2 ** vanish[v];
              key = kk;
            } else {
              for (let v = 0; v < vanish.length; v++) cur[vanish[v]] = (mask >> v) & 1;
              key = keyOf(cur);
            }
            if (!seen.has(key)) {
              seen.add(key);
              for (let v = 0; v < vanish.length; v++) cur[vanish[v]] = (mask >> v) & 1;
              out.push(Uint8Array.from(cur));
            }
          }
        }
      }
      // next (r−1)-subset in lexicographic order
      let t = k - 1;
      while (t >= 0 && sub[t] === m - k + t) t--;
      if (t < 0) break;
      sub[t]++;
      for (let s = t + 1; s < k; s++) sub[s] = sub[s - 1] + 1;
    }
    return new PatternSet(Int32Array.from(keep), sortedBits(out, m), out.length, visits);
  }

  /**
   * max over the patterns of max_{u∈K_D,‖u‖≤1} |λᵀDX̂u|: `value` is a sound upper bound before the
   * caller's allowances (each pattern's ‖g + Aᵀμ‖ plus its own rounding term), `u` attains `attained`.
   */
  maximize(
    Xh: Float64Array,
    r: number,
    lam: Float64Array,
    seedU?: Float64Array,
    opts: MaximizeOptions = {},
  ): SweepResult & { attained: number; candidates: ScoredDirection[]; cutShort: boolean } {
    // patterns whose bound is at most the bar are skipped: the best value attained, or the caller's
    // threshold (a feasibility check needs only M̄ ≤ stopBelow); the largest skipped bound stays in `value`
    const st = new MaximizeState(this, Xh, r, lam, seedU, opts);
    // ‖g_D‖ ≥ ‖Π_K g_D‖ for every pattern: visit patterns by decreasing ‖g_D‖ and stop once it falls
    // below the best value attained; the first skipped bound is then the largest remaining one.
    // Patterns already at most the bar never need a visit (the bar only rises): only the others are
    // sorted, and the largest of the rest is kept as a bound. A pattern whose bound from the run's
    // earlier calls, moved here (driftFor), is at most the bar is not even looked at.
    const drift = this.driftFor(opts.warmScope, st);
    const bar0 = st.bar();
    let below = 0;
    const look: number[] = [];
    for (let p = 0; p < this.count; p++) {
      const b = drift ? driftBound(drift, p) : Infinity;
      if (b <= bar0) below = Math.max(below, b);
      else look.push(p);
    }
    const pb = patternGradients(this, st, look);
    const kept: number[] = [];
    for (const p of look) {
      if (drift) drift.key[p] = pb.bound[p] - drift.D;
      if (pb.bound[p] > bar0) kept.push(p);
      else below = Math.max(below, pb.bound[p]);
    }
    const order = kept.sort((a, b) => pb.bound[b] - pb.bound[a]);
    const cuts = seedFromPatternDirections(this, st, pb, order);
    const res = boundPatterns(this, st, pb, order, cuts, drift);
    const upper = Math.max(res.upper, below);
    const cutShort = res.cutShort;
    return {
      value: Math.max(upper, st.attained),
      attained: st.attained,
      u: st.bestU,
      patterns: this.count,
      candidatesEvaluated: st.evaluated,
      rejected: 0,
      info: `${this.count} distinct patterns from ${this.visits} vertex sign assignments${drift ? `, ${this.count - look.length} bounded by the run's earlier calls` : ''}${cutShort ? " (stopped early: a direction above the caller's bar was found)" : ''}`,
      candidates: st.keepTop.list(),
      cutShort,
    };
  }
}

/** One maximize call's data (the pattern set's kept rows) and its best direction so far. */
class MaximizeState {
  readonly m: number;
  readonly Xk: Mat;
  readonly lk: Float64Array;
  readonly xn: Float64Array;
  readonly stopBelow: number;
  readonly keepTop: TopDirections;
  attained: number;
  bestU: Float64Array;
  /** cone projections made (the earlyDirection unit) */
  evaluated = 0;

  constructor(
    ps: PatternSet,
    Xh: Float64Array,
    readonly r: number,
    lam: Float64Array,
    seedU: Float64Array | undefined,
    readonly opts: MaximizeOptions,
  ) {
    this.stopBelow = opts.stopBelow ?? -Infinity;
    this.keepTop = new TopDirections(opts.candidates ?? 0, opts.candidateFloor ?? this.stopBelow);
    const m = (this.m = ps.rows.length);
    this.Xk = { rows: m, cols: r, data: new Float64Array(m * r) };
    this.lk = new Float64Array(m);
    this.xn = new Float64Array(m);
    for (let t = 0; t < m; t++) {
      const j = ps.rows[t];
      this.lk[t] = lam[j];
      let s = 0;
      for (let q = 0; q < r; q++) {
        this.Xk.data[t * r + q] = Xh[j * r + q];
        s += Xh[j * r + q] ** 2;
      }
      this.xn[t] = Math.sqrt(s);
    }
    this.bestU = new Float64Array(r);
    this.bestU[0] = 1;
    this.attained = this.h(this.bestU);
    if (seedU && seedU.length === r) {
      const v = this.h(seedU);
      if (v > this.attained) {
        this.attained = v;
        this.bestU = Float64Array.from(seedU);
      }
    }
  }

  /** |λᵀ(X̂u)_+| on the kept rows */
  h(u: Float64Array): number {
    const { m, r, lk } = this,
      X = this.Xk.data;
    let v = 0;
    for (let t = 0; t < m; t++) {
      let z = 0;
      for (let q = 0; q < r; q++) z += X[t * r + q] * u[q];
      if (z > 0) v += lk[t] * z;
    }
    return Math.abs(v);
  }

  bar(): number {
    return Math.max(this.attained, this.stopBelow);
  }

  /** a direction met (u is kept as given when it becomes the best: pass a copy if it will change) */
  offer(u: Float64Array, v: number): void {
    this.keepTop.offer(u, v);
    if (v > this.attained) {
      this.attained = v;
      this.bestU = u;
    }
  }
}

/**
 * Per pattern D of `look`: g_D = X̂ᵀDλ (row-major, count×r), its rounding per unit u, and the bound
 * ‖g_D‖ + rounding ≥ ‖Π_K g_D‖ (entries of the other patterns stay 0, unused).
 */
function patternGradients(ps: PatternSet, st: MaximizeState, look: number[]): PatternBounds {
  const { m, r, lk, xn } = st,
    X = st.Xk.data;
  const gAll = new Float64Array(ps.count * r);
  const bound = new Float64Array(ps.count);
  const gRoundAll = new Float64Array(ps.count);
  // running sums over rows t ascending, kept per row (pre[t·r…] before row t): a pattern sharing its
  // first rows' bits with the previous one (the set is sorted, PatternSet.build) resumes there. The
  // same additions in the same order as summing each pattern afresh: the same numbers.
  const pre = new Float64Array((m + 1) * r),
    preMass = new Float64Array(m + 1);
  const bits = ps.bits;
  let last = -1;
  for (const p of look) {
    const o = p * m;
    let t0 = 0;
    if (last >= 0) for (const lo = last * m; t0 < m && bits[o + t0] === bits[lo + t0]; ) t0++;
    last = p;
    for (let t = t0; t < m; t++) {
      const a = t * r;
      if (bits[o + t] && lk[t] !== 0) {
        preMass[t + 1] = preMass[t] + Math.abs(lk[t]) * xn[t];
        for (let q = 0; q < r; q++) pre[a + r + q] = pre[a + q] + lk[t] * X[a + q];
      } else {
        preMass[t + 1] = preMass[t];
        for (let q = 0; q < r; q++) pre[a + r + q] = pre[a + q];
      }
    }
    const mass = preMass[m];
    let gn = 0;
    for (let q = 0; q < r; q++) {
      const v = (gAll[p * r + q] = pre[m * r + q]);
      gn += v * v;
    }
    gRoundAll[p] = 4 * EPS * (m + r) * mass; // rounding of g's entries, per unit u
    bound[p] = Math.sqrt(gn) + gRoundAll[p];
  }
  return { gAll, bound, gRoundAll };
}

/** y = X̂_D-rows·g for every kept row (y_t = x_tᵀg): one pass serves h(±g/‖g‖) and both signs' one-constraint cuts. */
function rowProducts(st: MaximizeState, g: Float64Array, y: Float64Array): void {
  const { m, r } = st,
    X = st.Xk.data;
  for (let t = 0; t < m; t++) {
    let z = 0;
    for (let q = 0; q < r; q++) z += X[t * r + q] * g[q];
    y[t] = z;
  }
}

/**
 * One constraint's multiplier alone already bounds ‖Π_K(±g)‖ (weak duality with μ = μ_j e_j):
 * ‖g‖² − max_j (a_jᵀg)_−²/‖a_j‖², with a_j = ±x_j by the pattern; returns that max for the sign sgn.
 */
function oneConstraintCut(st: MaximizeState, pat: Uint8Array, y: Float64Array, sgn: number): number {
  const { m, xn } = st;
  let cut = 0;
  for (let t = 0; t < m; t++) {
    const z = y[t] * (pat[t] ? sgn : -sgn);
    if (z < 0) cut = Math.max(cut, (z * z) / (xn[t] * xn[t]));
  }
  return cut;
}

/** What the first pass learnt about each pattern it visited (by position in the visiting order). */
interface SeedPass {
  /** positions visited */
  count: number;
  /** 1 where the one-constraint cuts below were computed (else both signs were already bounded by `warmPlus/Minus`) */
  hasCut: Uint8Array;
  plus: Float64Array;
  minus: Float64Array;
  /** the last faces' bounds per sign (Infinity: none) */
  warmPlus: Float64Array;
  warmMinus: Float64Array;
}

/**
 * Cheap lower bounds first: h at ±g_D/‖g_D‖ (often inside its own cone, then exact) raises the bar
 * that lets most patterns skip their cone projection. The products x_tᵀg_D computed for it also give
 * each visited pattern's one-constraint cuts (both signs). A pattern whose last faces (both signs)
 * already bound it below the bar is passed over at O(r²) (column generation's nearby dual points).
 */
function seedFromPatternDirections(ps: PatternSet, st: MaximizeState, pb: PatternBounds, order: number[]): SeedPass {
  const { m, r, lk } = st;
  const len = order.length;
  const sp: SeedPass = {
    count: 0,
    hasCut: new Uint8Array(len),
    plus: new Float64Array(len),
    minus: new Float64Array(len),
    warmPlus: new Float64Array(len).fill(Infinity),
    warmMinus: new Float64Array(len).fill(Infinity),
  };
  const warm = ps.warmFaces(r, st.opts.warmScope);
  const dir = new Float64Array(r),
    v = new Float64Array(r);
  const y = new Float64Array(m);
  let i = 0;
  for (; i < len; i++) {
    const p = order[i];
    if (pb.bound[p] <= st.bar()) break;
    const gn = pb.bound[p] - pb.gRoundAll[p];
    if (!(gn > 0)) {
      sp.hasCut[i] = 1;
      continue;
    }
    const g = pb.gAll.subarray(p * r, p * r + r);
    const pat = ps.bits.subarray(p * m, p * m + m);
    if (warm) {
      sp.warmPlus[i] = lastFaceBound(st, warm, 2 * p, pat, g, 1, gn, pb.gRoundAll[p], v);
      sp.warmMinus[i] = lastFaceBound(st, warm, 2 * p + 1, pat, g, -1, gn, pb.gRoundAll[p], v);
      if (Math.max(sp.warmPlus[i], sp.warmMinus[i]) <= st.bar()) continue;
    }
    rowProducts(st, g, y);
    sp.hasCut[i] = 1;
    sp.plus[i] = oneConstraintCut(st, pat, y, 1);
    sp.minus[i] = oneConstraintCut(st, pat, y, -1);
    let hp = 0,
      hm = 0;
    for (let t = 0; t < m; t++) {
      const z = y[t] / gn;
      if (z > 0) hp += lk[t] * z;
      else if (z < 0) hm -= lk[t] * z;
    }
    for (const sgn of [1, -1]) {
      for (let q = 0; q < r; q++) dir[q] = (sgn * g[q]) / gn;
      const val = Math.abs(sgn > 0 ? hp : hm);
      st.keepTop.offer(dir, val);
      if (val > st.attained) {
        st.attained = val;
        st.bestU = Float64Array.from(dir);
      }
    }
  }
  sp.count = i;
  return sp;
}

/**
 * The last projection's multipliers μ for this pattern and sign s_g, rescaled by the best s ≥ 0: a
 * sound bound ‖s_g·g + sAᵀμ‖ (+ rounding, as for a projection) on ‖Π_K(s_g·g)‖ (weak duality, any
 * sμ ≥ 0), or Infinity when there is none. v: scratch of length r.
 */
function lastFaceBound(
  st: MaximizeState,
  warm: { face: Int32Array; mu: Float64Array },
  slot: number,
  pat: Uint8Array,
  g: Float64Array,
  sg: number,
  gn: number,
  gRound: number,
  v: Float64Array,
): number {
  const { m, r, xn } = st,
    X = st.Xk.data;
  const o = slot * r;
  if (warm.face[o] < 0) return Infinity;
  v.fill(0);
  let mass = 0;
  for (let a = 0; a < r; a++) {
    const j = warm.face[o + a];
    if (j < 0) break;
    const mu = warm.mu[o + a] * (pat[j] ? 1 : -1);
    for (let q = 0; q < r; q++) v[q] += mu * X[j * r + q];
    mass += warm.mu[o + a] * xn[j];
  }
  let gv = 0,
    vv = 0;
  for (let q = 0; q < r; q++) {
    gv += sg * g[q] * v[q];
    vv += v[q] * v[q];
  }
  const s = vv > 0 && gv < 0 ? -gv / vv : 0;
  let zn = 0;
  for (let q = 0; q < r; q++) zn += (sg * g[q] + s * v[q]) ** 2;
  return Math.sqrt(zn) + gRound + 4 * EPS * (m + r) * (gn + s * mass);
}

/** store a projection's face and multipliers for the next call (at most r rows: a face of K in R^r) */
function keepFace(warm: { face: Int32Array; mu: Float64Array }, slot: number, r: number, active: number[], mu: number[]): void {
  const o = slot * r;
  const k = Math.min(active.length, r);
  for (let a = 0; a < r; a++) {
    warm.face[o + a] = a < k ? active[a] : -1;
    warm.mu[o + a] = a < k ? mu[a] : 0;
  }
}

type PatternBounds = { gAll: Float64Array; bound: Float64Array; gRoundAll: Float64Array };

/**
 * A run's per-pattern bounds (PatternSet.driftFor): key[p] = b − D_then for a sound bound b on
 * max_± ‖Π_K(±g_D)‖ at the dual point of the call that set it; `lam` is the last call's λ (kept rows).
 * Since Π_K is 1-Lipschitz and ‖X̂ᵀD(λ' − λ)‖ ≤ Σ_t |λ'_t − λ_t|·‖x̂_t‖, b + (D_now − D_then) bounds
 * the pattern at the current point (speed only where it is above the bar: the pattern is then looked at).
 */
interface DriftStore {
  scope: object;
  lam: Float64Array;
  D: number;
  key: Float64Array;
}

/** D + Σ_t |λ_t − λ'_t|·‖x̂_t‖, rounded up (the terms' and the sum's rounding, 8ε(m + r) relative, and the addition's). */
function driftStep(D: number, lamBefore: Float64Array, st: MaximizeState): number {
  const { m, r, lk, xn } = st;
  let delta = 0;
  for (let t = 0; t < m; t++) delta += Math.abs(lk[t] - lamBefore[t]) * xn[t];
  return (D + delta * (1 + 8 * EPS * (m + r))) * (1 + 2 * EPS);
}

/** pattern p's kept bound moved to the current point (Infinity: none); the rounding of key = b − D_then and key + D_now added */
function driftBound(dr: DriftStore, p: number): number {
  const key = dr.key[p];
  if (key === Infinity) return Infinity;
  return key + dr.D + 4 * EPS * (Math.abs(key) + 2 * dr.D);
}

/**
 * The patterns in decreasing ‖g_D‖ until the bar: each sign's ‖Π_K(±g_D)‖ bounded by one
 * constraint's multiplier or by the last face's (cheap), else by a cone projection. Returns the
 * largest bound left (sound M̄ before max with the value attained) and whether an earlyDirection stop
 * cut the list short.
 */
function boundPatterns(
  ps: PatternSet,
  st: MaximizeState,
  pb: PatternBounds,
  order: number[],
  sp: SeedPass,
  drift: DriftStore | null,
): { upper: number; cutShort: boolean } {
  const { m, r, xn, opts } = st;
  const y = new Float64Array(m),
    v = new Float64Array(r);
  const warm = ps.warmFaces(r, st.opts.warmScope);
  let upper = 0;
  for (let i = 0; i < order.length; i++) {
    const p = order[i];
    if (pb.bound[p] <= st.bar()) return { upper: Math.max(upper, pb.bound[p]), cutShort: false };
    if (opts.earlyDirection && st.attained > opts.earlyDirection.above && st.evaluated >= opts.earlyDirection.work) {
      // the caller has its direction: every pattern left has ‖Π_K(±g)‖ ≤ bound[p] (decreasing order), a sound M̄
      return { upper: Math.max(upper, pb.bound[p]), cutShort: true };
    }
    const pat = ps.bits.subarray(p * m, p * m + m);
    const g = pb.gAll.subarray(p * r, p * r + r);
    const gn = pb.bound[p] - pb.gRoundAll[p];
    // the seed pass visited every pattern this loop reaches (its bar was never higher); recomputed otherwise
    const seen = i < sp.count;
    const cutKnown = seen && sp.hasCut[i] === 1;
    if (!cutKnown) rowProducts(st, g, y);
    // this pattern's bound over both signs, kept for the run's next call (its ‖g_D‖ bound is kept already)
    let both = 0;
    for (const sgn of [1, -1]) {
      const again = seen
        ? sgn > 0
          ? sp.warmPlus[i]
          : sp.warmMinus[i]
        : warm
          ? lastFaceBound(st, warm, 2 * p + (sgn > 0 ? 0 : 1), pat, g, sgn, gn, pb.gRoundAll[p], v)
          : Infinity;
      if (again <= st.bar()) {
        upper = Math.max(upper, again);
        both = Math.max(both, again);
        continue;
      }
      const cut = cutKnown ? (sgn > 0 ? sp.plus[i] : sp.minus[i]) : oneConstraintCut(st, pat, y, sgn);
      // the difference of squares may cancel: its rounding (≤ 8ε(m + r)‖g‖²) is added under the root
      const one = Math.sqrt(Math.max(0, gn * gn - cut) + 8 * EPS * (m + r) * gn * gn) + pb.gRoundAll[p];
      if (one <= st.bar()) {
        upper = Math.max(upper, one);
        both = Math.max(both, one);
        continue;
      }
      const gs = sgn === 1 ? Float64Array.from(g) : g.map((x) => -x);
      const pr = projectCone(st.Xk, pat, gs, 1, undefined, undefined, st.bar());
      st.evaluated++;
      if (warm) keepFace(warm, 2 * p + (sgn > 0 ? 0 : 1), r, pr.active, pr.mu);
      let zn = 0,
        zmass = gn;
      for (let q = 0; q < r; q++) zn += pr.z[q] * pr.z[q];
      zn = Math.sqrt(zn);
      for (let a = 0; a < pr.active.length; a++) zmass += pr.mu[a] * xn[pr.active[a]];
      const proj = zn + pb.gRoundAll[p] + 4 * EPS * (m + r) * zmass;
      upper = Math.max(upper, proj);
      both = Math.max(both, proj);
      if (zn > 0) {
        const u = pr.z.map((x) => x / zn);
        st.offer(u, st.h(u));
      }
    }
    if (drift) drift.key[p] = Math.min(drift.key[p], both - drift.D);
  }
  return { upper, cutShort: false };
}

export interface MaximizeOptions {
  /** patterns whose bound is at most this are skipped (the value then only proves M ≤ stopBelow there) */
  stopBelow?: number;
  /** keep up to this many of the best directions met, besides the argmax (column generation adds several columns per call) */
  candidates?: number;
  /** only directions whose value exceeds this are kept (default stopBelow) */
  candidateFloor?: number;
  /** stop once a direction above `above` is attained and `work` cone projections are spent (M̄ stays sound, looser) */
  earlyDirection?: { above: number; work: number };
  /** the run whose last faces warm-start this call (OracleOptions.warmScope); none: cold */
  warmScope?: object;
}

export interface ScoredDirection {
  u: Float64Array;
  value: number;
}

/** The k best distinct directions offered with value above a floor (values recomputed by the caller). */
export class TopDirections {
  private items: ScoredDirection[] = [];
  constructor(
    private k: number,
    private floor: number,
  ) {}
  offer(u: ArrayLike<number>, value: number): void {
    if (this.k <= 0 || !(value > this.floor)) return;
    if (this.items.length >= this.k && value <= this.items[this.items.length - 1].value) return;
    // the same direction reached twice (e.g. ±g_D/‖g_D‖ inside its own cone, then its projection)
    for (const it of this.items) {
      let s = 0;
      for (let q = 0; q < u.length; q++) s += it.u[q] * u[q];
      if (s > 1 - 1e-12) return;
    }
    this.items.push({ u: Float64Array.from(u), value });
    this.items.sort((a, b) => b.value - a.value);
    if (this.items.length > this.k) this.items.length = this.k;
  }
  list(): ScoredDirection[] {
    return this.items;
  }
}

/**
 * The patterns' bits, pattern after pattern, in lexicographic order (row 0 first): neighbours share
 * their first rows' signs, where patternGradients resumes. Up to 52 rows a pattern is a float64 integer
 * (row j of m weighing 2^(m−1−j)) and the native numeric sort orders them.
 */
function sortedBits(out: Uint8Array[], m: number): Uint8Array {
  const bits = new Uint8Array(out.length * m);
  if (m > 52) {
    out.sort((a, b) => {
      for (let j = 0; j < m; j++) if (a[j] !== b[j]) return a[j] - b[j];
      return 0;
    });
    out.forEach((b, t) => bits.set(b, t * m));
    return bits;
  }
  const keys = new Float64Array(out.length);
  out.forEach((b, t) => {
    let key = 0;
    for (let j = 0; j < m; j++) key = 2 * key + b[j];
    keys[t] = key;
  });
  keys.sort();
  keys.forEach((key, t) => {
    for (let j = m - 1; j >= 0; j--) {
      const bit = key % 2;
      bits[t * m + j] = bit;
      key = (key - bit) / 2;
    }
  });
  return bits;
}

function packBits(b: Uint8Array): number[] {
  const out: number[] = [];
  for (let j = 0; j < b.length; j += 16) {
    let w = 0;
    for (let k = 0; k < 16 && j + k < b.length; k++) if (b[j + k]) w |= 1 << k;
    out.push(w);
  }
  return out;
}
