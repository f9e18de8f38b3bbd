/**
 * Exact scalar oracle max_{‖u‖=1} |λᵀ(X̂u)_+| for rank r ≤ 4 by enumeration of the hyperplane
 * arrangement {x̂_iᵀu = 0} on the sphere (MATH.md §3.5, derived for this project).
 *
 * h(u) = λᵀ(X̂u)_+ is linear on every face F of the arrangement: h = G_Fᵀu with G_F the sum of
 * λ_j x̂_j over the rows active on F. The maximum of ±h over the sphere is attained in the relative
 * interior of some face, either at a vertex or at the critical point ±Π_S G_F/‖Π_S G_F‖ of the
 * face's linear span S (value ‖Π_S G_F‖). Faces are enumerated recursively:
 *
 * - k = 2 (a great circle, or the whole problem when r = 2): sort the breakpoints of the rows on
 *   the circle (mod π: the active set at θ + π is the complement of the one at θ, so G(θ+π) =
 *   S − G(θ) and one half-turn suffices) and sweep, keeping the active sum G incrementally. On each
 *   arc the maximum of ±Gᵀu is ‖G‖ when ±G points into the arc, else at an endpoint. Arcs and
 *   vertices are evaluated exactly here ("swept values").
 * - k ≥ 3: for every row i, recurse into the great sphere S ∩ x̂_i^⊥ (rows parallel to x̂_i within
 *   S are zero there and are grouped: P₊ = Σ λ_j x̂_j over j ∥ +x̂_i (i included), P₋ over
 *   j ∥ −x̂_i). Every cell of the sub-arrangement with sum G borders two cells of this level: G + P₊
 *   on the side x̂_iᵀu > 0 and G + P₋ on the other. Every full-dimensional cell of this level has a
 *   boundary face of positive measure on some x̂_i^⊥, so all are enumerated (with duplicates).
 *   Each such cell is a *candidate* with bound ‖Π_S G‖ ≥ its interior maximum.
 *
 * Candidates whose bound does not exceed the best value known are discarded (their maximum is not
 * larger); the others are evaluated directly (h at the critical direction, O(n)) in decreasing
 * order of bound until the bound falls below the best value. A candidate whose critical point is
 * not in its cell has its maximum on the cell's boundary, which lower levels cover. Hence
 * M = max(swept values, evaluated candidates) up to rounding (see common.ts for the allowance).
 *
 * Speed-ups that keep exactness: (1) candidates are pre-filtered by "probes" (rows whose sign on
 * the cell is known from the sweep; a critical direction violating one is outside its cell);
 * (2) for r = 3 with many rows, prune3.ts selects by a branch and bound over spherical triangles
 * the circles that can matter (typically a few percent), turning O(n² log n) into O(k n log n).
 * Cost: r = 3, n = 10⁴ random data ≈ 3–6 s (about 3% of the circles swept).
 */

import { prune3 } from './prune3';
import { CandidateScreen } from './candidateScreen';
import { fpRel } from './common';
import { CancelledError } from '../errors';

/** sin of the angle (within the current subspace) below which two rows count as parallel. */
export const PARALLEL_TOL = 1e-13;
/** Candidates whose critical direction lies outside their cell's side by more than this are dropped (efficiency only). */
export const SIDE_TOL = 1e-9;

export class BudgetExceeded extends Error {
  constructor(public readonly patterns: number) {
    super(`pattern budget exceeded (${patterns})`);
  }
}

interface Ctx {
  r: number;
  /** rows x̂_j, n×r */
  X: Float64Array;
  lam: Float64Array;
  /** λ_j x̂_j, n×r */
  LX: Float64Array;
  bestVal: number;
  bestU: Float64Array;
  /** candidates: stride r+1 (bound, u[0..r-1]) */
  cand: Float64Array;
  nCand: number;
  patterns: number;
  budget: number;
  shouldStop?: () => boolean;
  /** row norms ‖x̂_j‖ */
  Xn: Float64Array;
  /** state of the circle sweep in progress, for probe tests of candidate cells */
  probe: ProbeState;
  /** fast path for r = 3 (top level, identity basis): the cells are built inline by cell3 */
  mode3: boolean;
  /** the top-level row whose circle mode3 sweeps (its key in sortMemo) */
  circle: number;
  t3Pp: Float64Array;
  t3Pm: Float64Array;
  t3ai: Float64Array;
  t3u: Float64Array;
  /** sweepArcs3's signed probes of the arc's bounding rows */
  t3ends: Float64Array;
  t3h: Float64Array;
  /** the arc in progress for offerArc: QᵀS, its start s and its end e */
  arc: Float64Array;
  /** sides (row, sign) of the lower levels in the current emit chain: constraints of every cell emitted through them */
  sideStack: { row: number; sign: number }[];
  pruneInfo: string;
}

/**
 * Probe test: a cell adjacent to the current arc has, for every row j of the circle's sweep, the
 * status that j has on the arc (complemented on the antipodal arc). A candidate critical
 * direction u violating one of these signs (beyond SIDE_TOL·‖x̂_j‖) is outside its cell, so its
 * maximum lies on the cell's boundary, which the sweeps cover: it can be skipped. Checked rows:
 * the arc's two bounding rows and up to PROBES rows spread over the circle's rows.
 */
interface ProbeState {
  status: Uint8Array;
  rows: Int32Array;
  cnt: number;
  probes: Int32Array;
  nProbes: number;
  ts: number;
  te: number;
  anti: boolean;
}
const PROBES = 24;

function probeRow(ctx: Ctx, t: number, u: Float64Array): boolean {
  if (t < 0) return true;
  const P = ctx.probe;
  const r = ctx.r;
  const j = P.rows[t];
  const o = j * r;
  const X = ctx.X;
  let z = 0;
  for (let k = 0; k < r; k++) z += X[o + k] * u[k];
  const st = (P.status[t] === 1) !== P.anti;
  const tol = SIDE_TOL * ctx.Xn[j];
  return st ? z >= -tol : z <= tol;
}

/** true when u (full r coords, unit) may lie in the cell adjacent to the current arc. */
function probeOK(ctx: Ctx, u: Float64Array): boolean {
  const P = ctx.probe;
  if (!probeRow(ctx, P.ts, u) || !probeRow(ctx, P.te, u)) return false;
  return probeRest(ctx, u);
}

