/**
 * The restricted convex problem over a finite set of unit neuron directions (MATH.md §4, column
 * generation [EP Alg. 1]):
 *
 *   min_{z, b2}  ½‖Σ_k a_k z_kᵀ + 1b2ᵀ − Y‖²_F + β Σ_k ‖z_k‖₂  (+ (β/2)‖b2‖² if the offset is decayed)
 *
 * with a_k = (X̃u_k)_+ (n-vector) and z_k ∈ R^c: a group lasso (c = 1: plain lasso). The offset b2
 * is penalized ('decayed'), unpenalized ('free') or absent ('none').
 *
 * Solver: block coordinate descent with exact block updates (group soft-thresholding
 * z_k = (1 − β/‖g‖)_+ g/‖a_k‖², g = R_{−k}ᵀa_k; exact offset update), plus a Newton polish on the
 * active groups (the objective is smooth there) once the support has settled. Stopping rule: the
 * restricted duality gap P(z) − D(sR) ≤ relTol·P(z), where R is the residual and s scales it into
 * the restricted dual-feasible set max_k ‖sRᵀa_k‖ ≤ β. The solution IS a network (lassoNetwork).
 */
import { CholeskyDecomposition, Matrix, SingularValueDecomposition } from 'ml-matrix';
import type { HiddenBiasMode } from '../oracle/types';
import { type Mat, zeros } from '../linalg/mat';
import type { NetworkWeights } from './types';
import type { CertifyModes } from './objective';
import type { OutputBiasMode } from './types';

export type OffsetMode = OutputBiasMode; // 'decayed' | 'free' | 'none'

export interface LassoOptions {
  /** stop when the restricted duality gap ≤ relTol·objective (named tolerance 'lassoRelGap') */
  relTol?: number;
  maxSweeps?: number;
  /** warm start: one z per feature (missing ⇒ 0) and the offset */
  warm?: { Z: Float64Array[]; b2?: Float64Array };
  /** Newton polish on the active set (default true) */
  polish?: boolean;
}

export const LASSO_REL_TOL = 1e-12;

export interface LassoResult {
  Z: Float64Array[];
  /** offset (zeros when absent) */
  b2: Float64Array;
  /** Y − Σ a_k z_kᵀ − 1b2ᵀ (n×c) */
  residual: Mat;
  objective: number;
  /** restricted dual value D(sR) (a lower bound of the restricted problem only) */
  restrictedDual: number;
  relGap: number;
  sweeps: number;
  newtonSteps: number;
  converged: boolean;
  /** max KKT violation relative to β: ‖a_kᵀR − βz_k/‖z_k‖‖/β for z_k ≠ 0, (‖a_kᵀR‖ − β)_+/β otherwise */
  kkt: number;
}

function norm(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return Math.sqrt(s);
}

class Problem {
  readonly n: number;
  readonly c: number;
  readonly K: number;
  readonly aa: Float64Array;
  constructor(
    readonly A: Float64Array[],
    readonly Y: Mat,
    readonly beta: number,
    readonly offset: OffsetMode,
  ) {
    this.n = Y.rows;
    this.c = Y.cols;
    this.K = A.length;
    this.aa = new Float64Array(this.K);
    for (let k = 0; k < this.K; k++) this.aa[k] = norm(A[k]) ** 2;
  }

  residual(Z: Float64Array[], b2: Float64Array): Float64Array {
    const { n, c } = this;
    const R = new Float64Array(this.Y.data);
    for (let k = 0; k < this.K; k++) {
      const z = Z[k], a = this.A[k];
      if (norm(z) === 0) continue;
      for (let i = 0; i < n; i++) if (a[i] !== 0) for (let j = 0; j < c; j++) R[i * c + j] -= a[i] * z[j];
    }
    if (this.offset !== 'none') for (let i = 0; i < n; i++) for (let j = 0; j < c; j++) R[i * c + j] -= b2[j];
    return R;
  }

  objective(R: Float64Array, Z: Float64Array[], b2: Float64Array): number {
    let loss = 0;
    for (let i = 0; i < R.length; i++) loss += R[i] * R[i];
    let pen = 0;
    for (const z of Z) pen += norm(z);
    let obj = 0.5 * loss + this.beta * pen;
    if (this.offset === 'decayed') obj += 0.5 * this.beta * norm(b2) ** 2;
    return obj;
  }

