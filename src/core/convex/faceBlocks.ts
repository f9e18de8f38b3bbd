/**
 * The faces of the pattern cones as the face Newton (faceNewton.ts) sees them, and the pieces of its
 * Hessian, all cached per program:
 *  - a face's orthonormal basis N (from scratch, or from its parent's when one row joins: extendFace),
 *    with its rows X̃N;
 *  - Gauss–Newton blocks N_q X̃ᵀD_qD_q'X̃N_q'ᵀ per face pair: from the pattern-pair Grams G_{ii'}, from
 *    the face Jacobians, or from the parents' blocks;
 *  - the pattern-pair Grams themselves, batched into one product per pattern (onnxruntime when large).
 */
import type { ProductRequest, Program } from './problem';
import { matmul, dot, dotAt, type Mat } from '../linalg/mat';
import { nullBasis } from '../linalg/dense';
import type { UpdatedQR } from '../linalg/updatedQR';
import { rowNormsOf } from '../linalg/cone';

export interface FaceBlock {
  k: number;
  face: number[];
  z: Float64Array;
  /**
   * the face's basis while `face` is unchanged (set by faceInfo and extendFace; whoever edits `face`
   * otherwise clears it). Created with the block (as undefined): a property added later gave the
   * blocks two shapes, and V8 deoptimized the Newton step's loops on each.
   */
  info?: FaceInfo;
  /**
   * the face's rows, their norms and their QR (null: dependent) for `info` (polish.ts faceRows), also
   * created with the block; the QR belongs to this block alone (updated in place as rows join or leave)
   */
  rows?: { info: FaceInfo | undefined; rows: Float64Array[]; norms: Float64Array; qr: UpdatedQR | null };
}

/** Cached pattern-pair Grams per program: at most this many doubles (160 MB), then the cache restarts. */
export const PAIR_GRAM_CACHE_DOUBLES = 2e7;

interface PairCache {
  grams: Map<number, Float64Array>;
  sums: Map<number, Float64Array>;
  doubles: number;
  /** face bases by `pattern:rows`, each with an id and (Jacobian path) X̃N_qᵀ */
  faces: Map<string, FaceInfo>;
  nextFaceId: number;
  epoch: number;
  /** Jacobian path: N_q X̃ᵀD_qD_q'X̃ N_q'ᵀ by face id, then partner face id */
  jac: Map<number, Map<number, Float64Array>>;
  /** the same blocks from the pair Grams (kept apart: see gnBlock) */
  gnPair: Map<number, Map<number, Float64Array>>;
  jacDoubles: number;
  xnDoubles: number;
  rows: Map<number, { on: Int32Array; sign: Float64Array }>;
  on: Map<number, Int32Array>;
  /** ensureFaceBlocks' Jacobians, reused */
  jacBuf: Float64Array;
}
const caches = new WeakMap<Program, PairCache>();

function cacheOf(pr: Program): PairCache {
  let c = caches.get(pr);
  if (!c)
    caches.set(
      pr,
      (c = {
        grams: new Map(),
        sums: new Map(),
        doubles: 0,
        faces: new Map(),
        nextFaceId: 0,
        epoch: 0,
        jac: new Map(),
        gnPair: new Map(),
        jacDoubles: 0,
        xnDoubles: 0,
        rows: new Map(),
        on: new Map(),
        jacBuf: new Float64Array(0),
      }),
    );
  return c;
}

export interface FaceInfo {
  id: number;
  epoch: number;
  /** orthonormal basis of the face's span {z : a_jᵀz = 0, j ∈ face} */
  N: Float64Array[];
  /** X̃N (n×m row-major), computed on first use by the Jacobian path */
  XN?: Float64Array;
  /**
   * A face one row narrower than face `parentId`: N = R·N_parent (R: m×(m+1) row-major), so its
   * Hessian blocks follow from the parent's (gnBlock). Only the id is kept: a chain of parents
   * would hold every ancestor's X̃N alive.
   */
  parentId?: number;
  R?: Float64Array;
}

/** Face ids stay below this (the cache restarts there): small integers, fast Map keys. */
const FACE_ID_SPAN = 2 ** 26;

/** Face bases are cached: an active-set step changes one face, the other blocks keep theirs. */
export const FACE_CACHE_ENTRIES = 20000;

export function faceInfo(pr: Program, bl: FaceBlock): FaceInfo {
  // ids restart with a new epoch (and the id-keyed caches with them): an older basis is looked up again
  if (bl.info && bl.info.epoch === cacheOf(pr).epoch) return bl.info;
  const i = bl.k >> 1;
  return (bl.info = cachedFace(pr, `${i}:${bl.face.join(',')}`, () => ({
    N: nullBasis(
      bl.face.map((j) => rowVec(pr, i, j)),
      pr.p,
    ),
  })));
}