/** probeOK without the arc's two bounding rows (sweepArcs3 tests those itself). */
function probeRest(ctx: Ctx, u: Float64Array): boolean {
  const P = ctx.probe;
  for (let q = 0; q < P.nProbes; q++) if (!probeRow(ctx, P.probes[q], u)) return false;
  return true;
}

export interface SweepResult {
  /** computed maximum (not yet including allowances) */
  value: number;
  /** direction in the r coordinates (unit) */
  u: Float64Array;
  patterns: number;
  candidatesEvaluated: number;
  /** not filled here (nothing read it); vertexEnum.ts still sets it to 0: delete it there, then here */
  rejected?: number;
  info?: string;
}

/** h(u) = λᵀ(X̂u)_+ by direct evaluation. */
function evalH(ctx: Ctx, u: Float64Array): number {
  const { r, X, lam } = ctx;
  const n = lam.length;
  if (r === 3) return evalH3(X, lam, n, u[0], u[1], u[2]);
  let s = 0;
  for (let i = 0; i < n; i++) {
    let z = 0;
    const o = i * r;
    for (let k = 0; k < r; k++) z += X[o + k] * u[k];
    if (z > 0) s += lam[i] * z;
  }
  return s;
}

/**
 * evalH at r = 3 with the products in the same order (z = 0 + x₀u₀ + x₁u₁ + x₂u₂, the leading 0 + is exact): the
 * same value bit for bit, without the inner loop. The candidates' evaluations are most of a rank-3 oracle call at
 * n = 10⁴ (17 000 directions × 10⁴ rows).
 *
 * No branch on the sign of z (a mispredicted branch per row cost 2.3× the loop): (z + |z|)·0.5 is z exactly when
 * z > 0 (doubling and halving are exact; |z| ≤ 4 after contributingRows' scaling) and +0 otherwise, and adding
 * λ·(±0) leaves s unchanged (s starts at +0 and a sum in round-to-nearest is never −0 unless both terms are): the
 * same value bit for bit as `if (z > 0) s += λz`.
 */
function evalH3(X: Float64Array, lam: Float64Array, n: number, u0: number, u1: number, u2: number): number {
  let s = 0;
  for (let i = 0, o = 0; i < n; i++, o += 3) {
    const z = X[o] * u0 + X[o + 1] * u1 + X[o + 2] * u2;
    s += lam[i] * ((z + Math.abs(z)) * 0.5);
  }
  return s;
}

function pushCandidate(ctx: Ctx, bound: number, u: Float64Array): void {
  const stride = ctx.r + 1;
  if ((ctx.nCand + 1) * stride > ctx.cand.length) {
    // prune to the ones still above the best value, then grow if needed
    let w = 0;
    for (let c = 0; c < ctx.nCand; c++) {
      if (ctx.cand[c * stride] > ctx.bestVal) {
        if (w !== c) ctx.cand.copyWithin(w * stride, c * stride, (c + 1) * stride);
        w++;
      }
    }
    ctx.nCand = w;
    if ((w + 1) * stride > ctx.cand.length / 2) {
      const nb = new Float64Array(ctx.cand.length * 2);
      nb.set(ctx.cand.subarray(0, w * stride));
      ctx.cand = nb;
    }
  }
  const o = ctx.nCand * stride;
  ctx.cand[o] = bound;
  for (let k = 0; k < ctx.r; k++) ctx.cand[o + 1 + k] = u[k];
  ctx.nCand++;
}

/** Offer a swept value ±h at direction dir2 (2-D coords of basis Q, r×2). */
function offerSwept(ctx: Ctx, val: number, Q: Float64Array, d0: number, d1: number): void {
  if (!(val > ctx.bestVal)) return;
  const r = ctx.r;
  const nn = Math.sqrt(d0 * d0 + d1 * d1);
  if (!(nn > 0)) return;
  for (let k = 0; k < r; k++) ctx.bestU[k] = (Q[k * 2] * d0 + Q[k * 2 + 1] * d1) / nn;
  ctx.bestVal = val;
}

// ---------- sorting of breakpoint keys (values in [0, 2)) ----------

let radixTmpIdx = new Int32Array(0);
let radixTmpKey = new Uint32Array(0);
let radixKey = new Uint32Array(0);
const radixCount = new Int32Array(2048);

/** Insertion sort of idx[0..m) by keys[idx]: linear on the nearly sorted output of the radix passes. */
function insertionSort(idx: Int32Array, keys: Float64Array, m: number): void {
  for (let a = 1; a < m; a++) {
    const v = idx[a];
    const kv = keys[v];
    let b = a - 1;
    while (b >= 0 && keys[idx[b]] > kv) {
      idx[b + 1] = idx[b];
      b--;
    }
    idx[b + 1] = v;
  }
}

/** Sorts idx[0..m) by keys[idx] ascending. keys in [0, 2). */
function sortByKey(idx: Int32Array, keys: Float64Array, m: number): void {
  if (m <= 48) {
    insertionSort(idx, keys, m);
    return;
  }
  if (radixTmpIdx.length < m) {
    radixTmpIdx = new Int32Array(m * 2);
    radixTmpKey = new Uint32Array(m * 2);
    radixKey = new Uint32Array(m * 2);
  }
  // coarse 32-bit keys, LSD radix (11, 11, 10 bits), then insertion fix-up by exact key
  for (let a = 0; a < m; a++) {
    let q = Math.floor(keys[idx[a]] * 2147483648);
    if (q < 0) q = 0;
    if (q > 4294967295) q = 4294967295;
    radixKey[a] = q >>> 0;
  }
  let srcI: Int32Array = idx,
    srcK: Uint32Array = radixKey,
    dstI: Int32Array = radixTmpIdx,
    dstK: Uint32Array = radixTmpKey;
  const shifts = [0, 11, 22];
  const masks = [2047, 2047, 1023];
  for (let p = 0; p < 3; p++) {
    const sh = shifts[p],
      mk = masks[p];
    radixCount.fill(0);
    for (let a = 0; a < m; a++) radixCount[(srcK[a] >>> sh) & mk]++;
    let sum = 0;
    for (let b = 0; b <= mk; b++) {
      const t = radixCount[b];
      radixCount[b] = sum;
      sum += t;
    }
    for (let a = 0; a < m; a++) {
      const bkt = (srcK[a] >>> sh) & mk;
      const pos = radixCount[bkt]++;
      dstI[pos] = srcI[a];
      dstK[pos] = srcK[a];
    }
    const ti = srcI;
    srcI = dstI;
    dstI = ti;
    const tk = srcK;
    srcK = dstK;
    dstK = tk;
  }
  // after 3 passes the result is in srcI (== radixTmpIdx since 3 is odd)
  if (srcI !== idx) idx.set(srcI.subarray(0, m));
  insertionSort(idx, keys, m);
}

