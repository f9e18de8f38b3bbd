/**
 * Neurons as extreme points and auto-encoders (MATH.md §6; [EP] Lemma 7–8, Cor 1, Remark 1).
 *
 * Alignment. At a stationary point neuron j's direction maximizes ψ(w) = ⟨λ̂, (X̃w)_+⟩ over its
 * cell, λ̂ = R·v_j/‖v_j‖ (scalar output: sign(v_j)·R). The sign sits INSIDE the projection:
 * ũ ∝ Π_K(sign(v)·X̃ᵀDR), which is what stationarity gives (Π_K is not odd, so the reading
 * sign(v)·Π_K(X̃ᵀDR) of MATH.md §6 would put a v < 0 neuron in −K). By Moreau,
 * Π_K(g) = g + Σ_i μ_i a_i with μ = argmin_{μ≥0} ‖g + Σ μ_i a_i‖, a_i = ±x̃_i the cell's rows.
 * Ties (§10): a sample on the kink is on both sides. Its term in ψ is replaced by the concave
 * model c·x̃_kᵀw with c ∈ [min(0, λ̂_k), max(0, λ̂_k)] (exact for λ̂_k < 0, a minorant touching ψ at
 * the kink for λ̂_k > 0). The minimax dual is the box-bounded least squares of ./boxls.ts, and
 *   alignment = cos(ũ_j, z*),  z* = g + Σ_i μ*_i a_i = X̃ᵀa,
 * equals 1 exactly when ũ_j is a Clarke-stationary direction within its cell (the global
 * maximizer of ψ, an optimal neuron, always is). Without ties it is cos(ũ_j, Π_{K_{D_j}}(g)).
 *
 * Free hidden bias: b is unpenalized, so ‖·‖ acts on u only. We write b = −x_kᵀu for an anchor k
 * on the kink (the free-bias oracle attains its sup at such a kink, oracle/freeBias.ts) and work in
 * the shifted data x_i − x_k, where the problem is bias-free. The anchor's own multiplier is then
 * unconstrained (it absorbs ∂P/∂b = 0); a neuron with no sample on its kink uses the nearest sample.
 *
 * Auto-encoder reading (representer form). We take the coefficients from stationarity rather than
 * fitting them: z* = Σ_i a_i x̃_i with a_i = λ̂_i on strictly active samples plus the cone/kink
 * multipliers (±μ_i). This is the KKT combination behind [EP] Lemma 8 / Remark 1 (active samples'
 * dual weights plus corrections on kink samples), so it is unique given μ* and says which samples
 * hold the neuron in place. A least-squares fit over the active samples would be non-unique and
 * exact whenever |S_j| ≥ d̃, so it could not tell an optimal neuron from an arbitrary one.
 * Normalization: α = t·a with t = ⟨z*, û⟩/‖z*‖² (û = ũ_j/‖ũ_j‖), i.e. Σ_i α_i x̃_i is the best
 * multiple of z* approximating the UNIT neuron û; residual = ‖û − Σ α_i x̃_i‖ (= √(1 − alignment²)
 * when alignment ≥ 0), computed over all samples, not only the ≤ 10 reported.
 * Reading per mode: decayed — ũ = [u; b] = Σ α_i [x_i; 1], i.e. u = Σ α_i x_i, b = Σ α_i, and with
 * the anchor k on the kink b = −x_kᵀu (the difference form u ∝ Σ α_i(x_i − x_k) holds only up to
 * the factor (I + x_kx_kᵀ)⁻¹ because b is penalized); free — exactly u/‖u‖ = Σ α_i(x_i − x_k),
 * b = −x_kᵀu; none — u = Σ α_i x_i, anchor null.
 */
import { type Mat, zeros } from '../linalg/mat';
import { forward } from '../model';
import { usageError } from '../errors';
import type { NetworkWeights, CertifyModes } from '../problem/network';
import { buildXt } from '../problem/features';
import { neuronInfos } from '../problem/objective';
import type { NeuronInterpretationJson } from '../report/analysisJson';
import { boxLeastSquares } from './boxls';
import { ACTIVE, INACTIVE, KINK, KINK_TOL, checkNetworkAndData, featureRowNorms, neuronPattern, outputWeights, type NeuronPattern } from './pattern';

/** extremePoint ⇔ dualScore ≥ 1 − EXTREME_TOL and alignment ≥ 1 − EXTREME_TOL (cos 1e-3 ≈ 2.6°). */
export const EXTREME_TOL = 1e-3;
/** ‖z*‖ below this fraction of the scale of g (and the kink terms) ⇒ the projection is 0: alignment undefined. */
export const PROJECTION_ZERO_TOL = 1e-12;
/** Vector outputs: duplicates need cos(v_j, v_k) ≥ 1 − this. */
export const DUPLICATE_COS_TOL = 1e-6;
/** Representer coefficients below this fraction of the largest are cancellation noise: not listed (still in the residual). */
export const COEF_ZERO_REL = 1e-10;
/**
 * Work budget (multiply-adds) of one neuron's projection; beyond it the alignment is reported as
 * null (not computed). ≈ 0.3–1 s of JS; a near-stationary neuron (warm start) needs a tiny fraction.
 */
