/**
 * Rank-3 pruning by branch and bound over spherical triangles (derived for this project): decides
 * which great circles {x̂_jᵀu = 0} need the O(n log n) sweep, so that the exact rank-3 oracle costs
 * O(k·n log n) for k selected circles instead of O(n² log n).
 *
 * For a geodesic triangle T with vertices v_1..v_3, every u ∈ T is u = Σα_k v_k/‖Σα_k v_k‖ with
 * α ≥ 0, Σα = 1, and ‖Σα_k v_k‖ ≥ cos ρ (ρ: angular circumradius; the plane through the vertices is
 * at distance cos ρ from the origin). Hence for any a: max_T aᵀu ≤ m/cos ρ if m = max_k aᵀv_k ≥ 0,
 * else ≤ m. A row with x̂_jᵀv_k > tol at all vertices is active on all of T (linear term), one with
 * all < −tol is inactive (zero term), the others "cross" T and are bounded by
 * (±λ_j)_+·max_k(x̂_jᵀv_k)_+/cos ρ. So
 *   max_T ±h ≤ U±(T) = max_T (±G_T)ᵀu + Σ_crossing (±λ_j)_+ max_k(x̂_jᵀv_k)_+/cos ρ.
 * Triangles with max(U+, U−) ≤ best (minus an allowance) are discarded; the others are refined
 * until few rows cross them. Soundness of using only the selected circles:
 * - a point of an unselected circle lies in a discarded triangle (a circle meeting a kept leaf,
 *   even at its boundary, crosses it by the tolerance), where |h| ≤ best;
 * - a cell's interior critical point lying in a kept leaf with crossing rows belongs to a cell
 *   that meets the leaf and is therefore bounded inside it by one of its crossing circles, which
 *   is selected and whose sweep enumerates the cell;
 * - a kept leaf without crossing rows lies inside one cell, whose critical directions ±G_T/‖G_T‖
 *   are returned as candidates; that cell's boundary points lie in discarded triangles or on
 *   selected circles.
 */
import { CancelledError } from '../errors';

/** Relative tolerance for classifying a row as not crossing a triangle (≫ rounding of x̂ᵀv). */
export const PRUNE_CLASSIFY_TOL = 1e-12;
/** A kept triangle with at most this many crossing rows becomes a leaf. */
export const PRUNE_LEAF_ROWS = 3;
/** Maximum refinement depth (triangle edge ≈ 2^-depth rad). */
export const PRUNE_MAX_DEPTH = 24;
/** Budget of triangles; beyond it the caller sweeps every circle. */
export const PRUNE_MAX_TRIANGLES = 400_000;

export interface PruneResult {
  /** 1 for rows whose circle must be swept */
  sweep: Uint8Array;
  /** leaf candidates: bound ‖G_T‖ then the unit direction (4 numbers per entry) */
  candU: number[];
  triangles: number;
}

/**
 * The depth-first stack of triangles, flat and reused (no object, array or row list per triangle:
 * the allocations were half of the pruning's time at n = 10³). Triangle t has its vertices at
 * v[9t…9t+9), the sum over rows active on all of it at G[3t…3t+3), and its crossing rows at
 * rows[start[t] … start[t] + len[t]). Siblings share one row list; since the stack is LIFO, the
 * lists above a popped triangle's own belong to finished subtrees and the pool top drops back.
 */
class TriStack {
  v = new Float64Array(9 * 64);
  G = new Float64Array(3 * 64);
  start = new Int32Array(64);
  len = new Int32Array(64);
  depth = new Int32Array(64);
  size = 0;
  /** scratch of pushQuarters: the parent's vertices and its edge midpoints */
  quarters = new Float64Array(18);
  rows: Int32Array;
  poolTop = 0;
  constructor(m: number) {
    this.rows = new Int32Array(Math.max(16, 4 * m));
  }
  /** Room for nc more rows at the pool top; returns where they go. */
  reserveRows(nc: number): number {
    if (this.poolTop + nc > this.rows.length) {
      const grown = new Int32Array(2 * (this.poolTop + nc));
      grown.set(this.rows.subarray(0, this.poolTop));
      this.rows = grown;
    }
    return this.poolTop;
  }
  /** Pushes a triangle (vertices a, b, c: offsets into src) with sum G (offset gOff into gSrc). */
  push(src: Float64Array, a: number, b: number, c: number, gSrc: Float64Array, gOff: number, start: number, len: number, depth: number): void {
    if (this.size === this.start.length) this.grow();
    const t = this.size++;
    const v = this.v;
    for (let k = 0; k < 3; k++) {
      v[9 * t + k] = src[a + k];
      v[9 * t + 3 + k] = src[b + k];
      v[9 * t + 6 + k] = src[c + k];
      this.G[3 * t + k] = gSrc[gOff + k];
    }
    this.start[t] = start;
    this.len[t] = len;
    this.depth[t] = depth;
  }
  private grow(): void {
    const L = 2 * this.start.length;
    const v = new Float64Array(9 * L),
      G = new Float64Array(3 * L);
    v.set(this.v);
    G.set(this.G);
    this.v = v;
    this.G = G;
    for (const k of ['start', 'len', 'depth'] as const) {
      const a = new Int32Array(L);
      a.set(this[k]);
      this[k] = a;
    }
  }
}