/**
 * Row j joins the block's face. The new basis comes from the old one in O(m²p): a Householder
 * reflection of the face coordinates takes w = N a_j to a multiple of e_1, and the other m − 1
 * reflected vectors span {v ∈ span N : a_jᵀv = 0}. Why: from scratch it is a Gram–Schmidt over the
 * face's ~p rows (d = 50: ~0.3 Mflop and p allocations), paid by nearly every block on every bent step.
 */
export function extendFace(pr: Program, bl: FaceBlock, j: number): void {
  const f = faceInfo(pr, bl),
    i = bl.k >> 1;
  const held = bl.rows?.info === f ? bl.rows : undefined;
  bl.face.push(j);
  extendBasis(pr, bl, f, j);
  // the face's rows and their QR (polish.ts faceRows) gain the row in O(p·k)
  if (held?.qr) {
    const a = rowVec(pr, i, j),
      rows = [...held.rows, a];
    bl.rows = { info: bl.info, rows, norms: Float64Array.of(...held.norms, Math.sqrt(dot(a, a))), qr: held.qr.append(a) ? held.qr : null };
  }
}

/** bl.info for face f with row j just joined (bl.face has it): the new basis R·N. */
function extendBasis(pr: Program, bl: FaceBlock, f: FaceInfo, j: number): void {
  const i = bl.k >> 1,
    p = pr.p,
    N = f.N,
    m = N.length;
  bl.info = cachedFace(pr, `${i}:${bl.face.join(',')}`, () => {
    const a = rowVec(pr, i, j);
    const w = N.map((v) => dot(v, a));
    let ww = 0,
      aa = 0;
    for (const x of w) ww += x * x;
    for (const x of a) aa += x * x;
    // a_j already (numerically) in the face's row span: the same tolerance as nullBasis
    if (!(Math.sqrt(ww) > 1e-12 * Math.sqrt(aa))) return { N, XN: f.XN };
    const alpha = w[0] > 0 ? -Math.sqrt(ww) : Math.sqrt(ww);
    const h = w.slice();
    h[0] -= alpha;
    let hh = 0;
    for (const x of h) hh += x * x;
    // rows 1..m−1 of I − 2hhᵀ/hᵀh: the new basis is R·N
    const R = new Float64Array((m - 1) * m);
    for (let r = 1; r < m; r++) for (let x = 0; x < m; x++) R[(r - 1) * m + x] = (x === r ? 1 : 0) - (2 * h[r] * h[x]) / hh;
    const out: Float64Array[] = [];
    for (let r = 0; r < m - 1; r++) {
      const v = new Float64Array(p);
      for (let x = 0; x < m; x++) {
        const coef = R[r * m + x];
        if (coef === 0) continue;
        const nx = N[x];
        for (let k = 0; k < p; k++) v[k] += coef * nx[k];
      }
      out.push(v);
    }
    // X̃N' = X̃N·Rᵀ: n·m·(m − 1) flops instead of n·p·(m − 1)
    let XN: Float64Array | undefined;
    if (f.XN) {
      const n = pr.n,
        m1 = m - 1,
        A = f.XN;
      XN = new Float64Array(n * m1);
      for (let j = 0; j < n; j++)
        for (let r = 0; r < m1; r++) {
          let t = 0;
          for (let x = 0; x < m; x++) t += A[j * m + x] * R[r * m + x];
          XN[j * m1 + r] = t;
        }
    }
    // a parent from before an id restart (just now, in cachedFace) names another face now
    if (f.epoch !== cacheOf(pr).epoch) return { N: out };
    return { N: out, parentId: f.id, R, XN };
  });
}

/**
 * Row number t leaves the block's face; w (any nonzero length) spans what the face gains: w in
 * the span of the face's rows, orthogonal to every other row (UpdatedQR.dualColumn). The new
 * basis is the old one plus ŵ (orthogonal to it, as the old basis is to the rows), and X̃N gains
 * the column X̃ŵ: O(n·p). Why: from scratch (nullBasis over the face's ~p rows, then X̃N) it was
 * 11% of n = 1e3, d = 50, 100 patterns — every face optimum releases a row in most blocks.
 */
