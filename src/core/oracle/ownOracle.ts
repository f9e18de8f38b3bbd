/**
 * The oracle restricted to a network's own activation cones (MATH.md §7 with §3.5–§3.7):
 *   M_own(Λ) = max_j max_{ũ∈K_j, ‖ũ‖≤1} ‖Λᵀ(X̃ũ)_+‖,   K_j = {ũ : (2D_j − I)X̃ũ ≥ 0},
 * D_j the network's own (merged, tie-expanded) patterns. On K_j, (X̃ũ)_+ = D_jX̃ũ, so for a scalar
 * λ the block value is max_± ‖Π_{K_j}(±X̃ᵀD_jλ)‖ (Moreau: the max of gᵀũ over K ∩ ball is ‖Π_K g‖,
 * attained at Π_K g/‖Π_K g‖). Column generation with this oracle (certify/optimum.ts searchOptimum)
 * computes P_own: the optimum over networks (any width) whose neurons lie in the own cones, and its
 * lowerBound is sound for P_own by the same weak duality (MATH.md §2 with Q restricted to ∪K_j).
 *
 * Soundness of `upper`: projectCone returns z = g + Aᵀμ with μ ≥ 0 recomputed from the clipped
 * multipliers, and for ANY μ ≥ 0 max_{ũ∈K,‖ũ‖≤1} gᵀũ ≤ ‖z‖ (cone.ts header). Rounding in g and z is
 * covered by the allowance of convex/bound.ts: fpRel(n, p)·(Σ_i|λ_i|‖x̃_i‖ + ‖g‖ + Σμ_j‖x̃_j‖) per block
 * (oracle/common.ts: sums of ≤ n + p + 8 products). Blocks are skipped only when ‖g‖ plus that
 * allowance cannot exceed the running maximum (‖Π_K g‖ ≤ ‖g‖). All own patterns are enumerated, so
 * for a fixed or absent hidden bias and c = 1 the result is `exact` with respect to M_own. Every block's
 * bound is also returned (per sign) for ownSphere.ts's interpolation bound.
 *
 * Vector outputs c = 2, 3: M_own(Λ) = max_{‖g‖=1} σ(g), σ(g) = M_own(Λg), again a support function
 * (max over ũ of linear functions of g), so oracle/vector.ts branchAndBound applies. Every vertex
 * value handed to it is already a sound upper bound on σ(g) (allowance included), hence A = 0 (A = the
 * centring charge below for a free bias). c > 3 (ownSphere.ts): the same branch and bound on simplices
 * of S^{c−1} with a per-block interpolation bound — or, for a fixed or absent hidden bias with
 * p ≤ ZSPHERE_MAX_P, on the neuron sphere S^{p−1} with the blocks ‖ΛᵀD_jX̃z‖ (cheap, independent of c)
 * — and the spectral bound σ_max(ΛᵀD_jX̃) per block; the smaller is used, `exact` is false, and the
 * call stops at its evaluation budget (its bound stays sound), so the callers report P_own as an interval.
 *
 * Free hidden bias (the caller passes X; the cones live in (u, b) with only ‖u‖ ≤ 1): blocks are
 * bounded by ownCone.ts (cone.ts blockBound's logic: ‖w_u‖ + |w_b|·x_max on mixed patterns, ‖g_u‖ on
 * the all-active one), with the rounding allowance of convex/bound.ts, fpRel·(Σ|λ_i|‖x̃_i‖ + ‖g‖ +
 * Σμ_j‖x̃_j‖)·(1 + x_max). The all-active value ‖g_u‖ is right only for Λᵀ1 = 0 exactly; the bound is
 * therefore stated for Λ′ = Λ − 1λ̄ᵀ (exact column means removed) and charges
 *   R = ‖λ̄‖_F·(σ_max(X) + √n·x_max)   (column sums taken with their rounding),
 * since sup ‖Λ̄ᵀ(Xu + b1)_+‖ over a block is ≤ ‖λ̄‖_F(‖Xu‖ + |b|√n) with |b| ≤ x_max on mixed
 * patterns, and b drops out of the all-active block for Λ′. That is what the callers need: bestScale
 * (certify/dual.ts) reads the oracle's value as M(Λ′) for a free hidden bias and charges D the
 * matching s‖λ̄‖‖Y‖; the classification dual (losses/dualPoint.ts) adds its own (redundant) charge.
 * When ‖Λᵀ1‖ > FREE_BIAS_SUM_TOL·Σ‖Λ_i‖ the value is +∞ (b → +∞ on an all-active pattern), as in
 * oracle/freeBias.ts. The argmax is (u, argmaxBias) with ‖u‖ = 1 inside one own cone (ownCone.ts) and
 * `lower` its value ‖Λ′ᵀ(Xu + b1)_+‖ recomputed directly.
 */
