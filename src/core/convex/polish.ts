/**
 * Exact finish of the convex program (small problems): an active-set Newton method on faces.
 *
 * Why: the sound lower bound is built from the residual (Λ = s·r), and its gap degrades like the
 * square root of the primal error (MATH.md §10), so 1e-8 relative gap needs the primal to machine
 * precision — beyond any first-order method. Once the support (nonzero blocks) and each block's face
 * F_k = {rows with a_jᵀz_k = 0} are right, the problem restricted to z_k = N_k t_k (N_k an
 * orthonormal basis of the face's span) is smooth, and Newton converges quadratically.
 *
 * Active-set rules (primal feasible throughout):
 *  - a step is cut where a row off the face would turn negative (ratio test): the row joins the face;
 *  - a step is cut where a block's radial coordinate ⟨ẑ_k, P·z_k⟩ reaches 0: the block leaves;
 *  - at a face optimum, a row whose multiplier μ_j (∇_{z_k}Φ = Σ_{j∈F_k} μ_j a_j) is negative
 *    leaves the face (each block's most negative, where it is not far smaller than the support's
 *    most negative: RELEASE_SHARE);
 *  - blocks outside the support whose dual constraint max_{z∈K, ‖Pz‖≤1} σ λᵀD_iX̃z exceeds β
 *    (λ = residual) enter with the exact line minimizer along their best direction, all of them
 *    then scaled by one common exact line search.
 * The Newton steps themselves (Hessian from cached pattern-pair Grams, rounding-aware stopping) are
 * in faceNewton.ts.
 * The result is whatever it is: the caller measures it with the sound bound, never trusts it.
 */
import type { ProductRequest, Program } from './problem';
import { dotAt, type Mat } from '../linalg/mat';
import { fitDirect, objectiveOf } from './problem';
import { UpdatedQR } from '../linalg/updatedQR';
import { projectCone } from '../linalg/cone';
import { newtonOnFaces } from './faceNewton';
import { faceDim, faceOf, hessianWork, penNorm, onRowsOf, releaseFaceRow, rowVec, type FaceBlock } from './faceBlocks';

/** The QR of a face's rows (null when they are numerically dependent: no multipliers, no release). */
function rowsQR(p: number, rows: Float64Array[]): UpdatedQR | null {
  const qr = new UpdatedQR(p);
  for (const a of rows) if (!qr.append(a)) return null;
  return qr;
}

/** Largest number of Newton variables (Σ face dimensions + 1) the polish accepts (dense Cholesky: T³/6 flops a step). */
export const POLISH_MAX_VARS = 1500;
/**
 * Largest work (flops) of building the support's Hessian the polish accepts (faceBlocks.ts
 * hessianWork: pattern-pair Grams |S|(|S|+1)/2 · n · p²/2, or face Jacobians n·T²/2 + n·p·T; paid
 * once, then reused by every Newton step).
 */
export const POLISH_MAX_WORK = 2e10;
/**
 * Blocks entering per round: at least this many, and up to a third of the support (a wide optimum
 * then needs a few rounds, not |S|/4 — each round re-solves the restricted problem exactly).
 */
export const ENTER_MIN_BLOCKS = 4;
/** The working set stops when a round ends this much (relative) above its best round, and returns the best (speed only). */
export const ROUND_RISE_TOL = 1e-9;
/** The entering scan stops once it has `want` violators and has projected this many times `want` blocks (speed only). */
export const ENTER_SCAN_FACTOR = 4;
/** Relative slack on the entering scan's carried bound ‖Π_K g‖ ≤ ub + ‖g − g_last‖ (rounding; speed only). */
export const SCAN_BOUND_SLACK = 1e-9;
/** Newton calls (NEWTON_CALL_STEPS each) a round may add without an entering scan after a scan that found nothing (speed only). */
export const SCAN_SKIP_ROUNDS = 3;
/**
 * Newton steps per call on the faces: after an empty entering scan (or the first round), and while
 * the last scan added blocks (speed only; n = 1e4, d = 50, 100 patterns, one run each: 40 converged
 * in 48 s, 20 in 56 s, 80 stood at gap 2e-4 at the 60 s cap).
 */
