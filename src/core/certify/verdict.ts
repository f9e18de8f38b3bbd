/**
 * The verdict rules of MATH.md §3, in one place for every loss and for the analysis's refinement.
 *
 * The verdict is about the weights AS GIVEN: P(θ) (unbalanced, dead neurons included).
 *  - certified   iff P(θ) − D ≤ tol·P(θ), D a sound dual bound;
 *  - not-optimal iff a concrete network, its objective recomputed from its weights, is below
 *    P(θ)(1 − tol). When that network is the given one rebalanced (‖ũ_j‖ = ‖v_j‖) with its dead
 *    neurons dropped, the kind is 'rebalance/prune': same predictions, lower objective;
 *  - inconclusive otherwise, with P* ∈ [D, best network].
 * A dual bound above a network's objective means an oracle bound was not sound: no verdict.
 */
import type { Verdict, WitnessKind } from './types';
import type { NetworkWeights } from '../problem/network';
import { pct, fmtInterval } from '../format/numbers';

/** The certificate's own number style (summaries); every loss's certificate shares it. */
export function fmt(x: number, p = 6): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e-3 && a < 1e7) return String(Number(x.toPrecision(p)));
  return x.toExponential(p - 1);
}

/** Percentages: the one formatter of the CLI, the reports and the panel (gaps and tolerances in one unit). */
export { pct };

/** A dual bound above a network's objective by more than this (relative) is an internal inconsistency. */
export const INCONSISTENCY_REL_TOL = 1e-9;
/** A neuron counts as rescaled by rebalancing when |‖ũ_j‖ − ‖v_j‖| > this·max(‖ũ_j‖, ‖v_j‖). */
export const REBALANCE_REL_TOL = 1e-6;

export interface CandidateNetwork {
  net: NetworkWeights;
  /** recomputed from the weights (forward pass), never taken from a solver's bookkeeping */
  objective: number;
  description: string;
}

/** The given network rebalanced and pruned: same predictions, objective P_bal ≤ P(θ). */
export interface RebalanceInfo {
  net: NetworkWeights;
  /** recomputed from its weights */
  objective: number;
  /** live neurons whose norms rebalancing changes */
  rescaled: number;
  /** dead neurons dropped */
  dropped: number;
}

export interface VerdictFacts {
  /** P(θ), the weights as given */
  primalAsGiven: number;
  rebalanced: RebalanceInfo;
  dualBound: number;
  dualPoint: string;
  oracle: { method: string; exact: boolean };
  tol: number;
  /** the best other network found (column generation, closed form, the optimum search) */
  witness: CandidateNetwork | null;
  /** the lowest objective of any network evaluated (the consistency check) */
  bestPrimal: number;
  /** e.g. "β = 0.075" or "hinge loss, β = 0.1" */
  what: string;
}

export interface VerdictOutcome {
  verdict: Verdict;
  /** P(θ) − D and its ratio to P(θ): what the verdict is about */
  gap: number;
  relGap: number;
  /** P_bal − D and its ratio: whether the function the network computes is optimal */
  gapBalanced: number;
  relGapBalanced: number;
  pstarInterval: [number, number];
  witness: (CandidateNetwork & { kind: WitnessKind }) | null;
  summary: string;
  /** set when a dual bound exceeds a network's objective */
  inconsistency: string | null;
}

function rel(gap: number, P: number): number {
  return P > 0 ? gap / P : gap <= 0 ? 0 : Infinity;
}

function rebalanceWords(r: RebalanceInfo): string {
  const parts: string[] = [];
  if (r.rescaled) parts.push(`rescaling ${r.rescaled} neuron${r.rescaled === 1 ? '' : 's'} so that ‖ũ_j‖ = ‖v_j‖`);
  if (r.dropped) parts.push(`dropping ${r.dropped} dead neuron${r.dropped === 1 ? '' : 's'}`);
  return parts.length ? parts.join(' and ') : 'rebalancing';
}