/**
 * r = 3 fast path of the level-3 wrapper (identity basis): the two cells G + P₊ (side +) and
 * G + P₋ (side −) adjacent to the current arc; same logic as the generic wrapper in sphereLevel.
 * The caller counts the patterns (four per arc). The probes of the arc's two bounding rows come
 * signed in `ends` (see sweepArcs3), times `flip` = −1 on the antipodal arc; the other probes are probeRest's.
 */
function cell3(ctx: Ctx, G: Float64Array, P: Float64Array, sgn: number, ends: Float64Array, flip: number): void {
  const g0 = G[0] + P[0],
    g1 = G[1] + P[1],
    g2 = G[2] + P[2];
  const n2 = g0 * g0 + g1 * g1 + g2 * g2;
  const bv = ctx.bestVal;
  if (!(n2 > bv * bv)) return;
  const nn = Math.sqrt(n2);
  if (!(nn > bv)) return;
  const ai = ctx.t3ai;
  const dotA = g0 * ai[0] + g1 * ai[1] + g2 * ai[2];
  const tol = SIDE_TOL * nn;
  for (let pm = 1; pm >= -1; pm -= 2) {
    if (sgn * pm * dotA >= -tol) {
      const u0 = (pm * g0) / nn,
        u1 = (pm * g1) / nn,
        u2 = (pm * g2) / nn;
      const zs = flip * (0 + ends[0] * u0 + ends[1] * u1 + ends[2] * u2);
      const ze = flip * (0 + ends[4] * u0 + ends[5] * u1 + ends[6] * u2);
      const u = ctx.t3u;
      u[0] = u0;
      u[1] = u1;
      u[2] = u2;
      if (zs >= -ends[3] && ze >= -ends[7] && probeRest(ctx, u)) pushCandidate(ctx, nn, u);
    }
  }
}

/**
 * The angular orders of the rank-3 top-level circles, kept from one oracle call to the next on the same rows: the
 * breakpoints of circle i (their directions, hence their sort keys) depend on the rows X̂ only, not on λ, and column
 * generation calls the oracle again on the same data with a new λ (the certificate's two calls at n = 10⁴ sweep mostly
 * the same circles). A recalled order is the one sortByKey would return from the same keys, so the sweep is the same
 * bit for bit. Orders are kept up to SORT_MEMO_MAX_ENTRIES indices in all (16 MB at 16 bits an index; speed only);
 * other rows reset the memo.
 */
export const SORT_MEMO_MAX_ENTRIES = 1 << 23;

const sortMemo = {
  X: null as Float64Array | null,
  orders: new Map<number, Uint16Array | Int32Array>(),
  entries: 0,
  /** the rows of a new oracle call (contributingRows' X̂, m×3): the memo is kept when they are the previous call's */
  begin(X: Float64Array, m: number): void {
    const old = this.X;
    let same = old !== null && old.length === 3 * m;
    // the same numbers, zeros with the same sign
    for (let t = 0; same && t < 3 * m; t++) same = old![t] === X[t] && (X[t] !== 0 || 1 / old![t] === 1 / X[t]);
    this.X = X;
    if (!same) {
      this.orders.clear();
      this.entries = 0;
    }
  },
  recall(row: number, ord: Int32Array, cnt: number): boolean {
    const o = this.orders.get(row);
    if (!o || o.length !== cnt) return false;
    ord.set(o);
    return true;
  },
  keep(row: number, ord: Int32Array, cnt: number): void {
    if (this.entries + cnt > SORT_MEMO_MAX_ENTRIES) return;
    this.orders.set(row, cnt <= 0x10000 ? Uint16Array.from(ord.subarray(0, cnt)) : ord.slice(0, cnt));
    this.entries += cnt;
  },
};

// ---------- k = 2: circle sweep ----------

interface CircleBufs {
  a0: Float64Array;
  a1: Float64Array; // breakpoint representative unit vectors
  act: Int8Array;
  key: Float64Array;
  ord: Int32Array;
}
let circleBufs: CircleBufs = { a0: new Float64Array(0), a1: new Float64Array(0), act: new Int8Array(0), key: new Float64Array(0), ord: new Int32Array(0) };
function getCircleBufs(m: number): CircleBufs {
  if (circleBufs.a0.length < m) {
    const L = Math.max(m, 16) * 2;
    circleBufs = { a0: new Float64Array(L), a1: new Float64Array(L), act: new Int8Array(L), key: new Float64Array(L), ord: new Int32Array(L) };
  }
  return circleBufs;
}

type Emit = ((G: Float64Array) => void) | null;

/**
 * Sweep of the great circle spanned by Q (r×2, orthonormal columns) over rows pts.
 * Emits the active sum (full r coords) of every arc (and of its antipode) to `emit`.
 */
function circleSweep(ctx: Ctx, Q: Float64Array, pts: Int32Array, m: number, emit: Emit): void {
  const r = ctx.r;
  const G = new Float64Array(r);
  const S = new Float64Array(r);
  const cnt = circleBreakpoints(ctx, Q, pts, m, G, S);
  const { a0, a1, act, key, ord } = circleBufs;
  if (!(ctx.mode3 && sortMemo.recall(ctx.circle, ord, cnt))) {
    sortByKey(ord, key, cnt);
    if (ctx.mode3) sortMemo.keep(ctx.circle, ord, cnt);
  }
  const P = startProbes(ctx, act, cnt);
  if (ctx.mode3) sweepArcs3(ctx, Q, G, S, cnt, packRecords3(ctx, ord, cnt), ord, P);
  else sweepArcs(ctx, Q, G, S, cnt, emit, a0, a1, act, ord, P);
}

