/**
 * Why training stopped where it did (MATH.md §7, [WLP]). A stationary network is optimal for the
 * convex program restricted to its own (pattern, sign v) blocks, value P_own, so
 *   P_bal − P* = (P_bal − P_own)  [optimization not finished: train longer]
 *              + (P_own − P*)     [spurious stationary point: a neuron is missing].
 * P_own comes from src/core/convex (solveConvexProgramAsync over ownPatterns); its value is the
 * objective of a recovered network, recomputed from its weights, so min(P_own, P_bal) is an upper
 * bound on the restricted optimum and the program's lowerBound a lower bound. P* is known to the
 * interval [L, U] of the certificate and the optimum; the landscape gap is reported as an interval.
 * A certified network skips the program: pOwn is then reported as P_bal (an upper bound), the
 * training gap as 0 and the landscape gap as the certified gap (the text says so).
 */
import type { Mat } from '../linalg/mat';
import { networkObjective } from '../problem/objective';
import type { CertifyModes, NetworkWeights } from '../problem/network';
import { feasibleDirection } from '../certify/dual';
import type { CertificateResult, CertifySettings } from '../certify/types';
import type { OracleFn } from '../oracle/types';
import { fmt } from '../format/numbers';
import { certifiedDiagnosis, missingNeuronAt, splitDiagnosis } from './diagnosisCore';
import * as convex from '../convex';
import type { DiagnosisJson } from '../report/analysisJson';

/**
 * Work budget of the program over the network's own patterns (unconverged, P_own is reported as the
 * bounds it has): Newton-polish rounds in all (working set + FISTA's polishes) and FISTA iterations.
 * Counts, not a clock, so P_own is the same on every machine; the wall clock (settings.timeBudgetMs)
 * is only the outer safety stop. Sized on this 2-core machine against the 10 s cap it replaces:
 * n = 100, d = 3, 40 own patterns converges in 14 rounds (~6 s); n = 400, d = 5, 200 own patterns
 * takes ~8 s a round (76 rounds to converge), so a large program runs longer than before but stops
 * at the same place everywhere.
 */
export const DIAGNOSIS_POLISH_ROUNDS = 16;
export const DIAGNOSIS_MAX_ITERATIONS = 200;

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
  const R = networkObjective(inp.net, inp.X, inp.Y, inp.beta, inp.modes).R;
  return missingNeuronAt(inp, feasibleDirection(R, inp.modes));
}

export async function diagnose(inp: DiagnosisInput): Promise<DiagnosisJson | null> {
  const { net, X, Y, beta, modes, cert, settings } = inp;
  if (Y.cols !== 1) return null;
  if (cert.verdict === 'certified') return certifiedDiagnosis(cert);
  const own = convex.ownPatterns(net, X, modes);
  settings.onStage?.('patterns', `${own.length} of ${own.length} (the network's own)`);
  const prog = await convex.solveConvexProgramAsync(X, Y, own, beta, modes, {
    shouldStop: settings.shouldStop,
    maxPolishRounds: DIAGNOSIS_POLISH_ROUNDS,
    maxIterations: DIAGNOSIS_MAX_ITERATIONS,
    timeBudgetMs: settings.timeBudgetMs,
  });
  return splitDiagnosis({
    cert,
    pstarUpper: inp.pstarUpper,
    pOwnUpper: networkObjective(prog.network, X, Y, beta, modes).objective, // from the recovered weights
    pOwnLower: prog.lowerBound,
    missing: missingNeuron(inp),
    loss: null,
    note: (lo, hi) =>
      prog.converged
        ? ''
        : ` (P_own is known only to [${fmt(lo)}, ${fmt(hi)}]: the program over the network's own patterns ` +
          (prog.stopReason === convex.SAFETY_STOP_REASON
            ? `was stopped by the ${prog.stopReason}.)`
            : `did not converge within its work budget (${DIAGNOSIS_POLISH_ROUNDS} polish rounds, ${DIAGNOSIS_MAX_ITERATIONS} iterations).)`),
  });
}
