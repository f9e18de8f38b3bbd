/**
 * Symmetric positive (semi)definite solves by Cholesky with a ridge — the one Cholesky of the
 * engine, for every Newton step on an active set: losses/newton.ts, convex/lossNewton.ts (polish
 * and sliding), certify/lassoSteps.ts, and convex/faceNewton.ts (spdSolve, faces up to
 * POLISH_MAX_VARS: d = 50 supports reach T ≈ 500–1000, so the factor is a typed array). Their
 * Hessians are singular along the differences of near-duplicate features, so each caller gives the
 * ridges to try, in order: the scale of each is part of its tested behaviour.
 */
import { Matrix, SingularValueDecomposition } from 'ml-matrix';

/** L (row-major T×T, lower triangle) with L·Lᵀ = H + ridge·I, reading H's lower triangle; false when a pivot is not positive. */
function choleskyInto(L: Float64Array, H: ArrayLike<number>, T: number, ridge: number): boolean {
  for (let i = 0; i < T; i++) {
    const oi = i * T;
    for (let j = 0; j <= i; j++) {
      // sequential sum, in ml-matrix's order: the losses' active-set Newton steps factor singular
      // Hessians (near-duplicate features), where which ridge first succeeds depends on rounding
      // and their tested results were set with that order (dotAt's 4-way sum changed 11 of 500)
      let dot = 0;
      const oj = j * T;
      for (let k = 0; k < j; k++) dot += L[oi + k] * L[oj + k];
      const s = H[oi + j] + (i === j ? ridge : 0) - dot;
      if (i === j) {
        if (!(s > 0)) return false;
        L[oi + i] = Math.sqrt(s);
      } else L[oi + j] = s / L[j * T + j];
    }
  }
  return true;
}

/** x with L·Lᵀ x = rhs (forward then back substitution); null when x is not finite. */
function choleskySolve(L: Float64Array, rhs: ArrayLike<number>, T: number): Float64Array | null {
  const y = new Float64Array(T);
  for (let i = 0; i < T; i++) {
    let s = rhs[i];
    for (let k = 0; k < i; k++) s -= L[i * T + k] * y[k];
    y[i] = s / L[i * T + i];
  }
  const x = new Float64Array(T);
  for (let i = T - 1; i >= 0; i--) {
    let s = y[i];
    for (let k = i + 1; k < T; k++) s -= L[k * T + i] * x[k];
    x[i] = s / L[i * T + i];
    if (!Number.isFinite(x[i])) return null;
  }
  return x;
}

/**
 * x with (H + ridge·I) x = rhs for the first ridge in `ridges` at which the Cholesky factorization
 * succeeds and x is finite; null when none does. H: symmetric, row-major T×T (both triangles).
 */
export function ridgeCholeskySolve(H: ArrayLike<number>, T: number, rhs: ArrayLike<number>, ridges: Iterable<number>, work?: Float64Array): Float64Array | null {
  // `work` (≥ T² doubles): the factor's storage, reused by callers that solve every Newton step
  const L = work && work.length >= T * T ? work : new Float64Array(T * T);
  for (const ridge of ridges) {
    if (!choleskyInto(L, H, T, ridge)) continue;
    const x = choleskySolve(L, rhs, T);
    if (x) return x;
  }
  return null;
}

/**
 * Solve H x = g for symmetric positive semidefinite H (row-major T×T): a ridge 1e-14·max diag,
 * growing ×100 until the factorization succeeds (singular directions — duplicate neurons — get a
 * tiny, harmless step); zero when H is zero or no ridge below 1e6·max diag works. `work`: as in
 * ridgeCholeskySolve.
 */
export function spdSolve(H: Float64Array, g: Float64Array, T: number, work?: Float64Array): Float64Array {
  let dmax = 0;
  for (let i = 0; i < T; i++) dmax = Math.max(dmax, Math.abs(H[i * T + i]));
  if (!(dmax > 0)) return new Float64Array(T);
  function* growing() {
    for (let ridge = 1e-14 * dmax; ridge < 1e6 * dmax; ridge *= 100) yield ridge;
  }
  return ridgeCholeskySolve(H, T, g, growing(), work) ?? new Float64Array(T);
}

/** x with H x = rhs for symmetric PSD H: Cholesky, else the SVD's least-squares (min-norm) solution; null when not finite. */
export function symmetricSolve(H: ArrayLike<number>, T: number, rhs: ArrayLike<number>): Float64Array | null {
  const x = ridgeCholeskySolve(H, T, rhs, [0]);
  if (x) return x;
  const M = new Matrix(T, T), b = new Matrix(T, 1);
  for (let r = 0; r < T; r++) {
    b.set(r, 0, rhs[r]);
    for (let s = 0; s < T; s++) M.set(r, s, H[r * T + s]);
  }
  const sv = new SingularValueDecomposition(M, { autoTranspose: true }).solve(b).to1DArray();
  return sv.every(Number.isFinite) ? Float64Array.from(sv) : null;
}
