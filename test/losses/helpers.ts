/**
 * Independent references for test/losses: losses written from their definitions (not from
 * src/core/losses), a forward pass, a seeded PRNG, and a brute-force P* upper bound: a lasso over
 * a dense dictionary of neuron directions solved by plain proximal gradient, recovered as a
 * network whose objective is recomputed by our own forward pass (a concrete network ⇒ ≥ P*).
 */
import type { Mat } from '../../src/core/linalg/mat';
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
  const normal = () => Math.sqrt(-2 * Math.log(Math.max(u(), 1e-300))) * Math.cos(2 * Math.PI * u());
  return { u, normal };
}

export function mat(rows: number, cols: number, f: (i: number, j: number) => number): Mat {
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) data[i * cols + j] = f(i, j);
  return { rows, cols, data };
}

/** a loss by name, or the Huber loss with threshold δ */
export type Loss = 'hinge' | 'logistic' | 'cross-entropy' | { huber: number };

/** h_δ(r) from PyTorch's HuberLoss definition: 0.5r² for |r| ≤ δ, δ(|r| − 0.5δ) beyond */
export function refHuber(r: number, delta: number): number {
  const a = Math.abs(r);
  return a <= delta ? 0.5 * a * a : delta * (a - 0.5 * delta);
}

/** ℓ_i(f) per sample row, from the definitions; y in the loss's label form (±1 or one-hot) */
export function refSampleLoss(loss: Loss, f: number[], y: number[]): number {
  if (typeof loss === 'object') return f.reduce((s, v, k) => s + refHuber(v - y[k], loss.huber), 0);
  if (loss === 'hinge') return f.reduce((s, v, k) => s + Math.max(0, 1 - y[k] * v), 0);
  if (loss === 'logistic') return f.reduce((s, v, k) => s + Math.log(1 + Math.exp(-y[k] * v)), 0);
  const mx = Math.max(...f);
  const lse = mx + Math.log(f.reduce((s, v) => s + Math.exp(v - mx), 0));
  return lse - f.reduce((s, v, k) => s + y[k] * v, 0);
}

export function refForward(net: NetworkWeights, X: Mat): Mat {
  const n = X.rows,
    d = X.cols,
    m = net.W1.rows,
    c = net.W2.rows;
  const F = mat(n, c, () => 0);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < m; j++) {
      let z = net.b1 ? net.b1[j] : 0;
      for (let k = 0; k < d; k++) z += X.data[i * d + k] * net.W1.data[j * d + k];
      if (z <= 0) continue;
      for (let q = 0; q < c; q++) F.data[i * c + q] += net.W2.data[q * m + j] * z;
    }
  if (net.b2) for (let i = 0; i < n; i++) for (let q = 0; q < c; q++) F.data[i * c + q] += net.b2[q];
  return F;
}

export type HB = 'decayed' | 'none';
export type OB = 'decayed' | 'free' | 'none';

/** P(θ) as trained, from our own forward pass and loss */
export function refObjective(net: NetworkWeights, X: Mat, Y: Mat, beta: number, loss: Loss, hb: HB, ob: OB): number {
  const F = refForward(net, X);
  const c = Y.cols;
  let l = 0;
  for (let i = 0; i < X.rows; i++) l += refSampleLoss(loss, Array.from(F.data.subarray(i * c, i * c + c)), Array.from(Y.data.subarray(i * c, i * c + c)));
  let pen = 0;
  for (const v of net.W1.data) pen += v * v;
  for (const v of net.W2.data) pen += v * v;
  if (hb === 'decayed' && net.b1) for (const v of net.b1) pen += v * v;
  if (ob === 'decayed' && net.b2) for (const v of net.b2) pen += v * v;
  return l + 0.5 * beta * pen;
}

/** gradient of ℓ w.r.t. F (n×c) from the definitions */
function refLossGrad(loss: Loss, F: Mat, Y: Mat, mu: number): Float64Array {
  const n = F.rows,
    c = F.cols;
  const G = new Float64Array(n * c);
  for (let i = 0; i < n; i++) {
    if (loss === 'cross-entropy') {
      const row = Array.from(F.data.subarray(i * c, i * c + c));
      const mx = Math.max(...row);
      const e = row.map((v) => Math.exp(v - mx));
      const s = e.reduce((a, b) => a + b, 0);
      for (let k = 0; k < c; k++) G[i * c + k] = e[k] / s - Y.data[i * c + k];
    } else
      for (let k = 0; k < c; k++) {
        const y = Y.data[i * c + k],
          t = y * F.data[i * c + k];
        // hinge: Huber smoothing with parameter mu (only inside this reference solver)
        G[i * c + k] =
          typeof loss === 'object'
            ? Math.min(loss.huber, Math.max(-loss.huber, F.data[i * c + k] - y))
            : loss === 'logistic'
              ? -y / (1 + Math.exp(t))
              : -y * Math.min(1, Math.max(0, (1 - t) / mu));
      }
  }
  return G;
}