export const PROJECTION_MAX_WORK = 1e8;
/** Rows with |x̃_iᵀũ| ≤ this·‖ũ‖‖x̃_i‖ seed the projection's active set (a speed heuristic only). */
export const WARM_TIGHT_REL = 1e-2;
/** At most this many samples are listed for the auto-encoder reading. */
export const TOP_SAMPLES = 10;

export interface InterpretOptions {
  kinkTol?: number;
  extremeTol?: number;
  /** the dual candidate Λ (n×c) for losses other than squared; default R = Y − f(X) */
  dualDirection?: Mat;
}

export interface StationarityReading {
  alignment: number | null;
  /** α over all n samples (0 off the combination), Σ α_i f_i ≈ û */
  coefs: Float64Array;
  anchor: number | null;
  residual: number;
  converged: boolean;
}

function vdot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/**
 * The stationarity reading of one neuron: alignment and representer coefficients.
 * lamHat: λ̂ (length n); pat: the neuron's pattern with ties; u, b: its raw input weights.
 */
export function stationarity(
  X: Mat,
  Xt: Mat,
  u: ArrayLike<number>,
  b: number,
  pat: NeuronPattern,
  lamHat: Float64Array,
  modes: CertifyModes,
  rowNorms: Float64Array,
): StationarityReading {
  const n = X.rows,
    d = X.cols;
  const free = modes.hiddenBias === 'free';
  const q = free ? d : Xt.cols;
  const none: StationarityReading = { alignment: null, coefs: new Float64Array(n), anchor: null, residual: 1, converged: true };
  // û in the space the norm acts on
  const uh = new Float64Array(q);
  for (let k = 0; k < d; k++) uh[k] = u[k];
  if (!free && q > d) uh[d] = b;
  const un = Math.sqrt(vdot(uh, uh));
  if (!(un > 0)) return none;
  for (let k = 0; k < q; k++) uh[k] /= un;

  let anchor: number | null = null;
  // decayed: the anchor is only a reading aid (a kink sample, or none); free: it carries b = −x_kᵀu
  if ((free && n > 0) || (modes.hiddenBias === 'decayed' && pat.kinks.length)) {
    const pool = pat.kinks.length ? pat.kinks : Array.from({ length: n }, (_, i) => i);
    let best = Infinity;
    for (const i of pool) {
      const r = Math.abs(pat.pre[i]) / (rowNorms[i] || 1);
      if (r < best) [best, anchor] = [r, i];
    }
  }
  // the features f_i (n × q, packed): x̃_i, or x_i − x_anchor with a free bias
  let F = Xt.data;
  if (free) {
    F = new Float64Array(n * q);
    for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) F[i * q + k] = X.data[i * d + k] - X.data[anchor! * d + k];
  }
  const box = stationarityBoxProblem(n, q, pat, lamHat, F, free ? anchor : null, rowNorms);
  const { g, who, sgn, scale } = box;
  // warm start with the rows nearly tight at the neuron (its kink neighbourhood): for a neuron
  // near stationarity these are the projection's active rows. Speed only; the result is the same.
  const tight = box.near
    .sort((x, y) => x.r - y.r)
    .slice(0, q)
    .map((e) => e.t);
  const sol = boxLeastSquares({ g, cols: box.cols, lo: box.lo, hi: box.hi }, { warmFree: tight, maxWork: PROJECTION_MAX_WORK });
  const zs = sol.z;
  const zn = Math.sqrt(vdot(zs, zs));
  // not converged within the work budget: the projection is unknown, so is the alignment
  if (!sol.converged || !(scale > 0) || zn <= PROJECTION_ZERO_TOL * scale) return { ...none, anchor, converged: sol.converged };
  const alignment = vdot(zs, uh) / zn;
  const tScale = vdot(zs, uh) / (zn * zn);
  // a_i: λ̂_i on the active samples plus the multipliers ±μ_t of the columns (who ascending); α = t·a
  const coefs = new Float64Array(n);
  // residual recomputed from the coefficients themselves (not from z*), so it is what the UI shows
  const rec = new Float64Array(q);
  for (let i = 0, t = 0; i < n; i++) {
    let a = 0;
    if (pat.side[i] === ACTIVE && !(free && i === anchor)) a = lamHat[i];
    if (t < who.length && who[t] === i) a += sgn[t] * sol.mu[t++];
    const c = a * tScale;
    coefs[i] = c;
    if (c !== 0) for (let k = 0; k < q; k++) rec[k] += c * F[i * q + k];
  }
  let r2 = 0;
  for (let k = 0; k < q; k++) r2 += (uh[k] - rec[k]) ** 2;
  return { alignment: Math.max(-1, Math.min(1, alignment)), coefs, anchor, residual: Math.sqrt(r2), converged: sol.converged };
}

