/**
 * Independent references for the classification optimum (test-only; nothing from src/core):
 *
 *  - cells(): every activation pattern of X̃ (p = 2, 3 columns) with an interior point, by
 *    perturbing the arrangement's vertices (p = 3) or taking arc midpoints (p = 2);
 *  - exactM(): M(Λ) = max_{‖u‖=1} ‖Λᵀ(X̃u)_+‖ for p ≤ 3 and any c, by evaluating the function at a
 *    candidate set that contains a maximizer (generic data): a maximizer inside a cell is a top
 *    eigenvector of A_DᵀA_D (A_D = ΛᵀDX̃); one on a single hyperplane is a top eigenvector of the
 *    restriction to that plane (the sample on it contributes 0); otherwise it is a vertex;
 *  - dualValue(): D(Λ) = −ℓ*(−Λ) − ‖Λᵀ1‖²/(2β) (output bias decayed), written out per loss;
 *  - denseSolve(): the convex program of MATH.md §4 with the hinge or logistic loss over ALL
 *    patterns (c = 1, both biases decayed), solved by a log-barrier interior-point method with
 *    dense Newton steps — a different algorithm from the product's column generation.
 */
import { cross, dotv, normv, symEig } from '../reference/small';

export type ScalarLoss = 'hinge' | 'logistic';

const dot = dotv;
const norm = normv;

/** X̃ = [X, 1] (hidden bias decayed). */
export function withOnes(X: number[][]): number[][] {
  return X.map((x) => [...x, 1]);
}

export interface Cell {
  pattern: boolean[];
  u: number[];
}

/** Every full-dimensional cell of the arrangement {x̃_jᵀu = 0} (p = 2 or 3), with an interior point. */
export function cells(Xt: number[][]): Cell[] {
  const p = Xt[0].length;
  const out = new Map<string, Cell>();
  const offer = (u: number[]) => {
    const z = Xt.map((x) => dot(x, u));
    const nu = norm(u);
    if (z.some((v, j) => Math.abs(v) <= 1e-9 * nu * norm(Xt[j]))) return;
    const pattern = z.map((v) => v > 0);
    const key = pattern.map((b) => (b ? '1' : '0')).join('');
    if (!out.has(key)) out.set(key, { pattern, u: u.map((x) => x / nu) });
  };
  if (p === 2) {
    const ang: number[] = [];
    for (const x of Xt) {
      const a = Math.atan2(x[1], x[0]);
      ang.push(a + Math.PI / 2, a - Math.PI / 2);
    }
    const s = ang.map((a) => ((a % (2 * Math.PI)) + 2 * Math.PI) % (2 * Math.PI)).sort((a, b) => a - b);
    for (let k = 0; k < s.length; k++) {
      const a = s[k],
        b = k + 1 < s.length ? s[k + 1] : s[0] + 2 * Math.PI;
      if (b - a > 1e-12) offer([Math.cos((a + b) / 2), Math.sin((a + b) / 2)]);
    }
    return [...out.values()];
  }
  if (p !== 3) throw new Error('cells(): p must be 2 or 3');
  const n = Xt.length;
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) {
      const v = cross(Xt[i], Xt[j]);
      const nv = norm(v);
      if (nv < 1e-12) continue;
      const vv = v.map((x) => x / nv);
      // a_i, a_j ⟂ v with x̃_iᵀa_i = 1, x̃_jᵀa_i = 0 (and vice versa): a = Bc with B = [x̃_i, x̃_j]
      const g11 = dot(Xt[i], Xt[i]),
        g12 = dot(Xt[i], Xt[j]),
        g22 = dot(Xt[j], Xt[j]);
      const det = g11 * g22 - g12 * g12;
      const ai = Xt[i].map((x, k) => (g22 * x - g12 * Xt[j][k]) / det);
      const aj = Xt[j].map((x, k) => (g11 * x - g12 * Xt[i][k]) / det);
      let minOther = Infinity;
      for (let k = 0; k < n; k++) if (k !== i && k !== j) minOther = Math.min(minOther, Math.abs(dot(Xt[k], vv)) / norm(Xt[k]));
      const scale = Math.max(norm(ai), norm(aj));
      const eps = (Number.isFinite(minOther) ? minOther : 1) / (4 * scale * Math.max(...Xt.map(norm)));
      for (const sg of [1, -1]) for (const si of [1, -1]) for (const sj of [1, -1]) offer(vv.map((x, k) => sg * x + eps * (si * ai[k] + sj * aj[k])));
    }
  return [...out.values()];
}

