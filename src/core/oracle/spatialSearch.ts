/**
 * Anytime SPATIAL branch and bound for M(Λ) = max_{‖u‖≤1} ‖Λᵀ(X̂u)_+‖ with c = 1, 2, 3 outputs at any
 * rank r (MATH.md §3.5b; derived for this project, tested against the all-patterns brute force in
 * test/oracle/spatialSearch.test.ts). It complements the sign-fixing search of globalSearch.ts: a node
 * costs O(|ambiguous|·r) flops instead of O(r) cone projections.
 *
 * Write M = max over unit u and unit output directions y of yᵀΛᵀ(X̂u)_+ = Σ_i (x_iᵀu)_+ λ_iᵀy.
 *
 * Regions. Directions are parametrized by the faces of cubes: u = w/‖w‖ with w on a face w_k = s of
 * [−1, 1]^r, and a node holds an axis-aligned box of such w (its cone has the 2(r−1) facet rows
 * e_j − lo_j·s·e_k ≥ 0 and hi_j·s·e_k − e_j ≥ 0). Output directions y = v/‖v‖ likewise with v on a
 * face of [−1, 1]^c (c = 1: y = ±1, the two signs of λ).
 *
 * Exact sign classes. Over a u-box, x_iᵀw ranges exactly over τ_i ± ρ_i (τ_i at the centre,
 * ρ_i = Σ_j |x_ij|h_j), widened by δ_i = ROUND·Σ_j|x_ij| for the rounding of both sums (|w_j| ≤ 1).
 * A sample with lo_i ≥ 0 is on (linear) throughout the box, hi_i ≤ 0 off, otherwise ambiguous.
 * Children only re-examine their parent's ambiguous samples.
 *
 * Output boxes. Every y in the cone of an output box is a nonnegative combination Σ a_j ŷ_j of its
 * unit corner directions ŷ_j (2^(c−1) of them), and with y0 the unit centre direction and
 * γ = min_j y0ᵀŷ_j > 0, 1 ≥ y0ᵀy = Σ a_j y0ᵀŷ_j ≥ γ Σ a_j. So yᵀΛᵀ(X̂u)_+ ≤ max(0, max_j ŷ_jᵀΛᵀ(X̂u)_+)/γ:
 * each corner is a scalar problem with weights l_i = λ_iᵀŷ_j, and 1/γ − 1 is second order in the
 * box's angular size (the argument of oracle/vector.ts's cells). c = 1: y = ±1, γ = 1, l = ±λ.
 *
 * Node bound. On the box, with t_i = x_iᵀw ∈ [lo_i, hi_i] and a_i = hi_i/(hi_i − lo_i) ∈ [0, 1],
 *   l_i > 0: l_i(t)_+ ≤ l_i a_i (t − lo_i)   (the secant),     l_i < 0: l_i(t)_+ ≤ l_i a_i t  ((t)_+ ≥ a t);
 * so f_l(w) ≤ Gᵀw + κ with κ = Σ_{amb, l_i>0} l_i a_i(−lo_i) ≥ 0, and f_l(u) = f_l(w)/‖w‖ (positive
 * homogeneity) ≤ min(max(0, P + κ)/N, ‖G‖ + κ/N), where P = Gᵀc + Σ_j |G_j|h_j = max_box Gᵀw and
 * N = min_box ‖w‖ ≥ 1. A 16ε(m + r + c)·Σ‖λ_i‖‖x_i‖₁ slack covers the rounding of these sums.
 *
 * Output-free bound. The same relaxation for all y at once: with G = S + Σ_amb a_i x_i λ_iᵀ and
 * κ_i = a_i(−lo_i), Λᵀ(X̂w)_+ ∈ Gᵀw + {Σ θ_i κ_i λ_i : θ ∈ [0, 1]^amb}, so ‖Λᵀ(X̂u)_+‖ ≤ F =
 * (‖Gᵀc + z0‖ + Σ_j h_j‖G_j‖ + ½Σ κ_i‖λ_i‖)/N with z0 = ½Σ κ_iλ_i (SpatialSearch.freeBound).
 *
 * Vertex bounds (r ≤ SPATIAL_VERTEX_MAX_RANK). Dividing by N = min ‖w‖ loses the first-order variation
 * of ‖w‖ across the box. With ĉ the unit centre, ‖w‖ ≥ ĉᵀw, and (convex ≥ 0)/(positive linear) is
 * quasiconvex, so (‖Gᵀw + z0‖ + ½Σκ_i‖λ_i‖)/ĉᵀw and, per corner, max(0, G_lᵀw + κ)/ĉᵀw are at most
 * their largest value at the box's 2^(r−1) vertices (SpatialSearch.atVertices); each bound is the
 * smaller of the two forms.
 *
 * Difference-of-convex vertex bounds (r ≤ SPATIAL_DC_MAX_RANK, dcVertexBound). The secants lose up to
 * l_i·a_i(−lo_i) per ambiguous l_i > 0 sample, and at n = 1000 a box of half-width ¼ still has ≈ 350
 * ambiguous samples: the losses add up to ≈ 2β. Keeping the l_i > 0 terms exact (convex) and replacing
 * only the l_i < 0 ones by their tangent at the box centre gives a convex majorant, maximized at a
 * vertex after dividing by ĉᵀw (quasiconvexity, as above). Its 2^(r−1)·|amb⁺| work is counted in nodes.
 * At the random-teacher dual point (n = 1000, r = 6, the last one of `optimize`): M̄/β at 10⁴, 10⁵,
 * 10⁶ nodes went from 7.61, 2.97, 1.48 (not closed, 76 CPU s) to 5.85, 2.29 and closed at 5.1·10⁵
 * nodes (31 CPU s) with M = 1.376β attained.
 *
 * Output-free difference-of-convex vertex bound (c > 1, r ≤ SPATIAL_DC_MAX_RANK, vectorDcVertexBound). The
 * secants of the output-free bound lose ½κ_i‖λ_i‖ per ambiguous sample; taking, for every output direction y,
 * the difference-of-convex majorant above and then the supremum over y keeps a convex majorant of ‖Λᵀ(X̂w)_+‖,
 * whose value at a vertex is the largest norm over a small zonotope spanned only by the samples that change
 * sign between the box centre and that vertex. At the iris-like dual point (certify's final call) M̄/β at 10⁴,
 * 10⁵, 10⁶ nodes went from 2.60, 1.17, 1.031 (29.5 CPU s) to 2.47, 1.19, 1.025 (17 CPU s), and with the
 * lower closing threshold for c > 1 (below) the search closes at 5.2·10⁵ nodes (6–8 CPU s) with M = 1.0108β.
 *
 * Nodes. A node is a u-box, classified once, carrying the output boxes still open on it; its bound is
 * min(F, the largest output box's bound). On the iris-like dual point (n = 150, r = 5, c = 3) F binds
 * at the open nodes (the full-face output boxes lose 1/γ = √3), so a child u-box re-bounds an output
 * box only where the parent's bound of it is at most the child's F (one node per box re-bounded, one
 * when none is): before this, each of the 2c output faces had its own copy of the u search. At that
 * dual point M̄/β after 10⁵ nodes went from 2.55 to 1.37 (shared u-boxes and F) and 1.16 (vertex
 * bounds); after 10⁶ from 1.36 to 1.046, with M ≥ 1.041β attained. The top output box is halved (by
 * its corners, without re-classifying) when its 1/γ looseness exceeds the u-box's.
 *
 * Closing. A u-box with k ≤ closeK ambiguous samples (SPATIAL_CLOSE_MAX_AMBIGUOUS for c = 1,
 * SPATIAL_VECTOR_CLOSE_MAX_AMBIGUOUS for c > 1) is closed by its local arrangement: for each of
 * the 2^k sign assignments, on the sub-cone K_s (the facet rows and the signed ambiguous rows)
 * f_l(u) = g_sᵀu exactly, and max_{K_s ∩ ball} g_sᵀu ≤ ‖g_s + Aᵀμ‖ for ANY μ ≥ 0 (weak duality,
 * linalg/cone.ts) — the NNLS's accuracy never affects soundness. For c = 1 the closed value is
 * exact; for c > 1 it is exact up to the factor 1/γ, so a closed u-box halves its top output box (by
 * corners first while their 1/γ looseness dominates, then by closing both halves) until every bound
 * meets the best value (relative SPATIAL_VECTOR_REL_TOL) or the threshold.
 *
 * Values attained are the true ‖Λᵀ(X̂u)_+‖ at box centres and at projections, so `attained` is a
 * lower bound on M. Anytime: the largest bound of an open node (or of a node dropped at the caller's
 * threshold), or the best value attained if larger, is a sound upper bound at every moment.
 * Nodes count box evaluations plus cone projections: work, not time.
 */
