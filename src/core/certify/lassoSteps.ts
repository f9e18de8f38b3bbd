/**
 * The exact steps of the restricted group-lasso solver (see ./lasso.ts): the problem's residual,
 * objective, restricted dual and KKT measure; Newton polish on the active groups; feature-sign
 * search (the exact active-set method for c = 1).
 */
import { ridgeCholeskySolve, symmetricSolve } from '../linalg/spd';
import { addGroupNormTerms } from '../linalg/groupNorm';
import type { Mat } from '../linalg/mat';
import type { OutputBiasMode } from '../problem/network';

export function norm(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return Math.sqrt(s);
}

/** Σ_q x_q·y_q, in index order (the order every Gram entry of the solver has always been summed in). */
function dotOf(x: Float64Array, y: Float64Array): number {
  let s = 0;
  for (let q = 0; q < x.length; q++) s += x[q] * y[q];
  return s;
}

/**
 * The inner products a_kᵀa_l and a_kᵀ1 of feature vectors, each computed once (the Newton and
 * feature-sign steps rebuild their Gram matrices over nearly the same active set every step, and the
 * working-set rounds over nearly the same features). Each entry is the same sum in the same order as
 * computed afresh, so a remembered value is bit-identical. Keyed by the vectors themselves: they must
 * not be written while the memo is in use (the feature vectors of column generation never are).
 */
export class GramMemo {
  private readonly ids = new WeakMap<Float64Array, number>();
  private readonly values = new Map<number, number>();
  private next = 0;

  private id(x: Float64Array): number {
    let i = this.ids.get(x);
    if (i === undefined) this.ids.set(x, (i = this.next++));
    return i;
  }

  /** xᵀy */
  dot(x: Float64Array, y: Float64Array): number {
    const i = this.id(x),
      j = this.id(y);
    // the pair key is an exact double while both ids are below 2^26; past that nothing is remembered
    if (i >= 2 ** 26 || j >= 2 ** 26) return dotOf(x, y);
    const key = i < j ? i * 2 ** 26 + j : j * 2 ** 26 + i;
    let v = this.values.get(key);
    if (v === undefined) this.values.set(key, (v = dotOf(x, y)));
    return v;
  }

  /** xᵀ1, summed as xᵀy with y = 1 (x_q·1 = x_q exactly) */
  sum(x: Float64Array): number {
    const key = -1 - this.id(x);
    let v = this.values.get(key);
    if (v === undefined) {
      v = 0;
      for (let q = 0; q < x.length; q++) v += x[q];
      this.values.set(key, v);
    }
    return v;
  }
}

export class Problem {
  readonly n: number;
  readonly c: number;
  readonly K: number;
  readonly aa: Float64Array;
  constructor(
    readonly A: Float64Array[],
    readonly Y: Mat,
    readonly beta: number,
    readonly offset: OutputBiasMode,
    readonly gram: GramMemo = new GramMemo(),
  ) {
    this.n = Y.rows;
    this.c = Y.cols;
    this.K = A.length;
    this.aa = new Float64Array(this.K);
    for (let k = 0; k < this.K; k++) this.aa[k] = norm(A[k]) ** 2;
  }

  /** Entry (i, j) of the Gram matrix of the feature vectors S, then the all-ones offset column (index S.length): Σ_q v_i[q]·v_j[q]. */
  gramOf(S: number[], i: number, j: number): number {
    const m = S.length;
    if (i === m && j === m) return this.n; // Σ 1·1 over n rows: exactly n
    if (j === m) return this.gram.sum(this.A[S[i]]);
    if (i === m) return this.gram.sum(this.A[S[j]]);
    return this.gram.dot(this.A[S[i]], this.A[S[j]]);
  }