/** Eigenvectors of a small symmetric matrix, as a list (the reference's Jacobi, ../reference/small.ts). */
function eigvecs(S: number[][]): number[][] {
  const { vecs } = symEig(S);
  return S.map((_, k) => vecs.map((row) => row[k]));
}

/** ‖Λᵀ(X̃u)_+‖ */
export function oracleAt(Xt: number[][], L: number[][], u: number[]): number {
  const c = L[0].length;
  const v = new Array(c).fill(0);
  Xt.forEach((x, i) => {
    const z = dot(x, u);
    if (z > 0) for (let k = 0; k < c; k++) v[k] += L[i][k] * z;
  });
  return norm(v);
}

/** Exact M(Λ) for p ≤ 3 columns (generic data), any number of outputs c. */
export function exactM(Xt: number[][], L: number[][]): { value: number; u: number[] } {
  const p = Xt[0].length,
    n = Xt.length,
    c = L[0].length;
  let best: { value: number; u: number[] } = { value: 0, u: Xt[0].map((_, k) => (k === 0 ? 1 : 0)) };
  const offer = (u: number[]) => {
    const nu = norm(u);
    if (!(nu > 0)) return;
    for (const s of [1, -1]) {
      const w = u.map((x) => (s * x) / nu);
      const v = oracleAt(Xt, L, w);
      if (v > best.value) best = { value: v, u: w };
    }
  };
  /** top eigenvectors of (A B)ᵀ(A B) for the pattern, A = ΛᵀDX̃, B a basis (p × q) */
  const eigOf = (pattern: boolean[], B: number[][]) => {
    const q = B.length;
    const AB = Array.from({ length: c }, (_, k) =>
      B.map((b) => {
        let s = 0;
        for (let i = 0; i < n; i++) if (pattern[i]) s += L[i][k] * dot(Xt[i], b);
        return s;
      }),
    );
    const G = Array.from({ length: q }, (_, a) => Array.from({ length: q }, (_, b) => AB.reduce((s, row) => s + row[a] * row[b], 0)));
    for (const e of eigvecs(G)) offer(Xt[0].map((_, k) => B.reduce((s, b, t) => s + e[t] * b[k], 0)));
  };
  const I: number[][] = Array.from({ length: p }, (_, a) => Array.from({ length: p }, (_, b) => (a === b ? 1 : 0)));
  const cs = cells(Xt);
  for (const cl of cs) eigOf(cl.pattern, I);
  if (p === 2) {
    // a maximizer on a hyperplane is the line ⟂ x̃_i itself
    for (const x of Xt) offer([-x[1], x[0]]);
    return best;
  }
  for (let i = 0; i < n; i++) {
    // plane ⟂ x̃_i: basis b1, b2; the patterns of its arcs from the vertices on it
    const xi = Xt[i];
    const a0 = Math.abs(xi[0]) < 0.9 * norm(xi) ? [1, 0, 0] : [0, 1, 0];
    let b1 = cross(xi, a0);
    b1 = b1.map((x) => x / norm(b1));
    let b2 = cross(xi, b1);
    b2 = b2.map((x) => x / norm(b2));
    const seen = new Set<string>();
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      const v = cross(xi, Xt[j]);
      const nv = norm(v);
      if (nv < 1e-12) continue;
      offer(v); // vertex (both signs)
      // the two arcs at ±v on plane i: row j on either side, every other row as at the vertex
      const t = cross(xi, v); // in plane i, ⟂ v
      const tn = t.map((x) => x / norm(t));
      for (const sg of [1, -1])
        for (const sj of [1, -1]) {
          const u = v.map((x, k) => (sg * x) / nv + 1e-7 * sj * tn[k]);
          const pattern = Xt.map((x, k) => k !== i && dot(x, u) > 0);
          const key = pattern.map((b) => (b ? '1' : '0')).join('');
          if (seen.has(key)) continue;
          seen.add(key);
          eigOf(pattern, [b1, b2]);
        }
    }
  }
  return best;
}

function entropy(q: number[]): number {
  let s = 0;
  for (const v of q) {
    if (v < -1e-15 || v > 1 + 1e-15) return -Infinity;
    if (v > 0) s -= v * Math.log(v);
  }
  return s;
}