import type { Mat } from '../linalg/mat';
import { sigmaMax, SIGMA_REL_SLACK } from '../linalg/decomp';
import type { OracleFn, OracleResult } from './types';
import { EPS, evalVec, fpRel, gaussian, lipschitz, makeRng, vnorm } from './common';
import { branchAndBound } from './vector';
import type { SweepResult } from './sweep';
import { FREE_BIAS_SUM_TOL } from './freeBias';
import { projectCone } from '../linalg/cone';
import { appendOnes, projectMeanZero } from '../linalg/mat';
import { freeBiasBlock } from './ownCone';
import { sphereBranchAndBound, zSphereBranchAndBound, ZSPHERE_MAX_P } from './ownSphere';
import { CancelledError } from '../errors';

/**
 * Default evaluation budget of one c > 3 oracle call (branch-and-bound evaluations; a work budget, so
 * the bound is the same on every machine). Replaces a 1.25 s (diagnosis) / 3 s wall-clock cap per
 * call: n = 60, d = 2, c = 5, 19 own patterns takes ~1.7 s a call at 2,000 on this 2-core machine
 * (500: the final bracket [2.99, 5.38] against [5.03, 5.32] at 2,000).
 */
export const OWN_WIDE_CALL_EVALS = 2000;
/** Ascent steps g ← Λᵀ(X̃u)_+/‖·‖, u ← argmax σ(g) polishing the c > 3 argmax (lower bound only). */
export const OWN_WIDE_ASCENT_STEPS = 20;

export interface OwnOracleOptions {
  /**
   * wall-clock SAFETY deadline only (performance.now() ms): past it, c ≥ 2 calls use projection-free
   * block bounds and c > 3 calls stop refining (the bound stays sound, only looser); the caller
   * reports that the result then depends on machine speed
   */
  deadline?: number;
  /** evaluation budget of one c > 3 branch and bound (default OWN_WIDE_CALL_EVALS) */
  maxEvals?: number;
}

interface ScalarOwn {
  /** sound upper bound on M_own(λ) (for a free bias: of the blocks as computed, before the centring charge), allowance included */
  upper: number;
  /** value of the best candidate (fully projected block; free bias: gᵀ[u; b] of a feasible candidate) */
  value: number;
  /** argmax, length p: unit ũ (fixed/no bias), or [u; b] with ‖u‖ = 1 (free bias); zero when every block value is 0 */
  u: Float64Array;
  /** sound upper bound per (block j, sign s) at index 2j + (s < 0), allowance included (ownSphere's interpolation bound) */
  blocks: Float64Array;
}

interface Geometry {
  /** X̃: with the ones column for a decayed or free hidden bias */
  Xt: Mat;
  free: boolean;
  /** max_i ‖x_i‖ (free bias: |b| ≤ x_max on mixed patterns) */
  xMax: number;
  rowNorm: Float64Array;
  onCount: number[];
  /** per (block, sign): the last passive set of the free-bias projection (warm start across output directions) */
  warm: { active: number[] }[];
}