  /** a_kᵀR (length c) */
  corr(k: number, R: Float64Array, out: Float64Array): Float64Array {
    const { n, c } = this;
    const a = this.A[k];
    out.fill(0);
    for (let i = 0; i < n; i++) if (a[i] !== 0) for (let j = 0; j < c; j++) out[j] += a[i] * R[i * c + j];
    return out;
  }

  colSums(R: Float64Array): Float64Array {
    const { n, c } = this;
    const s = new Float64Array(c);
    for (let i = 0; i < n; i++) for (let j = 0; j < c; j++) s[j] += R[i * c + j];
    return s;
  }

  /** restricted dual value of the best scaling of R (or of its mean-zero projection when the offset is free) */
  restrictedDual(R: Float64Array): number {
    const { n, c, beta } = this;
    let L = R;
    if (this.offset === 'free') {
      const s = this.colSums(R);
      L = new Float64Array(R);
      for (let i = 0; i < n; i++) for (let j = 0; j < c; j++) L[i * c + j] -= s[j] / n;
    }
    let Mr = 0;
    const g = new Float64Array(c);
    for (let k = 0; k < this.K; k++) Mr = Math.max(Mr, norm(this.corr(k, L, g)));
    let lin = 0, quad = 0;
    for (let i = 0; i < L.length; i++) {
      lin += L[i] * this.Y.data[i];
      quad += L[i] * L[i];
    }
    if (this.offset === 'decayed') quad += norm(this.colSums(L)) ** 2 / beta;
    if (!(lin > 0) || !(quad > 0)) return 0;
    let s = lin / quad;
    if (Mr > 0) s = Math.min(s, beta / Mr);
    return s * lin - 0.5 * s * s * quad;
  }

  kkt(R: Float64Array, Z: Float64Array[], b2: Float64Array): number {
    const { c, beta } = this;
    const g = new Float64Array(c);
    let worst = 0;
    for (let k = 0; k < this.K; k++) {
      this.corr(k, R, g);
      const nz = norm(Z[k]);
      if (nz > 0) {
        let e = 0;
        for (let j = 0; j < c; j++) e += (g[j] - (beta * Z[k][j]) / nz) ** 2;
        worst = Math.max(worst, Math.sqrt(e) / beta);
      } else worst = Math.max(worst, Math.max(0, norm(g) - beta) / beta);
    }
    if (this.offset !== 'none') {
      const s = this.colSums(R);
      if (this.offset === 'decayed') for (let j = 0; j < c; j++) s[j] -= beta * b2[j];
      worst = Math.max(worst, norm(s) / beta);
    }
    return worst;
  }
}

