/**
 * Why training stopped where it did (MATH.md §7, [WLP]). A stationary network is optimal for the
 * convex program restricted to its own (pattern, sign v) blocks, value P_own, so
 *   P_bal − P* = (P_bal − P_own)  [optimization not finished: train longer]
 *              + (P_own − P*)     [spurious stationary point: a neuron is missing].
 * P_own comes from src/core/convex (solveConvexProgram over ownPatterns); its value is the
 * objective of a recovered network, recomputed from its weights, so min(P_own, P_bal) is an upper
 * bound on the restricted optimum and the program's lowerBound a lower bound. P* is known to the
 * interval [L, U] of the certificate and the optimum; the landscape gap is reported as an interval.
 * A certified network skips the program: pOwn is then reported as P_bal (an upper bound), the
 * training gap as 0 and the landscape gap as the certified gap (the text says so).
 */
import type { Mat } from '../linalg/mat';
import { buildXt, featureDim, networkObjective, type CertifyModes } from '../certify/objective';
import { feasibleDirection } from '../certify/dual';
import type { CertificateResult, CertifySettings, NetworkWeights } from '../certify/types';
import type { OracleFn, OracleResult } from '../oracle/types';
import { fmt, pct } from '../report/numbers';
import { convex } from './deps';
import type { DiagnosisJson } from './types';

/** Wall-clock cap for the program over the network's own patterns; unconverged, P_own is reported as the bounds it has. */
export const DIAGNOSIS_TIME_BUDGET_MS = 10_000;

export interface DiagnosisInput {
  net: NetworkWeights;
  X: Mat;
  Y: Mat;
  beta: number;
  modes: CertifyModes;
  cert: CertificateResult; // already refined with the optimum's bounds
  /** best known upper bound on P* (the optimum's value), Infinity when none */
  pstarUpper: number;
  settings: CertifySettings;
  oracle: OracleFn;
}

/** The most violated neuron at the trained network's residual, when M(R) > β (MATH.md §3.4, §7). */
export function missingNeuron(inp: DiagnosisInput): DiagnosisJson['missingNeuron'] {
  const { net, X, Y, beta, modes, settings } = inp;
  const R = networkObjective(net, X, Y, beta, modes).R;
  const L = feasibleDirection(R, modes);
  const Xt = buildXt(X, modes.hiddenBias);
  let or: OracleResult;
  try {
    or = inp.oracle(Xt, L, { hiddenBias: modes.hiddenBias, patternBudget: settings.patternBudget, seed: settings.seed });
  } catch (e) {
    if (settings.shouldStop?.()) throw e;
    return null;
  }
  if (!(or.lower > beta)) return null;
  const d = X.cols;
  const dd = featureDim(d, modes.hiddenBias);
  const dir = or.argmax;
  const u = Array.from(dir.subarray(0, d));
  const b = modes.hiddenBias === 'none' ? null : modes.hiddenBias === 'free' ? or.argmaxBias : dir.length === dd ? dir[d] : 0;
  let active = 0;
  for (let i = 0; i < X.rows; i++) {
    let z = b ?? 0;
    for (let k = 0; k < d; k++) z += X.data[i * d + k] * u[k];
    if (z > 0) active++;
  }
  return {
    u,
    b,
    sign: Y.cols === 1 ? (or.outputDir[0] ?? 1) : 1,
    outputDir: Array.from(or.outputDir),
    activeCount: active,
    violation: or.lower / beta - 1,
  };
}

export function diagnose(inp: DiagnosisInput): DiagnosisJson | null {
  const { net, X, Y, beta, modes, cert, settings } = inp;
  if (!convex || Y.cols !== 1) return null;
  const Pbal0 = cert.primal;
  if (cert.verdict === 'certified') {
    // P* ≤ P_own ≤ P_bal and P_bal − P* ≤ gap ≤ tol·P_bal: both parts are within the tolerance, so the
    // program over the network's own patterns (expensive for wide networks) is not run.
    const gap = Math.max(0, Pbal0 - cert.dualBound);
    return {
      pOwn: Pbal0,
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
  const own = convex.ownPatterns(net, X, modes);
  settings.onStage?.('patterns', `${own.length} of ${own.length} (the network's own)`);
  const prog = convex.solveConvexProgram(X, Y, own, beta, modes, {
    shouldStop: settings.shouldStop,
    timeBudgetMs: Math.min(settings.timeBudgetMs ?? Infinity, DIAGNOSIS_TIME_BUDGET_MS),
  });
  const Pbal = cert.primal;
  const ownValue = networkObjective(prog.network, X, Y, beta, modes).objective; // from the recovered weights
  const pOwn = Math.min(Number.isFinite(ownValue) ? ownValue : Infinity, Pbal);
  const pOwnLower = Math.min(Number.isFinite(prog.lowerBound) ? prog.lowerBound : -Infinity, pOwn); // no bound: say nothing (P_own is above P* anyway)
  const L = cert.dualBound;
  const U = Math.min(cert.pstarInterval[1], inp.pstarUpper, Pbal);
  const trainingGap = Pbal - pOwn;
  const landscapeGap = pOwn - L;
  const interval: [number, number] = [Math.max(0, pOwnLower - U), Math.max(0, pOwn - L)];
  const tau = cert.tol * Pbal;
  const trainLonger = trainingGap > tau;
  const spurious = interval[0] > tau;
  const maybeSpurious = interval[1] > tau;
  const missing = missingNeuron(inp);
  let kind: string;
  if (trainLonger && spurious) kind = 'both';
  else if (trainLonger) kind = 'train-longer';
  else if (spurious) kind = 'spurious-stationary-point';
  else kind = 'inconclusive';
  const rel = (x: number) => pct(Pbal > 0 ? x / Pbal : 0);
  const neuronText = missing
    ? ` The neuron the oracle finds missing: u = [${missing.u.map((v) => fmt(v, 3)).join(', ')}]${missing.b !== null ? `, b = ${fmt(missing.b, 3)}` : ''}, ` +
      `output sign ${missing.sign >= 0 ? '+' : '−'}, active on ${missing.activeCount} samples (M/β − 1 = ${fmt(missing.violation, 3)}).`
    : '';
  const texts: Record<string, string> = {
    'train-longer':
      `Train longer: the network is not yet optimal even among networks with its own activation patterns: P_bal − P_own = ${fmt(trainingGap)} (${rel(trainingGap)} of P_bal). ` +
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
  const accuracy = prog.converged
    ? ''
    : ` (P_own is known only to [${fmt(pOwnLower)}, ${fmt(pOwn)}]: the program over the network's own patterns did not converge within its budget.)`;
  return { pOwn, trainingGap, landscapeGap, landscapeGapInterval: interval, kind, text: texts[kind] + accuracy, missingNeuron: missing };
}
