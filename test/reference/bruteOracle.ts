/**
 * Independent exact oracle for small instances (test-only reference):
 *
 *   M(Λ) = max_{‖u‖≤1} ‖Λᵀ(X̃u)_+‖₂       (MATH.md §2)
 *
 * for X̃ of rank ≤ 3 (any number of columns is fine once reduced) and outputs c ≥ 1.
 *
 * Method (deliberately different from the product's great-circle sweep):
 *  1. Reduce to the row space of X̃: with V an orthonormal basis of span{x̃_i} (r columns),
 *     A = X̃V. Components of u outside span{x̃_i} change nothing but cost norm, so the max over
 *     the unit ball of R^r with rows a_i is the same number.
 *  2. Enumerate activation patterns by the null-direction construction (MATH.md §3.5): every
 *     full-dimensional cell of the arrangement {a_iᵀu = 0} is a pointed cone (rows span R^r),
 *     hence has an extreme ray, and every extreme ray is the null direction ±u0 of r−1
 *     independent rows. Around u0 the rows that are non-zero at u0 keep their sign and the rows
 *     that vanish at u0 can take any sign the perturbation allows; we try every sign
 *     assignment (or, when too many rows vanish, the exact sub-arrangement inside u0^⊥,
 *     recursively). Patterns from random directions are added on top. Extra (even impossible)
 *     patterns are harmless: on the closed cone K_D = {u : (2D−I)Au ≥ 0} we have
 *     (Au)_+ = DAu, so every value we compute is attained by a real u.
 *  3. Per pattern, maximise ‖G u‖ with G = ΛᵀDA over K_D ∩ unit sphere EXACTLY: the maximiser
 *     lies in the relative interior of a face of K_D whose linear span L is R^r, a plane
 *     a_i^⊥ or a line a_i^⊥ ∩ a_j^⊥. Inside L it is a local, hence global, maximiser of the
 *     Rayleigh quotient ‖Gu‖²/‖u‖², i.e. a top eigenvector of G restricted to L. So the
 *     candidates are: the top right singular vectors of G on R^r, on every plane and on every
 *     line (both signs); the maximum over the feasible ones is the exact maximum. For c = 1 this
 *     is exactly "g, its projections onto the face planes and edge lines", and the max equals
 *     ‖Π_K(g)‖. (A repeated top eigenvalue makes the computed eigenvector arbitrary, but then
 *     the boundary rays of the eigenspace ∩ K lie on lower-dimensional faces that are also
 *     candidates, so the maximum is still found.)
 */
import type { Mat } from '../../src/core/linalg/mat';
import { cross, dotv, normv, rng, symEig, type Vec } from './small';

/** Relative tolerance under which a row counts as vanishing at a null direction. Generous on purpose: more zero rows only means more (harmless) patterns. */
const ZERO_ROW_TOL = 1e-9;
/** Cone membership slack for candidates (unit u, relative to ‖a_k‖): rounding only. */
const FEAS_TOL = 1e-12;
/** Singular values below this fraction of the largest are treated as exact zeros (rank cut). */
const RANK_TOL = 1e-11;

export interface Violator {
  /** unit direction in X̃ coordinates (length X̃.cols) */
  u: Float64Array;
  value: number;
}

export interface BruteOracleResult {
  /** max over feasible candidates: M(Λ) up to rounding */
  value: number;
  /** ‖Λᵀ(X̃u)_+‖ recomputed directly at `u`: an attained value (lower bound) */
  attained: number;
  /** unit maximiser in X̃ coordinates */
  u: Float64Array;
  rank: number;
  patterns: number;
  /** best direction of every pattern, best first (for column generation) */
  violators: Violator[];
}

/** Orthonormal basis of the row space of a set of rows (Gram eigenvectors), with the reduced rows. */
export function reduceRows(rows: Vec[], dim: number): { basis: Vec[]; reduced: Vec[] } {
  const G: number[][] = Array.from({ length: dim }, () => new Array<number>(dim).fill(0));
  for (const a of rows) for (let p = 0; p < dim; p++) for (let q = 0; q < dim; q++) G[p][q] += a[p] * a[q];
  const { vals, vecs } = symEig(G);
  const top = Math.max(vals[0] ?? 0, 0);
  const basis: Vec[] = [];
  if (top > 0) {
    for (let k = 0; k < dim; k++) if (vals[k] > RANK_TOL * RANK_TOL * top) basis.push(vecs.map((r) => r[k]));
  }
  const reduced = rows.map((a) => basis.map((b) => dotv(a, b)));
  return { basis, reduced };
}