/**
 * Dense dictionary of unit directions in R^{p} (p = d + 1 for a decayed hidden bias, d for none):
 * p = 1: ±1; p = 2: `count` angles; p = 3: a Fibonacci sphere of `count` points.
 */
export function dictionary(p: number, count: number): Float64Array[] {
  const out: Float64Array[] = [];
  if (p === 1) return [Float64Array.of(1), Float64Array.of(-1)];
  if (p === 2) {
    for (let k = 0; k < count; k++) out.push(Float64Array.of(Math.cos((2 * Math.PI * k) / count), Math.sin((2 * Math.PI * k) / count)));
    return out;
  }
  const ga = Math.PI * (3 - Math.sqrt(5));
  for (let k = 0; k < count; k++) {
    const z = 1 - (2 * (k + 0.5)) / count,
      r = Math.sqrt(1 - z * z);
    out.push(Float64Array.of(r * Math.cos(ga * k), r * Math.sin(ga * k), z));
  }
  return out;
}

/**
 * Upper bound on P*: min over z (K×c), b of ℓ(Σ a_k z_kᵀ + 1bᵀ) + βΣ‖z_k‖ (+β/2‖b‖²) by proximal
 * gradient with backtracking (hinge: Huber-smoothed with decreasing μ), then the network built from
 * it and its objective recomputed with the true loss. Returns that objective and the network.
 */
