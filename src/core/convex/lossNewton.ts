/**
 * Projected Newton polish for the classification program (./lossProgram.ts): with the support
 * S = {k : z_k ≠ 0} fixed, ℓ_μ(Σ_k σ_k D_iX̃z_k + b) + βΣ‖z_k‖ (+ (β/2)b²) is smooth; a Newton
 * step (Levenberg ridge when singular) followed by the projection of each block onto its cone
 * K_i, accepted only when the smoothed objective decreases (Armijo-free backtracking on the
 * exact objective: monotone, so it can only help FISTA, which re-checks the rest). Why: the
 * smoothed hinge with small μ is badly conditioned for first-order steps.
 */
import { gramRows, leastSquares } from '../linalg/leastSquares';
import { ridgeCholeskySolve } from '../linalg/spd';
import { addGroupNormTerms } from '../linalg/groupNorm';
import type { Program } from './problem';
import { blockNorm } from './problem';
import { projectCone } from '../linalg/cone';
import { lossValue, negGradient } from '../losses/conjugates';
import { lossOf, type LossRef } from '../losses/registry';
import type { Loss } from '../losses/loss';
import type { OffsetMode } from '../certify/lasso';
import { type Mat, zeros } from '../linalg/mat';

/** Newton polish runs only when the support has at most this many variables. */
export const LOSS_NEWTON_MAX_VARS = 150;
/** …and when variables² × n is at most this (the Hessian build dominates; keeps a polish well under a second). */
export const LOSS_NEWTON_MAX_WORK = 2e7;

export interface SmoothFns {
  fit(Z: Float64Array, b: number): Float64Array;
  /** smooth part + penalty */
  objective(Z: Float64Array, b: number): number;
  lam(F: Float64Array): Float64Array;
}

/**
 * The diagonal of every sample's (generalized) Hessian ∇²ℓ_i(F_i), n×c row-major: the curvature of
 * an elementwise loss (logistic σ(t)σ(−t), the smoothed hinge's 1/μ inside its band, Huber
 * 1[|f − y| < δ]); the Gauss–Newton blocks of both Newton steps below are built from it.
 */
function hessianDiagonals(loss: Loss, F: Mat, Y: Mat, mu: number): Float64Array {
  const n = F.rows,
    c = F.cols;
  const Hi = new Float64Array(c * c);
  const out = new Float64Array(n * c);
  for (let i = 0; i < n; i++) {
    loss.sampleHessian(F, Y, i, mu, Hi);
    for (let j = 0; j < c; j++) out[i * c + j] = Hi[j * c + j];
  }
  return out;
}

export function lossNewtonPolish(
  pr: Program,
  Z: Float64Array,
  b: number,
  loss: 'hinge' | 'logistic',
  mu: number,
  fns: SmoothFns,
  maxSteps: number,
): { Z: Float64Array; b: number; steps: number } {
  const { n, p, P, Xt, beta } = pr;
  const hasOff = pr.offset !== 'none';
  let steps = 0;
  for (let step = 0; step < maxSteps; step++) {
    const S: number[] = [];
    for (let k = 0; k < 2 * P; k++) if (blockNorm(pr, Z, k) > 0) S.push(k);
    const N = S.length * p + (hasOff ? 1 : 0);
    if (N === 0 || N > LOSS_NEWTON_MAX_VARS || N * N * n > LOSS_NEWTON_MAX_WORK) break;
    const F = fns.fit(Z, b);
    const lam = fns.lam(F);
    const h = hessianDiagonals(lossOf(loss), { rows: n, cols: 1, data: F }, { rows: n, cols: 1, data: pr.y }, mu);
    // J columns: block bi, coordinate q → σ_k D_i x̃_{jq}; the offset → 1
    const col = (bi: number, q: number, j: number): number => {
      if (bi === S.length) return 1;
      const k = S[bi];
      return pr.patterns[k >> 1][j] ? (k & 1 ? -1 : 1) * Xt.data[j * p + q] : 0;
    };
    const nb = S.length + (hasOff ? 1 : 0);
    const idx = (bi: number, q: number) => bi * p + q;
    const dimOf = (bi: number) => (bi === S.length ? 1 : p);
    const H = new Float64Array(N * N);
    const g = new Float64Array(N);
    for (let bi = 0; bi < nb; bi++)
      for (let q = 0; q < dimOf(bi); q++) {
        const r = idx(bi, q);
        for (let j = 0; j < n; j++) g[r] -= col(bi, q, j) * lam[j];
        for (let bj = bi; bj < nb; bj++)
          for (let q2 = 0; q2 < dimOf(bj); q2++) {
            const c2 = idx(bj, q2);
            if (c2 < r) continue;
            let s = 0;
            for (let j = 0; j < n; j++) if (h[j]) s += col(bi, q, j) * h[j] * col(bj, q2, j);
            H[r * N + c2] = s;
            H[c2 * N + r] = s;
          }
      }
    S.forEach((k, bi) => addGroupNormTerms(Z, k * p, p, blockNorm(pr, Z, k), beta, g, H, N, idx(bi, 0)));
    if (pr.offset === 'decayed') {
      g[N - 1] += beta * b;
      H[(N - 1) * N + N - 1] += beta;
    }
    let trace = 0;
    for (let i = 0; i < N; i++) trace += H[i * N + i];
    const dx = ridgeCholeskySolve(
      H,
      N,
      g.map((v) => -v),
      [1e-12, 1e-9, 1e-6, 1e-3].map((rel) => rel * (trace / N) + 1e-300),
    );
    if (!dx) break;
    const f0 = fns.objective(Z, b);
    let accepted = false;
    for (let a = 1; a > 1e-6; a *= 0.5) {
      const Zn = Float64Array.from(Z);
      const blk = new Float64Array(p);
      S.forEach((k, bi) => {
        for (let q = 0; q < p; q++) blk[q] = Z[k * p + q] + a * dx![idx(bi, q)];
        const pj = projectCone(Xt, pr.patterns[k >> 1], blk);
        for (let q = 0; q < p; q++) Zn[k * p + q] = pj.z[q];
      });
      const bn = hasOff ? b + a * dx[N - 1] : 0;
      const f1 = fns.objective(Zn, bn);
      if (f1 < f0) {
        Z = Zn;
        b = bn;
        accepted = true;
        break;
      }
    }
    if (!accepted) break;
    steps++;
  }
  return { Z, b, steps };
}

// ---------------------------------------------------------------------------------------------
// Sliding the neurons (smooth classification losses, any c)
// ---------------------------------------------------------------------------------------------

