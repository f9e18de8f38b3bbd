/**
 * Newton on fixed faces of the pattern cones (the inner loop of polish.ts), with the Hessian built
 * from cached PATTERN-PAIR Grams instead of from the n-long Jacobian columns.
 *
 * Why: in face coordinates z_q = N_qᵀt_q the Gauss–Newton part of the Hessian is
 *   H_{qq'} = s_q s_q' N_q (X̃ᵀ D_{i_q} D_{i_q'} X̃) N_q'ᵀ,
 * and the p×p middle factor G_{ii'} = Σ_{j: d_i[j] d_i'[j]} x̃_j x̃_jᵀ depends only on the two
 * patterns — not on the faces, the iterate or the round. Building H from Jacobian columns costs
 * T²·n per Newton step (T = Σ face dimensions); from cached G it costs |S|²·p²·m, and each G is paid
 * once per solve (n·p² per pair). On n = 1e3, d = 10 with ~60 blocks that is ~40× less per step.
 * The fit is linear in the blocks, so the line search moves along F0 + α·dF without re-multiplying.
 * The steps follow a bent path (each block stops at its own face wall) when that ends lower; the
 * faces, their bases and the Hessian blocks are in faceBlocks.ts.
 */
import type { ProductRequest, Program } from './problem';
import { spdSolve } from '../linalg/spd';
import { dot, type Mat } from '../linalg/mat';
import {
  type FaceBlock,
  type FaceInfo,
  faceInfo,
  extendFace,
  gnBlock,
  xnApply,
  xnOf,
  rowsOf,
  useJacobian,
  patternSum,
  ensurePairGrams,
  ensureFaceBlocks,
  penNorm,
  pruneFaceCaches,
} from './faceBlocks';

/**
 * Newton decrement thresholds, relative to the objective: below NEWTON_DONE_DEC the face problem is
 * solved (objective error ≈ dec/2, far below what the 1e-8 gap needs); below NEWTON_ROUNDING_DEC a
 * sufficient-decrease test is lost in rounding, so the step is taken unless it raises the objective
 * by more than NEWTON_ROUNDING_SLACK, and a decrement that stops shrinking means the face optimum.
 * Speed only: every accuracy claim comes from the dual bound.
 */
export const NEWTON_DONE_DEC = 1e-22;
export const NEWTON_ROUNDING_DEC = 1e-12;
export const NEWTON_ROUNDING_SLACK = 1e-14;
/**
 * A full Newton step (no wall reached) taken at a decrement below EARLY_RELEASE_DEC (relative) ends
 * at the face optimum to rounding: the release runs there at once, without building and factoring
 * the system again only to find a decrement of ~1e-25 (n = 1e3, d = 50, 100 patterns: the step
 * before 107 of 146 face optima had a decrement below 1e-12, and each face optimum's system was
 * ~14% of the Hessian and Cholesky work). Speed only: when it frees no row, the step runs as before
 * and the face optimum is confirmed by its decrement.
 */
export const EARLY_RELEASE_DEC = 1e-9;

/**
 * Work done by the face Newton since the counters were last zeroed (bench/convex.ts reports it):
 * Newton systems solved and Σ T³ over them (the Cholesky's work). Counts, not times, so two runs of
 * the same solve report the same numbers on any machine.
 */
export const newtonWork = { systems: 0, cubes: 0 };

/** Newton steps between fresh products X̃z_q (in between they are updated along the step). */
const REFRESH_XZ = 20;

/** Bent-path trials per Newton step, at t = 1, BENT_SHRINK, BENT_SHRINK², … while t > min α_q (speed only). */
export const BENT_TRIALS = 8;
export const BENT_SHRINK = 0.25;
/** ½‖y − F‖² + β Σ‖P z_q‖ (+ β b²/2 decayed), the program's objective on the support. */
function objective(pr: Program, F: Float64Array, zs: Float64Array[], b: number): number {
  let pen = 0;
  for (const z of zs) pen += penNorm(z, pr.pen);
  return objectiveOfNorms(pr, F, pen, b);
}