export function releaseFaceRow(pr: Program, bl: FaceBlock, t: number, w: Float64Array): void {
  const f = faceInfo(pr, bl),
    p = pr.p,
    N = f.N,
    m = N.length;
  bl.face.splice(t, 1);
  bl.info = cachedFace(pr, `${bl.k >> 1}:${bl.face.join(',')}`, () => {
    const v = Float64Array.from(w);
    // one pass against the old basis: v is orthogonal to it up to the rows' conditioning
    for (const u of N) {
      const c = dot(u, v);
      for (let k = 0; k < p; k++) v[k] -= c * u[k];
    }
    const nv = Math.sqrt(dot(v, v));
    for (let k = 0; k < p; k++) v[k] /= nv;
    let XN: Float64Array | undefined;
    if (f.XN) {
      const n = pr.n,
        X = pr.Xt.data,
        A = f.XN,
        m1 = m + 1;
      XN = new Float64Array(n * m1);
      for (let j = 0; j < n; j++) {
        for (let x = 0; x < m; x++) XN[j * m1 + x] = A[j * m + x];
        XN[j * m1 + m] = dotAt(X, j * p, v, 0, p);
      }
    }
    return { N: [...N, v], XN };
  });
}

function cachedFace(pr: Program, key: string, basis: () => { N: Float64Array[]; parentId?: number; R?: Float64Array; XN?: Float64Array }): FaceInfo {
  const c = cacheOf(pr);
  let f = c.faces.get(key);
  if (!f) {
    if (c.faces.size >= FACE_CACHE_ENTRIES || c.nextFaceId >= FACE_ID_SPAN) {
      c.faces.clear();
      c.xnDoubles = 0;
    }
    if (c.nextFaceId >= FACE_ID_SPAN) {
      c.nextFaceId = 0;
      c.epoch++;
      c.jac.clear();
      c.gnPair.clear();
      c.jacDoubles = 0;
    }
    f = { id: c.nextFaceId++, epoch: c.epoch, ...basis() };
    if (f.XN) c.xnDoubles += f.XN.length;
    c.faces.set(key, f);
  }
  return f;
}

/** A block's face basis N (rows orthonormal, spanning {z : a_jᵀz = 0, j ∈ face}), and its Gauss–Newton block with another block (tests). */
export function faceBasisOf(pr: Program, bl: FaceBlock): Float64Array[] {
  return faceInfo(pr, bl).N;
}
export function faceHessianBlock(pr: Program, a: FaceBlock, b: FaceBlock, viaJacobian: boolean): Float64Array {
  return gnBlock(pr, a.k >> 1, faceInfo(pr, a), b.k >> 1, faceInfo(pr, b), viaJacobian);
}

/** The Jacobian path's cached block of two blocks' faces, stored under (a, b) exactly, or undefined (tests). */
export function cachedFaceHessianBlock(pr: Program, a: FaceBlock, b: FaceBlock): Float64Array | undefined {
  return cacheOf(pr).jac.get(faceInfo(pr, a).id)?.get(faceInfo(pr, b).id);
}

/** The dimension of a block's face (its Newton variables). */
export function faceDim(pr: Program, bl: FaceBlock): number {
  return faceInfo(pr, bl).N.length;
}

/**
 * Gauss–Newton block N_q X̃ᵀ D_q D_q' X̃ N_q'ᵀ (m_q × m_q', row-major), cached by the two faces, so
 * a step that moved one face recomputes one block row of H. A new block costs n·m·m' from the rows
 * X̃N (Jacobian), or p²·m' + m·m'·p from the pattern-pair Gram (paid once per pattern pair), or, for
 * faces narrowed from cached ones, m·m'·(m + 1) from the parents' block.
 */
export function gnBlock(pr: Program, iA: number, fA: FaceInfo, iB: number, fB: FaceInfo, viaJacobian: boolean): Float64Array {
  const c = cacheOf(pr);
  // One cache per path: blocks from the two paths differ at rounding level, and mixing them as the
  // path switched let the d = 50 working set diverge (objective 11.45 → 1e8 over six rounds). Blocks
  // derived from the parents' (derivedBlock) also differ from a recomputation at rounding level,
  // but stay within their path's cache; the working-set tests and the d = 50 bench converge with them.
  // two levels of small-integer keys: one number key fA·2²⁶ + fB is not a small integer, and its
  // lookups (|S|²/2 a Newton step) took 2.6% of an n = 1e4, d = 50 solve
  const cache = viaJacobian ? c.jac : c.gnPair;
  let row = cache.get(fA.id);
  const hit = row?.get(fB.id);
  if (hit) return hit;
  const out = derivedBlock(cache, fA, fB) ?? (viaJacobian ? jacobianBlock(pr, iA, fA, iB, fB) : gramBlock(pr, iA, fA, iB, fB));
  if (c.jacDoubles + out.length > PAIR_GRAM_CACHE_DOUBLES) {
    c.jac.clear();
    c.gnPair.clear();
    c.jacDoubles = 0;
  }
  if (!row || !cache.has(fA.id)) cache.set(fA.id, (row = new Map()));
  row.set(fB.id, out);
  c.jacDoubles += out.length;
  return out;
}

