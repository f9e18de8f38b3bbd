/**
 * Sound upper bounds for any rank (MATH.md §3.6) and lower bounds by search (hints, random
 * directions, fixed-pattern ascent). Lower bounds never certify anything; they supply `argmax`.
 */
import type { Mat } from '../linalg/mat';
import { sigmaMax, SIGMA_REL_SLACK } from '../linalg/decomp';
import { evalVec, fpRel, gaussian, makeRng, normalize, rowNorms } from './common';
import { CancelledError } from '../errors';

export interface UpperBoundResult {
  upper: number;
  notes: string[];
}

/**
 * Upper bound on M(Λ) = max_{‖u‖≤1} ‖Λᵀ(Xu)_+‖.
 * Scalar: max_± min(Σ_i(±λ_i)_+‖x_i‖, ‖(±λ)_+‖·σ_max(X)).
 *   (±λ)ᵀ(Xu)_+ ≤ Σ_{±λ_i>0} ±λ_i (x_iᵀu)_+ ≤ Σ(±λ_i)_+‖x_i‖, and ≤ ‖(±λ)_+‖‖(Xu)_+‖ ≤ ‖(±λ)_+‖σ_max.
 * Vector: min(‖Λ‖₂σ_max(X), Σ_i‖Λ_i‖‖x_i‖, √Σ_k M̄(Λe_k)²) (‖v‖² = Σ_k v_k²).
 * Each bound is inflated by the relative floating-point slack fpRel(n, d) + SIGMA_REL_SLACK.
 * `sigmaX` may be passed when already known (computed σ_max of X).
 */
export function upperBound(X: Mat, Lambda: Mat, sigmaX?: number): UpperBoundResult {
  const n = X.rows;
  const c = Lambda.cols;
  const sx = (sigmaX ?? sigmaMax(X)) * (1 + SIGMA_REL_SLACK);
  const rn = rowNorms(X);
  const slack = 1 + fpRel(n, X.cols) + SIGMA_REL_SLACK;
  const scalarBound = (k: number): { val: number; which: string } => {
    let sp = 0,
      sm = 0,
      np = 0,
      nm = 0;
    for (let i = 0; i < n; i++) {
      const l = Lambda.data[i * c + k];
      if (l > 0) {
        sp += l * rn[i];
        np += l * l;
      } else if (l < 0) {
        sm -= l * rn[i];
        nm += l * l;
      }
    }
    const bp = Math.min(sp, Math.sqrt(np) * sx);
    const bm = Math.min(sm, Math.sqrt(nm) * sx);
    const val = Math.max(bp, bm);
    const which = (bp >= bm ? sp <= Math.sqrt(np) * sx : sm <= Math.sqrt(nm) * sx) ? 'Σ|λ_i|‖x_i‖' : '‖λ±‖σ_max';
    return { val, which };
  };
  if (c === 1) {
    const b = scalarBound(0);
    return { upper: b.val * slack, notes: [`upper bound: ${b.which} (MATH.md §3.6)`] };
  }
  let rowSum = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < c; k++) s += Lambda.data[i * c + k] ** 2;
    rowSum += Math.sqrt(s) * rn[i];
  }
  const sl = sigmaMax(Lambda) * (1 + SIGMA_REL_SLACK);
  const spec = sl * sx;
  let colSq = 0;
  for (let k = 0; k < c; k++) colSq += scalarBound(k).val ** 2;
  const col = Math.sqrt(colSq);
  const best = Math.min(rowSum, spec, col);
  const which = best === rowSum ? 'Σ‖Λ_i‖‖x_i‖' : best === spec ? '‖Λ‖₂σ_max(X)' : '√Σ_k M̄(Λe_k)²';
  return { upper: best * (1 + 2 * fpRel(n, X.cols)) * slack, notes: [`upper bound: ${which}`] };
}

export interface LowerResult {
  value: number;
  u: Float64Array;
  /** output direction (c = 1: [sign]) */
  out: Float64Array;
}