/** The same objective from the blocks' summed norms Σ‖P z_q‖. */
function objectiveOfNorms(pr: Program, F: Float64Array, pen: number, b: number): number {
  let loss = 0;
  for (let j = 0; j < pr.n; j++) loss += (pr.y[j] - F[j]) ** 2;
  let obj = 0.5 * loss + pr.beta * pen;
  if (pr.offset === 'decayed') obj += 0.5 * pr.beta * b * b;
  return obj;
}

/**
 * What the Newton steps carry from one step to the next (speed only; every value is also
 * recomputable from the blocks):
 *  - xz: X̃z_q per block, updated along the steps (C + αU) and recomputed every REFRESH_XZ steps
 *    against drift;
 *  - carriedF: the fit is linear in the step, so the accepted trial's fit is the next step's F0
 *    (kept as long as X̃z_q is carried; a block that leaves by its zero event has already been
 *    taken out of it, see `zeroed`);
 *  - lossG: each block's (X̃N_q)ᵀD_q r moves by −α s_q (H_GN δ)_q (T² flops for all, not n·m each);
 *    kept while F is carried and the block's face is the same.
 */
interface NewtonCarry {
  xz: Map<FaceBlock, Float64Array>;
  /** the ratio test's face marks, cleared after each block */
  onFace: Uint8Array;
  /** X̃·dz_q buffers, reused across steps */
  uPool: Map<FaceBlock, Float64Array>;
  carriedF: Float64Array | null;
  zeroed: Set<FaceBlock>;
  lossG: Map<FaceBlock, { id: number; g: Float64Array }>;
  /** the Hessian's and its Cholesky factor's storage, reused across steps (T² doubles each: 2–8 MB at d = 50) */
  hBuf: Float64Array;
  lBuf: Float64Array;
}

/** The support of one step: the blocks' faces, their bases, patterns, signs and rows. */
interface Support {
  S: number;
  infos: FaceInfo[];
  bases: FaceInfo['N'][];
  pat: number[];
  sg: number[];
  rowSets: ReturnType<typeof rowsOf>[];
}

/** The fit at the current point: X̃z_q per block (C), F0, r0 = y − F0 and the objective φ0. */
interface Fit {
  C: Float64Array[];
  F0: Float64Array;
  r0: Float64Array;
  phi0: number;
}

/** The Newton system H δ = −grad in face coordinates (block q at offs[q], the offset at bi). */
interface NewtonSystem {
  T: number;
  offs: number[];
  bi: number;
  H: Float64Array;
  grad: Float64Array;
  /** the penalty's curvature block of each face (the carried loss gradients subtract it) */
  penBlocks: Float64Array[];
}

/** The Newton direction in z (dz), in the offset (db), and its products U_q = X̃·dz_q, dF. */
interface Direction {
  dz: Float64Array[];
  db: number;
  U: Float64Array[];
  dF: Float64Array;
}

/**
 * A block's first wall, as a number: the row j ≥ 0 that joins its face, WALL_ZERO when its radial
 * coordinate reaches zero (it leaves), WALL_NONE when neither happens. Why numbers: event objects of
 * two shapes made the line search's trial loop polymorphic (V8 deoptimized it on every new shape).
 */
const WALL_NONE = -1;
const WALL_ZERO = -2;

/** Ratio tests: per block the step length α_q to its first wall (a row or its radial zero), amax = min(1, α_q). */
interface Walls {
  aq: Float64Array;
  evq: Int32Array;
  amax: number;
}

/**
 * Newton steps on the blocks' faces (active-set rules: polish.ts header). `release` is called at a
 * face optimum (no descent left) with the residual; it returns true when it freed a row.
 * Returns true when it stopped at a face optimum with nothing to release (the restricted problem is
 * solved), false when it ran out of iterations or time. Each step: settleOnFaces → fitOnSupport →
 * newtonSystem → (face optimum? release) → newtonDirection → ratioTests → lineSearch → applyStep.
 */
