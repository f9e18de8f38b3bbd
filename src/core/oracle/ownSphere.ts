/**
 * Vector outputs with c > 3 for the own-cone oracle (MATH.md §3.7): M_own(Λ) = max_{‖g‖=1} σ(g),
 * σ(g) = M_own(Λg) a support function of g (a max of linear functions: ≥ 0, positively homogeneous,
 * subadditive). Two sound upper bounds, the smaller is used:
 *
 * 1. Simplicial branch and bound on the sphere S^{c−1} (the c = 3 triangles of oracle/vector.ts in
 *    any dimension). A cell is the cone of c unit vertices g_1..g_c. For g = Σ a_j g_j (a ≥ 0) on the
 *    sphere, σ(g) ≤ Σ a_j σ(g_j) ≤ (Σ a_j)·max_j σ(g_j), and for ANY n with t_j = nᵀg_j > 0,
 *    ‖n‖ ≥ nᵀg = Σ a_j t_j ≥ (min t)·Σ a_j, so Σ a_j ≤ ‖n‖/min t. n = G⁻¹1 (G rows g_j) makes
 *    this the inverse distance of the vertices' hyperplane from 0; it only has to be roughly right,
 *    since t is recomputed from n. The 2^c orthant cells (vertices ±e_k) cover the sphere; a cell is
 *    split at the normalized midpoint of its longest edge, and both children cover it (m is a positive
 *    combination of the edge's ends). The midpoint's rounding leaves slivers of width ~ε between
 *    children: a missed g lies within δ ≲ 1e-15 of a covered one, σ(g) ≤ bound + δ·S, hence the
 *    final (1 + SPHERE_COVER_SLACK) factor.
 * 2. The spectral bound (per block, no cone): max_{z∈K_j, ‖Pz‖≤1} ‖B_jz‖ ≤ σ_max(B_j) — computed by
 *    the caller, which knows the blocks.
 * 3. For few input coordinates (p ≤ ZSPHERE_MAX_P, fixed or no hidden bias): the same cells on the
 *    NEURON sphere S^{p−1} (zSphereBranchAndBound), where every vertex costs P small products instead
 *    of P cone projections and the work does not grow with c. Its bound converges only to first order
 *    where the maximum sits on a cone's face (measured: ~1e-8 relative within the budget).
 *
 * The branch and bound stops at a relative tolerance, an evaluation cap or a deadline; the heap's
 * largest cell bound is a sound upper bound at any stopping point.
 */
import type { SweepResult } from './sweep';
import { EPS } from './common';
import { heapPop, heapPush } from './boundHeap';
import { withVertex } from './runningBest';
import { CancelledError } from '../errors';

/**
 * A simplex cell on the sphere is split at the midpoint (normalized) of its longest edge — the pair
 * of vertices with the smallest cosine — so cells shrink in every direction over the splits.
 */
function longestEdgeMidpoint(V: Float64Array[], verts: number[]): { ia: number; ib: number; m: Float64Array } {
  const dim = verts.length;
  let ia = 0,
    ib = 1,
    cmin = Infinity;
  for (let a = 0; a < dim; a++)
    for (let b = a + 1; b < dim; b++) {
      const va = V[verts[a]],
        vb = V[verts[b]];
      let s = 0;
      for (let k = 0; k < va.length; k++) s += va[k] * vb[k];
      if (s < cmin) {
        cmin = s;
        ia = a;
        ib = b;
      }
    }
  const va = V[verts[ia]],
    vb = V[verts[ib]];
  const m = Float64Array.from(va, (x, k) => x + vb[k]);
  let mn = 0;
  for (let k = 0; k < m.length; k++) mn += m[k] * m[k];
  mn = Math.sqrt(mn);
  for (let k = 0; k < m.length; k++) m[k] /= mn;
  return { ia, ib, m };
}

