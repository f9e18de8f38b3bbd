/**
 * P_own (MATH.md §7) computed with WORK budgets only, so a test gets the same numbers on every
 * machine. ownOptimumByWork: by column generation over the network's own cones,
 * the machinery of ownOptimum (src/core/analysis/diagnosisVector.ts) — searchOptimum seeded with the
 * network's own directions, oracle restricted to the own cones — without its wall-clock budgets
 * (the diagnosis cap, the per-call budget of the c > 3 oracle). maxIterations caps the column
 * generation, maxEvals each c > 3 branch and bound.
 */
import type { Mat } from '../../src/core/linalg/mat';
import type { CertifyModes, NetworkWeights } from '../../src/core/problem/network';
import type { CertifySettings } from '../../src/core/certify/types';
import { ownPatterns } from '../../src/core/convex/patterns';
import { makeOwnOracle } from '../../src/core/oracle/ownOracle';
import { ownDirections, DIAGNOSIS_VECTOR_REL_TOL } from '../../src/core/analysis/diagnosisVector';
import { searchOptimum, type OptimumSearchResult } from '../../src/core/certify/optimum';
import { OWN_INTERVAL_REL_TOL } from '../../src/core/analysis/ownInterval';
import { certifyClassificationWith, type ClassLoss } from '../../src/core/losses';

/** ownOptimum's P_own bracket [lowerBound, value] with work budgets (see above). */
export function ownOptimumByWork(
  inp: { net: NetworkWeights; X: Mat; Y: Mat; beta: number; modes: CertifyModes },
  work: { maxIterations: number; maxEvals?: number; knownLowerBound?: number },
): OptimumSearchResult & { patterns: number } {
  const { net, X, Y, beta, modes } = inp;
  const own = ownPatterns(net, X, modes);
  const res = searchOptimum(X, Y, {
    beta,
    modes,
    oracle: makeOwnOracle(own, { maxEvals: work.maxEvals }),
    seedDirs: ownDirections(net, X.cols, modes),
    patternBudget: 1_000_000,
    seed: 1,
    maxIterations: work.maxIterations,
    relTol: DIAGNOSIS_VECTOR_REL_TOL,
    knownLowerBound: work.knownLowerBound,
  });
  return { ...res, patterns: own.length };
}

/**
 * [lo, hi] ∋ P_own for a classification loss with WORK budgets only: the machinery of
 * ownIntervalClassification (src/core/analysis/ownInterval.ts) — the classification certificate run
 * with the oracle restricted to the own cones — without the diagnosis's wall-clock cap.
 */
export function ownIntervalByWork(
  inp: { net: NetworkWeights; X: Mat; Y: Mat; modes: CertifyModes; settings: CertifySettings },
  loss: ClassLoss,
  work: { maxIterations: number; maxEvals?: number; relTol?: number; knownLowerBound?: number },
): { lo: number; hi: number; patterns: number; stopReason: string } {
  const { net, X, Y, modes, settings } = inp;
  const own = ownPatterns(net, X, modes);
  const r = certifyClassificationWith(
    net,
    X,
    Y,
    loss,
    {
      ...settings,
      hiddenBias: modes.hiddenBias,
      outputBias: modes.outputBias,
      tol: work.relTol ?? OWN_INTERVAL_REL_TOL,
      maxIterations: work.maxIterations,
      refineAfterWitness: Infinity,
      timeBudgetMs: undefined,
    },
    makeOwnOracle(own, { maxEvals: work.maxEvals }),
  );
  const hi = Math.min(r.pstarInterval[1], r.primal);
  const lo = Math.min(Math.max(r.pstarInterval[0], work.knownLowerBound ?? -Infinity), hi);
  return { lo, hi, patterns: own.length, stopReason: r.columnGeneration?.stopReason ?? '' };
}
