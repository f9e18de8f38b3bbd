/**
 * The part of MATH.md §7 every loss shares: given bounds on P_own (however they were computed) and the
 * certificate's bounds on P*, split P_bal − P* into the training gap (P_bal − P_own: train longer) and
 * the landscape gap (P_own − P*: spurious stationary point), decide the kind, and say it in words; and
 * the missing neuron — the oracle's argmax at the dual direction, when M > β.
 * Soundness of the interval: landscape gap ∈ [P_own_lower − U, P_own − L] with L ≤ P* ≤ U; a missing
 * lower bound on P_own is −∞ (say nothing), never the upper value.
 */
import type { Mat } from '../linalg/mat';
import { buildXt, featureDim } from '../problem/features';
import type { CertifyModes, NetworkWeights } from '../problem/network';
import type { LossName } from '../problem/loss';
import type { CertificateResult, CertifySettings } from '../certify/types';
import type { OracleFn, OracleResult } from '../oracle/types';
import { fmt, pct } from '../format/numbers';
import type { DiagnosisJson } from '../report/analysisJson';
import { isCancellation } from '../errors';

/** What a classification diagnosis reads (./diagnosisLoss.ts, ./diagnosisCrossEntropy.ts, ./ownInterval.ts). */
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

/** A certified network: P* ≤ P_own ≤ P_bal within the tolerance, so P_own is not computed. */
export function certifiedDiagnosis(cert: CertificateResult): DiagnosisJson {
  const gap = Math.max(0, cert.primal - cert.dualBound);
  return {
    pOwn: cert.primal,
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

export interface MissingNeuronInput {
  X: Mat;
  beta: number;
  modes: CertifyModes;
  settings: CertifySettings;
  oracle: OracleFn;
}

/** The most violated neuron at the dual direction L (residual, or −∇ℓ(F) in the conjugate's domain), when M(L) > β. */
export function missingNeuronAt(inp: MissingNeuronInput, L: Mat | null): DiagnosisJson['missingNeuron'] {
  const { X, beta, modes, settings } = inp;
  if (!L) return null;
  let or: OracleResult;
  try {
    or = inp.oracle(buildXt(X, modes.hiddenBias), L, {
      hiddenBias: modes.hiddenBias,
      patternBudget: settings.patternBudget,
      seed: settings.seed,
      shouldStop: settings.shouldStop,
    });
  } catch (e) {
    if (isCancellation(e, settings.shouldStop)) throw e;
    return null;
  }
  if (!(or.lower > beta)) return null;
  const d = X.cols;
  const dir = or.argmax;
  const u = Array.from(dir.subarray(0, d));
  const b = modes.hiddenBias === 'none' ? null : modes.hiddenBias === 'free' ? or.argmaxBias : dir.length === featureDim(d, modes.hiddenBias) ? dir[d] : 0;
  let active = 0;
  for (let i = 0; i < X.rows; i++) {
    let z = b ?? 0;
    for (let k = 0; k < d; k++) z += X.data[i * d + k] * u[k];
    if (z > 0) active++;
  }
  return {
    u,
    b,
    sign: L.cols === 1 ? (or.outputDir[0] ?? 1) : 1,
    outputDir: Array.from(or.outputDir),
    activeCount: active,
    violation: or.lower / beta - 1,
  };
}

export interface SplitInput {
  cert: CertificateResult;
  /** best known upper bound on P* besides the certificate's (the optimum's value), Infinity when none */
  pstarUpper: number;
  /** bounds on P_own: the upper one is a concrete network's objective, the lower one a sound dual bound (NaN/±∞ when unknown) */
  pOwnUpper: number;
  pOwnLower: number;
  missing: DiagnosisJson['missingNeuron'];
  /** the classification loss, named in the text (null for squared loss) */
  loss: string | null;
  /** how P_own was obtained, appended to the text; gets the reported bounds */
  note: (pOwnLower: number, pOwn: number) => string;
}

export function splitDiagnosis(a: SplitInput): DiagnosisJson {
  const { cert, missing } = a;
  const Pbal = cert.primal;
  const pOwn = Math.min(Number.isFinite(a.pOwnUpper) ? a.pOwnUpper : Infinity, Pbal);
  const pOwnLower = Math.min(Number.isFinite(a.pOwnLower) ? a.pOwnLower : -Infinity, pOwn);
  const L = cert.dualBound;
  const U = Math.min(cert.pstarInterval[1], a.pstarUpper, Pbal);
  const trainingGap = Pbal - pOwn;
  const interval: [number, number] = [Math.max(0, pOwnLower - U), Math.max(0, pOwn - L)];
  const tau = cert.tol * Pbal;
  const trainLonger = trainingGap > tau;
  const spurious = interval[0] > tau;
  const kind = trainLonger && spurious ? 'both' : trainLonger ? 'train-longer' : spurious ? 'spurious-stationary-point' : 'inconclusive';
  const rel = (x: number) => pct(Pbal > 0 ? x / Pbal : 0);
  const iv = `[${fmt(interval[0])}, ${fmt(interval[1])}]`;
  const withLoss = a.loss ? ` with the ${a.loss} loss` : '';
  const neuronText = missing
    ? ` The neuron the oracle finds missing${a.loss ? ' at −∇ℓ' : ''}: u = [${missing.u.map((v) => fmt(v, 3)).join(', ')}]${missing.b !== null ? `, b = ${fmt(missing.b, 3)}` : ''}, ` +
      (missing.outputDir.length > 1
        ? `output direction [${missing.outputDir.map((v) => fmt(v, 3)).join(', ')}]`
        : `output sign ${missing.sign >= 0 ? '+' : '−'}`) +
      `, active on ${missing.activeCount} samples (M/β − 1 = ${fmt(missing.violation, 3)}).`
    : '';
  // a neuron is named only when the oracle's lower bound singles one out (M > β proven)
  const missingWords = missing
    ? 'the neuron below is missing'
    : "a neuron outside the network's activation cones is missing (the oracle did not single one out)";
  const texts: Record<string, string> = {
    'train-longer':
      `Train longer: the network is not yet optimal${withLoss} even among networks with its own activation patterns: P_bal − P_own = ${fmt(trainingGap)} (${rel(trainingGap)} of P_bal). ` +
      `More epochs, a smaller learning rate or an L-BFGS polish can close this part` +
      (interval[1] > tau ? `; a further gap P_own − P* ∈ ${iv} may remain.` : '.'),
    'spurious-stationary-point':
      `Spurious stationary point: the network is optimal${withLoss} for its own activation patterns (P_own = ${fmt(pOwn)}), but P* ≤ ${fmt(U)}: ` +
      `P_own − P* ∈ ${iv} (${rel(interval[0])} of P_bal at least). Training longer will not help; ${missingWords} — add it or restart toward it.` +
      neuronText,
    both:
      `Both: training is unfinished (P_bal − P_own = ${fmt(trainingGap)}, ${rel(trainingGap)}) and the network's activation patterns cannot reach P* ` +
      `(P_own − P* ∈ ${iv}): ${missingWords}.` +
      neuronText,
    inconclusive: `Inconclusive: P_bal − P_own = ${fmt(trainingGap)} and P_own − P* ∈ ${iv}; neither part is proven larger than the tolerance ${fmt(tau)}.`,
  };
  return {
    pOwn,
    trainingGap,
    landscapeGap: pOwn - L,
    landscapeGapInterval: interval,
    kind,
    text: texts[kind] + a.note(pOwnLower, pOwn),
    missingNeuron: missing,
  };
}