/** Why a branch and bound stops here (tolerance met, evaluation cap, deadline), or null to go on. */
function stopOf(met: boolean, relTol: number, evals: number, maxEvals: number, deadline: number): { stopReason: string; converged: boolean } | null {
  if (met) return { stopReason: `converged (relative tolerance ${relTol})`, converged: true };
  if (evals >= maxEvals) return { stopReason: `evaluation cap ${maxEvals}`, converged: false };
  if (performance.now() > deadline) return { stopReason: 'safety deadline (wall clock)', converged: false };
  return null;
}

/** The two children of a cell split at its longest edge's midpoint (a new vertex). */
function splitCell(V: Float64Array[], verts: number[], addVertex: (m: Float64Array) => number): [number[], number[]] {
  const { ia, ib, m } = longestEdgeMidpoint(V, verts);
  const mi = addVertex(m);
  const c1 = verts.slice(),
    c2 = verts.slice();
  c1[ia] = mi;
  c2[ib] = mi;
  return [c1, c2];
}

/** Relative upper−best gap at which the c > 3 branch and bound stops. */
export const SPHERE_REL_TOL = 1e-9;
/** Largest number of σ evaluations in one c > 3 branch and bound (callers pass a smaller work budget, ownOracle OWN_WIDE_CALL_EVALS). */
export const SPHERE_MAX_EVALS = 50000;
/** Memory cap: stored per-block vertex values (doubles) of one branch and bound (1e7 = 80 MB); fewer evaluations when blocks are many. */
export const SPHERE_MAX_BLOCK_DOUBLES = 1e7;
/** Largest c for which the 2^c orthant cells are built (beyond: the spectral bound alone). */
export const SPHERE_MAX_C = 10;
/** Covers the rounding slivers between split cells (header). */
export const SPHERE_COVER_SLACK = 1e-12;

export interface SphereBBResult {
  /** sound upper bound on max_{‖g‖=1} σ(g), allowance A included (Infinity when not run) */
  upper: number;
  best: number;
  /** argmax (as returned by sigma) of the vertex with the largest vecNorm */
  u: Float64Array;
  converged: boolean;
  evals: number;
  cells: number;
  stopReason: string;
}

interface Cell {
  bound: number;
  verts: number[];
}

/** LU factors (partial pivoting) of a c×c matrix given by rows; null if singular. */
function luRows(G: Float64Array[]): { A: Float64Array[]; perm: number[] } | null {
  const c = G.length;
  const A = G.map((r) => Float64Array.from(r));
  const perm = Array.from({ length: c }, (_, k) => k);
  for (let k = 0; k < c; k++) {
    let piv = k;
    for (let i = k + 1; i < c; i++) if (Math.abs(A[i][k]) > Math.abs(A[piv][k])) piv = i;
    if (!(Math.abs(A[piv][k]) > 1e-300)) return null;
    [A[k], A[piv]] = [A[piv], A[k]];
    [perm[k], perm[piv]] = [perm[piv], perm[k]];
    for (let i = k + 1; i < c; i++) {
      const f = A[i][k] / A[k][k];
      A[i][k] = f;
      if (f === 0) continue;
      for (let j = k + 1; j < c; j++) A[i][j] -= f * A[k][j];
    }
  }
  return { A, perm };
}

/** Solves G y = rhs from luRows(G); null if not finite. */
function luSolve(f: { A: Float64Array[]; perm: number[] }, rhs: ArrayLike<number>): Float64Array | null {
  const { A, perm } = f;
  const c = A.length;
  const y = new Float64Array(c);
  for (let k = 0; k < c; k++) {
    let s = rhs[perm[k]];
    for (let j = 0; j < k; j++) s -= A[k][j] * y[j];
    y[k] = s;
  }
  for (let k = c - 1; k >= 0; k--) {
    let s = y[k];
    for (let j = k + 1; j < c; j++) s -= A[k][j] * y[j];
    y[k] = s / A[k][k];
  }
  return y.every(Number.isFinite) ? y : null;
}

/**
 * F with Σ a_j ≤ F for every unit g = Σ a_j g_j (a ≥ 0) in the cone of the unit vertices V; Infinity
 * when not certified. n = V⁻¹1 is only a good guess: t is recomputed from it.
 */
