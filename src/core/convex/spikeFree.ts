/**
 * Spike-free data (MATH.md §5, [EP Thm 4]): when the rectified ellipsoid is Q = XB ∩ R^n_+, two
 * neurons suffice and P* is the two-neuron program
 *   min ½‖X(w1 − w2) − y‖² + β(‖w1‖ + ‖w2‖)  s.t. Xw1 ≥ 0, Xw2 ≥ 0   (no biases).
 * Detected cases, each solved in closed form here (independently of the general solver):
 *  - whitened X (n ≤ d, XXᵀ = I): with q_i = Xw_i ≥ 0 and ‖w_i‖ = ‖q_i‖ (minimal norm),
 *    q1 = (1 − β/‖y+‖)_+ y+, q2 = (1 − β/‖y−‖)_+ y−, w_i = Xᵀq_i;
 *  - X = c aᵀ with c ≥ 0: Xw = c(aᵀw) and ‖w‖ ≥ |aᵀw|/‖a‖, so w_i ∝ a and with φ = ‖a‖c the
 *    program is a two-sided scalar lasso: t1 = (φᵀy − β)_+/‖φ‖², t2 = (−φᵀy − β)_+/‖φ‖².
 */
import type { Mat } from '../linalg/mat';
import { zeros } from '../linalg/mat';
import { svd } from '../linalg/decomp';
import type { CertifyModes, NetworkWeights } from '../problem/network';
import { networkObjective } from '../problem/objective';
import { WHITENED_TOL, RANK_ONE_TOL } from '../certify/closedForms';
import type { Detected } from './closedForms1d';

/** c ≥ −SPIKE_FREE_SIGN_TOL·max|c| counts as c ≥ 0 (the sign of the rank-one factor, rounding only). */
export const SPIKE_FREE_SIGN_TOL = 1e-12;

type Kind = 'whitened' | 'rank-one-nonneg';

function whitenedError(X: Mat): number {
  const n = X.rows,
    d = X.cols;
  if (n > d) return Infinity;
  let err = 0;
  for (let i = 0; i < n; i++)
    for (let j = i; j < n; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += X.data[i * d + k] * X.data[j * d + k];
      err = Math.max(err, Math.abs(s - (i === j ? 1 : 0)));
    }
  return err;
}

/** X = c aᵀ with c ≥ 0 (up to the global sign): returns c (length n, ≥ 0) and a, or null. */
function rankOneNonneg(X: Mat): { c: Float64Array; a: Float64Array; s2: number; s1: number } | null {
  const { U, s, V } = svd(X);
  const k = s.length;
  if (!(s[0] > 0) || (k > 1 && s[1] > RANK_ONE_TOL * s[0])) return null;
  const n = X.rows,
    d = X.cols;
  const c = new Float64Array(n),
    a = new Float64Array(d);
  let cmax = 0,
    csum = 0;
  for (let i = 0; i < n; i++) {
    c[i] = U.data[i * k] * s[0];
    cmax = Math.max(cmax, Math.abs(c[i]));
    csum += c[i];
  }
  const flip = csum < 0 ? -1 : 1;
  for (let i = 0; i < n; i++) c[i] *= flip;
  for (let j = 0; j < d; j++) a[j] = V.data[j * k] * flip;
  for (let i = 0; i < n; i++) if (c[i] < -SPIKE_FREE_SIGN_TOL * cmax) return null;
  return { c, a, s1: s[0], s2: k > 1 ? s[1] : 0 };
}

export function detectSpikeFree(X: Mat, modes: CertifyModes): Detected & { kind: Kind | null } {
  if (modes.hiddenBias !== 'none' || modes.outputBias !== 'none')
    return { applies: false, kind: null, condition: 'spike-free forms are for networks without biases', tol: 0 };
  const we = whitenedError(X);
  if (we <= WHITENED_TOL)
    return { applies: true, kind: 'whitened', condition: `whitened: max|XXᵀ − I| = ${we.toExponential(2)} ≤ ${WHITENED_TOL}`, tol: WHITENED_TOL };
  const r1 = rankOneNonneg(X);
  if (r1)
    return {
      applies: true,
      kind: 'rank-one-nonneg',
      condition: `X = c aᵀ with c ≥ 0: σ2/σ1 = ${(r1.s2 / r1.s1).toExponential(2)} ≤ ${RANK_ONE_TOL}, min c ≥ −${SPIKE_FREE_SIGN_TOL}·max|c|`,
      tol: RANK_ONE_TOL,
    };
  return { applies: false, kind: null, condition: 'neither whitened nor c aᵀ with c ≥ 0', tol: WHITENED_TOL };
}

export interface SpikeFreeResult {
  pstar: number;
  network: NetworkWeights;
  value: number;
  kind: Kind;
}

function shrink(t: number, beta: number): number {
  return t > beta ? 1 - beta / t : 0;
}

/** The two-neuron program in closed form for a detected spike-free X (scalar y, no biases). */
export function spikeFreeClosedForm(X: Mat, Y: Mat, beta: number, modes: CertifyModes): SpikeFreeResult | null {
  const det = detectSpikeFree(X, modes);
  if (!det.applies || Y.cols !== 1) return null;
  const n = X.rows,
    d = X.cols;
  const ws: Float64Array[] = [];
  if (det.kind === 'whitened') {
    for (const sg of [1, -1]) {
      const q = Float64Array.from(Y.data, (v) => Math.max(sg * v, 0));
      const qn = Math.hypot(...q);
      const f = shrink(qn, beta);
      const w = new Float64Array(d);
      for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) w[k] += X.data[i * d + k] * q[i] * f;
      ws.push(w);
    }
  } else {
    const { c, a } = rankOneNonneg(X)!;
    // a is unit (a right singular vector) and c carries σ1: Xw = c(aᵀw), φ = c
    let pp = 0,
      py = 0;
    for (let i = 0; i < n; i++) {
      pp += c[i] * c[i];
      py += c[i] * Y.data[i];
    }
    for (const sg of [1, -1]) {
      const t = pp > 0 ? Math.max(sg * py - beta, 0) / pp : 0;
      ws.push(Float64Array.from(a, (x) => x * t));
    }
  }
  // neurons: u = w/√‖w‖, v = ±√‖w‖
  const live = ws.map((w, i) => ({ w, s: i === 0 ? 1 : -1, nw: Math.hypot(...w) })).filter((o) => o.nw > 0);
  const m = live.length;
  const W1 = zeros(m, d),
    W2 = zeros(1, m);
  live.forEach((o, j) => {
    const sc = Math.sqrt(o.nw);
    for (let k = 0; k < d; k++) W1.data[j * d + k] = o.w[k] / sc;
    W2.data[j] = o.s * sc;
  });
  const network: NetworkWeights = { W1, b1: null, W2, b2: null };
  const value = networkObjective(network, X, Y, beta, modes).objective;
  let pen = 0;
  for (const o of live) pen += o.nw;
  // P* from the formula: ½‖X(w1 − w2) − y‖² + β(‖w1‖ + ‖w2‖)
  let loss = 0;
  for (let i = 0; i < n; i++) {
    let f = 0;
    for (const o of live) {
      let t = 0;
      for (let k = 0; k < d; k++) t += X.data[i * d + k] * o.w[k];
      f += o.s * t;
    }
    loss += (f - Y.data[i]) ** 2;
  }
  return { pstar: 0.5 * loss + beta * pen, network, value, kind: det.kind! };
}
