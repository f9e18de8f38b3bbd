/**
 * Plain-loop references for the own-pattern oracle tests (src/core/oracle/ownOracle.ts): the block
 * value ‖Λᵀ(X̃u)_+‖ at a direction, membership of u in one of the own cones K_j, and the brute-force
 * maximum of the first over a grid of S² (p = 3) restricted to the second.
 */
import type { Mat } from '../../src/core/linalg/mat';

/** ‖Λᵀ(X̃u)_+‖ with plain loops */
export function valueAt(Xt: Mat, L: Mat, u: ArrayLike<number>): number {
  const n = Xt.rows,
    p = Xt.cols,
    c = L.cols;
  const v = new Float64Array(c);
  for (let i = 0; i < n; i++) {
    let z = 0;
    for (let k = 0; k < p; k++) z += Xt.data[i * p + k] * u[k];
    if (z > 0) for (let q = 0; q < c; q++) v[q] += L.data[i * c + q] * z;
  }
  return Math.hypot(...v);
}

/** u lies in some own cone K_j = {(2D_j − I)X̃u ≥ 0}, each row allowed `tol` on the wrong side. */
export function inOwnCone(Xt: Mat, pats: Uint8Array[], u: ArrayLike<number>, tol = 0): boolean {
  const n = Xt.rows,
    p = Xt.cols;
  const z = Array.from({ length: n }, (_, i) => {
    let s = 0;
    for (let k = 0; k < p; k++) s += Xt.data[i * p + k] * u[k];
    return s;
  });
  return pats.some((D) => z.every((zi, i) => (D[i] ? zi >= -tol : zi <= tol)));
}

/** Grid points on S² for the brute force (a Fibonacci lattice: spacing ~√(4π/GRID) ≈ 0.018). */
export const S2_GRID = 40_000;

/** max ‖Λᵀ(X̃u)_+‖ over the grid points u of S² inside an own cone (p = 3): a lower bound on M_own. */
export function bruteForceOnS2(Xt: Mat, pats: Uint8Array[], L: Mat): number {
  let best = 0;
  for (let k = 0; k < S2_GRID; k++) {
    const z = 1 - (2 * (k + 0.5)) / S2_GRID;
    const r = Math.sqrt(1 - z * z),
      phi = k * Math.PI * (3 - Math.sqrt(5));
    const u = [r * Math.cos(phi), r * Math.sin(phi), z];
    if (inOwnCone(Xt, pats, u)) best = Math.max(best, valueAt(Xt, L, u));
  }
  return best;
}