export function coneFactor(V: Float64Array[], lu = luRows(V)): number {
  const c = V.length;
  const n = lu ? luSolve(lu, new Float64Array(c).fill(1)) : null;
  if (!n) return Infinity;
  let nn = 0;
  for (let k = 0; k < c; k++) nn += n[k] * n[k];
  nn = Math.sqrt(nn);
  let tmin = Infinity;
  for (const g of V) {
    let t = 0;
    for (let k = 0; k < c; k++) t += n[k] * g[k];
    tmin = Math.min(tmin, t);
  }
  // rounding of t and ‖n‖: each a sum of c products, relative error ≤ (c + 2)ε of ‖n‖‖g‖ (‖g‖ = 1 ± cε)
  const err = 4 * (c + 4) * EPS * nn;
  tmin -= err;
  if (!(tmin > 0)) return Infinity;
  return ((nn + err) / tmin) * (1 + 8 * EPS);
}

/**
 * Per-block interpolation bound: each signed block value σ_j is itself sublinear in g, so for
 * g = Σ a_k g_k, σ_j(g) ≤ Σ_k a_k s_jk = s_jᵀa (s_jk ≥ σ_j(g_k) the vertex values). With y = V⁻¹s_j
 * (any y) and h = Vᵀa = g: s_jᵀa = yᵀg + (s_j − Vy)ᵀa ≤ ‖y‖ + max_k(s_j − Vy)_k⁺·F. Exact in y, so only
 * the rounding of ‖y‖ and of the residual is paid. Returns max_j of that. The caller's allowance A
 * is added once, not times F: the oracle's A (a free bias's centring charge) bounds σ′_j(g) − σ_j(g)
 * at every unit g, σ_j the block value for the Λ actually passed (sublinear, and bounded at the vertices
 * by the values given) and σ′_j the one for the centred Λ′.
 */
function interpolationBound(lu: { A: Float64Array[]; perm: number[] }, V: Float64Array[], blocks: Float64Array[], F: number): number {
  const c = V.length,
    nb = blocks[0].length;
  const rhs = new Float64Array(c);
  let mx = 0;
  for (let j = 0; j < nb; j++) {
    let any = false;
    for (let k = 0; k < c; k++) {
      rhs[k] = blocks[k][j];
      if (rhs[k] > 0) any = true;
    }
    if (!any) continue; // σ_j ≥ 0 and ≤ 0 at every vertex: 0 on the cell
    const y = luSolve(lu, rhs);
    if (!y) return Infinity;
    let yn = 0;
    for (let k = 0; k < c; k++) yn += y[k] * y[k];
    yn = Math.sqrt(yn) * (1 + 4 * (c + 2) * EPS);
    let rmax = 0;
    for (let k = 0; k < c; k++) {
      let r = rhs[k];
      for (let l = 0; l < c; l++) r -= V[k][l] * y[l];
      r += 4 * (c + 2) * EPS * (Math.abs(rhs[k]) + yn);
      rmax = Math.max(rmax, r);
    }
    const b = yn + (rmax > 0 ? rmax * F : 0);
    if (b > mx) mx = b;
  }
  return mx;
}

/**
 * @param sigma sound scalar evaluation at a unit g: value ≥ σ(g) − A, with an argmax
 * @param A allowance: σ(g) ≤ value + A for every unit g
 * @param vecNorm direct ‖Λᵀ(…)_+‖ at an argmax, to rank argmaxes
 */
