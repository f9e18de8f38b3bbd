/**
 * Activation patterns D = diag(1[X̃u ≥ 0]) for the convex program (MATH.md §3.5, §4, §10).
 *
 * enumeratePatterns — every full-dimensional cell of the central arrangement {x̃_jᵀu = 0} is a
 * pointed cone in the row space of X̃ (rank r) and so has an extreme ray, the null direction ±z of
 * r − 1 independent rows; near z the rows nonzero at z keep their sign and the rows vanishing at z
 * take every sign assignment (some may be impossible: harmless, since on K_D (X̃u)_+ = DX̃u is a
 * real neuron). Count: at most 2Σ_{k<r} C(n−1, k) cells.
 * samplePatterns — Gaussian u, deduplicated (a sampled program is an upper bound on P*: a witness).
 * ownPatterns — the patterns of a network's own neurons, with both sides of near-ties.
 */
import type { Mat } from '../linalg/mat';
import { rowSpaceBasis } from '../linalg/decomp';
import { makeRng, gaussian } from '../random';
import type { NetworkWeights, CertifyModes } from '../problem/network';
import { nullBasis } from '../linalg/dense';

/** Rows with |x̃_jᵀz| ≤ VANISH_TOL·‖x̃_j‖ at a unit null direction count as vanishing (generous: extra patterns are harmless). */
export const VANISH_TOL = 1e-9;
/** Vanishing rows beyond this at one null direction: sign assignments are not exhaustive (complete = false). */
export const MAX_VANISHING = 14;
/**
 * Ties of a trained neuron (MATH.md §10): |x̃_iᵀũ_j| ≤ OWN_TIE_TOL·‖x̃_i‖‖ũ_j‖ counts as on the kink
 * and both sides are included. Float32 weights carry relative errors ~6e-8 per entry; 1e-6 covers
 * their accumulation over the d + 1 terms of a pre-activation.
 */
export const OWN_TIE_TOL = 1e-6;
/** At most 2^OWN_MAX_TIES sign combinations per neuron; beyond, each tied row is flipped alone. */
export const OWN_MAX_TIES = 10;

class PatternSet {
  readonly map = new Map<string, Uint8Array>();
  add(d: Uint8Array): void {
    const key = Buffer.from(d).toString('base64');
    if (!this.map.has(key)) this.map.set(key, d);
  }
  get size(): number {
    return this.map.size;
  }
  list(): Uint8Array[] {
    return [...this.map.values()];
  }
}

function* combinations(n: number, k: number): Generator<number[]> {
  const idx = Array.from({ length: k }, (_, i) => i);
  if (k > n) return;
  for (;;) {
    yield idx.slice();
    let i = k - 1;
    while (i >= 0 && idx[i] === n - k + i) i--;
    if (i < 0) return;
    idx[i]++;
    for (let j = i + 1; j < k; j++) idx[j] = idx[j - 1] + 1;
  }
}

export function enumeratePatterns(Xt: Mat, budget: number): { patterns: Uint8Array[]; complete: boolean } {
  const n = Xt.rows,
    p = Xt.cols;
  const { basis, rank: r } = rowSpaceBasis(Xt);
  const set = new PatternSet();
  if (n === 0 || r === 0) return { patterns: [new Uint8Array(n)], complete: true };
  // rows in row-space coordinates (n × r)
  const A: Float64Array[] = [];
  const norms = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    const a = new Float64Array(r);
    for (let t = 0; t < r; t++) {
      let s = 0;
      for (let k = 0; k < p; k++) s += Xt.data[j * p + k] * basis.data[k * r + t];
      a[t] = s;
    }
    A.push(a);
    norms[j] = Math.hypot(...a);
  }
  let complete = true;
  for (const S of combinations(n, r - 1)) {
    const null_ = nullBasis(
      S.map((j) => A[j]),
      r,
    );
    if (null_.length !== 1) continue; // dependent rows: not an extreme ray
    const z = null_[0];
    for (const sgn of [1, -1]) {
      const base = new Uint8Array(n);
      const vanish: number[] = [];
      for (let j = 0; j < n; j++) {
        let t = 0;
        for (let k = 0; k < r; k++) t += A[j][k] * z[k];
        t *= sgn;
        if (!(norms[j] > 0)) continue;
        if (Math.abs(t) <= VANISH_TOL * norms[j]) vanish.push(j);
        else if (t > 0) base[j] = 1;
      }
      let vs = vanish;
      if (vs.length > MAX_VANISHING) {
        complete = false;
        vs = vs.slice(0, MAX_VANISHING);
      }
      for (let mask = 0; mask < 1 << vs.length; mask++) {
        const d = Uint8Array.from(base);
        for (let q = 0; q < vs.length; q++) if (mask & (1 << q)) d[vs[q]] = 1;
        set.add(d);
        if (set.size > budget) return { patterns: set.list().slice(0, budget), complete: false };
      }
    }
  }
  return { patterns: set.list(), complete };
}

export function samplePatterns(Xt: Mat, count: number, seed: number): Uint8Array[] {
  const n = Xt.rows,
    p = Xt.cols;
  const rng = makeRng(seed);
  const set = new PatternSet();
  const u = new Float64Array(p);
  for (let draw = 0; draw < 20 * count + 20 && set.size < count; draw++) {
    for (let k = 0; k < p; k++) u[k] = gaussian(rng);
    const d = new Uint8Array(n);
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < p; k++) s += Xt.data[j * p + k] * u[k];
      d[j] = s >= 0 ? 1 : 0;
    }
    set.add(d);
  }
  return set.list();
}

export function ownPatterns(net: NetworkWeights, X: Mat, modes: CertifyModes): Uint8Array[] {
  const n = X.rows,
    d = X.cols,
    m = net.W1.rows,
    c = net.W2.rows;
  const withB = modes.hiddenBias !== 'none' && net.b1 !== null;
  const set = new PatternSet();
  for (let j = 0; j < m; j++) {
    let out = 0;
    for (let q = 0; q < c; q++) out += Math.abs(net.W2.data[q * m + j]);
    const b = withB && net.b1 ? net.b1[j] : 0;
    let un = b * b;
    for (let k = 0; k < d; k++) un += net.W1.data[j * d + k] ** 2;
    un = Math.sqrt(un);
    if (!(out > 0) || !(un > 0)) continue;
    const base = new Uint8Array(n);
    const ties: number[] = [];
    for (let i = 0; i < n; i++) {
      let z = b,
        xn = withB ? 1 : 0;
      for (let k = 0; k < d; k++) {
        z += X.data[i * d + k] * net.W1.data[j * d + k];
        xn += X.data[i * d + k] ** 2;
      }
      if (Math.abs(z) <= OWN_TIE_TOL * Math.sqrt(xn) * un) ties.push(i);
      else if (z > 0) base[i] = 1;
    }
    if (ties.length <= OWN_MAX_TIES) {
      for (let mask = 0; mask < 1 << ties.length; mask++) {
        const D = Uint8Array.from(base);
        ties.forEach((i, q) => (D[i] = mask & (1 << q) ? 1 : 0));
        set.add(D);
      }
    } else {
      const on = Uint8Array.from(base);
      for (const i of ties) on[i] = 1;
      set.add(on);
      set.add(Uint8Array.from(base));
      for (const i of ties) {
        const a = Uint8Array.from(base);
        a[i] = 1;
        set.add(a);
        const bb = Uint8Array.from(on);
        bb[i] = 0;
        set.add(bb);
      }
    }
  }
  return set.list();
}
