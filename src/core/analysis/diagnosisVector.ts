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
import { fmt, pct } from '../report/numbers';
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
  const Pbal = cert.primal;
  if (cert.verdict === 'certified') {
    const gap = Math.max(0, Pbal - cert.dualBound);
    return {
      pOwn: Pbal,
      trainingGap: 0,
      landscapeGap: gap,
      landscapeGapInterval: [0, gap],
      kind: 'optimal',
      text:
        `Optimal: the network is certified within the tolerance (P_bal − P* ≤ ${fmt(gap)}). P_own was not computed: ` +
        'it lies between P* and P_bal, so both the training gap and the landscape gap are at most that.',
      missingNeuron: null,
    };
  }
  const L = cert.dualBound;
  const own = ownOptimum(inp, L); // P_own ≥ P* ≥ L
  const pOwn = Math.min(Number.isFinite(own.value) ? own.value : Infinity, Pbal);
  const pOwnLower = Math.min(Number.isFinite(own.lowerBound) ? own.lowerBound : -Infinity, pOwn); // no bound: say nothing (P_own is above P* anyway)
  const U = Math.min(cert.pstarInterval[1], inp.pstarUpper, Pbal);
  const trainingGap = Pbal - pOwn;
  const landscapeGap = pOwn - L;
  const interval: [number, number] = [Math.max(0, pOwnLower - U), Math.max(0, pOwn - L)];
  const tau = cert.tol * Pbal;
  const trainLonger = trainingGap > tau;
  const spurious = interval[0] > tau;
  const maybeSpurious = interval[1] > tau;
  const missing = missingNeuron(inp);
  const kind = trainLonger && spurious ? 'both' : trainLonger ? 'train-longer' : spurious ? 'spurious-stationary-point' : 'inconclusive';
  const rel = (x: number) => pct(Pbal > 0 ? x / Pbal : 0);
  const neuronText = missing
    ? ` The neuron the oracle finds missing: u = [${missing.u.map((v) => fmt(v, 3)).join(', ')}]${missing.b !== null ? `, b = ${fmt(missing.b, 3)}` : ''}, ` +
      `output direction [${missing.outputDir.map((v) => fmt(v, 3)).join(', ')}], active on ${missing.activeCount} samples (M/β − 1 = ${fmt(missing.violation, 3)}).`
    : '';
  const range = `P_own ∈ [${fmt(pOwnLower, 10)}, ${fmt(pOwn, 10)}]`;
  const texts: Record<string, string> = {
    'train-longer':
      `Train longer: the network is not yet optimal even among networks whose neurons keep its own activation patterns: P_bal − P_own = ${fmt(trainingGap)} (${rel(trainingGap)} of P_bal). ` +
      `More epochs, a smaller learning rate or an L-BFGS polish can close this part` +
      (maybeSpurious ? `; a further gap P_own − P* ∈ [${fmt(interval[0])}, ${fmt(interval[1])}] may remain.` : '.'),
    'spurious-stationary-point':
      `Spurious stationary point: the network is optimal for its own activation patterns (P_own = ${fmt(pOwn)}), but P* ≤ ${fmt(U)}: ` +
      `P_own − P* ∈ [${fmt(interval[0])}, ${fmt(interval[1])}] (${rel(interval[0])} of P_bal at least). Training longer will not help; the neuron below is missing — add it or restart toward it.` +
      neuronText,
    both:
      `Both: training is unfinished (P_bal − P_own = ${fmt(trainingGap)}, ${rel(trainingGap)}) and the network's activation patterns cannot reach P* ` +
      `(P_own − P* ∈ [${fmt(interval[0])}, ${fmt(interval[1])}]): the neuron below is missing.` +
      neuronText,
    inconclusive:
      `Inconclusive: P_bal − P_own = ${fmt(trainingGap)} and P_own − P* ∈ [${fmt(interval[0])}, ${fmt(interval[1])}]; neither part is proven larger than the tolerance ${fmt(tau)}.`,
  };
  const how =
    ` (Vector output, c = ${Y.cols}: ${range}, by column generation over the network's ${own.patterns} own activation cones with the restricted oracle` +
    (own.converged ? '.)' : `; not converged: ${own.stopReason}.)`);
  return { pOwn, trainingGap, landscapeGap, landscapeGapInterval: interval, kind, text: texts[kind] + how, missingNeuron: missing };
}