export function sphereBranchAndBound(
  c: number,
  sigma: (g: Float64Array) => SweepResult & { blocks?: Float64Array },
  A: number,
  vecNorm: (u: Float64Array) => number,
  opts: { shouldStop?: () => boolean; deadline?: number; maxEvals?: number; relTol?: number } = {},
): SphereBBResult {
  let maxEvals = opts.maxEvals ?? SPHERE_MAX_EVALS;
  const relTol = opts.relTol ?? SPHERE_REL_TOL;
  const deadline = opts.deadline ?? Infinity;
  const V: Float64Array[] = [];
  const S: number[] = [];
  const BL: (Float64Array | undefined)[] = [];
  let best = 0,
    bestNorm = -1;
  let bestU: Float64Array = new Float64Array(0);
  const out = (stopReason: string, upper: number, converged: boolean, cells: number): SphereBBResult => ({
    upper,
    best,
    u: bestU,
    converged,
    evals: V.length,
    cells,
    stopReason,
  });
  const addVertex = (g: Float64Array): number => {
    if (opts.shouldStop?.()) throw new CancelledError('oracle');
    const r = sigma(g);
    V.push(g);
    S.push(r.value);
    BL.push(r.blocks);
    if (V.length === 1 && r.blocks?.length) maxEvals = Math.max(4 * c, Math.min(maxEvals, Math.floor(SPHERE_MAX_BLOCK_DOUBLES / r.blocks.length)));
    ({ best, bestU, bestNorm } = withVertex({ best, bestU, bestNorm }, r, vecNorm));
    return V.length - 1;
  };
  const makeCell = (verts: number[]): Cell => {
    let mx = 0;
    for (const k of verts) mx = Math.max(mx, S[k] + A);
    const Vc = verts.map((k) => V[k]);
    const lu = luRows(Vc);
    const f = coneFactor(Vc, lu);
    if (!Number.isFinite(f) || !lu) return { bound: Infinity, verts };
    let bound = mx * f;
    const bl = verts.map((k) => BL[k]);
    if (bl.every((b): b is Float64Array => b !== undefined && b.length > 0)) bound = Math.min(bound, interpolationBound(lu, Vc, bl, f) + A);
    return { bound, verts };
  };
  // the 2c axis vertices first: with the deadline passed before they are all evaluated there is no bound
  const axis: number[][] = [];
  for (let k = 0; k < c; k++) {
    const pair: number[] = [];
    for (const s of [1, -1]) {
      if (performance.now() > deadline) return out('deadline before the axis vertices were evaluated', Infinity, false, 0);
      const e = new Float64Array(c);
      e[k] = s;
      pair.push(addVertex(e));
    }
    axis.push(pair);
  }
  // beyond SPHERE_MAX_C the 2^c cells are too many: the axis vertices serve the lower bound only
  if (c > SPHERE_MAX_C) return out(`c = ${c} > ${SPHERE_MAX_C}: no branch and bound`, Infinity, false, 0);
  const heap: Cell[] = [];
  const push = (cell: Cell) => heapPush(heap, cell);
  const pop = (): Cell => heapPop(heap);
  for (let mask = 0; mask < 1 << c; mask++) push(makeCell(axis.map((pr, k) => pr[(mask >> k) & 1])));
  let stopReason = '';
  let converged = false;
  for (;;) {
    const top = heap[0];
    const stop = stopOf(top.bound <= (best + A) * (1 + relTol), relTol, V.length, maxEvals, deadline);
    if (stop) {
      ({ stopReason, converged } = stop);
      break;
    }
    pop();
    const [c1, c2] = splitCell(V, top.verts, addVertex);
    // a child lies inside its parent, so the parent's bound still holds there
    for (const ch of [makeCell(c1), makeCell(c2)]) push({ bound: Math.min(ch.bound, top.bound), verts: ch.verts });
  }
  let upper = best + A;
  for (const cl of heap) upper = Math.max(upper, cl.bound);
  return out(stopReason, upper * (1 + SPHERE_COVER_SLACK), converged, heap.length);
}

/** Largest p (= columns of X̃) for which the c > 3 oracle branches over the neuron sphere instead. */
export const ZSPHERE_MAX_P = 4;

export interface ZSphereResult {
  /** sound upper bound on max_j max_{z∈K_j, ‖z‖=1} ‖B_jz‖ (Infinity when not run) */
  upper: number;
  /** best feasible value found and its unit z (inside an own cone) */
  best: number;
  z: Float64Array;
  converged: boolean;
  evals: number;
  stopReason: string;
}

