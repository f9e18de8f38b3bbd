// Which neurons matter: contribution ‖ũ_j‖‖v_j‖ (the neuron's share of the penalty, MATH.md §2) ranks
// them for the table and the plots; below NEGLIGIBLE_CONTRIBUTION × the largest a neuron is shown
// only in aggregate. Display choices only: no verdict depends on them.
import type { NetworkJson } from '../src/core/report/analysisJson';

/** Relative threshold: a neuron contributing less than this fraction of the largest is "negligible". */
export const NEGLIGIBLE_CONTRIBUTION = 1e-4;

/** Neurons drawn one by one in a plot; the others are drawn as a density. */
export const TOP_K_NEURONS = 12;

/** ‖ũ_j‖·‖v_j‖ from the weights (ũ_j includes the hidden bias; for ranking either way is fine). */
export function contribution(net: NetworkJson, j: number): number {
  const u = Math.hypot(...net.W1[j], net.b1 ? net.b1[j] : 0);
  const v = Math.hypot(...net.W2.map((r) => r[j]));
  return u * v;
}

/**
 * The `k` largest contributors (plus `selected`, when it is live) and the rest that is not
 * negligible, both from `live` (indices of live neurons).
 */
export function rankNeurons(net: NetworkJson, live: number[], k: number, selected: number | null): { top: number[]; rest: number[] } {
  const c = new Map(live.map((j) => [j, contribution(net, j)]));
  const order = [...live].sort((a, b) => c.get(b)! - c.get(a)! || a - b);
  const max = order.length ? c.get(order[0])! : 0;
  const top = order.slice(0, k);
  if (selected !== null && c.has(selected) && !top.includes(selected)) top.push(selected);
  const rest = order.slice(k).filter((j) => j !== selected && c.get(j)! >= NEGLIGIBLE_CONTRIBUTION * max);
  return { top, rest };
}

/**
 * The legend's words for rankNeurons' `top`: the k heaviest, and the selected neuron when it is drawn
 * besides them (it is then not among the heaviest, so "13 heaviest" would be wrong).
 */
export function drawnNeuronsWords(top: readonly number[], k: number): string {
  const heaviest = Math.min(top.length, k);
  return `${heaviest === 1 ? 'the heaviest neuron' : `the ${heaviest} heaviest neurons`}${top.length > k ? ' and the selected one' : ''}`;
}