import { norm2, type Mat } from '../linalg/mat';
import { projectCone } from '../linalg/cone';
import { heapPop, heapPush } from './boundHeap';
import type { GlobalSearchOptions, GlobalSearchResult } from './globalSearch';
import { CancelledError } from '../errors';

/** A u-box is closed by its sign patterns once it has at most this many ambiguous samples (c = 1). */
export const SPATIAL_CLOSE_MAX_AMBIGUOUS = 7;
/**
 * c > 1: the same, lower because a closed u-box is then closed once per output box and its output boxes are halved
 * by 2^k-pattern enumerations: at the iris-like dual point (n = 150, r = 5, c = 3) the search closed at 5.2·10⁵ nodes
 * with 2 (6.8·10⁵ with 4), and with 7 was still 1.4% above the maximum at 10⁶.
 */
export const SPATIAL_VECTOR_CLOSE_MAX_AMBIGUOUS = 2;
/** c > 1: the search stops once every open bound is within this relative gap of the best value. */
export const SPATIAL_VECTOR_REL_TOL = 1e-9;
/** Ranks up to this bound the output-free bound also at the u-box's 2^(r−1) vertices (SpatialSearch.atVertices). */
export const SPATIAL_VERTEX_MAX_RANK = 8;
/** Ranks up to this bound output boxes also by their difference-of-convex form at the u-box's 2^(r−1) vertices (dcVertexBound). */
export const SPATIAL_DC_MAX_RANK = 8;
/** c > 1: generators of a vertex's zonotope enumerated by sign in vectorDcVertexBound (the others by the triangle inequality). */
export const SPATIAL_VDC_ENUM = 2;
/** Half-widths below this are not split further (degenerate arrangements: the node stays open). */
export const SPATIAL_MIN_HALF_WIDTH = 1e-12;

const EPS = 2.220446049250313e-16;
const ZERO1 = new Float64Array(1);

export interface SpatialSearchOptions extends GlobalSearchOptions {
  /** relative gap at which c > 1 searches stop (default SPATIAL_VECTOR_REL_TOL) */
  vectorRelTol?: number;
  closeK?: number;
}

export interface SpatialSearchResult extends GlobalSearchResult {
  /** unit output direction y with yᵀΛᵀ(X̂u)_+ = attained (c = 1: the sign) */
  y: Float64Array;
}

/** An output box still open on a node's u-box, with its bound there. */
interface OutBox {
  bound: number;
  /** output face and box (length c) */
  ok: number;
  olo: Float64Array;
  ohi: Float64Array;
  /** bounded by the u-box's local arrangement (closedU nodes only): exact up to 1/γ */
  closed: boolean;
  /** what halving the output box can remove ((1/γ − 1)·corner bound) and what halving the u-box can (bound − value at the centre) */
  oLoose: number;
  uLoose: number;
}

/** A u-box, classified once, with the output boxes still open on it. */
interface Node {
  bound: number;
  /** u face and box (box over all r coordinates; lo[k] = hi[k] = s) */
  k: number;
  lo: Float64Array;
  hi: Float64Array;
  /** Σ_on x_i λ_iᵀ (r×c, row-major) over the samples on throughout the u-box */
  S: Float64Array;
  amb: Int32Array;
  /** the output-free bound over the u-box (every output direction at once) */
  free: number;
  outs: OutBox[];
  /** the u-box is closed by enumeration: only output boxes are split further */
  closedU: boolean;
  /** u coordinate to halve, or -1 */
  splitU: number;
}

/** What every output box of a u-box is bounded with: centre, half-widths, min ‖w‖, the ambiguous samples' ranges, the centre value. */
interface UBox {
  k: number;
  lo: Float64Array;
  hi: Float64Array;
  cen: Float64Array;
  h: Float64Array;
  N: number;
  S: Float64Array;
  amb: Int32Array;
  tk: number[];
  lk: number[];
  hk: number[];
  /** Λᵀ(X̂·cen)_+ and ‖cen‖ */
  vc: Float64Array;
  cn: number;
}

/**
 * max_{‖u‖≤1} ‖Λᵀ(X̂u)_+‖ for X̂ (n×r, row-major) and Λ (n×c, c ≤ 3) by the spatial branch and bound.
 */
export function spatialSearch(Xh: Float64Array, n: number, r: number, Lam: Float64Array, c: number, opts: SpatialSearchOptions): SpatialSearchResult {
  if (c < 1 || c > 3) throw new RangeError(`spatialSearch: c = ${c} outputs (1–3 supported)`);
  const S = new SpatialSearch(Xh, n, r, Lam, c, opts);
  if (S.m === 0) return { upper: 0, attained: 0, u: S.bestU, y: S.bestY, nodes: 0, closed: true, openBound: 0 };
  return S.run();
}

/** Box centre and half-widths. */
function centre(lo: Float64Array, hi: Float64Array): { cen: Float64Array; h: Float64Array } {
  const r = lo.length,
    cen = new Float64Array(r),
    h = new Float64Array(r);
  for (let q = 0; q < r; q++) {
    cen[q] = (lo[q] + hi[q]) / 2;
    h[q] = (hi[q] - lo[q]) / 2;
  }
  return { cen, h };
}

/** min over the box of ‖w‖ (≥ 1 on a cube face). */
function minNorm(lo: Float64Array, hi: Float64Array): number {
  let s = 0;
  for (let q = 0; q < lo.length; q++) {
    const d = lo[q] > 0 ? lo[q] : hi[q] < 0 ? -hi[q] : 0;
    s += d * d;
  }
  return Math.sqrt(s);
}

/** ‖a[o..o+c)‖ for c ≤ 3 (Math.hypot: no overflow or underflow) */
function hyp(a: Float64Array, o: number, c: number): number {
  return c === 1 ? Math.abs(a[o]) : c === 2 ? Math.hypot(a[o], a[o + 1]) : Math.hypot(a[o], a[o + 1], a[o + 2]);
}