  residual(Z: Float64Array[], b2: Float64Array): Float64Array {
    const { n, c } = this;
    const R = new Float64Array(this.Y.data);
    for (let k = 0; k < this.K; k++) {
      const z = Z[k],
        a = this.A[k];
      if (norm(z) === 0) continue;
      if (c === 1) {
        const z0 = z[0];
        for (let i = 0; i < n; i++) if (a[i] !== 0) R[i] -= a[i] * z0;
      } else for (let i = 0; i < n; i++) if (a[i] !== 0) for (let j = 0; j < c; j++) R[i * c + j] -= a[i] * z[j];
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
    if (c === 1) {
      // the same sum as below, kept in a local
      let s = 0;
      for (let i = 0; i < n; i++) if (a[i] !== 0) s += a[i] * R[i];
      out[0] = s;
      return out;
    }
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
    let lin = 0,
      quad = 0;
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
    return this.kktUpTo(R, Z, b2);
  }

  /**
   * kkt(), except that it returns as soon as the running maximum reaches `stop` (a caller that asks
   * only whether the KKT residual is below `stop` gets the same answer).
   */
  kktUpTo(R: Float64Array, Z: Float64Array[], b2: Float64Array, stop?: number): number {
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
      if (stop !== undefined && worst >= stop) return worst;
    }
    if (this.offset !== 'none') {
      const s = this.colSums(R);
      if (this.offset === 'decayed') for (let j = 0; j < c; j++) s[j] -= beta * b2[j];
      worst = Math.max(worst, norm(s) / beta);
    }
    return worst;
  }
}

/**
 * The Newton system of the restricted lasso on the active groups S (and the offset): the Gram blocks
 * of the features plus the curvature β(I − zzᵀ/‖z‖²)/‖z‖ of each group norm, and the gradient.
 */
function newtonSystem(P: Problem, Z: Float64Array[], b2: Float64Array, S: number[], R: Float64Array): { H: Float64Array; grad: Float64Array } {
  const { c, beta } = P;
  const hasOff = P.offset !== 'none';
  const blocks = S.length + (hasOff ? 1 : 0);
  const p = blocks * c;
  const H = new Float64Array(p * p);
  const grad = new Float64Array(p);
  const g = new Float64Array(c);
  for (let bi = 0; bi < blocks; bi++) {
    for (let bj = bi; bj < blocks; bj++) {
      const gv = P.gramOf(S, bi, bj);
      for (let j = 0; j < c; j++) {
        H[(bi * c + j) * p + bj * c + j] = gv;
        H[(bj * c + j) * p + bi * c + j] = gv;
      }
    }
  }
  for (let bi = 0; bi < S.length; bi++) {
    const z = Z[S[bi]];
    const nz = norm(z);
    P.corr(S[bi], R, g);
    for (let i = 0; i < c; i++) grad[bi * c + i] = -g[i];
    addGroupNormTerms(z, 0, c, nz, beta, grad, H, p, bi * c);
  }
  if (hasOff) {
    const s = P.colSums(R);
    const o = S.length * c;
    for (let j = 0; j < c; j++) {
      grad[o + j] = -s[j] + (P.offset === 'decayed' ? beta * b2[j] : 0);
      if (P.offset === 'decayed') H[(o + j) * p + o + j] += beta;
    }
  }
  return { H, grad };
}

/** Whether the KKT residual at (R, Z, b2) is below `bound`. */
function below(P: Problem, R: Float64Array, Z: Float64Array[], b2: Float64Array, bound: number): boolean {
  return P.kktUpTo(R, Z, b2, bound) < bound;
}

/** Whether the trial point (Zn, bn) equals (Z, b2) bit for bit on the groups S and the offset. */
function unmoved(Z: Float64Array[], Zn: Float64Array[], b2: Float64Array, bn: Float64Array, S: number[]): boolean {
  for (let j = 0; j < b2.length; j++) if (!Object.is(bn[j], b2[j])) return false;
  for (const k of S) for (let j = 0; j < Z[k].length; j++) if (!Object.is(Zn[k][j], Z[k][j])) return false;
  return true;
}

/**
 * Z for a trial point that changes only the groups S: those are copied, the others shared (a trial
 * never writes them, and an accepted one copies back only S).
 */
function copyGroups(Z: Float64Array[], S: number[]): Float64Array[] {
  const Zn = Z.slice();
  for (const k of S) Zn[k] = new Float64Array(Z[k]);
  return Zn;
}