/** Numbers per breakpoint in packRecords3's records. */
const REC3 = 10;
let rec3 = new Float64Array(0);

/**
 * Everything sweepArcs3 reads about the ev-th breakpoint in angular order (t = ord[ev]), contiguous at REC3·ev: a0, a1,
 * act, λ_j x̂_j (3), x̂_j (3), ‖x̂_j‖. The angular order is a random order of the rows: gathered here in one pass of
 * independent loads, the sweep then reads its records in sequence (reading six arrays at random places from the sweep
 * itself cost a quarter of it at n = 10⁴, in cache misses).
 */
function packRecords3(ctx: Ctx, ord: Int32Array, cnt: number): Float64Array {
  const { X, LX, Xn } = ctx;
  const { a0, a1, act } = circleBufs;
  if (rec3.length < REC3 * cnt) rec3 = new Float64Array(REC3 * Math.max(cnt, 16) * 2);
  const R = rec3;
  for (let ev = 0, b = 0; ev < cnt; ev++, b += REC3) {
    const t = ord[ev];
    const j = cntRow[t];
    const o = 3 * j;
    R[b] = a0[t];
    R[b + 1] = a1[t];
    R[b + 2] = act[t];
    R[b + 3] = LX[o];
    R[b + 4] = LX[o + 1];
    R[b + 5] = LX[o + 2];
    R[b + 6] = X[o];
    R[b + 7] = X[o + 1];
    R[b + 8] = X[o + 2];
    R[b + 9] = Xn[j];
  }
  return R;
}

/**
 * The breakpoints of the rows on the circle (circleBufs: unit enter directions a0/a1 in the upper half-plane, whether
 * the row turns on or off there, pseudo-angle keys; cntRow: their rows). Accumulates S = Σ λ_j x̂_j over them and G,
 * the active sum at the start of the half-turn. Returns their count (rows zero in this plane are skipped).
 */
function circleBreakpoints(ctx: Ctx, Q: Float64Array, pts: Int32Array, m: number, G: Float64Array, S: Float64Array): number {
  const { r, X, LX } = ctx;
  const { a0, a1, act, key, ord } = getCircleBufs(m);
  const rowsL = cntRow;
  let cnt = 0;
  for (let t = 0; t < m; t++) {
    const j = pts[t];
    const o = j * r;
    let p0 = 0,
      p1 = 0;
    for (let k = 0; k < r; k++) {
      p0 += X[o + k] * Q[k * 2];
      p1 += X[o + k] * Q[k * 2 + 1];
    }
    // enter direction e = (p1, -p0): a_jᵀu turns positive when u passes e counter-clockwise
    let e0 = p1,
      e1 = -p0;
    // into the upper half-plane (ac = −1: flipped), by exact sign changes and without a branch on the random side
    const ac = 2 * (+(e1 > 0) | (+(e1 === 0) & +(e0 > 0))) - 1;
    e0 *= ac;
    e1 *= ac;
    const nn = Math.sqrt(e0 * e0 + e1 * e1);
    if (!(nn > 0)) continue; // zero in this plane: contributes nothing on the circle
    for (let k = 0; k < r; k++) S[k] += LX[o + k];
    e0 /= nn;
    e1 /= nn;
    a0[cnt] = e0;
    a1[cnt] = e1;
    act[cnt] = ac;
    key[cnt] = 1 - e0 / (Math.abs(e0) + e1); // pseudo-angle in [0, 2), monotone on the upper half-plane
    ord[cnt] = cnt;
    // active just before its exit when ac < 0: adding 0·λx̂ = ±0 otherwise leaves G as it is (G starts at +0)
    const w = (1 - ac) >> 1;
    for (let k = 0; k < r; k++) G[k] += w * LX[o + k];
    rowsL[cnt] = j;
    cnt++;
  }
  return cnt;
}

/** The probe state at the start of the sweep: every breakpoint row's status on the first arc, and the probe rows. */
function startProbes(ctx: Ctx, act: Int8Array, cnt: number): ProbeState {
  const P = ctx.probe;
  if (P.status.length < cnt) P.status = new Uint8Array(Math.max(cnt, 16) * 2);
  for (let t = 0; t < cnt; t++) P.status[t] = act[t] < 0 ? 1 : 0;
  P.rows = cntRow;
  P.cnt = cnt;
  P.nProbes = Math.min(PROBES, cnt);
  for (let q = 0; q < P.nProbes; q++) P.probes[q] = Math.floor(((q + 0.5) * cnt) / P.nProbes);
  return P;
}

/**
 * The half-turn itself: on every arc, the swept values (offerArc) and the cells bordering it (cell3 at the top of a
 * rank-3 problem, else `emit`), then the breakpoint at the arc's end updates G and the probe status.
 */