/** The u-box's vertex `mask` (bit b: the b-th free coordinate at hi, else lo), as the vertex bounds number them. */
function boxVertex(box: { k: number; lo: Float64Array; hi: Float64Array }, mask: number): Float64Array {
  const { k, lo, hi } = box;
  const w = new Float64Array(lo.length);
  for (let q = 0, b = 0; q < lo.length; q++) w[q] = q === k ? lo[q] : mask & (1 << b++) ? hi[q] : lo[q];
  return w;
}

/** A copy of the box [lo, hi] with coordinate q halved: the lower half (half = 0) or the upper one. */
function halve(lo: Float64Array, hi: Float64Array, q: number, half: number): { lo: Float64Array; hi: Float64Array } {
  const mid = (lo[q] + hi[q]) / 2;
  const l = Float64Array.from(lo),
    h = Float64Array.from(hi);
  if (half) l[q] = mid;
  else h[q] = mid;
  return { lo: l, hi: h };
}

/**
 * The difference-of-convex vertex bound of f_l(u) = Σ_i l_i(x_iᵀu)_+ over the u-box {w : w_k = lo_k,
 * lo ≤ w ≤ hi} (u = w/‖w‖), where Gonᵀw is the exact part of the samples on throughout the box and
 * `rows` (with weights l and centre values tc) the others. With s_a = 1[tc_a > 0], (t)_+ ≥ s_a·t for
 * every t, so a term with l_a < 0 is at most l_a s_a x_aᵀw (the tangent at the centre) while the terms
 * with l_a > 0 stay exact: N(w) = Gonᵀw + Σ_{l<0} l_a s_a x_aᵀw + Σ_{l>0} l_a(x_aᵀw)_+ ≥ f_l(w) is convex.
 * With ĉ the unit centre, ‖w‖ ≥ ĉᵀw > 0 and N(w)/ĉᵀw is quasiconvex, so f_l(u) ≤ max(0, N(w)/ĉᵀw) ≤
 * max(0, N at the box's 2^(r−1) vertices over ĉᵀv). Unlike the secant, the positive terms lose nothing:
 * at the random-teacher dual point (n = 1000, r = 6) a box of half-width ¼ exceeds its sampled maximum
 * by ≈ 0.5β instead of ≈ 2β. Sound for any partition into on-samples and rows (rows may be on or off).
 * Infinity when ĉᵀv < ½ at a vertex (as SpatialSearch.atVertices), or above `cap` (the caller's bound
 * is smaller). Rounding (the caller adds it): each vertex value x_aᵀv is a sum of r products of size
 * ≤ Σ_q|x_aq|, N a sum of |rows| + r terms, the division by ĉᵀv ≥ ½ (shaved) at most doubles it.
 * `work` counts the vertex loop in box evaluations (r flops per row).
 */
export function dcVertexBound(
  X: Float64Array,
  r: number,
  box: { k: number; lo: Float64Array; hi: Float64Array },
  rows: ArrayLike<number>,
  l: ArrayLike<number>,
  tc: ArrayLike<number>,
  Gon: Float64Array,
  cap = Infinity,
): { bound: number; work: number; vertex: number } {
  const { k, lo, hi } = box;
  const G = Float64Array.from(Gon);
  const pos: number[] = [],
    posL: number[] = [];
  for (let a = 0; a < rows.length; a++) {
    if (l[a] > 0) {
      pos.push(rows[a]);
      posL.push(l[a]);
    } else if (tc[a] > 0) for (let q = 0; q < r; q++) G[q] += l[a] * X[rows[a] * r + q];
  }
  const lp = Float64Array.from(posL);
  const np = pos.length;
  // meet in the middle: x_aᵀv = (the face's and the first half of the free coordinates' terms) + (the second half's)
  const free: number[] = [];
  for (let q = 0; q < r; q++) if (q !== k) free.push(q);
  const nA = free.length >> 1;
  const TA = partialSums(X, r, box, pos, free.slice(0, nA), true),
    TB = partialSums(X, r, box, pos, free.slice(nA), false);
  const cn = Math.hypot(...Array.from(lo, (x, q) => (x + hi[q]) / 2));
  const shave = 1 - 4 * (r + 2) * EPS;
  const work = Math.ceil(((1 << (r - 1)) * np) / (r * Math.max(1, rows.length)));
  let best = 0,
    vertex = -1;
  for (let mask = 0; mask < 1 << (r - 1); mask++) {
    let den = ((lo[k] + hi[k]) / 2 / cn) * lo[k],
      num = G[k] * lo[k];
    for (let b = 0; b < free.length; b++) {
      const q = free[b],
        w = mask & (1 << b) ? hi[q] : lo[q];
      den += ((lo[q] + hi[q]) / 2 / cn) * w;
      num += G[q] * w;
    }
    if (!(den >= 0.5)) return { bound: Infinity, work, vertex: -1 };
    const oA = (mask & ((1 << nA) - 1)) * np,
      oB = (mask >> nA) * np;
    for (let j = 0; j < np; j++) {
      const t = TA[oA + j] + TB[oB + j];
      num += lp[j] * (t > 0 ? t : 0);
    }
    if (num / (den * shave) > best) {
      best = num / (den * shave);
      vertex = mask;
    }
    if (best > cap) return { bound: Infinity, work, vertex: -1 };
  }
  return { bound: best, work, vertex };
}

/** T[mask·np + j] = Σ_b x_{pos_j, coords_b}·(bit b of mask ? hi : lo) (+ x_{pos_j, k}·lo_k when withK) */
function partialSums(
  X: Float64Array,
  r: number,
  box: { k: number; lo: Float64Array; hi: Float64Array },
  pos: number[],
  coords: number[],
  withK: boolean,
): Float64Array {
  const { k, lo, hi } = box;
  const np = pos.length,
    nc = coords.length;
  const T = new Float64Array((1 << nc) * np);
  for (let j = 0; j < np; j++) {
    const o = pos[j] * r;
    const base = withK ? X[o + k] * lo[k] : 0;
    for (let mask = 0; mask < 1 << nc; mask++) {
      let t = base;
      for (let b = 0; b < nc; b++) t += X[o + coords[b]] * (mask & (1 << b) ? hi[coords[b]] : lo[coords[b]]);
      T[mask * np + j] = t;
    }
  }
  return T;
}

