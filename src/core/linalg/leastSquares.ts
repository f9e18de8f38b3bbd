/**
 * Dense least squares for the small systems of the Newton polishes (convex/lossNewton.ts: the
 * release of a kink sample from a face, the hinge's optimality conditions): min ‖A x − b‖ by the
 * SVD (the minimum-norm solution, for rank-deficient systems) or, when `svd` is false, by LU
 * (square A) or QR (tall A). Matrices are row-major typed arrays; ml-matrix stays inside linalg/.
 */
import { Matrix, solve } from 'ml-matrix';

/**
 * x minimizing ‖A x − b‖ for A (rows×cols, row-major); `svd`: the minimum-norm solution by the SVD.
 * Throws when LU/QR meets a singular A (the caller then retries with the SVD or gives up).
 */
export function leastSquares(A: ArrayLike<number>, rows: number, cols: number, b: ArrayLike<number>, svd: boolean): Float64Array {
  const M = new Matrix(rows, cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) M.set(r, c, A[r * cols + c]);
  const rhs = new Matrix(rows, 1);
  for (let r = 0; r < rows; r++) rhs.set(r, 0, b[r]);
  return Float64Array.from(solve(M, rhs, svd).to1DArray());
}

/** G = F Fᵀ for F (rows×cols, row-major): the Gram matrix of F's rows. */
export function gramRows(F: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const G = new Float64Array(rows * rows);
  for (let j = 0; j < rows; j++)
    for (let i = 0; i < rows; i++) {
      let s = 0;
      for (let k = 0; k < cols; k++) s += F[i * cols + k] * F[j * cols + k];
      G[i * rows + j] = s;
    }
  return G;
}