function sweepArcs(
  ctx: Ctx,
  Q: Float64Array,
  G: Float64Array,
  S: Float64Array,
  cnt: number,
  emit: Emit,
  a0: Float64Array,
  a1: Float64Array,
  act: Int8Array,
  ord: Int32Array,
  P: ProbeState,
): void {
  const { r, LX } = ctx;
  const rowsL = cntRow;
  const Gp = new Float64Array(r);
  // S2 = QᵀS
  let S0 = 0,
    S1 = 0;
  for (let k = 0; k < r; k++) {
    S0 += Q[k * 2] * S[k];
    S1 += Q[k * 2 + 1] * S[k];
  }
  let s0 = 1,
    s1 = 0; // arc start
  const arc = ctx.arc;
  arc[0] = S0;
  arc[1] = S1;
  let ev = 0;
  for (;;) {
    // apply all events at the arc start (ev points to the next unprocessed event)
    // arc end:
    let e0: number, e1: number;
    if (ev < cnt) {
      const t = ord[ev];
      e0 = a0[t];
      e1 = a1[t];
    } else {
      e0 = -1;
      e1 = 0;
    }
    arc[2] = s0;
    arc[3] = s1;
    arc[4] = e0;
    arc[5] = e1;
    offerArc(ctx, Q, G, arc);
    if (emit) {
      P.ts = ev > 0 ? ord[ev - 1] : -1;
      P.te = ev < cnt ? ord[ev] : -1;
      P.anti = false;
      emit(G);
      for (let k = 0; k < r; k++) Gp[k] = S[k] - G[k];
      P.anti = true;
      emit(Gp);
    }
    if (ev >= cnt) break;
    // process the event at e
    const t = ord[ev];
    const o = rowsL[t] * r;
    if (act[t] > 0) for (let k = 0; k < r; k++) G[k] += LX[o + k];
    else for (let k = 0; k < r; k++) G[k] -= LX[o + k];
    P.status[t] = act[t] > 0 ? 1 : 0;
    ev++;
    s0 = e0;
    s1 = e1;
  }
}
/**
 * sweepArcs at the top of a rank-3 problem (ctx.mode3): per arc the swept values and the four cells bordering the arc
 * and its antipode (cell3). The arithmetic is sweepArcs' in the same order, over packRecords3's records (the sweep's
 * inner loop: 3·10⁶ arcs per oracle call at n = 10⁴); an event adds act·λ_j x̂_j with act = ±1, which is adding or
 * subtracting λ_j x̂_j exactly, without a branch the data's random order would mispredict.
 *
 * The probes of the arc's bounding rows (probeRow for P.ts and P.te) are kept signed in `ends`: σ·x̂_j and
 * SIDE_TOL·‖x̂_j‖ for the start row then the end row, σ = +1 when the row is active on the arc (probeRow's test z ≥ −tol
 * if active, z ≤ tol if not, is σ·z ≥ −tol, and σ·z is computed exactly as (σx̂_j)ᵀu), negated by cell3 for the
 * antipodal arc. A row is active on the arcs after its event iff act > 0, so σ = −act before it and act after it.
 * No bounding row (the half-turn's ends): x̂ = 0 and tol = ∞, a test that always passes.
 */
function sweepArcs3(ctx: Ctx, Q: Float64Array, G: Float64Array, S: Float64Array, cnt: number, rec: Float64Array, ord: Int32Array, P: ProbeState): void {
  const { t3Pp, t3Pm, arc } = ctx;
  const ends = ctx.t3ends;
  const H = ctx.t3h;
  const status = P.status;
  arc[0] = 0 + Q[0] * S[0] + Q[2] * S[1] + Q[4] * S[2];
  arc[1] = 0 + Q[1] * S[0] + Q[3] * S[1] + Q[5] * S[2];
  arc[2] = 1;
  arc[3] = 0; // arc start
  ends.fill(0);
  ends[3] = ends[7] = Infinity;
  for (let ev = 0; ; ev++) {
    if (ev < cnt) {
      const b = REC3 * ev;
      arc[4] = rec[b];
      arc[5] = rec[b + 1];
      const sg = -rec[b + 2];
      ends[4] = sg * rec[b + 6];
      ends[5] = sg * rec[b + 7];
      ends[6] = sg * rec[b + 8];
      ends[7] = SIDE_TOL * rec[b + 9];
    } else {
      arc[4] = -1;
      arc[5] = 0; // the half-turn's end
      ends[4] = ends[5] = ends[6] = 0;
      ends[7] = Infinity;
    }
    offerArc(ctx, Q, G, arc);
    ctx.patterns += 4;
    P.anti = false;
    cell3(ctx, G, t3Pp, 1, ends, 1);
    cell3(ctx, G, t3Pm, -1, ends, 1);
    H[0] = S[0] - G[0];
    H[1] = S[1] - G[1];
    H[2] = S[2] - G[2];
    P.anti = true;
    cell3(ctx, H, t3Pp, 1, ends, -1);
    cell3(ctx, H, t3Pm, -1, ends, -1);
    if (ev >= cnt) break;
    const b = REC3 * ev;
    const a = rec[b + 2];
    G[0] += a * rec[b + 3];
    G[1] += a * rec[b + 4];
    G[2] += a * rec[b + 5];
    status[ord[ev]] = (a + 1) >> 1;
    // the end row becomes the next arc's start row, now on its other side
    ends[0] = -ends[4];
    ends[1] = -ends[5];
    ends[2] = -ends[6];
    ends[3] = ends[7];
    arc[2] = arc[4];
    arc[3] = arc[5];
  }
}

/**
 * One arc (s, e) of the circle sweep, active sum G, and its antipodal arc (−s, −e), active sum S − G: offers the
 * endpoint values and each arc's interior maximum ‖QᵀG‖ when its direction lies in the arc. `arc` holds QᵀS, s and e
 * (S0, S1, s0, s1, e0, e1): numbers passed in a typed array, not as arguments, which V8 would box on every call.
 */
function offerArc(ctx: Ctx, Q: Float64Array, G: Float64Array, arc: Float64Array): void {
  const r = ctx.r;
  let g0 = 0,
    g1 = 0;
  for (let k = 0; k < r; k++) {
    g0 += Q[k * 2] * G[k];
    g1 += Q[k * 2 + 1] * G[k];
  }
  const S0 = arc[0],
    S1 = arc[1],
    s0 = arc[2],
    s1 = arc[3],
    e0 = arc[4],
    e1 = arc[5];
  const h0 = S0 - g0,
    h1 = S1 - g1;
  // endpoint s: h(s) = gᵀs, h(-s) = -(S-G)ᵀs
  const hs = g0 * s0 + g1 * s1;
  if (Math.abs(hs) > ctx.bestVal) offerSwept(ctx, Math.abs(hs), Q, s0, s1);
  const hms = -(h0 * s0 + h1 * s1);
  if (Math.abs(hms) > ctx.bestVal) offerSwept(ctx, Math.abs(hms), Q, -s0, -s1);
  const ng = Math.sqrt(g0 * g0 + g1 * g1);
  if (ng > ctx.bestVal) {
    // +G in the arc: +h max; -G in the arc: -h max
    const cs = s0 * g1 - s1 * g0,
      ce = g0 * e1 - g1 * e0;
    if (cs >= 0 && ce >= 0) offerSwept(ctx, ng, Q, g0, g1);
    else if (cs <= 0 && ce <= 0) offerSwept(ctx, ng, Q, -g0, -g1);
  }
  const nh = Math.sqrt(h0 * h0 + h1 * h1);
  if (nh > ctx.bestVal) {
    // pattern S-G lives on the antipodal arc (-s, -e): +h max at h/|h| if -h ∈ arc; -h max at -h/|h| if h ∈ arc
    const cs = s0 * h1 - s1 * h0,
      ce = h0 * e1 - h1 * e0;
    if (cs >= 0 && ce >= 0) offerSwept(ctx, nh, Q, -h0, -h1);
    else if (cs <= 0 && ce <= 0) offerSwept(ctx, nh, Q, h0, h1);
  }
}

