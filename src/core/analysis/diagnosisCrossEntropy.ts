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
import { ownPatterns } from '../convex/patterns';
import { certifyClassificationWith } from '../losses/certify';
import { fmt } from '../report/numbers';
import { certifiedDiagnosis, splitDiagnosis } from './diagnosisCore';
import { DIAGNOSIS_TIME_BUDGET_MS } from './diagnosis';
import { missingNeuronLoss, type LossDiagnosisInput } from './diagnosisLoss';
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

export function diagnoseCrossEntropy(inp: LossDiagnosisInput): DiagnosisJson | null {
  const { Y, modes, cert } = inp;
  if (inp.loss !== 'cross-entropy' || Y.cols < 2 || modes.hiddenBias === 'free') return null;
  if (Y.cols > 3) throw new Error(`P_own is not implemented for c = ${Y.cols} > 3 outputs (the output-sphere branch and bound covers c = 2, 3)`);
  if (cert.verdict === 'certified') return certifiedDiagnosis(cert);
  const own = ownIntervalCrossEntropy(inp, cert.dualBound); // P_own ≥ P* ≥ the certificate's dual bound
  return splitDiagnosis({
    cert,
    pstarUpper: inp.pstarUpper,
    pOwnUpper: own.hi,
    pOwnLower: own.lo,
    missing: missingNeuronLoss(inp, 'cross-entropy'),
    loss: 'cross-entropy',
    note: (lo, hi) =>
      ` (Cross-entropy, c = ${Y.cols}: P_own ∈ [${fmt(lo, 10)}, ${fmt(hi, 10)}], by the certificate's column generation over the network's ` +
      `${own.patterns} own activation cones with the restricted oracle.)`,
  });
}
