/**
 * Independent references for the certify tests: exact oracles for tiny geometries (written from
 * the definition M(Λ) = max_{‖u‖≤1} ‖Λᵀ(X̃u)_+‖, not from the project's oracle), a plain forward
 * pass and objective, and a seeded PRNG.
 */
import type { Mat } from '../../src/core/linalg/mat';
import type { OracleFn, OracleOptions, OracleResult } from '../../src/core/oracle/types';
import type { NetworkWeights } from '../../src/core/problem/network';

export function rng(seed: number) {
  let s = seed >>> 0 || 1;
  const u = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
  const normal = () => {
    const a = Math.max(u(), 1e-300),
      b = u();
    return Math.sqrt(-2 * Math.log(a)) * Math.cos(2 * Math.PI * b);
  };
  return { u, normal };
}

export function mat(rows: number, cols: number, f: (i: number, j: number) => number): Mat {
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) data[i * cols + j] = f(i, j);
  return { rows, cols, data };
}

/** Evaluate Λᵀ(X u + b)_+ directly. */
function evalH(X: Mat, L: Mat, u: ArrayLike<number>, b: number): Float64Array {
  const out = new Float64Array(L.cols);
  for (let i = 0; i < X.rows; i++) {
    let z = b;
    for (let k = 0; k < X.cols; k++) z += X.data[i * X.cols + k] * u[k];
    if (z > 0) for (let j = 0; j < L.cols; j++) out[j] += L.data[i * L.cols + j] * z;
  }
  return out;
}
const nrm = (a: ArrayLike<number>) => Math.sqrt(Array.from(a).reduce((s, v) => s + v * v, 0));

function result(X: Mat, L: Mat, u: Float64Array, b: number, method: OracleResult['method']): OracleResult {
  const h = evalH(X, L, u, b);
  const val = nrm(h);
  const upper = val * (1 + 1e-11) + 1e-300;
  return {
    exact: true,
    method,
    upper,
    lower: val,
    argmax: u,
    argmaxBias: b,
    outputDir: L.cols === 1 ? Float64Array.of(h[0] < 0 ? -1 : 1) : h.map((v) => (val > 0 ? v / val : 0)),
    patterns: 0,
    rank: 2,
    roundingAllowance: upper - val,
    notes: ['test reference oracle'],
  };
}

/**
 * Exact M for X̃ with two columns (rank ≤ 2), any c: on each arc of the circle between
 * consecutive zero crossings the pattern D is fixed and ‖ΛᵀDX̃u‖² = uᵀHu is a trigonometric
 * quadratic, maximized at an endpoint or at a critical angle.
 */
export const circleOracle: OracleFn = (X: Mat, L: Mat, options?: Partial<OracleOptions>): OracleResult => {
  if (options?.hiddenBias === 'free') return freeBias1DOracle(X, L, options);
  if (X.cols !== 2) throw new Error('circleOracle: needs 2 columns');
  const n = X.rows,
    c = L.cols;
  const bps: number[] = [];
  for (let i = 0; i < n; i++) {
    const a = X.data[2 * i],
      b = X.data[2 * i + 1];
    if (a === 0 && b === 0) continue;
    const phi = Math.atan2(b, a);
    for (const t of [phi + Math.PI / 2, phi - Math.PI / 2]) bps.push(((t % (2 * Math.PI)) + 2 * Math.PI) % (2 * Math.PI));
  }
  bps.sort((x, y) => x - y);
  if (bps.length === 0) bps.push(0);
  let best = -1;
  let bestU = new Float64Array([1, 0]);
  for (let k = 0; k < bps.length; k++) {
    const t0 = bps[k];
    const t1 = k + 1 < bps.length ? bps[k + 1] : bps[0] + 2 * Math.PI;
    const tm = (t0 + t1) / 2;
    const um = [Math.cos(tm), Math.sin(tm)];
    // G = ΛᵀDX̃ for the arc's pattern
    const G = new Float64Array(c * 2);
    for (let i = 0; i < n; i++) {
      const z = X.data[2 * i] * um[0] + X.data[2 * i + 1] * um[1];
      if (z > 0) for (let j = 0; j < c; j++) for (let q = 0; q < 2; q++) G[j * 2 + q] += L.data[i * c + j] * X.data[2 * i + q];
    }
    let h11 = 0,
      h12 = 0,
      h22 = 0;
    for (let j = 0; j < c; j++) {
      h11 += G[j * 2] ** 2;
      h22 += G[j * 2 + 1] ** 2;
      h12 += G[j * 2] * G[j * 2 + 1];
    }
    const cands = [t0, t1];
    const base = 0.5 * Math.atan2(2 * h12, h11 - h22);
    for (let q = -4; q <= 8; q++) {
      const t = base + (q * Math.PI) / 2;
      if (t > t0 && t < t1) cands.push(t);
    }
    for (const t of cands) {
      const u = [Math.cos(t), Math.sin(t)];
      const v = u[0] * u[0] * h11 + 2 * u[0] * u[1] * h12 + u[1] * u[1] * h22;
      if (v > best) {
        best = v;
        bestU = new Float64Array(u);
      }
    }
  }
  // direct evaluation of the arc-based optimum (and its neighbours, robust to the pattern at kinks)
  return result(X, L, bestU, 0, 'exact-circle');
};