/** One Newton step family on the active groups; returns the number of accepted steps. */
function newtonPolish(P: Problem, Z: Float64Array[], b2: Float64Array, maxSteps: number): number {
  const { n, c, beta } = P;
  let accepted = 0;
  for (let step = 0; step < maxSteps; step++) {
    const S: number[] = [];
    for (let k = 0; k < P.K; k++) if (norm(Z[k]) > 0 && P.aa[k] > 0) S.push(k);
    const hasOff = P.offset !== 'none';
    const blocks = S.length + (hasOff ? 1 : 0);
    if (blocks === 0) return accepted;
    const p = blocks * c;
    const R = P.residual(Z, b2);
    const f0 = P.objective(R, Z, b2);
    const kkt0 = P.kkt(R, Z, b2);
    const H = new Matrix(p, p);
    const grad = new Float64Array(p);
    const g = new Float64Array(c);
    const ones = new Float64Array(n).fill(1);
    const vecs: Float64Array[] = S.map((k) => P.A[k]);
    if (hasOff) vecs.push(ones);
    const gram = (x: Float64Array, y: Float64Array) => {
      let s = 0;
      for (let i = 0; i < n; i++) s += x[i] * y[i];
      return s;
    };
    for (let bi = 0; bi < blocks; bi++) {
      for (let bj = bi; bj < blocks; bj++) {
        const gv = gram(vecs[bi], vecs[bj]);
        for (let j = 0; j < c; j++) {
          H.set(bi * c + j, bj * c + j, gv);
          H.set(bj * c + j, bi * c + j, gv);
        }
      }
    }
    for (let bi = 0; bi < S.length; bi++) {
      const z = Z[S[bi]];
      const nz = norm(z);
      P.corr(S[bi], R, g);
      for (let i = 0; i < c; i++) {
        grad[bi * c + i] = -g[i] + (beta * z[i]) / nz;
        for (let j = 0; j < c; j++) {
          const h = (beta * ((i === j ? 1 : 0) - (z[i] * z[j]) / (nz * nz))) / nz;
          H.set(bi * c + i, bi * c + j, H.get(bi * c + i, bi * c + j) + h);
        }
      }
    }
    if (hasOff) {
      const s = P.colSums(R);
      const o = S.length * c;
      for (let j = 0; j < c; j++) {
        grad[o + j] = -s[j] + (P.offset === 'decayed' ? beta * b2[j] : 0);
        if (P.offset === 'decayed') H.set(o + j, o + j, H.get(o + j, o + j) + beta);
      }
    }
    if (norm(grad) <= 1e-15 * beta * Math.sqrt(p)) return accepted;
    let trace = 0;
    for (let i = 0; i < p; i++) trace += H.get(i, i);
    const ridge = (1e-13 * trace) / p;
    for (let i = 0; i < p; i++) H.set(i, i, H.get(i, i) + ridge);
    const chol = new CholeskyDecomposition(H);
    if (!chol.isPositiveDefinite()) return accepted;
    const rhs = new Matrix(p, 1);
    for (let i = 0; i < p; i++) rhs.set(i, 0, -grad[i]);
    const dx = chol.solve(rhs);
    // c = 1: the objective is quadratic on a sign orthant; stop at the first sign crossing and set
    // that coefficient to exactly 0 (an active-set step, as in NNLS). With a singular Gram matrix
    // (near-duplicate features) the ridge-regularized step is long along the null space, where the
    // ℓ1 term decreases linearly: the crossing then removes a redundant feature.
    let tMax = 1;
    let hit = -1;
    if (c === 1)
      for (let bi = 0; bi < S.length; bi++) {
        const z = Z[S[bi]][0], dz = dx.get(bi, 0);
        if (z * dz < 0) {
          const tc = -z / dz;
          if (tc < tMax) {
            tMax = tc;
            hit = bi;
          }
        }
      }
    let t = tMax;
    let done = false;
    for (let ls = 0; ls < 40 && !done; ls++, t *= 0.5) {
      const Zn = Z.map((z) => new Float64Array(z));
      const bn = new Float64Array(b2);
      for (let bi = 0; bi < S.length; bi++) for (let j = 0; j < c; j++) Zn[S[bi]][j] += t * dx.get(bi * c + j, 0);
      if (hasOff) for (let j = 0; j < c; j++) bn[j] += t * dx.get(S.length * c + j, 0);
      if (c === 1 && hit >= 0 && t === tMax) Zn[S[hit]][0] = 0;
      let flipped = false;
      if (c === 1) for (const k of S) if (Zn[k][0] !== 0 && Math.sign(Zn[k][0]) !== Math.sign(Z[k][0])) flipped = true;
      if (flipped) continue;
      const R1 = P.residual(Zn, bn);
      const f1 = P.objective(R1, Zn, bn);
      // near the optimum f changes below rounding: then accept a step that shrinks the KKT residual
      const ok = f1 < f0 || (f1 <= f0 + 8 * 2.220446049250313e-16 * Math.abs(f0) && P.kkt(R1, Zn, bn) < kkt0);
      if (ok) {
        for (const k of S) Z[k].set(Zn[k]);
        b2.set(bn);
        accepted++;
        done = true;
      }
    }
    if (!done) return accepted;
  }
  return accepted;
}

/** Solve the symmetric PSD system H x = r: Cholesky, else SVD least squares (min-norm). */
function solveSym(H: Matrix, r: Matrix): Matrix | null {
  const chol = new CholeskyDecomposition(H);
  if (chol.isPositiveDefinite()) {
    const x = chol.solve(r);
    if (x.to1DArray().every(Number.isFinite)) return x;
  }
  const svdH = new SingularValueDecomposition(H, { autoTranspose: true });
  const x = svdH.solve(r);
  return x.to1DArray().every(Number.isFinite) ? x : null;
}

