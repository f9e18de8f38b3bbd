/**
 * Softmax cross-entropy ℓ(f) = lse(f) − ⟨y, f⟩ (y a one-hot row, or any point of the simplex Δ;
 * MATH.md §8, derived): ℓ*(g) = sup_f ⟨g + y, f⟩ − lse(f) = lse*(g + y), and lse* is the negative
 * entropy Σ_k q_k log q_k on Δ (+∞ off Δ): the sup over f is attained at softmax(f) = q when q > 0
 * (value Σ q_k log q_k since f_k = log q_k + const and Σq = 1), extends to the faces by closure,
 * and is +∞ if Σq ≠ 1 (move f along 1) or some q_k < 0 (send f_k → −∞). With g = −λ:
 * G(λ) = Σ_i H(y_i − λ_i), H(q) = −Σ_k q_k log q_k, subject to y_i − λ_i ∈ Δ (so Σ_k λ_ik = 0).
 * Candidate λ = y − softmax(F). Labels: one-hot rows (n×c), or class indices (n×1 integers in
 * 0..c−1) converted to one-hot with c = the model's number of outputs.
 */
import { dataError, usageError } from '../errors';
import { type Mat, zeros } from '../linalg/mat';
import { DOMAIN_MARGIN, type Loss } from './loss';
import { betaFromFramework } from './betaMap';

/**
 * Cross-entropy rows with |Σ_k λ_ik| above this (relative) are off the simplex: G = −∞. Below it
 * the value is computed as written and ./dualPoint.ts accounts for the distance to the simplex.
 */
export const CE_ROW_SUM_TOL = 1e-9;
/** Sinkhorn iterations allowed to put a cross-entropy direction on Λᵀ1 = 0. */
const SINKHORN_MAX = 2000;

function rowLse(F: Mat, i: number): number {
  const c = F.cols,
    o = i * c;
  let mx = -Infinity;
  for (let k = 0; k < c; k++) mx = Math.max(mx, F.data[o + k]);
  let s = 0;
  for (let k = 0; k < c; k++) s += Math.exp(F.data[o + k] - mx);
  return mx + Math.log(s);
}

function crossEntropyLabels(Y: Mat, c: number): Mat {
  if (c < 2) throw usageError(`The cross-entropy loss needs at least 2 model outputs (classes); the model has ${c}.`);
  const n = Y.rows;
  const out = zeros(n, c);
  if (Y.cols === 1) {
    // class indices
    for (let i = 0; i < n; i++) {
      const v = Y.data[i];
      if (!Number.isInteger(v) || v < 0 || v >= c)
        throw dataError(`Class index ${v} is not an integer in 0..${c - 1} (the model has ${c} outputs).`, { row: i + 1, column: 1 });
      out.data[i * c + v] = 1;
    }
    return out;
  }
  if (Y.cols !== c) throw usageError(`Cross-entropy labels must be class indices (one column) or one-hot rows with ${c} columns; got ${Y.cols} columns.`);
  for (let i = 0; i < n; i++) {
    let ones = 0;
    for (let j = 0; j < c; j++) {
      const v = Y.data[i * Y.cols + j];
      if (v !== 0 && v !== 1) throw dataError(`One-hot labels must be 0 or 1, found ${v}.`, { row: i + 1, column: j + 1 });
      ones += v;
      out.data[i * c + j] = v;
    }
    if (ones !== 1) throw dataError(`A one-hot label row must contain exactly one 1; this row has ${ones}.`, { row: i + 1, column: 1 });
  }
  return out;
}

/**
 * q_i = y_i − λ_i clamped to ≥ DOMAIN_MARGIN and renormalized; with Λᵀ1 = 0 required, Sinkhorn
 * scaling to row sums 1 and column sums n_k = Σ_i y_ik (feasible: Y itself is).
 */