export function* newtonOnFaces(
  pr: Program,
  blocks: FaceBlock[],
  off: { b: number },
  maxIter: number,
  deadline: number,
  release: (r: Float64Array) => Generator<ProductRequest, boolean, Mat>,
): Generator<ProductRequest, boolean, Mat> {
  let prevDec: number | null = null;
  const carry: NewtonCarry = {
    xz: new Map(),
    onFace: new Uint8Array(pr.n),
    uPool: new Map(),
    carriedF: null,
    zeroed: new Set(),
    lossG: new Map(),
    hBuf: new Float64Array(0),
    lBuf: new Float64Array(0),
  };
  let atOptimum = false; // the last step ended at the face optimum (EARLY_RELEASE_DEC)
  for (let it = 0; it < maxIter && Date.now() <= deadline; it++) {
    let sup = settleOnFaces(pr, blocks, carry);
    let fit = fitOnSupport(pr, blocks, sup, off, carry, it);
    if (atOptimum) {
      atOptimum = false;
      if (yield* release(fit.r0)) {
        prevDec = null;
        sup = settleOnFaces(pr, blocks, carry);
        fit = fitOnSupport(pr, blocks, sup, off, carry, it);
      }
    }
    const sys = newtonSystemShape(pr, sup);
    if (sys.T === 0) return true;
    yield* fillNewtonSystem(pr, blocks, sup, fit, off, carry, sys);
    const { T, grad } = sys;
    if (carry.lBuf.length < T * T) carry.lBuf = new Float64Array(carry.hBuf.length);
    newtonWork.systems++;
    newtonWork.cubes += T * T * T;
    const delta = spdSolve(
      sys.H,
      Float64Array.from(grad, (x) => -x),
      T,
      carry.lBuf,
    );
    let dec = 0;
    for (let a = 0; a < T; a++) dec -= grad[a] * delta[a];
    // face optimum: the Newton decrement is below what matters, or stopped shrinking in the rounding regime
    const scale = Math.max(fit.phi0, 1e-300);
    const stalled = dec <= NEWTON_ROUNDING_DEC * scale && prevDec !== null && dec > 0.1 * prevDec;
    if (!(dec > NEWTON_DONE_DEC * scale) || stalled) {
      prevDec = null;
      if (!(yield* release(fit.r0))) return true;
      continue;
    }
    const dir = newtonDirection(pr, blocks, sup, sys, delta, carry);
    const walls = ratioTests(pr, blocks, sup, fit, dir, carry);
    const acc = lineSearch(pr, blocks, sup, fit, dir, walls, off, dec, scale);
    if (!acc) {
      prevDec = null;
      if (!(yield* release(fit.r0))) return true;
      continue;
    }
    prevDec = acc.t >= walls.amax && walls.amax < 1 ? null : dec;
    atOptimum = acc.t === 1 && walls.amax === 1 && dec <= EARLY_RELEASE_DEC * scale;
    applyStep(pr, blocks, sup, fit, sys, delta, dir, walls, acc, off, carry);
  }
  return false;
}

/** Drops blocks with no penalized part or no face left, and puts each remaining z exactly on its face. */
function settleOnFaces(pr: Program, blocks: FaceBlock[], carry: NewtonCarry): Support {
  const { p, pen } = pr;
  for (let q = blocks.length - 1; q >= 0; q--)
    if (!(penNorm(blocks[q].z, pen) > 0)) {
      if (!carry.zeroed.has(blocks[q])) carry.carriedF = null;
      blocks.splice(q, 1);
    }
  carry.zeroed.clear();
  const infos = blocks.map((bl) => faceInfo(pr, bl));
  const bases = infos.map((f) => f.N);
  for (let q = blocks.length - 1; q >= 0; q--) {
    const N = bases[q];
    if (!N.length) {
      carry.carriedF = null;
      blocks.splice(q, 1);
      bases.splice(q, 1);
      infos.splice(q, 1);
      continue;
    }
    // put z exactly on the face
    const z = new Float64Array(p);
    for (const v of N) {
      let t = 0;
      for (let k = 0; k < p; k++) t += v[k] * blocks[q].z[k];
      for (let k = 0; k < p; k++) z[k] += t * v[k];
    }
    blocks[q].z = z;
  }
  const pat = blocks.map((bl) => bl.k >> 1);
  return {
    S: blocks.length,
    infos,
    bases,
    pat,
    sg: blocks.map((bl) => (bl.k & 1 ? -1 : 1)),
    rowSets: pat.map((i) => rowsOf(pr, i)),
  };
}