/**
 * Feature-sign search (Lee, Battle, Raina & Ng 2007) for c = 1: the exact active-set method of the
 * ℓ1-regularized least squares. On an active set S with signs θ the objective is the quadratic
 * ½‖Y − A_S z − 1b‖² + βθᵀz (+ (β/2)b² decayed offset), minimized by one linear solve; the line
 * search from the current point to that minimizer visits every sign change and keeps the best
 * point, so the objective strictly decreases and the method ends after finitely many steps.
 * Returns the number of steps taken; z and b are updated in place.
 */
function featureSign(P: Problem, Z: Float64Array[], b2: Float64Array, maxSteps: number): number {
  const { n, K, beta } = P;
  const hasOff = P.offset !== 'none';
  const g = new Float64Array(1);
  let steps = 0;
  let fCur = P.objective(P.residual(Z, b2), Z, b2);
  // scale for the rounding floor of a_kᵀR
  let scale = 0;
  const yn = norm(P.Y.data);
  for (let k = 0; k < K; k++) scale = Math.max(scale, Math.sqrt(P.aa[k]) * yn);
  const kktTol = 1e-13 * beta + 1e-15 * scale;
  const theta = new Float64Array(K);
  for (let k = 0; k < K; k++) theta[k] = Math.sign(Z[k][0]);
  let solvedToRounding = false;
  let activated = -1;
  while (steps < maxSteps) {
    const R = P.residual(Z, b2);
    // optimality on the active set (and the offset)?
    let activeOk = true;
    for (let k = 0; k < K; k++) {
      if (Z[k][0] === 0) continue;
      P.corr(k, R, g);
      if (Math.abs(g[0] - beta * theta[k]) > kktTol) activeOk = false;
    }
    if (hasOff) {
      const sres = P.colSums(R)[0] - (P.offset === 'decayed' ? beta * b2[0] : 0);
      if (Math.abs(sres) > kktTol) activeOk = false;
    }
    if (solvedToRounding) activeOk = true;
    if (activeOk) {
      let best = -1, bestV = beta + kktTol;
      for (let k = 0; k < K; k++) {
        if (Z[k][0] !== 0 || !(P.aa[k] > 0)) continue;
        const v = Math.abs(P.corr(k, R, g)[0]);
        if (v > bestV) {
          bestV = v;
          best = k;
        }
      }
      if (best < 0) return steps; // optimal
      theta[best] = Math.sign(P.corr(best, R, g)[0]);
      activated = best; // enters with a zero coefficient: the sign-fixed step below moves it
    }
    // active set: nonzero coefficients plus the one just activated
    const S: number[] = [];
    for (let k = 0; k < K; k++) if (Z[k][0] !== 0 || k === activated) S.push(k);
    activated = -1;
    const p = S.length + (hasOff ? 1 : 0);
    if (p === 0) return steps;
    const vecs = S.map((k) => P.A[k]);
    if (hasOff) vecs.push(new Float64Array(n).fill(1));
    const H = new Matrix(p, p);
    const rhs = new Matrix(p, 1);
    for (let i = 0; i < p; i++) {
      for (let j = i; j < p; j++) {
        let sum = 0;
        const a = vecs[i], b = vecs[j];
        for (let q = 0; q < n; q++) sum += a[q] * b[q];
        H.set(i, j, sum);
        H.set(j, i, sum);
      }
      let ry = 0;
      for (let q = 0; q < n; q++) ry += vecs[i][q] * P.Y.data[q];
      rhs.set(i, 0, ry - (i < S.length ? beta * theta[S[i]] : 0));
    }
    if (P.offset === 'decayed') H.set(p - 1, p - 1, H.get(p - 1, p - 1) + beta);
    const x = solveSym(H, rhs);
    if (!x) return steps;
    steps++;
    // segment from the current point x0 to x1: candidates t = 1 and every sign change in (0, 1)
    const x0 = new Float64Array(p), x1 = new Float64Array(p);
    S.forEach((k, i) => {
      x0[i] = Z[k][0];
      x1[i] = x.get(i, 0);
    });
    if (hasOff) {
      x0[p - 1] = b2[0];
      x1[p - 1] = x.get(p - 1, 0);
    }
    const ts = [1];
    for (let i = 0; i < S.length; i++)
      if (x0[i] !== 0 && Math.sign(x1[i]) !== Math.sign(x0[i])) ts.push(x0[i] / (x0[i] - x1[i]));
    let bestF = Infinity;
    let bestZ: Float64Array | null = null;
    let bestB = 0;
    for (const t of ts) {
      if (!(t > 0 && t <= 1)) continue;
      const zt = new Float64Array(S.length);
      for (let i = 0; i < S.length; i++) {
        const v = x0[i] + t * (x1[i] - x0[i]);
        // a coefficient reaching its sign change is set to exactly 0
        zt[i] = x0[i] !== 0 && t < 1 && t === x0[i] / (x0[i] - x1[i]) ? 0 : v;
      }
      const bt = hasOff ? x0[p - 1] + t * (x1[p - 1] - x0[p - 1]) : 0;
      const Zt = Z.map((z) => new Float64Array(z));
      S.forEach((k, i) => (Zt[k][0] = zt[i]));
      const bb = Float64Array.of(bt);
      const f = P.objective(P.residual(Zt, bb), Zt, bb);
      if (f < bestF) {
        bestF = f;
        bestZ = zt;
        bestB = bt;
      }
    }
    if (!bestZ || !(bestF <= fCur + 8 * 2.220446049250313e-16 * Math.abs(fCur))) return steps; // no progress
    const progressed = bestF < fCur;
    S.forEach((k, i) => {
      Z[k][0] = bestZ![i];
      theta[k] = Math.sign(bestZ![i]) || theta[k];
    });
    if (hasOff) b2[0] = bestB;
    fCur = Math.min(fCur, bestF);
    if (!progressed) {
      if (activeOk) return steps; // no feature can be added with progress
      solvedToRounding = true; // re-solving this active set cannot help: try adding a feature next
    } else solvedToRounding = false;
  }
  return steps;
}