export const NEWTON_CALL_STEPS = 80;
export const NEWTON_CALL_STEPS_GROWING = 40;
/** Multipliers below −MULTIPLIER_TOL·(‖∇‖ scale) release a row from a face. */
export const MULTIPLIER_TOL = 1e-10;
/**
 * At a face optimum a block releases its most negative multiplier row only when that multiplier
 * (relative to the block's gradient scale) is at least RELEASE_SHARE of the most negative one over
 * the support. Why: releasing one row in every block with any negative multiplier made the next
 * step's system ~1.8× larger (d = 50: T 200 → 360), and the coupled Newton step pushed most blocks
 * straight back onto their released rows (n = 1e3, d = 50, 100 patterns: 21% of released rows
 * rejoined unchanged, median multiplier −0.02 against −0.28 for the others). With 0.01 there:
 * Newton steps 938 → 827 and Σ T³ (the Cholesky's work) 34.9e9 → 16.3e9 (0.003: 934, 30.8e9; 0.03:
 * 867, 13.7e9; 0.1: 948 steps); d = 10 unchanged (442 → 443 steps). Speed only: a row left on its
 * face is released at a later face optimum.
 */
export const RELEASE_SHARE = 0.01;
/** A block outside the support enters when its dual constraint value exceeds β(1 + ENTER_TOL). */
export const ENTER_TOL = 1e-11;

function sign(k: number): number {
  return k & 1 ? -1 : 1;
}

function assemble(pr: Program, blocks: FaceBlock[]): Float64Array {
  const Z = new Float64Array(2 * pr.P * pr.p);
  for (const bl of blocks) Z.set(bl.z, bl.k * pr.p);
  return Z;
}

/** g_k = σ_k X̃ᵀD_i r for block k (pattern i = k >> 1), in JS: n·p per pattern. */
function blockGrad(pr: Program, k: number, r: Float64Array): Float64Array {
  const p = pr.p,
    X = pr.Xt.data,
    on = onRowsOf(pr, k >> 1),
    s = sign(k);
  const g = new Float64Array(p);
  for (let e = 0; e < on.length; e++) {
    const j = on[e],
      rj = s * r[j],
      o = j * p;
    for (let t = 0; t < p; t++) g[t] += X[o + t] * rj;
  }
  return g;
}

/**
 * X̃ᵀD_i r for each pattern i in `pats`, in one product (onnxruntime when large): g_k = σ_k·column.
 * Why: blockGrad for every support pattern at each face optimum (a few hundred times a solve) was
 * 6.5% of n = 1e4, d = 50, 100 patterns. The entering scan (once a round, over all other patterns)
 * stays in JS: there the n×patterns residual matrix the product needs cost more than it saved
 * (n = 1e4, d = 2, 1000 patterns: 17.0 s with it, 8.9 s without; 8.3 s before either).
 */
function* patternGrads(pr: Program, pats: Iterable<number>, r: Float64Array): Generator<ProductRequest, (k: number) => Float64Array, Mat> {
  const { n, p } = pr;
  const col = new Map<number, number>();
  for (const i of pats) if (!col.has(i)) col.set(i, col.size);
  const U = col.size;
  const M = new Float64Array(n * U);
  for (const [i, u] of col) {
    const on = onRowsOf(pr, i);
    for (let e = 0; e < on.length; e++) M[on[e] * U + u] = r[on[e]];
  }
  const G: Mat = U ? yield { a: pr.XtT, b: { rows: n, cols: U, data: M } } : { rows: p, cols: 0, data: new Float64Array(0) };
  return (k) => {
    const u = col.get(k >> 1)!,
      s = sign(k);
    return Float64Array.from({ length: p }, (_, t) => s * G.data[t * U + u]);
  };
}

/**
 * The block's face rows a_j, their norms ‖a_j‖ and their QR, kept on the block while its face
 * (bl.info) is the same. Why: the release step asks for them at every face optimum, for every
 * block (d = 50: ~45 rows of 51 each); building the rows anew was 2.5% and factoring them 8.6% of
 * n = 1e3, d = 50, 100 patterns, while most faces are the same as at the last face optimum.
 */