/** X̃z_q on all rows (the fit uses the masked rows, the ratio test all), the fit F0, r0 and φ0. */
function fitOnSupport(pr: Program, blocks: FaceBlock[], sup: Support, off: { b: number }, carry: NewtonCarry, it: number): Fit {
  const { n } = pr;
  const { xz } = carry;
  // X̃z_q is carried along the steps (C + αU) and recomputed every REFRESH_XZ iterations against drift
  if (it % REFRESH_XZ === 0) {
    xz.clear();
    carry.carriedF = null;
  }
  for (let q = 0; q < blocks.length; q++) {
    const bl = blocks[q];
    if (xz.has(bl)) continue;
    // z sits exactly on the face span, so X̃z = (X̃N)(Nz): n·m flops instead of n·p
    const N = sup.bases[q];
    xz.set(
      bl,
      xnApply(
        pr,
        sup.infos[q],
        Float64Array.from(N, (v) => dot(v, bl.z)),
      ),
    );
  }
  const C = blocks.map((bl) => xz.get(bl)!);
  let F0 = carry.carriedF;
  if (!F0) {
    carry.lossG.clear();
    F0 = new Float64Array(n).fill(off.b);
    for (let q = 0; q < sup.S; q++) {
      const on = sup.rowSets[q].on,
        c = C[q],
        s = sup.sg[q];
      for (let t = 0; t < on.length; t++) F0[on[t]] += s * c[on[t]];
    }
  }
  const r0 = new Float64Array(n);
  for (let j = 0; j < n; j++) r0[j] = pr.y[j] - F0[j];
  const phi0 = objective(
    pr,
    F0,
    blocks.map((bl) => bl.z),
    off.b,
  );
  return { C, F0, r0, phi0 };
}

/** The system's layout: each face's coordinates at offs[q], the offset's last (T = 0: nothing to move). */
function newtonSystemShape(pr: Program, sup: Support): NewtonSystem {
  const offs: number[] = [];
  let T = 0;
  for (const N of sup.bases) {
    offs.push(T);
    T += N.length;
  }
  const bi = T;
  if (pr.offset !== 'none') T++;
  return { T, offs, bi, H: new Float64Array(0), grad: new Float64Array(0), penBlocks: [] };
}

/**
 * The gradient and Hessian of the objective in face coordinates (yields the products it needs).
 * Why the plain functions around one product step: the hot loops then stay in optimized code when
 * the product path switches (V8 deoptimized the whole generator at its untried Jacobian-path call,
 * and ran its loops unoptimized until re-optimizing it: 14 times in one n = 1e3, d = 10 solve).
 */
function* fillNewtonSystem(
  pr: Program,
  blocks: FaceBlock[],
  sup: Support,
  fit: Fit,
  off: { b: number },
  carry: NewtonCarry,
  sys: NewtonSystem,
): Generator<ProductRequest, void, Mat> {
  const { T } = sys;
  // grown to the largest system so far (×1.5, so a support growing a block at a time reallocates rarely)
  if (carry.hBuf.length < T * T) carry.hBuf = new Float64Array(Math.ceil(1.5 * T) ** 2);
  sys.H = carry.hBuf.subarray(0, T * T);
  sys.H.fill(0);
  sys.grad = new Float64Array(T);
  newtonGradient(pr, blocks, sup, fit, carry, sys);
  // Gauss–Newton part: blocks N_q X̃ᵀD_qD_q'X̃N_q'ᵀ cached by face pair (a step moves one face, so
  // one block row is new), each new one from the pair Gram or the face Jacobians, whichever costs
  // less (the rows of faces with nothing cached in one product: ensureFaceBlocks)
  const viaJacobian = useJacobian(pr, sup.S, T - (pr.offset !== 'none' ? 1 : 0));
  yield* ensureHessianProducts(pr, sup.pat, sup.infos, viaJacobian);
  gaussNewtonPart(pr, sup, sys, viaJacobian);
  pruneFaceCaches(pr, sup.infos);
  penaltyCurvature(pr, blocks, sup, sys);
  if (pr.offset !== 'none') offsetRowAndColumn(pr, sup, fit, off, sys);
}

