/**
 * The problem's vocabulary (MATH.md §1): the two-layer network's weights and which of its biases
 * are part of the weight decay. Every folder that states the training problem imports these from
 * here, so core/problem depends on nothing but linalg/mat.
 */
import type { Mat } from '../linalg/mat';

/** W1 m×d (row j = u_j), b1 m, W2 c×m (column j = v_j), b2 c; a null bias is absent from the network. */
export interface NetworkWeights {
  W1: Mat;
  b1: Float64Array | null;
  W2: Mat;
  b2: Float64Array | null;
}

/** The hidden bias: in the weight decay ('decayed'), unregularized ('free') or absent ('none'). */
export type HiddenBiasMode = 'decayed' | 'free' | 'none';

/** The output bias, with the same three meanings. */
export type OutputBiasMode = 'decayed' | 'free' | 'none';

/** Both bias modes: with β and the loss they fix P(θ) (MATH.md §1). */
export interface CertifyModes {
  hiddenBias: HiddenBiasMode;
  outputBias: OutputBiasMode;
}