/** slideNeurons runs only when its Newton system has at most this many variables. */
export const SLIDE_MAX_VARS = 600;
/** …and when building its Hessian costs at most this much (n·c·T² multiply-adds per step). */
export const SLIDE_MAX_WORK = 3e8;
/** |x̃_iᵀw| ≤ this·‖x̃_i‖‖w‖: sample i sits on neuron w's kink (the row joins the neuron's face). */
export const SLIDE_FACE_TOL = 1e-10;
/** A kink sample leaves a neuron's face when its one-sided derivative is below −this × max(1, |P|). */
export const SLIDE_RELEASE_TOL = 1e-12;
/**
 * Levenberg ridges tried on the slide's Newton system, in order, × its mean |diagonal|: the larger
 * ones turn the step into a scaled gradient step where P's Hessian is far from positive definite
 * (the bilinear t–z terms dominate: after a step across kinks, and from random starts, where with
 * ridges up to 1× the slide stopped at step 0 on 62 of 72 small cases and now descends).
 */
export const SLIDE_RIDGES = [0, 1e-12, 1e-9, 1e-6, 1e-3, 1, 1e3, 1e6];
/** Newton decrement (relative to the objective) below which the slide has converged. */
export const SLIDE_DONE_DEC = 1e-24;
/**
 * Work budget of one slide step (and of one release): at most this many trial points, the step
 * halved after each (2⁻⁴⁰ ≈ 1e-12 of the Newton step: below it P cannot change in float64). With the
 * caller's step budget this bounds a slide's work, so its result depends on its inputs alone.
 */
export const SLIDE_LINE_SEARCH_TRIALS = 40;

export interface SlideNeuron {
  /** input weights in X̃'s coordinates ([u; b] for a decayed hidden bias) */
  w: Float64Array;
  /** output weights (length c) */
  z: Float64Array;
}

export interface SlideResult {
  neurons: SlideNeuron[];
  b: Float64Array;
  /** ℓ(F) + (β/2)Σ(‖w‖² + ‖z‖²) [+ (β/2)‖b‖²] at the end (as computed; the caller recomputes from the weights) */
  objective: number;
  steps: number;
  converged: boolean;
  /** what ended the slide: a face optimum with no sample to release, its step budget, the safety deadline, or no further descent (or a system over SLIDE_MAX_VARS / SLIDE_MAX_WORK) */
  stoppedBy: 'converged' | 'step-budget' | 'safety-limit' | 'stalled';
}

/** orthonormal basis (p-vectors) of the complement of span{x̃_i : i ∈ rows} in R^p */
function faceBasis(Xt: Mat, rows: number[]): Float64Array[] {
  const p = Xt.cols;
  const Q: Float64Array[] = [];
  const orth = (v: Float64Array): number => {
    for (let pass = 0; pass < 2; pass++)
      for (const q of Q) {
        let d = 0;
        for (let k = 0; k < p; k++) d += v[k] * q[k];
        for (let k = 0; k < p; k++) v[k] -= d * q[k];
      }
    let s = 0;
    for (let k = 0; k < p; k++) s += v[k] * v[k];
    return Math.sqrt(s);
  };
  for (const i of rows) {
    const v = Float64Array.from(Xt.data.subarray(i * p, (i + 1) * p));
    let n0 = 0;
    for (let k = 0; k < p; k++) n0 += v[k] * v[k];
    const nr = orth(v);
    if (nr > 1e-10 * Math.sqrt(n0)) Q.push(v.map((x) => x / nr));
  }
  const nFace = Q.length;
  for (let a = 0; a < p && Q.length < p; a++) {
    const v = new Float64Array(p);
    v[a] = 1;
    const nr = orth(v);
    if (nr > 1e-8) Q.push(v.map((x) => x / nr));
  }
  return Q.slice(nFace);
}

/**
 * Newton on the training objective P(θ) = ℓ(Σ_k (X̃w_k)_+ z_kᵀ + 1bᵀ) + (β/2)Σ_k(‖w_k‖² + ‖z_k‖²)
 * [+ (β/2)‖b‖² decayed] of a network whose activation patterns are held fixed: each neuron's w_k
 * moves in its face (the samples on its kink stay there: w_k = N_k t_k); a full step that moves
 * off-face samples across their kinks is taken when the true P (patterns re-read from the new
 * weights) decreases, else the step is cut where the first such sample would change sides (that
 * sample joins the face); only steps that lower P are taken (Levenberg damping when the Hessian is
 * not positive definite: P is not convex).
 * Why: for vector outputs (cross-entropy, c > 1) the restricted problem of column generation has
 * fixed neuron directions, and its optimum approaches the true neurons only as directions
 * accumulate near them (measured on a 30-sample, c = 3 case: the oracle's excess M/β − 1 fell
 * from 1.7e-5 to 1e-6 over eight rounds); letting the directions slide to the stationary point of
 * their patterns makes −∇ℓ(F) the optimal dual point once the patterns are right (the "sliding"
 * step of alternating-descent conditional gradient). Smooth losses only (not the hinge: logistic, Huber,
 * cross-entropy). Speed only: the caller recomputes the objective from the weights and takes
 * every bound from the oracle.
 */
export function slideNeurons(
  Xt: Mat,
  Y: Mat,
  lossRef: LossRef,
  beta: number,
  offset: OffsetMode,
  start: SlideNeuron[],
  b0: Float64Array,
  /** the work budget: Newton steps and releases (each at most SLIDE_LINE_SEARCH_TRIALS trial points) */
  maxSteps: number,
  /**
   * wall-clock SAFETY deadline (performance.now() ms), not a budget: no step starts after it, and
   * the result says so (stoppedBy 'safety-limit'); the caller's own safety stop reports it
   */
  safetyDeadline = Infinity,
): SlideResult | null {
  const sl = Slide.start(Xt, Y, lossOf(lossRef), beta, offset, start, b0);
  if (!sl) return null;
  let steps = 0,
    converged = false;
  let stoppedBy: SlideResult['stoppedBy'] = 'step-budget';
  let factor = new Float64Array(0); // the Cholesky factor's storage, reused while T stays the same
  for (let step = 0; step < maxSteps; step++) {
    if (safetyDeadline !== Infinity && performance.now() > safetyDeadline) {
      stoppedBy = 'safety-limit';
      break;
    }
    const sys = sl.newtonSystem();
    if (!sys) {
      stoppedBy = 'stalled';
      break;
    }
    const { g, H, T } = sys;
    if (factor.length !== T * T) factor = new Float64Array(T * T);
    let trace = 0;
    for (let r = 0; r < T; r++) trace += Math.abs(H[r * T + r]);
    const dx = ridgeCholeskySolve(
      H,
      T,
      g.map((v) => -v),
      SLIDE_RIDGES.map((rel) => rel * (trace / T)),
      factor,
    );
    let dec = 0;
    if (dx) for (let r = 0; r < T; r++) dec -= g[r] * dx[r];
    if (!dx || !(dec > 0) || dec / 2 <= SLIDE_DONE_DEC * Math.max(1, Math.abs(sl.obj))) {
      // a face optimum: release a kink sample that should leave, else done
      if (sl.release()) {
        steps++;
        continue;
      }
      converged = dx !== null;
      stoppedBy = converged ? 'converged' : 'stalled';
      break;
    }
    if (!sl.takeStep(dx, sys)) {
      if (sl.release()) {
        steps++;
        continue;
      }
      stoppedBy = 'stalled';
      break;
    }
    steps++;
  }
  const neurons: SlideNeuron[] = [];
  for (let k = 0; k < sl.K; k++) neurons.push({ w: sl.ws[k], z: sl.zs[k] });
  return { neurons, b: sl.b, objective: sl.obj, steps, converged, stoppedBy };
}

