// The answer the panel leads with (issue #18 item 1): the verdict in one sentence, P(θ) as given,
// P*'s interval with enough digits to show its width, the gap in one unit (percent of P(θ)), and the
// one thing to do next. Pure functions of the engine's JSON, so tests can check them without a page.
import type { AnalysisJson } from '../src/core/report/analysisJson';
import type { PanelAction, PanelTab, VerdictBlock } from '../src/protocol/panel';

/**
 * What the first viewport reads: the verdict block, early (before the optimum search) or as part of
 * the final result, which adds the optimum and the diagnosis.
 */
export type Answer = VerdictBlock & Partial<Pick<AnalysisJson, 'optimum' | 'diagnosis'>>;
import { fmtIn, fmtInterval, intervalDigits } from '../src/core/format/numbers';
import { currentLocale, fmt, int, pct } from './format';
import { settleStepsText } from '../src/core/report/settleSteps';

/** The objective of the better network: the optimum/witness of §4 when computed, else the certificate's witness. */
export function betterObjective(r: Answer): number | null {
  const cands = [r.optimum?.value, r.witness?.objective].filter((v): v is number => typeof v === 'number');
  return cands.length ? Math.min(...cands) : null;
}

/** "[2.581370, 2.581435]": both ends at the digits that tell them apart, trailing zeros kept (also at 6). */
export const intervalText = (r: Answer): string => fmtInterval(r.pstarInterval[0], r.pstarInterval[1], (x, k) => fixed(x, k));

/** P(θ) at the interval's digits, so it can be read against the interval. */
export const objectiveText = (r: Answer) => fixed(r.primalAsTrained, intervalDigits(...r.pstarInterval));

/** k significant digits without dropping trailing zeros (fmt drops them; here the width matters). */
const fixed = (x: number, k: number): string => fmtIn(currentLocale(), x, k, true);

/** The verdict as one sentence, with P(θ), P*'s interval and the gap in percent of P(θ). */
export function verdictSentence(r: Answer): string {
  const P = objectiveText(r);
  const I = intervalText(r);
  if (r.verdict === 'certified')
    return r.gap <= 0
      ? `Certified: this network’s objective P(θ) = ${P} equals P*, the best any two-layer ReLU network of any width can reach on this data with this weight decay (P* ∈ ${I}).`
      : `Certified: this network’s objective P(θ) = ${P} is within ${pct(r.relGap)} of P*, the best any two-layer ReLU network of any width can reach on this data with this weight decay (P* ∈ ${I}).`;
  if (r.verdict === 'not-optimal') {
    const w = betterObjective(r) ?? r.pstarInterval[1];
    return `Not optimal: a network with objective ${fmt(w)} exists, ${pct((r.primalAsTrained - w) / r.primalAsTrained)} below this network’s P(θ) = ${P} (P* ∈ ${I}).`;
  }
  return `Inconclusive: this network’s P(θ) = ${P} is at most ${pct(r.relGap)} above P* (P* ∈ ${I}) — more than the tolerance ${pct(r.tol)} — and no network better by more than the tolerance was found.`;
}

export interface NextStep {
  /** short imperative: what to do */
  title: string;
  /** why, in a sentence */
  detail: string;
  /** a button that does it, when the panel can */
  action?: { label: string; action: PanelAction } | { label: string; tab: PanelTab };
}

/** The one thing to do next: nothing, rebalance, train longer, or add the missing neuron (MATH.md §3, §7). */
export function nextStep(r: Answer): NextStep {
  const dropped = r.rebalanced?.dropped ?? 0;
  if (r.verdict === 'certified')
    return {
      title: 'Nothing to do',
      detail:
        dropped > 0
          ? `The network is optimal for this data and weight decay. Its ${int(dropped)} dead neurons can be dropped without changing a prediction.`
          : 'The network is optimal for this data and weight decay.',
    };
  const kind = r.diagnosis?.kind;
  if (r.verdict === 'not-optimal') {
    const w = betterObjective(r);
    if (r.witness?.kind === 'rebalance/prune' && w === r.witness.objective)
      return {
        title: 'Rebalance',
        detail:
          'Training had not converged: scaling each neuron so ‖ũ_j‖ = ‖v_j‖ and dropping dead neurons gives the same predictions at a lower objective. Export that network, or train longer.',
        action: { label: 'Export rebalanced network (ONNX)…', action: 'exportWitnessOnnx' },
      };
    if (kind === 'spurious-stationary-point' || kind === 'both')
      return {
        title: 'Add the missing neuron',
        detail:
          'Training is stuck where its own activation patterns cannot improve: add the neuron the oracle found (or restart training near it). Training longer alone will not close this gap.',
        action: { label: 'Show the missing neuron', tab: 'diagnosis' },
      };
    return {
      title: 'Train longer',
      detail: 'The optimisation had not finished (a final full-batch L-BFGS run helps), or use the better network the panel found.',
      action: { label: 'Show the better network', tab: 'optimal' },
    };
  }
  if (kind === 'spurious-stationary-point' || kind === 'both')
    return {
      title: 'Add the missing neuron',
      detail: 'The oracle found a direction in which a new neuron lowers the objective.',
      action: { label: 'Show the missing neuron', tab: 'diagnosis' },
    };
  // what would settle it, in the editor's words (core gives the budget as a kind; the CLI names its flag)
  const settle = settleStepsText(r.inconclusiveReason, 'editor');
  return {
    title: 'Train longer',
    detail: settle
      ? `The proven gap is above the tolerance ${pct(r.tol)}, but no better network was found: train longer to shrink it, or settle it: ${settle}`
      : `The proven gap is above the tolerance ${pct(r.tol)}, but no better network was found: train longer to shrink it, or raise the tolerance or the pattern budget to settle it.`,
  };
}