/** gradient: −s_q N_q X̃ᵀD_q r + β N_q P u_q, with N_q X̃ᵀ = (X̃N_q)ᵀ: n·m per block (the loss part carried while it holds) */
function newtonGradient(pr: Program, blocks: FaceBlock[], sup: Support, fit: Fit, carry: NewtonCarry, sys: NewtonSystem): void {
  const { pen, beta } = pr;
  const { S, bases, infos, sg, rowSets } = sup;
  const { offs, grad } = sys;
  const r0 = fit.r0;
  for (let q = 0; q < S; q++) {
    const N = bases[q],
      m = N.length,
      z = blocks[q].z,
      nz = penNorm(z, pen);
    const held = carry.lossG.get(blocks[q]);
    let g: Float64Array;
    if (held && held.id === infos[q].id) g = held.g;
    else {
      const XN = xnOf(pr, infos[q]),
        on = rowSets[q].on;
      g = new Float64Array(m);
      for (let t = 0; t < on.length; t++) {
        const j = on[t],
          rj = r0[j],
          o = j * m;
        for (let x = 0; x < m; x++) g[x] += XN[o + x] * rj;
      }
      carry.lossG.set(blocks[q], { id: infos[q].id, g });
    }
    for (let x = 0; x < m; x++) {
      let ux = 0;
      for (let k = 0; k < pen; k++) ux += N[x][k] * z[k];
      grad[offs[q] + x] = -sg[q] * g[x] + (beta * ux) / nz;
    }
  }
}

/** The Hessian blocks' products (pair Grams, or the fresh faces' Jacobian rows), one call site for both paths. */
function* ensureHessianProducts(pr: Program, pat: number[], infos: FaceInfo[], viaJacobian: boolean): Generator<ProductRequest, void, Mat> {
  if (viaJacobian) yield* ensureFaceBlocks(pr, pat, infos);
  else yield* ensurePairGrams(pr, pat);
}

/**
 * H's Gauss–Newton blocks s_q s_q' N_q X̃ᵀD_qD_q'X̃N_q'ᵀ: the lower triangle block by block (rows
 * in order as q runs), then the upper one by a tiled transpose. Why: writing both triangles per
 * block made one of them a column walk over H (T ≈ 500–1000 at d = 50: 7% of the solve). A
 * diagonal block keeps its lower half on both sides, as the former double write left it.
 */
function gaussNewtonPart(pr: Program, sup: Support, sys: NewtonSystem, viaJacobian: boolean): void {
  const { S, bases, infos, pat, sg } = sup;
  const { T, offs, H } = sys;
  for (let q2 = 0; q2 < S; q2++)
    for (let q = 0; q <= q2; q++) {
      const B = gnBlock(pr, pat[q], infos[q], pat[q2], infos[q2], viaJacobian);
      const m = bases[q].length,
        m2 = bases[q2].length,
        ss = sg[q] * sg[q2];
      const o = offs[q],
        o2 = offs[q2];
      if (q === q2) {
        for (let y = 0; y < m; y++) for (let x = 0; x <= y; x++) H[(o + y) * T + o + x] = ss * B[y * m + x];
        continue;
      }
      for (let y = 0; y < m2; y++) {
        const row = (o2 + y) * T + o;
        for (let x = 0; x < m; x++) H[row + x] = ss * B[x * m2 + y];
      }
    }
  mirrorLower(H, T);
}

/** Tile size of the transpose (doubles): two 32×32 tiles stay in L1. */
const MIRROR_TILE = 32;

/** H's upper triangle := its lower one, tile by tile (row i, column j < i). */
function mirrorLower(H: Float64Array, T: number): void {
  for (let ib = 0; ib < T; ib += MIRROR_TILE)
    for (let jb = 0; jb <= ib; jb += MIRROR_TILE) {
      const ie = Math.min(ib + MIRROR_TILE, T);
      for (let i = ib; i < ie; i++) {
        const je = Math.min(jb + MIRROR_TILE, i);
        for (let j = jb; j < je; j++) H[j * T + i] = H[i * T + j];
      }
    }
}