/** Of the candidate step lengths (each optionally with one group set to 0), the one with the lowest objective. */
function bestCandidate(
  P: Problem,
  Z: Float64Array[],
  b2: Float64Array,
  S: number[],
  dx: Float64Array,
  cands: { t: number; zero: number }[],
): { f: number; R: Float64Array; Zn: Float64Array[]; bn: Float64Array } | null {
  const c = P.c,
    hasOff = P.offset !== 'none';
  let best: { f: number; R: Float64Array; Zn: Float64Array[]; bn: Float64Array } | null = null;
  for (const cand of cands) {
    const Zn = copyGroups(Z, S);
    const bn = new Float64Array(b2);
    for (let bi = 0; bi < S.length; bi++) for (let j = 0; j < c; j++) Zn[S[bi]][j] += cand.t * dx[bi * c + j];
    if (hasOff) for (let j = 0; j < c; j++) bn[j] += cand.t * dx[S.length * c + j];
    if (cand.zero >= 0) Zn[S[cand.zero]].fill(0);
    const R1 = P.residual(Zn, bn);
    const f1 = P.objective(R1, Zn, bn);
    if (f1 < (best?.f ?? Infinity)) best = { f: f1, R: R1, Zn, bn };
  }
  return best;
}

/**
 * c = 1: the objective is quadratic on a sign orthant; the step stops at the first sign crossing
 * (tMax) and sets that coefficient (`hit`, an index into S; −1: none) to exactly 0 — an active-set
 * step, as in NNLS. With a singular Gram matrix (near-duplicate features) the ridge-regularized step
 * is long along the null space, where the ℓ1 term decreases linearly: the crossing then removes a
 * redundant feature.
 */
function firstSignCrossing(Z: Float64Array[], S: number[], dx: Float64Array): { tMax: number; hit: number } {
  let tMax = 1;
  let hit = -1;
  for (let bi = 0; bi < S.length; bi++) {
    const z = Z[S[bi]][0],
      dz = dx[bi];
    if (z * dz < 0) {
      const tc = -z / dz;
      if (tc < tMax) {
        tMax = tc;
        hit = bi;
      }
    }
  }
  return { tMax, hit };
}

/**
 * c > 1: along z_k + tΔ_k a group may pass (near) zero — the analogue of a sign crossing. The
 * candidates: t = 1 and each group's closest approach to 0 in (0, 1), there with and without that
 * group set to 0 (`zero`: an index into S); the best objective is taken if it decreases.
 */
function groupCandidates(Z: Float64Array[], S: number[], dx: Float64Array, c: number): { t: number; zero: number }[] {
  const cands: { t: number; zero: number }[] = [{ t: 1, zero: -1 }];
  for (let bi = 0; bi < S.length; bi++) {
    const z = Z[S[bi]];
    let zd = 0,
      dd = 0;
    for (let j = 0; j < c; j++) {
      const dj = dx[bi * c + j];
      zd += z[j] * dj;
      dd += dj * dj;
    }
    if (dd > 0 && zd < 0) {
      const tc = -zd / dd;
      if (tc < 1) {
        cands.push({ t: tc, zero: bi });
        cands.push({ t: tc, zero: -1 });
      }
    }
  }
  return cands;
}

/** One Newton step family on the active groups; returns the number of accepted steps. */
export function newtonPolish(P: Problem, Z: Float64Array[], b2: Float64Array, maxSteps: number): number {
  const { c, beta } = P;
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
    // the KKT residual at the start is needed only when a step ties f0 within rounding
    let kkt0: number | undefined;
    const { H, grad } = newtonSystem(P, Z, b2, S, R);
    if (norm(grad) <= 1e-15 * beta * Math.sqrt(p)) return accepted;
    let trace = 0;
    for (let i = 0; i < p; i++) trace += H[i * p + i];
    const dx = ridgeCholeskySolve(
      H,
      p,
      grad.map((v) => -v),
      [(1e-13 * trace) / p],
    );
    if (!dx) return accepted;
    const { tMax, hit } = c === 1 ? firstSignCrossing(Z, S, dx) : { tMax: 1, hit: -1 };
    /**
     * Takes the step when it lowers f, or — near the optimum, where f changes below rounding —
     * when f stays within rounding and the KKT residual shrinks.
     */
    const tryAccept = (f1: number, R1: Float64Array, Zn: Float64Array[], bn: Float64Array): boolean => {
      const ok = f1 < f0 || (f1 <= f0 + 8 * 2.220446049250313e-16 * Math.abs(f0) && below(P, R1, Zn, bn, (kkt0 ??= P.kkt(R, Z, b2))));
      if (!ok) return false;
      for (const k of S) Z[k].set(Zn[k]);
      b2.set(bn);
      accepted++;
      return true;
    };
    let done = false;
    if (c > 1) {
      const best = bestCandidate(P, Z, b2, S, dx, groupCandidates(Z, S, dx, c));
      if (best) done = tryAccept(best.f, best.R, best.Zn, best.bn);
    }
    let t = tMax;
    for (let ls = 0; ls < 40 && !done; ls++, t *= 0.5) {
      const Zn = copyGroups(Z, S);
      const bn = new Float64Array(b2);
      for (let bi = 0; bi < S.length; bi++) for (let j = 0; j < c; j++) Zn[S[bi]][j] += t * dx[bi * c + j];
      if (hasOff) for (let j = 0; j < c; j++) bn[j] += t * dx[S.length * c + j];
      if (c === 1 && hit >= 0 && t === tMax) Zn[S[hit]][0] = 0;
      // t·dx has fallen below rounding: this trial and every shorter one is the start point itself,
      // which tryAccept rejects (same objective, same KKT residual), so the search ends here
      else if (unmoved(Z, Zn, b2, bn, S)) break;
      let flipped = false;
      if (c === 1) for (const k of S) if (Zn[k][0] !== 0 && Math.sign(Zn[k][0]) !== Math.sign(Z[k][0])) flipped = true;
      if (flipped) continue;
      const R1 = P.residual(Zn, bn);
      const f1 = P.objective(R1, Zn, bn);
      done = tryAccept(f1, R1, Zn, bn);
    }
    if (!done) return accepted;
  }
  return accepted;
}