/**
 * The id-keyed caches (Hessian blocks, face rows X̃N) are pruned to the support's faces once they
 * hold more than FACE_PRUNE_FACTOR times what those faces use, plus FACE_PRUNE_FLOOR_DOUBLES. Why:
 * a bent step narrows nearly every face, so each Newton step leaves |S| faces and |S|²/2 blocks
 * behind that no later step looks up (only the current faces are parents of the next ones); up to
 * their caps (2 × 160 MB of data, plus ~150 bytes of objects per small block) they were most of
 * the 827 MB peak of n = 1e3, d = 50, 100 patterns.
 */
export const FACE_PRUNE_FACTOR = 2;
export const FACE_PRUNE_FLOOR_DOUBLES = 2.5e5;

/** Drops the cached blocks and face rows of every face not in `live` (the support's), when they have grown past the limit above. */
export function pruneFaceCaches(pr: Program, live: FaceInfo[]): void {
  const c = cacheOf(pr);
  let T = 0;
  for (const f of live) T += f.N.length;
  if (c.jacDoubles + c.xnDoubles <= FACE_PRUNE_FACTOR * (T * T + pr.n * T) + FACE_PRUNE_FLOOR_DOUBLES) return;
  const ids = new Set<number>();
  for (const f of live) if (f.epoch === c.epoch) ids.add(f.id);
  c.jacDoubles = 0;
  for (const cache of [c.jac, c.gnPair])
    for (const [a, row] of cache) {
      if (!ids.has(a)) {
        cache.delete(a);
        continue;
      }
      for (const [b, blk] of row) {
        if (ids.has(b)) c.jacDoubles += blk.length;
        else row.delete(b);
      }
    }
  const kept = new Set<Float64Array>();
  for (const f of c.faces.values()) {
    if (!f.XN) continue;
    if (!ids.has(f.id)) f.XN = undefined;
    else kept.add(f.XN);
  }
  c.xnDoubles = 0;
  for (const x of kept) c.xnDoubles += x.length;
}

/** Faces new to the Jacobian cache batched into one product when the product is at least this large (flops; below it the per-pair loop is as fast). */
export const FACE_BATCH_MIN_FLOPS = 1e6;
/** …and when the face rows involved fit in this many doubles (two n×T matrices). */
export const FACE_BATCH_MAX_DOUBLES = 2e7;

/**
 * Jacobian path: the Hessian block rows of every face that has none cached and cannot derive one
 * from its parent (a block that just entered, a row released), all in one product (D X̃N_new)ᵀ·(D X̃N),
 * stored where gnBlock looks them up (pair q ≤ q2 under the first face's id). Why: a multiplier release
 * gives up to every face of the support a new basis at once, and their |S|²/2 blocks from n-long rows
 * one pair at a time were 15% of n = 1e4, d = 50, 100 patterns.
 */