const onesCache = new WeakMap<Mat, Mat>();
const sigmaCache = new WeakMap<Mat, number>();

/** [X, 1], one object per X so the Gram caches of linalg/cone.ts are reused across calls. */
function withOnes(X: Mat): Mat {
  let m = onesCache.get(X);
  if (!m) onesCache.set(X, (m = appendOnes(X)));
  return m;
}

function sigmaUpper(X: Mat): number {
  let s = sigmaCache.get(X);
  if (s === undefined) sigmaCache.set(X, (s = sigmaMax(X) * (1 + SIGMA_REL_SLACK)));
  return s;
}

/** Block gradients g_j = X̃ᵀD_jΛ (p × c per pattern, column-major by output k: g[k*p + t]). */
function blockGradients(Xt: Mat, patterns: Uint8Array[], Lambda: Mat): Float64Array[] {
  const n = Xt.rows,
    p = Xt.cols,
    c = Lambda.cols;
  return patterns.map((D) => {
    const G = new Float64Array(p * c);
    for (let i = 0; i < n; i++) {
      if (!D[i]) continue;
      for (let k = 0; k < c; k++) {
        const l = Lambda.data[i * c + k];
        if (l === 0) continue;
        for (let t = 0; t < p; t++) G[k * p + t] += l * Xt.data[i * p + t];
      }
    }
    return G;
  });
}

/**
 * max over blocks and signs of the block value at g_j = G_j·w (w the output combination). cheapOnly
 * (past the caller's deadline): every block gets its projection-free bound — sound, looser, O(P·p) —
 * and no argmax (as convex/bound.ts does when out of time).
 */
function scalarOwn(geo: Geometry, patterns: Uint8Array[], G: Float64Array[], w: ArrayLike<number>, lip: number, cheapOnly = false): ScalarOwn {
  const { Xt, free, xMax } = geo;
  const n = Xt.rows,
    p = Xt.cols,
    c = w.length;
  const fp = fpRel(n, p);
  // free bias: rounding of the bias coordinate is multiplied by |b| ≤ x_max (convex/bound.ts)
  const fpScale = free ? 1 + xMax : 1;
  const gs = G.map((Gj) => {
    const g = new Float64Array(p);
    for (let k = 0; k < c; k++) if (w[k] !== 0) for (let t = 0; t < p; t++) g[t] += Gj[k * p + t] * w[k];
    return g;
  });
  const gn = gs.map(vnorm);
  // projection-free bound of a block (μ = 0): ‖g‖, or ‖g_u‖ + |g_b|·x_max (free, mixed), ‖g_u‖ (free, all active)
  const cheap = gs.map((g, j) => {
    if (!free) return gn[j];
    let s = 0;
    for (let t = 0; t < p - 1; t++) s += g[t] * g[t];
    return Math.sqrt(s) + (geo.onCount[j] < n ? Math.abs(g[p - 1]) * xMax : 0);
  });
  const order = gs.map((_, j) => j).sort((a, b) => cheap[b] - cheap[a]);
  let upper = 0,
    value = 0;
  let u: Float64Array = new Float64Array(p);
  const blocks = new Float64Array(2 * gs.length);
  for (const j of order) {
    if (free && geo.onCount[j] === 0) continue; // (X̃z)_+ = 0 on the cone
    for (const s of [1, -1]) {
      const slot = 2 * j + (s < 0 ? 1 : 0);
      const cheapUp = cheap[j] * (1 + fp) + fp * (lip + gn[j]) * fpScale;
      blocks[slot] = cheapUp;
      if (cheapOnly) {
        if (cheapUp > upper) upper = cheapUp;
        continue;
      }
      if (cheapUp <= upper) continue;
      const g = s === 1 ? gs[j] : gs[j].map((x) => -x);
      if (free) {
        // a block whose bound (allowance included) stays ≤ the running max cannot raise it
        const stopB = upper > 0 ? (upper / (1 + fp) - fp * (lip + gn[j] + 0) * fpScale) / (1 + 1e-12) : -1;
        const fb = freeBiasBlock(Xt, patterns[j], geo.onCount[j], g, xMax, geo.rowNorm, value, stopB, (geo.warm[slot] ??= { active: [] }));
        const up = fb.bound * (1 + fp) + fp * (lip + gn[j] + fb.muMass) * fpScale;
        blocks[slot] = Math.min(cheapUp, up);
        if (up > upper) upper = up;
        if (fb.cand && fb.score > value) {
          value = fb.score;
          u = fb.cand;
        }
        continue;
      }
      const stop = upper > 0 ? (upper - fp * (lip + gn[j])) / (1 + 1e-12) : -1;
      // warm start from this block's last face: the output-sphere branch and bound calls scalarOwn at
      // nearby g, whose projections land on nearly the same face (speed only: any μ ≥ 0 bounds soundly)
      const ws = (geo.warm[slot] ??= { active: [] });
      const pr = projectCone(Xt, patterns[j], g, 1, ws.active, undefined, stop);
      ws.active = pr.active;
      let muMass = 0;
      pr.active.forEach((i, t) => (muMass += pr.mu[t] * geo.rowNorm[i]));
      const zn = vnorm(pr.z);
      const up = zn * (1 + fp) + fp * (lip + gn[j] + muMass);
      blocks[slot] = Math.min(cheapUp, up);
      if (up > upper) upper = up;
      if (!pr.early && zn > value) {
        value = zn;
        u = Float64Array.from(pr.z, (x) => x / zn);
      }
    }
  }
  return { upper, value, u, blocks };
}