function faceRows(pr: Program, bl: FaceBlock): NonNullable<FaceBlock['rows']> {
  if (bl.rows && bl.info && bl.rows.info === bl.info) return bl.rows;
  const rows = bl.face.map((j) => rowVec(pr, bl.k >> 1, j));
  const norms = Float64Array.from(rows, (a) => {
    let an = 0;
    for (const x of a) an += x * x;
    return Math.sqrt(an);
  });
  const out = { info: bl.info, rows, norms, qr: rowsQR(pr.p, rows) };
  if (bl.info) bl.rows = out;
  return out;
}

/** A block's most negative multiplier row at a face optimum: its index in the face and μ_j‖a_j‖ relative to the gradient's scale. */
interface ReleasePick {
  bl: FaceBlock;
  t: number;
  rel: number;
  /** the face's rows, norms and QR the multipliers came from */
  fr: NonNullable<FaceBlock['rows']>;
}

/** The block's most negative multiplier row (μ_j‖a_j‖ < −MULTIPLIER_TOL·scale), or null; g = X̃ᵀD_i r signed for the block. */
function worstMultiplier(pr: Program, bl: FaceBlock, g: Float64Array): ReleasePick | null {
  const nz = penNorm(bl.z, pr.pen);
  // ∇Φ = −g + β Pᵀ P z/‖Pz‖ = Σ μ_j a_j
  // a plain loop: Float64Array.from(typed array, map) goes through the iterator protocol (profiled at n = 1e3, d = 50)
  const h = new Float64Array(g.length);
  for (let k = 0; k < g.length; k++) h[k] = -g[k] + (k < pr.pen ? (pr.beta * bl.z[k]) / nz : 0);
  const fr = faceRows(pr, bl),
    { norms, qr } = fr;
  if (!qr) return null;
  const mu = qr.solveFor(h);
  let worst = -1,
    wv = 0;
  let hn = 0;
  for (const x of h) hn += x * x;
  const scale = Math.sqrt(hn) + pr.beta;
  for (let t = 0; t < mu.length; t++) {
    const m = mu[t] * norms[t];
    if (m < -MULTIPLIER_TOL * scale && m < wv) {
      wv = m;
      worst = t;
    }
  }
  return worst >= 0 ? { bl, t: worst, rel: wv / scale, fr } : null;
}

/**
 * At a face optimum: drop the most negative multiplier row of each block whose multiplier is at
 * least RELEASE_SHARE of the most negative one over the support (relative to each block's scale).
 * True if any was dropped.
 */
function* releaseNegativeMultipliers(pr: Program, blocks: FaceBlock[], r: Float64Array): Generator<ProductRequest, boolean, Mat> {
  const withFace = blocks.filter((bl) => bl.face.length);
  if (!withFace.length) return false;
  const gradOf = yield* patternGrads(
    pr,
    withFace.map((bl) => bl.k >> 1),
    r,
  );
  const picks: ReleasePick[] = [];
  let most = 0;
  for (const bl of withFace) {
    const pick = worstMultiplier(pr, bl, gradOf(bl.k));
    if (!pick) continue;
    picks.push(pick);
    most = Math.min(most, pick.rel);
  }
  // the most negative one always passes (RELEASE_SHARE < 1): a face optimum with a negative multiplier always moves
  for (const { bl, t, rel, fr } of picks) {
    if (!(rel <= RELEASE_SHARE * most)) continue;
    const { rows, norms, qr } = fr;
    releaseFaceRow(pr, bl, t, qr!.dualColumn(t));
    // the new face's rows and QR from the old ones (the next face optimum asks for them); the QR is
    // the block's own (faceRows, extendFace), so it is downdated in place
    qr!.remove(t);
    bl.rows = { info: bl.info, rows: rows.filter((_, u) => u !== t), norms: norms.filter((_, u) => u !== t), qr };
  }
  return picks.length > 0;
}

