/**
 * The verdict (MATH.md §3) and the CertificateResult for a classification loss: certified only
 * from a dual bound built on an oracle UPPER bound; not-optimal only from a witness whose
 * objective was recomputed from its weights; a dual bound above a network's objective is an
 * internal inconsistency and blocks every verdict.
 */
import type { OracleResult } from '../oracle/types';
import { fmt, pct } from '../certify/certify';
import type { CertifyModes, NeuronInfo } from '../certify/objective';
import type { BetaInfo, CertificateResult, NetworkWeights } from '../certify/types';
import type { LossName } from '../analysis/types';

export interface DualRecord {
  value: number;
  point: 'residual' | 'column-generation' | 'closed-form';
  oracle: OracleResult;
  s: number;
}

export interface WitnessRecord {
  net: NetworkWeights;
  objective: number;
  description: string;
}

const LOSS_WORDS: Record<LossName, string> = {
  squared: 'squared loss',
  hinge: 'hinge loss',
  logistic: 'logistic loss',
  'cross-entropy': 'softmax cross-entropy',
};

export interface ResultInput {
  loss: LossName;
  beta: number;
  betaInfo: BetaInfo;
  impliedBeta: number | null;
  impliedBetaMismatch: boolean;
  modes: CertifyModes;
  n: number;
  d: number;
  c: number;
  m: number;
  primalAsTrained: number;
  Pbal: number;
  best: DualRecord;
  bestPrimal: number;
  witness: WitnessRecord | null;
  tol: number;
  infos: NeuronInfo[];
  tolerances: CertificateResult['tolerances'];
  warnings: string[];
  timings: Record<string, number>;
  columnGeneration: CertificateResult['columnGeneration'];
}

export function buildResult(r: ResultInput): CertificateResult & { loss: LossName } {
  const { Pbal, best, tol, witness: w } = r;
  const gap = Pbal - best.value;
  const relGap = Pbal > 0 ? gap / Pbal : gap <= 0 ? 0 : Infinity;
  const certified = gap <= tol * Pbal;
  const better = w !== null && w.objective < Pbal * (1 - tol);
  const consistent = !(best.value > r.bestPrimal * (1 + 1e-9) + 1e-300);
  if (!consistent)
    r.warnings.push(
      `Internal inconsistency: dual bound ${fmt(best.value)} exceeds a network's objective ${fmt(r.bestPrimal)}; an oracle upper bound is not sound. No verdict is claimed.`,
    );
  const verdict: CertificateResult['verdict'] = consistent && certified ? 'certified' : consistent && better ? 'not-optimal' : 'inconclusive';
  const pstarInterval: [number, number] = [best.value, Math.min(Pbal, r.bestPrimal)];
  const what = `${LOSS_WORDS[r.loss]}, β = ${fmt(r.beta)}`;
  let summary: string;
  if (verdict === 'certified')
    summary =
      gap <= 0
        ? `The network is a globally optimal two-layer ReLU network of any width for this data (${what}), to rounding: objective ${fmt(Pbal)} ≤ P* bound ${fmt(best.value)}.`
        : `The network is within ${pct(relGap)} of the best two-layer ReLU network of any width for this data (${what}): objective ${fmt(Pbal)}, P* ≥ ${fmt(best.value)} (dual point: ${best.point}).`;
  else if (verdict === 'not-optimal')
    summary = `A better network exists (${what}): objective ${fmt(w!.objective)} < ${fmt(Pbal)} (this network, rebalanced), ${pct((Pbal - w!.objective) / Pbal)} lower; P* ∈ [${fmt(pstarInterval[0])}, ${fmt(pstarInterval[1])}].`;
  else
    summary =
      `Could not decide (${what}): P* ∈ [${fmt(pstarInterval[0])}, ${fmt(pstarInterval[1])}] and this network's objective is ${fmt(Pbal)}; ` +
      `the proven gap ${pct(relGap)} exceeds the tolerance ${pct(tol)} and no network better by more than the tolerance was found ` +
      `(oracle: ${best.oracle.method}${best.oracle.exact ? ', exact' : ', bounds only'}).`;
  const cgNote = r.columnGeneration ? [`column generation: ${r.columnGeneration.iterations} iteration(s); stop: ${r.columnGeneration.stopReason}`] : [];
  return {
    loss: r.loss,
    verdict,
    summary,
    beta: r.beta,
    betaInfo: r.betaInfo,
    impliedBeta: r.impliedBeta,
    impliedBetaMismatch: r.impliedBetaMismatch,
    hiddenBias: r.modes.hiddenBias,
    outputBias: r.modes.outputBias,
    n: r.n,
    d: r.d,
    c: r.c,
    m: r.m,
    primalAsTrained: r.primalAsTrained,
    primal: Pbal,
    dualBound: best.value,
    gap,
    relGap,
    pstarInterval,
    tol,
    dualPoint: best.point,
    oracle: { ...best.oracle, notes: [...best.oracle.notes, ...cgNote] },
    closedForm: null,
    witness: verdict === 'not-optimal' && w ? { ...w.net, objective: w.objective, description: w.description } : null,
    neurons: r.infos.map((s) => ({ index: s.index, inNorm: s.inNorm, outNorm: s.outNorm, active: s.active, dead: s.dead, dualScore: s.dualScore })),
    tolerances: r.tolerances,
    warnings: r.warnings,
    timings: r.timings,
    closedFormInfo: null,
    columnGeneration: r.columnGeneration,
  };
}