/**
 * Spectral bound (c > 3), per block without the cone: ‖B_jz‖ ≤ σ_max(B_j)‖z‖ with B_j = ΛᵀD_jX̃; with a
 * free bias ‖B_jz‖ ≤ σ_max(B_j,u) + |b|·‖B_j,b‖, |b| ≤ x_max on mixed patterns and the bias column
 * dropping out (Λ′ᵀ1 = 0) on the all-active one. Rounding of B_j: entrywise ≤ γ·Σ_i|λ_ik||x̃_it|, whose
 * Frobenius norm is ≤ γ·Σ_i‖Λ_i‖‖x̃_i‖ = γ·lip.
 */
function spectralBound(geo: Geometry, G: Float64Array[], c: number, lip: number): number {
  const { Xt, free, xMax } = geo;
  const n = Xt.rows,
    p = Xt.cols;
  const pu = free ? p - 1 : p;
  let mx = 0;
  G.forEach((Gj, j) => {
    if (free && geo.onCount[j] === 0) return;
    const B: Mat = { rows: c, cols: pu, data: new Float64Array(c * pu) };
    for (let k = 0; k < c; k++) for (let t = 0; t < pu; t++) B.data[k * pu + t] = Gj[k * p + t];
    let v = sigmaMax(B) * (1 + SIGMA_REL_SLACK);
    if (free && geo.onCount[j] < n) {
      let bb = 0;
      for (let k = 0; k < c; k++) bb += Gj[k * p + p - 1] ** 2;
      v += Math.sqrt(bb) * xMax;
    }
    mx = Math.max(mx, v);
  });
  const fp = fpRel(n, p);
  return (mx + fp * lip * (free ? 1 + xMax : 1)) * (1 + 4 * EPS);
}

/**
 * An argmax when no block produced a candidate (every block value computed as 0): a point of an own
 * cone — the projection of a random vector onto it — so its value is ≤ M_own ≤ upper; failing that,
 * a direction with every row inactive (value 0) when the bias allows one, else e_1.
 */
