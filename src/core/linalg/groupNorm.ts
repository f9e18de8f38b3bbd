/**
 * The group-norm term β‖z‖ of every restricted problem's Newton step (MATH.md: the group-lasso penalty), for
 * the squared loss, the pattern program and the other losses alike.
 */

/**
 * Adds the gradient βz/‖z‖ and the curvature β(I − zzᵀ/‖z‖²)/‖z‖ of β‖z‖ at z ≠ 0 — z = v[vo … vo+len), its
 * norm nz given — to grad[at … at+len) and to the diagonal block at (at, at) of H (row-major, rows of length N).
 * nz2 is ‖z‖² as the caller has it (the summed squares, or nz·nz): the two differ in the last bit for len ≥ 2.
 */
export function addGroupNormTerms(
  v: ArrayLike<number>,
  vo: number,
  len: number,
  nz: number,
  beta: number,
  grad: Float64Array,
  H: Float64Array,
  N: number,
  at: number,
  nz2: number = nz * nz,
): void {
  for (let i = 0; i < len; i++) {
    grad[at + i] += (beta * v[vo + i]) / nz;
    for (let j = 0; j < len; j++) H[(at + i) * N + at + j] += (beta * ((i === j ? 1 : 0) - (v[vo + i] * v[vo + j]) / nz2)) / nz;
  }
}
