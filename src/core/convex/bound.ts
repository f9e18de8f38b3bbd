/**
 * Sound lower bound on the value of the program restricted to the given patterns (weak duality of
 * MATH.md §2 with M replaced by its restriction to the patterns):
 *
 *   for every λ:  program ≥ D(λ) = ⟨λ, y⟩ − ½‖λ‖² − (λᵀ1)²/(2β) [b decayed]   (λᵀ1 = 0 if b free)
 *   whenever M_D(λ) = max_{i, ±} max_{z∈K_i, ‖Pz‖≤1} ±λᵀD_iX̃z ≤ β.
 *
 * λ = s·λ0 with λ0 the residual (centred when required, dual.ts feasibleDirection) and s chosen by
 * dual.ts bestScale against an UPPER bound M̄ ≥ M_D(λ0): per block cone.ts blockBound (any μ ≥ 0
 * certifies), plus
 *  - the rounding allowance fpRel(n, p)·(Σ_j|λ_j|‖x̃_j‖ + ‖g‖ + Σ_j μ_j‖a_j‖) per block (the
 *    oracle's named allowance, oracle/common.ts: sums of ≤ n + p products);
 *  - free hidden bias: λ0 is mean-zero only to rounding; the bound is stated for the exactly centred
 *    λ′ = λ0 − λ̄, whose block values differ by ≤ ‖λ̄‖·sup‖D_iX̃z‖ ≤ ‖λ̄‖(σ_max(X̃) + √n·x_max)
 *    (|z_b| ≤ x_max on mixed patterns; on the all-active pattern b drops out for λ′). bestScale
 *    charges the matching s‖λ̄‖‖y‖ in D. Fixed hidden bias: bestScale adds ‖λ̄‖σ_max(X̃) itself.
 */
import type { Mat } from '../linalg/mat';
import { sigmaMax, SIGMA_REL_SLACK } from '../linalg/decomp';
import { bestScale, feasibleDirection, meanResidue } from '../certify/dual';
import { fpRel } from '../oracle/common';
import type { ProductRequest, Program } from './problem';
import { gradientRoundingScale, maskedResidual, signedBlockGradient } from './problem';
import { blockBound } from '../linalg/cone';

export interface BoundResult {
  lowerBound: number;
  /** M̄ ≥ M_D(λ0), allowances included */
  mUpper: number;
  /** the scale s of λ = s·λ0 */
  scale: number;
  /** per-block passive sets (warm starts for the next bound) */
  warm: number[][];
  /** blocks bounded without projection because the deadline had passed (looser, still sound) */
  cheapBlocks: number;
}

let sigmaCache: WeakMap<Mat, number> = new WeakMap();

function sigmaUpper(Xt: Mat): number {
  let s = sigmaCache.get(Xt);
  if (s === undefined) {
    s = sigmaMax(Xt) * (1 + SIGMA_REL_SLACK);
    sigmaCache.set(Xt, s);
  }
  return s;
}

/** Reset cached σ_max values (tests that mutate matrices in place). */
export function clearBoundCache(): void {
  sigmaCache = new WeakMap();
}

export function* lowerBoundGen(pr: Program, r: Float64Array, warm?: number[][], deadline = Infinity): Generator<ProductRequest, BoundResult, Mat> {
  const { n, p, P } = pr;
  const dualModes = { hiddenBias: pr.modes.hiddenBias, outputBias: pr.offset };
  const Ymat: Mat = { rows: n, cols: 1, data: pr.y };
  const L0 = feasibleDirection({ rows: n, cols: 1, data: r }, dualModes);
  const lam = L0.data;
  // all block gradients g_i = X̃ᵀ D_i λ0 in one product
  const G: Mat = P > 0 ? yield { a: pr.XtT, b: maskedResidual(pr, lam) } : { rows: p, cols: 0, data: new Float64Array(0) };
  const lip = gradientRoundingScale(pr, lam);
  const fp = fpRel(n, p);
  let mUpper = 0;
  const g = new Float64Array(p);
  const base = new Float64Array(n);
  // X̃·G (n×P): the starting violations of every block's cone projection, one product
  let Cb: Mat | null = null;
  // largest ‖g‖ first: the running max then lets most blocks stop early
  const order = Array.from({ length: 2 * P }, (_, k) => k);
  const gn2 = new Float64Array(P);
  for (let i = 0; i < P; i++) for (let t = 0; t < p; t++) gn2[i] += G.data[t * P + i] ** 2;
  order.sort((x, y) => gn2[y >> 1] - gn2[x >> 1]);
  const warmOut: number[][] = Array.from({ length: 2 * P }, (_, k) => warm?.[k] ?? []);
  let cheapBlocks = 0;
  for (const k of order) {
    const i = k >> 1,
      s = k & 1 ? -1 : 1;
    const gn = signedBlockGradient(G, i, s, g);
    // cheap exits: full norm ⇒ value ≤ ‖g‖; a block whose ‖g‖ is below the running max cannot matter
    if (!pr.freeBias && gn * (1 + fp) + fp * lip <= mUpper) continue;
    if (Date.now() > deadline) {
      // out of time: the projection-free bound (μ = 0) is still sound — full norm ‖Π_K g‖ ≤ ‖g‖;
      // free bias ‖g_u‖ + |g_b|·x_max (mixed) or ‖g_u‖ (all active)
      let gu = 0;
      for (let t = 0; t < p - 1; t++) gu += g[t] * g[t];
      gu = Math.sqrt(gu);
      const cheap = pr.freeBias ? gu + Math.abs(g[p - 1]) * pr.xMax : gn;
      const up = cheap * (1 + fp) + fp * (lip + gn) * (pr.freeBias ? 1 + pr.xMax : 1);
      if (up > mUpper) mUpper = up;
      cheapBlocks++;
      continue;
    }
    if (!Cb) Cb = yield { a: pr.Xt, b: G };
    for (let j = 0; j < n; j++) base[j] = s * Cb.data[j * P + i];
    // a block whose bound stays below the running max (allowance included) cannot raise it
    const stop = mUpper > 0 ? (mUpper - fp * (lip + gn)) / (1 + 1e-12) : -1;
    const bb = blockBound(pr.Xt, pr.patterns[i], g, pr.freeBias, pr.xMax, warm?.[k], base, stop);
    warmOut[k] = bb.active;
    const up = bb.bound + fp * (lip + gn + bb.muMass) * (pr.freeBias ? 1 + pr.xMax : 1);
    if (up > mUpper) mUpper = up;
  }
  const sig = sigmaUpper(pr.Xt);
  if (pr.freeBias) mUpper += meanResidue(L0) * (sig + Math.sqrt(n) * pr.xMax) * (1 + 1e-12);
  const sd = bestScale(L0, Ymat, pr.beta, dualModes, mUpper, sig);
  return { lowerBound: sd.value, mUpper, scale: sd.s, warm: warmOut, cheapBlocks };
}