/** Tracks the best direction by direct evaluation of ‖Λᵀ(Xu)_+‖. */
export class BestTracker {
  best: LowerResult;
  private readonly buf: Float64Array;
  constructor(
    private readonly X: Mat,
    private readonly Lambda: Mat,
  ) {
    this.buf = new Float64Array(Lambda.cols);
    this.best = { value: -1, u: new Float64Array(X.cols), out: new Float64Array(Lambda.cols) };
    if (X.cols > 0) this.best.u[0] = 1;
  }
  /**
   * Evaluates a unit u (normalized here); returns the value. `atU`: Λᵀ(Xu)_+ already computed at
   * uIn, used when normalizing leaves u as it is (norm exactly 1), else evaluated again.
   */
  offer(uIn: ArrayLike<number>, atU?: Float64Array): number {
    const u = Float64Array.from(uIn);
    const nn = normalize(u);
    if (!(nn > 0) || !Number.isFinite(nn)) return -1;
    const v = atU && nn === 1 ? atU : evalVec(this.X, this.Lambda, u, 0, this.buf);
    let val: number;
    const out = new Float64Array(v.length);
    if (v.length === 1) {
      val = Math.abs(v[0]);
      out[0] = v[0] < 0 ? -1 : 1;
    } else {
      let s = 0;
      for (let k = 0; k < v.length; k++) s += v[k] * v[k];
      val = Math.sqrt(s);
      for (let k = 0; k < v.length; k++) out[k] = val > 0 ? v[k] / val : k === 0 ? 1 : 0;
    }
    if (val > this.best.value) this.best = { value: val, u, out };
    return val;
  }
}

/**
 * One fixed-pattern ascent from u: D = 1[Xu > 0], o = current output direction (for c = 1, a
 * sign), u ← X̃ᵀDΛo/‖·‖; repeated while the value improves (at most `iters` steps).
 */
export function ascend(X: Mat, Lambda: Mat, u0: Float64Array, sign0: Float64Array, tracker: BestTracker, iters = 30): void {
  if (Lambda.cols === 1 && (sign0[0] === 1 || sign0[0] === -1)) return ascendScalar(X, Lambda.data, u0, sign0[0], tracker, iters);
  const n = X.rows,
    d = X.cols,
    c = Lambda.cols;
  let u = Float64Array.from(u0);
  let o = Float64Array.from(sign0);
  let prev = -1;
  const g = new Float64Array(d);
  const v = new Float64Array(c);
  for (let it = 0; it < iters; it++) {
    g.fill(0);
    for (let i = 0; i < n; i++) {
      let z = 0;
      for (let k = 0; k < d; k++) z += X.data[i * d + k] * u[k];
      if (z > 0) {
        let w = 0;
        for (let k = 0; k < c; k++) w += Lambda.data[i * c + k] * o[k];
        if (w !== 0) for (let k = 0; k < d; k++) g[k] += w * X.data[i * d + k];
      }
    }
    if (normalize(g) === 0) return;
    u = Float64Array.from(g);
    evalVec(X, Lambda, u, 0, v);
    let val: number;
    if (c === 1) {
      val = Math.abs(v[0]);
      o = Float64Array.of(v[0] < 0 ? -1 : 1);
    } else {
      val = Math.sqrt(v.reduce((a, b) => a + b * b, 0));
      if (val > 0) o = Float64Array.from(v, (x) => x / val);
    }
    tracker.offer(u);
    if (val <= prev * (1 + 1e-15)) return;
    prev = val;
  }
}

/**
 * ascend for c = 1, the same steps and numbers with one pass over the rows per step instead of three: the pass
 * at u gives v = λᵀ(Xu)_+ and both next gradients G± = Σ_{x_iᵀu > 0} (±λ_i) x_i (the sign o of v picks one:
 * the terms w·x_i, w = λ_i·o, of the three-pass loop exactly), and the tracker reuses v when u is already unit.
 */