/**
 * The output-free difference-of-convex vertex bound (c > 1) of ‖F(w)‖, F(w) = Σ_i λ_i(x_iᵀw)_+, over the u-box
 * {w : w_k = lo_k, lo ≤ w ≤ hi}, where Sonᵀw (S r×c) is the exact part of the samples on throughout the box and
 * `rows` (centre values tc) the others. For each output direction y, N_y(w) = yᵀSonᵀw + Σ_rows max(l_a p_a, l_a q_a)
 * with l_a = λ_aᵀy, p_a = (x_aᵀw)_+ and q_a = s_a x_aᵀw, s_a = 1[tc_a > 0], is dcVertexBound's majorant of yᵀF(w)
 * (l_a > 0: exact, l_a < 0: the tangent at the centre, as (t)_+ ≥ s_a t). So Φ(w) = max_{‖y‖≤1} N_y(w) ≥ ‖F(w)‖ is
 * convex (a supremum of convex functions), Φ ≥ 0, and with ĉ the unit centre Φ(w)/ĉᵀw is largest at a vertex v
 * (quasiconvexity, as SpatialSearch.atVertices). There, writing max(lp, lq) = l(p+q)/2 + |l||p−q|/2,
 * Φ(v) = max_{σ∈{±1}} ‖m + Σ_a σ_a g_a‖ with m = Sonᵀv + Σ_rows λ_a(p_a+q_a)/2 and g_a = λ_a|p_a−q_a|/2: only the
 * rows whose sign at v differs from the centre's (p_a ≠ q_a) are generators. Unlike the secant bound, rows
 * whose hyperplanes miss a vertex's side lose nothing. The SPATIAL_VDC_ENUM largest generators are enumerated
 * by sign (the norm of a zonotope's point is largest at a vertex), the rest added by the triangle inequality.
 * Infinity when ĉᵀv < ½ at a vertex or above `cap`. Rounding (the caller adds its 16ε(m + r + c)·Σ‖λ_i‖‖x_i‖₁, as
 * for dcVertexBound): a vertex value sums at most 2m + r terms (Son's, the rows', the segments' centres and signs)
 * of total norm ≤ Σ‖λ_a‖‖x_a‖₁ (|v_q| ≤ 1), at most doubled by the division by ĉᵀv ≥ ½ (shaved).
 */
export function vectorDcVertexBound(
  X: Float64Array,
  L: Float64Array,
  ln: Float64Array,
  r: number,
  c: number,
  box: { k: number; lo: Float64Array; hi: Float64Array },
  rows: ArrayLike<number>,
  tc: ArrayLike<number>,
  Son: Float64Array,
  cap = Infinity,
): { bound: number; work: number; vertex: number } {
  const { k, lo, hi } = box;
  const na = rows.length;
  const pos = Int32Array.from(rows);
  // the rows on at the centre enter linearly (G = Son + Σ_{s=1} x_aλ_aᵀ); a row whose sign at v differs adds θ_a|t_a|λ_a
  const G = Float64Array.from(Son);
  const on = new Uint8Array(na);
  for (let a = 0; a < na; a++) {
    if (!(tc[a] > 0)) continue;
    on[a] = 1;
    for (let q = 0; q < r; q++) for (let p = 0; p < c; p++) G[q * c + p] += X[pos[a] * r + q] * L[pos[a] * c + p];
  }
  const free: number[] = [];
  for (let q = 0; q < r; q++) if (q !== k) free.push(q);
  const nA = free.length >> 1;
  const TA = partialSums(X, r, box, Array.from(pos), free.slice(0, nA), true),
    TB = partialSums(X, r, box, Array.from(pos), free.slice(nA), false);
  const cn = Math.hypot(...Array.from(lo, (x, q) => (x + hi[q]) / 2));
  const shave = 1 - 4 * (r + 2) * EPS;
  const E = Math.min(SPATIAL_VDC_ENUM, na);
  const work = vectorDcWork(r, c, na);
  const m = new Float64Array(c),
    z = new Float64Array(c),
    gw = new Float64Array(na),
    gi = new Int32Array(na);
  let best = 0,
    vertex = -1;
  for (let mask = 0; mask < 1 << (r - 1); mask++) {
    m.fill(0);
    let den = 0;
    for (let q = 0, b = 0; q < r; q++) {
      const w = q === k ? lo[q] : mask & (1 << b++) ? hi[q] : lo[q];
      den += ((lo[q] + hi[q]) / 2 / cn) * w;
      for (let p = 0; p < c; p++) m[p] += G[q * c + p] * w;
    }
    if (!(den >= 0.5)) return { bound: Infinity, work, vertex: -1 };
    const oA = (mask & ((1 << nA) - 1)) * na,
      oB = (mask >> nA) * na;
    let K = 0;
    for (let a = 0; a < na; a++) {
      const t = TA[oA + a] + TB[oB + a];
      if (on[a] ? t > 0 : t <= 0) continue;
      // θ_a|t_a| = |t_a|/2 ± |t_a|/2: the centre of the generator's segment, then its half-length (symmetric: the
      // triangle inequality loses half as much)
      const ht = Math.abs(t) / 2;
      for (let p = 0; p < c; p++) m[p] += L[pos[a] * c + p] * ht;
      gw[K] = ht;
      gi[K++] = pos[a];
    }
    const v = zonotopeMaxNorm(m, L, ln, c, gw, gi, K, E, z) / (den * shave);
    if (v > best) {
      best = v;
      vertex = mask;
    }
    if (best > cap) return { bound: Infinity, work, vertex: -1 };
  }
  return { bound: best, work, vertex };
}

/**
 * vectorDcVertexBound's work in box evaluations (r·c flops per row): per vertex a compare per row (its two partial
 * sums' add included) and the enumeration of 2^E sums of E vectors.
 */
function vectorDcWork(r: number, c: number, na: number): number {
  const E = Math.min(SPATIAL_VDC_ENUM, na);
  return Math.ceil(((1 << (r - 1)) * (2 * na + (1 << E) * E * c)) / (r * c * Math.max(1, na)));
}

/**
 * An upper bound on max_{σ∈{±1}^K} ‖m + Σ_{j<K} σ_j gw_j λ_{gi_j}‖: the E generators of largest norm by enumeration
 * (the norm is convex, so its maximum over the box of σ is at a vertex), the others by the triangle inequality
 * (exact when K ≤ E). gw and gi are reordered; z is scratch (length c).
 */
function zonotopeMaxNorm(
  m: Float64Array,
  L: Float64Array,
  ln: Float64Array,
  c: number,
  gw: Float64Array,
  gi: Int32Array,
  K: number,
  E: number,
  z: Float64Array,
): number {
  // the E largest generators first (partial selection sort)
  const e = Math.min(E, K);
  for (let j = 0; j < e; j++) {
    let bj = j;
    for (let i = j + 1; i < K; i++) if (gw[i] * ln[gi[i]] > gw[bj] * ln[gi[bj]]) bj = i;
    const tw = gw[j],
      ti = gi[j];
    gw[j] = gw[bj];
    gi[j] = gi[bj];
    gw[bj] = tw;
    gi[bj] = ti;
  }
  let tri = 0;
  for (let j = e; j < K; j++) tri += gw[j] * ln[gi[j]];
  let mx = 0;
  // each choice summed from scratch: the rounding stays that of one sum of e + 1 terms
  for (let sg = 0; sg < 1 << e; sg++) {
    z.set(m);
    for (let j = 0; j < e; j++) {
      const f = sg & (1 << j) ? gw[j] : -gw[j];
      for (let p = 0; p < c; p++) z[p] += L[gi[j] * c + p] * f;
    }
    mx = Math.max(mx, hyp(z, 0, c));
  }
  return mx + tri;
}