/**
 * max_j max_{z∈K_j, ‖z‖ = 1} ‖B_jz‖ (fixed or no hidden bias, B_j = ΛᵀD_jX̃, c × p) by branch and bound
 * over the NEURON sphere S^{p−1} — worthwhile when p is small and c large. Same simplicial cells as
 * sphereBranchAndBound; on a cell with vertices z_k, each ‖B_j·‖ is a norm (sublinear), so
 * ‖B_jz‖ ≤ Σ a_k‖B_jz_k‖ (interpolation bound, or F·max_k) for every z of the cell, whatever the cone.
 * A block is dropped from a cell (and its children) when one of its constraint rows is violated at
 * every vertex by more than rounding: (s_ix̃_i)ᵀz < 0 on the vertices ⇒ on their cone, so K_j meets the
 * cell only at 0. Vertex values lie in a cone only when checked; `best` counts only those.
 * @param B per block, c × p row-major, as computed; `errB` bounds ‖B_j(true) − B_j(computed)‖₂ for all j
 */
export function zSphereBranchAndBound(
  Xt: { rows: number; cols: number; data: Float64Array },
  patterns: Uint8Array[],
  B: Float64Array[],
  c: number,
  errB: number,
  opts: { shouldStop?: () => boolean; deadline?: number; maxEvals?: number; relTol?: number } = {},
): ZSphereResult {
  const n = Xt.rows,
    p = Xt.cols,
    P = patterns.length;
  const relTol = opts.relTol ?? SPHERE_REL_TOL;
  const deadline = opts.deadline ?? Infinity;
  const maxEvals = Math.max(4 * p, Math.min(opts.maxEvals ?? SPHERE_MAX_EVALS, Math.floor(SPHERE_MAX_BLOCK_DOUBLES / Math.max(1, P + n))));
  const vs = new ZVertices(Xt, patterns, B, c, errB, opts.shouldStop);
  const heap: ZCell[] = [];
  const push = (cell: ZCell) => heapPush(heap, cell);
  const pop = (): ZCell => heapPop(heap);
  const out = (stopReason: string, upper: number, converged: boolean): ZSphereResult => ({
    upper,
    best: vs.best,
    z: vs.bestZ,
    converged,
    evals: vs.V.length,
    stopReason,
  });
  const axis: number[][] = [];
  for (let k = 0; k < p; k++) {
    const pair: number[] = [];
    for (const s of [1, -1]) {
      if (performance.now() > deadline) return out('deadline before the axis vertices were evaluated', Infinity, false);
      const e = new Float64Array(p);
      e[k] = s;
      pair.push(vs.add(e));
    }
    axis.push(pair);
  }
  const all = Array.from({ length: P }, (_, j) => j);
  for (let mask = 0; mask < 1 << p; mask++)
    push(
      vs.cell(
        axis.map((pr, k) => pr[(mask >> k) & 1]),
        all,
        Infinity,
      ),
    );
  let stopReason = '';
  let converged = false;
  for (;;) {
    const top = heap[0];
    const stop = stopOf(!top || top.bound <= vs.best * (1 + relTol), relTol, vs.V.length, maxEvals, deadline);
    if (stop) {
      ({ stopReason, converged } = stop);
      break;
    }
    pop();
    const [c1, c2] = splitCell(vs.V, top.verts, (z) => vs.add(z));
    push(vs.cell(c1, top.alive, top.bound));
    push(vs.cell(c2, top.alive, top.bound));
  }
  let upper = vs.best;
  for (const cl of heap) upper = Math.max(upper, cl.bound);
  return out(stopReason, upper * (1 + SPHERE_COVER_SLACK) + SPHERE_COVER_SLACK * (maxFrobenius(B) + errB), converged);
}

/**
 * Slivers between children (header of this file): a missed z is within ~1e-15 of a covered one, and
 * there a block dropped by its cone test is still ≤ ‖B_j‖·1e-15 — hence an additive part of max_j ‖B_j‖_F.
 */
function maxFrobenius(B: Float64Array[]): number {
  let bMax = 0;
  for (const Bj of B) {
    let s = 0;
    for (let k = 0; k < Bj.length; k++) s += Bj[k] * Bj[k];
    bMax = Math.max(bMax, Math.sqrt(s));
  }
  return bMax;
}

