/**
 * MATH.md §7 for softmax cross-entropy (c = 2, 3). No convex program over the own patterns exists
 * for this loss, so P_own — the optimum over networks (any width) whose neurons lie in the network's
 * own cones K_j = {ũ : (2D_j − I)X̃ũ ≥ 0} — is bracketed by the classification certificate's column
 * generation (losses/certify.ts certifyClassificationWith) run with the oracle restricted to those
 * cones (ownOracle.ts). Soundness of the bracket [lo, hi]:
 *  - hi = the restricted certificate's P* upper end: min(P_bal, witness objectives recomputed from
 *    weights); the trained network and every restricted-oracle column lie in the own cones, so each
 *    is an upper bound on P_own;
 *  - lo = max(restricted dual bound, the full certificate's dual bound): the restricted bound uses
 *    the restricted oracle's sound UPPER value (weak duality with Q = ∪K_j), and P_own ≥ P* ≥ the
 *    full dual bound.
 * pOwn = hi; the gaps follow diagnosisVector.ts.
 */
import { buildXt, featureDim } from '../certify/objective';
import type { OracleResult } from '../oracle/types';
import { ownPatterns } from '../convex/patterns';
import { certifyClassificationWith } from '../losses/certify';
import { dualDirection } from '../losses/dualPoint';
import { lossObjective } from '../losses/objective';
import { fmt, pct } from '../report/numbers';
import { DIAGNOSIS_TIME_BUDGET_MS } from './diagnosis';
import type { LossDiagnosisInput } from './diagnosisLoss';
import { makeOwnOracle } from './ownOracle';
import type { DiagnosisJson } from './types';

/** Relative tolerance of the restricted (own-cone) certificate: it runs until P_own is known to this. */
export const DIAGNOSIS_CE_REL_TOL = 1e-9;
/** Iteration cap of the restricted column generation (the time budget usually binds first). */
export const DIAGNOSIS_CE_MAX_ITERATIONS = 200;

export interface OwnInterval {
  lo: number;
  hi: number;
  patterns: number;
  summary: string;
}

/** [lo, hi] ∋ P_own for cross-entropy (Y one-hot n×c, c ≤ 3, hidden bias 'decayed' or 'none'). */
export function ownIntervalCrossEntropy(inp: Pick<LossDiagnosisInput, 'net' | 'X' | 'Y' | 'modes' | 'settings'>, knownLowerBound = -Infinity): OwnInterval {
  const { net, X, Y, modes, settings } = inp;
  if (modes.hiddenBias === 'free') throw new Error('P_own for cross-entropy is not implemented for a free hidden bias');
  if (Y.cols > 3) throw new Error(`P_own is not implemented for c = ${Y.cols} > 3 outputs`);
  const own = ownPatterns(net, X, modes);
  settings.onStage?.('patterns', `${own.length} of ${own.length} (the network's own)`);
  const r = certifyClassificationWith(
    net,
    X,
    Y,
    'cross-entropy',
    {
      ...settings,
      hiddenBias: modes.hiddenBias,
      outputBias: modes.outputBias,
      tol: DIAGNOSIS_CE_REL_TOL,
      maxIterations: DIAGNOSIS_CE_MAX_ITERATIONS,
      refineAfterWitness: Infinity,
      timeBudgetMs: Math.min(settings.timeBudgetMs ?? Infinity, DIAGNOSIS_TIME_BUDGET_MS),
    },
    makeOwnOracle(own),
  );
  if (settings.shouldStop?.()) throw new Error('analysis cancelled');
  const hi = Math.min(r.pstarInterval[1], r.primal);
  const lo = Math.min(Math.max(r.pstarInterval[0], knownLowerBound), hi);
  return { lo, hi, patterns: own.length, summary: r.summary };
}

function missingNeuronCE(inp: LossDiagnosisInput): DiagnosisJson['missingNeuron'] {
  const { net, X, Y, beta, modes, settings } = inp;
  const F = lossObjective(net, X, Y, beta, modes, 'cross-entropy').F;
  const L = dualDirection(F, Y, 'cross-entropy', modes);
  if (!L) return null;
  const Xt = buildXt(X, modes.hiddenBias);
  let or: OracleResult;
  try {
    or = inp.oracle(Xt, L, { hiddenBias: modes.hiddenBias, patternBudget: settings.patternBudget, seed: settings.seed, shouldStop: settings.shouldStop });
  } catch (e) {
    if (settings.shouldStop?.()) throw e;
    return null;
  }
  if (!(or.lower > beta)) return null;
  const d = X.cols, dd = featureDim(d, modes.hiddenBias);
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

export function diagnoseCrossEntropy(inp: LossDiagnosisInput): DiagnosisJson | null {
  const { Y, modes, cert } = inp;
  if (inp.loss !== 'cross-entropy' || Y.cols < 2 || modes.hiddenBias === 'free') return null;
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
  const Lo = cert.dualBound;
  const own = ownIntervalCrossEntropy(inp, Lo); // P_own ≥ P* ≥ Lo
  const pOwn = Math.min(own.hi, Pbal);
  const pOwnLower = Math.min(own.lo, pOwn);
  const U = Math.min(cert.pstarInterval[1], inp.pstarUpper, Pbal);
  const trainingGap = Pbal - pOwn;
  const interval: [number, number] = [Math.max(0, pOwnLower - U), Math.max(0, pOwn - Lo)];
  const tau = cert.tol * Pbal;
  const trainLonger = trainingGap > tau;
  const spurious = interval[0] > tau;
  const missing = missingNeuronCE(inp);
  const kind = trainLonger && spurious ? 'both' : trainLonger ? 'train-longer' : spurious ? 'spurious-stationary-point' : 'inconclusive';
  const rel = (x: number) => pct(Pbal > 0 ? x / Pbal : 0);
  const iv = `[${fmt(interval[0])}, ${fmt(interval[1])}]`;
  const neuronText = missing
    ? ` The neuron the oracle finds missing at −∇ℓ: u = [${missing.u.map((v) => fmt(v, 3)).join(', ')}]${missing.b !== null ? `, b = ${fmt(missing.b, 3)}` : ''}, ` +
      `output direction [${missing.outputDir.map((v) => fmt(v, 3)).join(', ')}], active on ${missing.activeCount} samples (M/β − 1 = ${fmt(missing.violation, 3)}).`
    : '';
  const texts: Record<string, string> = {
    'train-longer':
      `Train longer: with the cross-entropy loss the network is not yet optimal even among networks with its own activation patterns: ` +
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
  const how =
    ` (Cross-entropy, c = ${Y.cols}: P_own ∈ [${fmt(pOwnLower, 10)}, ${fmt(pOwn, 10)}], by the certificate's column generation over the network's ` +
    `${own.patterns} own activation cones with the restricted oracle.)`;
  return { pOwn, trainingGap, landscapeGap: pOwn - Lo, landscapeGapInterval: interval, kind, text: texts[kind] + how, missingNeuron: missing };
}
