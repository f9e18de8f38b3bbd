/**
 * Symmetric positive (semi)definite solves by Cholesky (ml-matrix), for the Newton steps on an
 * active set: losses/newton.ts, convex/lossNewton.ts (polish and sliding), certify/lassoSteps.ts.
 * Their Hessians are singular along the differences of near-duplicate features, so each caller
 * gives the ridges to try, in order: the scale of each is part of its tested behaviour.
 * ./dense.ts spdSolve is the allocation-light variant the pattern program uses on large faces.
 */
import { CholeskyDecomposition, Matrix, SingularValueDecomposition } from 'ml-matrix';

function toMatrix(H: ArrayLike<number>, T: number): Matrix {
  const M = new Matrix(T, T);
  for (let r = 0; r < T; r++) for (let s = 0; s < T; s++) M.set(r, s, H[r * T + s]);
  return M;
}

function column(v: ArrayLike<number>, T: number): Matrix {
  const b = new Matrix(T, 1);
  for (let r = 0; r < T; r++) b.set(r, 0, v[r]);
  return b;
}

/**
 * x with (H + ridge·I) x = rhs for the first ridge in `ridges` at which the Cholesky factorization
 * succeeds and x is finite; null when none does. H: symmetric, row-major T×T (both triangles).
 */
export function ridgeCholeskySolve(H: ArrayLike<number>, T: number, rhs: ArrayLike<number>, ridges: readonly number[]): Float64Array | null {
  const b = column(rhs, T);
  for (const ridge of ridges) {
    const Hr = toMatrix(H, T);
    for (let r = 0; r < T; r++) Hr.set(r, r, Hr.get(r, r) + ridge);
    const chol = new CholeskyDecomposition(Hr);
    if (!chol.isPositiveDefinite()) continue;
    const sol = chol.solve(b).to1DArray();
    if (sol.every(Number.isFinite)) return Float64Array.from(sol);
  }
  return null;
}

/** x with H x = rhs for symmetric PSD H: Cholesky, else the SVD's least-squares (min-norm) solution; null when not finite. */
export function symmetricSolve(H: ArrayLike<number>, T: number, rhs: ArrayLike<number>): Float64Array | null {
  const M = toMatrix(H, T), b = column(rhs, T);
  const chol = new CholeskyDecomposition(M);
  if (chol.isPositiveDefinite()) {
    const x = chol.solve(b).to1DArray();
    if (x.every(Number.isFinite)) return Float64Array.from(x);
  }
  const x = new SingularValueDecomposition(M, { autoTranspose: true }).solve(b).to1DArray();
  return x.every(Number.isFinite) ? Float64Array.from(x) : null;
}
