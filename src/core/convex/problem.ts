/**
 * The exact convex program of MATH.md §4 for scalar output, as data:
 *
 *   min ½‖Σ_i D_iX̃(v_i − w_i) + b·1 − y‖² + β Σ_i (‖Pv_i‖ + ‖Pw_i‖) [+ (β/2)b² if b is decayed]
 *   s.t. (2D_i − I)X̃v_i ≥ 0, (2D_i − I)X̃w_i ≥ 0.
 *
 * Blocks k = 2i (v_i, sign +1) and 2i + 1 (w_i, sign −1), each z_k ∈ R^p stored at Z[k·p …].
 * P is the identity, or drops the bias coordinate when the hidden bias is free. The offset b is
 * the output bias: 'decayed', 'free' or 'none'; a free hidden bias makes constants free (a neuron
 * with huge bias realizes any constant at vanishing cost), so the offset is then 'free'.
 *
 * The one hot product is X̃·Zd (n×p times p×P, Zd = V − W) and X̃ᵀ·(mask ∘ r) (p×n times n×P).
 */
import { appendOnes, type Mat, transpose, zeros } from '../linalg/mat';
import type { CertifyModes, NetworkWeights, OutputBiasMode } from '../problem/network';

/**
 * One large product a×b the solver's generators yield to their driver (./index.ts runs it on the
 * kernel chosen by size). Declared here, beside Program, so every stage imports it one way.
 */
export interface ProductRequest {
  a: Mat;
  b: Mat;
}

export interface Program {
  X: Mat;
  Xt: Mat;
  XtT: Mat;
  y: Float64Array;
  n: number;
  p: number;
  /** number of patterns (blocks: 2·P) */
  P: number;
  patterns: Uint8Array[];
  /** n×P row-major 0/1: mask[j·P + i] = D_i[j] */
  mask: Uint8Array;
  beta: number;
  freeBias: boolean;
  /** penalized length of a block: p − 1 for a free hidden bias, else p */
  pen: number;
  offset: OutputBiasMode;
  modes: CertifyModes;
  /** max_j ‖x_j‖ (u part), for the free-bias bound */
  xMax: number;
}

/** Drop all-zero patterns (they contribute nothing) and duplicates; check lengths. */
export function cleanPatterns(patterns: Uint8Array[], n: number): Uint8Array[] {
  const seen = new Set<string>();
  const out: Uint8Array[] = [];
  for (const d of patterns) {
    if (d.length !== n) throw new RangeError(`pattern of length ${d.length}, expected ${n}`);
    let on = 0;
    for (let j = 0; j < n; j++) on += d[j] ? 1 : 0;
    if (!on) continue;
    const norm = Uint8Array.from(d, (x) => (x ? 1 : 0));
    const key = Buffer.from(norm).toString('base64');
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(norm);
  }
  return out;
}

export function makeProgram(X: Mat, Y: Mat, patterns: Uint8Array[], beta: number, modes: CertifyModes): Program {
  const n = X.rows;
  const Xt = modes.hiddenBias === 'none' ? X : appendOnes(X);
  const p = Xt.cols;
  const pats = cleanPatterns(patterns, n);
  const P = pats.length;
  const mask = new Uint8Array(n * P);
  for (let i = 0; i < P; i++) for (let j = 0; j < n; j++) mask[j * P + i] = pats[i][j];
  let xMax = 0;
  for (let j = 0; j < n; j++) {
    let s = 0;
    for (let k = 0; k < X.cols; k++) s += X.data[j * X.cols + k] ** 2;
    xMax = Math.max(xMax, Math.sqrt(s));
  }
  const freeBias = modes.hiddenBias === 'free';
  return {
    X,
    Xt,
    XtT: transpose(Xt),
    y: Float64Array.from(Y.data),
    n,
    p,
    P,
    patterns: pats,
    mask,
    beta,
    freeBias,
    pen: freeBias ? p - 1 : p,
    offset: freeBias ? 'free' : modes.outputBias,
    modes,
    xMax,
  };
}

/** Zd = V − W as a p×P matrix (the right factor of the forward product). */
export function diffMatrix(pr: Program, Z: Float64Array): Mat {
  const { p, P } = pr;
  const Zd = zeros(p, P);
  for (let i = 0; i < P; i++) {
    const o1 = 2 * i * p,
      o2 = (2 * i + 1) * p;
    for (let k = 0; k < p; k++) Zd.data[k * P + i] = Z[o1 + k] - Z[o2 + k];
  }
  return Zd;
}

