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
  for (let i = 0; i < T; i++) if (!choleskyRow(L, H, T, ridge, i)) return false;
  return true;
}

/** Row i of L from the rows above it; false when its pivot is not positive. */
function choleskyRow(L: Float64Array, H: ArrayLike<number>, T: number, ridge: number, i: number): boolean {
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
  return true;
}

/**
 * The same factor, two rows of L at a time against four earlier rows (eight dot products sharing
 * each loaded entry, eight independent sums): ~3.3× the sequential form's speed in V8 (T = 520: 13
 * against 43 ms), which is latency-bound on its one running sum. The sums' order differs from
 * choleskyInto, so results differ at rounding level: used by spdSolve only (the face Newton, whose
 * Cholesky was 27% of n = 1e3, d = 50, 100 patterns), not by the callers whose tested results
 * were set with ml-matrix's order.
 */
function choleskyBlockedInto(L: Float64Array, H: ArrayLike<number>, T: number, ridge: number): boolean {
  let i = 0;
  for (; i + 1 < T; i += 2) {
    const a = i * T,
      b = a + T;
    let j = 0;
    for (; j + 3 < i; j += 4) fourColumns(L, H, T, a, b, j);
    for (; j < i; j++) {
      const c = j * T;
      let s0 = 0,
        s1 = 0;
      for (let k = 0; k < j; k++) {
        const u = L[c + k];
        s0 += L[a + k] * u;
        s1 += L[b + k] * u;
      }
      L[a + j] = (H[a + j] - s0) / L[c + j];
      L[b + j] = (H[b + j] - s1) / L[c + j];
    }
    // the 2×2 diagonal block
    let d0 = 0,
      d1 = 0,
      o = 0;
    for (let k = 0; k < i; k++) {
      const x = L[a + k],
        y = L[b + k];
      d0 += x * x;
      o += y * x;
      d1 += y * y;
    }
    const s0 = H[a + i] + ridge - d0;
    if (!(s0 > 0)) return false;
    const l0 = (L[a + i] = Math.sqrt(s0));
    const l10 = (L[b + i] = (H[b + i] - o) / l0);
    const s1 = H[b + i + 1] + ridge - d1 - l10 * l10;
    if (!(s1 > 0)) return false;
    L[b + i + 1] = Math.sqrt(s1);
  }
  // an odd T: the last row alone
  return i === T || choleskyRow(L, H, T, ridge, i);
}

/** L's rows at offsets a, b (two consecutive rows), columns j … j+3, from the rows j … j+3 above them. */
function fourColumns(L: Float64Array, H: ArrayLike<number>, T: number, a: number, b: number, j: number): void {
  const c = j * T,
    d = c + T,
    e = d + T,
    f = e + T;
  let s0 = 0,
    s1 = 0,
    s2 = 0,
    s3 = 0,
    t0 = 0,
    t1 = 0,
    t2 = 0,
    t3 = 0;
  for (let k = 0; k < j; k++) {
    const x = L[a + k],
      y = L[b + k],
      u0 = L[c + k],
      u1 = L[d + k],
      u2 = L[e + k],
      u3 = L[f + k];
    s0 += x * u0;
    s1 += x * u1;
    s2 += x * u2;
    s3 += x * u3;
    t0 += y * u0;
    t1 += y * u1;
    t2 += y * u2;
    t3 += y * u3;
  }
  // the four columns' own triangle, in order
  const x0 = (H[a + j] - s0) / L[c + j],
    y0 = (H[b + j] - t0) / L[c + j];
  const x1 = (H[a + j + 1] - s1 - x0 * L[d + j]) / L[d + j + 1],
    y1 = (H[b + j + 1] - t1 - y0 * L[d + j]) / L[d + j + 1];
  const x2 = (H[a + j + 2] - s2 - x0 * L[e + j] - x1 * L[e + j + 1]) / L[e + j + 2];
  const y2 = (H[b + j + 2] - t2 - y0 * L[e + j] - y1 * L[e + j + 1]) / L[e + j + 2];
  const x3 = (H[a + j + 3] - s3 - x0 * L[f + j] - x1 * L[f + j + 1] - x2 * L[f + j + 2]) / L[f + j + 3];
  const y3 = (H[b + j + 3] - t3 - y0 * L[f + j] - y1 * L[f + j + 1] - y2 * L[f + j + 2]) / L[f + j + 3];
  L[a + j] = x0;
  L[a + j + 1] = x1;
  L[a + j + 2] = x2;
  L[a + j + 3] = x3;
  L[b + j] = y0;
  L[b + j + 1] = y1;
  L[b + j + 2] = y2;
  L[b + j + 3] = y3;
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
export function ridgeCholeskySolve(
  H: ArrayLike<number>,
  T: number,
  rhs: ArrayLike<number>,
  ridges: Iterable<number>,
  work?: Float64Array,
): Float64Array | null {
  return ridgeSolveWith(choleskyInto, H, T, rhs, ridges, work);
}

function ridgeSolveWith(
  factor: typeof choleskyInto,
  H: ArrayLike<number>,
  T: number,
  rhs: ArrayLike<number>,
  ridges: Iterable<number>,
  work?: Float64Array,
): Float64Array | null {
  // `work` (≥ T² doubles): the factor's storage, reused by callers that solve every Newton step
  const L = work && work.length >= T * T ? work : new Float64Array(T * T);
  for (const ridge of ridges) {
    if (!factor(L, H, T, ridge)) continue;
    const x = choleskySolve(L, rhs, T);
    if (x) return x;
  }
  return null;
}

/**
 * Solve H x = g for symmetric positive semidefinite H (row-major T×T): a ridge 1e-14·max diag,
 * growing ×100 until the factorization succeeds (singular directions — duplicate neurons — get a
 * tiny, harmless step); zero when H is zero or no ridge below 1e6·max diag works. `work`: as in
 * ridgeCholeskySolve. Factored by choleskyBlockedInto.
 */
export function spdSolve(H: Float64Array, g: Float64Array, T: number, work?: Float64Array): Float64Array {
  let dmax = 0;
  for (let i = 0; i < T; i++) dmax = Math.max(dmax, Math.abs(H[i * T + i]));
  if (!(dmax > 0)) return new Float64Array(T);
  function* growing() {
    for (let ridge = 1e-14 * dmax; ridge < 1e6 * dmax; ridge *= 100) yield ridge;
  }
  return ridgeSolveWith(choleskyBlockedInto, H, T, g, growing(), work) ?? new Float64Array(T);
}

/** x with H x = rhs for symmetric PSD H: Cholesky, else the SVD's least-squares (min-norm) solution; null when not finite. */
export function symmetricSolve(H: ArrayLike<number>, T: number, rhs: ArrayLike<number>): Float64Array | null {
  const x = ridgeCholeskySolve(H, T, rhs, [0]);
  if (x) return x;
  const M = new Matrix(T, T),
    b = new Matrix(T, 1);
  for (let r = 0; r < T; r++) {
    b.set(r, 0, rhs[r]);
    for (let s = 0; s < T; s++) M.set(r, s, H[r * T + s]);
  }
  const sv = new SingularValueDecomposition(M, { autoTranspose: true }).solve(b).to1DArray();
  return sv.every(Number.isFinite) ? Float64Array.from(sv) : null;
}
