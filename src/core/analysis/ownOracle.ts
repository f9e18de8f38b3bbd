/**
 * The oracle restricted to a network's own activation cones (MATH.md §7 with §3.5–§3.7):
 *   M_own(Λ) = max_j max_{ũ∈K_j, ‖ũ‖≤1} ‖Λᵀ(X̃ũ)_+‖,   K_j = {ũ : (2D_j − I)X̃ũ ≥ 0},
 * D_j the network's own (merged, tie-expanded) patterns. On K_j, (X̃ũ)_+ = D_jX̃ũ, so for a scalar
 * λ the block value is max_± ‖Π_{K_j}(±X̃ᵀD_jλ)‖ (Moreau: the max of gᵀũ over K ∩ ball is ‖Π_K g‖,
 * attained at Π_K g/‖Π_K g‖). Column generation with this oracle (certify/optimum.ts searchOptimum)
 * computes P_own: the optimum over networks (any width) whose neurons lie in the own cones, and its
 * lowerBound is sound for P_own by the same weak duality (MATH.md §2 with Q restricted to ∪K_j).
 *
 * Soundness of `upper`: projectCone returns z = g + Aᵀμ with μ ≥ 0 recomputed from the clipped
 * multipliers, and for ANY μ ≥ 0 max_{ũ∈K,‖ũ‖≤1} gᵀũ ≤ ‖z‖ (cone.ts header). Rounding in g and z is
 * covered by the allowance of convex/bound.ts: fpRel(n, p)·(Σ_i|λ_i|‖x̃_i‖ + ‖g‖ + Σμ_j‖x̃_j‖) per block
 * (oracle/common.ts: sums of ≤ n + p + 8 products). Blocks are skipped only when ‖g‖ plus that
 * allowance cannot exceed the running maximum (‖Π_K g‖ ≤ ‖g‖). All own patterns are enumerated, so
 * the result is `exact` with respect to M_own.
 *
 * Vector outputs c = 2, 3: M_own(Λ) = max_{‖g‖=1} σ(g), σ(g) = M_own(Λg), again a support function
 * (max over ũ of linear functions of g), so oracle/vector.ts branchAndBound applies. Every vertex
 * value handed to it is already a sound upper bound on σ(g) (allowance included), hence A = 0.
 * The bias column of X̃ is treated like any other coordinate, so only hiddenBias 'decayed' and
 * 'none' are supported (a free hidden bias has an unpenalized coordinate: not implemented).
 */
import type { Mat } from '../linalg/mat';
import type { OracleFn, OracleResult } from '../oracle/types';
import { evalVec, fpRel, lipschitz, vnorm } from '../oracle/common';
import { branchAndBound } from '../oracle/vector';
import type { SweepResult } from '../oracle/sweep';
import { projectCone } from '../convex/cone';

interface ScalarOwn {
  /** sound upper bound on M_own(λ), allowance included */
  upper: number;
  /** ‖Π_K(±g)‖ of the best fully projected block (the computed value) */
  value: number;
  /** unit argmax (length p), zero vector when every block value is 0 */
  u: Float64Array;
}

/** Block gradients g_j = X̃ᵀD_jΛ (p × c per pattern, column-major by output k: g[k*p + t]). */
function blockGradients(Xt: Mat, patterns: Uint8Array[], Lambda: Mat): Float64Array[] {
  const n = Xt.rows, p = Xt.cols, c = Lambda.cols;
  return patterns.map((D) => {
    const G = new Float64Array(p * c);
    for (let i = 0; i < n; i++) {
      if (!D[i]) continue;
      for (let k = 0; k < c; k++) {
        const l = Lambda.data[i * c + k];
        if (l === 0) continue;
        for (let t = 0; t < p; t++) G[k * p + t] += l * Xt.data[i * p + t];
      }
    }
    return G;
  });
}

