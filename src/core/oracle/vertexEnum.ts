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
 *   ‖g‖ ≤ the best value attained are skipped (‖Π_K g‖ ≤ ‖g‖), and so are those whose cell's cap
 *   bounds them there (cellCaps: a circular cone around the cell's extreme rays, built once; at a
 *   dual point where ‖g_D‖ ≫ M, g_D is nearly orthogonal to its small cell, and the cap gives
 *   ≈ ‖g_D‖·sin θ_D: at rank 6, n = 30 it leaves 6–40× fewer patterns above M than ‖g_D‖ does).
 * - Vertices in floating point. A row counts as vanishing at u0 when |x̂_jᵀu0| ≤ VERTEX_ZERO_TOL·‖x̂_j‖
 *   (generous: a false "vanishing" only adds patterns). A subset whose rows are nearly dependent
 *   cannot locate its vertex that accurately: below SUBSET_DEPENDENT_TOL it is taken as dependent
 *   (no vertex), between that and SUBSET_ILL_TOL the enumeration gives up exactness (Degenerate).
 *   So does a vertex where more than MAX_VANISHING rows vanish (2^k sign patterns).
 *
 * The pattern set does not depend on λ: it is built once per X̂ (PatternSet) and reused by every
 * call on the same data (the output-sphere search of vector outputs, column generation).
 * Cost: C(m, r−1) subsets × 2^r sign assignments to enumerate (the keys in a flat hash set: KeySet),
 * then one NNLS per distinct pattern that can beat the best value. Within a run (column generation)
 * each pattern keeps, per sign, its last face as v = Aᵀμ (a projection's, or the one constraint that
 * cut it), which bounds it again at O(r) at the next dual point; and its last bound, moved by the dual
 * point's change: by the all-rows step Σ_t |Δλ_t|·‖x̂_t‖ the pattern is not even looked at (DriftStore),
 * by its own step ‖X̂ᵀDΔλ‖, summed along the sorted prefixes with g_D, it often needs no cut (PatternStep).
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
 * multipliers, as Aᵀμ (PatternSet.warmFaces; 8(r + 1)/r bytes an entry, so at most 43 MB): column generation asks at
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
  private warm: (WarmFaces & { r: number; scope: object }) | null = null;

  /**
   * The warm-start store for rank r and this run (MaximizeOptions.warmScope), cleared when another run
   * asks: the pattern set outlives a run (noBias.ts caches it by content). Null without a scope or when
   * too large (PATTERN_WARM_MAX_ENTRIES).
   */
  warmFaces(r: number, scope: object | undefined): WarmFaces | null {
    if (!scope) return null;
    if (this.warm?.r === r && this.warm.scope === scope) return this.warm;
    if (this.count * 2 * r > PATTERN_WARM_MAX_ENTRIES) return null;
    if (this.warm?.r === r) {
      this.warm.v.fill(-1);
      this.warm.scope = scope;
    } else this.warm = { r, scope, v: new Float64Array(this.count * 2 * (r + 1)).fill(-1) };
    return this.warm;
  }

  private buffers: (PatternBounds & { r: number }) | null = null;

  /** per-pattern work arrays, reused by every call at rank r (only the entries a call writes are read) */
  scratch(r: number): PatternBounds {
    if (this.buffers?.r !== r) {
      const c = this.count;
      this.buffers = { r, gAll: new Float64Array(c * r), bound: new Float64Array(c), gNorm: new Float64Array(c), gRoundAll: new Float64Array(c), carried: 0 };
    }
    return this.buffers;
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
      const key = new Float64Array(this.count).fill(Infinity);
      this.drift = { scope, lam: Float64Array.from(st.lk), D: 0, Dprev: 0, dlam: new Float64Array(st.m), key };
      return this.drift;
    }
    dr.Dprev = dr.D;
    dr.D = driftStep(dr.D, dr.lam, st);
    for (let t = 0; t < st.m; t++) dr.dlam[t] = st.lk[t] - dr.lam[t];
    dr.lam.set(st.lk);
    return dr;
  }

  /** each pattern's cell inside a circular cone (cellCaps), or null: none known */
  private readonly caps: CellCaps | null;

  private constructor(rows: Int32Array, bits: Uint8Array, count: number, visits: number, caps: CellCaps | null = null) {
    this.rows = rows;
    this.bits = bits;
    this.count = count;
    this.visits = visits;
    this.caps = caps;
  }

  /**
   * A sound bound on max_± max_{u∈K_D,‖u‖≤1} ±gᵀu for pattern p from its cap alone (O(r)): Infinity
   * without one. g as computed; the caller adds g's own rounding.
   */
  capBound(p: number, g: Float64Array, go: number, gn: number): number {
    return this.caps ? capBoundOf(this.caps, p, g, go, gn) : Infinity;
  }

  /** Throws BudgetExceeded past `budget` visits, Degenerate when exactness cannot be had. */
  static build(Xh: Float64Array, n: number, r: number, budget: number, shouldStop?: () => boolean): PatternSet {
    const { keep, U } = normalizedRows(Xh, n, r);
    const m = keep.length;
    if (m === 0 || r < 2) throw new Degenerate('fewer than two dimensions');
    const k = r - 1;
    const sub = new Int32Array(k);
    for (let t = 0; t < k; t++) sub[t] = t;
    const rowsBuf = new Float64Array(k * r);
    const u0 = new Float64Array(r);
    const base = new Uint8Array(m);
    const vanish: number[] = [];
    const seen = new Set<string>();
    const numericKey = m <= 52;
    // up to 52 rows a pattern is the float64 integer Σ_j b_j·2^(m−1−j) (sortedBits' order), kept in a flat hash set
    const keys = new KeySet(numericKey ? generalPositionPatternBound(m, r) : 0, numericKey);
    const weight = Float64Array.from({ length: m }, (_, j) => 2 ** (m - 1 - j));
    const out: Uint8Array[] = [];
    // the vertices, and each add's slot (KeySet record): the cells' caps
    const vertices = numericKey ? new VertexList(r) : null;
    let visits = 0;
    const cur = new Uint8Array(m);
    const keyOf = (b: Uint8Array): string | number => {
      if (numericKey) {
        let key = 0;
        for (let j = 0; j < m; j++) if (b[j]) key += weight[j];
        return key;
      }
      return String.fromCharCode(...packBits(b));
    };
    for (;;) {
      if (shouldStop?.()) throw new CancelledError('oracle');
      for (let t = 0; t < k; t++) rowsBuf.set(U.subarray(sub[t] * r, sub[t] * r + r), t * r);
      const ratio = nullDirection(rowsBuf, k, r, u0);
      if (vertices && ratio < SUBSET_DEPENDENT_TOL) vertices.dependent = true;
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
        vertices?.add(u0, vanish.length);
        for (let side = 0; side < 2; side++) {
          for (let j = 0; j < m; j++) cur[j] = side === 0 ? base[j] : 1 - base[j];
          for (const v of vanish) cur[v] = 0;
          // numeric keys: the fixed rows' part once, then one term per vanishing row set
          const fixed = numericKey ? (keyOf(cur) as number) : 0;
          for (let mask = 0; mask < combos; mask++) {
            if (numericKey) {
              let kk = fixed;
              for (let v = 0; v < vanish.length; v++) if ((mask >> v) & 1) kk += weight[vanish[v]];
              keys.add(kk);
              continue;
            }
            for (let v = 0; v < vanish.length; v++) cur[vanish[v]] = (mask >> v) & 1;
            const key = keyOf(cur) as string;
            if (!seen.has(key)) {
              seen.add(key);
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
    if (numericKey) {
      const sorted = keys.sorted();
      const caps = vertices && !vertices.dependent ? cellCaps(vertices, keys.size, keys.visitIndex(sorted)) : null;
      return new PatternSet(Int32Array.from(keep), bitsOfKeys(sorted, m), keys.size, visits, caps);
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
    const pb = patternGradients(this, st, look, drift);
    const kept: number[] = [];
    for (const p of look) {
      if (drift) drift.key[p] = pb.bound[p] - drift.D;
      if (pb.bound[p] > bar0) kept.push(p);
      else below = Math.max(below, pb.bound[p]);
    }
    const order = byDecreasing(kept, pb.bound);
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
      info: `${this.count} distinct patterns from ${this.visits} vertex sign assignments${drift ? `, ${this.count - look.length} bounded by the run's earlier calls, ${pb.carried} by their own step since the last call` : ''}${cutShort ? " (stopped early: a direction above the caller's bar was found)" : ''}`,
      candidates: st.keepTop.list(),
      cutShort,
    };
  }
}

/** X̂'s nonzero rows (indices into X̂) and those rows normalized (m×r) */
function normalizedRows(Xh: Float64Array, n: number, r: number): { keep: number[]; U: Float64Array } {
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
  const U = new Float64Array(keep.length * r);
  for (let t = 0; t < keep.length; t++) for (let q = 0; q < r; q++) U[t * r + q] = Xh[keep[t] * r + q] / norms[t];
  return { keep, U };
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
  /** the constraint of the last oneConstraintCut (−1: none cuts) */
  cutRow = -1;

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
 * min(‖g_D‖, carried) + rounding ≥ ‖Π_K(±g_D)‖ (entries of the other patterns stay 0, unused). The
 * carried bound is the run's bound at the last call's point moved by this pattern's own step
 * ‖X̂ᵀD(λ − λ_last)‖ (Π_K is 1-Lipschitz), summed along the same prefixes: far smaller than the
 * all-rows step Σ_t |Δλ_t|·‖x̂_t‖ that lets a pattern skip this pass (driftBound).
 */
function patternGradients(ps: PatternSet, st: MaximizeState, look: number[], drift: DriftStore | null): PatternBounds {
  const { m, r, lk, xn } = st,
    X = st.Xk.data;
  const pb = ps.scratch(r),
    { gAll, bound, gNorm, gRoundAll } = pb;
  pb.carried = 0;
  const step = drift && drift.D > 0 ? new PatternStep(m, r, drift) : null;
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
      step?.add(t, bits[o + t] === 1, X, xn[t]);
    }
    const mass = preMass[m];
    let gn = 0;
    for (let q = 0; q < r; q++) {
      const v = (gAll[p * r + q] = pre[m * r + q]);
      gn += v * v;
    }
    gNorm[p] = Math.sqrt(gn);
    gRoundAll[p] = 4 * EPS * (m + r) * mass; // rounding of g's entries, per unit u
    const own = step ? step.carried(p) : Infinity;
    bound[p] = Math.min(gNorm[p], ps.capBound(p, gAll, p * r, gNorm[p])) + gRoundAll[p];
    if (own < bound[p]) {
      bound[p] = own;
      pb.carried++;
    }
  }
  return pb;
}

/**
 * Running sums of X̂ᵀD(λ − λ_last) along the prefixes (patternGradients' order): the pattern's own
 * step from the last call, and the run's bound there (driftBound at D_last) moved by it.
 */
class PatternStep {
  private readonly pre: Float64Array;
  private readonly preMass: Float64Array;
  constructor(
    private readonly m: number,
    private readonly r: number,
    private readonly drift: DriftStore,
  ) {
    this.pre = new Float64Array((m + 1) * r);
    this.preMass = new Float64Array(m + 1);
  }
  /** row t's term (if on) after the prefix before it */
  add(t: number, on: boolean, X: Float64Array, xnT: number): void {
    const { r, pre, preMass } = this,
      dl = this.drift.dlam[t],
      a = t * r;
    if (on && dl !== 0) {
      preMass[t + 1] = preMass[t] + Math.abs(dl) * xnT;
      for (let q = 0; q < r; q++) pre[a + r + q] = pre[a + q] + dl * X[a + q];
    } else {
      preMass[t + 1] = preMass[t];
      for (let q = 0; q < r; q++) pre[a + r + q] = pre[a + q];
    }
  }
  /**
   * b_last + ‖X̂ᵀDΔλ‖, rounded up: Δλ's own rounding and the sum's (8ε(m + r) of Σ_{t∈D}|Δλ_t|‖x̂_t‖),
   * the norm's, and the addition's; Infinity without a bound at the last call.
   */
  carried(p: number): number {
    const dr = this.drift,
      key = dr.key[p];
    if (key === Infinity) return Infinity;
    const { m, r, pre } = this;
    let s = 0;
    for (let q = 0; q < r; q++) s += pre[m * r + q] ** 2;
    const last = key + dr.Dprev + 4 * EPS * (Math.abs(key) + 2 * dr.Dprev);
    return (last + Math.sqrt(s) + 8 * EPS * (m + r) * this.preMass[m]) * (1 + 2 * EPS);
  }
}

/** y = X̂_D-rows·g for every kept row (y_t = x_tᵀg): one pass serves h(±g/‖g‖) and both signs' one-constraint cuts. */
function rowProducts(st: MaximizeState, gAll: Float64Array, go: number, y: Float64Array): void {
  const { m, r } = st,
    X = st.Xk.data;
  for (let t = 0; t < m; t++) {
    let z = 0;
    for (let q = 0; q < r; q++) z += X[t * r + q] * gAll[go + q];
    y[t] = z;
  }
}

/**
 * One constraint's multiplier alone already bounds ‖Π_K(±g)‖ (weak duality with μ = μ_j e_j):
 * ‖g‖² − max_j (a_jᵀg)_−²/‖a_j‖², with a_j = ±x_j by the pattern; returns that max for the sign sgn.
 */
function oneConstraintCut(st: MaximizeState, bits: Uint8Array, po: number, y: Float64Array, sgn: number): number {
  const { m, xn } = st;
  let cut = 0;
  st.cutRow = -1;
  for (let t = 0; t < m; t++) {
    const z = y[t] * (bits[po + t] ? sgn : -sgn);
    if (z < 0) {
      const c = (z * z) / (xn[t] * xn[t]);
      if (c > cut) {
        cut = c;
        st.cutRow = t;
      }
    }
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
  /** the constraint giving each cut (−1: none) */
  plusRow: Int32Array;
  minusRow: Int32Array;
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
    plusRow: new Int32Array(len).fill(-1),
    minusRow: new Int32Array(len).fill(-1),
    warmPlus: new Float64Array(len).fill(Infinity),
    warmMinus: new Float64Array(len).fill(Infinity),
  };
  const warm = ps.warmFaces(r, st.opts.warmScope);
  const dir = new Float64Array(r);
  const y = new Float64Array(m);
  const { gAll, gRoundAll } = pb,
    bits = ps.bits;
  let i = 0;
  for (; i < len; i++) {
    const p = order[i];
    if (pb.bound[p] <= st.bar()) break;
    const gn = pb.gNorm[p];
    if (!(gn > 0)) {
      sp.hasCut[i] = 1;
      continue;
    }
    const go = p * r;
    if (warm) {
      sp.warmPlus[i] = lastFaceBound(st, warm, 2 * p, gAll, go, 1, gn, gRoundAll[p]);
      sp.warmMinus[i] = lastFaceBound(st, warm, 2 * p + 1, gAll, go, -1, gn, gRoundAll[p]);
      if (Math.max(sp.warmPlus[i], sp.warmMinus[i]) <= st.bar()) continue;
    }
    rowProducts(st, gAll, go, y);
    sp.hasCut[i] = 1;
    sp.plus[i] = oneConstraintCut(st, bits, p * m, y, 1);
    sp.plusRow[i] = st.cutRow;
    sp.minus[i] = oneConstraintCut(st, bits, p * m, y, -1);
    sp.minusRow[i] = st.cutRow;
    let hp = 0,
      hm = 0;
    for (let t = 0; t < m; t++) {
      const z = y[t] / gn;
      if (z > 0) hp += lk[t] * z;
      else if (z < 0) hm -= lk[t] * z;
    }
    for (let sgn = 1; sgn >= -1; sgn -= 2) {
      for (let q = 0; q < r; q++) dir[q] = (sgn * gAll[go + q]) / gn;
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
function lastFaceBound(st: MaximizeState, warm: WarmFaces, slot: number, gAll: Float64Array, go: number, sg: number, gn: number, gRound: number): number {
  const { m, r } = st,
    W = warm.v;
  const o = slot * (r + 1),
    mass = W[o + r];
  if (mass < 0) return Infinity;
  let gv = 0,
    vv = 0;
  for (let q = 0; q < r; q++) {
    gv += sg * gAll[go + q] * W[o + q];
    vv += W[o + q] * W[o + q];
  }
  const s = vv > 0 && gv < 0 ? -gv / vv : 0;
  let zn = 0;
  for (let q = 0; q < r; q++) zn += (sg * gAll[go + q] + s * W[o + q]) ** 2;
  return Math.sqrt(zn) + gRound + 4 * EPS * (m + r) * (gn + s * mass);
}

/**
 * Store a projection's face for the next call as v = Aᵀμ (at most r rows: a face of K in R^r) and its
 * mass Σ μ_a‖x̂_a‖: lastFaceBound then costs O(r). v's rounding is within lastFaceBound's allowance.
 */
function keepFace(st: MaximizeState, warm: WarmFaces, slot: number, bits: Uint8Array, po: number, active: number[], mu: number[]): void {
  const { r, xn } = st,
    X = st.Xk.data,
    W = warm.v;
  const o = slot * (r + 1);
  const k = Math.min(active.length, r);
  W.fill(0, o, o + r + 1);
  for (let a = 0; a < k; a++) {
    const j = active[a];
    const sm = mu[a] * (bits[po + j] ? 1 : -1);
    for (let q = 0; q < r; q++) W[o + q] += sm * X[j * r + q];
    W[o + r] += mu[a] * xn[j];
  }
  if (k === 0) W[o + r] = -1;
}

/** keepFace for the one-row face {row} with μ = 1 (the face of a one-constraint cut), without allocating */
function keepRowFace(st: MaximizeState, warm: WarmFaces, slot: number, sign: number, row: number): void {
  const { r } = st,
    X = st.Xk.data,
    W = warm.v;
  const o = slot * (r + 1);
  for (let q = 0; q < r; q++) W[o + q] = sign * X[row * r + q];
  W[o + r] = st.xn[row];
}

/**
 * The run's last faces (PatternSet.warmFaces): per pattern and sign (slot 2p or 2p + 1, r + 1
 * entries each) v = Aᵀμ of the last projection and Σ μ_a‖x̂_a‖; a negative mass: none.
 */
interface WarmFaces {
  v: Float64Array;
}

/** bound: a sound bound on max_± ‖Π_K(±g_D)‖ (‖g_D‖ + rounding, or less); gNorm: ‖g_D‖ as computed */
type PatternBounds = { gAll: Float64Array; bound: Float64Array; gNorm: Float64Array; gRoundAll: Float64Array; carried: number };

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
  /** D at the last call, and λ − λ_last on the kept rows (PatternStep) */
  Dprev: number;
  dlam: Float64Array;
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
  const y = new Float64Array(m);
  const warm = ps.warmFaces(r, st.opts.warmScope);
  const { gAll, gRoundAll } = pb,
    bits = ps.bits;
  let upper = 0;
  for (let i = 0; i < order.length; i++) {
    const p = order[i];
    if (pb.bound[p] <= st.bar()) return { upper: Math.max(upper, pb.bound[p]), cutShort: false };
    if (opts.earlyDirection && st.attained > opts.earlyDirection.above && st.evaluated >= opts.earlyDirection.work) {
      // the caller has its direction: every pattern left has ‖Π_K(±g)‖ ≤ bound[p] (decreasing order), a sound M̄
      return { upper: Math.max(upper, pb.bound[p]), cutShort: true };
    }
    const go = p * r,
      po = p * m;
    const gn = pb.gNorm[p];
    // the seed pass visited every pattern this loop reaches (its bar was never higher); recomputed otherwise
    const seen = i < sp.count;
    const cutKnown = seen && sp.hasCut[i] === 1;
    if (!cutKnown) rowProducts(st, gAll, go, y);
    // this pattern's bound over both signs, kept for the run's next call (its ‖g_D‖ bound is kept already)
    let both = 0;
    for (let sgn = 1; sgn >= -1; sgn -= 2) {
      const again = seen
        ? sgn > 0
          ? sp.warmPlus[i]
          : sp.warmMinus[i]
        : warm
          ? lastFaceBound(st, warm, 2 * p + (sgn > 0 ? 0 : 1), gAll, go, sgn, gn, gRoundAll[p])
          : Infinity;
      if (again <= st.bar()) {
        upper = Math.max(upper, again);
        both = Math.max(both, again);
        continue;
      }
      const cut = cutKnown ? (sgn > 0 ? sp.plus[i] : sp.minus[i]) : oneConstraintCut(st, bits, po, y, sgn);
      const row = cutKnown ? (sgn > 0 ? sp.plusRow[i] : sp.minusRow[i]) : st.cutRow;
      // the difference of squares may cancel: its rounding (≤ 8ε(m + r)‖g‖²) is added under the root
      const one = Math.sqrt(Math.max(0, gn * gn - cut) + 8 * EPS * (m + r) * gn * gn) + pb.gRoundAll[p];
      if (one <= st.bar()) {
        // that constraint alone is this sign's face for the next call (lastFaceBound then gives the same cut at O(r))
        if (warm && row >= 0) keepRowFace(st, warm, 2 * p + (sgn > 0 ? 0 : 1), bits[po + row] ? 1 : -1, row);
        upper = Math.max(upper, one);
        both = Math.max(both, one);
        continue;
      }
      const gs = new Float64Array(r);
      for (let q = 0; q < r; q++) gs[q] = sgn * gAll[go + q];
      const pr = projectCone(st.Xk, bits.subarray(po, po + m), gs, 1, undefined, undefined, st.bar());
      st.evaluated++;
      if (warm) keepFace(st, warm, 2 * p + (sgn > 0 ? 0 : 1), bits, po, pr.active, pr.mu);
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
 * their first rows' signs, where patternGradients resumes. (Up to 52 rows: bitsOfKeys.)
 */
function sortedBits(out: Uint8Array[], m: number): Uint8Array {
  const bits = new Uint8Array(out.length * m);
  out.sort((a, b) => {
    for (let j = 0; j < m; j++) if (a[j] !== b[j]) return a[j] - b[j];
    return 0;
  });
  out.forEach((b, t) => bits.set(b, t * m));
  return bits;
}

/** sortedBits for patterns given as ascending float64 integers (row j of m weighing 2^(m−1−j)): the same order */
function bitsOfKeys(keys: Float64Array, m: number): Uint8Array {
  const bits = new Uint8Array(keys.length * m);
  keys.forEach((key, t) => {
    for (let j = m - 1; j >= 0; j--) {
      const bit = key % 2;
      bits[t * m + j] = bit;
      key = (key - bit) / 2;
    }
  });
  return bits;
}

/** Below this many items byDecreasing uses the comparison sort (the radix passes cost 4 × 65,536 counts). */
const RADIX_SORT_MIN = 32_768;
const LITTLE_ENDIAN = new Uint8Array(new Float64Array([1]).buffer)[7] === 0x3f;

/**
 * `idx` ordered by decreasing key[idx], ties in their given order: the same order as a stable
 * comparison sort. Nonnegative finite float64 keys order as their bit patterns, so an LSD radix sort
 * on the complemented bits (four 16-bit passes) gives it in linear time (~300k patterns a call at rank 6).
 */
export function byDecreasing(idx: number[], key: Float64Array): number[] {
  const n = idx.length;
  let plain = n < RADIX_SORT_MIN || !LITTLE_ENDIAN;
  for (let i = 0; i < n && !plain; i++) plain = !(key[idx[i]] >= 0 && key[idx[i]] < Infinity);
  if (plain) return idx.sort((a, b) => key[b] - key[a]);
  const k64 = new Float64Array(n);
  for (let i = 0; i < n; i++) k64[i] = key[idx[i]];
  const words = new Uint32Array(k64.buffer); // [lo, hi] per key
  let cur = Int32Array.from(idx),
    nxt = new Int32Array(n);
  let pos = new Int32Array(n),
    posNext = new Int32Array(n);
  for (let i = 0; i < n; i++) pos[i] = i;
  const count = new Int32Array(65537);
  for (let pass = 0; pass < 4; pass++) {
    const w = pass >> 1,
      shift = (pass & 1) * 16;
    const digit = (i: number) => (~words[2 * pos[i] + w] >>> shift) & 0xffff;
    count.fill(0);
    for (let i = 0; i < n; i++) count[digit(i) + 1]++;
    for (let d = 0; d < 65536; d++) count[d + 1] += count[d];
    for (let i = 0; i < n; i++) {
      const at = count[digit(i)]++;
      nxt[at] = cur[i];
      posNext[at] = pos[i];
    }
    [cur, nxt] = [nxt, cur];
    [pos, posNext] = [posNext, pos];
  }
  return Array.from(cur);
}

/**
 * A set of nonnegative float64 integers below 2^53 (open addressing, linear probing, at most half
 * full): the pattern keys of PatternSet.build without a boxed number or a Uint8Array per pattern.
 */
class KeySet {
  private table: Float64Array;
  size = 0;
  /** with `record`: the slot of every key added, in order (moved along when the table grows); see visitIndex */
  private slots: Int32Array | null;
  recorded = 0;

  /** sizeHint: the keys expected (the table starts at twice that, so it rarely grows) */
  constructor(sizeHint: number, record: boolean) {
    let size = 1 << 16;
    while (size < 2 * sizeHint && size < 1 << 22) size *= 2;
    this.table = new Float64Array(size).fill(-1);
    this.slots = record ? new Int32Array(1 << 16) : null;
  }

  add(key: number): void {
    let mask = this.table.length - 1;
    let i = KeySet.hash(key) & mask;
    for (let at = this.table[i]; at !== -1 && at !== key; at = this.table[i]) i = (i + 1) & mask;
    if (this.slots) {
      if (this.recorded === this.slots.length) {
        const more = new Int32Array(2 * this.slots.length);
        more.set(this.slots);
        this.slots = more;
      }
      this.slots[this.recorded++] = i;
    }
    if (this.table[i] === key) return;
    this.table[i] = key;
    if (++this.size * 2 <= this.table.length) return;
    const old = this.table;
    this.table = new Float64Array(2 * old.length).fill(-1);
    mask = this.table.length - 1;
    const moved = this.slots ? new Int32Array(old.length) : null;
    old.forEach((k, o) => {
      if (k === -1) return;
      let j = KeySet.hash(k) & mask;
      while (this.table[j] !== -1) j = (j + 1) & mask;
      this.table[j] = k;
      if (moved) moved[o] = j;
    });
    if (moved && this.slots) for (let v = 0; v < this.recorded; v++) this.slots[v] = moved[this.slots[v]];
  }

  /** the recorded adds as indices into `sorted` (this set's keys ascending): each add's pattern */
  visitIndex(sorted: Float64Array): Int32Array {
    const rank = new Int32Array(this.table.length);
    this.table.forEach((k, slot) => {
      if (k === -1) return;
      let lo = 0,
        hi = sorted.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (sorted[mid] < k) lo = mid + 1;
        else hi = mid;
      }
      rank[slot] = lo;
    });
    const at = new Int32Array(this.recorded);
    const slots = this.slots ?? new Int32Array(0);
    for (let v = 0; v < this.recorded; v++) at[v] = rank[slots[v]];
    return at;
  }

  /** the keys, ascending */
  sorted(): Float64Array {
    const out = new Float64Array(this.size);
    let n = 0;
    for (const k of this.table) if (k !== -1) out[n++] = k;
    return out.sort();
  }

  static hash(key: number): number {
    const lo = key % 4294967296,
      hi = (key - lo) / 4294967296;
    let h = Math.imul((lo | 0) ^ Math.imul(hi | 0, 0x9e3779b1), 0x85ebca6b);
    h ^= h >>> 15;
    return Math.imul(h, 0xc2b2ae35) ^ (h >>> 13);
  }
}

/**
 * Angle added to each cap's half-angle at build and again when bounding (radians): covers the
 * vertices' own error (≲ rε/SUBSET_ILL_TOL ≈ 10⁻⁹) and acos's amplification of the cosines' rounding
 * near angle 0 (√(2·8ε) ≈ 6·10⁻⁸).
 */
export const CAP_ANGLE_ALLOWANCE = 1e-6;

/**
 * The vertices met by PatternSet.build (numeric keys), in order: per vertex its unit direction u0 and
 * where its run of sign assignments starts among the build's recorded adds (KeySet.visitIndex): 2^k
 * patterns at +u0, then 2^k at −u0 (k vanishing rows). `dependent`: a subset was taken as dependent,
 * so a cell might have an extreme ray that no vertex here gives (then no caps).
 */
class VertexList {
  dependent = false;
  count = 0;
  u = new Float64Array(0);
  start = new Int32Array(1);
  constructor(readonly r: number) {}
  add(u0: Float64Array, vanishing: number): void {
    const { r } = this;
    if (this.count * r === this.u.length) {
      const size = Math.max(1024, 2 * this.count);
      const u = new Float64Array(size * r),
        start = new Int32Array(size + 1);
      u.set(this.u);
      start.set(this.start);
      this.u = u;
      this.start = start;
    }
    this.u.set(u0, this.count * r);
    this.start[this.count + 1] = this.start[this.count] + 2 * 2 ** vanishing;
    this.count++;
  }
}

/**
 * Per pattern a circular cone {u : ∠(u, c) ≤ θ} containing its cell K_D, θ < 90° (else none: NaN).
 * Every extreme ray of K_D is a vertex ±u0 where the pattern was listed (PatternSet's header), and a
 * convex cone containing a pointed cone's extreme rays contains the cone: so c = the normalized sum of
 * those rays and θ = their largest angle from c, plus CAP_ANGLE_ALLOWANCE. λ-independent: built once.
 */
interface CellCaps {
  r: number;
  /** unit axes, count×r */
  c: Float64Array;
  /** half-angles in radians (NaN: no cap) */
  theta: Float64Array;
}

function cellCaps(vl: VertexList, count: number, at: Int32Array): CellCaps | null {
  if (vl.dependent) return null;
  const { r, start } = vl;
  const U = vl.u;
  const c = new Float64Array(count * r);
  // a vertex's run: its first half lists the patterns at +u0, the second those at −u0
  for (let v = 0; v < vl.count; v++)
    for (let i = start[v], half = (start[v] + start[v + 1]) / 2; i < start[v + 1]; i++) {
      const po = at[i] * r,
        sg = i < half ? 1 : -1;
      for (let q = 0; q < r; q++) c[po + q] += sg * U[v * r + q];
    }
  for (let p = 0; p < count; p++) {
    let s = 0;
    for (let q = 0; q < r; q++) s += c[p * r + q] ** 2;
    s = Math.sqrt(s);
    for (let q = 0; q < r; q++) c[p * r + q] /= s;
  }
  const cmin = new Float64Array(count).fill(2);
  for (let v = 0; v < vl.count; v++)
    for (let i = start[v], half = (start[v] + start[v + 1]) / 2; i < start[v + 1]; i++) {
      const p = at[i],
        sg = i < half ? 1 : -1;
      let d = 0;
      for (let q = 0; q < r; q++) d += sg * U[v * r + q] * c[p * r + q];
      if (!(d >= cmin[p])) cmin[p] = d;
    }
  const theta = new Float64Array(count);
  for (let p = 0; p < count; p++) {
    const t = Math.acos(Math.min(1, cmin[p])) + CAP_ANGLE_ALLOWANCE;
    theta[p] = t < Math.PI / 2 ? t : Number.NaN;
  }
  return { r, c, theta };
}

/**
 * max over ± and the cap of ±gᵀu, ‖u‖ ≤ 1: ‖g‖·cos(max(0, ψ − θ)) at ψ = ∠(±g, c), clipped at 0, with
 * CAP_ANGLE_ALLOWANCE more on θ (the rounding of ∠(g, c)) and the norm's rounding; Infinity without a cap.
 */
function capBoundOf(caps: CellCaps, p: number, g: Float64Array, go: number, gn: number): number {
  const { r, c } = caps,
    th = caps.theta[p];
  if (!(th < Math.PI / 2) || !(gn >= 0)) return Infinity;
  if (gn === 0) return 0;
  let gc = 0;
  for (let q = 0; q < r; q++) gc += g[go + q] * c[p * r + q];
  const phi = Math.acos(Math.max(-1, Math.min(1, Math.abs(gc) / gn)));
  const t = th + CAP_ANGLE_ALLOWANCE;
  const f = phi <= t ? 1 : Math.max(0, Math.cos(phi - t));
  return gn * Math.min(1, f + 4 * EPS) * (1 + 2 * (r + 2) * EPS);
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