/**
 * The box least-squares problem whose solution is the projection in the stationarity reading:
 * active samples enter g with their fixed λ̂_i, inactive ones as nonnegative columns −f_i, kink
 * samples with a coefficient between 0 and λ̂_i. `scale` is the size the projection is judged
 * against (zero test). `skip` is the free-bias anchor, which carries the bias and is no column.
 */
function stationarityBoxProblem(n: number, q: number, pat: NeuronPattern, lamHat: Float64Array, F: Float64Array, skip: number | null, rowNorms: Float64Array) {
  const g = new Float64Array(q);
  // column t (packed, at t·q) is sample who[t]'s feature, negated (sgn −1) for an inactive sample
  const cols = new Float64Array(n * q);
  const lo = new Float64Array(n);
  const hi = new Float64Array(n);
  const who = new Int32Array(n);
  const sgn = new Int8Array(n);
  // the columns nearly tight at the neuron, |pre_i|/(‖w‖‖x̃_i‖) ≤ WARM_TIGHT_REL (the warm start's pool)
  const near: { t: number; r: number }[] = [];
  const wn = pat.wNorm || 1;
  let scale = 0;
  let p = 0;
  for (let i = 0; i < n; i++) {
    if (i === skip) continue;
    let f2 = 0;
    for (let k = 0; k < q; k++) f2 += F[i * q + k] * F[i * q + k];
    const fn = Math.sqrt(f2);
    if (!(fn > 0)) continue;
    const s = pat.side[i];
    const sign = s === INACTIVE ? -1 : 1;
    for (let k = 0; k < q; k++) cols[p * q + k] = sign === 1 ? F[i * q + k] : -F[i * q + k];
    if (s === ACTIVE) for (let k = 0; k < q; k++) g[k] += lamHat[i] * F[i * q + k];
    // active and inactive: μ ≥ 0; on the kink: a coefficient between 0 and λ̂_i
    lo[p] = s === KINK ? Math.min(0, lamHat[i]) : 0;
    hi[p] = s === KINK ? Math.max(0, lamHat[i]) : Infinity;
    if (s === KINK) scale += Math.abs(lamHat[i]) * fn;
    const r = Math.abs(pat.pre[i]) / (wn * (rowNorms[i] || 1));
    if (r <= WARM_TIGHT_REL) near.push({ t: p, r });
    sgn[p] = sign;
    who[p++] = i;
  }
  scale += Math.sqrt(vdot(g, g));
  return { g, cols, lo: lo.subarray(0, p), hi: hi.subarray(0, p), who: who.subarray(0, p), sgn, scale, near };
}

/** λ̂ for neuron j: sign(v_j)·R (c = 1) or R·v_j/‖v_j‖. null when v_j = 0. */
function directedDual(R: Mat, v: Float64Array): Float64Array | null {
  const n = R.rows,
    c = R.cols;
  const vn = Math.sqrt(vdot(v, v));
  if (!(vn > 0)) return null;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < c; k++) s += R.data[i * c + k] * v[k];
    out[i] = s / vn;
  }
  return out;
}

/** Groups of live neurons sharing (pattern with ties, sign v); vector outputs: cos(v_j, v_k) ≈ 1. */
function duplicateGroups(pats: NeuronPattern[], vs: Float64Array[], live: boolean[]): (number | null)[] {
  const byKey = new Map<string, number[]>();
  pats.forEach((p, j) => {
    if (!live[j]) return;
    const sign = vs[j].length === 1 ? (vs[j][0] > 0 ? '+' : '-') : '';
    const key = sign + Array.from(p.side).join('');
    const list = byKey.get(key);
    if (list) list.push(j);
    else byKey.set(key, [j]);
  });
  const out: (number | null)[] = pats.map(() => null);
  let next = 0;
  const clusters: number[][] = [];
  for (const list of byKey.values()) {
    if (list.length < 2) continue;
    if (vs[list[0]].length === 1) {
      clusters.push(list);
      continue;
    }
    const left = [...list];
    while (left.length) {
      const head = left.shift()!;
      const hv = vs[head],
        hn = Math.sqrt(vdot(hv, hv));
      const group = [head];
      for (let t = left.length - 1; t >= 0; t--) {
        const w = vs[left[t]];
        if (vdot(hv, w) / (hn * Math.sqrt(vdot(w, w))) >= 1 - DUPLICATE_COS_TOL) group.push(...left.splice(t, 1));
      }
      if (group.length > 1) clusters.push(group);
    }
  }
  clusters.sort((x, y) => Math.min(...x) - Math.min(...y));
  for (const cl of clusters) {
    for (const j of cl) out[j] = next;
    next++;
  }
  return out;
}