/** max over blocks and signs of ‖Π_{K_j}(±g_j)‖ with g_j = G_j·w (w the output combination). */
function scalarOwn(Xt: Mat, patterns: Uint8Array[], G: Float64Array[], w: ArrayLike<number>, lip: number): ScalarOwn {
  const n = Xt.rows, p = Xt.cols, c = w.length;
  const fp = fpRel(n, p);
  const gs = G.map((Gj) => {
    const g = new Float64Array(p);
    for (let k = 0; k < c; k++) if (w[k] !== 0) for (let t = 0; t < p; t++) g[t] += Gj[k * p + t] * w[k];
    return g;
  });
  const gn = gs.map(vnorm);
  const order = gs.map((_, j) => j).sort((a, b) => gn[b] - gn[a]);
  let upper = 0, value = 0;
  let u = new Float64Array(p);
  for (const j of order) {
    for (const s of [1, -1]) {
      if (gn[j] * (1 + fp) + fp * (lip + gn[j]) <= upper) continue;
      const g = s === 1 ? gs[j] : gs[j].map((x) => -x);
      const stop = upper > 0 ? (upper - fp * (lip + gn[j])) / (1 + 1e-12) : -1;
      const pr = projectCone(Xt, patterns[j], g, 1, undefined, undefined, stop);
      let muMass = 0;
      pr.active.forEach((i, t) => {
        let r = 0;
        for (let k = 0; k < p; k++) r += Xt.data[i * p + k] ** 2;
        muMass += pr.mu[t] * Math.sqrt(r);
      });
      const zn = vnorm(pr.z);
      const up = zn * (1 + fp) + fp * (lip + gn[j] + muMass);
      if (up > upper) upper = up;
      if (!pr.early && zn > value) {
        value = zn;
        u = Float64Array.from(pr.z, (x) => x / zn);
      }
    }
  }
  return { upper, value, u };
}

/**
 * An OracleFn restricted to the given own patterns (c = 1, 2, 3; X̃ with the bias column when the
 * hidden bias is decayed). Throws for a free hidden bias and for c > 3.
 */
export function makeOwnOracle(patterns: Uint8Array[]): OracleFn {
  return (Xt: Mat, Lambda: Mat, options): OracleResult => {
    if (options?.hiddenBias === 'free') throw new Error('the own-pattern oracle does not support a free hidden bias');
    const c = Lambda.cols, n = Xt.rows, p = Xt.cols;
    if (c > 3) throw new Error(`the own-pattern oracle supports c ≤ 3 outputs (got ${c})`);
    const G = blockGradients(Xt, patterns, Lambda);
    const lip = lipschitz(Xt, Lambda); // ≥ Σ_i|(Λg)_i|‖x̃_i‖ for every unit g
    const vecAt = (u: Float64Array) => evalVec(Xt, Lambda, u, 0, new Float64Array(c));
    const stop = options?.shouldStop;
    let upper: number, u: Float64Array, notes: string[], exact = true, evals = 1;
    if (c === 1) {
      if (stop?.()) throw new Error('oracle cancelled');
      const r = scalarOwn(Xt, patterns, G, [1], lip);
      upper = r.upper;
      u = r.u;
      notes = [`own-pattern oracle: ${patterns.length} patterns × 2 signs, cone projections`];
    } else {
      const sigma = (g: Float64Array): SweepResult => {
        const r = scalarOwn(Xt, patterns, G, g, lip);
        return { value: r.upper, u: r.u, patterns: patterns.length, candidatesEvaluated: 0 };
      };
      const bb = branchAndBound(c as 2 | 3, sigma, 0, (w) => vnorm(vecAt(w)), stop);
      upper = bb.upper;
      u = bb.u.length === p ? bb.u : new Float64Array(p);
      exact = bb.converged;
      evals = bb.evals;
      notes = [`own-pattern oracle: output-sphere branch and bound, ${bb.evals} restricted scalar calls, ${bb.converged ? 'converged' : 'NOT converged'}`];
    }
    if (!(vnorm(u) > 0)) u[0] = 1;
    const v = vecAt(u);
    const lower = vnorm(v);
    const outputDir = c === 1 ? Float64Array.of(v[0] < 0 ? -1 : 1) : lower > 0 ? v.map((x) => x / lower) : new Float64Array(c);
    return {
      exact,
      method: 'bounds',
      upper: Math.max(upper, 0),
      lower,
      argmax: u,
      argmaxBias: 0,
      outputDir,
      patterns: patterns.length * evals,
      rank: Math.min(n, p),
      roundingAllowance: fpRel(n, p) * lip,
      notes,
    };
  };
}
