/**
 * Activation patterns with ties (MATH.md §6, §10): optimal networks put their kinks exactly on
 * training points, so a sample whose pre-activation is zero up to rounding is on the neuron's
 * kink and belongs to both sides. Pre-activations are computed from the raw weights in float64.
 */
import type { Mat } from '../linalg/mat';
import type { NetworkWeights, CertifyModes } from '../problem/network';
import { usageError } from '../errors';

/** Shapes and finiteness of a network against the data; a ReluLensError names what is wrong. */
export function checkNetworkAndData(net: NetworkWeights, X: Mat, what = 'The network'): void {
  const d = X.cols,
    m = net.W1.rows;
  if (net.W1.cols !== d) throw usageError(`${what} expects ${net.W1.cols} inputs but the data has ${d} columns.`);
  if (net.W2.cols !== m) throw usageError(`${what}: W2 has ${net.W2.cols} columns but W1 has ${m} rows (hidden width).`);
  if (net.b1 && net.b1.length !== m) throw usageError(`${what}: b1 has length ${net.b1.length}, expected ${m}.`);
  if (net.b2 && net.b2.length !== net.W2.rows) throw usageError(`${what}: b2 has length ${net.b2.length}, expected ${net.W2.rows}.`);
  const finite = (a: ArrayLike<number>, name: string) => {
    for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) throw usageError(`${name} contains a non-finite value (${a[i]}) at position ${i}.`);
  };
  finite(X.data, 'The data');
  finite(net.W1.data, `${what}'s W1`);
  finite(net.W2.data, `${what}'s W2`);
  if (net.b1) finite(net.b1, `${what}'s b1`);
  if (net.b2) finite(net.b2, `${what}'s b2`);
}

/**
 * |x̃_iᵀũ_j| ≤ KINK_TOL·‖ũ_j‖·‖x̃_i‖ ⇒ sample i is on neuron j's kink (a tie, both sides).
 * 1e-6 covers float32-exported weights (relative rounding ≈ 6e-8 per entry, accumulated over d)
 * while a kink that is merely near a sample (1e-4 of the scale and more) is not a tie.
 */
export const KINK_TOL = 1e-6;

/** Pattern entry: strictly inactive, strictly active, on the kink. */
export const INACTIVE = 0;
export const ACTIVE = 1;
export const KINK = 2;

export interface NeuronPattern {
  /** x_iᵀu_j + b_j (b_j = 0 without a hidden bias), length n */
  pre: Float64Array;
  /** INACTIVE / ACTIVE / KINK per sample */
  side: Uint8Array;
  /**
   * |S_j|: samples with x̃_iᵀũ_j > 0 beyond the tie tolerance. Samples on the kink are not counted
   * (their sign is rounding noise for optimal networks, §10); they are listed in `kinks`.
   */
  activeCount: number;
  kinks: number[];
  /** ‖[u_j; b_j]‖ (‖u_j‖ without a hidden bias): the scale the kink tolerance refers to */
  wNorm: number;
}

/** ‖x̃_i‖ with x̃_i = [x_i; 1] when the neuron has a bias (decayed or free), x_i otherwise. */
export function featureRowNorms(X: Mat, modes: CertifyModes): Float64Array {
  const n = X.rows,
    d = X.cols;
  const out = new Float64Array(n);
  const one = modes.hiddenBias === 'none' ? 0 : 1;
  for (let i = 0; i < n; i++) {
    let s = one;
    for (let k = 0; k < d; k++) s += X.data[i * d + k] ** 2;
    out[i] = Math.sqrt(s);
  }
  return out;
}

export function neuronPattern(net: NetworkWeights, j: number, X: Mat, modes: CertifyModes, rowNorms: Float64Array, kinkTol = KINK_TOL): NeuronPattern {
  const n = X.rows,
    d = X.cols;
  const u = net.W1.data.subarray(j * d, (j + 1) * d);
  const b = modes.hiddenBias !== 'none' && net.b1 ? net.b1[j] : 0;
  let w2 = b * b;
  for (let k = 0; k < d; k++) w2 += u[k] * u[k];
  const wNorm = Math.sqrt(w2);
  const pre = new Float64Array(n);
  const side = new Uint8Array(n);
  const kinks: number[] = [];
  let activeCount = 0;
  for (let i = 0; i < n; i++) {
    let z = b;
    for (let k = 0; k < d; k++) z += X.data[i * d + k] * u[k];
    pre[i] = z;
    if (Math.abs(z) <= kinkTol * wNorm * rowNorms[i]) {
      side[i] = KINK;
      kinks.push(i);
    } else if (z > 0) {
      side[i] = ACTIVE;
      activeCount++;
    } else side[i] = INACTIVE;
  }
  return { pre, side, activeCount, kinks, wNorm };
}

/** Output weights v_j (column j of W2). */
export function outputWeights(net: NetworkWeights, j: number): Float64Array {
  const c = net.W2.rows,
    m = net.W2.cols;
  const v = new Float64Array(c);
  for (let k = 0; k < c; k++) v[k] = net.W2.data[k * m + j];
  return v;
}

/** Unit feature vector of neuron j: [u; b]/‖[u; b]‖ (u/‖u‖ without a hidden bias); zeros if u = b = 0. */
export function unitFeature(net: NetworkWeights, j: number, modes: CertifyModes): Float64Array {
  const d = net.W1.cols;
  const withBias = modes.hiddenBias !== 'none';
  const w = new Float64Array(withBias ? d + 1 : d);
  for (let k = 0; k < d; k++) w[k] = net.W1.data[j * d + k];
  if (withBias) w[d] = net.b1 ? net.b1[j] : 0;
  let s = 0;
  for (const x of w) s += x * x;
  const nn = Math.sqrt(s);
  if (nn > 0) for (let k = 0; k < w.length; k++) w[k] /= nn;
  return w;
}

/**
 * Hamming distance between two patterns, not counting samples on either neuron's kink (a tie
 * agrees with both sides).
 */
export function patternDistance(a: Uint8Array, b: Uint8Array): number {
  let h = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== KINK && b[i] !== KINK && a[i] !== b[i]) h++;
  return h;
}