/**
 * D(Λ) = −ℓ*(−Λ) − ‖Λᵀ1‖²/(2β) (output bias decayed). Λ in the loss's sign convention
 * (Λ = −∇ℓ); labels: y ∈ {0, 1} (hinge, logistic; ±1 internally) or class indices (cross-entropy).
 */
export function dualValue(L: number[][], y: number[], c: number, beta: number, loss: ScalarLoss | 'cross-entropy'): number {
  let g = 0;
  L.forEach((row, i) => {
    if (loss === 'cross-entropy') g += entropy(row.map((l, k) => (k === y[i] ? 1 : 0) - l));
    else {
      const p = (y[i] > 0 ? 1 : -1) * row[0];
      if (p < -1e-15 || p > 1 + 1e-15) g = -Infinity;
      else g += loss === 'hinge' ? p : entropy([p, 1 - p]);
    }
  });
  const col = new Array(c).fill(0);
  for (const row of L) row.forEach((v, k) => (col[k] += v));
  return g - dot(col, col) / (2 * beta);
}

/** Cross-entropy: each row of Λ moved onto Σ_k λ_ik = 0 (subtract its mean), as the conjugate's domain needs. */
export function centreRows(L: number[][]): number[][] {
  return L.map((r) => {
    const m = r.reduce((a, b) => a + b, 0) / r.length;
    return r.map((v) => v - m);
  });
}

/** An independent lower bound from a dual point: D(sΛ) with s = min(1, β/M(Λ)) (the domains are star-shaped about 0). */
export function independentLowerBound(
  Xt: number[][],
  L: number[][],
  y: number[],
  c: number,
  beta: number,
  loss: ScalarLoss | 'cross-entropy',
): { value: number; M: number; s: number } {
  const M = exactM(Xt, L).value;
  const s = Math.min(1, M > 0 ? beta / M : 1);
  return {
    value: dualValue(
      L.map((r) => r.map((v) => v * s)),
      y,
      c,
      beta,
      loss,
    ),
    M,
    s,
  };
}

/** Cholesky solve of a dense SPD system (in place on copies); null when not positive definite. */
function cholSolve(H: Float64Array, g: Float64Array, N: number): Float64Array | null {
  const A = Float64Array.from(H);
  for (let j = 0; j < N; j++) {
    let s = A[j * N + j];
    for (let k = 0; k < j; k++) s -= A[j * N + k] ** 2;
    if (!(s > 0)) return null;
    const d = Math.sqrt(s);
    A[j * N + j] = d;
    for (let i = j + 1; i < N; i++) {
      let t = A[i * N + j];
      for (let k = 0; k < j; k++) t -= A[i * N + k] * A[j * N + k];
      A[i * N + j] = t / d;
    }
  }
  const x = Float64Array.from(g);
  for (let i = 0; i < N; i++) {
    let t = x[i];
    for (let k = 0; k < i; k++) t -= A[i * N + k] * x[k];
    x[i] = t / A[i * N + i];
  }
  for (let i = N - 1; i >= 0; i--) {
    let t = x[i];
    for (let k = i + 1; k < N; k++) t -= A[k * N + i] * x[k];
    x[i] = t / A[i * N + i];
  }
  return x;
}

/**
 * min ℓ(Σ_k σ D_kX̃z_{kσ} + b) + βΣ‖z_{kσ}‖ + (β/2)b² over z_{kσ} ∈ K_k for ALL cells k and σ = ±,
 * c = 1, both biases decayed — by the log-barrier method: the epigraph t_{kσ} ≥ ‖z_{kσ}‖ (barrier
 * −log(t² − ‖z‖²)), the cone rows (−log s_j x̃_jᵀz), for the hinge ξ_j ≥ 0 and ξ_j ≥ 1 − y_jf_j;
 * Newton with backtracking on τ·f + barrier, τ × 20 per stage until (barrier terms)/τ ≤ gapRel·f.
 * Returns the objective f at the final (strictly feasible) point: an upper bound on P* within
 * (barrier terms)/τ of it.
 */
