/**
 * Newton steps on the active groups of the restricted problem (./solver.ts): with the support
 * S = {k : z_k ≠ 0} fixed, β Σ‖z_k‖ is smooth, so
 *   min_{z_S, b} ℓ(Σ_{k∈S} a_k z_kᵀ + 1bᵀ) + β Σ_{k∈S} ‖z_k‖ (+ (β/2)‖b‖²)
 * is a smooth convex problem; FISTA identifies S, Newton then converges fast (the dual point the
 * certificate needs degrades like the square root of the primal error — MATH.md §10 — so the
 * solve must be accurate). Hessian: Σ_i J_iᵀ ∇²ℓ_i J_i + the group norms' β(I − ẑẑᵀ)/‖z‖; a step
 * that drives a scalar coefficient (c = 1) through 0 stops there and sets it to 0 (the active set
 * changes; FISTA re-checks the rest). Armijo backtracking on the true restricted objective.
 */
import type { Mat } from '../linalg/mat';
import { ridgeCholeskySolve } from '../linalg/spd';
import { addGroupNormTerms } from '../linalg/groupNorm';
import { negGradient } from './conjugates';
import type { Loss } from './loss';

export interface NewtonProblem {
  A: Float64Array[];
  Y: Mat;
  beta: number;
  offset: 'decayed' | 'free' | 'none';
  loss: Loss;
  mu: number;
  logits(Z: Float64Array, b: Float64Array): Mat;
  /** smooth part + penalty: the restricted objective */
  objective(Z: Float64Array, b: Float64Array): number;
}

/** The loss part of the Newton system on the support S (and the offset): gradient −Jᵀλ and Hessian Σ_i J_iᵀ H_i J_i. */
function lossCurvature(P: NewtonProblem, F: Mat, L: Mat, S: number[], blocks: number, Hs: Float64Array): { grad: Float64Array; H: Float64Array } {
  const n = P.Y.rows,
    c = P.Y.cols,
    p = blocks * c;
  const vec = (bi: number): Float64Array | null => (bi < S.length ? P.A[S[bi]] : null); // null: the ones vector
  const grad = new Float64Array(p);
  const H = new Float64Array(p * p);
  for (let i = 0; i < n; i++) {
    P.loss.sampleHessian(F, P.Y, i, P.mu, Hs);
    for (let bi = 0; bi < blocks; bi++) {
      const ai = vec(bi)?.[i] ?? 1;
      if (ai === 0) continue;
      for (let j = 0; j < c; j++) grad[bi * c + j] -= ai * L.data[i * c + j];
      for (let bj = bi; bj < blocks; bj++) {
        const aj = vec(bj)?.[i] ?? 1;
        if (aj === 0) continue;
        const w = ai * aj;
        for (let j = 0; j < c; j++)
          for (let l = 0; l < c; l++) {
            const h = Hs[j * c + l];
            if (h !== 0) H[(bi * c + j) * p + bj * c + l] += w * h;
          }
      }
    }
  }
  for (let bi = 0; bi < blocks; bi++)
    for (let bj = bi + 1; bj < blocks; bj++)
      for (let j = 0; j < c; j++) for (let l = 0; l < c; l++) H[(bj * c + l) * p + bi * c + j] = H[(bi * c + j) * p + bj * c + l];
  return { grad, H };
}

/** Runs up to maxSteps Newton steps in place; returns the number of accepted steps. */
export function newtonActive(P: NewtonProblem, Z: Float64Array, b: Float64Array, maxSteps: number): number {
  const c = P.Y.cols,
    K = P.A.length,
    beta = P.beta;
  const hasOff = P.offset !== 'none';
  let accepted = 0;
  const Hs = new Float64Array(c * c);
  for (let step = 0; step < maxSteps; step++) {
    const S: number[] = [];
    for (let k = 0; k < K; k++) {
      let q = 0;
      for (let j = 0; j < c; j++) q += Z[k * c + j] ** 2;
      if (q > 0) S.push(k);
    }
    const blocks = S.length + (hasOff ? 1 : 0);
    if (blocks === 0) return accepted;
    const p = blocks * c;
    const F = P.logits(Z, b);
    const L = negGradient(F, P.Y, P.loss, P.mu);
    const f0 = P.objective(Z, b);
    const { grad, H } = lossCurvature(P, F, L, S, blocks, Hs);
    // penalty part
    S.forEach((k, bi) => {
      let q = 0;
      for (let j = 0; j < c; j++) q += Z[k * c + j] ** 2;
      addGroupNormTerms(Z, k * c, c, Math.sqrt(q), beta, grad, H, p, bi * c, q);
    });
    if (P.offset === 'decayed') {
      const o = S.length * c;
      for (let j = 0; j < c; j++) {
        grad[o + j] += beta * b[j];
        H[(o + j) * p + o + j] += beta;
      }
    }
    let trace = 0;
    for (let i = 0; i < p; i++) trace += H[i * p + i];
    // near-duplicate features make H singular along their differences: a growing ridge
    // (Levenberg) keeps the step defined; the line search judges it
    const rhs = new Float64Array(p);
    for (let i = 0; i < p; i++) rhs[i] = -grad[i];
    const dx = ridgeCholeskySolve(
      H,
      p,
      rhs,
      [1e-12, 1e-9, 1e-6, 1e-3].map((rel) => rel * (trace / p) + 1e-300),
    );
    if (!dx) return accepted;
    let slope = 0;
    for (let i = 0; i < p; i++) slope += grad[i] * dx[i];
    let gmax = 0;
    for (const g of grad) gmax = Math.max(gmax, Math.abs(g));
    if (!(slope < 0) || gmax <= 1e-14 * beta) return accepted; // stationary to rounding
    // near the optimum the decrease −slope/2 falls below the rounding of f: then the full step is
    // taken when f stays within rounding (quadratic convergence region), else Armijo decides
    const tiny = -slope < 1e-12 * Math.max(1, Math.abs(f0));
    // c = 1: stop at the first sign crossing
    let tMax = 1,
      hit = -1;
    if (c === 1)
      S.forEach((k, bi) => {
        const z = Z[k],
          dz = dx[bi];
        if (z * dz < 0 && -z / dz < tMax) {
          tMax = -z / dz;
          hit = k;
        }
      });
    let done = false;
    for (let ls = 0, t = tMax; ls < 50; ls++, t *= 0.5) {
      const Zn = Float64Array.from(Z),
        bn = Float64Array.from(b);
      S.forEach((k, bi) => {
        for (let j = 0; j < c; j++) Zn[k * c + j] += t * dx[bi * c + j];
      });
      if (hasOff) for (let j = 0; j < c; j++) bn[j] += t * dx[S.length * c + j];
      if (hit >= 0 && t === tMax) Zn[hit] = 0;
      if (c === 1 && S.some((k) => Zn[k] !== 0 && Math.sign(Zn[k]) !== Math.sign(Z[k]))) continue;
      const f1 = P.objective(Zn, bn);
      if (f1 <= f0 + 1e-4 * t * slope || (f1 < f0 && ls > 30) || (tiny && t === tMax && f1 <= f0 + 16 * 2.220446049250313e-16 * Math.abs(f0))) {
        Z.set(Zn);
        b.set(bn);
        accepted++;
        done = true;
        break;
      }
    }
    if (!done) return accepted;
    // a coefficient set to 0 at a sign crossing leaves the support; FISTA can bring it back later
  }
  return accepted;
}