function fallbackArgmax(geo: Geometry, patterns: Uint8Array[], seed: number): Float64Array {
  const { Xt, free } = geo;
  const n = Xt.rows,
    p = Xt.cols,
    pu = free ? p - 1 : p;
  const rng = makeRng(seed);
  for (let j = 0; j < Math.min(patterns.length, 8); j++) {
    if (free && geo.onCount[j] === 0) continue;
    const h = Float64Array.from({ length: p }, () => gaussian(rng));
    const z = projectCone(Xt, patterns[j], h).z;
    const zn = vnorm(z.subarray(0, pu));
    if (!(zn > 0)) continue;
    const cand = z.map((x) => x / zn);
    // keep it only if it really is in the cone (the projection is exact up to rounding)
    let ok = true;
    for (let i = 0; i < n && ok; i++) {
      let t = 0;
      for (let k = 0; k < p; k++) t += Xt.data[i * p + k] * cand[k];
      if ((patterns[j][i] ? -t : t) > 1e-12 * geo.rowNorm[i] * (1 + Math.abs(cand[p - 1]))) ok = false;
    }
    if (ok) return cand;
  }
  const u = new Float64Array(p);
  if (free) {
    // u = e_1 and b below every pre-activation: all rows inactive
    u[0] = 1;
    let mx = -Infinity;
    for (let i = 0; i < n; i++) mx = Math.max(mx, Xt.data[i * p]);
    u[p - 1] = -(Number.isFinite(mx) ? Math.abs(mx) + 1 : 1);
  } else if (Xt.cols > 0 && Array.from({ length: n }, (_, i) => Xt.data[i * p + p - 1]).every((x) => x === 1))
    u[p - 1] = -1; // decayed bias column: all rows inactive
  else u[0] = 1;
  return u;
}

function failedFree(c: number, d: number, sumNorm: number, colSum: Float64Array): OracleResult {
  const u0 = new Float64Array(d);
  if (d) u0[0] = 1;
  return {
    exact: false,
    method: 'bounds',
    upper: Infinity,
    lower: 0,
    argmax: u0,
    argmaxBias: 0,
    outputDir: sumNorm > 0 ? colSum.map((x) => x / sumNorm) : new Float64Array(c),
    patterns: 0,
    rank: 0,
    roundingAllowance: 0,
    notes: [
      `own-pattern oracle, free hidden bias: ‖Λᵀ1‖ = ${sumNorm.toExponential(3)} > ${FREE_BIAS_SUM_TOL}·Σ‖Λ_i‖ ⇒ M_own = +∞ (b → +∞ on the all-active pattern)`,
    ],
  };
}

/**
 * An OracleFn restricted to the given own patterns (any c; X̃ with the bias column when the hidden
 * bias is decayed, X without it when free — then the argmax is (u, argmaxBias) with ‖u‖ = 1).
 */
export function makeOwnOracle(patterns: Uint8Array[], ownOpts: OwnOracleOptions = {}): OracleFn {
  // The column generation asks again at an unchanged Λ (its final check, the witness refinement):
  // for c ≥ 2 each call is a full output-sphere branch and bound (iris-like c = 3: ~3,700 restricted
  // scalar calls near convergence, three identical calls in a row), so the last answer is kept. The
  // seed is not part of the key: it only picks fallbackArgmax's random point, and any point of an own
  // cone serves there.
  let last: { X: Mat; L: Float64Array; cols: number; free: boolean; res: OracleResult } | null = null;
  const copy = (r: OracleResult): OracleResult => ({
    ...r,
    argmax: Float64Array.from(r.argmax),
    outputDir: Float64Array.from(r.outputDir),
    notes: [...r.notes],
  });
  return (Xin: Mat, Lambda: Mat, options): OracleResult => {
    const free = options?.hiddenBias === 'free';
    if (last && last.X === Xin && last.cols === Lambda.cols && last.free === free && sameValues(last.L, Lambda.data)) {
      if (options?.shouldStop?.()) throw new CancelledError('oracle');
      return copy(last.res);
    }
    const res = ownOracleCall(patterns, ownOpts, Xin, Lambda, options);
    last = { X: Xin, L: Float64Array.from(Lambda.data), cols: Lambda.cols, free, res: copy(res) };
    return res;
  };
}