/** BCD + Newton polish on all features at once (used on working sets). */
function solveDirect(A: Float64Array[], Y: Mat, beta: number, offset: OffsetMode, options: LassoOptions = {}): LassoResult {
  const relTol = options.relTol ?? LASSO_REL_TOL;
  const maxSweeps = options.maxSweeps ?? 20000;
  const P = new Problem(A, Y, beta, offset);
  const { n, c, K } = P;
  const Z: Float64Array[] = [];
  for (let k = 0; k < K; k++) {
    const w = options.warm?.Z[k];
    Z.push(w && w.length === c && P.aa[k] > 0 ? new Float64Array(w) : new Float64Array(c));
  }
  const b2 = new Float64Array(c);
  if (offset !== 'none' && options.warm?.b2) b2.set(options.warm.b2);
  let R = P.residual(Z, b2);
  const g = new Float64Array(c);
  const dz = new Float64Array(c);
  let sweeps = 0, newtonSteps = 0;
  let converged = false;
  let lastSupport = '';
  let stableChecks = 0;
  // rounding floor of the gap: residual entries carry errors ~ε(K+2)·|Y| (cancellation of Y and F),
  // which enter P and D through ⟨R, δR⟩ and ⟨δR, Y⟩
  const yF = norm(Y.data);
  const gapFloor = 4 * 2.220446049250313e-16 * (K + 2) * Math.sqrt(n * c) * yF * yF;
  const gapOf = (): { obj: number; dual: number; rel: number } => {
    const obj = P.objective(R, Z, b2);
    const dual = P.restrictedDual(R);
    const gap = obj - dual;
    // gaps below the rounding floor count as 0
    const rel = obj > 0 ? (gap <= gapFloor ? Math.min(gap / obj, 0) : gap / obj) : 0;
    return { obj, dual, rel };
  };
  let stagnant = 0;
  let prevObj = Infinity;
  let last = gapOf();
  if (last.rel <= relTol) converged = true;
  if (!converged && c === 1 && (options.polish ?? true)) {
    // exact active-set method first; coordinate descent only finishes what it leaves
    newtonSteps += featureSign(P, Z, b2, 50 + 4 * K);
    R = P.residual(Z, b2);
    last = gapOf();
    if (last.rel <= relTol) converged = true;
  }
  while (!converged && sweeps < maxSweeps) {
    sweeps++;
    for (let k = 0; k < K; k++) {
      const ak2 = P.aa[k];
      if (!(ak2 > 0)) continue;
      const z = Z[k];
      P.corr(k, R, g);
      for (let j = 0; j < c; j++) g[j] += ak2 * z[j];
      const gn = norm(g);
      const shrink = gn > beta ? (1 - beta / gn) / ak2 : 0;
      let change = 0;
      for (let j = 0; j < c; j++) {
        const zn = shrink * g[j];
        dz[j] = zn - z[j];
        change += Math.abs(dz[j]);
        z[j] = zn;
      }
      if (change === 0) continue;
      const a = P.A[k];
      for (let i = 0; i < n; i++) if (a[i] !== 0) for (let j = 0; j < c; j++) R[i * c + j] -= a[i] * dz[j];
    }
    if (offset !== 'none') {
      const s = P.colSums(R);
      for (let j = 0; j < c; j++) {
        const nb = offset === 'free' ? b2[j] + s[j] / n : (s[j] + n * b2[j]) / (n + beta);
        const db = nb - b2[j];
        b2[j] = nb;
        for (let i = 0; i < n; i++) R[i * c + j] -= db;
      }
    }
    if (sweeps % 5 !== 0 && sweeps > 3) continue;
    R = P.residual(Z, b2); // refresh against drift
    last = gapOf();
    if (last.rel <= relTol) {
      converged = true;
      break;
    }
    // stagnation at the rounding level: stop
    stagnant = last.obj < prevObj - 1e-15 * Math.abs(prevObj) ? 0 : stagnant + 1;
    prevObj = Math.min(prevObj, last.obj);
    if (stagnant >= 20) break;
    const support = Z.map((z) => (norm(z) > 0 ? (c === 1 ? (z[0] > 0 ? '+' : '-') : '1') : '0')).join('');
    stableChecks = support === lastSupport ? stableChecks + 1 : 0;
    lastSupport = support;
    if ((options.polish ?? true) && stableChecks >= 2) {
      newtonSteps += newtonPolish(P, Z, b2, 20);
      R = P.residual(Z, b2);
      last = gapOf();
      if (last.rel <= relTol) {
        converged = true;
        break;
      }
      stableChecks = 0;
    }
  }
  // final polish: the gap criterion leaves KKT residuals ~√gap; Newton on the settled support removes them
  if (options.polish ?? true) {
    const before = P.kkt(P.residual(Z, b2), Z, b2);
    if (before > 1e-13) newtonSteps += newtonPolish(P, Z, b2, 20);
  }
  R = P.residual(Z, b2);
  last = gapOf();
  const residual = zeros(n, c);
  residual.data.set(R);
  return {
    Z,
    b2,
    residual,
    objective: last.obj,
    restrictedDual: last.dual,
    relGap: last.rel,
    sweeps,
    newtonSteps,
    converged: converged || last.rel <= relTol,
    kkt: P.kkt(R, Z, b2),
  };
}