export function denseSolve(
  X: number[][],
  y01: number[],
  beta: number,
  loss: ScalarLoss,
  gapRel = 1e-10,
): { value: number; cells: number; newtonSteps: number } {
  const Xt = withOnes(X);
  const n = Xt.length,
    p = Xt[0].length;
  const y = y01.map((v) => (v > 0 ? 1 : -1));
  const cl = cells(Xt);
  const B = 2 * cl.length; // blocks (k, σ)
  const blk = p + 1; // z (p) and t
  const nb = B * blk;
  const iB = nb; // b
  const iXi = nb + 1; // ξ (hinge)
  const N = nb + 1 + (loss === 'hinge' ? n : 0);
  const nCon = B * (2 + n) + (loss === 'hinge' ? 2 * n : 0); // barrier degrees: 2 per second-order cone, 1 per linear row
  const sgn = (k: number) => (k % 2 === 0 ? 1 : -1);
  const cellOf = (k: number) => cl[k >> 1];
  // a_j: ∂f_j/∂x (sparse by blocks): f_j = Σ_k σ_k [j ∈ D_k] x̃_jᵀz_k + b
  const fitOf = (x: Float64Array): Float64Array => {
    const f = new Float64Array(n).fill(x[iB]);
    for (let k = 0; k < B; k++) {
      const c = cellOf(k),
        s = sgn(k),
        o = k * blk;
      for (let j = 0; j < n; j++) if (c.pattern[j]) for (let q = 0; q < p; q++) f[j] += s * Xt[j][q] * x[o + q];
    }
    return f;
  };
  const objective = (x: Float64Array, f: Float64Array): number => {
    let v = 0.5 * beta * x[iB] ** 2;
    for (let k = 0; k < B; k++) v += beta * x[k * blk + p];
    for (let j = 0; j < n; j++) {
      if (loss === 'hinge') v += x[iXi + j];
      else {
        const t = -y[j] * f[j];
        v += t > 0 ? t + Math.log1p(Math.exp(-t)) : Math.log1p(Math.exp(t));
      }
    }
    return v;
  };
  /** barrier value, or Infinity when not strictly feasible */
  const barrier = (x: Float64Array, f: Float64Array): number => {
    let v = 0;
    for (let k = 0; k < B; k++) {
      const o = k * blk,
        c = cellOf(k);
      let zz = 0;
      for (let q = 0; q < p; q++) zz += x[o + q] ** 2;
      const tt = x[o + p];
      if (!(tt > 0 && tt * tt - zz > 0)) return Infinity;
      v -= Math.log(tt * tt - zz);
      for (let j = 0; j < n; j++) {
        const r = (c.pattern[j] ? 1 : -1) * dot(Xt[j], x.subarray(o, o + p));
        if (!(r > 0)) return Infinity;
        v -= Math.log(r);
      }
    }
    if (loss === 'hinge')
      for (let j = 0; j < n; j++) {
        const xi = x[iXi + j],
          m = xi - 1 + y[j] * f[j];
        if (!(xi > 0 && m > 0)) return Infinity;
        v -= Math.log(xi) + Math.log(m);
      }
    return v;
  };
  // strictly feasible start
  const x = new Float64Array(N);
  for (let k = 0; k < B; k++) {
    const o = k * blk,
      u = cellOf(k).u;
    for (let q = 0; q < p; q++) x[o + q] = 1e-2 * u[q];
    x[o + p] = 2e-2;
  }
  if (loss === 'hinge') {
    const f = fitOf(x);
    for (let j = 0; j < n; j++) x[iXi + j] = Math.max(1, 2 - y[j] * f[j]) + 1;
  }
  let tau = 1;
  let steps = 0;
  for (let stage = 0; stage < 40; stage++) {
    for (let it = 0; it < 200; it++) {
      const f = fitOf(x);
      const g = new Float64Array(N);
      const H = new Float64Array(N * N);
      // loss part (τ-scaled): logistic is a function of f; the hinge's is linear in ξ
      const a = new Float64Array(N); // ∂f_j/∂x, rebuilt per j
      for (let j = 0; j < n; j++) {
        a.fill(0);
        for (let k = 0; k < B; k++) {
          if (!cellOf(k).pattern[j]) continue;
          const o = k * blk,
            s = sgn(k);
          for (let q = 0; q < p; q++) a[o + q] = s * Xt[j][q];
        }
        a[iB] = 1;
        if (loss === 'logistic') {
          const t = y[j] * f[j];
          const sig = 1 / (1 + Math.exp(t)); // σ(−t)
          const d1 = -y[j] * sig,
            d2 = sig * (1 - sig);
          for (let r = 0; r < N; r++)
            if (a[r] !== 0) {
              g[r] += tau * d1 * a[r];
              for (let c2 = 0; c2 < N; c2++) if (a[c2] !== 0) H[r * N + c2] += tau * d2 * a[r] * a[c2];
            }
        } else {
          // barrier −log(ξ_j − 1 + y_j f_j): its argument m has gradient e_ξj + y_j a
          const m = x[iXi + j] - 1 + y[j] * f[j];
          const gm = new Float64Array(N);
          for (let r = 0; r < N; r++) gm[r] = y[j] * a[r];
          gm[iXi + j] += 1;
          for (let r = 0; r < N; r++)
            if (gm[r] !== 0) {
              g[r] -= gm[r] / m;
              for (let c2 = 0; c2 < N; c2++) if (gm[c2] !== 0) H[r * N + c2] += (gm[r] * gm[c2]) / (m * m);
            }
          const xi = x[iXi + j];
          g[iXi + j] += tau - 1 / xi;
          H[(iXi + j) * N + iXi + j] += 1 / (xi * xi);
        }
      }
      g[iB] += tau * beta * x[iB];
      H[iB * N + iB] += tau * beta;
      for (let k = 0; k < B; k++) {
        const o = k * blk,
          c = cellOf(k);
        g[o + p] += tau * beta;
        // SOC: φ = −log(t² − ‖z‖²)
        let zz = 0;
        for (let q = 0; q < p; q++) zz += x[o + q] ** 2;
        const tt = x[o + p],
          w = tt * tt - zz;
        const gr = new Float64Array(blk);
        for (let q = 0; q < p; q++) gr[q] = (2 * x[o + q]) / w;
        gr[p] = (-2 * tt) / w;
        for (let q = 0; q < blk; q++) g[o + q] += gr[q];
        for (let q = 0; q < blk; q++)
          for (let q2 = 0; q2 < blk; q2++) {
            const diag = q === q2 ? (q === p ? -2 / w : 2 / w) : 0;
            H[(o + q) * N + o + q2] += diag + (gr[q] * gr[q2]) / 1; // ∇²(−log w) = −∇²w/w + ∇w∇wᵀ/w²
          }
        // cone rows: −log r_j, r_j = s_j x̃_jᵀz
        for (let j = 0; j < n; j++) {
          const sj = c.pattern[j] ? 1 : -1;
          const r = sj * dot(Xt[j], x.subarray(o, o + p));
          for (let q = 0; q < p; q++) {
            g[o + q] -= (sj * Xt[j][q]) / r;
            for (let q2 = 0; q2 < p; q2++) H[(o + q) * N + o + q2] += (Xt[j][q] * Xt[j][q2]) / (r * r);
          }
        }
      }
      let dx: Float64Array | null = null;
      for (const reg of [0, 1e-14, 1e-12, 1e-10, 1e-8]) {
        const Hr = Float64Array.from(H);
        if (reg) for (let r = 0; r < N; r++) Hr[r * N + r] += reg * (1 + Math.abs(H[r * N + r]));
        const neg = g.map((v) => -v);
        dx = cholSolve(Hr, neg, N);
        if (dx) break;
      }
      if (!dx) throw new Error('denseSolve: Newton system not positive definite');
      const dec = -dot(g, dx);
      steps++;
      if (dec / 2 <= 1e-7) break; // centring error in f ≈ dec/(2τ): negligible at the final τ
      const phi0 = tau * objective(x, f) + barrier(x, f);
      let s = 1,
        moved = false;
      for (let bt = 0; bt < 60; bt++, s *= 0.5) {
        const xn = x.map((v, r) => v + s * dx![r]);
        const fn = fitOf(xn);
        const b = barrier(xn, fn);
        if (!Number.isFinite(b)) continue;
        if (tau * objective(xn, fn) + b <= phi0 - 0.25 * s * dec) {
          x.set(xn);
          moved = true;
          break;
        }
      }
      if (!moved) break;
    }
    const f = fitOf(x);
    const obj = objective(x, f);
    if (nCon / tau <= gapRel * obj) return { value: obj, cells: cl.length, newtonSteps: steps };
    tau *= 20;
  }
  const f = fitOf(x);
  return { value: objective(x, f), cells: cl.length, newtonSteps: steps };
}