function ascendScalar(X: Mat, lam: Float64Array, u0: Float64Array, sign0: 1 | -1, tracker: BestTracker, iters: number): void {
  const n = X.rows,
    d = X.cols;
  const Gp = new Float64Array(d);
  const Gm = new Float64Array(d);
  const v = new Float64Array(1);
  /** v, G₊ and G₋ at u: z_i = x_iᵀu summed from 0 as evalVec and ascend do */
  const pass = (u: Float64Array): void => {
    Gp.fill(0);
    Gm.fill(0);
    let s = 0;
    for (let i = 0; i < n; i++) {
      let z = 0;
      const o = i * d;
      for (let k = 0; k < d; k++) z += X.data[o + k] * u[k];
      if (z > 0) {
        const l = lam[i];
        s += l * z;
        // w = 0 + λ·(±1) is ±λ (a zero w adds nothing, as the three-pass loop skips it)
        if (l !== 0)
          for (let k = 0; k < d; k++) {
            Gp[k] += l * X.data[o + k];
            Gm[k] += -l * X.data[o + k];
          }
      }
    }
    v[0] = s;
  };
  pass(Float64Array.from(u0));
  let o: number = sign0;
  let prev = -1;
  for (let it = 0; it < iters; it++) {
    const g = Float64Array.from(o > 0 ? Gp : Gm);
    if (normalize(g) === 0) return;
    const u = g;
    pass(u);
    const val = Math.abs(v[0]);
    o = v[0] < 0 ? -1 : 1;
    tracker.offer(u, v);
    if (val <= prev * (1 + 1e-15)) return;
    prev = val;
  }
}

/**
 * Lower bound by search: hints (rows), `samples` Gaussian directions, then ascent from the best
 * few starts (and from both signs for c = 1).
 */
export function lowerSearch(
  X: Mat,
  Lambda: Mat,
  opts: { hints?: Mat; samples: number; seed: number; starts?: number; shouldStop?: () => boolean },
  tracker?: BestTracker,
): BestTracker {
  const d = X.cols;
  const c = Lambda.cols;
  const tr = tracker ?? new BestTracker(X, Lambda);
  if (d === 0) return tr;
  const cands: { val: number; u: Float64Array }[] = [];
  const push = (u: Float64Array) => {
    const val = tr.offer(u);
    if (val >= 0) cands.push({ val, u });
  };
  if (opts.hints && opts.hints.cols === d) {
    for (let j = 0; j < opts.hints.rows; j++) {
      const h = Float64Array.from(opts.hints.data.subarray(j * d, (j + 1) * d));
      push(h);
      push(h.map((x) => -x));
    }
  }
  for (let k = 0; k < d; k++) {
    const e = new Float64Array(d);
    e[k] = 1;
    push(e);
    const f = new Float64Array(d);
    f[k] = -1;
    push(f);
  }
  const rng = makeRng(opts.seed);
  for (let s = 0; s < opts.samples; s++) {
    if (opts.shouldStop && (s & 255) === 0 && opts.shouldStop()) throw new CancelledError('oracle');
    const u = new Float64Array(d);
    for (let k = 0; k < d; k++) u[k] = gaussian(rng);
    push(u);
  }
  cands.sort((a, b) => b.val - a.val);
  const K = Math.min(cands.length, opts.starts ?? 12);
  for (let j = 0; j < K; j++) {
    const u = Float64Array.from(cands[j].u);
    normalize(u);
    if (c === 1) {
      ascend(X, Lambda, u, Float64Array.of(1), tr);
      ascend(X, Lambda, u, Float64Array.of(-1), tr);
    } else {
      const v = evalVec(X, Lambda, u, 0, new Float64Array(c));
      const nv = normalize(v);
      if (nv === 0) v[0] = 1;
      ascend(X, Lambda, u, v, tr);
    }
  }
  return tr;
}
