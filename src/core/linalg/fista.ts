/**
 * The pieces of an accelerated proximal-gradient step (FISTA, Beck & Teboulle 2009) that every
 * restricted solver shares: the momentum sequence, the extrapolation and the terms of the
 * backtracking test f(x) ≤ f(y) + ⟨∇f(y), x − y⟩ + (L/2)‖x − y‖². The loops around them
 * (losses/solver.ts, convex/lossProgram.ts, convex/solver.ts) differ in their step rules, restarts and stops.
 */

/** t_{k+1} = (1 + √(1 + 4t_k²))/2 and the extrapolation weight (t_k − 1)/t_{k+1} */
export function fistaMomentum(t: number): { next: number; weight: number } {
  const next = (1 + Math.sqrt(1 + 4 * t * t)) / 2;
  return { next, weight: (t - 1) / next };
}

/** y = x_new + w·(x_new − x_old) */
export function extrapolate(xNew: ArrayLike<number>, xOld: ArrayLike<number>, w: number): Float64Array<ArrayBuffer> {
  const y = new Float64Array(xNew.length);
  for (let i = 0; i < y.length; i++) y[i] = xNew[i] + w * (xNew[i] - xOld[i]);
  return y;
}

/**
 * ⟨g, x − y⟩ and ‖x − y‖² over blocks [x, y, g] (the variables of a step may live in several
 * arrays), summed block after block in order.
 */
export function stepTerms(blocks: readonly (readonly [ArrayLike<number>, ArrayLike<number>, ArrayLike<number>])[]): { lin: number; sq: number } {
  let lin = 0,
    sq = 0;
  for (const [x, y, g] of blocks)
    for (let i = 0; i < x.length; i++) {
      const d = x[i] - y[i];
      lin += g[i] * d;
      sq += d * d;
    }
  return { lin, sq };
}