export function bruteUpper(
  X: Mat,
  Y: Mat,
  beta: number,
  loss: Loss,
  hb: HB,
  ob: OB,
  dirs: Float64Array[],
  iters = 3000,
): { value: number; net: NetworkWeights } {
  const n = X.rows,
    d = X.cols,
    c = Y.cols;
  const A: Float64Array[] = [];
  const used: Float64Array[] = [];
  for (const u of dirs) {
    const a = new Float64Array(n);
    let any = false;
    for (let i = 0; i < n; i++) {
      let z = hb === 'decayed' ? u[d] : 0;
      for (let k = 0; k < d; k++) z += X.data[i * d + k] * u[k];
      if (z > 0) {
        a[i] = z;
        any = true;
      }
    }
    if (any) {
      A.push(a);
      used.push(u);
    }
  }
  const K = A.length;
  const Z = new Float64Array(K * c);
  const b = new Float64Array(c);
  const logits = (Zv: Float64Array, bv: Float64Array) => {
    const F = mat(n, c, () => 0);
    for (let k = 0; k < K; k++) for (let i = 0; i < n; i++) if (A[k][i] !== 0) for (let q = 0; q < c; q++) F.data[i * c + q] += A[k][i] * Zv[k * c + q];
    if (ob !== 'none') for (let i = 0; i < n; i++) for (let q = 0; q < c; q++) F.data[i * c + q] += bv[q];
    return F;
  };
  const smooth = (Zv: Float64Array, bv: Float64Array, mu: number) => {
    const F = logits(Zv, bv);
    let l = 0;
    for (let i = 0; i < n; i++)
      for (let q = 0; q < (loss === 'cross-entropy' ? 1 : c); q++) {
        if (loss === 'cross-entropy') l += refSampleLoss(loss, Array.from(F.data.subarray(i * c, i * c + c)), Array.from(Y.data.subarray(i * c, i * c + c)));
        else if (loss === 'logistic' || typeof loss === 'object') l += refSampleLoss(loss, [F.data[i * c + q]], [Y.data[i * c + q]]);
        else {
          const t = Y.data[i * c + q] * F.data[i * c + q];
          l += t >= 1 ? 0 : t >= 1 - mu ? (1 - t) ** 2 / (2 * mu) : 1 - t - mu / 2;
        }
      }
    if (ob === 'decayed') for (const v of bv) l += 0.5 * beta * v * v;
    return { l, F };
  };
  const pen = (Zv: Float64Array) => {
    let s = 0;
    for (let k = 0; k < K; k++) {
      let q = 0;
      for (let j = 0; j < c; j++) q += Zv[k * c + j] ** 2;
      s += Math.sqrt(q);
    }
    return beta * s;
  };
  const mus = loss === 'hinge' ? [1, 0.1, 0.01, 1e-3, 1e-4] : [0];
  let L = 1;
  for (const mu of mus) {
    for (let it = 0; it < iters / mus.length; it++) {
      const { l: f0, F } = smooth(Z, b, mu);
      const G = refLossGrad(loss, F, Y, mu);
      const gZ = new Float64Array(K * c),
        gb = new Float64Array(c);
      for (let k = 0; k < K; k++) for (let i = 0; i < n; i++) if (A[k][i] !== 0) for (let q = 0; q < c; q++) gZ[k * c + q] += A[k][i] * G[i * c + q];
      if (ob !== 'none') for (let i = 0; i < n; i++) for (let q = 0; q < c; q++) gb[q] += G[i * c + q];
      if (ob === 'decayed') for (let q = 0; q < c; q++) gb[q] += beta * b[q];
      for (let bt = 0; bt < 50; bt++) {
        const Zn = new Float64Array(K * c),
          bn = new Float64Array(c);
        for (let k = 0; k < K; k++) {
          let q2 = 0;
          for (let j = 0; j < c; j++) {
            Zn[k * c + j] = Z[k * c + j] - gZ[k * c + j] / L;
            q2 += Zn[k * c + j] ** 2;
          }
          const nv = Math.sqrt(q2),
            f = nv > beta / L ? 1 - beta / L / nv : 0;
          for (let j = 0; j < c; j++) Zn[k * c + j] *= f;
        }
        if (ob !== 'none') for (let q = 0; q < c; q++) bn[q] = b[q] - gb[q] / L;
        let lin = 0,
          quad = 0;
        for (let i = 0; i < K * c; i++) {
          lin += gZ[i] * (Zn[i] - Z[i]);
          quad += (Zn[i] - Z[i]) ** 2;
        }
        for (let q = 0; q < c; q++) {
          lin += gb[q] * (bn[q] - b[q]);
          quad += (bn[q] - b[q]) ** 2;
        }
        if (smooth(Zn, bn, mu).l <= f0 + lin + 0.5 * L * quad + 1e-14) {
          Z.set(Zn);
          b.set(bn);
          L *= 0.8;
          break;
        }
        L *= 2;
      }
    }
  }
  // recover the network: neuron k has ũ = u_k√‖z_k‖, v = z_k/√‖z_k‖
  const live: number[] = [];
  for (let k = 0; k < K; k++) if (Z.subarray(k * c, k * c + c).some((v) => v !== 0)) live.push(k);
  const m = live.length;
  const net: NetworkWeights = {
    W1: mat(m, d, (t, i) => used[live[t]][i] * Math.sqrt(Math.hypot(...Z.subarray(live[t] * c, live[t] * c + c)))),
    b1: hb === 'decayed' ? Float64Array.from(live, (k) => used[k][d] * Math.sqrt(Math.hypot(...Z.subarray(k * c, k * c + c)))) : null,
    W2: mat(c, m, (q, t) => Z[live[t] * c + q] / Math.sqrt(Math.hypot(...Z.subarray(live[t] * c, live[t] * c + c)))),
    b2: ob === 'none' ? null : Float64Array.from(b),
  };
  return { value: refObjective(net, X, Y, beta, loss, hb, ob), net };
}

/** min over f ∈ [−B, B] of g(f) for a convex scalar g: grid then golden section */
export function minScalar(g: (f: number) => number, B = 60): number {
  let best = 0,
    bv = Infinity;
  const N = 24001;
  for (let k = 0; k < N; k++) {
    const f = -B + (2 * B * k) / (N - 1);
    const v = g(f);
    if (v < bv) {
      bv = v;
      best = f;
    }
  }
  let a = best - (2 * B) / (N - 1),
    b = best + (2 * B) / (N - 1);
  const r = (Math.sqrt(5) - 1) / 2;
  for (let it = 0; it < 100; it++) {
    const x1 = b - r * (b - a),
      x2 = a + r * (b - a);
    if (g(x1) < g(x2)) b = x2;
    else a = x1;
  }
  return Math.min(bv, g((a + b) / 2));
}
