/**
 * [lo, hi] ∋ P_own for the classification losses (MATH.md §7 with §8) when no convex program over the
 * own patterns is used (cross-entropy; hinge and logistic with a free hidden bias): the classification
 * certificate's column generation (losses/certify.ts certifyClassificationWith) run with the oracle
 * restricted to the network's own cones (ownOracle.ts). Soundness of the bracket:
 *  - hi = the restricted certificate's P* upper end: min(P_bal, witness objectives recomputed from
 *    weights); the trained network and every restricted-oracle column lie in the own cones, so each
 *    is an upper bound on P_own;
 *  - lo = max(restricted dual bound, knownLowerBound): the restricted bound uses the restricted
 *    oracle's sound UPPER value (weak duality with Q = ∪K_j), and P_own ≥ P* ≥ any sound bound on P*
 *    (the full certificate's dual bound).
 * With a free hidden bias both the certificate and the restricted oracle treat constants as free
 * (Λᵀ1 = 0), as the convex program over patterns does (convex/problem.ts).
 */
import { ownPatterns } from '../convex/patterns';
import { certifyClassificationWith } from '../losses/certify';
import type { ClassLoss } from '../losses/conjugates';
import { DIAGNOSIS_TIME_BUDGET_MS } from './diagnosis';
import type { LossDiagnosisInput } from './diagnosisLoss';
import { makeOwnOracle } from './ownOracle';

/** Relative tolerance of the restricted (own-cone) certificate: it runs until P_own is known to this. */
export const OWN_INTERVAL_REL_TOL = 1e-9;
/** Iteration cap of the restricted column generation (the time budget usually binds first). */
export const OWN_INTERVAL_MAX_ITERATIONS = 200;
/** Share of the P_own budget one c > 3 restricted-oracle call may use (a few column-generation rounds fit); vector outputs too. */
export const OWN_INTERVAL_WIDE_CALL_SHARE = 0.125;

export interface OwnInterval {
  lo: number;
  hi: number;
  patterns: number;
  summary: string;
  /** the restricted certificate's column generation ended before its tolerance */
  stopReason: string;
}

export function ownIntervalClassification(
  inp: Pick<LossDiagnosisInput, 'net' | 'X' | 'Y' | 'modes' | 'settings'>,
  loss: ClassLoss,
  knownLowerBound = -Infinity,
  opts: { relTol?: number; maxIterations?: number } = {},
): OwnInterval {
  const { net, X, Y, modes, settings } = inp;
  const own = ownPatterns(net, X, modes);
  settings.onStage?.('patterns', `${own.length} of ${own.length} (the network's own)`);
  const budget = Math.min(settings.timeBudgetMs ?? Infinity, DIAGNOSIS_TIME_BUDGET_MS);
  const t0 = performance.now();
  const r = certifyClassificationWith(
    net,
    X,
    Y,
    loss,
    {
      ...settings,
      hiddenBias: modes.hiddenBias,
      outputBias: modes.outputBias,
      tol: opts.relTol ?? OWN_INTERVAL_REL_TOL,
      maxIterations: opts.maxIterations ?? OWN_INTERVAL_MAX_ITERATIONS,
      refineAfterWitness: Infinity,
      timeBudgetMs: budget,
    },
    makeOwnOracle(own, { deadline: t0 + budget, callBudgetMs: Math.max(250, budget * OWN_INTERVAL_WIDE_CALL_SHARE) }),
  );
  if (settings.shouldStop?.()) throw new Error('analysis cancelled');
  const hi = Math.min(r.pstarInterval[1], r.primal);
  const lo = Math.min(Math.max(r.pstarInterval[0], knownLowerBound), hi);
  return { lo, hi, patterns: own.length, summary: r.summary, stopReason: r.columnGeneration?.stopReason ?? '' };
}