/** The search's data (rows with x_i ≠ 0 and Λ_i ≠ 0), its best direction, and its node bounds. */
class SpatialSearch {
  readonly m: number;
  private readonly X: Float64Array;
  private readonly L: Float64Array;
  /** Σ_j |x_ij| and ‖λ_i‖ per kept row */
  private readonly xa: Float64Array;
  private readonly ln: Float64Array;
  private readonly closeK: number;
  private readonly relTol: number;
  /** rounding of every sum of a node bound, per unit u (‖x‖₂ ≤ Σ|x_j|) */
  private readonly slackAbs: number;
  private readonly ROUND: number;
  private readonly outBuf: Float64Array;
  /** the most nodes one output box's bound can count (its corners' vertex bounds included) */
  private readonly outCost: number;
  /** the most nodes one corner's vertex bound (dcVertices) counts; 0 above SPATIAL_VERTEX_MAX_RANK (not computed) */
  private readonly dcCost: number;
  bestU: Float64Array;
  bestY: Float64Array;
  attained: number;
  nodes = 0;
  private readonly heap: Node[] = [];
  private closedMax = 0;
  private prunedMax = 0;
  private stuckMax = 0;
  /** the root boxes are being bounded (their 4rc nodes are not budgeted) */
  private rooting = false;

  constructor(
    Xh: Float64Array,
    n: number,
    private readonly r: number,
    Lam: Float64Array,
    private readonly c: number,
    private readonly opts: SpatialSearchOptions,
  ) {
    this.closeK = opts.closeK ?? (c === 1 ? SPATIAL_CLOSE_MAX_AMBIGUOUS : SPATIAL_VECTOR_CLOSE_MAX_AMBIGUOUS);
    this.relTol = c === 1 ? 0 : (opts.vectorRelTol ?? SPATIAL_VECTOR_REL_TOL);
    // keep rows with x_i ≠ 0 and λ_i ≠ 0 (scaled norms: a sum of squares underflows at |x| ≈ 1e-162,
    // and dropping such a row with a huge λ_i would make the bound unsound)
    const keep: number[] = [];
    for (let i = 0; i < n; i++) {
      if (norm2(Xh.subarray(i * r, i * r + r)) > 0 && norm2(Lam.subarray(i * c, i * c + c)) > 0) keep.push(i);
    }
    const m = (this.m = keep.length);
    const X = (this.X = new Float64Array(m * r)),
      L = (this.L = new Float64Array(m * c)),
      xa = (this.xa = new Float64Array(m));
    this.ln = new Float64Array(m);
    let mass = 0;
    for (let t = 0; t < m; t++) {
      let a = 0;
      for (let q = 0; q < r; q++) {
        const v = Xh[keep[t] * r + q];
        X[t * r + q] = v;
        a += Math.abs(v);
      }
      for (let q = 0; q < c; q++) L[t * c + q] = Lam[keep[t] * c + q];
      xa[t] = a;
      mass += (this.ln[t] = norm2(L.subarray(t * c, t * c + c))) * a;
    }
    this.slackAbs = 16 * EPS * (m + r + c) * mass;
    this.ROUND = 4 * EPS * (r + 2);
    this.outBuf = new Float64Array(c);
    this.dcCost = r <= SPATIAL_DC_MAX_RANK ? Math.ceil(2 ** (r - 1) / r) : 0;
    this.outCost = 1 + 2 ** (c - 1) * this.dcCost;
    this.bestU = new Float64Array(r);
    this.bestU[0] = 1;
    this.attained = this.value(this.bestU, this.outBuf);
    this.bestY = this.outBuf.map((v) => (this.attained > 0 ? v / this.attained : 0));
    if (opts.seedU && opts.seedU.length === r) this.offer(Float64Array.from(opts.seedU));
  }

  /** ‖Λᵀ(X̂u)_+‖, with Λᵀ(X̂u)_+ written to out */
  private value(u: ArrayLike<number>, out: Float64Array): number {
    const { m, r, c, X, L } = this;
    out.fill(0);
    for (let t = 0; t < m; t++) {
      let z = 0;
      for (let q = 0; q < r; q++) z += X[t * r + q] * u[q];
      if (z > 0) for (let q = 0; q < c; q++) out[q] += L[t * c + q] * z;
    }
    return norm2(out);
  }

  /** a direction met: kept when it beats the best value attained */
  private offer(u: Float64Array): void {
    let s = 0;
    for (let q = 0; q < this.r; q++) s += u[q] * u[q];
    if (!(s > 0)) return;
    const nu = Math.sqrt(s);
    const uu = u.map((v) => v / nu);
    const v = this.value(uu, this.outBuf);
    if (v > this.attained) {
      this.attained = v;
      this.bestU = uu;
      this.bestY = this.outBuf.map((x) => x / v);
    }
  }

  private bar(): number {
    return Math.max(this.attained * (1 + this.relTol), this.opts.stopBelow ?? -Infinity);
  }

  /** unit corner directions of an output box (c = 1: the box's sign) and γ = min_j y0ᵀŷ_j, shaved for rounding */
  private outGeom(ok: number, olo: Float64Array, ohi: Float64Array): { Y: Float64Array[]; gamma: number } {
    const c = this.c;
    if (c === 1) return { Y: [Float64Array.of(olo[0])], gamma: 1 };
    const y0 = new Float64Array(c);
    for (let q = 0; q < c; q++) y0[q] = (olo[q] + ohi[q]) / 2;
    const n0 = Math.hypot(...y0);
    for (let q = 0; q < c; q++) y0[q] /= n0;
    const free: number[] = [];
    for (let q = 0; q < c; q++) if (q !== ok) free.push(q);
    const Y: Float64Array[] = [];
    let gamma = 1;
    for (let mask = 0; mask < 1 << free.length; mask++) {
      const v = new Float64Array(c);
      v[ok] = olo[ok];
      free.forEach((q, b) => {
        v[q] = mask & (1 << b) ? ohi[q] : olo[q];
      });
      const nv = Math.hypot(...v);
      let dot = 0;
      for (let q = 0; q < c; q++) {
        v[q] /= nv;
        dot += v[q] * y0[q];
      }
      Y.push(v);
      gamma = Math.min(gamma, dot);
    }
    return { Y, gamma: gamma * (1 - 8 * EPS) - 4 * EPS };
  }

  /** l_a = λ_{idx[a]}ᵀy */
  private weights(y: Float64Array, idx: ArrayLike<number>, out: Float64Array): void {
    const { c, L } = this;
    for (let a = 0; a < idx.length; a++) {
      const t = idx[a];
      let s = 0;
      for (let q = 0; q < c; q++) s += L[t * c + q] * y[q];
      out[a] = s;
    }
  }

  /** S·y: the on-samples' part of the gradient for output direction y */
  private onPart(S: Float64Array, y: Float64Array, out: Float64Array): void {
    const { r, c } = this;
    for (let q = 0; q < r; q++) {
      let s = 0;
      for (let p = 0; p < c; p++) s += S[q * c + p] * y[p];
      out[q] = s;
    }
  }

