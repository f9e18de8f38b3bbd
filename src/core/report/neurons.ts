/**
 * Which neurons a reader sees first: the live ones (the certificate's one rule, `dead` from
 * problem/objective.ts neuronInfos: active on no sample or zero output weight) ranked by their
 * contribution ‖ũ_j‖‖v_j‖ to the penalty (MATH.md §2), largest first. The CLI, the reports and
 * the panel's counts use this, so "900 live neurons" is one number everywhere.
 */
export interface RankableNeuron {
  index: number;
  inNorm: number;
  outNorm: number;
  dead: boolean;
}

export const contribution = (n: RankableNeuron): number => n.inNorm * n.outNorm;

export function rankedNeurons<T extends RankableNeuron>(neurons: readonly T[]): { live: T[]; dead: T[] } {
  const live = neurons.filter((n) => !n.dead).sort((a, b) => contribution(b) - contribution(a) || a.index - b.index);
  return { live, dead: neurons.filter((n) => n.dead) };
}

export const liveCount = (neurons: readonly RankableNeuron[]): number => neurons.reduce((k, n) => k + (n.dead ? 0 : 1), 0);
