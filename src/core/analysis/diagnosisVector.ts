/**
 * MATH.md §7 for squared loss with vector outputs (c = 2, 3). The c = 1 route (diagnosis.ts) solves
 * the convex program over the own patterns; for c > 1 that program is not available, so P_own is
 * defined directly as the optimum over networks (any width) whose neurons lie in the network's own
 * cones K_j = {ũ : (2D_j − I)X̃ũ ≥ 0} (ownPatterns: merged, near-ties on both sides), and computed by
 * column generation (certify/optimum.ts searchOptimum) with the oracle restricted to those cones
 * (ownOracle.ts), seeded with the network's own neuron directions. Soundness:
 *  - `value` is the objective of a concrete network recomputed from its weights, whose neurons lie
 *    in the own cones (seed directions and restricted-oracle argmaxes): an upper bound on P_own
 *    (up to the rounding of a direction that sits on a cone's boundary);
 *  - `lowerBound` = D(sΛ) with s ≤ β/M̄_own, M̄_own the restricted oracle's sound UPPER bound: a lower
 *    bound on P_own. P_own ≥ P*, so the certificate's dual bound is a valid lower bound as well.
 * pOwn = min(value, P_bal) is reported, with [lowerBound, pOwn] in the text; the gaps follow
 * diagnose(): trainingGap = P_bal − P_own, landscapeGap = P_own − P* with an interval from P*'s.
 */
import { featureDim } from '../certify/objective';
import { searchOptimum } from '../certify/optimum';
import { ownPatterns } from '../convex/patterns';
import { fmt } from '../report/numbers';
import { certifiedDiagnosis, splitDiagnosis } from './diagnosisCore';
import { DIAGNOSIS_TIME_BUDGET_MS, missingNeuron, type DiagnosisInput } from './diagnosis';
import { makeOwnOracle } from './ownOracle';
import type { NetworkWeights } from '../certify/types';
import type { CertifyModes } from '../certify/objective';
import type { DiagnosisJson } from './types';

/** Relative gap at which the own-cone column generation stops (P_own is then known to this). */
export const DIAGNOSIS_VECTOR_REL_TOL = 1e-9;
/** Iteration cap of the own-cone column generation (the time budget usually binds first). */
export const DIAGNOSIS_VECTOR_MAX_ITERATIONS = 200;

/** Unit directions ũ_j/‖ũ_j‖ (length featureDim) of the neurons with v_j ≠ 0 and ũ_j ≠ 0. */
export function ownDirections(net: NetworkWeights, d: number, modes: CertifyModes): Float64Array[] {
  const m = net.W1.rows, c = net.W2.rows, dd = featureDim(d, modes.hiddenBias);
  const out: Float64Array[] = [];
  for (let j = 0; j < m; j++) {
    let vo = 0;
    for (let q = 0; q < c; q++) vo += Math.abs(net.W2.data[q * m + j]);
    const a = new Float64Array(dd);
    for (let k = 0; k < d; k++) a[k] = net.W1.data[j * d + k];
    if (dd > d) a[d] = net.b1 ? net.b1[j] : 0;
    const nn = Math.hypot(...a);
    if (vo > 0 && nn > 0) out.push(a.map((x) => x / nn));
  }
  return out;
}

export interface OwnOptimum {
  value: number;
  lowerBound: number;
  network: NetworkWeights;
  converged: boolean;
  stopReason: string;
  patterns: number;
}

/** P_own by column generation over the own cones (any c ≤ 3; hiddenBias 'decayed' or 'none'). */
export function ownOptimum(inp: Pick<DiagnosisInput, 'net' | 'X' | 'Y' | 'beta' | 'modes' | 'settings'>, knownLowerBound?: number): OwnOptimum {
  const { net, X, Y, beta, modes, settings } = inp;
  if (modes.hiddenBias === 'free') throw new Error('P_own for vector outputs is not implemented for a free hidden bias');
  const own = ownPatterns(net, X, modes);
  settings.onStage?.('patterns', `${own.length} of ${own.length} (the network's own)`);
  const res = searchOptimum(X, Y, {
    beta,
    modes,
    oracle: makeOwnOracle(own),
    seedDirs: ownDirections(net, X.cols, modes),
    patternBudget: settings.patternBudget,
    seed: settings.seed,
    maxIterations: DIAGNOSIS_VECTOR_MAX_ITERATIONS,
    timeBudgetMs: Math.min(settings.timeBudgetMs ?? Infinity, DIAGNOSIS_TIME_BUDGET_MS),
    relTol: DIAGNOSIS_VECTOR_REL_TOL,
    knownLowerBound,
    shouldStop: settings.shouldStop,
  });
  if (settings.shouldStop?.()) throw new Error('analysis cancelled');
  return {
    value: res.value,
    lowerBound: res.lowerBound,
    network: res.network,
    converged: res.relGap <= DIAGNOSIS_VECTOR_REL_TOL * 10 || res.stopReason.startsWith('exact oracle'),
    stopReason: res.stopReason,
    patterns: own.length,
  };
}

export function diagnoseVector(inp: DiagnosisInput): DiagnosisJson | null {
  const { Y, cert } = inp;
  if (Y.cols < 2) return null;
  if (Y.cols > 3) throw new Error(`P_own is not implemented for c = ${Y.cols} > 3 outputs (the output-sphere branch and bound covers c = 2, 3)`);
  if (cert.verdict === 'certified') return certifiedDiagnosis(cert);
  const own = ownOptimum(inp, cert.dualBound); // P_own ≥ P* ≥ the certificate's dual bound
  return splitDiagnosis({
    cert,
    pstarUpper: inp.pstarUpper,
    pOwnUpper: own.value,
    pOwnLower: own.lowerBound,
    missing: missingNeuron(inp),
    loss: null,
    note: (lo, hi) =>
      ` (Vector output, c = ${Y.cols}: P_own ∈ [${fmt(lo, 10)}, ${fmt(hi, 10)}], by column generation over the network's ${own.patterns} own activation cones with the restricted oracle` +
      (own.converged ? '.)' : `; not converged: ${own.stopReason}.)`),
  });
}
