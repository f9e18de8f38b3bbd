/**
 * The running best of the sphere branch and bounds (oracle/vector.ts for c ≤ 3 outputs,
 * oracle/ownSphere.ts for c > 3): one home for how an evaluated vertex updates it.
 */

export interface RunningBest<U> {
  /** largest sound vertex value seen (a lower bound on the maximum; 0 before any) */
  best: number;
  /** the argmax kept: the one with the largest direct norm */
  bestU: U;
  bestNorm: number;
}

/**
 * `b` after one vertex's sweep `r`. The argmax is ranked by the direct norm ‖Λᵀ(X̂u)_+‖, not by
 * `r.value`: the sweep's values are sound bounds with an allowance, while the caller uses u as a
 * column, whose worth is its direct norm. Strict comparisons: the first of equals is kept.
 */
export function withVertex<U extends Float64Array | null>(
  b: RunningBest<U>,
  r: { value: number; u: Float64Array },
  vecNorm: (u: Float64Array) => number,
): RunningBest<U | Float64Array> {
  const best = r.value > b.best ? r.value : b.best;
  const nv = vecNorm(r.u);
  return nv > b.bestNorm ? { best, bestU: r.u, bestNorm: nv } : { best, bestU: b.bestU, bestNorm: b.bestNorm };
}