/** slideNeurons' Newton system: gradient g and Hessian H (T×T) over [t_k, z_k]_k [, b], and where each block starts. */
interface SlideSystem {
  g: Float64Array;
  H: Float64Array;
  T: number;
  /** start of neuron k's block [t_k (dim_k), z_k (c)] */
  off: number[];
  /** dim_k: the dimension of neuron k's face */
  dm: number[];
  /** start of the offset's block */
  bOff: number;
}

/** The loss's first and second derivatives at the current outputs (newtonSystem's ingredients). */
interface Curvature {
  /** −∇ℓ(F) */
  L: Mat;
  /** softmax probabilities q_i (cross-entropy) or the diagonal of ℓ''(F) */
  Pq: Float64Array;
  softmax: boolean;
  /** H_i's entry (j, j2) */
  hij: (ic: number, j: number, j2: number) => number;
}

/** Scratch blocks of one neuron pair (k, l): (t_k, t_l), (t_k, z_l), (z_k, t_l), (z_k, z_l). */
interface PairBlocks {
  tt: Float64Array;
  tz: Float64Array;
  zt: Float64Array;
  zz: Float64Array;
}

/** The state slideNeurons moves: the neurons (w_k, z_k), their patterns and faces, the offset, the fit and P. */
class Slide {
  readonly n: number;
  readonly p: number;
  readonly c: number;
  readonly K: number;
  readonly hasB: boolean;
  /** ‖x̃_i‖ (the face tolerance is relative to it) */
  private readonly xn: Float64Array;
  /** activation pattern of each neuron (1: active off its face) */
  readonly act: Uint8Array[] = [];
  /** samples on each neuron's kink */
  readonly face: number[][] = [];
  /** orthonormal basis N_k of each neuron's face directions */
  readonly basis: Float64Array[][] = [];
  b: Float64Array;
  cur!: { F: Mat; A: Float64Array[] };
  obj = Infinity;
  /** X̃N_k per neuron (xnOf), dropped when the face changes */
  private readonly xnCache: (Float64Array | null)[] = [];
  /** the Newton system's storage, reused while its size T stays the same */
  private hBuf = new Float64Array(0);
  private gBuf = new Float64Array(0);