/** Fitted values F = Σ_i D_i Q[:, i] + b from Q = X̃·Zd. */
export function fitFromQ(pr: Program, Q: Mat, b: number): Float64Array {
  const { n, P, mask } = pr;
  const F = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    let s = b;
    const o = j * P;
    for (let i = 0; i < P; i++) if (mask[o + i]) s += Q.data[o + i];
    F[j] = s;
  }
  return F;
}

/** The masked residual matrix mask ∘ r (n×P), left factor of the gradient product X̃ᵀ·(…). */
export function maskedResidual(pr: Program, r: Float64Array): Mat {
  const { n, P, mask } = pr;
  const M = zeros(n, P);
  for (let j = 0; j < n; j++) {
    const o = j * P,
      rj = r[j];
    for (let i = 0; i < P; i++) if (mask[o + i]) M.data[o + i] = rj;
  }
  return M;
}

export function blockNorm(pr: Program, Z: Float64Array, k: number): number {
  let s = 0;
  const o = k * pr.p;
  for (let t = 0; t < pr.pen; t++) s += Z[o + t] * Z[o + t];
  return Math.sqrt(s);
}

/** Σ_j |λ_j|·‖x̃_j‖: the scale of the rounding in the block gradients X̃ᵀD_iλ (their allowance is fpRel times this). */
export function gradientRoundingScale(pr: Program, lam: Float64Array): number {
  let lip = 0;
  for (let j = 0; j < pr.n; j++) {
    let xn = 0;
    for (let k = 0; k < pr.p; k++) xn += pr.Xt.data[j * pr.p + k] ** 2;
    lip += Math.abs(lam[j]) * Math.sqrt(xn);
  }
  return lip;
}

/** g ← s·G[:, i], the gradient of block i with sign s (G = X̃ᵀ D λ, p×P), and returns ‖g‖. */
export function signedBlockGradient(G: Mat, i: number, s: number, g: Float64Array): number {
  const P = G.cols;
  let gn = 0;
  for (let t = 0; t < g.length; t++) {
    g[t] = s * G.data[t * P + i];
    gn += g[t] * g[t];
  }
  return Math.sqrt(gn);
}

/** The program's objective from the residual r = y − F. */
export function objectiveOf(pr: Program, r: Float64Array, Z: Float64Array, b: number): number {
  let loss = 0;
  for (let j = 0; j < r.length; j++) loss += r[j] * r[j];
  let pen = 0;
  for (let k = 0; k < 2 * pr.P; k++) pen += blockNorm(pr, Z, k);
  let obj = 0.5 * loss + pr.beta * pen;
  if (pr.offset === 'decayed') obj += 0.5 * pr.beta * b * b;
  return obj;
}

/** Direct (small) evaluation of F without the product kernel: used by the polish and the final check. */
export function fitDirect(pr: Program, Z: Float64Array, b: number): Float64Array {
  const { n, p, P, Xt } = pr;
  const F = new Float64Array(n).fill(b);
  for (let i = 0; i < P; i++) {
    const o1 = 2 * i * p,
      o2 = o1 + p;
    let nz = false;
    for (let k = 0; k < p; k++) if (Z[o1 + k] !== 0 || Z[o2 + k] !== 0) nz = true;
    if (!nz) continue;
    const d = pr.patterns[i];
    for (let j = 0; j < n; j++) {
      if (!d[j]) continue;
      let s = 0;
      for (let k = 0; k < p; k++) s += Xt.data[j * p + k] * (Z[o1 + k] - Z[o2 + k]);
      F[j] += s;
    }
  }
  return F;
}

/** What a solve of the pattern program reports, for any loss (the squared-loss solver adds its own fields). */
export interface ProgramResult {
  /** P(θ) of the recovered network */
  value: number;
  lowerBound: number;
  relGap: number;
  converged: boolean;
  iterations: number;
  network: NetworkWeights;
  patterns: number;
  /** why the solver stopped: 'converged' | 'iteration limit' | 'stopped' | SAFETY_STOP_REASON (the wall-clock safety limit: machine-dependent) */
  stopReason: string;
}