export interface PolishResult {
  Z: Float64Array;
  b: number;
  objective: number;
  rounds: number;
  /** per block k: its face (support) or the passive set of its last entering-scan projection: warm starts for the bound's projections */
  warm: Map<number, number[]>;
}

/** A block outside the support whose dual constraint exceeds β: its value, the feasible direction Π_K g and that point's face. */
interface Candidate {
  k: number;
  v: number;
  dir: Float64Array;
  face: number[];
}

/** What the entering scans carry from round to round (speed only). */
interface ScanMemory {
  /** per block, the passive set of its last projection (warm start of the next) */
  warmScan: Map<number, number[]>;
  /**
   * per block, a g it was projected at and an upper bound on ‖Π_K g‖ there (the projection, or the
   * early stop's ‖g + Aᵀμ‖): Π_K is nonexpansive, so ‖Π_K g'‖ ≤ that bound + ‖g' − g‖ next round
   */
  seen: Map<number, { g: Float64Array; ub: number }>;
}

/** The blocks of Z with a nonzero penalized part, each with the face it sits on. */
function supportBlocks(pr: Program, Z: Float64Array): FaceBlock[] {
  const { p, pen } = pr;
  const blocks: FaceBlock[] = [];
  for (let k = 0; k < 2 * pr.P; k++) {
    const z = Float64Array.from(Z.subarray(k * p, (k + 1) * p));
    if (!(penNorm(z, pen) > 0)) continue;
    blocks.push({ k, face: faceOf(pr, k >> 1, z), z, info: undefined, rows: undefined });
  }
  return blocks;
}

/** The support is past dense Newton: its face dimensions (the Newton variables) or its Hessian's work over the limits. */
function tooLarge(pr: Program, blocks: FaceBlock[]): boolean {
  // the Newton variables are the faces' dimensions (narrow pattern cones: a few per block at d = 50)
  let T = 0;
  for (const bl of blocks) T += faceDim(pr, bl);
  return T + 1 > POLISH_MAX_VARS || hessianWork(pr, blocks.length, T) > POLISH_MAX_WORK;
}

/** The residual y − F and the objective at the blocks' point. */
function pointOf(pr: Program, blocks: FaceBlock[], b: number): { Z: Float64Array; r: Float64Array; objective: number } {
  const Z = assemble(pr, blocks);
  const F = fitDirect(pr, Z, b);
  const r = Float64Array.from(pr.y, (yy, j) => yy - F[j]);
  return { Z, r, objective: objectiveOf(pr, r, Z, b) };
}

/**
 * The blocks outside the support in the order the scan projects them, with g and an upper bound gn
 * on ‖Π_K g‖. Full norm: gn = min(‖g‖, last round's bound + ‖g − g_last‖), blocks with gn ≤ β
 * dropped, the rest in decreasing gn.
 */
function scanOrder(pr: Program, blocks: FaceBlock[], r: Float64Array, mem: ScanMemory): { k: number; g: Float64Array; gn: number }[] {
  const { p, beta } = pr;
  const inS = new Set(blocks.map((bl) => bl.k));
  const order: { k: number; g: Float64Array; gn: number }[] = [];
  // the pattern's two blocks share X̃ᵀD_i r up to sign
  let gPat = -1,
    gPlus: Float64Array = new Float64Array(0);
  for (let k = 0; k < 2 * pr.P; k++) {
    if (inS.has(k)) continue;
    if (gPat !== k >> 1) {
      gPlus = blockGrad(pr, k & ~1, r);
      gPat = k >> 1;
    }
    const g = k & 1 ? gPlus.map((x) => -x) : gPlus;
    let gn = penNorm(g, p);
    const last = pr.freeBias ? undefined : mem.seen.get(k);
    if (last) {
      let dg = 0;
      for (let t = 0; t < p; t++) dg += (g[t] - last.g[t]) ** 2;
      gn = Math.min(gn, (last.ub + Math.sqrt(dg)) * (1 + SCAN_BOUND_SLACK));
    }
    if (!pr.freeBias && !(gn > beta)) continue;
    order.push({ k, g, gn });
  }
  if (!pr.freeBias) order.sort((x, y) => y.gn - x.gn);
  return order;
}