  /**
   * The parent's ambiguous samples on a u-box (sorted into S when on throughout, when `reclassify`):
   * the ones still ambiguous with their centre values and ranges.
   */
  private classify(cen: Float64Array, h: Float64Array, S0: Float64Array, amb0: Int32Array, reclassify: boolean) {
    const { r, c, X, L, xa, ROUND } = this;
    let S = S0;
    const tk: number[] = [],
      lk: number[] = [],
      hk: number[] = [];
    const keepA: number[] = [];
    if (reclassify) S = Float64Array.from(S0);
    for (let a = 0; a < amb0.length; a++) {
      const t = amb0[a];
      let z = 0,
        rho = 0;
      for (let q = 0; q < r; q++) {
        const x = X[t * r + q];
        z += x * cen[q];
        rho += Math.abs(x) * h[q];
      }
      const del = ROUND * xa[t];
      const L0 = z - rho - del,
        H0 = z + rho + del;
      if (reclassify && L0 >= 0) {
        for (let q = 0; q < r; q++) {
          const x = X[t * r + q];
          for (let p = 0; p < c; p++) S[q * c + p] += x * L[t * c + p];
        }
      } else if (!reclassify || H0 > 0) {
        keepA.push(t);
        tk.push(z);
        lk.push(L0);
        hk.push(H0);
      }
    }
    return { S, amb: reclassify ? Int32Array.from(keepA) : amb0, tk, lk, hk };
  }

  /** classify the parent's ambiguous samples on a u-box (when `reclassify`: a new box, whose centre is offered) */
  private uBox(k: number, lo: Float64Array, hi: Float64Array, S0: Float64Array, amb0: Int32Array, reclassify: boolean): UBox {
    const { r, c, L } = this;
    const { cen, h } = centre(lo, hi);
    const { S, amb, tk, lk, hk } = this.classify(cen, h, S0, amb0, reclassify);
    // the true value at the box centre (a lower bound on M)
    const vc = new Float64Array(c);
    for (let p = 0; p < c; p++) {
      let s = 0;
      for (let q = 0; q < r; q++) s += S[q * c + p] * cen[q];
      vc[p] = s;
    }
    for (let a = 0; a < amb.length; a++) if (tk[a] > 0) for (let p = 0; p < c; p++) vc[p] += L[amb[a] * c + p] * tk[a];
    const cn = Math.hypot(...cen);
    if (reclassify && Math.hypot(...vc) / cn > this.attained) this.offer(cen);
    return { k, lo, hi, cen, h, N: minNorm(lo, hi), S, amb, tk, lk, hk, vc, cn };
  }

  /**
   * The output-free bound of a u-box: with G = S + Σ_amb a_i x_i λ_iᵀ and κ_i = a_i(−lo_i), every
   * Λᵀ(X̂w)_+ = Gᵀw + Σ_amb θ_i κ_i λ_i for some θ ∈ [0, 1]^amb (a_i t ≤ (t)_+ ≤ a_i(t − lo_i)), so with
   * z0 = ½Σκ_iλ_i and w = cen + Hs (|s| ≤ 1): ‖Λᵀ(X̂u)_+‖ ≤ (‖Gᵀcen + z0‖ + Σ_q h_q‖G_q‖ + ½Σκ_i‖λ_i‖)/N.
   * It bounds all output boxes at once, so it is the one bound a u split can lower where the output
   * boxes' 1/γ dominates. Also returns the u coordinates' weighted ranges (Σ_amb ‖λ_i‖|x_iq|) for the split.
   */
  private freeBound(ub: UBox): { free: number; wScore: Float64Array } {
    const { r, c, X, L } = this;
    const { S, amb, lk, hk, cen, h, N } = ub;
    const G = Float64Array.from(S),
      z0 = new Float64Array(c),
      wScore = new Float64Array(r);
    let zr = 0;
    for (let a = 0; a < amb.length; a++) {
      const t = amb[a];
      const A = hk[a] / (hk[a] - lk[a]),
        kap = A * -lk[a];
      for (let p = 0; p < c; p++) z0[p] += 0.5 * kap * L[t * c + p];
      const ln = this.ln[t];
      zr += 0.5 * kap * ln;
      for (let q = 0; q < r; q++) {
        const x = X[t * r + q];
        wScore[q] += ln * Math.abs(x);
        for (let p = 0; p < c; p++) G[q * c + p] += A * x * L[t * c + p];
      }
    }
    const atVerts = r <= SPATIAL_VERTEX_MAX_RANK ? this.atVertices(ub, G, c, z0, zr, false) : Infinity;
    let side = 0;
    for (let q = 0; q < r; q++) {
      side += h[q] * hyp(G, q * c, c);
      for (let p = 0; p < c; p++) z0[p] += G[q * c + p] * cen[q];
    }
    const free = Math.min((norm2(z0) + side + zr) / N, atVerts) + this.slackAbs;
    return { free: Math.min(free, this.vectorDc(ub, free)), wScore };
  }

  /** c > 1: vectorDcVertexBound on a u-box whose output-free bound is above the bar, its work counted in nodes; else Infinity */
  private vectorDc(ub: UBox, free: number): number {
    const { r, c } = this;
    const na = ub.amb.length;
    const work = vectorDcWork(r, c, na);
    if (c === 1 || !this.dcCost || free <= this.bar() || this.nodes + work > this.opts.nodeBudget) return Infinity;
    const res = vectorDcVertexBound(this.X, this.L, this.ln, r, c, ub, ub.amb, ub.tk, ub.S, free - this.slackAbs);
    this.nodes += res.work;
    // the vertex where the bound is reached, a direction worth trying
    if (res.vertex >= 0 && res.bound > this.attained) this.offer(boxVertex(ub, res.vertex));
    return res.bound + this.slackAbs;
  }

  /**
   * max over the u-box of (‖Gᵀw + z0‖ + zr)/‖w‖ (G r×c), or with `signed` (c = 1) of max(0, Gᵀw + z0 + zr)/‖w‖,
   * bounded by its vertices: ‖w‖ ≥ ĉᵀw (ĉ the unit centre), and a convex function over a positive linear
   * one is quasiconvex, so its maximum over the box is at a vertex. It keeps the first-order variation of
   * ‖w‖ across the box that dividing by min ‖w‖ loses. Infinity when ĉᵀw < ½ at some vertex; the
   * denominator is shaved for the rounding of ĉ and of the sums.
   */
  private atVertices(ub: UBox, G: Float64Array, c: number, z0: Float64Array, zr: number, signed: boolean): number {
    const r = this.r;
    const { k, lo, hi, cen, cn } = ub;
    const v = new Float64Array(c);
    const ch = cen.map((x) => x / cn);
    const shave = 1 - 4 * (r + 2) * EPS;
    let best = 0;
    for (let mask = 0; mask < 1 << (r - 1); mask++) {
      v.set(z0);
      let den = 0;
      for (let q = 0, b = 0; q < r; q++) {
        const w = q === k ? lo[q] : mask & (1 << b++) ? hi[q] : lo[q];
        den += ch[q] * w;
        for (let p = 0; p < c; p++) v[p] += G[q * c + p] * w;
      }
      // ‖w‖ ≥ 1 on a cube face: a vertex with ĉᵀw < ½ makes this bound useless, and the bar keeps the
      // numerator's rounding (covered by slackAbs) from growing by more than 2× in the division
      if (!(den >= 0.5)) return Infinity;
      best = Math.max(best, ((signed ? v[0] : hyp(v, 0, c)) + zr) / (den * shave));
    }
    return best;
  }

