/**
 * Projected Newton polish for the classification program (./lossProgram.ts): with the support
 * S = {k : z_k ≠ 0} fixed, ℓ_μ(Σ_k σ_k D_iX̃z_k + b) + βΣ‖z_k‖ (+ (β/2)b²) is smooth; a Newton
 * step (Levenberg ridge when singular) followed by the projection of each block onto its cone
 * K_i, accepted only when the smoothed objective decreases (Armijo-free backtracking on the
 * exact objective: monotone, so it can only help FISTA, which re-checks the rest). Why: the
 * smoothed hinge with small μ is badly conditioned for first-order steps.
 */
import { CholeskyDecomposition, Matrix } from 'ml-matrix';
import type { Program } from './problem';
import { blockNorm } from './problem';
import { projectCone } from '../linalg/cone';
import { sigmoid } from '../losses/conjugates';

/** Newton polish runs only when the support has at most this many variables. */
export const LOSS_NEWTON_MAX_VARS = 150;
/** …and when variables² × n is at most this (the Hessian build dominates; keeps a polish well under a second). */
export const LOSS_NEWTON_MAX_WORK = 2e7;

export interface SmoothFns {
  fit(Z: Float64Array, b: number): Float64Array;
  /** smooth part + penalty */
  objective(Z: Float64Array, b: number): number;
  lam(F: Float64Array): Float64Array;
}

export function lossNewtonPolish(pr: Program, Z: Float64Array, b: number, loss: 'hinge' | 'logistic', mu: number, fns: SmoothFns, maxSteps: number): { Z: Float64Array; b: number; steps: number } {
  const { n, p, P, Xt, beta } = pr;
  const hasOff = pr.offset !== 'none';
  let steps = 0;
  for (let step = 0; step < maxSteps; step++) {
    const S: number[] = [];
    for (let k = 0; k < 2 * P; k++) if (blockNorm(pr, Z, k) > 0) S.push(k);
    const N = S.length * p + (hasOff ? 1 : 0);
    if (N === 0 || N > LOSS_NEWTON_MAX_VARS || N * N * n > LOSS_NEWTON_MAX_WORK) break;
    const F = fns.fit(Z, b);
    const lam = fns.lam(F);
    const h = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      const t = pr.y[j] * F[j];
      h[j] = loss === 'logistic' ? sigmoid(t) * sigmoid(-t) : t < 1 && t >= 1 - mu ? 1 / mu : 0;
    }
    // J columns: block bi, coordinate q → σ_k D_i x̃_{jq}; the offset → 1
    const col = (bi: number, q: number, j: number): number => {
      if (bi === S.length) return 1;
      const k = S[bi];
      return pr.patterns[k >> 1][j] ? (k & 1 ? -1 : 1) * Xt.data[j * p + q] : 0;
    };
    const nb = S.length + (hasOff ? 1 : 0);
    const idx = (bi: number, q: number) => bi * p + q;
    const dimOf = (bi: number) => (bi === S.length ? 1 : p);
    const H = new Matrix(N, N);
    const g = new Float64Array(N);
    for (let bi = 0; bi < nb; bi++)
      for (let q = 0; q < dimOf(bi); q++) {
        const r = idx(bi, q);
        for (let j = 0; j < n; j++) g[r] -= col(bi, q, j) * lam[j];
        for (let bj = bi; bj < nb; bj++)
          for (let q2 = 0; q2 < dimOf(bj); q2++) {
            const c2 = idx(bj, q2);
            if (c2 < r) continue;
            let s = 0;
            for (let j = 0; j < n; j++) if (h[j]) s += col(bi, q, j) * h[j] * col(bj, q2, j);
            H.set(r, c2, s);
            H.set(c2, r, s);
          }
      }
    S.forEach((k, bi) => {
      const nz = blockNorm(pr, Z, k), o = k * p;
      for (let q = 0; q < p; q++) {
        g[idx(bi, q)] += (beta * Z[o + q]) / nz;
        for (let q2 = 0; q2 < p; q2++)
          H.set(idx(bi, q), idx(bi, q2), H.get(idx(bi, q), idx(bi, q2)) + (beta * ((q === q2 ? 1 : 0) - (Z[o + q] * Z[o + q2]) / (nz * nz))) / nz);
      }
    });
    if (pr.offset === 'decayed') {
      g[N - 1] += beta * b;
      H.set(N - 1, N - 1, H.get(N - 1, N - 1) + beta);
    }
    let trace = 0;
    for (let i = 0; i < N; i++) trace += H.get(i, i);
    const rhs = new Matrix(N, 1);
    for (let i = 0; i < N; i++) rhs.set(i, 0, -g[i]);
    let dx: number[] | null = null;
    for (const rel of [1e-12, 1e-9, 1e-6, 1e-3]) {
      const Hr = H.clone();
      for (let i = 0; i < N; i++) Hr.set(i, i, Hr.get(i, i) + rel * (trace / N) + 1e-300);
      const chol = new CholeskyDecomposition(Hr);
      if (!chol.isPositiveDefinite()) continue;
      const sol = chol.solve(rhs).to1DArray();
      if (sol.every(Number.isFinite)) {
        dx = sol;
        break;
      }
    }
    if (!dx) break;
    const f0 = fns.objective(Z, b);
    let accepted = false;
    for (let a = 1; a > 1e-6; a *= 0.5) {
      const Zn = Float64Array.from(Z);
      const blk = new Float64Array(p);
      S.forEach((k, bi) => {
        for (let q = 0; q < p; q++) blk[q] = Z[k * p + q] + a * dx![idx(bi, q)];
        const pj = projectCone(Xt, pr.patterns[k >> 1], blk);
        for (let q = 0; q < p; q++) Zn[k * p + q] = pj.z[q];
      });
      const bn = hasOff ? b + a * dx[N - 1] : 0;
      const f1 = fns.objective(Zn, bn);
      if (f1 < f0) {
        Z = Zn;
        b = bn;
        accepted = true;
        break;
      }
    }
    if (!accepted) break;
    steps++;
  }
  return { Z, b, steps };
}