function intoSimplex(L: Mat, Y: Mat, meanZero: boolean): boolean {
  const n = L.rows,
    c = L.cols;
  const Q = new Float64Array(n * c);
  for (let i = 0; i < n * c; i++) Q[i] = Math.max(DOMAIN_MARGIN, Y.data[i] - L.data[i]);
  const target = new Float64Array(c);
  for (let i = 0; i < n; i++) for (let k = 0; k < c; k++) target[k] += Y.data[i * c + k];
  if (meanZero && target.some((t) => !(t > 0))) return false; // an empty class forces q_ik = 0: no interior point
  const rowNorm = () => {
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let k = 0; k < c; k++) s += Q[i * c + k];
      for (let k = 0; k < c; k++) Q[i * c + k] /= s;
    }
  };
  rowNorm();
  if (meanZero) {
    for (let it = 0; it < SINKHORN_MAX; it++) {
      const cs = new Float64Array(c);
      for (let i = 0; i < n; i++) for (let k = 0; k < c; k++) cs[k] += Q[i * c + k];
      let worst = 0;
      for (let k = 0; k < c; k++) worst = Math.max(worst, Math.abs(cs[k] - target[k]));
      if (worst <= 1e-14 * n) break;
      for (let i = 0; i < n; i++) for (let k = 0; k < c; k++) Q[i * c + k] *= target[k] / cs[k];
      rowNorm();
    }
  }
  for (let i = 0; i < n * c; i++) L.data[i] = Y.data[i] - Q[i];
  return true;
}

export const crossEntropy: Loss = {
  name: 'cross-entropy',
  words: 'softmax cross-entropy',
  torchName: 'CrossEntropyLoss',
  smoothed: false,
  rowSumZero: true,
  value(F: Mat, Y: Mat): number {
    let s = 0;
    for (let i = 0; i < F.rows; i++) {
      let yf = 0;
      for (let k = 0; k < F.cols; k++) yf += Y.data[i * F.cols + k] * F.data[i * F.cols + k];
      s += rowLse(F, i) - yf;
    }
    return s;
  },
  negGradient(F: Mat, Y: Mat, _mu: number, L: Mat): void {
    const c = F.cols;
    for (let i = 0; i < F.rows; i++) {
      const lse = rowLse(F, i);
      for (let k = 0; k < c; k++) L.data[i * c + k] = Y.data[i * c + k] - Math.exp(F.data[i * c + k] - lse);
    }
  },
  dualValue(L: Mat, Y: Mat): number {
    const c = L.cols;
    for (let r = 0; r < L.rows; r++) {
      let rs = 0,
        ra = 0;
      for (let k = 0; k < c; k++) {
        rs += L.data[r * c + k];
        ra += Math.abs(L.data[r * c + k]);
      }
      if (Math.abs(rs) > CE_ROW_SUM_TOL * (1 + ra)) return -Infinity; // clearly off the simplex
    }
    let s = 0;
    for (let i = 0; i < L.data.length; i++) {
      const q = Y.data[i] - L.data[i];
      if (!(q >= 0 && q <= 1)) return -Infinity;
      if (q > 0) s -= q * Math.log(q);
    }
    return s;
  },
  // λ_max(diag(p) − ppᵀ) ≤ 1/2
  curvatureBound: () => 0.5,
  sampleHessian(F: Mat, _Y: Mat, i: number, _mu: number, H: Float64Array): void {
    const c = F.cols;
    H.fill(0);
    let mx = -Infinity;
    for (let k = 0; k < c; k++) mx = Math.max(mx, F.data[i * c + k]);
    const p = new Float64Array(c);
    let s = 0;
    for (let k = 0; k < c; k++) s += p[k] = Math.exp(F.data[i * c + k] - mx);
    for (let k = 0; k < c; k++) p[k] /= s;
    for (let k = 0; k < c; k++) for (let l = 0; l < c; l++) H[k * c + l] = (k === l ? p[k] : 0) - p[k] * p[l];
  },
  intoDomain: intoSimplex,
  domainMargin(L: Mat, Y: Mat): number {
    let m = Infinity;
    for (let i = 0; i < L.data.length; i++) m = Math.min(m, Y.data[i] - L.data[i]);
    return m;
  },
  // |∂G/∂λ_ik| = |1 + log q_ik| ≤ 1 − log(lower) for q at least `lower` inside
  dualLipschitz: (_L, _Y, lower) => 1 + Math.max(1, -Math.log(lower)),
  beta: (spec, n, c) => betaFromFramework(spec, n, c, { torchName: 'CrossEntropyLoss', words: 'cross-entropy', meanOverSamples: true }),
  labels: crossEntropyLabels,
};