/** The penalty's curvature β N(I − ûûᵀ)Nᵀ/‖Pz‖ added to H's diagonal blocks, each kept in sys.penBlocks. */
function penaltyCurvature(pr: Program, blocks: FaceBlock[], sup: Support, sys: NewtonSystem): void {
  const { p, pen, beta } = pr;
  const { S, bases } = sup;
  const { T, offs, H } = sys;
  for (let q = 0; q < S; q++) {
    const N = bases[q],
      m = N.length,
      z = blocks[q].z,
      nz = penNorm(z, pen);
    const pb = new Float64Array(m * m);
    sys.penBlocks.push(pb);
    // ûᵀ in face coordinates (a typed array: a JS array's elements kind changed with its values, and V8 deoptimized on it)
    const Pu = new Float64Array(m);
    for (let x = 0; x < m; x++) {
      let t = 0;
      for (let k = 0; k < pen; k++) t += (N[x][k] * z[k]) / nz;
      Pu[x] = t;
    }
    for (let x = 0; x < m; x++)
      for (let y = 0; y < m; y++) {
        // N's rows are orthonormal, so (N PᵀP Nᵀ)_xy = δ_xy less the unpenalized coordinates (m² p → m²)
        let vv = x === y ? 1 : 0;
        for (let k = pen; k < p; k++) vv -= N[x][k] * N[y][k];
        pb[x * m + y] = (beta * (vv - Pu[x] * Pu[y])) / nz;
        H[(offs[q] + x) * T + offs[q] + y] += pb[x * m + y];
      }
  }
}

/** The offset's gradient entry, its diagonal, and its coupling s_q N_q X̃ᵀd_q with each face. */
function offsetRowAndColumn(pr: Program, sup: Support, fit: Fit, off: { b: number }, sys: NewtonSystem): void {
  const { n, p, beta } = pr;
  const { S, bases, pat, sg } = sup;
  const { T, offs, bi, H, grad } = sys;
  let rs = 0;
  for (const v of fit.r0) rs += v;
  grad[bi] = -rs + (pr.offset === 'decayed' ? beta * off.b : 0);
  H[bi * T + bi] = n + (pr.offset === 'decayed' ? beta : 0);
  for (let q = 0; q < S; q++) {
    const sm = patternSum(pr, pat[q]),
      N = bases[q];
    for (let x = 0; x < N.length; x++) {
      let t = 0;
      for (let k = 0; k < p; k++) t += N[x][k] * sm[k];
      t *= sg[q];
      H[(offs[q] + x) * T + bi] = t;
      H[bi * T + offs[q] + x] = t;
    }
  }
}

/** δ back in z coordinates, and the fit's change along it. */
function newtonDirection(pr: Program, blocks: FaceBlock[], sup: Support, sys: NewtonSystem, delta: Float64Array, carry: NewtonCarry): Direction {
  const { n, p } = pr;
  const { S, bases, infos, sg, rowSets } = sup;
  const { offs, bi } = sys;
  const dz = blocks.map((_, q) => {
    const out = new Float64Array(p),
      N = bases[q];
    for (let x = 0; x < N.length; x++) {
      const t = delta[offs[q] + x];
      for (let k = 0; k < p; k++) out[k] += t * N[x][k];
    }
    return out;
  });
  const db = pr.offset !== 'none' ? delta[bi] : 0;
  const U = blocks.map((bl, q) => {
    let buf = carry.uPool.get(bl);
    if (!buf) carry.uPool.set(bl, (buf = new Float64Array(n)));
    return xnApply(pr, infos[q], delta.subarray(offs[q], offs[q] + bases[q].length), buf);
  });
  const dF = new Float64Array(n).fill(db);
  for (let q = 0; q < S; q++) {
    const on = rowSets[q].on,
      u = U[q],
      s = sg[q];
    for (let t = 0; t < on.length; t++) dF[on[t]] += s * u[on[t]];
  }
  return { dz, db, U, dF };
}

/**
 * Ratio tests, per block: the first row off its face to reach zero (a_jᵀz = ±(X̃z)_j), or its
 * radial coordinate reaching zero (the block leaves); α_q = Infinity when neither happens.
 */