interface ZCell {
  bound: number;
  verts: number[];
  /** blocks whose cone may meet the cell */
  alive: number[];
}

/** The neuron-sphere vertices evaluated so far: x̃_iᵀz, the block values ‖B_jz‖ (upper), the best feasible one. */
class ZVertices {
  readonly V: Float64Array[] = [];
  /** x̃_iᵀz per vertex */
  private readonly T: Float64Array[] = [];
  /** ‖B_jz‖ upper values per vertex */
  private readonly NB: Float64Array[] = [];
  private readonly rowNorm: Float64Array;
  private readonly slackRows: number;
  best = 0;
  bestZ: Float64Array;
  constructor(
    private readonly Xt: { rows: number; cols: number; data: Float64Array },
    private readonly patterns: Uint8Array[],
    private readonly B: Float64Array[],
    private readonly c: number,
    private readonly errB: number,
    private readonly shouldStop: (() => boolean) | undefined,
  ) {
    const n = Xt.rows,
      p = Xt.cols;
    this.rowNorm = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let k = 0; k < p; k++) s += Xt.data[i * p + k] ** 2;
      this.rowNorm[i] = Math.sqrt(s);
    }
    this.bestZ = new Float64Array(p);
    this.slackRows = 8 * EPS * (p + 2);
  }

  add(z: Float64Array): number {
    if (this.shouldStop?.()) throw new CancelledError('oracle');
    const { Xt, patterns, B, c, errB } = this;
    const n = Xt.rows,
      p = Xt.cols,
      P = patterns.length;
    const t = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let k = 0; k < p; k++) s += Xt.data[i * p + k] * z[k];
      t[i] = s;
    }
    const nb = new Float64Array(P);
    for (let j = 0; j < P; j++) {
      const Bj = B[j];
      let s2 = 0;
      for (let q = 0; q < c; q++) {
        let s = 0;
        for (let k = 0; k < p; k++) s += Bj[q * p + k] * z[k];
        s2 += s * s;
      }
      const v = Math.sqrt(s2);
      // rounding of the product and the norm ((p + c + 2)ε relative of ‖B_j‖‖z‖ ≤ the row sums), and of B_j itself
      nb[j] = v * (1 + 8 * EPS * (p + c + 2)) + errB * (1 + 4 * EPS);
      // a feasible value: z in K_j exactly as computed (rows on the kink count on both sides)
      if (v > this.best) {
        const D = patterns[j];
        let ok = true;
        for (let i = 0; i < n && ok; i++) if (D[i] ? t[i] < 0 : t[i] > 0) ok = false;
        if (ok) {
          this.best = v;
          this.bestZ = Float64Array.from(z);
        }
      }
    }
    this.V.push(z);
    this.T.push(t);
    this.NB.push(nb);
    return this.V.length - 1;
  }

  /** The cell on these vertices: blocks whose cone misses it dropped, then the interpolation bound (≤ the parent's). */
  cell(verts: number[], alive0: number[], parentBound: number): ZCell {
    const { T, NB, V } = this;
    const n = this.Xt.rows;
    const alive = alive0.filter((j) => {
      const D = this.patterns[j];
      for (let i = 0; i < n; i++) {
        const s = D[i] ? 1 : -1;
        const thr = this.slackRows * this.rowNorm[i];
        if (verts.every((k) => s * T[k][i] < -thr)) return false;
      }
      return true;
    });
    if (!alive.length) return { bound: 0, verts, alive };
    const Vc = verts.map((k) => V[k]);
    const lu = luRows(Vc);
    const f = coneFactor(Vc, lu);
    if (!lu || !Number.isFinite(f)) return { bound: parentBound, verts, alive };
    let mx = 0;
    for (const k of verts) for (const j of alive) mx = Math.max(mx, NB[k][j]);
    const bl = verts.map((k) => Float64Array.from(alive, (j) => NB[k][j]));
    const bound = Math.min(parentBound, mx * f, interpolationBound(lu, Vc, bl, f));
    return { bound, verts, alive };
  }
}