function sameValues(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

/** Free hidden bias: Λ′ = Λ − 1λ̄ᵀ and the centring charge R (header), or the +∞ result when Λᵀ1 is too far from 0. */
function centreForFreeBias(Xin: Mat, Lambda: Mat): { L: Mat; R: number } | OracleResult {
  const c = Lambda.cols,
    n = Xin.rows,
    d = Xin.cols;
  const colSum = new Float64Array(c),
    colAbs = new Float64Array(c);
  let l1 = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < c; k++) {
      const v = Lambda.data[i * c + k];
      colSum[k] += v;
      colAbs[k] += Math.abs(v);
      s += v * v;
    }
    l1 += Math.sqrt(s);
  }
  const sumNorm = vnorm(colSum);
  if (sumNorm > FREE_BIAS_SUM_TOL * l1) return failedFree(c, d, sumNorm, colSum);
  let rho2 = 0; // ‖λ̄‖_F² with the rounding of the column sums
  for (let k = 0; k < c; k++) rho2 += (Math.abs(colSum[k]) + (n + 1) * EPS * colAbs[k]) ** 2 / Math.max(n, 1);
  let xMax = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += Xin.data[i * d + k] ** 2;
    xMax = Math.max(xMax, Math.sqrt(s));
  }
  const R = rho2 > 0 ? Math.sqrt(rho2) * (sigmaUpper(Xin) + Math.sqrt(n) * xMax) * (1 + 1e-12) : 0;
  return { L: projectMeanZero(Lambda), R };
}

function geometryOf(Xt: Mat, free: boolean, patterns: Uint8Array[]): Geometry {
  const n = Xt.rows,
    p = Xt.cols;
  const rowNorm = new Float64Array(n);
  let xMax = 0;
  for (let i = 0; i < n; i++) {
    let s = 0,
      su = 0;
    for (let k = 0; k < p; k++) s += Xt.data[i * p + k] ** 2;
    for (let k = 0; k < (free ? p - 1 : p); k++) su += Xt.data[i * p + k] ** 2;
    rowNorm[i] = Math.sqrt(s);
    xMax = Math.max(xMax, Math.sqrt(su));
  }
  return { Xt, free, xMax, rowNorm, onCount: patterns.map((D) => D.reduce((a, x) => a + (x ? 1 : 0), 0)), warm: [] };
}

/** What the vector-output (c ≥ 2) bounds share within one call. */
interface VectorCall {
  geo: Geometry;
  patterns: Uint8Array[];
  G: Float64Array[];
  c: number;
  lip: number;
  /** the centring charge (free bias), else 0 */
  R: number;
  ownOpts: OwnOracleOptions;
  stop: (() => boolean) | undefined;
  /** ‖Λᵀ(X̃ũ)_+‖ (free bias: for Λ′) at an argmax */
  vecAt: (z: Float64Array) => Float64Array;
  biasNote: string;
}

interface VectorBound {
  upper: number;
  u: Float64Array;
  exact: boolean;
  evals: number;
  note: string;
}