  /** dcVertexBound on a u-box, its work counted in nodes (and its vertex offered); Infinity above `cap` */
  private dcVertices(ub: UBox, Gon: Float64Array, l: Float64Array, cap: number): number {
    const { bound, work, vertex } = dcVertexBound(this.X, this.r, ub, ub.amb, l, ub.tk, Gon, cap);
    this.nodes += work;
    // the vertex where the bound is reached: where the exact positive terms are largest, a direction worth trying
    if (vertex >= 0 && bound > this.attained) this.offer(boxVertex(ub, vertex));
    return bound;
  }

  /** bound of one output box on a u-box: the corner bounds (the secant relaxation along each corner ŷ_j) over γ */
  private outBound(ok: number, olo: Float64Array, ohi: Float64Array, ub: UBox): OutBox {
    const { r, c, X } = this;
    const { S, amb, lk, hk, cen, h, N, vc, cn } = ub;
    const na = amb.length;
    const { Y, gamma } = this.outGeom(ok, olo, ohi);
    const l = new Float64Array(na),
      G = new Float64Array(r),
      Gon = new Float64Array(r);
    let maxB = -Infinity,
      uLoose = 0;
    for (const y of Y) {
      this.weights(y, amb, l);
      this.onPart(S, y, G);
      Gon.set(G);
      let kappa = 0;
      for (let a = 0; a < na; a++) {
        const t = amb[a],
          li = l[a];
        const A = hk[a] / (hk[a] - lk[a]);
        for (let q = 0; q < r; q++) G[q] += li * A * X[t * r + q];
        if (li > 0) kappa += li * A * -lk[a];
      }
      let P = 0;
      for (let q = 0; q < r; q++) P += G[q] * cen[q] + Math.abs(G[q]) * h[q];
      let B = Math.min(Math.max(0, P + kappa) / N, norm2(G) + kappa / N);
      if (r <= SPATIAL_VERTEX_MAX_RANK) B = Math.min(B, this.atVertices(ub, G, 1, ZERO1, kappa, true));
      // the costlier vertex bound only where this corner would set the box's bound above the bar, within the budget and
      // at the root boxes (always evaluated) only when the budget covers all of them
      if (
        this.dcCost &&
        (!this.rooting || this.opts.nodeBudget >= 4 * r * c * this.outCost) &&
        B > maxB &&
        B / gamma + this.slackAbs > this.bar() &&
        this.nodes + this.dcCost <= this.opts.nodeBudget
      )
        B = Math.min(B, this.dcVertices(ub, Gon, l, B));
      if (B > maxB) {
        maxB = B;
        let yv = 0;
        for (let p = 0; p < c; p++) yv += y[p] * vc[p];
        uLoose = B - yv / cn;
      }
    }
    this.nodes++;
    const bound = Math.max(0, maxB) / gamma + this.slackAbs;
    return { bound, ok, olo, ohi, closed: false, oLoose: Math.max(0, maxB) * (1 / gamma - 1), uLoose };
  }

  /** a new u-box: classified once, its output-free bound, then the parent's open output boxes bounded on it */
  private evaluate(k: number, lo: Float64Array, hi: Float64Array, S0: Float64Array, amb0: Int32Array, outs0: OutBox[]): Node {
    const ub = this.uBox(k, lo, hi, S0, amb0, true);
    const { free, wScore } = this.freeBound(ub);
    const node: Node = {
      bound: free,
      k,
      lo,
      hi,
      S: ub.S,
      amb: ub.amb,
      free,
      outs: [],
      closedU: ub.amb.length <= this.closeK,
      splitU: this.chooseSplitU(k, ub.h, wScore),
    };
    const n0 = this.nodes;
    // the whole u-box is below the bar: dropped by push with its bound
    if (free <= this.bar()) {
      this.nodes++;
      return node;
    }
    // an output box is re-bounded only where its parent's bound does not exceed the output-free one (where it binds),
    // and on a closed u-box, whose output boxes are split or closed one by one
    for (const o of outs0) {
      if (free < o.bound && o.bound < Infinity && !node.closedU) {
        this.keepOut(node, o);
        continue;
      }
      const ob = this.outBound(o.ok, o.olo, o.ohi, ub);
      ob.bound = Math.min(ob.bound, o.bound);
      this.keepOut(node, ob);
    }
    if (this.nodes === n0) this.nodes++;
    this.settle(node);
    return node;
  }

  /** an output box stays on its node when its bound exceeds the bar; else it is dropped (and recorded) */
  private keepOut(node: Node, o: OutBox): void {
    const b = Math.min(o.bound, node.free);
    if (b <= this.bar()) this.prunedMax = Math.max(this.prunedMax, b);
    else node.outs.push(o);
  }

  /** the node's bound: the output-free bound or the largest output box's, whichever is smaller; top output box first */
  private settle(node: Node): void {
    let top = 0;
    for (let j = 1; j < node.outs.length; j++) if (node.outs[j].bound > node.outs[top].bound) top = j;
    if (top > 0) [node.outs[0], node.outs[top]] = [node.outs[top], node.outs[0]];
    node.bound = node.outs.length ? Math.min(node.free, node.outs[0].bound) : 0;
  }

  /** the u coordinate with the widest weighted range, or -1 */
  private chooseSplitU(k: number, h: Float64Array, wScore: Float64Array): number {
    let splitU = -1,
      bw = 0;
    for (let q = 0; q < this.r; q++) {
      if (q === k || h[q] < SPATIAL_MIN_HALF_WIDTH) continue;
      const sc = h[q] * wScore[q] + 1e-300;
      if (sc > bw) {
        bw = sc;
        splitU = q;
      }
    }
    return splitU;
  }

  /** the output coordinate to halve (the widest free one), or -1 when c = 1 or the box is too small */
  private splitOut(o: OutBox): number {
    let q = -1,
      w = 0;
    for (let p = 0; p < this.c; p++)
      if (p !== o.ok && o.ohi[p] - o.olo[p] > w) {
        w = o.ohi[p] - o.olo[p];
        q = p;
      }
    return w < 2 * SPATIAL_MIN_HALF_WIDTH ? -1 : q;
  }

  /** max over the u-box and output box o of the corner bounds by the u-box's 2^k sign patterns, divided by γ (sound for any NNLS accuracy) */
  private close(nd: Node, o: OutBox): number {
    const { r, X } = this;
    const { k, lo, hi, amb } = nd;
    const s = lo[k];
    const rows = 2 * (r - 1) + amb.length;
    const A: Mat = { rows, cols: r, data: new Float64Array(rows * r) };
    let row = 0;
    for (let q = 0; q < r; q++) {
      if (q === k) continue;
      A.data[row * r + q] = 1;
      A.data[row * r + k] = -lo[q] * s;
      row++;
      A.data[row * r + q] = -1;
      A.data[row * r + k] = hi[q] * s;
      row++;
    }
    for (const t of amb) {
      A.data.set(X.subarray(t * r, t * r + r), row * r);
      row++;
    }
    const pat = new Uint8Array(rows).fill(1);
    const { Y, gamma } = this.outGeom(o.ok, o.olo, o.ohi);
    const l = new Float64Array(amb.length);
    const base = new Float64Array(r);
    const { cen, h } = centre(lo, hi);
    const N = minNorm(lo, hi);
    let best = 0;
    const g = new Float64Array(r);
    for (const y of Y) {
      this.weights(y, amb, l);
      this.onPart(nd.S, y, base);
      for (let mask = 0; mask < 1 << amb.length; mask++) {
        g.set(base);
        for (let a = 0; a < amb.length; a++) {
          pat[2 * (r - 1) + a] = mask & (1 << a) ? 1 : 0;
          if (mask & (1 << a)) for (let q = 0; q < r; q++) g[q] += l[a] * X[amb[a] * r + q];
        }
        let P = 0;
        for (let q = 0; q < r; q++) P += g[q] * cen[q] + Math.abs(g[q]) * h[q];
        const pre = Math.min(Math.max(0, P) / N, norm2(g));
        const b0 = this.bar() * gamma;
        if (pre <= b0) {
          best = Math.max(best, pre);
          continue;
        }
        this.nodes++;
        const pr = projectCone(A, pat, Float64Array.from(g), 1, undefined, undefined, b0);
        const zn = norm2(pr.z);
        let zmass = 0;
        for (let a = 0; a < pr.active.length; a++) {
          let an = 0;
          for (let q = 0; q < r; q++) an += Math.abs(A.data[pr.active[a] * r + q]);
          zmass += pr.mu[a] * an;
        }
        best = Math.max(best, Math.min(pre, zn + 4 * EPS * (rows + r) * zmass));
        if (zn > 0) this.offer(pr.z);
      }
    }
    return best / gamma + this.slackAbs;
  }