export function decideVerdict(f: VerdictFacts): VerdictOutcome {
  const P = f.primalAsGiven,
    tol = f.tol,
    D = f.dualBound;
  const Pbal = f.rebalanced.objective;
  const gap = P - D,
    gapBalanced = Pbal - D;
  const relGap = rel(gap, P),
    relGapBalanced = rel(gapBalanced, Pbal);
  const bestPrimal = Math.min(f.bestPrimal, Pbal, P);
  const consistent = !(D > bestPrimal * (1 + INCONSISTENCY_REL_TOL) + 1e-300);
  const inconsistency = consistent
    ? null
    : `Internal inconsistency: dual bound ${fmt(D)} exceeds a network's objective ${fmt(bestPrimal)}; an oracle upper bound is not sound. No verdict is claimed.`;
  const pstarInterval: [number, number] = [D, bestPrimal];

  // The function is proven optimal and rebalancing alone closes the gap: say so, with that network.
  const functionOptimal = gapBalanced <= tol * Pbal;
  let witness: VerdictOutcome['witness'] = null;
  const rb = {
    net: f.rebalanced.net,
    objective: Pbal,
    description: `this network, ${rebalanceWords(f.rebalanced)} (same predictions)`,
    kind: 'rebalance/prune' as const,
  };
  if (functionOptimal && Pbal < P * (1 - tol)) witness = rb;
  else {
    const other = f.witness && f.witness.objective < Pbal ? { ...f.witness, kind: 'better-network' as const } : null;
    const cand = other ?? (Pbal < P ? rb : null);
    if (cand && cand.objective < P * (1 - tol)) witness = cand;
  }

  let verdict: Verdict;
  if (consistent && gap <= tol * P) verdict = 'certified';
  else if (consistent && witness) verdict = 'not-optimal';
  else verdict = 'inconclusive';
  if (verdict !== 'not-optimal') witness = null;

  let summary: string;
  if (verdict === 'certified') {
    summary =
      gap <= 0
        ? `The network is a globally optimal two-layer ReLU network of any width for this data (${f.what}), to rounding: objective ${fmt(P)} ≤ P* bound ${fmt(D)}.`
        : `The network is within ${pct(relGap)} of the best two-layer ReLU network of any width for this data (${f.what}): ` +
          `objective ${fmt(P)}, P* ≥ ${fmt(D)} (dual point: ${f.dualPoint}).`;
  } else if (verdict === 'not-optimal' && witness!.kind === 'rebalance/prune') {
    const lower = `lowers the objective from ${fmt(P)} to ${fmt(witness!.objective)} (${pct((P - witness!.objective) / P)}) with identical predictions`;
    summary = functionOptimal
      ? `Your network computes an optimal function (${f.what}), but its weights are not optimal: ${rebalanceWords(f.rebalanced)} ${lower}; ` +
        `P* ∈ ${fmtInterval(pstarInterval[0], pstarInterval[1])}.`
      : `Not optimal (${f.what}): ${rebalanceWords(f.rebalanced)} ${lower}; P* ∈ ${fmtInterval(pstarInterval[0], pstarInterval[1])}.`;
  } else if (verdict === 'not-optimal') {
    summary =
      `A better network exists (${f.what}): objective ${fmt(witness!.objective)} < ${fmt(P)} (this network as given), ` +
      `${pct((P - witness!.objective) / P)} lower; P* ∈ ${fmtInterval(pstarInterval[0], pstarInterval[1])}.`;
  } else {
    summary =
      `Could not decide (${f.what}): P* ∈ ${fmtInterval(pstarInterval[0], pstarInterval[1])} and this network's objective is ${fmt(P)}; ` +
      `the proven gap ${pct(relGap)} exceeds the tolerance ${pct(tol)} and no network better by more than the tolerance was found` +
      ` (oracle: ${f.oracle.method}${f.oracle.exact ? ', exact' : ', bounds only'}).`;
  }
  return { verdict, gap, relGap, gapBalanced, relGapBalanced, pstarInterval, witness, summary, inconsistency };
}

/** Live neurons whose norms rebalancing changes (beyond REBALANCE_REL_TOL), and dead ones. */
export function rebalanceCounts(infos: { inNorm: number; outNorm: number; dead: boolean }[]): { rescaled: number; dropped: number } {
  let rescaled = 0,
    dropped = 0;
  for (const s of infos) {
    if (s.dead) dropped++;
    else if (Math.abs(s.inNorm - s.outNorm) > REBALANCE_REL_TOL * Math.max(s.inNorm, s.outNorm)) rescaled++;
  }
  return { rescaled, dropped };
}

export const VERDICT_TOL_MEANING =
  'relative tolerance of the verdict, about the weights as given: certified iff P(θ) − dual bound ≤ tol·P(θ); ' +
  'not-optimal iff a network (possibly this one rebalanced and pruned) has objective < P(θ)(1 − tol)';

/** The rebalanced, pruned network with its objective recomputed from its weights by `objective`. */
export function rebalancedInfo(
  net: NetworkWeights,
  infos: { inNorm: number; outNorm: number; dead: boolean }[],
  objective: (w: NetworkWeights) => number,
): RebalanceInfo {
  return { net, objective: objective(net), ...rebalanceCounts(infos) };
}

export const REBALANCE_MEANING = 'a neuron counts as rescaled by rebalancing when |‖ũ_j‖ − ‖v_j‖| > rebalance·max(‖ũ_j‖, ‖v_j‖)';

const LOSS_WORDS: Record<string, string> = {
  squared: 'squared loss',
  hinge: 'hinge loss',
  logistic: 'logistic loss',
  'cross-entropy': 'softmax cross-entropy',
};

/** The loss in the words of a summary ('squared loss' when none is named). */
export function lossWords(loss: string | undefined): string {
  return LOSS_WORDS[loss ?? 'squared'] ?? `${loss} loss`;
}