/** σ(g) = the scalar own oracle at the output direction g, each distinct g evaluated once per call. */
function memoSigma(vc: VectorCall): { sigma: (g: Float64Array) => SweepResult & { blocks: Float64Array }; distinct: () => number } {
  const { geo, patterns, G, lip } = vc;
  const hard = vc.ownOpts.deadline ?? Infinity;
  // the sphere branch and bounds split neighbouring cells at the same edge midpoint (bit-identical g):
  // each distinct g is evaluated once per call (about half of the c = 3 evaluations on iris-like data)
  const seen = new Map<string, SweepResult & { blocks: Float64Array }>();
  const sigma = (g: Float64Array): SweepResult & { blocks: Float64Array } => {
    const key = g.join(',');
    const hit = seen.get(key);
    if (hit) return { ...hit, u: Float64Array.from(hit.u) };
    const r = scalarOwn(geo, patterns, G, g, lip, performance.now() > hard);
    const out = { value: r.upper, u: r.u, patterns: patterns.length, candidatesEvaluated: 0, blocks: r.blocks };
    seen.set(key, { ...out, u: Float64Array.from(r.u) });
    return out;
  };
  return { sigma, distinct: () => seen.size };
}

function vectorBound(vc: VectorCall): VectorBound {
  const { c, R, stop } = vc;
  const p = vc.geo.Xt.cols;
  const { sigma, distinct } = memoSigma(vc);
  const vecNorm = (z: Float64Array) => (z.length === p ? vnorm(vc.vecAt(z)) : -1);
  if (c > 3) return wideBound(vc, sigma, vecNorm);
  // R is a uniform allowance: σ′(g) ≤ computed(g) + ‖λ̄g‖(σ_max + √n x_max) ≤ computed + R
  const bb = branchAndBound(c as 2 | 3, sigma, R, vecNorm, stop);
  return {
    upper: bb.upper,
    u: bb.u.length === p ? bb.u : new Float64Array(p),
    exact: bb.converged,
    evals: bb.evals,
    note: `own-pattern oracle: output-sphere branch and bound, ${bb.evals} restricted scalar calls (${distinct()} distinct directions), ${bb.converged ? 'converged' : 'NOT converged'}${vc.biasNote}`,
  };
}

/** c > 3: min(spectral bound, a sphere branch and bound at its evaluation budget), sound bounds only. */
function wideBound(vc: VectorCall, sigma: (g: Float64Array) => SweepResult & { blocks: Float64Array }, vecNorm: (z: Float64Array) => number): VectorBound {
  const { geo, patterns, G, c, lip, R, stop } = vc;
  const { Xt, free } = geo;
  const n = Xt.rows,
    p = Xt.cols;
  const deadline = vc.ownOpts.deadline ?? Infinity;
  const maxEvals = vc.ownOpts.maxEvals ?? OWN_WIDE_CALL_EVALS;
  const spec = spectralBound(geo, G, c, lip) + R;
  let upper: number, u: Float64Array, evals: number, how: string;
  if (!free && p <= ZSPHERE_MAX_P) {
    // few input coordinates: branch over the neuron sphere (B_j = ΛᵀD_jX̃ is G_j's layout, c × p row-major)
    const zb = zSphereBranchAndBound(Xt, patterns, G, c, fpRel(n, p) * lip, { shouldStop: stop, deadline, maxEvals });
    upper = Math.min(spec, zb.upper);
    u = zb.z;
    evals = Math.max(1, Math.ceil(zb.evals / 2));
    how = `neuron-sphere branch and bound ${zb.upper.toPrecision(8)} after ${zb.evals} vertices, ${zb.stopReason}`;
  } else {
    const bb = sphereBranchAndBound(c, sigma, R, vecNorm, { shouldStop: stop, deadline, maxEvals });
    upper = Math.min(spec, bb.upper);
    u = bb.u.length === p ? bb.u : new Float64Array(p);
    evals = Math.max(1, bb.evals);
    how = `output-sphere branch and bound ${bb.upper.toPrecision(8)} after ${bb.evals} restricted scalar calls, ${bb.stopReason}`;
  }
  // ascent for the argmax: the output direction of the current neuron, then the best neuron for it
  let cur = vnorm(vc.vecAt(u));
  for (let it = 0; it < OWN_WIDE_ASCENT_STEPS && cur > 0 && performance.now() < deadline; it++) {
    if (stop?.()) throw new CancelledError('oracle');
    const v = vc.vecAt(u);
    const g = v.map((x) => x / cur);
    const r = scalarOwn(geo, patterns, G, g, lip);
    evals++;
    const nv = vnorm(vc.vecAt(r.u));
    if (!(nv > cur * (1 + 1e-12))) break;
    u = r.u;
    cur = nv;
  }
  const note = `own-pattern oracle, c = ${c} > 3: upper bound min(spectral ${spec.toPrecision(8)}, ${how}) — sound bounds only${vc.biasNote}`;
  return { upper, u, exact: false, evals, note };
}