/**
 * @param X rows x̂_j (m×3), lam λ_j, Xn ‖x̂_j‖
 * @param best a value attained by h (|h| ≥ best somewhere); slack: absolute allowance
 * Returns null when the triangle budget is exceeded (sweep everything).
 */
export function prune3(
  X: Float64Array,
  lam: Float64Array,
  Xn: Float64Array,
  m: number,
  best: number,
  slack: number,
  shouldStop?: () => boolean,
): PruneResult | null {
  const sweep = new Uint8Array(m);
  const candU: number[] = [];
  const st = new TriStack(m);
  for (let j = 0; j < m; j++) st.rows[j] = j;
  st.poolTop = m;
  // the 8 octants; vertices ±e_x, ±e_y, ±e_z at offsets 0, 3 | 6, 9 | 12, 15 of P
  const P = Float64Array.of(1, 0, 0, -1, 0, 0, 0, 1, 0, 0, -1, 0, 0, 0, 1, 0, 0, -1);
  const zero = new Float64Array(3);
  for (const x of [0, 3]) for (const y of [6, 9]) for (const z of [12, 15]) st.push(P, x, y, z, zero, 0, 0, m, 0);
  let triangles = 0;
  const thr = best - slack;
  const probeIdx: number[] = [];
  for (let q = 0; q < Math.min(32, m); q++) probeIdx.push(Math.floor(((q + 0.5) * m) / Math.min(32, m)));
  const v = new Float64Array(9);
  const G = new Float64Array(3);
  while (st.size) {
    const t = --st.size;
    triangles++;
    if (triangles > PRUNE_MAX_TRIANGLES) return null;
    if (shouldStop && (triangles & 1023) === 0 && shouldStop()) throw new CancelledError('oracle');
    v.set(st.v.subarray(9 * t, 9 * t + 9));
    G.set(st.G.subarray(3 * t, 3 * t + 3));
    const from = st.start[t],
      count = st.len[t],
      depth = st.depth[t];
    st.poolTop = from + count;
    const cosr = cosRadius(v);
    if (!(cosr > 0)) {
      // degenerate (should not happen): keep every crossing row
      for (let q = 0; q < count; q++) sweep[st.rows[from + q]] = 1;
      continue;
    }
    const out = st.reserveRows(count);
    const { nc, U } = classifyRows(X, lam, Xn, st.rows, from, count, v, cosr, G, out);
    if (U * (1 + 1e-12) <= thr) continue;
    if (nc === 0) {
      interiorCandidates(X, Xn, v, G, probeIdx, thr, candU);
      continue;
    }
    if (nc <= PRUNE_LEAF_ROWS || depth >= PRUNE_MAX_DEPTH) {
      for (let q = 0; q < nc; q++) sweep[st.rows[out + q]] = 1;
      continue;
    }
    st.poolTop = out + nc;
    pushQuarters(st, v, G, out, nc, depth + 1);
  }
  return { sweep, candU, triangles };
}

/**
 * Sorts the triangle's rows (rows[from … from+count)) into active on all of it (added to G), inactive, and
 * crossing (written at rows[out…), their count nc); U is the bound max(U+, U−) of the header comment.
 */
