/**
 * MATH.md §7 for softmax cross-entropy (c ≥ 2, any hidden-bias mode). No convex program over the own
 * patterns exists for this loss, so P_own — the optimum over networks (any width) whose neurons lie in
 * the network's own cones K_j = {ũ : (2D_j − I)X̃ũ ≥ 0} — is bracketed by the classification
 * certificate's column generation run with the oracle restricted to those cones (ownInterval.ts, which
 * states the soundness of the bracket). A free hidden bias and c > 3 are handled by the restricted
 * oracle (ownCone.ts, ownSphere.ts); for c > 3 its bounds are not exact, so the bracket is usually
 * wider than the tolerance and is reported as such.
 * pOwn = hi; the gaps follow diagnosisVector.ts.
 */
import { fmt } from '../format/numbers';
import { certifiedDiagnosis, splitDiagnosis } from './diagnosisCore';
import type { LossDiagnosisInput } from './diagnosisCore';
import { missingNeuronLoss } from './diagnosisLoss';
import type { DiagnosisJson } from '../report/analysisJson';
import { ownIntervalClassification, OWN_INTERVAL_MAX_ITERATIONS, OWN_INTERVAL_REL_TOL, type OwnInterval } from './ownInterval';

/** Relative tolerance of the restricted (own-cone) certificate: it runs until P_own is known to this. */
export const DIAGNOSIS_CE_REL_TOL = OWN_INTERVAL_REL_TOL;
/**
 * …or, in the diagnosis, to this share of the verdict's tolerance when that is looser: splitDiagnosis
 * compares P_bal − P_own and P_own − P* with tol·P_bal only, so a bracket of width share·tol·P_own moves
 * a conclusion only within that share of its threshold. Each further restricted round is a full
 * output-sphere branch and bound over every own cone (certify of an iris-like optimum, c = 3, 205 own
 * cones: ~65 CPU s to 1e-9, 23 s to 1e-5, the same conclusion).
 */
export const DIAGNOSIS_CE_TOL_SHARE = 0.1;
/**
 * Iteration cap (work budget) of the restricted column generation; c ≥ 2 always, so the size-scaled
 * cap of ownInterval.ts (wideIterationCap, OWN_INTERVAL_WIDE_WORK) applies below this.
 */
export const DIAGNOSIS_CE_MAX_ITERATIONS = OWN_INTERVAL_MAX_ITERATIONS;

export type { OwnInterval };

/** [lo, hi] ∋ P_own for cross-entropy (Y one-hot n×c). */
export function ownIntervalCrossEntropy(
  inp: Pick<LossDiagnosisInput, 'net' | 'X' | 'Y' | 'modes' | 'settings'>,
  knownLowerBound = -Infinity,
  relTol = DIAGNOSIS_CE_REL_TOL,
): OwnInterval {
  return ownIntervalClassification(inp, 'cross-entropy', knownLowerBound, { relTol, maxIterations: DIAGNOSIS_CE_MAX_ITERATIONS });
}

export function diagnoseCrossEntropy(inp: LossDiagnosisInput): DiagnosisJson | null {
  const { Y, cert } = inp;
  if (inp.loss !== 'cross-entropy' || Y.cols < 2) return null;
  if (cert.verdict === 'certified') return certifiedDiagnosis(cert);
  // P_own ≥ P* ≥ the certificate's dual bound
  const own = ownIntervalCrossEntropy(inp, cert.dualBound, Math.max(DIAGNOSIS_CE_REL_TOL, DIAGNOSIS_CE_TOL_SHARE * cert.tol));
  return splitDiagnosis({
    cert,
    pstarUpper: inp.pstarUpper,
    pOwnUpper: own.hi,
    pOwnLower: own.lo,
    missing: missingNeuronLoss(inp, 'cross-entropy'),
    loss: 'cross-entropy',
    note: (lo, hi) =>
      ` (Cross-entropy, c = ${Y.cols}: P_own ∈ [${fmt(lo, 10)}, ${fmt(hi, 10)}], by the certificate's column generation over the network's ` +
      `${own.patterns} own activation cones with the restricted oracle` +
      (Y.cols > 3 ? '; c > 3: the restricted oracle gives sound bounds only, so P_own is an interval' : '') +
      '.)',
  });
}