function ownOracleCall(patterns: Uint8Array[], ownOpts: OwnOracleOptions, Xin: Mat, Lambda: Mat, options: Parameters<OracleFn>[2]): OracleResult {
  const free = options?.hiddenBias === 'free';
  const c = Lambda.cols,
    n = Xin.rows,
    d = Xin.cols;
  const stop = options?.shouldStop;
  if (stop?.()) throw new CancelledError('oracle');
  // free bias: the bound is for Λ′ = Λ − 1λ̄ᵀ (exactly centred); R pays for the difference
  let L = Lambda,
    R = 0;
  if (free) {
    const centred = centreForFreeBias(Xin, Lambda);
    if (!('L' in centred)) return centred;
    ({ L, R } = centred);
  }
  const Xt = free ? withOnes(Xin) : Xin;
  const p = Xt.cols;
  const geo = geometryOf(Xt, free, patterns);
  const G = blockGradients(Xt, patterns, Lambda);
  const lip = lipschitz(Xt, Lambda); // ≥ Σ_i|(Λg)_i|‖x̃_i‖ for every unit g
  // value of an argmax: ‖Λᵀ(X̃ũ)_+‖, or ‖Λ′ᵀ(Xu + b)_+‖ for a free bias
  const vecAt = (z: Float64Array) => (free ? evalVec(Xin, L, z.subarray(0, d), z[d], new Float64Array(c)) : evalVec(Xt, L, z, 0, new Float64Array(c)));
  const biasNote = free ? `; free hidden bias: bound for Λ projected onto Λᵀ1 = 0, centring charge ${R.toExponential(2)}` : '';
  let upper: number,
    u: Float64Array,
    exact = true,
    evals = 1;
  const notes: string[] = [];
  if (c === 1) {
    const r = scalarOwn(geo, patterns, G, [1], lip);
    upper = r.upper + R;
    u = r.u;
    notes.push(`own-pattern oracle: ${patterns.length} patterns × 2 signs, cone projections${biasNote}`);
  } else {
    const vb = vectorBound({ geo, patterns, G, c, lip, R, ownOpts, stop, vecAt, biasNote });
    ({ upper, u, exact, evals } = vb);
    notes.push(vb.note);
  }
  if (!(vnorm(free ? u.subarray(0, d) : u) > 0)) u = fallbackArgmax(geo, patterns, options?.seed ?? 1);
  const v = vecAt(u);
  const lower = vnorm(v);
  // rounding of the block values and of the recomputed `lower`, plus the centring charge
  const allowance = fpRel(n, p) * (lip * (geo.free ? 1 + geo.xMax : 1) + upper) + R;
  // free bias: the block bounds are dual bounds, tight only when the passive set is right
  if (free) exact = exact && upper - lower <= allowance;
  const outputDir = c === 1 ? Float64Array.of(v[0] < 0 ? -1 : 1) : lower > 0 ? v.map((x) => x / lower) : new Float64Array(c);
  return {
    exact,
    method: 'bounds',
    upper: Math.max(upper, 0),
    lower,
    argmax: free ? Float64Array.from(u.subarray(0, d)) : u,
    argmaxBias: free ? u[d] : 0,
    outputDir,
    patterns: patterns.length * evals,
    rank: Math.min(n, p),
    roundingAllowance: allowance,
    notes,
  };
}
