/**
 * MATH.md §7 for squared loss with vector outputs (c ≥ 2). The c = 1 route (diagnosis.ts) solves
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
 * A free hidden bias is handled by the oracle (cones in (u, b), b unpenalized; ownCone.ts). For c > 3
 * the oracle gives sound bounds only (ownSphere.ts), so column generation usually stops before its
 * tolerance and P_own is reported as the interval [lowerBound, value].
 * pOwn = min(value, P_bal) is reported, with [lowerBound, pOwn] in the text; the gaps follow
 * diagnose(): trainingGap = P_bal − P_own, landscapeGap = P_own − P* with an interval from P*'s.
 */
import { buildXt, featureDim } from '../problem/features';
import { bestScale, feasibleDirection } from '../certify/dual';
import { sigmaMax, SIGMA_REL_SLACK } from '../linalg/decomp';
import { searchOptimum } from '../certify/optimum';
import { ownPatterns } from '../convex/patterns';
import { fmt } from '../format/numbers';
import { certifiedDiagnosis, splitDiagnosis } from './diagnosisCore';
import { missingNeuron, type DiagnosisInput } from './diagnosis';
import { makeOwnOracle } from '../oracle/ownOracle';
import type { NetworkWeights, CertifyModes } from '../problem/network';
import type { DiagnosisJson } from '../report/analysisJson';
import { CancelledError } from '../errors';
import { SAFETY_STOP_REASON } from '../problem/safetyStop';
import { OWN_INTERVAL_WIDE_MAX_ITERATIONS } from './ownInterval';

/** Relative gap at which the own-cone column generation stops (P_own is then known to this). */
export const DIAGNOSIS_VECTOR_REL_TOL = 1e-9;
/** Iteration cap (work budget) of the own-cone column generation; the wall clock is only the outer safety stop. */
export const DIAGNOSIS_VECTOR_MAX_ITERATIONS = 200;
/**
 * c > 3: iteration cap of the own-cone column generation (the classification bracket's, see there);
 * 8 rounds, then the final call below, take ~15–20 s at n = 60, c = 5 on this 2-core machine.
 */
export const DIAGNOSIS_VECTOR_WIDE_MAX_ITERATIONS = OWN_INTERVAL_WIDE_MAX_ITERATIONS;
/**
 * c > 3: evaluation budget of the final restricted-oracle call at the last residual (it replaced "the
 * time left of the 10 s cap"): 2.5 × a column-generation call.
 */
export const DIAGNOSIS_VECTOR_FINAL_CALL_EVALS = 5000;

/**
 * Directions (length featureDim) of the neurons with v_j ≠ 0 and ũ_j ≠ 0: ũ_j/‖ũ_j‖, or for a free
 * hidden bias [u_j; b_j]/‖u_j‖ (only u is penalized; constant neurons, u_j = 0, are left out).
 */
export function ownDirections(net: NetworkWeights, d: number, modes: CertifyModes): Float64Array[] {
  const m = net.W1.rows,
    c = net.W2.rows,
    dd = featureDim(d, modes.hiddenBias);
  const out: Float64Array[] = [];
  for (let j = 0; j < m; j++) {
    let vo = 0;
    for (let q = 0; q < c; q++) vo += Math.abs(net.W2.data[q * m + j]);
    const a = new Float64Array(dd);
    for (let k = 0; k < d; k++) a[k] = net.W1.data[j * d + k];
    if (dd > d) a[d] = net.b1 ? net.b1[j] : 0;
    const nn = modes.hiddenBias === 'free' ? Math.hypot(...a.subarray(0, d)) : Math.hypot(...a);
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

/** P_own by column generation over the own cones (any c, any hidden-bias mode). */
export function ownOptimum(inp: Pick<DiagnosisInput, 'net' | 'X' | 'Y' | 'beta' | 'modes' | 'settings'>, knownLowerBound?: number): OwnOptimum {
  const { net, X, Y, beta, modes, settings } = inp;
  const own = ownPatterns(net, X, modes);
  settings.onStage?.('patterns', `${own.length} of ${own.length} (the network's own)`);
  // work budgets only (iterations, the oracle's evaluation budget); timeBudgetMs is the safety stop
  const safety = settings.timeBudgetMs ?? Infinity;
  const t0 = performance.now();
  const res = searchOptimum(X, Y, {
    beta,
    modes,
    oracle: makeOwnOracle(own, { deadline: t0 + safety }),
    seedDirs: ownDirections(net, X.cols, modes),
    patternBudget: settings.patternBudget,
    seed: settings.seed,
    maxIterations: Y.cols > 3 ? DIAGNOSIS_VECTOR_WIDE_MAX_ITERATIONS : DIAGNOSIS_VECTOR_MAX_ITERATIONS,
    timeBudgetMs: safety,
    relTol: DIAGNOSIS_VECTOR_REL_TOL,
    knownLowerBound,
    shouldStop: settings.shouldStop,
  });
  if (settings.shouldStop?.()) throw new CancelledError('analysis');
  let lowerBound = res.lowerBound;
  let stopReason = res.stopReason;
  // c > 3: column generation stops on the oracle's lower bound, while the dual bound used upper bounds
  // cut short by the per-call budget; one more call at the final residual with a larger evaluation
  // budget tightens M̄_own (same weak duality as searchOptimum's: s ≤ β/M̄ with M̄ a sound upper bound)
  if (Y.cols > 3 && res.residual && res.relGap > DIAGNOSIS_VECTOR_REL_TOL && performance.now() <= t0 + safety) {
    const Lt = feasibleDirection(res.residual, modes);
    const Xt = buildXt(X, modes.hiddenBias);
    const or = makeOwnOracle(own, { deadline: t0 + safety, maxEvals: DIAGNOSIS_VECTOR_FINAL_CALL_EVALS })(Xt, Lt, {
      hiddenBias: modes.hiddenBias,
      patternBudget: settings.patternBudget,
      seed: settings.seed,
      shouldStop: settings.shouldStop,
    });
    const sd = bestScale(Lt, Y, beta, modes, or.upper, sigmaMax(Xt) * (1 + SIGMA_REL_SLACK));
    if (sd.value > lowerBound) {
      lowerBound = sd.value;
      stopReason += '; final restricted-oracle call at the last residual';
    }
  }
  if (performance.now() > t0 + safety && !stopReason.includes(SAFETY_STOP_REASON)) stopReason += `; ${SAFETY_STOP_REASON}`;
  return {
    value: res.value,
    lowerBound,
    network: res.network,
    converged: res.relGap <= DIAGNOSIS_VECTOR_REL_TOL * 10 || res.stopReason.startsWith('exact oracle'),
    stopReason,
    patterns: own.length,
  };
}

export function diagnoseVector(inp: DiagnosisInput): DiagnosisJson | null {
  const { Y, cert } = inp;
  if (Y.cols < 2) return null;
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
      (Y.cols > 3 ? ' (c > 3: the restricted oracle gives sound bounds only, so P_own is an interval)' : '') +
      (own.converged ? '.)' : `; not converged: ${own.stopReason}.)`),
  });
}
