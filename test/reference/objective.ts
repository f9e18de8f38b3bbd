/**
 * Independent forward pass, objectives and dual value (MATH.md §1–§2), written for the test
 * reference only. Nothing here is shared with src/core/certify.
 */
import type { Mat } from '../../src/core/linalg/mat';
import { mkMat } from './small';

export type RefHiddenBias = 'decayed' | 'none';
export type RefOutputBias = 'decayed' | 'free' | 'none';

export interface RefProblem {
  X: Mat; // n×d
  Y: Mat; // n×c
  beta: number;
  hiddenBias: RefHiddenBias;
  outputBias: RefOutputBias;
}

export interface RefNet {
  W1: Mat; // m×d
  b1: Float64Array | null;
  W2: Mat; // c×m
  b2: Float64Array | null;
}

/** X̃ = [X, 1] for a decayed hidden bias, else X (copied). */
export function augmented(X: Mat, hiddenBias: RefHiddenBias): Mat {
  if (hiddenBias === 'none') return mkMat(X.rows, X.cols, X.data);
  const p = X.cols + 1;
  const out = mkMat(X.rows, p);
  for (let i = 0; i < X.rows; i++) {
    for (let j = 0; j < X.cols; j++) out.data[i * p + j] = X.data[i * X.cols + j];
    out.data[i * p + X.cols] = 1;
  }
  return out;
}

/** Pre-activation of neuron j on sample i. */
function pre(net: RefNet, X: Mat, i: number, j: number): number {
  const d = X.cols;
  let z = net.b1 ? net.b1[j] : 0;
  for (let k = 0; k < d; k++) z += net.W1.data[j * d + k] * X.data[i * d + k];
  return z;
}

/** F = relu(X W1ᵀ + b1) W2ᵀ + b2. */
export function refForward(net: RefNet, X: Mat): Mat {
  const n = X.rows,
    m = net.W1.rows,
    c = net.W2.rows;
  const F = mkMat(n, c);
  for (let i = 0; i < n; i++) {
    for (let q = 0; q < c; q++) F.data[i * c + q] = net.b2 ? net.b2[q] : 0;
    for (let j = 0; j < m; j++) {
      const z = pre(net, X, i, j);
      if (z > 0) for (let q = 0; q < c; q++) F.data[i * c + q] += net.W2.data[q * m + j] * z;
    }
  }
  return F;
}

export function residual(net: RefNet, prob: RefProblem): Mat {
  const F = refForward(net, prob.X);
  const R = mkMat(F.rows, F.cols);
  for (let i = 0; i < F.data.length; i++) R.data[i] = prob.Y.data[i] - F.data[i];
  return R;
}

function sq(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return s;
}

/** ‖ũ_j‖ (bias entry included when the hidden bias is decayed) and ‖v_j‖. */
export function neuronNorms(net: RefNet, j: number, hiddenBias: RefHiddenBias): [number, number] {
  const d = net.W1.cols,
    m = net.W1.rows,
    c = net.W2.rows;
  let a = 0;
  for (let k = 0; k < d; k++) a += net.W1.data[j * d + k] ** 2;
  if (net.b1 && hiddenBias === 'decayed') a += net.b1[j] ** 2;
  let b = 0;
  for (let q = 0; q < c; q++) b += net.W2.data[q * m + j] ** 2;
  return [Math.sqrt(a), Math.sqrt(b)];
}

/** A neuron that is ≤ 0 on every sample contributes nothing and is dropped by rebalancing. */
export function isDead(net: RefNet, X: Mat, j: number): boolean {
  for (let i = 0; i < X.rows; i++) if (pre(net, X, i, j) > 0) return false;
  return true;
}

function outputBiasPenalty(net: RefNet, prob: RefProblem): number {
  return net.b2 && prob.outputBias === 'decayed' ? (prob.beta / 2) * sq(net.b2) : 0;
}

/** P(θ) for the weights exactly as given. */
export function objectiveP(net: RefNet, prob: RefProblem): number {
  const R = residual(net, prob);
  let pen = 0;
  for (let j = 0; j < net.W1.rows; j++) {
    const [a, b] = neuronNorms(net, j, prob.hiddenBias);
    pen += a * a + b * b;
  }
  return 0.5 * sq(R.data) + (prob.beta / 2) * pen + outputBiasPenalty(net, prob);
}

/** P_bal(θ): every neuron rebalanced (‖ũ‖ = ‖v‖), dead neurons dropped. */
export function objectiveBal(net: RefNet, prob: RefProblem): number {
  const R = residual(net, prob);
  let pen = 0;
  for (let j = 0; j < net.W1.rows; j++) {
    if (isDead(net, prob.X, j)) continue;
    const [a, b] = neuronNorms(net, j, prob.hiddenBias);
    pen += a * b;
  }
  return 0.5 * sq(R.data) + prob.beta * pen + outputBiasPenalty(net, prob);
}

/**
 * D(Λ) = ⟨Λ,Y⟩ − ½‖Λ‖² − ‖Λᵀ1‖²/(2β) (last term for a decayed output bias). Does NOT check
 * feasibility (M(Λ) ≤ β, and Λᵀ1 = 0 when b2 is free): the caller scales Λ for that.
 */
export function dualValue(Lambda: Mat, prob: RefProblem): number {
  const c = Lambda.cols,
    n = Lambda.rows;
  let ly = 0;
  for (let i = 0; i < Lambda.data.length; i++) ly += Lambda.data[i] * prob.Y.data[i];
  let val = ly - 0.5 * sq(Lambda.data);
  if (prob.outputBias === 'decayed') {
    for (let q = 0; q < c; q++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += Lambda.data[i * c + q];
      val -= (s * s) / (2 * prob.beta);
    }
  }
  return val;
}

/** Columns centred (Λᵀ1 = 0), required by a free output bias. */
export function centred(L: Mat): Mat {
  const out = mkMat(L.rows, L.cols, L.data);
  for (let q = 0; q < L.cols; q++) {
    let s = 0;
    for (let i = 0; i < L.rows; i++) s += L.data[i * L.cols + q];
    s /= L.rows;
    for (let i = 0; i < L.rows; i++) out.data[i * L.cols + q] -= s;
  }
  return out;
}

/**
 * Best dual value along the ray sΛ0 (s ≥ 0) subject to s·M ≤ β, given an exact M = M(Λ0).
 * D(sΛ0) = s·a − s²·q/2, maximised at a/q, clipped to the feasible range. M is inflated by a
 * few ulps so rounding in M cannot make the point infeasible.
 */
export function bestScaledDual(Lambda0: Mat, M: number, prob: RefProblem): { value: number; s: number } {
  const c = Lambda0.cols,
    n = Lambda0.rows;
  let a = 0;
  for (let i = 0; i < Lambda0.data.length; i++) a += Lambda0.data[i] * prob.Y.data[i];
  let q = sq(Lambda0.data);
  if (prob.outputBias === 'decayed') {
    for (let k = 0; k < c; k++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += Lambda0.data[i * c + k];
      q += (s * s) / prob.beta;
    }
  }
  if (!(a > 0) || !(q > 0)) return { value: 0, s: 0 };
  let s = a / q;
  const Mi = M * (1 + 1e-13);
  if (Mi > 0) s = Math.min(s, prob.beta / Mi);
  return { value: s * a - 0.5 * s * s * q, s };
}