let cntRow = new Int32Array(0);
function ensureCntRow(m: number): void {
  if (cntRow.length < m) cntRow = new Int32Array(Math.max(m, 16) * 2);
}

// ---------- k ≥ 3: recursion over hyperplanes ----------

/** Working state of one level k ≥ 3 of the recursion; the buffers are reused over its rows i. */
interface Level {
  /** basis of the level's subspace, r×k */
  Q: Float64Array;
  k: number;
  emit: Emit;
  /** coordinates in Q of the level's rows (m×k) and their norms */
  A: Float64Array;
  An: Float64Array;
  /** current row i (index into X) and its unit normal in Q coordinates */
  row: number;
  ai: Float64Array;
  /** P₊, P₋: Σ λ_j x̂_j over the rows parallel to +x̂_i (i included) and to −x̂_i */
  Pp: Float64Array;
  Pm: Float64Array;
  Gc: Float64Array;
  g: Float64Array;
  ucand: Float64Array;
}

/** Coordinates A (m×k) in the basis Q of the rows pts, and their norms An. */
function rowCoords(ctx: Ctx, Q: Float64Array, k: number, pts: Int32Array, m: number): { A: Float64Array; An: Float64Array } {
  const { r, X } = ctx;
  const A = new Float64Array(m * k);
  const An = new Float64Array(m);
  for (let t = 0; t < m; t++) {
    const o = pts[t] * r;
    let s = 0;
    for (let c = 0; c < k; c++) {
      let v = 0;
      for (let q = 0; q < r; q++) v += X[o + q] * Q[q * k + c];
      A[t * k + c] = v;
      s += v * v;
    }
    An[t] = Math.sqrt(s);
  }
  return { A, An };
}

/** Qi = Q N (r×(k−1)), N (k×(k−1)) an orthonormal basis of ai^⊥ within the level's subspace. */
function hyperplaneBasis(r: number, lv: Level, N: Float64Array, Qi: Float64Array): void {
  const { Q, k, ai } = lv;
  const kk = k - 1;
  // Householder H = I - 2vvᵀ/vᵀv with v = ai + sign(ai0) e0; columns 1..k-1 of H span ai^⊥
  const sg = ai[0] >= 0 ? 1 : -1;
  const v0 = ai[0] + sg;
  let vv = v0 * v0;
  for (let c = 1; c < k; c++) vv += ai[c] * ai[c];
  for (let row = 0; row < k; row++) {
    const vr = row === 0 ? v0 : ai[row];
    for (let col = 1; col < k; col++) {
      const vc = ai[col];
      N[row * kk + (col - 1)] = (row === col ? 1 : 0) - (2 * vr * vc) / vv;
    }
  }
  for (let q = 0; q < r; q++)
    for (let c = 0; c < kk; c++) {
      let v = 0;
      for (let c2 = 0; c2 < k; c2++) v += Q[q * k + c2] * N[c2 * kk + c];
      Qi[q * kk + c] = v;
    }
}

/**
 * Sums the rows parallel to x̂_i (row i included) into P₊ / P₋ and lists the others in sub;
 * returns their count (the rows of the sub-sphere).
 */
function groupParallel(ctx: Ctx, lv: Level, pts: Int32Array, m: number, i: number, sub: Int32Array): number {
  const { r, LX } = ctx;
  const { k, A, An, ai, Pp, Pm } = lv;
  Pp.fill(0);
  Pm.fill(0);
  let ms = 0;
  for (let t = 0; t < m; t++) {
    const o = pts[t] * r;
    if (t === i) {
      for (let q = 0; q < r; q++) Pp[q] += LX[o + q];
      continue;
    }
    const an = An[t];
    if (!(an > 0)) continue;
    // component orthogonal to ai within the subspace
    let dot = 0;
    for (let c = 0; c < k; c++) dot += A[t * k + c] * ai[c];
    let perp2 = 0;
    for (let c = 0; c < k; c++) {
      const w = A[t * k + c] - dot * ai[c];
      perp2 += w * w;
    }
    if (Math.sqrt(perp2) <= PARALLEL_TOL * an) {
      if (dot > 0) for (let q = 0; q < r; q++) Pp[q] += LX[o + q];
      else for (let q = 0; q < r; q++) Pm[q] += LX[o + q];
    } else sub[ms++] = pts[t];
  }
  return ms;
}

/**
 * A cell of the sub-sphere on x̂_i^⊥ with active sum Gs: the two cells of this level bordering it
 * (sums Gs + P₊ on side +, Gs + P₋ on side −) become candidates when their bound ‖QᵀGc‖ beats the
 * best value and their critical direction passes the side and probe tests; then they go up via emit.
 */
function offerCells(ctx: Ctx, lv: Level, Gs: Float64Array): void {
  const r = ctx.r;
  const { Q, k, ai, Gc, g, ucand, emit } = lv;
  for (let sd = 0; sd < 2; sd++) {
    const P = sd === 0 ? lv.Pp : lv.Pm;
    const sgn = sd === 0 ? 1 : -1;
    for (let q = 0; q < r; q++) Gc[q] = Gs[q] + P[q];
    ctx.patterns++;
    // bound ‖QᵀGc‖
    let nn = 0;
    let dotA = 0;
    for (let c = 0; c < k; c++) {
      let v = 0;
      for (let q = 0; q < r; q++) v += Q[q * k + c] * Gc[q];
      g[c] = v;
      nn += v * v;
      dotA += v * ai[c];
    }
    nn = Math.sqrt(nn);
    if (nn > ctx.bestVal) {
      // +h critical direction g/‖g‖ must lie on side sgn of a_i; -h direction -g/‖g‖ likewise
      const tol = SIDE_TOL * nn;
      for (let pm = 1; pm >= -1; pm -= 2) {
        if (sgn * pm * dotA >= -tol) {
          for (let q = 0; q < r; q++) {
            let v = 0;
            for (let c = 0; c < k; c++) v += Q[q * k + c] * g[c];
            ucand[q] = (pm * v) / nn;
          }
          if (probeOK(ctx, ucand) && outerOK(ctx, ucand)) pushCandidate(ctx, nn, ucand);
        }
      }
    }
    if (emit) {
      ctx.sideStack.push({ row: lv.row, sign: sgn });
      emit(Gc);
      ctx.sideStack.pop();
    }
  }
  if (ctx.patterns > ctx.budget) throw new BudgetExceeded(ctx.patterns);
}