/** Working sets are used above this many features. */
const WORKING_SET_MIN = 40;

/**
 * Solve the restricted group lasso over the activation vectors A (one per unit direction).
 * Many (correlated) features: working-set strategy — solve on the features that are nonzero or
 * most violate ‖a_kᵀR‖ ≤ β, add the worst violators, repeat until no feature violates the KKT
 * condition (to 1e-12 relative) — the result is then optimal over all features.
 */
export function solveLasso(A: Float64Array[], Y: Mat, beta: number, offset: OffsetMode, options: LassoOptions = {}): LassoResult {
  const K = A.length;
  if (K <= WORKING_SET_MIN) return solveDirect(A, Y, beta, offset, options);
  const c = Y.cols;
  const P = new Problem(A, Y, beta, offset);
  const inW = new Uint8Array(K);
  const Zfull: Float64Array[] = [];
  for (let k = 0; k < K; k++) {
    const w = options.warm?.Z[k];
    Zfull.push(w && w.length === c && P.aa[k] > 0 ? new Float64Array(w) : new Float64Array(c));
    if (norm(Zfull[k]) > 0) inW[k] = 1;
  }
  const b2 = new Float64Array(c);
  if (offset !== 'none' && options.warm?.b2) b2.set(options.warm.b2);
  let sweeps = 0, newtonSteps = 0;
  const g = new Float64Array(c);
  for (let round = 0; round < 200; round++) {
    const R = P.residual(Zfull, b2);
    const viol: { k: number; v: number }[] = [];
    for (let k = 0; k < K; k++) {
      if (inW[k] || !(P.aa[k] > 0)) continue;
      const v = norm(P.corr(k, R, g));
      if (v > beta * (1 + 1e-12)) viol.push({ k, v });
    }
    if (viol.length === 0 && round > 0) break;
    viol.sort((x, y) => y.v - x.v);
    for (const { k } of viol.slice(0, 10)) inW[k] = 1;
    const idx: number[] = [];
    for (let k = 0; k < K; k++) if (inW[k]) idx.push(k);
    const sub = solveDirect(
      idx.map((k) => A[k]),
      Y,
      beta,
      offset,
      { ...options, warm: { Z: idx.map((k) => Zfull[k]), b2 } },
    );
    sweeps += sub.sweeps;
    newtonSteps += sub.newtonSteps;
    idx.forEach((k, t) => Zfull[k].set(sub.Z[t]));
    b2.set(sub.b2);
    if (viol.length === 0) break;
  }
  const R = P.residual(Zfull, b2);
  const obj = P.objective(R, Zfull, b2);
  const dual = P.restrictedDual(R);
  const rel = obj > 0 ? (obj - dual) / obj : 0;
  const residual = zeros(Y.rows, c);
  residual.data.set(R);
  return {
    Z: Zfull,
    b2,
    residual,
    objective: obj,
    restrictedDual: dual,
    relGap: rel,
    sweeps,
    newtonSteps,
    converged: rel <= (options.relTol ?? LASSO_REL_TOL),
    kkt: P.kkt(R, Zfull, b2),
  };
}