  private constructor(
    readonly Xt: Mat,
    readonly Y: Mat,
    readonly loss: Loss,
    readonly beta: number,
    readonly offset: OffsetMode,
    readonly ws: Float64Array[],
    readonly zs: Float64Array[],
    b0: Float64Array,
  ) {
    const n = Xt.rows,
      p = Xt.cols;
    this.n = n;
    this.p = p;
    this.c = Y.cols;
    this.K = ws.length;
    this.hasB = offset !== 'none';
    this.xn = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let k = 0; k < p; k++) s += Xt.data[i * p + k] ** 2;
      this.xn[i] = Math.sqrt(s);
    }
    this.b = this.hasB ? Float64Array.from(b0) : new Float64Array(this.c);
  }

  /** the balanced start (‖w‖ = ‖z‖: same function, lower or equal penalty), its patterns and faces; null when nothing is left or P is not finite */
  static start(Xt: Mat, Y: Mat, loss: Loss, beta: number, offset: OffsetMode, start: SlideNeuron[], b0: Float64Array): Slide | null {
    const ws: Float64Array[] = [],
      zs: Float64Array[] = [];
    for (const nr of start) {
      let a = 0,
        bz = 0;
      for (const x of nr.w) a += x * x;
      for (const x of nr.z) bz += x * x;
      a = Math.sqrt(a);
      bz = Math.sqrt(bz);
      if (!(a > 0 && bz > 0) || !Number.isFinite(a * bz)) continue;
      const f = Math.sqrt(bz / a);
      ws.push(nr.w.map((x) => x * f));
      zs.push(nr.z.map((x) => x / f));
    }
    if (ws.length === 0) return null;
    const sl = new Slide(Xt, Y, loss, beta, offset, ws, zs, b0);
    sl.initFaces();
    sl.refit();
    return Number.isFinite(sl.obj) ? sl : null;
  }

  private initFaces(): void {
    const { n, K } = this;
    for (let k = 0; k < K; k++) {
      const s = this.xw(this.ws[k]);
      let wn = 0;
      for (const x of this.ws[k]) wn += x * x;
      wn = Math.sqrt(wn);
      const a = new Uint8Array(n),
        f: number[] = [];
      for (let i = 0; i < n; i++) {
        if (Math.abs(s[i]) <= SLIDE_FACE_TOL * this.xn[i] * wn) f.push(i);
        else if (s[i] > 0) a[i] = 1;
      }
      this.act.push(a);
      this.face.push(f);
      this.setFace(k);
    }
  }

  xw(w: Float64Array): Float64Array {
    const { n, p, Xt } = this;
    const s = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let v = 0;
      for (let k = 0; k < p; k++) v += Xt.data[i * p + k] * w[k];
      s[i] = v;
    }
    return s;
  }

  /** the face basis of neuron k, and w_k ← its projection onto the face (the face rows then give 0 up to rounding) */
  setFace(k: number): void {
    const p = this.p;
    this.basis[k] = faceBasis(this.Xt, this.face[k]);
    this.xnCache[k] = null;
    const w = new Float64Array(p);
    for (const q of this.basis[k]) {
      let d = 0;
      for (let t = 0; t < p; t++) d += q[t] * this.ws[k][t];
      for (let t = 0; t < p; t++) w[t] += d * q[t];
    }
    this.ws[k] = w;
  }

  fitOf(W: Float64Array[], Z: Float64Array[], bb: Float64Array): { F: Mat; A: Float64Array[] } {
    const { n, c, K, act } = this;
    const F = zeros(n, c);
    const A: Float64Array[] = [];
    for (let k = 0; k < K; k++) {
      const s = this.xw(W[k]);
      const a = new Float64Array(n);
      for (let i = 0; i < n; i++) if (act[k][i]) a[i] = s[i];
      A.push(a);
      for (let i = 0; i < n; i++) if (a[i] !== 0) for (let j = 0; j < c; j++) F.data[i * c + j] += a[i] * Z[k][j];
    }
    if (this.hasB) for (let i = 0; i < n; i++) for (let j = 0; j < c; j++) F.data[i * c + j] += bb[j];
    return { F, A };
  }

  objOf(W: Float64Array[], Z: Float64Array[], bb: Float64Array, F: Mat): number {
    let pen = 0;
    for (let k = 0; k < this.K; k++) {
      for (const x of W[k]) pen += x * x;
      for (const x of Z[k]) pen += x * x;
    }
    if (this.offset === 'decayed') for (const x of bb) pen += x * x;
    return lossValue(F, this.Y, this.loss) + 0.5 * this.beta * pen;
  }

  /** the fit and P at the current neurons */
  refit(): void {
    this.cur = this.fitOf(this.ws, this.zs, this.b);
    this.obj = this.objOf(this.ws, this.zs, this.b, this.cur.F);
  }

  /**
   * At a face optimum: a sample on neuron k's kink whose one-sided directional derivative is
   * negative leaves the face, on that side (the neuron moves into the adjacent pattern). With
   * ∇_w P = Σ_{i∈F_k} μ_i x̃_i at the face optimum, moving x̃_iᵀw to +t (the others on the face
   * kept at 0) changes P at rate μ_i + ∇ℓ_i·z_k (sample i turns active), to −t at rate −μ_i.
   */
  release(): boolean {
    const { n, p, c, K, Xt, ws, zs, act, face, beta } = this;
    const L = negGradient(this.cur.F, this.Y, this.loss);
    let bestD = -SLIDE_RELEASE_TOL * Math.max(1, Math.abs(this.obj));
    let pick: { k: number; t: number; sign: number; F: Float64Array; G: Float64Array } | null = null;
    for (let k = 0; k < K; k++) {
      const fr = face[k];
      if (fr.length === 0) continue;
      const onFace = new Set(fr);
      const gw = ws[k].map((x) => beta * x);
      const gz = new Float64Array(n); // ∇ℓ_i·z_k
      for (let i = 0; i < n; i++) {
        let v = 0;
        for (let j = 0; j < c; j++) v -= L.data[i * c + j] * zs[k][j];
        gz[i] = v;
        if (act[k][i] && !onFace.has(i)) for (let q = 0; q < p; q++) gw[q] += v * Xt.data[i * p + q];
      }
      // the face rows F (|face|×p) and their Gram matrix: μ = argmin ‖G μ − F ∇_w‖ (least squares: faces can be degenerate)
      const nf = fr.length;
      const Fm = new Float64Array(nf * p);
      fr.forEach((i, t) => Fm.set(Xt.data.subarray(i * p, (i + 1) * p), t * p));
      const G = gramRows(Fm, nf, p);
      const Fg = new Float64Array(nf);
      for (let t = 0; t < nf; t++) {
        let v = 0;
        for (let q = 0; q < p; q++) v += Fm[t * p + q] * gw[q];
        Fg[t] = v;
      }
      let mu: Float64Array;
      try {
        mu = leastSquares(G, nf, nf, Fg, true);
      } catch {
        continue;
      }
      fr.forEach((i, t) => {
        const dPos = mu[t] + gz[i],
          dNeg = -mu[t];
        if (dPos < bestD) {
          bestD = dPos;
          pick = { k, t, sign: 1, F: Fm, G };
        }
        if (dNeg < bestD) {
          bestD = dNeg;
          pick = { k, t, sign: -1, F: Fm, G };
        }
      });
    }
    if (!pick) return false;
    const { k, t, sign, F: Fm, G } = pick as { k: number; t: number; sign: number; F: Float64Array; G: Float64Array };
    const fr = face[k];
    const nf = fr.length;
    const i0 = fr[t];
    // least-norm δ = Fᵀ G⁺ e with x̃_{i0}ᵀδ = sign and the other face samples kept at 0
    const e = new Float64Array(nf);
    e[t] = sign;
    let dl: Float64Array;
    try {
      const y = leastSquares(G, nf, nf, e, true);
      dl = new Float64Array(p);
      for (let q = 0; q < p; q++) {
        let v = 0;
        for (let r = 0; r < nf; r++) v += Fm[r * p + q] * y[r];
        dl[q] = v;
      }
    } catch {
      return false;
    }
    const s0 = this.xw(ws[k]),
      ds = this.xw(Float64Array.from(dl));
    const onFace = new Set(fr);
    let eta = Infinity;
    let wn = 0;
    for (const x of ws[k]) wn += x * x;
    eta = Math.sqrt(wn);
    for (let i = 0; i < n; i++) {
      if (onFace.has(i)) continue;
      if ((s0[i] > 0 && ds[i] < 0) || (s0[i] < 0 && ds[i] > 0)) eta = Math.min(eta, (-s0[i] / ds[i]) * 0.5);
    }
    if (!(eta > 0)) return false;
    const actOld = act[k][i0];
    act[k][i0] = sign > 0 ? 1 : 0;
    for (let bt = 0; bt < SLIDE_LINE_SEARCH_TRIALS; bt++, eta *= 0.5) {
      const W = ws.map((w, q) => (q === k ? w.map((x, r) => x + eta * dl[r]) : w));
      const fit = this.fitOf(W, zs, this.b);
      const o = this.objOf(W, zs, this.b, fit.F);
      if (!(o < this.obj)) continue;
      ws[k] = W[k];
      face[k] = fr.filter((_, q) => q !== t);
      this.setFace(k);
      this.refit();
      return true;
    }
    act[k][i0] = actOld;
    return false;
  }

  /** X̃N_k (n × dim_k, every row: the pattern masks it where used), kept until neuron k's face changes (setFace) */
  private xnOf(k: number): Float64Array {
    const cached = this.xnCache[k];
    if (cached) return cached;
    const { n, p, Xt } = this;
    const B = this.basis[k],
      dk = B.length;
    const M = new Float64Array(n * dk);
    for (let i = 0; i < n; i++)
      for (let q = 0; q < dk; q++) {
        let v = 0;
        for (let t = 0; t < p; t++) v += Xt.data[i * p + t] * B[q][t];
        M[i * dk + q] = v;
      }
    this.xnCache[k] = M;
    return M;
  }

  /**
   * The Newton system at the current point; null when it is too large (SLIDE_MAX_VARS, SLIDE_MAX_WORK).
   * The Gauss–Newton part Σ_i J_iᵀH_iJ_i is assembled by neuron pairs: with ∂F_i/∂t_k = x̃_iᵀN_k ⊗ z_k
   * and ∂F_i/∂z_k = a_ik I, the (t_k, t_l) block is Σ_i (z_kᵀH_iz_l)·(N_kᵀx̃_i)(x̃_iᵀN_l), so one
   * c-vector H_iz_k per active neuron and sample replaces products of c×T Jacobian rows (issue #16:
   * this build was most of the iris-like optimize's time).
   */
  newtonSystem(): SlideSystem | null {
    const lay = this.layout();
    if (!lay) return null;
    const { T, bOff } = lay;
    const cv = this.curvature();
    const XN: Float64Array[] = [];
    for (let k = 0; k < this.K; k++) XN.push(this.xnOf(k));
    if (this.hBuf.length !== T * T) {
      this.hBuf = new Float64Array(T * T);
      this.gBuf = new Float64Array(T);
    } else {
      this.hBuf.fill(0);
      this.gBuf.fill(0);
    }
    const sys: SlideSystem = { g: this.gBuf, H: this.hBuf, ...lay };
    const { on, HZ } = this.neuronGradients(sys, cv, XN);
    const { p, c } = this;
    const blocks: PairBlocks = { tt: new Float64Array(p * p), tz: new Float64Array(p * c), zt: new Float64Array(c * p), zz: new Float64Array(c * c) };
    for (let k = 0; k < this.K; k++) {
      for (let l = k; l < this.K; l++) if (this.pairBlocks(k, l, cv, XN, on, HZ, blocks)) this.addPairBlocks(sys, k, l, blocks);
      if (this.hasB) this.addNeuronBias(sys, k, cv, XN[k], on[k], HZ[k]);
    }
    const { H, g } = sys;
    if (this.hasB)
      for (let i = 0; i < this.n; i++) {
        const ic = i * c;
        for (let j = 0; j < c; j++) {
          g[bOff + j] -= cv.L.data[ic + j];
          for (let j2 = j; j2 < c; j2++) H[(bOff + j) * T + bOff + j2] += cv.hij(ic, j, j2);
        }
      }
    for (let r = 0; r < T; r++) for (let s2 = r + 1; s2 < T; s2++) H[s2 * T + r] = H[r * T + s2];
    this.addCrossAndPenalty(sys, cv, XN);
    return sys;
  }

  /** Variable offsets (per neuron d_k face coordinates then c output weights; the output bias last); null when too large. */
  private layout(): Pick<SlideSystem, 'T' | 'off' | 'dm' | 'bOff'> | null {
    const { n, c, K, basis } = this;
    const dm = basis.map((B) => B.length);
    const off: number[] = [];
    let T = 0;
    for (let k = 0; k < K; k++) {
      off.push(T);
      T += dm[k] + c;
    }
    const bOff = T;
    if (this.hasB) T += c;
    if (T > SLIDE_MAX_VARS || n * c * T * T > SLIDE_MAX_WORK) return null;
    return { T, off, dm, bOff };
  }

  /**
   * ∇ℓ(F) = −Λ and the per-sample curvature: softmax probabilities q (cross-entropy, H_i = diag(q) − qqᵀ),
   * else the diagonal of the elementwise loss's Hessian (logistic σ(t)σ(−t), Huber 1[|f − y| < δ]).
   */
  private curvature(): Curvature {
    const { n, c, loss, Y, cur } = this;
    const L = negGradient(cur.F, Y, loss);
    const softmax = loss.rowSumZero;
    let Pq: Float64Array;
    if (softmax) {
      Pq = new Float64Array(n * c);
      for (let i = 0; i < n * c; i++) Pq[i] = Y.data[i] - L.data[i];
    } else Pq = hessianDiagonals(loss, cur.F, Y, 0);
    // H_i's entry (j, j2)
    const hij = (ic: number, j: number, j2: number): number => (softmax ? (j === j2 ? Pq[ic + j] : 0) - Pq[ic + j] * Pq[ic + j2] : j === j2 ? Pq[ic + j] : 0);
    return { L, Pq, softmax, hij };
  }

  /** Per neuron: its active samples and H_iz_k at each, adding the gradient on the way. */
  private neuronGradients(sys: SlideSystem, cv: Curvature, XN: Float64Array[]): { on: Int32Array[]; HZ: Float64Array[] } {
    const { n, c, K, zs, act, cur } = this;
    const { L, Pq, softmax } = cv;
    const { g, off, dm } = sys;
    const on: Int32Array[] = [],
      HZ: Float64Array[] = [];
    for (let k = 0; k < K; k++) {
      const ac = act[k],
        z = zs[k],
        dk = dm[k],
        x = XN[k],
        A = cur.A[k],
        ok = off[k];
      let na = 0;
      for (let i = 0; i < n; i++) if (ac[i]) na++;
      const idx = new Int32Array(na),
        hz = new Float64Array(n * c);
      na = 0;
      for (let i = 0; i < n; i++) {
        if (!ac[i]) continue;
        idx[na++] = i;
        const ic = i * c;
        let lz = 0,
          qz = 0;
        for (let j = 0; j < c; j++) {
          lz -= L.data[ic + j] * z[j];
          qz += Pq[ic + j] * z[j];
        }
        for (let q = 0; q < dk; q++) g[ok + q] += x[i * dk + q] * lz;
        for (let j = 0; j < c; j++) {
          g[ok + dk + j] -= A[i] * L.data[ic + j];
          hz[ic + j] = softmax ? Pq[ic + j] * (z[j] - qz) : Pq[ic + j] * z[j];
        }
      }
      on.push(idx);
      HZ.push(hz);
    }
    return { on, HZ };
  }

  /** The (k, l) blocks summed over the samples active for both (into `b`); false when there are none. */
  private pairBlocks(k: number, l: number, cv: Curvature, XN: Float64Array[], on: Int32Array[], HZ: Float64Array[], b: PairBlocks): boolean {
    const { c, zs, act, cur, basis } = this;
    const { Pq, softmax } = cv;
    const { tt, tz, zt, zz } = b;
    const dk = basis[k].length,
      xk = XN[k],
      Ak = cur.A[k],
      hk = HZ[k],
      idx = on[k];
    const dl = basis[l].length,
      xl = XN[l],
      Al = cur.A[l],
      hl = HZ[l],
      zl = zs[l],
      acl = act[l];
    tt.fill(0);
    tz.fill(0);
    zt.fill(0);
    zz.fill(0);
    let any = false;
    for (let u = 0; u < idx.length; u++) {
      const i = idx[u];
      if (!acl[i]) continue;
      any = true;
      const ic = i * c,
        ak = Ak[i],
        al = Al[i],
        ik = i * dk,
        il = i * dl;
      let w = 0; // z_lᵀH_iz_k
      for (let j = 0; j < c; j++) w += zl[j] * hk[ic + j];
      for (let q = 0; q < dk; q++) {
        const xq = xk[ik + q],
          wx = w * xq,
          xa = xq * al;
        for (let r = 0; r < dl; r++) tt[q * dl + r] += wx * xl[il + r];
        for (let j = 0; j < c; j++) tz[q * c + j] += xa * hk[ic + j];
      }
      if (l !== k)
        for (let j = 0; j < c; j++) {
          const ah = ak * hl[ic + j];
          for (let r = 0; r < dl; r++) zt[j * dl + r] += xl[il + r] * ah;
        }
      // a_ka_l H_i: diag(q) − qqᵀ (softmax) or diag(h)
      const aa = ak * al;
      for (let j = 0; j < c; j++) {
        const aq = aa * Pq[ic + j];
        zz[j * c + j] += aq;
        if (softmax) for (let j2 = 0; j2 < c; j2++) zz[j * c + j2] -= aq * Pq[ic + j2];
      }
    }
    return any;
  }

  /** (t_k, t_l), (t_k, z_l), (z_k, t_l), (z_k, z_l) into H; on the diagonal (l = k) only the upper triangle. */
  private addPairBlocks(sys: SlideSystem, k: number, l: number, b: PairBlocks): void {
    const { c } = this;
    const { H, T, off, dm } = sys;
    const { tt, tz, zt, zz } = b;
    const dk = dm[k],
      ok = off[k],
      zk = ok + dk,
      dl = dm[l],
      ol = off[l];
    for (let q = 0; q < dk; q++) {
      const row = (ok + q) * T;
      for (let r = l === k ? q : 0; r < dl; r++) H[row + ol + r] += tt[q * dl + r];
      for (let j = 0; j < c; j++) H[row + ol + dl + j] += tz[q * c + j];
    }
    for (let j = 0; j < c; j++) {
      const row = (zk + j) * T;
      if (l !== k) for (let r = 0; r < dl; r++) H[row + ol + r] += zt[j * dl + r];
      for (let j2 = l === k ? j : 0; j2 < c; j2++) H[row + ol + dl + j2] += zz[j * c + j2];
    }
  }

  /** Neuron k's blocks against the output bias. */
  private addNeuronBias(sys: SlideSystem, k: number, cv: Curvature, xk: Float64Array, idx: Int32Array, hk: Float64Array): void {
    const { c, cur } = this;
    const { H, T, off, dm, bOff } = sys;
    const dk = dm[k],
      ok = off[k],
      zk = ok + dk,
      Ak = cur.A[k];
    for (let u = 0; u < idx.length; u++) {
      const i = idx[u],
        ic = i * c,
        ak = Ak[i];
      for (let q = 0; q < dk; q++) for (let j = 0; j < c; j++) H[(ok + q) * T + bOff + j] += xk[i * dk + q] * hk[ic + j];
      for (let j = 0; j < c; j++) for (let j2 = 0; j2 < c; j2++) H[(zk + j) * T + bOff + j2] += ak * cv.hij(ic, j, j2);
    }
  }

  /** The bilinear cross terms ∂²P/∂t_k∂z_k = N_kᵀX̃ᵀD_k∇ℓ, and the penalty (t_k = N_kᵀw_k). */
  private addCrossAndPenalty(sys: SlideSystem, cv: Curvature, XN: Float64Array[]): void {
    const { n, c, K, zs, act, basis, beta } = this;
    const { H, g, T, off, dm, bOff } = sys;
    const L = cv.L;
    for (let k = 0; k < K; k++) {
      const dk = dm[k],
        x = XN[k];
      for (let q = 0; q < dk; q++)
        for (let j = 0; j < c; j++) {
          let s = 0;
          for (let i = 0; i < n; i++) if (act[k][i]) s -= x[i * dk + q] * L.data[i * c + j];
          const r1 = off[k] + q,
            r2 = off[k] + dk + j;
          H[r1 * T + r2] += s;
          H[r2 * T + r1] += s;
        }
      for (let q = 0; q < dk; q++) {
        let t = 0;
        for (let r = 0; r < this.p; r++) t += basis[k][q][r] * this.ws[k][r];
        g[off[k] + q] += beta * t;
      }
      for (let j = 0; j < c; j++) g[off[k] + dk + j] += beta * zs[k][j];
      for (let r = off[k]; r < off[k] + dk + c; r++) H[r * T + r] += beta;
    }
    if (this.offset === 'decayed')
      for (let j = 0; j < c; j++) {
        g[bOff + j] += beta * this.b[j];
        H[(bOff + j) * T + bOff + j] += beta;
      }
  }

  /**
   * The step in w: δw_k = N_k δt_k. When off-face samples change sides before the full step, the
   * full step with those samples on their new sides (P as computed is then the true P of the new
   * weights, continuous across a kink) is taken when it ends lower than the step cut at the first
   * kink and lower than now; else the step is cut by the ratio test
   * (the sample hit joins that neuron's face) and halved until P decreases; false when it never
   * does. Why cross: stopping at every kink costs a hit, a Newton solve on the face and a release
   * per pattern change; on 16 iris-like instances (n = 150, c = 3 and logistic, 200 steps) crossing
   * ended 11–45% lower in every one (equal on the other 4), in fewer solves.
   */
  takeStep(dx: Float64Array, sys: SlideSystem): boolean {
    const { n, p, c, K, ws, zs, face, basis, act } = this;
    const { off, dm, bOff } = sys;
    const dW: Float64Array[] = [],
      S: Float64Array[] = [],
      DS: Float64Array[] = [],
      onFaces: Set<number>[] = [];
    let aMax = Infinity,
      hitK = -1,
      hitI = -1;
    for (let k = 0; k < K; k++) {
      const dk = dm[k];
      const dw = new Float64Array(p);
      for (let q = 0; q < dk; q++) for (let t = 0; t < p; t++) dw[t] += dx[off[k] + q] * basis[k][q][t];
      dW.push(dw);
      const s = this.xw(ws[k]),
        ds = this.xw(dw);
      S.push(s);
      DS.push(ds);
      const onFace = new Set(face[k]);
      onFaces.push(onFace);
      for (let i = 0; i < n; i++) {
        if (onFace.has(i)) continue;
        if ((s[i] > 0 && ds[i] < 0) || (s[i] < 0 && ds[i] > 0)) {
          const a = -s[i] / ds[i];
          if (a < aMax) {
            aMax = a;
            hitK = k;
            hitI = i;
          }
        }
      }
    }
    // a trial point in reused storage (only an accepted one is copied out): X̃(w + aδw) = s + a·δs, so
    // a trial costs O(n·K·c), not a product with X̃
    const W = ws.map(() => new Float64Array(p)),
      Z = zs.map(() => new Float64Array(c)),
      A = ws.map(() => new Float64Array(n));
    const F = zeros(n, c);
    const bb = new Float64Array(c);
    const trial = (a: number, cross = false): number => {
      for (let k = 0; k < K; k++) {
        for (let t = 0; t < p; t++) W[k][t] = ws[k][t] + a * dW[k][t];
        for (let j = 0; j < c; j++) Z[k][j] = zs[k][j] + a * dx[off[k] + dm[k] + j];
      }
      for (let j = 0; j < c; j++) bb[j] = this.hasB ? this.b[j] + a * dx[bOff + j] : this.b[j];
      F.data.fill(0);
      for (let k = 0; k < K; k++) {
        const s = S[k],
          ds = DS[k],
          ak = A[k],
          z = Z[k],
          ac = act[k];
        // crossing: each off-face sample on the side its new x̃ᵀw gives (the true ReLU); face samples as held
        for (let i = 0; i < n; i++) ak[i] = cross && !onFaces[k].has(i) ? Math.max(0, s[i] + a * ds[i]) : ac[i] ? s[i] + a * ds[i] : 0;
        for (let i = 0; i < n; i++) if (ak[i] !== 0) for (let j = 0; j < c; j++) F.data[i * c + j] += ak[i] * z[j];
      }
      if (this.hasB) for (let i = 0; i < n; i++) for (let j = 0; j < c; j++) F.data[i * c + j] += bb[j];
      return this.objOf(W, Z, bb, F);
    };
    // the last trial point becomes the current one
    const take = (obj: number): void => {
      for (let k = 0; k < K; k++) {
        ws[k] = Float64Array.from(W[k]);
        zs[k] = Float64Array.from(Z[k]);
      }
      if (this.hasB) this.b = Float64Array.from(bb);
      this.cur = { F: { rows: n, cols: c, data: Float64Array.from(F.data) }, A: A.map((v) => Float64Array.from(v)) };
      this.obj = obj;
    };
    const hit = aMax <= 1;
    if (hit) {
      // across the kinks when that ends lower than stopping at the first one
      const atKink = trial(aMax);
      const obj = trial(1, true);
      if (obj < this.obj && obj < atKink) {
        take(obj);
        for (let k = 0; k < K; k++) for (let i = 0; i < n; i++) if (!onFaces[k].has(i)) act[k][i] = A[k][i] > 0 ? 1 : 0;
        return true;
      }
    }
    let a = Math.min(1, aMax);
    for (let bt = 0; bt < SLIDE_LINE_SEARCH_TRIALS && a > 0; bt++, a *= 0.5) {
      const obj = trial(a);
      if (!(obj < this.obj)) continue;
      take(obj);
      if (hit && bt === 0) {
        // the step ended on a sample: it joins that neuron's face
        face[hitK].push(hitI);
        this.setFace(hitK);
        this.refit();
      }
      return true;
    }
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Hinge: the restricted problem's exact solution from its optimality conditions
// ---------------------------------------------------------------------------------------------

/** Margin-set thresholds tried by hingeKktPolish, as multiples of the smoothing μ (and absolute floors). */
export const HINGE_KKT_MARGIN_FACTORS = [2, 10, 100, 1000];
/** Active-set correction rounds per margin threshold (a violated condition moves its sample or feature and the system is solved again). */
export const HINGE_KKT_ROUNDS = 20;
/** Largest linear system (support + offset + margin samples) hingeKktPolish solves (dense: N³ work). */
export const HINGE_KKT_MAX_UNKNOWNS = 800;
/** |z_k| ≤ this × max|z|: the feature is out of the support. */
export const HINGE_KKT_SUPPORT_REL = 1e-9;

export interface HingeKktResult {
  /** one output weight per feature (c = 1) */
  Z: Float64Array[];
  b: number;
  /** the dual point's domain coordinates p_i = y_iλ_i ∈ [0, 1] */
  p: Float64Array;
  /** restricted primal and dual values as computed (selection only; the caller recomputes everything it reports) */
  primal: number;
  dual: number;
  /** true when the safety deadline stopped the correction rounds (the result then depends on machine speed) */
  safetyStopped: boolean;
}

function hingeRestricted(
  A: Float64Array[],
  y: Float64Array,
  beta: number,
  offset: 'decayed' | 'free' | 'none',
  z: Float64Array,
  b: number,
  p: Float64Array,
): { primal: number; dual: number } {
  const n = y.length,
    K = A.length;
  const f = new Float64Array(n).fill(offset === 'none' ? 0 : b);
  let pen = 0;
  for (let k = 0; k < K; k++) {
    if (z[k] === 0) continue;
    pen += Math.abs(z[k]);
    for (let i = 0; i < n; i++) f[i] += A[k][i] * z[k];
  }
  let primal = beta * pen + (offset === 'decayed' ? 0.5 * beta * b * b : 0);
  for (let i = 0; i < n; i++) primal += Math.max(0, 1 - y[i] * f[i]);
  let mr = 0;
  for (let k = 0; k < K; k++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += p[i] * y[i] * A[k][i];
    mr = Math.max(mr, Math.abs(s));
  }
  const sc = Math.min(1, mr > 0 ? beta / mr : 1);
  let sp = 0,
    syp = 0;
  for (let i = 0; i < n; i++) {
    sp += p[i];
    syp += p[i] * y[i];
  }
  let dual = sc * sp;
  if (offset === 'decayed') dual -= (sc * syp) ** 2 / (2 * beta);
  else if (offset === 'free' && Math.abs(syp) > 1e-12 * n) dual = -Infinity; // Λᵀ1 = 0 needed (the caller balances)
  return { primal, dual };
}

/**
 * The optimality conditions of hingeKktPolish for a guess (margin set S, error set E, support `sup`
 * with signs) as a linear system M [z_K; b; p_S] = rhs (row-major; rows: margins, supports, offset).
 */
function kktSystem(
  A: Float64Array[],
  y: Float64Array,
  beta: number,
  offset: 'decayed' | 'free' | 'none',
  S: number[],
  E: number[],
  sup: number[],
  sign: Map<number, number>,
): { M: Float64Array; rhs: Float64Array } {
  const nk = sup.length,
    ns = S.length,
    hasB = offset !== 'none',
    nb = hasB ? 1 : 0;
  const N = nk + nb + ns,
    rows = ns + nk + nb;
  const M = new Float64Array(rows * N);
  const rhs = new Float64Array(rows);
  S.forEach((i, r) => {
    sup.forEach((k, c) => (M[r * N + c] = y[i] * A[k][i]));
    if (hasB) M[r * N + nk] = y[i];
    rhs[r] = 1;
  });
  sup.forEach((k, r0) => {
    const r = ns + r0;
    S.forEach((i, c) => (M[r * N + nk + nb + c] = y[i] * A[k][i]));
    let e = 0;
    for (const i of E) e += y[i] * A[k][i];
    rhs[r] = beta * sign.get(k)! - e;
  });
  if (hasB) {
    const r = ns + nk;
    S.forEach((i, c) => (M[r * N + nk + nb + c] = y[i]));
    if (offset === 'decayed') M[r * N + nk] = -beta;
    let e = 0;
    for (const i of E) e += y[i];
    rhs[r] = -e;
  }
  return { M, rhs };
}

/**
 * The conditions a solved guess must meet, and the fix of each violation (in place on the sample
 * states and the support's signs); false when the guess meets them all.
 */
function kktCorrections(
  A: Float64Array[],
  y: Float64Array,
  beta: number,
  sol: { S: number[]; sup: number[]; nk: number; nb: number; x: Float64Array; z: Float64Array; bb: number; p: Float64Array; zmax: number },
  state: Uint8Array,
  sign: Map<number, number>,
): boolean {
  const { S, sup, nk, nb, x, z, bb, p, zmax } = sol;
  const n = y.length,
    K = A.length;
  let changed = false;
  const scale = Math.max(1, zmax);
  sup.forEach((k, c) => {
    if (x[c] * sign.get(k)! < -1e-12 * scale) {
      sign.delete(k); // wrong sign: the feature leaves the support
      changed = true;
    }
  });
  S.forEach((i, c) => {
    const pi = x[nk + nb + c];
    if (pi > 1 + 1e-12) {
      state[i] = 1;
      changed = true;
    } else if (pi < -1e-12) {
      state[i] = 0;
      changed = true;
    }
  });
  const f = new Float64Array(n).fill(bb);
  for (let k = 0; k < K; k++) if (z[k] !== 0) for (let i = 0; i < n; i++) f[i] += A[k][i] * z[k];
  for (let i = 0; i < n; i++) {
    const ti = y[i] * f[i];
    if ((state[i] === 1 && ti > 1 + 1e-12) || (state[i] === 0 && ti < 1 - 1e-12)) {
      state[i] = 2; // a margin crossed: the sample joins the margin set
      changed = true;
    }
  }
  for (let k = 0; k < K; k++) {
    if (sign.has(k)) continue;
    let g = 0;
    for (let i = 0; i < n; i++) g += p[i] * y[i] * A[k][i];
    if (Math.abs(g) > beta * (1 + 1e-12)) {
      sign.set(k, Math.sign(g)); // a violated feature enters the support
      changed = true;
    }
  }
  return changed;
}

/**
 * The restricted hinge problem min Σ_i max(0, 1 − y_i(Σ_k a_ik z_k + b)) + βΣ|z_k| [+ (β/2)b²]
 * (c = 1) solved exactly from an approximate (smoothed-hinge) solution: guess the margin set
 * S = {i : |y_if_i − 1| ≤ τ}, the error set E = {y_if_i < 1 − τ} (p_i = 1) and the support with its
 * signs σ_k, then solve the optimality conditions
 *   y_i(Σ_{k∈K} a_ik z_k + b) = 1 (i ∈ S),  Σ_{i∈S} p_i y_i a_ik = βσ_k − Σ_{i∈E} y_i a_ik (k ∈ K),
 *   Σ_{i∈S} p_i y_i − βb = −Σ_{i∈E} y_i (decayed b; free b: without the βb),
 * a linear system (least squares when degenerate), with p_S clipped to [0, 1]; then active-set
 * corrections (a support feature with the wrong sign leaves, p_i outside [0, 1] moves sample i to E
 * or out, a sample on the wrong side of its margin joins S, a feature with |Σp_iy_ia_ik| > β joins
 * the support) for up to HINGE_KKT_ROUNDS rounds. Why: the dual point
 * −∇ℓ_μ of a smoothed solution is off by O(μ) on the margin samples, and μ small enough for a
 * 1e-6 certificate makes the smoothed problem too ill-conditioned for the iterative solver
 * (measured: restricted gaps 1e-3 to 1e-1 at μ = 1e-13). Several τ are tried; the pair with the
 * smallest computed restricted gap wins. Speed only: the caller recomputes the objective from the
 * network's weights and the bound through the oracle.
 */
export function hingeKktPolish(
  A: Float64Array[],
  y: Float64Array,
  beta: number,
  offset: 'decayed' | 'free' | 'none',
  Z: Float64Array[],
  b: number,
  mu: number,
  /**
   * wall-clock SAFETY deadline (performance.now() ms), not a budget (that is HINGE_KKT_ROUNDS per
   * margin threshold): no further system is solved after it, and the result says so
   */
  safetyDeadline = Infinity,
): HingeKktResult | null {
  const n = y.length,
    K = A.length;
  const z0 = Float64Array.from(Z, (v) => v[0]);
  let zmax = 0;
  for (const v of z0) zmax = Math.max(zmax, Math.abs(v));
  const sup0: number[] = [];
  for (let k = 0; k < K; k++) if (Math.abs(z0[k]) > HINGE_KKT_SUPPORT_REL * zmax) sup0.push(k);
  const hasB = offset !== 'none';
  const nb = hasB ? 1 : 0;
  const f0 = new Float64Array(n).fill(hasB ? b : 0);
  for (let k = 0; k < K; k++) if (z0[k] !== 0) for (let i = 0; i < n; i++) f0[i] += A[k][i] * z0[k];
  const t0 = Float64Array.from(f0, (v, i) => y[i] * v);
  let best: HingeKktResult | null = null;
  let safetyStopped = false;
  const taus = new Set<number>();
  for (const m of HINGE_KKT_MARGIN_FACTORS) taus.add(Math.max(m * mu, 1e-12 * m));
  for (const tau of taus) {
    // state: 1 = error set E (p = 1), 0 = outside (p = 0), 2 = margin set S; support with signs
    const state = new Uint8Array(n);
    for (let i = 0; i < n; i++) state[i] = Math.abs(t0[i] - 1) <= tau ? 2 : t0[i] < 1 ? 1 : 0;
    const sign = new Map<number, number>(sup0.map((k) => [k, Math.sign(z0[k]) || 1]));
    // active-set corrections: each round fixes the violated conditions and solves again
    for (let round = 0; round < HINGE_KKT_ROUNDS; round++) {
      if (safetyDeadline !== Infinity && performance.now() > safetyDeadline) {
        safetyStopped = true;
        break;
      }
      const S: number[] = [],
        E: number[] = [];
      for (let i = 0; i < n; i++)
        if (state[i] === 2) S.push(i);
        else if (state[i] === 1) E.push(i);
      const sup = [...sign.keys()];
      const nk = sup.length,
        ns = S.length;
      const N = nk + nb + ns;
      if (N === 0 || N > HINGE_KKT_MAX_UNKNOWNS) break;
      const rows = ns + nk + nb;
      const { M, rhs } = kktSystem(A, y, beta, offset, S, E, sup, sign);
      let x: Float64Array;
      try {
        x = leastSquares(M, rows, N, rhs, rows !== N);
      } catch {
        try {
          x = leastSquares(M, rows, N, rhs, true);
        } catch {
          break;
        }
      }
      if (!x.every(Number.isFinite)) break;
      const z = new Float64Array(K);
      sup.forEach((k, c) => (z[k] = x[c]));
      const bb = hasB ? x[nk] : 0;
      const p = new Float64Array(n);
      for (const i of E) p[i] = 1;
      S.forEach((i, c) => (p[i] = Math.min(1, Math.max(0, x[nk + nb + c]))));
      const v = hingeRestricted(A, y, beta, offset, z, bb, p);
      if (!best || v.primal - v.dual < best.primal - best.dual)
        best = { Z: Array.from(z, (q) => Float64Array.of(q)), b: bb, p, primal: v.primal, dual: v.dual, safetyStopped: false };
      if (!kktCorrections(A, y, beta, { S, sup, nk, nb, x, z, bb, p, zmax }, state, sign)) break;
    }
  }
  return best && { ...best, safetyStopped };
}