/** Exact M for 1-D X with a free hidden bias (Λᵀ1 = 0 required): breakpoints b = −s·x_i. */
export const freeBias1DOracle: OracleFn = (X: Mat, L: Mat): OracleResult => {
  if (X.cols !== 1) throw new Error('freeBias1DOracle: needs 1 column');
  const n = X.rows,
    c = L.cols;
  let viol = 0,
    abs = 0;
  for (let j = 0; j < c; j++) {
    let s = 0;
    for (let i = 0; i < n; i++) {
      s += L.data[i * c + j];
      abs += Math.abs(L.data[i * c + j]);
    }
    viol = Math.max(viol, Math.abs(s));
  }
  if (viol > 1e-12 * Math.max(abs, 1e-300)) {
    return { ...result(X, L, Float64Array.of(1), 0, 'exact-free-bias'), exact: false, upper: Infinity };
  }
  let best = -1,
    bu = 1,
    bb = 0;
  for (const s of [1, -1])
    for (let i = 0; i < n; i++) {
      const b = -s * X.data[i];
      const v = nrm(evalH(X, L, [s], b));
      if (v > best) {
        best = v;
        bu = s;
        bb = b;
      }
    }
  return result(X, L, Float64Array.of(bu), bb, 'exact-free-bias');
};

/** Exact M for whitened scalar data (XXᵀ = I): max(‖λ+‖, ‖λ−‖). */
export const whitenedOracle: OracleFn = (X: Mat, L: Mat): OracleResult => {
  const n = X.rows,
    d = X.cols;
  const lp = Array.from(L.data, (v) => Math.max(v, 0));
  const lm = Array.from(L.data, (v) => Math.max(-v, 0));
  const w = nrm(lp) >= nrm(lm) ? lp : lm;
  const u = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) u[k] += X.data[i * d + k] * w[i];
  const un = nrm(u);
  if (un > 0) for (let k = 0; k < d; k++) u[k] /= un;
  else u[0] = 1;
  const r = result(X, L, u, 0, 'exact-whitened');
  const m = Math.max(nrm(lp), nrm(lm));
  return { ...r, upper: m * (1 + 1e-11), lower: r.lower };
};

/** Plain forward pass and objective, written independently of src/core/model.ts. */
/** f(X) row by row (n·c values), written from the definition. */
export function forwardRef(net: NetworkWeights, X: Mat): number[] {
  const n = X.rows,
    d = X.cols,
    m = net.W1.rows,
    c = net.W2.rows;
  const out: number[] = [];
  for (let i = 0; i < n; i++)
    for (let q = 0; q < c; q++) {
      let f = net.b2 ? net.b2[q] : 0;
      for (let j = 0; j < m; j++) {
        let z = net.b1 ? net.b1[j] : 0;
        for (let k = 0; k < d; k++) z += net.W1.data[j * d + k] * X.data[i * d + k];
        f += net.W2.data[q * m + j] * Math.max(z, 0);
      }
      out.push(f);
    }
  return out;
}

export function refObjective(net: NetworkWeights, X: Mat, Y: Mat, beta: number, hiddenDecayed: boolean, outputDecayed: boolean): number {
  const n = X.rows,
    d = X.cols,
    m = net.W1.rows,
    c = net.W2.rows;
  let loss = 0;
  for (let i = 0; i < n; i++) {
    const h: number[] = [];
    for (let j = 0; j < m; j++) {
      let z = net.b1 ? net.b1[j] : 0;
      for (let k = 0; k < d; k++) z += net.W1.data[j * d + k] * X.data[i * d + k];
      h.push(Math.max(z, 0));
    }
    for (let q = 0; q < c; q++) {
      let f = net.b2 ? net.b2[q] : 0;
      for (let j = 0; j < m; j++) f += net.W2.data[q * m + j] * h[j];
      loss += (f - Y.data[i * c + q]) ** 2;
    }
  }
  let pen = 0;
  for (const v of net.W1.data) pen += v * v;
  for (const v of net.W2.data) pen += v * v;
  if (hiddenDecayed && net.b1) for (const v of net.b1) pen += v * v;
  if (outputDecayed && net.b2) for (const v of net.b2) pen += v * v;
  return 0.5 * loss + 0.5 * beta * pen;
}

export function randomNet(r: ReturnType<typeof rng>, m: number, d: number, c: number, biases: { b1: boolean; b2: boolean }, scale = 1): NetworkWeights {
  return {
    W1: mat(m, d, () => scale * r.normal()),
    b1: biases.b1 ? Float64Array.from({ length: m }, () => scale * r.normal()) : null,
    W2: mat(c, m, () => scale * r.normal()),
    b2: biases.b2 ? Float64Array.from({ length: c }, () => scale * r.normal()) : null,
  };
}

export function relClose(a: number, b: number, tol: number): boolean {
  return Math.abs(a - b) <= tol * Math.max(1, Math.abs(a), Math.abs(b));
}