/** Large bias of a constant neuron (free hidden bias): its penalty (β/2)‖v‖² = (β/2)‖b‖²/t² is negligible. */
export const CONSTANT_NEURON_SCALE = 1e8;

/**
 * The network the lasso solution describes: neuron k has ũ = u_k√‖z_k‖ and v = z_k/√‖z_k‖ (the
 * direction's bias entry becomes b1 for decayed/free hidden bias); zero groups are left out.
 * The offset becomes b2 when the output bias is free (or decayed with a decayed offset); with a
 * free hidden bias and no free output bias, it is realized as a constant neuron (u = 0, b1 = t,
 * v = offset/t, penalty (β/2)‖offset‖²/t² with t = 1e8·max(1, ‖offset‖)).
 */
export function lassoNetwork(
  dirs: Float64Array[],
  Z: Float64Array[],
  offset: Float64Array,
  d: number,
  modes: CertifyModes,
): NetworkWeights {
  const c = offset.length;
  const live: number[] = [];
  for (let k = 0; k < Z.length; k++) if (norm(Z[k]) > 0) live.push(k);
  const hb: HiddenBiasMode = modes.hiddenBias;
  const offNorm = norm(offset);
  const constNeuron = hb === 'free' && modes.outputBias !== 'free' && offNorm > 0;
  const m = live.length + (constNeuron ? 1 : 0);
  const W1 = zeros(m, d);
  const W2 = zeros(c, m);
  const b1 = hb === 'none' ? null : new Float64Array(m);
  live.forEach((k, t) => {
    const nz = norm(Z[k]);
    const sc = Math.sqrt(nz);
    for (let i = 0; i < d; i++) W1.data[t * d + i] = dirs[k][i] * sc;
    if (b1) b1[t] = dirs[k][d] * sc;
    for (let j = 0; j < c; j++) W2.data[j * m + t] = Z[k][j] / sc;
  });
  let b2: Float64Array | null = modes.outputBias === 'none' ? null : new Float64Array(c);
  if (constNeuron && b1) {
    const t = live.length;
    const big = CONSTANT_NEURON_SCALE * Math.max(1, offNorm);
    b1[t] = big;
    for (let j = 0; j < c; j++) W2.data[j * m + t] = offset[j] / big;
  } else if (b2) b2.set(offset);
  if (modes.outputBias === 'none' && !constNeuron) b2 = null;
  return { W1, b1, W2, b2 };
}

/** The lasso's offset mode for given network modes: a free hidden bias makes constants free. */
export function offsetModeFor(modes: CertifyModes): OffsetMode {
  return modes.hiddenBias === 'free' ? 'free' : modes.outputBias;
}
