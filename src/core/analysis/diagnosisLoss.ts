/**
 * MATH.md §7 for the hinge and logistic losses, scalar output (c = 1): the same split as
 * ./diagnosis.ts,  P_bal − P* = (P_bal − P_own) + (P_own − P*),  with P_own the classification
 * program over the network's own merged patterns (src/core/convex/lossProgram.ts). P_own's value is
 * recomputed from the recovered network's weights (so min(P_own, P_bal) is an upper bound on the
 * restricted optimum) and its lowerBound is a sound restricted dual bound; P* is known to the
 * certificate's interval. The missing neuron comes from the oracle at the dual direction
 * −∇ℓ(F) (moved inside the conjugate's domain, onto Λᵀ1 = 0 when the modes require it).
 * Returns null when not applicable (other losses, c ≠ 1, a free hidden bias).
 */
import type { Mat } from '../linalg/mat';
import { buildXt, featureDim, type CertifyModes } from '../certify/objective';
import type { CertificateResult, CertifySettings, NetworkWeights } from '../certify/types';
import type { OracleFn, OracleResult } from '../oracle/types';
import { fmt, pct } from '../report/numbers';
import { ownPatterns } from '../convex/patterns';
import { solveLossProgram } from '../convex/lossProgram';
import { dualDirection } from '../losses/dualPoint';
import { lossObjective } from '../losses/objective';
import type { DiagnosisJson, LossName } from './types';
import { DIAGNOSIS_TIME_BUDGET_MS } from './diagnosis';

export interface LossDiagnosisInput {
  net: NetworkWeights;
  X: Mat;
  /** labels in the loss's form (±1 for hinge and logistic) */
  Y: Mat;
  beta: number;
  modes: CertifyModes;
  loss: LossName;
  cert: CertificateResult;
  pstarUpper: number;
  settings: CertifySettings;
  oracle: OracleFn;
}

function missingNeuronLoss(inp: LossDiagnosisInput, loss: 'hinge' | 'logistic'): DiagnosisJson['missingNeuron'] {
  const { net, X, Y, beta, modes, settings } = inp;
  const F = lossObjective(net, X, Y, beta, modes, loss).F;
  const L = dualDirection(F, Y, loss, modes);
  if (!L) return null;
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
  const b = modes.hiddenBias === 'none' ? null : dir.length === dd ? dir[d] : 0;
  let active = 0;
  for (let i = 0; i < X.rows; i++) {
    let z = b ?? 0;
    for (let k = 0; k < d; k++) z += X.data[i * d + k] * u[k];
    if (z > 0) active++;
  }
  return { u, b, sign: or.outputDir[0] ?? 1, outputDir: Array.from(or.outputDir), activeCount: active, violation: or.lower / beta - 1 };
}

export function diagnoseClassification(inp: LossDiagnosisInput): DiagnosisJson | null {
  const { net, X, Y, beta, modes, cert, settings } = inp;
  if ((inp.loss !== 'hinge' && inp.loss !== 'logistic') || Y.cols !== 1 || modes.hiddenBias === 'free') return null;
  const loss = inp.loss;
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
  const own = ownPatterns(net, X, modes);
  settings.onStage?.('patterns', `${own.length} of ${own.length} (the network's own)`);
  const prog = solveLossProgram(X, Y, own, beta, modes, loss, {
    shouldStop: settings.shouldStop,
    timeBudgetMs: Math.min(settings.timeBudgetMs ?? Infinity, DIAGNOSIS_TIME_BUDGET_MS),
  });
  const pOwn = Math.min(Number.isFinite(prog.value) ? prog.value : Infinity, Pbal);
  const pOwnLower = Math.min(Number.isFinite(prog.lowerBound) ? prog.lowerBound : -Infinity, pOwn); // no bound: say nothing (P_own is above P* anyway)
  const Lo = cert.dualBound;
  const U = Math.min(cert.pstarInterval[1], inp.pstarUpper, Pbal);
  const trainingGap = Pbal - pOwn;
  const interval: [number, number] = [Math.max(0, pOwnLower - U), Math.max(0, pOwn - Lo)];
  const tau = cert.tol * Pbal;
  const trainLonger = trainingGap > tau;
  const spurious = interval[0] > tau;
  const missing = missingNeuronLoss(inp, loss);
  const kind = trainLonger && spurious ? 'both' : trainLonger ? 'train-longer' : spurious ? 'spurious-stationary-point' : 'inconclusive';
  const rel = (x: number) => pct(Pbal > 0 ? x / Pbal : 0);
  const iv = `[${fmt(interval[0])}, ${fmt(interval[1])}]`;
  const neuronText = missing
    ? ` The neuron the oracle finds missing at −∇ℓ: u = [${missing.u.map((v) => fmt(v, 3)).join(', ')}]${missing.b !== null ? `, b = ${fmt(missing.b, 3)}` : ''}, ` +
      `output sign ${missing.sign >= 0 ? '+' : '−'}, active on ${missing.activeCount} samples (M/β − 1 = ${fmt(missing.violation, 3)}).`
    : '';
  const texts: Record<string, string> = {
    'train-longer':
      `Train longer: with the ${loss} loss the network is not yet optimal even among networks with its own activation patterns: ` +
      `P_bal − P_own = ${fmt(trainingGap)} (${rel(trainingGap)} of P_bal)` +
      (interval[1] > tau ? `; a further gap P_own − P* ∈ ${iv} may remain.` : '.'),
    'spurious-stationary-point':
      `Spurious stationary point: the network is optimal for its own activation patterns (P_own = ${fmt(pOwn)}), but P* ≤ ${fmt(U)}: ` +
      `P_own − P* ∈ ${iv} (${rel(interval[0])} of P_bal at least). Training longer will not help.` + neuronText,
    both:
      `Both: training is unfinished (P_bal − P_own = ${fmt(trainingGap)}, ${rel(trainingGap)}) and the network's activation patterns cannot reach P* ` +
      `(P_own − P* ∈ ${iv}).` + neuronText,
    inconclusive: `Inconclusive: P_bal − P_own = ${fmt(trainingGap)} and P_own − P* ∈ ${iv}; neither part is proven larger than the tolerance ${fmt(tau)}.`,
  };
  const accuracy = prog.converged
    ? ''
    : ` (P_own is known only to [${fmt(pOwnLower)}, ${fmt(pOwn)}]: the program over the network's own patterns stopped (${prog.stopReason}) before its tolerance.)`;
  return { pOwn, trainingGap, landscapeGap: pOwn - Lo, landscapeGapInterval: interval, kind, text: texts[kind] + accuracy, missingNeuron: missing };
}