export function* ensureFaceBlocks(pr: Program, pats: number[], infos: FaceInfo[]): Generator<ProductRequest, void, Mat> {
  const c = cacheOf(pr),
    n = pr.n,
    S = infos.length;
  const fresh: number[] = [];
  const seen = new Set<number>();
  for (let q = 0; q < S; q++) {
    const f = infos[q];
    if (c.jac.has(f.id) || (f.parentId !== undefined && c.jac.has(f.parentId)) || seen.has(f.id)) continue;
    seen.add(f.id);
    fresh.push(q);
  }
  if (!fresh.length) return;
  const offs: number[] = [];
  let T = 0;
  for (const f of infos) {
    offs.push(T);
    T += f.N.length;
  }
  let Tf = 0;
  for (const q of fresh) Tf += infos[q].N.length;
  if (2 * n * Tf * T < FACE_BATCH_MIN_FLOPS || n * (T + Tf) > FACE_BATCH_MAX_DOUBLES) return;
  if (c.jacDoubles + Tf * T > PAIR_GRAM_CACHE_DOUBLES) return; // gnBlock restarts the cache and goes pair by pair
  // columns d_q ∘ X̃N_q: Jᵀ of the fresh faces (Tf×n) and J of all (n×T), in buffers kept on the
  // cache (d = 50: ~4 MB each, after nearly every release: allocated anew they were GC churn)
  const need = n * (T + Tf);
  if (c.jacBuf.length < need) c.jacBuf = new Float64Array(Math.ceil(1.25 * need));
  const Jf = c.jacBuf.subarray(0, Tf * n),
    J = c.jacBuf.subarray(Tf * n, need);
  c.jacBuf.fill(0, 0, need);
  const fill = (q: number, put: (j: number, x: number, v: number) => void) => {
    const A = xnOf(pr, infos[q]),
      m = infos[q].N.length,
      on = onRowsOf(pr, pats[q]);
    for (let e = 0; e < on.length; e++) {
      const j = on[e];
      for (let x = 0; x < m; x++) put(j, x, A[j * m + x]);
    }
  };
  for (let q = 0; q < S; q++) fill(q, (j, x, v) => (J[j * T + offs[q] + x] = v));
  let o = 0;
  for (const q of fresh) {
    const base = o;
    fill(q, (j, x, v) => (Jf[(base + x) * n + j] = v));
    o += infos[q].N.length;
  }
  const H: Mat = yield { a: { rows: Tf, cols: n, data: Jf }, b: { rows: n, cols: T, data: J } };
  o = 0;
  for (const q of fresh) {
    const m = infos[q].N.length;
    for (let q2 = 0; q2 < S; q2++) {
      // under the first face's id in the Newton loop's order (q ≤ q2), transposed when q is second
      const first = q <= q2 ? q : q2,
        second = q <= q2 ? q2 : q;
      const a = infos[first],
        b = infos[second];
      if (c.jac.get(a.id)?.has(b.id)) continue; // cached before, or just now (a face shared by two blocks)
      const m2 = infos[q2].N.length,
        out = new Float64Array(m * m2);
      for (let x = 0; x < m; x++) for (let y = 0; y < m2; y++) out[q <= q2 ? x * m2 + y : y * m + x] = H.data[(o + x) * T + offs[q2] + y];
      let row = c.jac.get(a.id);
      if (!row) c.jac.set(a.id, (row = new Map()));
      row.set(b.id, out);
      c.jacDoubles += out.length;
    }
    o += m;
  }
}

/** The block from the face rows X̃N_A, X̃N_B over the rows both patterns share: n·m·m'. */
function jacobianBlock(pr: Program, iA: number, fA: FaceInfo, iB: number, fB: FaceInfo): Float64Array {
  const m = fA.N.length,
    m2 = fB.N.length,
    dB = pr.patterns[iB];
  const out = new Float64Array(m * m2);
  const A = xnOf(pr, fA),
    B = xnOf(pr, fB),
    on = onRowsOf(pr, iA);
  for (let t0 = 0; t0 < on.length; t0++) {
    const j = on[t0];
    if (!dB[j]) continue;
    const oa = j * m,
      ob = j * m2;
    for (let x = 0; x < m; x++) {
      const a = A[oa + x];
      if (a === 0) continue;
      const row = x * m2;
      for (let y = 0; y < m2; y++) out[row + y] += a * B[ob + y];
    }
  }
  return out;
}

/** The block N_A G_{AB} N_Bᵀ from the pattern-pair Gram: p²·m' + m·m'·p. */
function gramBlock(pr: Program, iA: number, fA: FaceInfo, iB: number, fB: FaceInfo): Float64Array {
  const { p } = pr,
    m = fA.N.length,
    m2 = fB.N.length;
  const out = new Float64Array(m * m2);
  const G = pairGram(pr, iA, iB),
    NA = fA.N,
    NB = fB.N;
  const W = new Float64Array(p * m2); // G·N_Bᵀ
  for (let s = 0; s < p; s++)
    for (let y = 0; y < m2; y++) {
      let t = 0;
      for (let k = 0; k < p; k++) t += G[s * p + k] * NB[y][k];
      W[s * m2 + y] = t;
    }
  for (let x = 0; x < m; x++)
    for (let y = 0; y < m2; y++) {
      let t = 0;
      for (let s = 0; s < p; s++) t += NA[x][s] * W[s * m2 + y];
      out[x * m2 + y] = t;
    }
  return out;
}

/** A cached block between faces a and b (ids, dimensions ma × mb), stored either way round. */
function cachedBlock(cache: Map<number, Map<number, Float64Array>>, a: number, ma: number, b: number, mb: number): Float64Array | null {
  const hit = cache.get(a)?.get(b);
  if (hit) return hit;
  const tr = cache.get(b)?.get(a);
  if (!tr) return null;
  const out = new Float64Array(ma * mb);
  for (let x = 0; x < ma; x++) for (let y = 0; y < mb; y++) out[x * mb + y] = tr[y * ma + x];
  return out;
}

