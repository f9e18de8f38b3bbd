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
  const n = F.rows, c = F.cols;
  const Hi = new Float64Array(c * c);
  const out = new Float64Array(n * c);
  for (let i = 0; i < n; i++) {
    loss.sampleHessian(F, Y, i, mu, Hi);
    for (let j = 0; j < c; j++) out[i * c + j] = Hi[j * c + j];
  }
  return out;
}

export function lossNewtonPolish(pr: Program, Z: Float64Array, b: number, loss: 'hinge' | 'logistic', mu: number, fns: SmoothFns, maxSteps: number): { Z: Float64Array; b: number; steps: number } {
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
    const dx = ridgeCholeskySolve(H, N, g.map((v) => -v), [1e-12, 1e-9, 1e-6, 1e-3].map((rel) => rel * (trace / N) + 1e-300));
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
/** Newton decrement (relative to the objective) below which the slide has converged. */
export const SLIDE_DONE_DEC = 1e-24;

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
 * moves in its face (the samples on its kink stay there: w_k = N_k t_k), a step is cut where an
 * off-face sample would change sides (that sample joins the face), and only steps that lower P
 * are taken (Levenberg damping when the Hessian is not positive definite: P is not convex).
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
  maxSteps: number,
  /** performance.now() time after which no further step is started */
  deadline = Infinity,
): SlideResult | null {
  const sl = Slide.start(Xt, Y, lossOf(lossRef), beta, offset, start, b0);
  if (!sl) return null;
  let steps = 0, converged = false;
  for (let step = 0; step < maxSteps && performance.now() <= deadline; step++) {
    const sys = sl.newtonSystem();
    if (!sys) break;
    const { g, H, T } = sys;
    let trace = 0;
    for (let r = 0; r < T; r++) trace += Math.abs(H[r * T + r]);
    const dx = ridgeCholeskySolve(H, T, g.map((v) => -v), [0, 1e-12, 1e-9, 1e-6, 1e-3, 1].map((rel) => rel * (trace / T)));
    let dec = 0;
    if (dx) for (let r = 0; r < T; r++) dec -= g[r] * dx[r];
    if (!dx || !(dec > 0) || dec / 2 <= SLIDE_DONE_DEC * Math.max(1, Math.abs(sl.obj))) {
      // a face optimum: release a kink sample that should leave, else done
      if (sl.release()) {
        steps++;
        continue;
      }
      converged = dx !== null;
      break;
    }
    if (!sl.takeStep(dx, sys)) {
      if (sl.release()) {
        steps++;
        continue;
      }
      break;
    }
    steps++;
  }
  const neurons: SlideNeuron[] = [];
  for (let k = 0; k < sl.K; k++) neurons.push({ w: sl.ws[k], z: sl.zs[k] });
  return { neurons, b: sl.b, objective: sl.obj, steps, converged };
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
    const n = Xt.rows, p = Xt.cols;
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
    const ws: Float64Array[] = [], zs: Float64Array[] = [];
    for (const nr of start) {
      let a = 0, bz = 0;
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
      const a = new Uint8Array(n), f: number[] = [];
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
        const dPos = mu[t] + gz[i], dNeg = -mu[t];
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
    const s0 = this.xw(ws[k]), ds = this.xw(Float64Array.from(dl));
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
    for (let bt = 0; bt < 40; bt++, eta *= 0.5) {
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

  /** X̃N_k (n × dim_k, rows outside the pattern zero) and t_k = N_kᵀw_k: the neurons in their faces' coordinates */
  private faceCoordinates(): { XN: Float64Array[]; ts: Float64Array[] } {
    const { n, p, K, Xt, ws, act, basis } = this;
    const XN: Float64Array[] = [];
    for (let k = 0; k < K; k++) {
      const B = basis[k], dk = B.length;
      const M = new Float64Array(n * dk);
      for (let i = 0; i < n; i++) {
        if (!act[k][i]) continue;
        for (let q = 0; q < dk; q++) {
          let v = 0;
          for (let t = 0; t < p; t++) v += Xt.data[i * p + t] * B[q][t];
          M[i * dk + q] = v;
        }
      }
      XN.push(M);
    }
    const ts = ws.map((w, k) =>
      Float64Array.from(basis[k], (q) => {
        let d = 0;
        for (let t = 0; t < p; t++) d += q[t] * w[t];
        return d;
      }),
    );
    return { XN, ts };
  }

  /** the Newton system at the current point; null when it is too large (SLIDE_MAX_VARS, SLIDE_MAX_WORK) */
  newtonSystem(): SlideSystem | null {
    const { n, c, K, zs, act, basis, beta, loss, Y, cur } = this;
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
    // ∇ℓ(F) = −Λ and the per-sample curvature: softmax probabilities q (cross-entropy, H_i = diag(q) − qqᵀ),
    // else the diagonal of the elementwise loss's Hessian (logistic σ(t)σ(−t), Huber 1[|f − y| < δ])
    const L = negGradient(cur.F, Y, loss);
    const softmax = loss.rowSumZero;
    let Pq: Float64Array;
    if (softmax) {
      Pq = new Float64Array(n * c);
      for (let i = 0; i < n * c; i++) Pq[i] = Y.data[i] - L.data[i];
    } else Pq = hessianDiagonals(loss, cur.F, Y, 0);
    const { XN, ts } = this.faceCoordinates();
    const g = new Float64Array(T);
    const H = new Float64Array(T * T);
    const Ji = new Float64Array(c * T); // J_i = ∂F_i/∂θ: c×T, row-major
    const nzCols: number[] = [];
    const hv = new Float64Array(c);
    for (let i = 0; i < n; i++) {
      for (const col of nzCols) for (let j = 0; j < c; j++) Ji[j * T + col] = 0;
      nzCols.length = 0;
      for (let k = 0; k < K; k++) {
        if (!act[k][i]) continue;
        const dk = dm[k];
        for (let q = 0; q < dk; q++) {
          const x = XN[k][i * dk + q];
          const col = off[k] + q;
          nzCols.push(col);
          for (let j = 0; j < c; j++) Ji[j * T + col] = x * zs[k][j];
        }
        const a = cur.A[k][i];
        for (let j = 0; j < c; j++) {
          const col = off[k] + dk + j;
          nzCols.push(col);
          Ji[j * T + col] = a;
        }
      }
      if (this.hasB)
        for (let j = 0; j < c; j++) {
          nzCols.push(bOff + j);
          Ji[j * T + bOff + j] = 1;
        }
      for (const col of nzCols) {
        let s = 0;
        for (let j = 0; j < c; j++) s -= Ji[j * T + col] * L.data[i * c + j];
        g[col] += s;
      }
      // Gauss–Newton part J_iᵀH_iJ_i (upper triangle), H_i = diag(q) − qqᵀ (CE) or σσ' (logistic)
      for (const c1 of nzCols) {
        if (softmax) {
          let pj = 0;
          for (let j = 0; j < c; j++) pj += Pq[i * c + j] * Ji[j * T + c1];
          for (let j = 0; j < c; j++) hv[j] = Pq[i * c + j] * (Ji[j * T + c1] - pj);
        } else for (let j = 0; j < c; j++) hv[j] = Pq[i * c + j] * Ji[j * T + c1];
        for (const c2 of nzCols) {
          if (c2 < c1) continue;
          let s = 0;
          for (let j = 0; j < c; j++) s += hv[j] * Ji[j * T + c2];
          H[c1 * T + c2] += s;
        }
      }
    }
    for (let r = 0; r < T; r++) for (let s2 = r + 1; s2 < T; s2++) H[s2 * T + r] = H[r * T + s2];
    // the bilinear cross terms ∂²P/∂t_k∂z_k = N_kᵀX̃ᵀD_k∇ℓ, and the penalty
    for (let k = 0; k < K; k++) {
      const dk = dm[k];
      for (let q = 0; q < dk; q++)
        for (let j = 0; j < c; j++) {
          let s = 0;
          for (let i = 0; i < n; i++) if (act[k][i]) s -= XN[k][i * dk + q] * L.data[i * c + j];
          const r1 = off[k] + q, r2 = off[k] + dk + j;
          H[r1 * T + r2] += s;
          H[r2 * T + r1] += s;
        }
      for (let q = 0; q < dk; q++) g[off[k] + q] += beta * ts[k][q];
      for (let j = 0; j < c; j++) g[off[k] + dk + j] += beta * zs[k][j];
      for (let r = off[k]; r < off[k] + dk + c; r++) H[r * T + r] += beta;
    }
    if (this.offset === 'decayed')
      for (let j = 0; j < c; j++) {
        g[bOff + j] += beta * this.b[j];
        H[(bOff + j) * T + bOff + j] += beta;
      }
    return { g, H, T, off, dm, bOff };
  }

  /**
   * The step in w: δw_k = N_k δt_k, cut by the ratio test on the off-face samples (a sample hit at
   * the full step joins that neuron's face), halved until P decreases; false when it never does.
   */
  takeStep(dx: Float64Array, sys: SlideSystem): boolean {
    const { n, p, K, ws, zs, face, basis } = this;
    const { off, dm, bOff } = sys;
    const dW: Float64Array[] = [];
    let aMax = Infinity, hitK = -1, hitI = -1;
    for (let k = 0; k < K; k++) {
      const dk = dm[k];
      const dw = new Float64Array(p);
      for (let q = 0; q < dk; q++) for (let t = 0; t < p; t++) dw[t] += dx[off[k] + q] * basis[k][q][t];
      dW.push(dw);
      const s = this.xw(ws[k]), ds = this.xw(dw);
      const onFace = new Set(face[k]);
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
    const trial = (a: number) => {
      const W = ws.map((w, k) => w.map((x, t) => x + a * dW[k][t]));
      const Z = zs.map((z, k) => z.map((x, j) => x + a * dx[off[k] + dm[k] + j]));
      const bb = this.hasB ? this.b.map((x, j) => x + a * dx[bOff + j]) : this.b;
      const fit = this.fitOf(W, Z, bb);
      return { W, Z, bb, fit, obj: this.objOf(W, Z, bb, fit.F) };
    };
    const hit = aMax <= 1;
    let a = Math.min(1, aMax);
    for (let bt = 0; bt < 40 && a > 0; bt++, a *= 0.5) {
      const tr = trial(a);
      if (!(tr.obj < this.obj)) continue;
      ws.splice(0, K, ...tr.W);
      zs.splice(0, K, ...tr.Z);
      this.b = tr.bb;
      this.cur = tr.fit;
      this.obj = tr.obj;
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
}

function hingeRestricted(A: Float64Array[], y: Float64Array, beta: number, offset: 'decayed' | 'free' | 'none', z: Float64Array, b: number, p: Float64Array): { primal: number; dual: number } {
  const n = y.length, K = A.length;
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
  let sp = 0, syp = 0;
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
  const nk = sup.length, ns = S.length, hasB = offset !== 'none', nb = hasB ? 1 : 0;
  const N = nk + nb + ns, rows = ns + nk + nb;
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
  const n = y.length, K = A.length;
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
    if (pi > 1 + 1e-12) { state[i] = 1; changed = true; }
    else if (pi < -1e-12) { state[i] = 0; changed = true; }
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
  /** performance.now() time after which no further system is solved */
  deadline = Infinity,
): HingeKktResult | null {
  const n = y.length, K = A.length;
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
  const taus = new Set<number>();
  for (const m of HINGE_KKT_MARGIN_FACTORS) taus.add(Math.max(m * mu, 1e-12 * m));
  for (const tau of taus) {
    // state: 1 = error set E (p = 1), 0 = outside (p = 0), 2 = margin set S; support with signs
    const state = new Uint8Array(n);
    for (let i = 0; i < n; i++) state[i] = Math.abs(t0[i] - 1) <= tau ? 2 : t0[i] < 1 ? 1 : 0;
    const sign = new Map<number, number>(sup0.map((k) => [k, Math.sign(z0[k]) || 1]));
    // active-set corrections: each round fixes the violated conditions and solves again
    for (let round = 0; round < HINGE_KKT_ROUNDS && performance.now() <= deadline; round++) {
      const S: number[] = [], E: number[] = [];
      for (let i = 0; i < n; i++) if (state[i] === 2) S.push(i); else if (state[i] === 1) E.push(i);
      const sup = [...sign.keys()];
      const nk = sup.length, ns = S.length;
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
      if (!best || v.primal - v.dual < best.primal - best.dual) best = { Z: Array.from(z, (q) => Float64Array.of(q)), b: bb, p, primal: v.primal, dual: v.dual };
      if (!kktCorrections(A, y, beta, { S, sup, nk, nb, x, z, bb, p, zmax }, state, sign)) break;
    }
  }
  return best;
}