function classifyRows(
  X: Float64Array,
  lam: Float64Array,
  Xn: Float64Array,
  rows: Int32Array,
  from: number,
  count: number,
  v: Float64Array,
  cosr: number,
  G: Float64Array,
  out: number,
): { nc: number; U: number } {
  let cp = 0,
    cm = 0; // crossing bounds for +h and −h
  let nc = 0;
  for (let q = 0; q < count; q++) {
    const j = rows[from + q];
    const o = j * 3;
    const x0 = X[o],
      x1 = X[o + 1],
      x2 = X[o + 2];
    const z0 = x0 * v[0] + x1 * v[1] + x2 * v[2];
    const z1 = x0 * v[3] + x1 * v[4] + x2 * v[5];
    const z2 = x0 * v[6] + x1 * v[7] + x2 * v[8];
    const tol = PRUNE_CLASSIFY_TOL * Xn[j];
    const mn = Math.min(z0, z1, z2),
      mx = Math.max(z0, z1, z2);
    if (mn > tol) {
      const l = lam[j];
      G[0] += l * x0;
      G[1] += l * x1;
      G[2] += l * x2;
    } else if (mx < -tol) {
      // inactive on T
    } else {
      rows[out + nc++] = j;
      const b = Math.max(mx, 0) / cosr + tol;
      const l = lam[j];
      if (l > 0) cp += l * b;
      else cm -= l * b;
    }
  }
  // linear parts
  const g0 = G[0] * v[0] + G[1] * v[1] + G[2] * v[2];
  const g1 = G[0] * v[3] + G[1] * v[4] + G[2] * v[5];
  const g2 = G[0] * v[6] + G[1] * v[7] + G[2] * v[8];
  const mp = Math.max(g0, g1, g2),
    mm = Math.max(-g0, -g1, -g2);
  const lp = mp >= 0 ? mp / cosr : mp;
  const lm = mm >= 0 ? mm / cosr : mm;
  return { nc, U: Math.max(lp + cp, lm + cm) };
}

/** cos ρ of the spherical triangle v (its angular radius about the normal of the plane through the vertices), rounded down; 0 when degenerate. */
function cosRadius(v: Float64Array): number {
  const ux = v[3] - v[0],
    uy = v[4] - v[1],
    uz = v[5] - v[2];
  const wx = v[6] - v[0],
    wy = v[7] - v[1],
    wz = v[8] - v[2];
  let nx = uy * wz - uz * wy,
    ny = uz * wx - ux * wz,
    nz = ux * wy - uy * wx;
  const nn = Math.sqrt(nx * nx + ny * ny + nz * nz);
  if (!(nn > 0)) return 0;
  nx /= nn;
  ny /= nn;
  nz /= nn;
  const cosr = Math.min(Math.abs(nx * v[0] + ny * v[1] + nz * v[2]), Math.abs(nx * v[3] + ny * v[4] + nz * v[5]), Math.abs(nx * v[6] + ny * v[7] + nz * v[8]));
  return cosr * (1 - 1e-15) - 1e-16;
}

/**
 * A triangle inside one cell: the cell's interior maximum of ±h is at most ‖G_T‖, at ±G_T/‖G_T‖; such a critical
 * direction must give every row the row's sign on T (probed on probeIdx, rows spread over the data).
 * Pushes (‖G_T‖, u) of each critical direction that passes to candU.
 */
function interiorCandidates(X: Float64Array, Xn: Float64Array, v: Float64Array, G: Float64Array, probeIdx: number[], thr: number, candU: number[]): void {
  const gn = Math.sqrt(G[0] * G[0] + G[1] * G[1] + G[2] * G[2]);
  if (!(gn * (1 + 1e-12) > thr)) return;
  for (let sg = 1; sg >= -1; sg -= 2) {
    const u0 = (sg * G[0]) / gn,
      u1 = (sg * G[1]) / gn,
      u2 = (sg * G[2]) / gn;
    let ok = true;
    for (let q = 0; q < probeIdx.length && ok; q++) {
      const j = probeIdx[q];
      const o = j * 3;
      const zt = X[o] * v[0] + X[o + 1] * v[1] + X[o + 2] * v[2];
      const zu = X[o] * u0 + X[o + 1] * u1 + X[o + 2] * u2;
      const tl = 1e-9 * Xn[j];
      if ((zt > tl && zu < -tl) || (zt < -tl && zu > tl)) ok = false;
    }
    if (ok) candU.push(gn, u0, u1, u2);
  }
}

/** Splits the spherical triangle v into 4 at its normalized edge midpoints; each child inherits G and the crossing rows. */
function pushQuarters(st: TriStack, v: Float64Array, G: Float64Array, start: number, len: number, depth: number): void {
  // w: A, B, C at 0, 3, 6 (v itself), then the midpoints ab, bc, ca at 9, 12, 15
  const w = st.quarters;
  w.set(v);
  const mid = (a: number, b: number, to: number): void => {
    const x = v[a] + v[b],
      y = v[a + 1] + v[b + 1],
      z = v[a + 2] + v[b + 2];
    const s = Math.sqrt(x * x + y * y + z * z);
    w[to] = x / s;
    w[to + 1] = y / s;
    w[to + 2] = z / s;
  };
  mid(0, 3, 9);
  mid(3, 6, 12);
  mid(6, 0, 15);
  st.push(w, 0, 9, 15, G, 0, start, len, depth);
  st.push(w, 9, 3, 12, G, 0, start, len, depth);
  st.push(w, 15, 12, 6, G, 0, start, len, depth);
  st.push(w, 9, 12, 15, G, 0, start, len, depth);
}