function perp2(a: Vec): Vec {
  return [-a[1], a[0]];
}

/**
 * Sign vectors (+1 active, −1 inactive) covering every full-dimensional cell of the central
 * arrangement of `rows` (any dimension ≤ 3). Zero rows get −1 (they contribute nothing).
 */
export function enumerateSigns(rows: Vec[], dim: number, randomDirs = 0, seed = 1): Int8Array[] {
  const m = rows.length;
  const { reduced } = reduceRows(rows, dim);
  const r = reduced.length ? reduced[0].length : 0;
  const norms = reduced.map(normv);
  const maxNorm = Math.max(0, ...norms);
  const isZero = norms.map((nk) => !(nk > 1e-14 * maxNorm) || maxNorm === 0);
  const out = new Map<string, Int8Array>();
  const add = (s: Int8Array) => {
    const key = s.join(',');
    if (!out.has(key)) out.set(key, s);
  };
  if (r === 0) {
    add(new Int8Array(m).fill(-1));
    return [...out.values()];
  }
  if (r === 1) {
    for (const w of [1, -1]) add(Int8Array.from(reduced, (a, k) => (!isZero[k] && a[0] * w > 0 ? 1 : -1)));
    return [...out.values()];
  }
  // Null directions of r−1 independent rows.
  const nulls: Vec[] = [];
  const live = [...Array(m).keys()].filter((k) => !isZero[k]);
  if (r === 2) {
    for (const i of live) {
      const p = perp2(reduced[i]);
      const np = normv(p);
      nulls.push(p.map((x) => x / np));
    }
  } else {
    for (let ii = 0; ii < live.length; ii++)
      for (let jj = ii + 1; jj < live.length; jj++) {
        const i = live[ii],
          j = live[jj];
        const c = cross(reduced[i], reduced[j]);
        const nc = normv(c);
        if (nc > ZERO_ROW_TOL * norms[i] * norms[j]) nulls.push(c.map((x) => x / nc));
      }
  }
  for (const n0 of nulls) {
    for (const sgn of [1, -1]) {
      const u0 = n0.map((x) => sgn * x);
      const base = new Int8Array(m).fill(-1);
      const zero: number[] = [];
      for (const k of live) {
        const t = dotv(reduced[k], u0);
        if (Math.abs(t) <= ZERO_ROW_TOL * norms[k]) zero.push(k);
        else base[k] = t > 0 ? 1 : -1;
      }
      if (zero.length <= 8) {
        // every sign assignment of the vanishing rows (the brief's construction)
        for (let mask = 0; mask < 1 << zero.length; mask++) {
          const s = base.slice();
          zero.forEach((k, b) => (s[k] = (mask >> b) & 1 ? 1 : -1));
          add(s);
        }
      } else {
        // Many vanishing rows (collinear data, duplicates): the signs reachable by a small
        // perturbation u0 + εw are the cells of the projected rows inside u0^⊥. Exact and cheap.
        const sub = zero.map((k) => {
          const a = reduced[k];
          const t = dotv(a, u0);
          return a.map((x, q) => x - t * u0[q]);
        });
        for (const ss of enumerateSigns(sub, r, 0, seed)) {
          const s = base.slice();
          zero.forEach((k, b) => (s[k] = ss[b]));
          add(s);
        }
      }
    }
  }
  const rand = rng(seed * 7919 + 17);
  for (let t = 0; t < randomDirs; t++) {
    const w = Array.from({ length: r }, () => rand() * 2 - 1);
    add(Int8Array.from(reduced, (a, k) => (!isZero[k] && dotv(a, w) > 0 ? 1 : -1)));
  }
  return [...out.values()];
}

/** Top eigenvector of a symmetric 2×2 [[a, b], [b, d]] (arbitrary but valid when isotropic). */
function top2(a: number, b: number, d: number): [number, number] {
  const lam = (a + d) / 2 + Math.hypot((a - d) / 2, b);
  const v1: [number, number] = [lam - d, b];
  const v2: [number, number] = [b, lam - a];
  const n1 = Math.hypot(v1[0], v1[1]),
    n2 = Math.hypot(v2[0], v2[1]);
  if (n1 === 0 && n2 === 0) return a >= d ? [1, 0] : [0, 1];
  return n1 >= n2 ? [v1[0] / n1, v1[1] / n1] : [v2[0] / n2, v2[1] / n2];
}

