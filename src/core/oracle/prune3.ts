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

interface Tri {
  v: Float64Array; // 9: three unit vertices
  G: Float64Array; // 3: sum over rows active on all of T
  rows: Int32Array; // crossing rows
  depth: number;
}

/**
 * @param X rows x̂_j (m×3), lam λ_j, Xn ‖x̂_j‖
 * @param best a value attained by h (|h| ≥ best somewhere); slack: absolute allowance
 * Returns null when the triangle budget is exceeded (sweep everything).
 */
export function prune3(X: Float64Array, lam: Float64Array, Xn: Float64Array, m: number, best: number, slack: number, shouldStop?: () => boolean): PruneResult | null {
  const sweep = new Uint8Array(m);
  const candU: number[] = [];
  const stack: Tri[] = [];
  const all = new Int32Array(m);
  for (let j = 0; j < m; j++) all[j] = j;
  const P = [
    [1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1], [0, 0, -1],
  ];
  for (const x of [0, 1]) for (const y of [2, 3]) for (const z of [4, 5]) {
    stack.push({ v: Float64Array.from([...P[x], ...P[y], ...P[z]]), G: new Float64Array(3), rows: all, depth: 0 });
  }
  let triangles = 0;
  const thr = best - slack;
  const probeIdx: number[] = [];
  for (let q = 0; q < Math.min(32, m); q++) probeIdx.push(Math.floor(((q + 0.5) * m) / Math.min(32, m)));
  const buf = new Int32Array(m);
  while (stack.length) {
    const T = stack.pop()!;
    triangles++;
    if (triangles > PRUNE_MAX_TRIANGLES) return null;
    if (shouldStop && (triangles & 1023) === 0 && shouldStop()) throw new CancelledError('oracle');
    const v = T.v;
    const cosr = cosRadius(v);
    if (!(cosr > 0)) {
      // degenerate (should not happen): keep every crossing row
      for (let q = 0; q < T.rows.length; q++) sweep[T.rows[q]] = 1;
      continue;
    }
    const G = Float64Array.from(T.G);
    let cp = 0, cm = 0; // crossing bounds for +h and −h
    let nc = 0;
    for (let q = 0; q < T.rows.length; q++) {
      const j = T.rows[q];
      const o = j * 3;
      const x0 = X[o], x1 = X[o + 1], x2 = X[o + 2];
      const z0 = x0 * v[0] + x1 * v[1] + x2 * v[2];
      const z1 = x0 * v[3] + x1 * v[4] + x2 * v[5];
      const z2 = x0 * v[6] + x1 * v[7] + x2 * v[8];
      const tol = PRUNE_CLASSIFY_TOL * Xn[j];
      const mn = Math.min(z0, z1, z2), mx = Math.max(z0, z1, z2);
      if (mn > tol) {
        const l = lam[j];
        G[0] += l * x0; G[1] += l * x1; G[2] += l * x2;
      } else if (mx < -tol) {
        // inactive on T
      } else {
        buf[nc++] = j;
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
    const mp = Math.max(g0, g1, g2), mm = Math.max(-g0, -g1, -g2);
    const lp = mp >= 0 ? mp / cosr : mp;
    const lm = mm >= 0 ? mm / cosr : mm;
    const U = Math.max(lp + cp, lm + cm);
    if (U * (1 + 1e-12) <= thr) continue;
    const rows = buf.slice(0, nc);
    if (nc === 0) {
      interiorCandidates(X, Xn, v, G, probeIdx, thr, candU);
      continue;
    }
    if (nc <= PRUNE_LEAF_ROWS || T.depth >= PRUNE_MAX_DEPTH) {
      for (let q = 0; q < nc; q++) sweep[rows[q]] = 1;
      continue;
    }
    pushQuarters(stack, v, G, rows, T.depth + 1);
  }
  return { sweep, candU, triangles };
}

/** cos ρ of the spherical triangle v (its angular radius about the normal of the plane through the vertices), rounded down; 0 when degenerate. */
function cosRadius(v: Float64Array): number {
  const ux = v[3] - v[0], uy = v[4] - v[1], uz = v[5] - v[2];
  const wx = v[6] - v[0], wy = v[7] - v[1], wz = v[8] - v[2];
  let nx = uy * wz - uz * wy, ny = uz * wx - ux * wz, nz = ux * wy - uy * wx;
  const nn = Math.sqrt(nx * nx + ny * ny + nz * nz);
  if (!(nn > 0)) return 0;
  nx /= nn; ny /= nn; nz /= nn;
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
    const u0 = (sg * G[0]) / gn, u1 = (sg * G[1]) / gn, u2 = (sg * G[2]) / gn;
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
function pushQuarters(stack: Tri[], v: Float64Array, G: Float64Array, rows: Int32Array, depth: number): void {
  const mid = (a: number, b: number): number[] => {
    const x = v[a] + v[b], y = v[a + 1] + v[b + 1], z = v[a + 2] + v[b + 2];
    const s = Math.sqrt(x * x + y * y + z * z);
    return [x / s, y / s, z / s];
  };
  const A = [v[0], v[1], v[2]], B = [v[3], v[4], v[5]], C = [v[6], v[7], v[8]];
  const ab = mid(0, 3), bc = mid(3, 6), ca = mid(6, 0);
  for (const tri of [[A, ab, ca], [ab, B, bc], [ca, bc, C], [ab, bc, ca]]) {
    stack.push({ v: Float64Array.from([...tri[0], ...tri[1], ...tri[2]]), G: Float64Array.from(G), rows, depth });
  }
}