/**
 * Constraints of the enclosing levels (rows i of the parents with their sides, ctx.sideStack) hold
 * on every cell emitted through them as well: u violating one is outside its cell.
 */
function outerOK(ctx: Ctx, u: Float64Array): boolean {
  const { r, X } = ctx;
  for (let q = 0; q < ctx.sideStack.length; q++) {
    const { row, sign } = ctx.sideStack[q];
    const o = row * r;
    let z = 0;
    for (let c = 0; c < r; c++) z += X[o + c] * u[c];
    if (sign * z < -SIDE_TOL * ctx.Xn[row]) return false;
  }
  return true;
}

/**
 * Enumerates the arrangement on the unit sphere of the k-dim subspace spanned by Q (r×k).
 * `emit` receives the active sum of every k-dim cell (full r coords), or is null at the top.
 */
function sphereLevel(ctx: Ctx, Q: Float64Array, k: number, pts: Int32Array, m: number, emit: Emit, only: Uint8Array | null = null): void {
  const r = ctx.r;
  if (k === 2) {
    ensureCntRow(m);
    circleSweep(ctx, Q, pts, m, emit);
    return;
  }
  const { A, An } = rowCoords(ctx, Q, k, pts, m);
  const lv: Level = {
    Q,
    k,
    emit,
    A,
    An,
    row: -1,
    ai: new Float64Array(k),
    Pp: new Float64Array(r),
    Pm: new Float64Array(r),
    Gc: new Float64Array(r),
    g: new Float64Array(k),
    ucand: new Float64Array(r),
  };
  const kk = k - 1;
  const N = new Float64Array(k * kk);
  const Qi = new Float64Array(r * kk);
  const sub = new Int32Array(m);
  const offer = (Gs: Float64Array): void => offerCells(ctx, lv, Gs);
  for (let i = 0; i < m; i++) {
    if (ctx.shouldStop && ctx.shouldStop()) throw new CancelledError('oracle');
    const ani = An[i];
    if (!(ani > 0)) continue;
    if (only && !only[pts[i]]) continue;
    lv.row = pts[i];
    for (let c = 0; c < k; c++) lv.ai[c] = A[i * k + c] / ani;
    hyperplaneBasis(r, lv, N, Qi);
    const ms = groupParallel(ctx, lv, pts, m, i, sub);
    if (ms === 0) {
      // the sub-sphere has no rows: its only cell has sum 0 (h = 0 there, ≤ bestVal); still offer its neighbours
      offer(new Float64Array(r));
    } else {
      const Qcopy = Float64Array.from(Qi);
      if (k === 3 && r === 3 && emit === null) {
        // fast path: identity basis at the top of a rank-3 problem
        ctx.mode3 = true;
        ctx.circle = i;
        ctx.t3Pp.set(lv.Pp);
        ctx.t3Pm.set(lv.Pm);
        ctx.t3ai.set(lv.ai);
        ensureCntRow(ms);
        circleSweep(ctx, Qcopy, sub, ms, null);
        ctx.mode3 = false;
      } else sphereLevel(ctx, Qcopy, kk, sub.slice(0, ms), ms, offer);
    }
  }
}

/** Rank-3 problems with at least this many rows use the triangle pruning of prune3.ts. */
export const PRUNE_MIN_ROWS = 48;

export interface SweepOptions {
  budget: number;
  /** rank-3 circle pruning (default on for m ≥ PRUNE_MIN_ROWS) */
  prune?: boolean;
  shouldStop?: () => boolean;
  /** a known lower bound value with its direction (prunes candidates early) */
  seedValue?: number;
  seedU?: Float64Array;
}

/**
 * Exact max_{‖u‖=1} |λᵀ(X̂u)_+| for X̂ n×r, r ∈ {1, 2, 3, 4}. Returns the computed maximum
 * (before allowances) and its direction. Throws BudgetExceeded when the pattern count exceeds
 * the budget.
 */
export function exactScalar(Xh: Float64Array, n: number, r: number, lamIn: Float64Array, opts: SweepOptions): SweepResult {
  const { m, X, lam, LX, unscale } = contributingRows(Xh, n, r, lamIn);
  const ctx = newCtx(r, X, lam, LX, m, opts);
  const result = (value: number, u: Float64Array, patterns: number, candidatesEvaluated: number): SweepResult => ({
    value: value * unscale,
    u,
    patterns,
    candidatesEvaluated,
    info: ctx.pruneInfo,
  });
  if (opts.seedU && opts.seedU.length === r) {
    const v = Math.abs(evalH(ctx, opts.seedU));
    if (v > ctx.bestVal) {
      ctx.bestVal = v;
      ctx.bestU.set(opts.seedU);
    }
  }
  if (m === 0) return result(0, ctx.bestU, 0, 0);
  if (r === 1) {
    let hp = 0,
      hm = 0;
    for (let t = 0; t < m; t++) {
      if (X[t] > 0) hp += lam[t] * X[t];
      else hm -= lam[t] * X[t];
    }
    ctx.patterns = 2;
    if (Math.abs(hp) >= Math.abs(hm)) return result(Math.abs(hp), Float64Array.of(1), 2, 0);
    return result(Math.abs(hm), Float64Array.of(-1), 2, 0);
  }
  const pts = new Int32Array(m);
  for (let t = 0; t < m; t++) pts[t] = t;
  const Q = new Float64Array(r * r);
  for (let q = 0; q < r; q++) Q[q * r + q] = 1;
  if (r === 3) sortMemo.begin(X, m);
  let only: Uint8Array | null = null;
  if (r === 3 && m >= PRUNE_MIN_ROWS && opts.prune !== false) {
    // select the circles that need a sweep (prune3.ts); slack covers rounding of the bounds
    let lipS = 0;
    for (let t = 0; t < m; t++) lipS += Math.abs(lam[t]) * ctx.Xn[t];
    const pr = prune3(X, lam, ctx.Xn, m, ctx.bestVal, fpRel(m, 3) * lipS, opts.shouldStop);
    if (pr) {
      only = pr.sweep;
      let k = 0;
      for (let t = 0; t < m; t++) k += only[t];
      ctx.pruneInfo = `pruning: ${pr.triangles} triangles, ${k}/${m} circles swept, ${pr.candU.length / 4} leaf candidates`;
      const u = new Float64Array(3);
      for (let q = 0; q < pr.candU.length; q += 4) {
        u[0] = pr.candU[q + 1];
        u[1] = pr.candU[q + 2];
        u[2] = pr.candU[q + 3];
        pushCandidate(ctx, pr.candU[q], u);
      }
    } else ctx.pruneInfo = 'pruning: triangle budget exceeded, every circle swept';
  }
  sphereLevel(ctx, Q, r, pts, m, null, only);
  if (r === 2) ctx.patterns += 2 * m; // arcs of the circle
  const evaluated = evaluateCandidates(ctx);
  return result(ctx.bestVal, Float64Array.from(ctx.bestU), ctx.patterns, evaluated);
}