/** Top right singular vector of the c×q matrix H (rows H[k]); q ≤ 3. Null if H = 0. */
function topRight(H: Vec[], q: number): Vec | null {
  const c = H.length;
  if (q === 1) return [1];
  if (c === 1) {
    const n = normv(H[0]);
    return n > 0 ? H[0].map((x) => x / n) : null;
  }
  if (q === 2) {
    let a = 0,
      b = 0,
      d = 0;
    for (const h of H) {
      a += h[0] * h[0];
      b += h[0] * h[1];
      d += h[1] * h[1];
    }
    if (a + d === 0) return null;
    return top2(a, b, d);
  }
  if (c === 2) {
    // via the 2×2 Gram H Hᵀ: u ∝ Hᵀw
    const w = top2(dotv(H[0], H[0]), dotv(H[0], H[1]), dotv(H[1], H[1]));
    const u = [0, 1, 2].map((p) => w[0] * H[0][p] + w[1] * H[1][p]);
    const n = normv(u);
    return n > 0 ? u.map((x) => x / n) : null;
  }
  const S: number[][] = Array.from({ length: q }, (_, p) => Array.from({ length: q }, (_, s) => H.reduce((acc, h) => acc + h[p] * h[s], 0)));
  const { vals, vecs } = symEig(S);
  if (!(vals[0] > 0)) return null;
  return vecs.map((row) => row[0]);
}

/**
 * Precomputes everything that depends on X̃ only (reduction, patterns, face geometry), so the
 * column generation can call `evaluate` many times cheaply.
 */
export class BruteOracle {
  readonly n: number;
  readonly p: number;
  readonly r: number;
  private readonly basis: Vec[];
  private readonly A: Vec[];
  private readonly rowNorm: number[];
  readonly signs: Int8Array[];
  private readonly lines: Vec[] = [];
  private readonly lineDots: Float64Array[] = []; // lineDots[e][k] = a_kᵀe
  private readonly planes: [Vec, Vec][] = [];

  constructor(Xt: Mat, randomDirs = 64, seed = 1) {
    this.n = Xt.rows;
    this.p = Xt.cols;
    const rows: Vec[] = [];
    for (let i = 0; i < this.n; i++) rows.push(Array.from(Xt.data.subarray(i * this.p, (i + 1) * this.p)));
    const { basis, reduced } = reduceRows(rows, this.p);
    if (basis.length > 3) throw new RangeError(`bruteOracle: rank ${basis.length} > 3 not supported`);
    this.basis = basis;
    this.A = reduced;
    this.r = basis.length;
    this.rowNorm = reduced.map(normv);
    this.signs = enumerateSigns(rows, this.p, randomDirs, seed);
    const r = this.r;
    const live = [...Array(this.n).keys()].filter((k) => this.rowNorm[k] > 0);
    if (r === 1) this.lines.push([1]);
    if (r === 2) for (const i of live) this.lines.push(perp2(this.A[i]).map((x) => x / this.rowNorm[i]));
    if (r === 3) {
      for (let ii = 0; ii < live.length; ii++) {
        const a = this.A[live[ii]].map((x) => x / this.rowNorm[live[ii]]);
        // orthonormal basis of the plane a^⊥
        const helper = Math.abs(a[0]) < 0.6 ? [1, 0, 0] : [0, 1, 0];
        const p1 = cross(a, helper);
        const n1 = normv(p1);
        const e1 = p1.map((x) => x / n1);
        const e2 = cross(a, e1);
        this.planes.push([e1, e2]);
        for (let jj = ii + 1; jj < live.length; jj++) {
          const c = cross(this.A[live[ii]], this.A[live[jj]]);
          const nc = normv(c);
          if (nc > 1e-13 * this.rowNorm[live[ii]] * this.rowNorm[live[jj]]) this.lines.push(c.map((x) => x / nc));
        }
      }
    }
    for (const e of this.lines) this.lineDots.push(Float64Array.from(this.A, (a) => dotv(a, e)));
  }

  /** u in reduced coordinates → X̃ coordinates */
  private lift(w: Vec): Float64Array {
    const u = new Float64Array(this.p);
    this.basis.forEach((b, k) => b.forEach((x, q) => (u[q] += w[k] * x)));
    return u;
  }