function ratioTests(pr: Program, blocks: FaceBlock[], sup: Support, fit: Fit, dir: Direction, carry: NewtonCarry): Walls {
  const { n, pen } = pr;
  const { S, rowSets } = sup;
  const { onFace } = carry;
  const aq = new Float64Array(S).fill(Infinity);
  const evq = new Int32Array(S).fill(WALL_NONE);
  let amax = 1;
  for (let q = 0; q < S; q++) {
    const sign = rowSets[q].sign,
      u = dir.U[q],
      c = fit.C[q];
    for (const j of blocks[q].face) onFace[j] = 1;
    let best = Infinity,
      row = WALL_NONE;
    for (let j = 0; j < n; j++) {
      const dj = sign[j] * u[j];
      if (dj >= 0 || onFace[j]) continue;
      const a = Math.max(0, sign[j] * c[j]) / -dj;
      if (a < best) {
        best = a;
        row = j;
      }
    }
    aq[q] = best;
    evq[q] = row;
    for (const j of blocks[q].face) onFace[j] = 0;
    const z = blocks[q].z,
      nz = penNorm(z, pen);
    let rad = 0;
    for (let k = 0; k < pen; k++) rad += (z[k] / nz) * dir.dz[q][k];
    if (rad < 0 && nz / -rad < aq[q]) {
      aq[q] = nz / -rad;
      evq[q] = WALL_ZERO;
    }
    amax = Math.min(amax, aq[q]);
  }
  return { aq, evq, amax };
}

/** One trial point of the line search: its objective, offset, fit, per-block step lengths c_q and t. */
interface Trial {
  phi: number;
  b: number;
  F: Float64Array;
  c: Float64Array;
  t: number;
}

/**
 * The step length: Armijo backtracking from amax (or, where Armijo is lost in rounding, the full
 * ratio-limited step unless it raises the objective), then the bent path when it ends lower.
 */
function lineSearch(
  pr: Program,
  blocks: FaceBlock[],
  sup: Support,
  fit: Fit,
  dir: Direction,
  walls: Walls,
  off: { b: number },
  dec: number,
  scale: number,
): Trial | null {
  const { n, pen } = pr;
  const { S, sg, rowSets } = sup;
  const { aq, evq, amax } = walls;
  const { dz, db, U, dF } = dir;
  const { C, phi0 } = fit;
  const Fs = fit.F0;
  // Trial t moves block q by c_q = min(t, α_q): for t ≤ amax = min α_q the plain ratio-limited
  // Newton step, past it the BENT path on which every block stops at its own wall. A block that
  // reaches its radial zero leaves exactly: its contribution is taken out of the fit.
  // the trial points' norms without building them (up to BENT_TRIALS + 60 trials a step)
  // a rejected trial's fit buffer is the next trial's (up to BENT_TRIALS + 60 trials a step)
  let spare: Float64Array = new Float64Array(n);
  const trial = (t: number): Trial => {
    const c = new Float64Array(S),
      left = new Uint8Array(S);
    let penSum = 0;
    for (let q = 0; q < S; q++) {
      const a = (c[q] = Math.min(t, aq[q]));
      if (evq[q] === WALL_ZERO && a === aq[q]) {
        left[q] = 1;
        continue;
      }
      const z = blocks[q].z,
        d = dz[q];
      let w = 0;
      for (let k = 0; k < pen; k++) w += (z[k] + a * d[k]) ** 2;
      penSum += Math.sqrt(w);
    }
    // the fit moves along dF, less what the blocks stopped at their walls (c_q < t) do not take:
    // on the bent path only those blocks are visited (n = 1e3, d = 10: with every block's c_q·U_q
    // summed on the bent path, the trials were 11% of the solve)
    const F = spare;
    for (let j = 0; j < n; j++) F[j] = Fs[j] + t * dF[j];
    for (let q = 0; q < S; q++) {
      if (!left[q] && c[q] === t) continue;
      const on = rowSets[q].on,
        u = U[q],
        s = sg[q],
        cc = C[q];
      if (left[q]) {
        // a leaving block takes out all it has, and the step dF added for it
        const back = s * t;
        for (let e = 0; e < on.length; e++) F[on[e]] -= s * cc[on[e]] + back * u[on[e]];
      } else {
        const w = s * (t - c[q]);
        for (let e = 0; e < on.length; e++) F[on[e]] -= w * u[on[e]];
      }
    }
    const b = off.b + t * db;
    return { phi: objectiveOfNorms(pr, F, penSum, b), b, F, c, t };
  };
  let acc: Trial | null = null;
  if (dec <= NEWTON_ROUNDING_DEC * scale) {
    // Armijo cannot be resolved in floating point here: the full (or ratio-limited) Newton step,
    // unless it raises the objective beyond rounding
    const t = trial(amax);
    if (t.phi <= phi0 * (1 + NEWTON_ROUNDING_SLACK)) acc = t;
  } else
    for (let ls = 0, alpha = amax; ls < 60; ls++, alpha *= 0.5) {
      const t = trial(alpha);
      if (t.phi <= phi0 - 1e-4 * alpha * dec) {
        acc = t;
        break;
      }
    }
  if (acc) spare = new Float64Array(n);
  // Why the bent path: at d = 50 the optimum's neurons sit on extreme rays of their narrow pattern
  // cones, and the plain step stops at the first wall of any block: one row joined per Newton step
  // (a solve over the whole support), the steps cut at 1e-4..1e-3 of their length. On the bent path
  // up to one row per block joins per step. It is taken when it ends lower than the plain step.
  if (amax < 1)
    for (let t = 1, k = 0; t > amax && k < BENT_TRIALS; t *= BENT_SHRINK, k++) {
      const b = trial(t);
      if (b.phi < phi0 && (!acc || b.phi < acc.phi)) {
        spare = acc ? acc.F : new Float64Array(n);
        acc = b;
      }
    }
  return acc;
}