/**
 * Feature-sign search (Lee, Battle, Raina & Ng 2007) for c = 1: the exact active-set method of the
 * ℓ1-regularized least squares. On an active set S with signs θ the objective is the quadratic
 * ½‖Y − A_S z − 1b‖² + βθᵀz (+ (β/2)b² decayed offset), minimized by one linear solve; the line
 * search from the current point to that minimizer visits every sign change and keeps the best
 * point, so the objective strictly decreases and the method ends after finitely many steps.
 * Returns the number of steps taken; z and b are updated in place.
 */
export function featureSign(P: Problem, Z: Float64Array[], b2: Float64Array, maxSteps: number): number {
  const K = P.K;
  const hasOff = P.offset !== 'none';
  const g = new Float64Array(1);
  let steps = 0;
  let fCur = P.objective(P.residual(Z, b2), Z, b2);
  const kktTol = featureSignKktTol(P);
  const theta = new Float64Array(K);
  for (let k = 0; k < K; k++) theta[k] = Math.sign(Z[k][0]);
  let solvedToRounding = false;
  let activated = -1;
  while (steps < maxSteps) {
    const R = P.residual(Z, b2);
    const activeOk = solvedToRounding || activeSetOptimal(P, Z, b2, R, theta, kktTol, g);
    if (activeOk) {
      const best = enteringFeature(P, Z, R, kktTol, g);
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
    const x = signFixedMinimizer(P, S, theta);
    if (!x) return steps;
    steps++;
    // segment from the current point x0 to x1 = x
    const x0 = new Float64Array(p);
    S.forEach((k, i) => (x0[i] = Z[k][0]));
    if (hasOff) x0[p - 1] = b2[0];
    const best = bestOnSegment(P, Z, S, x0, x);
    if (!best || !(best.f <= fCur + 8 * 2.220446049250313e-16 * Math.abs(fCur))) return steps; // no progress
    const progressed = best.f < fCur;
    S.forEach((k, i) => {
      Z[k][0] = best.z[i];
      theta[k] = Math.sign(best.z[i]) || theta[k];
    });
    if (hasOff) b2[0] = best.b;
    fCur = Math.min(fCur, best.f);
    if (!progressed) {
      if (activeOk) return steps; // no feature can be added with progress
      solvedToRounding = true; // re-solving this active set cannot help: try adding a feature next
    } else solvedToRounding = false;
  }
  return steps;
}

/** The KKT tolerance of feature-sign search: relative to β, plus the rounding floor of a_kᵀR (max ‖a_k‖·‖Y‖). */
function featureSignKktTol(P: Problem): number {
  let scale = 0;
  const yn = norm(P.Y.data);
  for (let k = 0; k < P.K; k++) scale = Math.max(scale, Math.sqrt(P.aa[k]) * yn);
  return 1e-13 * P.beta + 1e-15 * scale;
}

/** Optimality on the active set: a_kᵀR = βθ_k for every z_k ≠ 0, and the offset's own condition, to kktTol. */
function activeSetOptimal(P: Problem, Z: Float64Array[], b2: Float64Array, R: Float64Array, theta: Float64Array, kktTol: number, g: Float64Array): boolean {
  let ok = true;
  for (let k = 0; k < P.K; k++) {
    if (Z[k][0] === 0) continue;
    P.corr(k, R, g);
    if (Math.abs(g[0] - P.beta * theta[k]) > kktTol) ok = false;
  }
  if (P.offset !== 'none') {
    const sres = P.colSums(R)[0] - (P.offset === 'decayed' ? P.beta * b2[0] : 0);
    if (Math.abs(sres) > kktTol) ok = false;
  }
  return ok;
}

/** The zero coefficient whose |a_kᵀR| exceeds β + kktTol the most, or −1 when none does (the optimum). */
function enteringFeature(P: Problem, Z: Float64Array[], R: Float64Array, kktTol: number, g: Float64Array): number {
  let best = -1,
    bestV = P.beta + kktTol;
  for (let k = 0; k < P.K; k++) {
    if (Z[k][0] !== 0 || !(P.aa[k] > 0)) continue;
    const v = Math.abs(P.corr(k, R, g)[0]);
    if (v > bestV) {
      bestV = v;
      best = k;
    }
  }
  return best;
}

/**
 * The minimizer of ½‖Y − A_S z − 1b‖² + βθᵀz (+ (β/2)b² decayed offset) on the active set S with signs θ:
 * one linear solve of the normal equations (the offset, when there is one, last); null when it fails.
 */
function signFixedMinimizer(P: Problem, S: number[], theta: Float64Array): Float64Array | null {
  const { n, beta } = P;
  const hasOff = P.offset !== 'none';
  const p = S.length + (hasOff ? 1 : 0);
  const H = new Float64Array(p * p);
  const rhs = new Float64Array(p);
  const y = P.Y.data;
  for (let i = 0; i < p; i++) {
    for (let j = i; j < p; j++) {
      const sum = P.gramOf(S, i, j);
      H[i * p + j] = sum;
      H[j * p + i] = sum;
    }
    let ry = 0;
    if (i < S.length) {
      const a = P.A[S[i]];
      for (let q = 0; q < n; q++) ry += a[q] * y[q];
    } else for (let q = 0; q < n; q++) ry += y[q]; // the ones column: 1·y_q = y_q exactly
    rhs[i] = ry - (i < S.length ? beta * theta[S[i]] : 0);
  }
  if (P.offset === 'decayed') H[(p - 1) * p + p - 1] += beta;
  return symmetricSolve(H, p, rhs);
}

/**
 * The line search of feature-sign search: the best point of the segment x0 → x1 (coefficients of S, then the
 * offset) among t = 1 and every sign change in (0, 1); null when no candidate lies in (0, 1].
 */
function bestOnSegment(P: Problem, Z: Float64Array[], S: number[], x0: Float64Array, x1: Float64Array): { f: number; z: Float64Array; b: number } | null {
  const hasOff = P.offset !== 'none';
  const p = x0.length;
  const ts = [1];
  for (let i = 0; i < S.length; i++) if (x0[i] !== 0 && Math.sign(x1[i]) !== Math.sign(x0[i])) ts.push(x0[i] / (x0[i] - x1[i]));
  let best: { f: number; z: Float64Array; b: number } | null = null;
  let bestF = Infinity;
  for (const t of ts) {
    if (!(t > 0 && t <= 1)) continue;
    const zt = new Float64Array(S.length);
    for (let i = 0; i < S.length; i++) {
      const v = x0[i] + t * (x1[i] - x0[i]);
      // a coefficient reaching its sign change is set to exactly 0
      zt[i] = x0[i] !== 0 && t < 1 && t === x0[i] / (x0[i] - x1[i]) ? 0 : v;
    }
    const bt = hasOff ? x0[p - 1] + t * (x1[p - 1] - x0[p - 1]) : 0;
    const Zt = copyGroups(Z, S);
    S.forEach((k, i) => (Zt[k][0] = zt[i]));
    const bb = Float64Array.of(bt);
    const f = P.objective(P.residual(Zt, bb), Zt, bb);
    if (f < bestF) {
      bestF = f;
      best = { f, z: zt, b: bt };
    }
  }
  return best;
}