/**
 * The entering scan: blocks outside the support whose dual constraint exceeds β(1 + ENTER_TOL), by
 * projecting g onto their cones in scanOrder. It stops at `want` violators (the top `want` for sure,
 * or `want` among ENTER_SCAN_FACTOR·want projections: column generation needs violators, not the
 * best ones); whenever fewer than `want` blocks violate it projects every block with gn > β, so the
 * optimality check stays complete. `late`: stopped by the deadline (incomplete).
 */
function enteringScan(
  pr: Program,
  blocks: FaceBlock[],
  r: Float64Array,
  want: number,
  mem: ScanMemory,
  deadline: number,
): { cand: Candidate[]; late: boolean } {
  const { p, pen, beta } = pr;
  const order = scanOrder(pr, blocks, r, mem);
  const cand: Candidate[] = [];
  let kth = -Infinity; // the want-th best candidate value so far
  for (let at = 0; at < order.length; at++) {
    const { k, g, gn } = order[at];
    if (cand.length >= want && ((!pr.freeBias && gn <= kth) || at >= ENTER_SCAN_FACTOR * want)) break;
    if ((at & 31) === 31 && Date.now() > deadline) return { cand, late: true };
    // full norm: stop as soon as the projection is known to be below the entering level
    const proj = projectCone(pr.Xt, pr.patterns[k >> 1], g, 1, mem.warmScan.get(k), undefined, pr.freeBias ? -1 : beta * (1 + ENTER_TOL));
    if (!pr.freeBias) mem.seen.set(k, { g, ub: penNorm(proj.z, p) });
    // an early stop's passive set warm-starts the block's next projection too: its μ > 0 is a valid
    // Lawson–Hanson start, and without it half the scan's projections (n = 1e3, d = 50, 100
    // patterns: 531 of 1048) started cold the next round, adding their rows one at a time
    mem.warmScan.set(k, proj.active);
    if (proj.early) continue;
    // the block's value at the feasible direction z = Π_K g: gᵀz/‖Pz‖ = ‖z‖²/‖Pz‖ (Moreau), which
    // with a free hidden bias exceeds ‖Pz‖ by the unpenalized bias part
    const zp = penNorm(proj.z, pen),
      zf = penNorm(proj.z, p);
    const v = pr.freeBias ? (zp > 0 ? (zf * zf) / zp : 0) : zp;
    if (!(v > beta * (1 + ENTER_TOL))) continue;
    cand.push({ k, v, dir: proj.z, face: proj.active });
    if (cand.length >= want) kth = cand.map((c) => c.v).sort((x, y) => y - x)[want - 1];
  }
  return { cand, late: false };
}

/**
 * The best `want` candidates enter: each with its exact line minimizer along its own direction, then
 * all scaled by one common γ. Why: the minimizers are each taken against the same residual, so many
 * entering at once overshoot where their directions correlate (n = 1e3, d = 50, 1000 patterns: 100
 * blocks entering raised the objective 6.49 → 6.81, and the working set stopped there).
 */