/** Moves every block by its c_q, extends faces and drops blocks at their walls, and updates what is carried. */
function applyStep(
  pr: Program,
  blocks: FaceBlock[],
  sup: Support,
  fit: Fit,
  sys: NewtonSystem,
  delta: Float64Array,
  dir: Direction,
  walls: Walls,
  acc: Trial,
  off: { b: number },
  carry: NewtonCarry,
): void {
  const { n, p } = pr;
  const { S, bases, sg } = sup;
  const { aq, evq, amax } = walls;
  const { c, t: taken } = acc;
  let left = false;
  blocks.forEach((bl, q) => {
    const z = bl.z,
      d = dir.dz[q];
    bl.z = Float64Array.from(z);
    for (let k = 0; k < p; k++) bl.z[k] += c[q] * d[k];
    // C[q] is the block's own carried buffer (xz), updated in place
    const cc = fit.C[q],
      u = dir.U[q],
      a = c[q];
    for (let j = 0; j < n; j++) cc[j] += a * u[j];
    const e = evq[q];
    if (e === WALL_NONE || a !== aq[q]) return;
    if (e >= 0) extendFace(pr, bl, e);
    else {
      bl.z.fill(0);
      carry.zeroed.add(bl);
      left = true;
    }
  });
  off.b = acc.b;
  carry.carriedF = acc.F;
  // the carried loss gradients move by −t s_q (H_GN δ)_q on a plain step; a bent step or a block
  // leaving changes them otherwise: they are recomputed
  if (left || taken > amax) carry.lossG.clear();
  else {
    const { T, offs, H, penBlocks } = sys;
    for (let q = 0; q < S; q++) {
      const held = carry.lossG.get(blocks[q]);
      if (!held) continue;
      // (H_GN δ)_q: H's block row times δ, less the penalty block
      const o = offs[q],
        m = bases[q].length,
        pb = penBlocks[q],
        step = taken * sg[q];
      for (let x = 0; x < m; x++) {
        const row = (o + x) * T;
        let h = 0;
        for (let a = 0; a < T; a++) h += H[row + a] * delta[a];
        for (let y = 0; y < m; y++) h -= pb[x * m + y] * delta[o + y];
        held.g[x] -= step * h;
      }
    }
  }
}