/** The sweep's state for the contributing rows X̂ (m×r), λ and λ_j x̂_j; the best direction starts at e₁ with value 0. */
function newCtx(r: number, X: Float64Array, lam: Float64Array, LX: Float64Array, m: number, opts: SweepOptions): Ctx {
  const ctx: Ctx = {
    r,
    X,
    lam,
    LX,
    bestVal: 0,
    bestU: new Float64Array(r),
    cand: new Float64Array(1024 * (r + 1)),
    nCand: 0,
    patterns: 0,
    budget: opts.budget,
    shouldStop: opts.shouldStop,
    Xn: new Float64Array(m),
    probe: { status: new Uint8Array(0), rows: new Int32Array(0), cnt: 0, probes: new Int32Array(PROBES), nProbes: 0, ts: -1, te: -1, anti: false },
    mode3: false,
    circle: -1,
    t3Pp: new Float64Array(3),
    t3Pm: new Float64Array(3),
    t3ai: new Float64Array(3),
    t3u: new Float64Array(3),
    t3ends: new Float64Array(8),
    t3h: new Float64Array(3),
    arc: new Float64Array(6),
    sideStack: [],
    pruneInfo: '',
  };
  for (let t = 0; t < m; t++) {
    let s2 = 0;
    for (let q = 0; q < r; q++) s2 += X[t * r + q] ** 2;
    ctx.Xn[t] = Math.sqrt(s2);
  }
  ctx.bestU[0] = 1;
  return ctx;
}

/**
 * The rows of X̂ that can contribute (λ_j ≠ 0, x̂_j ≠ 0: h does not depend on the others), with X̂ and λ scaled by
 * exact powers of two to O(1) magnitudes (no overflow in squared norms; scaling by powers of two commutes with
 * rounding, so the computed value is unchanged once multiplied by `unscale`); LX holds λ_j x̂_j.
 */
function contributingRows(Xh: Float64Array, n: number, r: number, lamIn: Float64Array) {
  const keep: number[] = [];
  for (let j = 0; j < n; j++) {
    if (lamIn[j] === 0) continue;
    let s = 0;
    for (let q = 0; q < r; q++) s += Xh[j * r + q] ** 2;
    if (s > 0) keep.push(j);
  }
  const m = keep.length;
  const X = new Float64Array(m * r);
  const lam = new Float64Array(m);
  const LX = new Float64Array(m * r);
  let mx = 0,
    ml = 0;
  for (const j of keep) {
    ml = Math.max(ml, Math.abs(lamIn[j]));
    for (let q = 0; q < r; q++) mx = Math.max(mx, Math.abs(Xh[j * r + q]));
  }
  const ex = mx > 0 ? Math.pow(2, -Math.floor(Math.log2(mx))) : 1;
  const el = ml > 0 ? Math.pow(2, -Math.floor(Math.log2(ml))) : 1;
  const unscale = 1 / (ex * el);
  for (let t = 0; t < m; t++) {
    const j = keep[t];
    lam[t] = lamIn[j] * el;
    for (let q = 0; q < r; q++) {
      X[t * r + q] = Xh[j * r + q] * ex;
      LX[t * r + q] = lam[t] * X[t * r + q];
    }
  }
  return { m, X, lam, LX, unscale };
}

/**
 * Evaluates the sweep's candidate directions in decreasing bound until no bound exceeds the best value; returns how
 * many were decided. At r = 3 a direction that an evaluated neighbour proves cannot beat the best value (Lipschitz,
 * ./candidateScreen.ts) is decided without its O(n) evaluation, which would have changed nothing.
 */
function evaluateCandidates(ctx: Ctx): number {
  const r = ctx.r;
  const stride = r + 1;
  const nc = ctx.nCand;
  const order = new Int32Array(nc);
  let live = 0;
  for (let c = 0; c < nc; c++) if (ctx.cand[c * stride] > ctx.bestVal) order[live++] = c;
  const ord = Array.from(order.subarray(0, live)).sort((a, b) => ctx.cand[b * stride] - ctx.cand[a * stride]);
  let evaluated = 0;
  const u = new Float64Array(r);
  const screen = r === 3 ? new CandidateScreen(ctx.lam, ctx.Xn, ctx.lam.length) : null;
  for (const c of ord) {
    const bound = ctx.cand[c * stride];
    if (!(bound > ctx.bestVal)) break;
    for (let q = 0; q < r; q++) u[q] = ctx.cand[c * stride + 1 + q];
    evaluated++;
    if (screen?.covers(u, ctx.bestVal)) continue;
    const h = evalH(ctx, u);
    const v = Math.abs(h);
    screen?.addLocal(u, h, ctx.X);
    if (v > ctx.bestVal) {
      ctx.bestVal = v;
      ctx.bestU.set(u);
    }
  }
  return evaluated;
}