/**
 * The block of faces A and B from a cached block of their parents: R_A·B_parent·R_Bᵀ (m·m'·(m+1)
 * flops against n·m·m' from the Jacobian). Why: a bent step narrows nearly every face of the
 * support at once, so without this each step recomputed all |S|²/2 blocks from n-long rows.
 */
function derivedBlock(cache: Map<number, Map<number, Float64Array>>, fA: FaceInfo, fB: FaceInfo): Float64Array | null {
  const m = fA.N.length,
    m2 = fB.N.length;
  // the tries in order: A's parent with B, A with B's parent, both parents (no per-call arrays: |S|²/2 calls a step)
  for (let at = 0; at < 3; at++) {
    const pa = at !== 1 ? fA : null,
      pb = at !== 0 ? fB : null;
    if ((pa && pa.parentId === undefined) || (pb && pb.parentId === undefined)) continue;
    const a = pa ? pa.parentId! : fA.id,
      ma = pa ? m + 1 : m;
    const b = pb ? pb.parentId! : fB.id,
      mb = pb ? m2 + 1 : m2;
    let M = cachedBlock(cache, a, ma, b, mb);
    if (!M) continue;
    if (pa) {
      // R_A (m × ma) · M (ma × mb)
      const RA = pa.R!,
        out = new Float64Array(m * mb);
      for (let x = 0; x < m; x++)
        for (let w = 0; w < ma; w++) {
          const r = RA[x * ma + w];
          if (r === 0) continue;
          for (let y = 0; y < mb; y++) out[x * mb + y] += r * M[w * mb + y];
        }
      M = out;
    }
    if (pb) {
      // M (m × mb) · R_Bᵀ (mb × m2)
      const RB = pb.R!,
        out = new Float64Array(m * m2);
      for (let x = 0; x < m; x++)
        for (let y = 0; y < m2; y++) {
          let t = 0;
          for (let w = 0; w < mb; w++) t += M[x * mb + w] * RB[y * mb + w];
          out[x * m2 + y] = t;
        }
      M = out;
    }
    return M;
  }
  return null;
}

/** (X̃N)·t for face coordinates t (length m): X̃z on all n rows for z = Nᵀt. */
export function xnApply(pr: Program, f: FaceInfo, t: ArrayLike<number>, into?: Float64Array): Float64Array {
  const A = xnOf(pr, f),
    m = f.N.length,
    n = pr.n;
  const out = into ?? new Float64Array(n);
  for (let j = 0; j < n; j++) {
    const o = j * m;
    let s = 0;
    for (let x = 0; x < m; x++) s += A[o + x] * t[x];
    out[j] = s;
  }
  return out;
}

/** Face rows X̃N cached at most this many doubles in all (160 MB), then the face cache restarts. */
export const FACE_ROWS_CACHE_DOUBLES = 2e7;

export function xnOf(pr: Program, f: FaceInfo): Float64Array {
  if (f.XN) return f.XN;
  const c = cacheOf(pr);
  if (c.xnDoubles + pr.n * f.N.length > FACE_ROWS_CACHE_DOUBLES) {
    for (const g of c.faces.values()) g.XN = undefined;
    c.xnDoubles = 0;
  }
  c.xnDoubles += pr.n * f.N.length;
  const { n, p } = pr,
    X = pr.Xt.data,
    N = f.N,
    m = N.length;
  const out = new Float64Array(n * m);
  for (let j = 0; j < n; j++) for (let x = 0; x < m; x++) out[j * m + x] = dotAt(X, j * p, N[x], 0, p);
  return (f.XN = out);
}

/** The packed row outer products x̃_j x̃_jᵀ (upper triangles) are kept up to this many doubles (128 MB: n = 1e4 at d = 50). */
export const ROW_OUTERS_MAX_DOUBLES = 1.6e7;
const outerCache = new WeakMap<Program, Mat | null>();