/**
 * The indices of the k largest |coefs[i]| above `floor`, largest first, ties by index: a sort of all n indices
 * keeps the same order, but the selection is one pass (the sort was a quarter of the interpretation at n = 10⁴).
 */
function largestCoefs(coefs: Float64Array, floor: number, k: number): number[] {
  const top: number[] = [];
  for (let i = 0; i < coefs.length; i++) {
    const a = Math.abs(coefs[i]);
    if (!(a > floor)) continue;
    // i is after every index already kept: it goes below those with |coef| ≥ a
    let at = top.length;
    while (at > 0 && Math.abs(coefs[top[at - 1]]) < a) at--;
    if (at >= k) continue;
    top.splice(at, 0, i);
    if (top.length > k) top.pop();
  }
  return top;
}

export function interpretNeurons(
  net: NetworkWeights,
  X: Mat,
  Y: Mat,
  beta: number,
  modes: CertifyModes,
  opts: InterpretOptions = {},
): NeuronInterpretationJson[] {
  const n = X.rows,
    d = X.cols,
    m = net.W1.rows,
    c = net.W2.rows;
  checkNetworkAndData(net, X);
  if (!(beta > 0)) throw usageError(`β must be positive (got ${beta}).`, 'beta');
  const kinkTol = opts.kinkTol ?? KINK_TOL;
  const extremeTol = opts.extremeTol ?? EXTREME_TOL;
  let R: Mat;
  if (opts.dualDirection) {
    R = opts.dualDirection;
    if (R.rows !== n || R.cols !== c) throw usageError(`The dual direction is ${R.rows}×${R.cols}; expected ${n}×${c}.`);
    for (let i = 0; i < R.data.length; i++)
      if (!Number.isFinite(R.data[i])) throw usageError(`The dual direction contains a non-finite value at row ${Math.floor(i / c) + 1}.`);
  } else {
    if (Y.rows !== n || Y.cols !== c) throw usageError(`Labels are ${Y.rows}×${Y.cols} but the network outputs ${n}×${c}.`);
    for (let i = 0; i < Y.data.length; i++)
      if (!Number.isFinite(Y.data[i])) throw usageError(`The labels contain a non-finite value at row ${Math.floor(i / c) + 1}.`);
    const F = forward(net, X);
    R = zeros(n, c);
    for (let i = 0; i < R.data.length; i++) R.data[i] = Y.data[i] - F.data[i];
  }
  const infos = neuronInfos(net, X, R, beta, modes);
  const Xt = buildXt(X, modes.hiddenBias === 'none' ? 'none' : 'decayed');
  const rowNorms = featureRowNorms(X, modes);
  const pats: NeuronPattern[] = [];
  const vs: Float64Array[] = [];
  const live: boolean[] = [];
  const out: NeuronInterpretationJson[] = [];
  for (let j = 0; j < m; j++) {
    const pat = neuronPattern(net, j, X, modes, rowNorms, kinkTol);
    const v = outputWeights(net, j);
    pats.push(pat);
    vs.push(v);
    const lam = directedDual(R, v);
    const isLive = !infos[j].dead && lam !== null;
    live.push(isLive);
    const u = net.W1.data.subarray(j * d, (j + 1) * d);
    const b = modes.hiddenBias !== 'none' && net.b1 ? net.b1[j] : 0;
    const st = isLive ? stationarity(X, Xt, u, b, pat, lam, modes, rowNorms) : null;
    const samples: { index: number; coef: number }[] = [];
    if (st && st.alignment !== null) {
      let cmax = 0;
      for (let i = 0; i < n; i++) cmax = Math.max(cmax, Math.abs(st.coefs[i]));
      for (const i of largestCoefs(st.coefs, COEF_ZERO_REL * cmax, TOP_SAMPLES)) samples.push({ index: i, coef: st.coefs[i] });
    }
    const dualScore = infos[j].dualScore;
    const alignment = st ? st.alignment : null;
    out.push({
      index: j,
      activeCount: pat.activeCount,
      kinkSamples: pat.kinks,
      dualScore,
      alignment,
      extremePoint: isLive && alignment !== null && dualScore >= 1 - extremeTol && alignment >= 1 - extremeTol,
      duplicateGroup: null,
      autoencoder: {
        samples,
        anchor: st && st.alignment !== null ? st.anchor : null,
        residual: st && st.alignment !== null ? st.residual : 1,
      },
      match: null,
      matchCosine: null,
    });
  }
  const groups = duplicateGroups(pats, vs, live);
  out.forEach((o, j) => (o.duplicateGroup = groups[j]));
  return out;
}

export { KINK, INACTIVE, ACTIVE };