  private push(nd: Node): void {
    if (nd.bound <= this.bar()) {
      this.prunedMax = Math.max(this.prunedMax, nd.bound);
      return;
    }
    heapPush(this.heap, nd);
  }

  /** the root boxes: every face of the u cube, each carrying every face of the output cube */
  private pushRoots(): void {
    const { r, c } = this;
    const allAmb = Int32Array.from({ length: this.m }, (_, t) => t);
    const zS = new Float64Array(r * c);
    const outs: OutBox[] = [];
    for (let ok = 0; ok < c; ok++)
      for (const os of [1, -1]) {
        const olo = new Float64Array(c).fill(-1),
          ohi = new Float64Array(c).fill(1);
        olo[ok] = ohi[ok] = os;
        outs.push({ bound: Infinity, ok, olo, ohi, closed: false, oLoose: 0, uLoose: 0 });
      }
    for (let k = 0; k < r; k++)
      for (const s of [1, -1]) {
        const lo = new Float64Array(r).fill(-1),
          hi = new Float64Array(r).fill(1);
        lo[k] = hi[k] = s;
        this.push(this.evaluate(k, lo, hi, zS, allAmb, outs));
      }
  }

  /**
   * A node whose u-box is closed by enumeration: its top output box is closed (c = 1: resolved), or,
   * once closed, halved into two output boxes closed in turn (c > 1).
   */
  private expandClosed(top: Node): void {
    const o = top.outs[0];
    const q0 = this.splitOut(o);
    // halving by the (cheap) corner bounds first while the output side dominates their looseness
    if (!o.closed && q0 >= 0 && o.oLoose > o.uLoose) {
      this.halveOut(top, q0);
      return;
    }
    top.outs.shift();
    if (!o.closed) {
      // a new object: sibling u-boxes may share the parent's output box
      const oc: OutBox = { ...o, bound: Math.min(o.bound, this.close(top, o)), closed: true };
      if (this.c === 1 && oc.bound > this.bar()) this.closedMax = Math.max(this.closedMax, Math.min(oc.bound, top.free));
      else this.keepOut(top, oc);
    } else {
      const q = this.splitOut(o);
      if (q < 0) this.stuckMax = Math.max(this.stuckMax, Math.min(o.bound, top.free));
      else
        for (const half of [0, 1]) {
          const { lo: olo, hi: ohi } = halve(o.olo, o.ohi, q, half);
          const child: OutBox = { ...o, olo, ohi };
          this.nodes++;
          child.bound = Math.min(o.bound, this.close(top, child));
          this.keepOut(top, child);
        }
    }
    this.settle(top);
    if (top.outs.length) this.push(top);
  }

  /** an open node: two u children carrying its output boxes, or (where 1/γ dominates) its top output box halved */
  private expandOpen(top: Node): void {
    const o = top.outs[0];
    const q = this.splitOut(o);
    const outSplit = q >= 0 && o.bound <= top.free && (o.oLoose > o.uLoose || top.splitU < 0);
    if (outSplit) {
      this.halveOut(top, q);
      return;
    }
    if (top.splitU < 0) {
      this.stuckMax = Math.max(this.stuckMax, top.bound);
      return;
    }
    for (const half of [0, 1]) {
      const { lo, hi } = halve(top.lo, top.hi, top.splitU, half);
      const child = this.evaluate(top.k, lo, hi, top.S, top.amb, top.outs);
      child.bound = Math.min(child.bound, top.bound);
      this.push(child);
    }
  }

  /** the node's top output box halved along q, both halves bounded by their corners on the node's u-box */
  private halveOut(top: Node, q: number): void {
    const o = top.outs[0];
    const ub = this.uBox(top.k, top.lo, top.hi, top.S, top.amb, false);
    top.outs.shift();
    for (const half of [0, 1]) {
      const { lo: olo, hi: ohi } = halve(o.olo, o.ohi, q, half);
      const ob = this.outBound(o.ok, olo, ohi, ub);
      ob.bound = Math.min(ob.bound, o.bound);
      this.keepOut(top, ob);
    }
    this.settle(top);
    if (top.outs.length) this.push(top);
  }

  run(): SpatialSearchResult {
    const { c, opts, heap, relTol } = this;
    this.rooting = true;
    this.pushRoots();
    this.rooting = false;
    let stopped = false,
      stoppedEarly = false;
    while (heap.length) {
      if (opts.shouldStop?.()) throw new CancelledError('oracle');
      const top = heap[0];
      if (top.bound <= this.bar()) {
        // every open node is at most the threshold: all are dropped with it
        this.prunedMax = Math.max(this.prunedMax, top.bound);
        heap.length = 0;
        break;
      }
      // the next step's largest cost: two u-boxes bounding every open output box, or (c > 1: three) enumerations of 2^k patterns per corner
      const cost = top.closedU ? (c === 1 ? 1 : 3 * 2 ** (c - 1)) * (1 << top.amb.length) + 2 * this.outCost : 2 * (top.outs.length * this.outCost + 1);
      if (this.nodes + cost > opts.nodeBudget) {
        stopped = true;
        break;
      }
      // the caller only needs a direction above its bar (GlobalSearchOptions.earlyDirection): the heap stays open
      if (opts.earlyDirection && this.attained > opts.earlyDirection.above && this.nodes >= opts.earlyDirection.work) {
        stopped = stoppedEarly = true;
        break;
      }
      heapPop(heap);
      if (top.closedU) this.expandClosed(top);
      else this.expandOpen(top);
    }
    let openBound = 0;
    for (const nd of heap) openBound = Math.max(openBound, nd.bound);
    const { attained, closedMax, prunedMax, stuckMax } = this;
    const upper = Math.max(attained, closedMax, prunedMax, stuckMax, openBound);
    const closed = !stopped && stuckMax <= attained * (1 + relTol) && prunedMax <= attained * (1 + relTol) && openBound <= attained * (1 + relTol);
    return { upper, attained, u: this.bestU, y: this.bestY, nodes: this.nodes, closed, openBound: stopped ? openBound : upper, stoppedEarly };
  }
}
