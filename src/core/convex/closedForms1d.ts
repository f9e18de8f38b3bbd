/**
 * One-dimensional data with a hidden bias (MATH.md §5, [EP Lemma 6, Cor 3]): the optimal neurons
 * have their kinks at data points, so P* is a lasso over the kink dictionary
 *   {(x − x_k)_+, (x_k − x)_+ : k = 1..n}
 * and the optimal fit is a linear spline with knots at the data (optima need not be unique).
 *
 * Each atom is a unit neuron direction ũ = ±[1; −x_k] scaled to unit penalized norm: free hidden
 * bias ‖u‖ = 1 (so the atom is (±(x − x_k))_+ itself); decayed hidden bias ‖[u; b]‖ = 1 (the atom
 * is divided by √(1 + x_k²)). The lasso (certify/lasso.ts, exact active-set method) gives the
 * weights; lassoNetwork turns them into a network. Whether the dictionary is exact for a decayed
 * hidden bias is checked against the general program in test/convex (see the report there).
 */
import type { Mat } from '../linalg/mat';
import type { CertifyModes, NetworkWeights } from '../problem/network';
import { featureActivation } from '../problem/features';
import { networkObjective } from '../problem/objective';
import { solveLasso, lassoNetwork, offsetModeFor } from '../certify/lasso';

/** Data values closer than this (relative to the data range) are merged into one knot. */
export const KNOT_MERGE_TOL = 1e-12;

export interface Detected {
  applies: boolean;
  /** the condition, in words, with the numbers that decided it */
  condition: string;
  /** the tolerance used to decide it (named constant) */
  tol: number;
}

/**
 * Exact only with a FREE hidden bias: the atom (±(x − c))_+ costs |v| whatever the knot c, and its
 * correlation with λ is linear in c between data points, so the best knot is at a data point. With a
 * DECAYED hidden bias the cost of a knot c is √(1 + c²)|v| and the best direction inside a pattern
 * cone can be interior (Π_K(X̃ᵀD λ)); the kink lasso is then only an upper bound on P* (a witness) —
 * test/convex/closedForms.test.ts keeps a counterexample.
 */
export function detectOneDimensional(X: Mat, modes: CertifyModes): Detected {
  if (X.cols !== 1 || X.rows === 0 || modes.hiddenBias === 'none')
    return { applies: false, condition: `not one-dimensional with a hidden bias (d = ${X.cols}, hidden bias ${modes.hiddenBias})`, tol: KNOT_MERGE_TOL };
  if (modes.hiddenBias === 'decayed')
    return {
      applies: false,
      condition: 'one-dimensional data with a DECAYED hidden bias: the kink lasso is only an upper bound (knots cost √(1 + x_k²)); use the general program',
      tol: KNOT_MERGE_TOL,
    };
  return {
    applies: true,
    condition: `one-dimensional data (d = 1) with a free hidden bias: knots at the ${X.rows} data points [EP Lemma 6] (points closer than ${KNOT_MERGE_TOL}·range merged)`,
    tol: KNOT_MERGE_TOL,
  };
}

export interface KinkLassoResult {
  pstar: number;
  network: NetworkWeights;
  /** objective of `network` recomputed from its weights */
  value: number;
  knots: number[];
  relGap: number;
}

/** The lasso over the kink dictionary; X is n×1. */
export function kinkLasso(X: Mat, Y: Mat, beta: number, modes: CertifyModes): KinkLassoResult {
  const xs = Array.from(X.data).sort((a, b) => a - b);
  const range = xs.length ? xs[xs.length - 1] - xs[0] : 0;
  const knots: number[] = [];
  for (const x of xs) if (!knots.length || x - knots[knots.length - 1] > KNOT_MERGE_TOL * Math.max(range, 1e-300)) knots.push(x);
  const dirs: Float64Array[] = [];
  const A: Float64Array[] = [];
  for (const xk of knots)
    for (const s of [1, -1]) {
      const scale = modes.hiddenBias === 'decayed' ? Math.hypot(1, xk) : 1;
      const dir = Float64Array.of(s / scale, (-s * xk) / scale);
      dirs.push(dir);
      A.push(featureActivation(X, dir, modes.hiddenBias));
    }
  const sol = solveLasso(A, Y, beta, offsetModeFor(modes));
  const network = lassoNetwork(dirs, sol.Z, sol.b2, 1, modes);
  const value = networkObjective(network, X, Y, beta, modes).objective;
  return { pstar: sol.objective, network, value, knots, relGap: sol.relGap };
}