/** x̃_j x̃_jᵀ packed (upper triangle, row by row) for every row, or null past ROW_OUTERS_MAX_DOUBLES. */
function rowOuters(pr: Program): Mat | null {
  const hit = outerCache.get(pr);
  if (hit !== undefined) return hit;
  const { n, p } = pr,
    X = pr.Xt.data,
    u = (p * (p + 1)) / 2;
  let W: Mat | null = null;
  if (n * u <= ROW_OUTERS_MAX_DOUBLES) {
    const w = new Float64Array(n * u);
    for (let j = 0; j < n; j++) {
      const o = j * p;
      for (let s = 0, e = j * u; s < p; s++) for (let t = s; t < p; t++) w[e++] = X[o + s] * X[o + t];
    }
    W = { rows: n, cols: u, data: w };
  }
  outerCache.set(pr, W);
  return W;
}

/** G_{ii'} = X̃ᵀ diag(d_i ∘ d_i') X̃ (p×p, row-major), symmetric in (i, i'). */
export function pairGram(pr: Program, i: number, i2: number): Float64Array {
  return cacheOf(pr).grams.get(gramKey(pr, i, i2)) ?? computeGrams(pr, i, [i2])[0];
}

/** G_{ab} = G_{ba}: one cache key for both. */
function gramKey(pr: Program, a: number, b: number): number {
  return Math.min(a, b) * pr.P + Math.max(a, b);
}

/**
 * The pair Grams of the support's patterns that are not cached yet, each new pattern with all its
 * partners in one product (yielded, so onnxruntime runs it when large): the rows' packed outer
 * products W (n×u) times the masks d_a ∘ d_b (K×n). Why: summed in JS they were a fifth of the
 * n = 1e4, d = 10, 1000-pattern solve (~30 000 pairs over ~340 patterns).
 */
export function* ensurePairGrams(pr: Program, pats: number[]): Generator<ProductRequest, void, Mat> {
  const c = cacheOf(pr);
  const W = rowOuters(pr);
  const uniq = [...new Set(pats)].sort((x, y) => x - y);
  const missing = (a: number) => uniq.filter((b) => !c.grams.has(gramKey(pr, a, b)));
  // the patterns with most missing pairs first: a pattern new to the support then takes all of its
  // pairs in one product
  const order = uniq.map((a) => ({ a, m: missing(a).length })).sort((x, y) => y.m - x.m || x.a - y.a);
  for (const { a } of order) {
    const partners = missing(a);
    if (!partners.length) continue;
    if (!W) {
      computeGrams(pr, a, partners);
      continue;
    }
    const acc: Mat = yield { a: pairMasks(pr, a, partners), b: W };
    storeGrams(pr, a, partners, acc.data);
  }
}

/** Rows of d_a ∘ d_b for every b in `partners` (K×n, 0/1). */
function pairMasks(pr: Program, a: number, partners: number[]): Mat {
  const { n } = pr,
    on = onRowsOf(pr, a);
  const M = new Float64Array(partners.length * n);
  partners.forEach((b, k) => {
    const db = pr.patterns[b],
      o = k * n;
    for (let t0 = 0; t0 < on.length; t0++) M[o + on[t0]] = db[on[t0]];
  });
  return { rows: partners.length, cols: n, data: M };
}

/** G_{ab} for every b in `partners`, summed in JS, cached and returned in that order. */
function computeGrams(pr: Program, a: number, partners: number[]): Float64Array[] {
  const W = rowOuters(pr);
  // the same product ensurePairGrams yields, in JS (matmul skips the masks' zeros)
  if (W) return storeGrams(pr, a, partners, matmul(pairMasks(pr, a, partners), W).data);
  const { p } = pr,
    X = pr.Xt.data,
    on = onRowsOf(pr, a),
    K = partners.length;
  const pd = partners.map((b) => pr.patterns[b]);
  const Gs = partners.map(() => new Float64Array(p * p));
  for (let k = 0; k < K; k++)
    for (let t0 = 0; t0 < on.length; t0++) {
      const j = on[t0];
      if (!pd[k][j]) continue;
      const o = j * p,
        G = Gs[k];
      for (let s = 0; s < p; s++) {
        const xs = X[o + s];
        if (xs === 0) continue;
        const row = s * p;
        for (let t = s; t < p; t++) G[row + t] += xs * X[o + t];
      }
    }
  return storeGrams(pr, a, partners, null, Gs);
}

/** Unpack (packed upper triangles, K×u) or take (upper-filled p×p) the Grams, symmetrize, cache. */
function storeGrams(pr: Program, a: number, partners: number[], packed: Float64Array | null, filled?: Float64Array[]): Float64Array[] {
  const c = cacheOf(pr),
    { p } = pr,
    u = (p * (p + 1)) / 2;
  return partners.map((b, k) => {
    let G = filled?.[k];
    if (!G) {
      G = new Float64Array(p * p);
      for (let s = 0, e = k * u; s < p; s++) for (let t = s; t < p; t++) G[s * p + t] = packed![e++];
    }
    for (let s = 0; s < p; s++) for (let t = 0; t < s; t++) G[s * p + t] = G[t * p + s];
    if (c.doubles + p * p > PAIR_GRAM_CACHE_DOUBLES) {
      c.grams.clear();
      c.doubles = 0;
    }
    c.grams.set(gramKey(pr, a, b), G);
    c.doubles += p * p;
    return G;
  });
}