  /** ‖Λᵀ(X̃u)_+‖ computed directly from the reduced rows (u in reduced coordinates). */
  private valueAt(w: Vec, lam: Vec[]): number {
    const c = lam[0]?.length ?? 0;
    const acc = new Array<number>(c).fill(0);
    for (let k = 0; k < this.n; k++) {
      const z = dotv(this.A[k], w);
      if (z > 0) for (let q = 0; q < c; q++) acc[q] += lam[k][q] * z;
    }
    return normv(acc);
  }

  /**
   * @param keepAbove also report (in `violators`) the best direction of every pattern whose
   *   value may exceed this; patterns whose ‖ΛᵀDA‖_F (an upper bound on their value) is below
   *   both this and the best value found so far are skipped — that pruning is exact.
   */
  evaluate(Lambda: Mat, keepAbove = Infinity): BruteOracleResult {
    if (Lambda.rows !== this.n) throw new RangeError('bruteOracle: Λ has the wrong number of rows');
    const c = Lambda.cols,
      r = this.r;
    const lam: Vec[] = [];
    for (let k = 0; k < this.n; k++) lam.push(Array.from(Lambda.data.subarray(k * c, (k + 1) * c)));
    const violators: Violator[] = [];
    let best = 0;
    let bestW: Vec | null = null;
    if (r === 0) return { value: 0, attained: 0, u: new Float64Array(this.p), rank: 0, patterns: 0, violators };
    // G = ΛᵀDA per pattern (c rows of length r), visited by decreasing Frobenius norm
    const Gs = this.signs.map((s) => {
      const G: Vec[] = Array.from({ length: c }, () => new Array<number>(r).fill(0));
      for (let k = 0; k < this.n; k++) {
        if (s[k] !== 1) continue;
        for (let q = 0; q < c; q++) {
          const l = lam[k][q];
          if (l !== 0) for (let t = 0; t < r; t++) G[q][t] += l * this.A[k][t];
        }
      }
      let fro = 0;
      for (const g of G) fro += dotv(g, g);
      return { s, G, fro: Math.sqrt(fro) };
    });
    Gs.sort((a, b) => b.fro - a.fro);
    for (const { s, G, fro } of Gs) {
      if (fro * (1 + 1e-12) < Math.min(best, keepAbove) || fro === 0) continue;
      let pBest = 0;
      let pW: Vec | null = null;
      const Gu = (w: Vec) => {
        let ss = 0;
        for (const g of G) {
          const t = dotv(g, w);
          ss += t * t;
        }
        return Math.sqrt(ss);
      };
      // feasibility of ±w in K_D; returns +1, −1 or 0 (neither)
      const feasibleSign = (w: Vec, dots?: Float64Array): number => {
        let plus = true,
          minus = true;
        for (let k = 0; k < this.n && (plus || minus); k++) {
          const nk = this.rowNorm[k];
          if (nk === 0) continue;
          const t = (dots ? dots[k] : dotv(this.A[k], w)) * s[k];
          if (t < -FEAS_TOL * nk) plus = false;
          if (t > FEAS_TOL * nk) minus = false;
        }
        return plus ? 1 : minus ? -1 : 0;
      };
      const consider = (w: Vec | null, dots?: Float64Array) => {
        if (!w) return;
        const v = Gu(w);
        if (!(v > pBest)) return;
        const f = feasibleSign(w, dots);
        if (f === 0) return;
        pBest = v;
        pW = f === 1 ? w : w.map((x) => -x);
      };
      consider(topRight(G, r));
      for (const [e1, e2] of this.planes) {
        const H = G.map((g) => [dotv(g, e1), dotv(g, e2)]);
        const w2 = topRight(H, 2);
        if (w2) consider(e1.map((x, q) => w2[0] * x + w2[1] * e2[q]));
      }
      this.lines.forEach((e, idx) => consider(e, this.lineDots[idx]));
      if (pW) {
        violators.push({ u: this.lift(pW), value: pBest });
        if (pBest > best) {
          best = pBest;
          bestW = pW;
        }
      }
    }
    violators.sort((a, b) => b.value - a.value);
    const w = bestW ?? new Array<number>(r).fill(0);
    return {
      value: best,
      attained: bestW ? this.valueAt(w, lam) : 0,
      u: this.lift(w),
      rank: r,
      patterns: this.signs.length,
      violators,
    };
  }
}

/** One-shot convenience: M(Λ) for X̃ (n×p, rank ≤ 3) and Λ (n×c). */
export function bruteOracle(Xt: Mat, Lambda: Mat): BruteOracleResult {
  return new BruteOracle(Xt).evaluate(Lambda);
}