function enterBlocks(pr: Program, blocks: FaceBlock[], cand: Candidate[], want: number, r: Float64Array): void {
  const { p, pen, beta } = pr;
  cand.sort((x, y) => y.v - x.v);
  const entering: { k: number; face: number[]; z: Float64Array }[] = [];
  const u = new Float64Array(pr.n),
    a = new Float64Array(pr.n);
  let descent = 0; // Σ t_c(a_cᵀr − β‖P dir_c‖) = Σ t_c²‖a_c‖²: the joint slope's magnitude at γ = 0
  for (const c of cand.slice(0, want)) {
    // ½‖r − t·a‖² + βt‖P dir‖ ⇒ t = (aᵀr − β‖P dir‖)/‖a‖²
    const i = c.k >> 1,
      s = sign(c.k),
      on = onRowsOf(pr, i);
    let ar = 0,
      aa = 0;
    for (let e = 0; e < on.length; e++) {
      const j = on[e],
        t = s * dotAt(pr.Xt.data, j * p, c.dir, 0, p);
      a[e] = t;
      ar += t * r[j];
      aa += t * t;
    }
    const t = aa > 0 ? (ar - beta * penNorm(c.dir, pen)) / aa : 0;
    if (!(t > 0)) continue;
    for (let e = 0; e < on.length; e++) u[on[e]] += t * a[e];
    descent += t * t * aa;
    entering.push({ k: c.k, face: faceOf(pr, i, c.dir), z: Float64Array.from(c.dir, (x) => x * t) });
  }
  // the exact minimizer of ½‖r − γu‖² + γβΣt_c‖P dir_c‖ over γ > 0 (the blocks stay in their cones)
  let uu = 0;
  for (const x of u) uu += x * x;
  const gamma = uu > 0 ? descent / uu : 0;
  if (gamma > 0) for (const e of entering) blocks.push({ k: e.k, face: e.face, z: e.z.map((x) => x * gamma), info: undefined, rows: undefined });
}

/**
 * Polish (Z, b): Newton on the faces of the support, then add violating blocks, repeat.
 * Returns null when the problem is too large for dense Newton.
 */
export function* polish(pr: Program, Z: Float64Array, b0: number, maxRounds = 30, deadline = Infinity): Generator<ProductRequest, PolishResult | null, Mat> {
  const blocks = supportBlocks(pr, Z);
  if (tooLarge(pr, blocks)) return null;
  const off = { b: pr.offset === 'none' ? 0 : b0 };
  const mem: ScanMemory = { warmScan: new Map(), seen: new Map() };
  let rounds = 0;
  let best = { Z: assemble(pr, blocks), b: off.b, objective: Infinity };
  let scanEmpty = false; // the last entering scan was complete and found no violator
  for (; rounds < maxRounds && Date.now() <= deadline; rounds++) {
    // while blocks still enter, the restricted problem is solved only roughly before the next scan
    const steps = scanEmpty || !rounds ? NEWTON_CALL_STEPS : NEWTON_CALL_STEPS_GROWING;
    const newton = () => newtonOnFaces(pr, blocks, off, steps, deadline, (r) => releaseNegativeMultipliers(pr, blocks, r));
    let solved = yield* newton();
    // after a scan that found nothing, the next one most likely finds nothing too until the
    // restricted problem is solved (n = 1e4, d = 50, 100 patterns: 1–1.5 s a scan, against 2.7 s of
    // Newton a round): Newton goes on, with a scan at least every SCAN_SKIP_ROUNDS + 1 calls
    for (let k = 0; !solved && scanEmpty && k < SCAN_SKIP_ROUNDS && Date.now() <= deadline; k++) solved = yield* newton();
    // the objective recomputed from the weights: Newton's own bookkeeping (X̃z carried along the
    // steps) has let it rise across rounds before, so the best round is what is returned
    const at = pointOf(pr, blocks, off.b);
    if (at.objective < best.objective) best = { Z: at.Z, b: off.b, objective: at.objective };
    else if (at.objective > best.objective * (1 + ROUND_RISE_TOL)) break;
    const want = Math.max(ENTER_MIN_BLOCKS, Math.ceil(blocks.length / 3));
    const { cand, late } = enteringScan(pr, blocks, at.r, want, mem, deadline);
    scanEmpty = !late && !cand.length;
    // no violators at a point that is not yet the restricted optimum says nothing: keep going
    if (!late && !cand.length && !solved) continue;
    if (late || !cand.length || tooLarge(pr, blocks)) break;
    enterBlocks(pr, blocks, cand, want, at.r);
  }
  const fin = pointOf(pr, blocks, off.b);
  const warm = new Map(mem.warmScan);
  for (const bl of blocks) if (bl.face.length) warm.set(bl.k, bl.face.slice());
  return fin.objective <= best.objective ? { Z: fin.Z, b: off.b, objective: fin.objective, rounds, warm } : { ...best, rounds, warm };
}