/**
 * Pattern i's active rows as a list and its constraint signs s_j = ±1 as numbers: the per-step
 * loops then neither branch on d_i[j] (unpredictable for sampled patterns) nor skip half the rows.
 * The signs (n doubles) are made only for the support's patterns; the lists (n/2 ints) for every
 * pattern the entering scan visits.
 */
export function rowsOf(pr: Program, i: number): { on: Int32Array; sign: Float64Array } {
  const c = cacheOf(pr);
  let r = c.rows.get(i);
  if (!r) {
    const d = pr.patterns[i];
    const sign = Float64Array.from(d, (x) => (x ? 1 : -1));
    c.rows.set(i, (r = { on: onRowsOf(pr, i), sign }));
  }
  return r;
}

/** Pattern i's active rows, ascending. */
export function onRowsOf(pr: Program, i: number): Int32Array {
  const c = cacheOf(pr);
  let on = c.on.get(i);
  if (!on) {
    const d = pr.patterns[i],
      out: number[] = [];
    for (let j = 0; j < pr.n; j++) if (d[j]) out.push(j);
    c.on.set(i, (on = Int32Array.from(out)));
  }
  return on;
}

/** X̃ᵀd_i (the offset column's coupling with pattern i), cached. */
export function patternSum(pr: Program, i: number): Float64Array {
  const c = cacheOf(pr);
  const hit = c.sums.get(i);
  if (hit) return hit;
  const { n, p } = pr,
    X = pr.Xt.data,
    d = pr.patterns[i];
  const s = new Float64Array(p);
  for (let j = 0; j < n; j++) if (d[j]) for (let t = 0; t < p; t++) s[t] += X[j * p + t];
  c.sums.set(i, s);
  return s;
}

/** Work (flops) of one set of pair Grams for a support of `blocks` blocks. */
export function pairGramWork(pr: Program, blocks: number): number {
  return ((blocks * (blocks + 1)) / 2) * pr.n * pr.p * pr.p * 0.5;
}

/**
 * The Jacobian path when a step's pair-Gram products (|S|²/2 pairs at p²·m̄ each) cost more than
 * recomputing one face's row of Jacobian blocks (n·m̄·T) — wide p with small faces (d = 50: ~35×).
 */
export function useJacobian(pr: Program, blocks: number, T: number): boolean {
  const mbar = Math.max(1, T / Math.max(blocks, 1));
  return pr.p * pr.p * blocks > 4 * pr.n * mbar;
}

/** Work (flops) of building the support's Hessian once, by the path newtonOnFaces will take: what polish.ts limits. */
export function hessianWork(pr: Program, blocks: number, T: number): number {
  return useJacobian(pr, blocks, T) ? (pr.n * T * T) / 2 + pr.n * pr.p * T : pairGramWork(pr, blocks);
}

export function penNorm(z: ArrayLike<number>, pen: number): number {
  let s = 0;
  for (let t = 0; t < pen; t++) s += z[t] * z[t];
  return Math.sqrt(s);
}

/** Rows with a_jᵀz ≤ tol·‖x̃_j‖‖z‖: the face z sits on. */
export function faceOf(pr: Program, i: number, z: Float64Array, tol = 1e-9): number[] {
  const { n, p } = pr,
    X = pr.Xt.data,
    d = pr.patterns[i],
    norms = rowNormsOf(pr.Xt, 1);
  const zn = penNorm(z, p);
  const out: number[] = [];
  for (let j = 0; j < n; j++) {
    if (!(norms[j] > 0)) continue;
    const t = dotAt(X, j * p, z, 0, p);
    if ((d[j] ? t : -t) <= tol * norms[j] * zn) out.push(j);
  }
  return out;
}

/** a_j = s_j x̃_j, the row of pattern i's cone constraint. */
export function rowVec(pr: Program, i: number, j: number): Float64Array {
  const p = pr.p,
    s = pr.patterns[i][j] ? 1 : -1,
    X = pr.Xt.data,
    out = new Float64Array(p);
  for (let k = 0, o = j * p; k < p; k++) out[k] = s * X[o + k];
  return out;
}
