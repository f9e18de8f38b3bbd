/**
 * The verdict (MATH.md §3) and the CertificateResult for a classification loss: certified only
 * from a dual bound built on an oracle UPPER bound; not-optimal only from a witness whose
 * objective was recomputed from its weights; a dual bound above a network's objective is an
 * internal inconsistency and blocks every verdict.
 */
import type { OracleResult } from '../oracle/types';
import type { WitnessRecord } from '../certify/dualSearch';
import { decideVerdict, fmt, type RebalanceInfo } from '../certify/verdict';
import type { CertifyModes } from '../problem/network';
import type { NeuronInfo } from '../problem/objective';
import type { BetaInfo, CertificateResult } from '../certify/types';
import type { LossName } from '../problem/loss';

export interface DualRecord {
  value: number;
  point: 'residual' | 'column-generation' | 'closed-form';
  oracle: OracleResult;
  s: number;
}

export type { WitnessRecord };

export interface ResultInput {
  loss: LossName;
  /** the loss in words, parameters included (Loss.words) */
  lossWords: string;
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
  rebalanced: RebalanceInfo;
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
  const { Pbal, best, tol } = r;
  const v = decideVerdict({
    primalAsGiven: r.primalAsTrained,
    rebalanced: r.rebalanced,
    dualBound: best.value,
    dualPoint: best.point,
    oracle: best.oracle,
    tol,
    witness: r.witness,
    bestPrimal: r.bestPrimal,
    what: `${r.lossWords}, β = ${fmt(r.beta)}`,
  });
  if (v.inconsistency) r.warnings.push(v.inconsistency);
  const { verdict, gap, relGap, pstarInterval, summary } = v;
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
    gapBalanced: v.gapBalanced,
    relGapBalanced: v.relGapBalanced,
    rebalanced: r.rebalanced,
    pstarInterval,
    tol,
    dualPoint: best.point,
    oracle: { ...best.oracle, notes: [...best.oracle.notes, ...cgNote] },
    closedForm: null,
    witness: v.witness ? { ...v.witness.net, objective: v.witness.objective, description: v.witness.description, kind: v.witness.kind } : null,
    neurons: r.infos.map((s) => ({ index: s.index, inNorm: s.inNorm, outNorm: s.outNorm, active: s.active, dead: s.dead, dualScore: s.dualScore })),
    tolerances: r.tolerances,
    warnings: r.warnings,
    timings: r.timings,
    closedFormInfo: null,
    columnGeneration: r.columnGeneration,
  };
}
