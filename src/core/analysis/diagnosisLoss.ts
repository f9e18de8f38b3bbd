/**
 * MATH.md §7 for the hinge and logistic losses, scalar output (c = 1): the same split as
 * ./diagnosis.ts,  P_bal − P* = (P_bal − P_own) + (P_own − P*),  with P_own the classification
 * program over the network's own merged patterns (src/core/convex/lossProgram.ts). P_own's value is
 * recomputed from the recovered network's weights (so min(P_own, P_bal) is an upper bound on the
 * restricted optimum) and its lowerBound is a sound restricted dual bound; P* is known to the
 * certificate's interval. lossProgram.ts has no free hidden bias, so then P_own is bracketed like
 * cross-entropy's (ownInterval.ts: the classification certificate's column generation with the
 * oracle restricted to the own cones). The missing neuron comes from the oracle at the dual direction
 * −∇ℓ(F) (moved inside the conjugate's domain, onto Λᵀ1 = 0 when the modes require it).
 * Returns null when not applicable (other losses, c ≠ 1).
 */
import { fmt } from '../format/numbers';
import { certifiedDiagnosis, missingNeuronAt, splitDiagnosis, type LossDiagnosisInput } from './diagnosisCore';
import { ownPatterns } from '../convex/patterns';
import { solveLossProgram } from '../convex/lossProgram';
import { dualDirection } from '../losses/dualPoint';
import { lossObjective } from '../losses/objective';
import type { DiagnosisJson } from '../report/analysisJson';
import { SAFETY_STOP_REASON } from '../problem/safetyStop';
import { ownIntervalClassification } from './ownInterval';

export type { LossDiagnosisInput } from './diagnosisCore';

/**
 * Iterations (work budget, lossProgram.ts's unit) of the hinge/logistic program over the own patterns;
 * the wall clock (settings.timeBudgetMs) is only the outer safety stop. Sized against the 10 s cap it
 * replaces, measured on this 2-core machine: n = 100, d = 2, 20 own patterns ran 1,280 (hinge) and
 * 1,941 (logistic) iterations in 10 s.
 */
export const DIAGNOSIS_LOSS_MAX_ITERATIONS = 1500;

/** The missing neuron at −∇ℓ(F), moved inside the conjugate's domain (shared with the cross-entropy diagnosis). */
export function missingNeuronLoss(inp: LossDiagnosisInput, loss: 'hinge' | 'logistic' | 'cross-entropy'): DiagnosisJson['missingNeuron'] {
  const F = lossObjective(inp.net, inp.X, inp.Y, inp.beta, inp.modes, loss).F;
  return missingNeuronAt(inp, dualDirection(F, inp.Y, loss, inp.modes));
}

export function diagnoseClassification(inp: LossDiagnosisInput): DiagnosisJson | null {
  const { net, X, Y, beta, modes, cert, settings } = inp;
  if ((inp.loss !== 'hinge' && inp.loss !== 'logistic') || Y.cols !== 1) return null;
  const loss = inp.loss;
  if (cert.verdict === 'certified') return certifiedDiagnosis(cert);
  if (modes.hiddenBias === 'free') {
    const iv = ownIntervalClassification(inp, loss, cert.dualBound); // P_own ≥ P* ≥ the certificate's dual bound
    return splitDiagnosis({
      cert,
      pstarUpper: inp.pstarUpper,
      pOwnUpper: iv.hi,
      pOwnLower: iv.lo,
      missing: missingNeuronLoss(inp, loss),
      loss,
      note: (lo, hi) =>
        ` (Free hidden bias: P_own ∈ [${fmt(lo, 10)}, ${fmt(hi, 10)}], by the certificate's column generation over the network's ` +
        `${iv.patterns} own activation cones with the restricted oracle.)`,
    });
  }
  const own = ownPatterns(net, X, modes);
  settings.onStage?.('patterns', `${own.length} of ${own.length} (the network's own)`);
  const prog = solveLossProgram(X, Y, own, beta, modes, loss, {
    shouldStop: settings.shouldStop,
    maxIterations: DIAGNOSIS_LOSS_MAX_ITERATIONS,
    timeBudgetMs: settings.timeBudgetMs,
  });
  return splitDiagnosis({
    cert,
    pstarUpper: inp.pstarUpper,
    pOwnUpper: prog.value, // recomputed from the recovered network's weights by solveLossProgram
    pOwnLower: prog.lowerBound,
    missing: missingNeuronLoss(inp, loss),
    loss,
    note: (lo, hi) =>
      prog.converged
        ? ''
        : ` (P_own is known only to [${fmt(lo)}, ${fmt(hi)}]: the program over the network's own patterns stopped (` +
          (prog.stopReason === 'time budget' ? SAFETY_STOP_REASON : prog.stopReason) +
          ') before its tolerance.)',
  });
}
