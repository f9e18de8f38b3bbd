/**
 * Reference optimum P* for small instances (test-only), independent of src/core/oracle and
 * src/core/certify. Returns a bracket [lower, upper] ∋ P* whose two ends are each valid on
 * their own, whatever the solver's internal heuristics do:
 *   - upper = P_bal of a concrete network, recomputed by our own forward pass;
 *   - lower = D(sΛ0) with Λ0 the final residual (centred for a free b2) and s ≤ β/M(Λ0),
 *     M computed by the exact brute oracle (weak duality, MATH.md §2).
 * The solver only has to make them meet:
 *   column generation (brute oracle proposes neurons) → group lasso over the neuron dictionary
 *   by cyclic block coordinate descent → "polish": Newton on the smooth problem with every
 *   neuron's activation pattern and kink set (face) frozen, which converges quadratically to
 *   the exact optimum once the right neurons are present. (Lasso alone on a finite dictionary
 *   converges only asymptotically, and the residual dual bound degrades like the square root of
 *   the primal error — MATH.md §10 — so without the polish 1e-9 agreement is out of reach.)
 */
import type { Mat } from '../../src/core/linalg/mat';
import { BruteOracle, reduceRows } from './bruteOracle';
import { augmented, bestScaledDual, centred, objectiveBal, residual, type RefNet, type RefProblem } from './objective';
import { dotv, mkMat, normv, solveDense, symEig, type Vec } from './small';

export interface RefSolution {
  lower: number;
  upper: number;
  converged: boolean;
  /** the network attaining `upper` */
  net: RefNet;
  /** M(Λ0) of the final dual point and β, for diagnostics */
  M: number;
  iterations: number;
}

export interface RefOptions {
  /** required relative agreement of lower and upper */
  relTol: number;
  maxIterations: number;
  /**
   * The exact oracle the reference uses (default: the rank ≤ 3 BruteOracle). Any rank: pass
   * `(Xt) => new BruteOracleAnyRankRef(Xt)` from ./bruteOracleAnyRankRef (scalar output only).
   */
  makeOracle?: (Xt: Mat) => RefOracle;
}

/**
 * What the reference needs from an exact oracle: `value` ≥ M(Λ) (a rigorous upper bound),
 * `attained` ≤ M(Λ) (a value really reached), and `violators` — unit directions (X̃ coordinates,
 * in the row space of X̃) with their attained values, best first, covering at least every
 * pattern whose value may exceed `keepAbove`.
 */
export interface RefOracle {
  evaluate(Lambda: Mat, keepAbove?: number): { value: number; attained: number; violators: { u: ArrayLike<number>; value: number }[] };
}

const DEFAULT_REF: RefOptions = { relTol: 1e-9, maxIterations: 60 };

interface Neuron {
  u: Vec; // unit, X̃ coordinates
  v: Vec; // output weights (ℓ1 form: feature (X̃u)_+ times vᵀ)
}

interface Ctx {
  prob: RefProblem;
  Xt: Vec[]; // rows of X̃
  Y: Vec[];
  n: number;
  p: number;
  c: number;
  rowBasis: Vec[]; // orthonormal basis of span{x̃_i}
  oracle: RefOracle;
}

/** Network weights from ℓ1-form neurons, balanced: ũ = √‖v‖·u, output v/√‖v‖. */
export function netFromNeurons(ctx: Ctx, neurons: Neuron[], b: Vec): RefNet {
  const live = neurons.filter((nr) => normv(nr.v) > 0);
  const m = live.length,
    d = ctx.prob.X.cols,
    c = ctx.c;
  const W1 = mkMat(m, d),
    W2 = mkMat(c, m);
  const b1 = ctx.prob.hiddenBias === 'decayed' ? new Float64Array(m) : null;
  live.forEach((nr, j) => {
    const s = Math.sqrt(normv(nr.v));
    for (let k = 0; k < d; k++) W1.data[j * d + k] = nr.u[k] * s;
    if (b1) b1[j] = nr.u[d] * s;
    for (let q = 0; q < c; q++) W2.data[q * m + j] = nr.v[q] / s;
  });
  return { W1, b1, W2, b2: ctx.prob.outputBias === 'none' ? null : Float64Array.from(b) };
}

function feature(ctx: Ctx, u: Vec): Vec {
  return ctx.Xt.map((x) => Math.max(0, dotv(x, u)));
}

/** Optimal output bias for a fixed fit (closed form per mode). */
function biasFor(ctx: Ctx, Rb: Vec[]): Vec {
  const { n, c } = ctx;
  const mode = ctx.prob.outputBias;
  const b = new Array<number>(c).fill(0);
  if (mode === 'none') return b;
  for (let q = 0; q < c; q++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += Rb[i][q];
    b[q] = mode === 'free' ? s / n : s / (n + ctx.prob.beta);
  }
  return b;
}

/**
 * Group lasso over the dictionary by cyclic block coordinate descent with exact block updates:
 *   min ½‖Y − ΦV − 1bᵀ‖² + β Σ_k ‖V_k‖ (+ β/2‖b‖² for a decayed b2).
 */
function lassoCD(ctx: Ctx, dict: Vec[], V: Vec[], b: Vec, maxSweeps = 4000): void {
  const { n, c } = ctx;
  const beta = ctx.prob.beta;
  const Phi = dict.map((u) => feature(ctx, u));
  const nrm2 = Phi.map((f) => dotv(f, f));
  const R: Vec[] = ctx.Y.map((y) => y.slice());
  const applyCol = (k: number, sign: number) => {
    for (let i = 0; i < n; i++) if (Phi[k][i] !== 0) for (let q = 0; q < c; q++) R[i][q] -= sign * Phi[k][i] * V[k][q];
  };
  dict.forEach((_, k) => applyCol(k, 1));
  for (let i = 0; i < n; i++) for (let q = 0; q < c; q++) R[i][q] -= b[q];
  let scale = 1e-300;
  for (const y of ctx.Y) scale = Math.max(scale, normv(y));
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let change = 0;
    for (let k = 0; k < dict.length; k++) {
      if (nrm2[k] === 0) {
        V[k].fill(0);
        continue;
      }
      const t = new Array<number>(c).fill(0);
      for (let i = 0; i < n; i++) {
        const f = Phi[k][i];
        if (f !== 0) for (let q = 0; q < c; q++) t[q] += f * R[i][q];
      }
      for (let q = 0; q < c; q++) t[q] += nrm2[k] * V[k][q];
      const nt = normv(t);
      const shrink = nt > beta ? (1 - beta / nt) / nrm2[k] : 0;
      const nv = t.map((x) => x * shrink);
      let diff = 0;
      for (let q = 0; q < c; q++) diff = Math.max(diff, Math.abs(nv[q] - V[k][q]) * Math.sqrt(nrm2[k]));
      if (diff > 0) {
        applyCol(k, -1);
        V[k] = nv;
        applyCol(k, 1);
      }
      change = Math.max(change, diff);
    }
    if (ctx.prob.outputBias !== 'none') {
      for (let i = 0; i < n; i++) for (let q = 0; q < c; q++) R[i][q] += b[q];
      const nb = biasFor(ctx, R);
      for (let q = 0; q < c; q++) {
        change = Math.max(change, Math.abs(nb[q] - b[q]) * Math.sqrt(n));
        b[q] = nb[q];
      }
      for (let i = 0; i < n; i++) for (let q = 0; q < c; q++) R[i][q] -= b[q];
    }
    if (change <= 1e-14 * scale) break;
  }
}

/** Orthonormal basis (columns, X̃ coordinates) of {u ∈ span x̃_i : x̃_kᵀu = 0 for k ∈ C}. */
function faceBasis(ctx: Ctx, C: number[]): Vec[] {
  const V = ctx.rowBasis;
  const r = V.length;
  if (!C.length) return V.map((v) => v.slice());
  const rows = C.map((k) => V.map((v) => dotv(ctx.Xt[k], v))); // constraints in reduced coords
  const G: number[][] = Array.from({ length: r }, (_, a) => Array.from({ length: r }, (_, b2) => rows.reduce((s, w) => s + w[a] * w[b2], 0)));
  const { vals, vecs } = symEig(G);
  const top = Math.max(vals[0], 1e-300);
  const out: Vec[] = [];
  for (let k = 0; k < r; k++) {
    if (vals[k] <= 1e-12 * top) {
      const w = vecs.map((row) => row[k]);
      const u = new Array<number>(ctx.p).fill(0);
      V.forEach((v, a) => v.forEach((x, q) => (u[q] += w[a] * x)));
      out.push(u);
    }
  }
  return out;
}

interface PolishNeuron {
  D: Uint8Array;
  B: Vec[]; // face basis, X̃ coords
  MB: Vec[]; // n rows: D ⊙ (X̃ B)
  zeta: Vec;
  v: Vec;
  C: number[];
}

/**
 * Newton (Levenberg–Marquardt damped, backtracking) on
 *   Ψ = ½‖Y − Σ_k (D_kX̃B_kζ_k) v_kᵀ − 1bᵀ‖² + β/2 Σ_k(‖ζ_k‖² + ‖v_k‖²) (+ β/2‖b‖²)
 * with patterns D_k and faces B_k frozen. While every u_k = B_kζ_k stays in its cone K_{D_k},
 * Ψ is exactly the objective of the real ReLU network, so steps are cut at the first cone
 * constraint they would cross (ratio test) and that constraint is reported back so the caller
 * can add it to the neuron's face. The Hessian is exact (Gauss–Newton part plus the bilinear
 * cross term), so convergence is quadratic once the faces are right.
 */
function newtonPolish(ctx: Ctx, ns: PolishNeuron[], b: Vec, iters = 40): { k: number; i: number } | null {
  const { n, c } = ctx;
  const beta = ctx.prob.beta;
  const hasB = ctx.prob.outputBias !== 'none';
  const decB = ctx.prob.outputBias === 'decayed';
  const offs: number[] = [];
  const pack = (): number[] => {
    const th: number[] = [];
    for (const nr of ns) {
      offs.push(th.length);
      th.push(...nr.zeta, ...nr.v);
    }
    if (hasB) th.push(...b);
    return th;
  };
  const unpack = (th: number[]) => {
    let o = 0;
    for (const nr of ns) {
      for (let a = 0; a < nr.zeta.length; a++) nr.zeta[a] = th[o++];
      for (let q = 0; q < c; q++) nr.v[q] = th[o++];
    }
    if (hasB) for (let q = 0; q < c; q++) b[q] = th[o++];
  };
  // cone rows per neuron: s_i x̃_iᵀB_k (constraint value = row·ζ ≥ 0), for rows not in the face
  const cone = ns.map((nr) => {
    const rows: { i: number; w: Vec }[] = [];
    ctx.Xt.forEach((x, i) => {
      if (nr.C.includes(i) || normv(x) === 0) return;
      const s = nr.D[i] ? 1 : -1;
      rows.push({ i, w: nr.B.map((bv) => s * dotv(x, bv)) });
    });
    return rows;
  });
  const evalAt = (th: number[], wantGrad: boolean): { f: number; g: number[] } => {
    const R: Vec[] = ctx.Y.map((y) => y.slice());
    let o = 0;
    const phis: Vec[] = [];
    const parts: { z: Vec; v: Vec }[] = [];
    let pen = 0;
    for (const nr of ns) {
      const l = nr.zeta.length;
      const z = th.slice(o, o + l);
      const v = th.slice(o + l, o + l + c);
      o += l + c;
      const phi = nr.MB.map((row) => dotv(row, z));
      phis.push(phi);
      parts.push({ z, v });
      for (let i = 0; i < n; i++) if (phi[i] !== 0) for (let q = 0; q < c; q++) R[i][q] -= phi[i] * v[q];
      pen += dotv(z, z) + dotv(v, v);
    }
    const bb = hasB ? th.slice(o, o + c) : new Array<number>(c).fill(0);
    for (let i = 0; i < n; i++) for (let q = 0; q < c; q++) R[i][q] -= bb[q];
    let f = 0;
    for (const rr of R) f += dotv(rr, rr);
    f = 0.5 * f + (beta / 2) * pen + (decB ? (beta / 2) * dotv(bb, bb) : 0);
    if (!wantGrad) return { f, g: [] };
    const g: number[] = [];
    ns.forEach((nr, k) => {
      const { z, v } = parts[k];
      const Rv = R.map((rr) => dotv(rr, v));
      for (let a = 0; a < z.length; a++) {
        let s = 0;
        for (let i = 0; i < n; i++) s += nr.MB[i][a] * Rv[i];
        g.push(-s + beta * z[a]);
      }
      for (let q = 0; q < c; q++) {
        let s = 0;
        for (let i = 0; i < n; i++) s += R[i][q] * phis[k][i];
        g.push(-s + beta * v[q]);
      }
    });
    if (hasB)
      for (let q = 0; q < c; q++) {
        let s = 0;
        for (let i = 0; i < n; i++) s += R[i][q];
        g.push(-s + (decB ? beta * bb[q] : 0));
      }
    return { f, g };
  };
  // Exact Hessian: Gauss–Newton part JᵀJ from the n×c columns ∂F/∂θ_a, plus the bilinear
  // cross term −⟨R, ∂²F/∂ζ_{k,a}∂v_{k,q}⟩ = −Σ_i R_iq (D_kX̃B_k)_ia, plus β on the decayed blocks.
  const hessian = (th: number[]): number[][] => {
    const cols: Float64Array[] = [];
    const R: Vec[] = ctx.Y.map((y) => y.slice());
    let o = 0;
    const zs: Vec[] = [],
      vs: Vec[] = [];
    for (const nr of ns) {
      const l = nr.zeta.length;
      const z = th.slice(o, o + l),
        v = th.slice(o + l, o + l + c);
      o += l + c;
      zs.push(z);
      vs.push(v);
      const phi = nr.MB.map((row) => dotv(row, z));
      for (let i = 0; i < n; i++) for (let q = 0; q < c; q++) R[i][q] -= phi[i] * v[q];
      for (let a = 0; a < l; a++) {
        const col = new Float64Array(n * c);
        for (let i = 0; i < n; i++) for (let q = 0; q < c; q++) col[i * c + q] = nr.MB[i][a] * v[q];
        cols.push(col);
      }
      for (let q = 0; q < c; q++) {
        const col = new Float64Array(n * c);
        for (let i = 0; i < n; i++) col[i * c + q] = phi[i];
        cols.push(col);
      }
    }
    if (hasB) {
      const bb = th.slice(o, o + c);
      for (let i = 0; i < n; i++) for (let q = 0; q < c; q++) R[i][q] -= bb[q];
      for (let q = 0; q < c; q++) {
        const col = new Float64Array(n * c);
        for (let i = 0; i < n; i++) col[i * c + q] = 1;
        cols.push(col);
      }
    }
    const H: number[][] = cols.map((a) => cols.map((b2) => dotv(a, b2)));
    let idx = 0;
    ns.forEach((nr) => {
      const l = nr.zeta.length;
      for (let a = 0; a < l; a++) {
        H[idx + a][idx + a] += beta;
        for (let q = 0; q < c; q++) {
          let s2 = 0;
          for (let i = 0; i < n; i++) s2 += R[i][q] * nr.MB[i][a];
          H[idx + a][idx + l + q] -= s2;
          H[idx + l + q][idx + a] -= s2;
        }
      }
      for (let q = 0; q < c; q++) H[idx + l + q][idx + l + q] += beta;
      idx += l + c;
    });
    if (decB) for (let q = 0; q < c; q++) H[idx + q][idx + q] += beta;
    return H;
  };
  let th = pack();
  let cur = evalAt(th, true);
  let gscale = beta;
  for (const y of ctx.Y) gscale += dotv(y, y);
  let mu = 1e-10;
  let blocked: { k: number; i: number } | null = null;
  for (let it = 0; it < iters && !blocked; it++) {
    const gnorm = Math.sqrt(dotv(cur.g, cur.g));
    if (gnorm === 0 || gnorm <= 1e-15 * gscale) break;
    const H = hessian(th);
    let accepted = false;
    for (let tries = 0; tries < 12 && !accepted; tries++) {
      const Hd = H.map((row, a) => row.map((x, q) => (a === q ? x + mu * (1 + Math.abs(H[a][a])) : x)));
      const step = solveDense(
        Hd,
        cur.g.map((x) => -x),
      );
      if (step) {
        // ratio test: largest t ≤ 1 keeping every neuron in its cone
        let tmax = 1;
        let hit: { k: number; i: number } | null = null;
        ns.forEach((nr, k) => {
          const o = offs[k];
          const z = th.slice(o, o + nr.zeta.length);
          const dz = step.slice(o, o + nr.zeta.length);
          for (const { i, w } of cone[k]) {
            const h0 = Math.max(0, dotv(w, z));
            const dh = dotv(w, dz);
            if (dh < 0 && h0 / -dh < tmax) {
              tmax = h0 / -dh;
              hit = { k, i };
            }
          }
        });
        for (let t = tmax, bt = 0; bt < 8; t /= 4, bt++) {
          const cand = th.map((x, a) => x + t * step[a]);
          const nxt = evalAt(cand, true);
          if (nxt.f <= cur.f) {
            accepted = nxt.f < cur.f || Math.sqrt(dotv(nxt.g, nxt.g)) < gnorm;
            if (accepted) {
              th = cand;
              cur = nxt;
              if (bt === 0 && hit) blocked = hit;
            }
            break;
          }
        }
        if (!accepted && hit && tmax === 0) {
          blocked = hit; // already on that constraint: it belongs to the face
          break;
        }
      }
      mu = accepted ? Math.max(mu / 10, 1e-14) : mu * 100;
    }
    if (!accepted) break;
  }
  unpack(th);
  return blocked;
}

function patternOf(ctx: Ctx, u: Vec): { D: Uint8Array; C: number[] } {
  const D = new Uint8Array(ctx.n);
  const C: number[] = [];
  ctx.Xt.forEach((x, i) => {
    const t = dotv(x, u);
    const nx = normv(x);
    if (nx === 0) return;
    if (Math.abs(t) <= 1e-9 * nx) C.push(i);
    else if (t > 0) D[i] = 1;
  });
  return { D, C };
}

/** Polish state of one neuron from a balanced direction w (any scale) and output v. */
function buildPolish(ctx: Ctx, w: Vec, v: Vec, D: Uint8Array, C: number[]): PolishNeuron | null {
  const B = faceBasis(ctx, C);
  if (!B.length) return null;
  const zeta = B.map((bv) => dotv(bv, w));
  const MB = ctx.Xt.map((x, i) => (D[i] ? B.map((bv) => dotv(x, bv)) : B.map(() => 0)));
  return { D, B, MB, zeta, v: v.slice(), C };
}

function lift(pn: PolishNeuron, p: number): Vec {
  const w = new Array<number>(p).fill(0);
  pn.B.forEach((bv, a) => bv.forEach((x, q) => (w[q] += pn.zeta[a] * x)));
  return w;
}

/**
 * First-order test for leaving a kink: at a Newton fixed point the u-gradient of Ψ lies in
 * span{x̃_j : j ∈ C}; writing it as Σ ν_j x̃_j (row i counted inactive), moving off kink i to
 * the inactive side lowers Ψ iff ν_i > 0, to the active side iff ν_i − R_i·v < 0.
 * Returns the most profitable release, or null.
 */
function releaseKey(pn: PolishNeuron, i: number, active: boolean): string {
  return `${pn.D.join('')}|${pn.C.join(',')}|${i}|${active}`;
}

function bestRelease(ctx: Ctx, ns: PolishNeuron[], b: Vec, tried: Set<string>): { k: number; i: number; active: boolean } | null {
  const { n, c, p } = ctx;
  const R: Vec[] = ctx.Y.map((y, i) => y.map((x, q) => x - b[q]));
  const ws = ns.map((pn) => lift(pn, p));
  ns.forEach((pn, k) => {
    for (let i = 0; i < n; i++) {
      const z = pn.D[i] && !pn.C.includes(i) ? dotv(ctx.Xt[i], ws[k]) : 0;
      if (z > 0) for (let q = 0; q < c; q++) R[i][q] -= z * pn.v[q];
    }
  });
  let best: { k: number; i: number; active: boolean } | null = null;
  let bestGain = 0;
  ns.forEach((pn, k) => {
    if (!pn.C.length) return;
    const grad = new Array<number>(p).fill(0);
    for (let i = 0; i < n; i++) {
      if (!pn.D[i] || pn.C.includes(i)) continue;
      const rv = dotv(R[i], pn.v);
      for (let q = 0; q < p; q++) grad[q] -= ctx.Xt[i][q] * rv;
    }
    for (let q = 0; q < p; q++) grad[q] += ctx.prob.beta * ws[k][q];
    // least squares grad ≈ Σ ν_j x̃_j with a tiny ridge (duplicate rows)
    const Cs = pn.C;
    const G = Cs.map((a) => Cs.map((bb) => dotv(ctx.Xt[a], ctx.Xt[bb])));
    const tr = G.reduce((s, row, a) => s + row[a], 0);
    G.forEach((row, a) => (row[a] += 1e-13 * tr));
    const nu = solveDense(
      G,
      Cs.map((a) => dotv(ctx.Xt[a], grad)),
    );
    if (!nu) return;
    const scale = normv(grad) + ctx.prob.beta * normv(ws[k]) + 1e-300;
    Cs.forEach((i, a) => {
      const nx = normv(ctx.Xt[i]);
      const inactiveGain = nu[a] * nx;
      const activeGain = -(nu[a] - dotv(R[i], pn.v)) * nx;
      if (inactiveGain > bestGain && inactiveGain > 1e-9 * scale && !tried.has(releaseKey(pn, i, false))) {
        bestGain = inactiveGain;
        best = { k, i, active: false };
      }
      if (activeGain > bestGain && activeGain > 1e-9 * scale && !tried.has(releaseKey(pn, i, true))) {
        bestGain = activeGain;
        best = { k, i, active: true };
      }
    });
  });
  return best;
}

/**
 * Polish a set of ℓ1-form neurons; returns neurons in ℓ1 form (unit u, v) and the bias.
 * Active-set loop: Newton inside the faces; a blocking cone constraint joins the face; a kink
 * whose release lowers Ψ to first order leaves it.
 */
function polish(ctx: Ctx, neurons: Neuron[], b0: Vec): { neurons: Neuron[]; b: Vec } {
  const start = mergeSamePattern(
    ctx,
    neurons.filter((nr) => normv(nr.v) > 0),
  );
  let ns: PolishNeuron[] = [];
  for (const nr of start) {
    const { D, C } = patternOf(ctx, nr.u);
    const s = Math.sqrt(normv(nr.v));
    const pn = buildPolish(
      ctx,
      nr.u.map((x) => x * s),
      nr.v.map((x) => x / s),
      D,
      C,
    );
    if (pn) ns.push(pn);
  }
  const b = b0.slice();
  const tried = new Set<string>();
  for (let round = 0; round < 3 * ctx.n + 6 && ns.length; round++) {
    const blocked = newtonPolish(ctx, ns, b);
    // drop neurons that shrank to nothing
    ns = ns.filter((pn) => normv(pn.zeta) * normv(pn.v) > 1e-15);
    if (blocked) {
      const pn = ns.find((_, k) => k === blocked.k);
      if (pn) {
        const k = ns.indexOf(pn);
        const w = lift(pn, ctx.p);
        const nb = buildPolish(ctx, w, pn.v, pn.D, [...pn.C, blocked.i]);
        if (nb) ns[k] = nb;
        else ns.splice(k, 1);
      }
      continue;
    }
    const rel = bestRelease(ctx, ns, b, tried);
    if (!rel) break;
    // a release Newton immediately undoes (blocked at once by the same row) must not cycle
    tried.add(releaseKey(ns[rel.k], rel.i, rel.active));
    const pn = ns[rel.k];
    const D = pn.D.slice();
    D[rel.i] = rel.active ? 1 : 0;
    const nb = buildPolish(
      ctx,
      lift(pn, ctx.p),
      pn.v,
      D,
      pn.C.filter((i) => i !== rel.i),
    );
    if (nb) ns[rel.k] = nb;
  }
  const out: Neuron[] = [];
  for (const pn of ns) {
    const w = lift(pn, ctx.p);
    const nw = normv(w);
    if (nw > 0 && normv(pn.v) > 0) out.push({ u: w.map((x) => x / nw), v: pn.v.map((x) => x * nw) });
  }
  return { neurons: out, b };
}

/**
 * Neurons with the same strict pattern and parallel outputs merge exactly: the cone is convex,
 * so Σ‖v_k‖u_k stays in it, the fit is unchanged and the penalty can only drop.
 */
function mergeSamePattern(ctx: Ctx, ns: Neuron[]): Neuron[] {
  const groups: { key: string; vhat: Vec; z: Vec }[] = [];
  for (const nr of ns) {
    const key = patternOf(ctx, nr.u).D.join('');
    const nv = normv(nr.v);
    const vhat = nr.v.map((x) => x / nv);
    const z = nr.u.map((x) => x * nv);
    const g = groups.find((gg) => gg.key === key && dotv(gg.vhat, vhat) > 1 - 1e-12);
    if (g) z.forEach((x, q) => (g.z[q] += x));
    else groups.push({ key, vhat, z });
  }
  const out: Neuron[] = [];
  for (const g of groups) {
    const nz = normv(g.z);
    if (nz > 0) out.push({ u: g.z.map((x) => x / nz), v: g.vhat.map((x) => x * nz) });
  }
  return out;
}

function evaluateBounds(ctx: Ctx, net: RefNet): { lower: number; upper: number; M: number; Lambda0: Mat; violators: Vec[] } {
  const prob = ctx.prob;
  const upper = objectiveBal(net, prob);
  let L0 = residual(net, prob);
  if (prob.outputBias === 'free') L0 = centred(L0);
  const res = ctx.oracle.evaluate(L0, prob.beta);
  const M = Math.max(res.value, res.attained);
  const { value } = bestScaledDual(L0, M, prob);
  const violators: Vec[] = [];
  for (const vi of res.violators) {
    if (vi.value <= prob.beta * (1 + 1e-13) || violators.length >= 6) break;
    violators.push(Array.from(vi.u));
  }
  return { lower: value, upper, M, Lambda0: L0, violators };
}

export function solveReference(prob: RefProblem, options: Partial<RefOptions> = {}): RefSolution {
  const opt = { ...DEFAULT_REF, ...options };
  const Xt = augmented(prob.X, prob.hiddenBias);
  const n = Xt.rows,
    p = Xt.cols,
    c = prob.Y.cols;
  const XtRows: Vec[] = [];
  for (let i = 0; i < n; i++) XtRows.push(Array.from(Xt.data.subarray(i * p, (i + 1) * p)));
  const Yrows: Vec[] = [];
  for (let i = 0; i < n; i++) Yrows.push(Array.from(prob.Y.data.subarray(i * c, (i + 1) * c)));
  const ctx: Ctx = {
    prob,
    Xt: XtRows,
    Y: Yrows,
    n,
    p,
    c,
    rowBasis: reduceRows(XtRows, p).basis,
    oracle: opt.makeOracle ? opt.makeOracle(Xt) : new BruteOracle(Xt),
  };
  // start: the zero network (plus the optimal bias) and the violators of its residual
  let dict: Vec[] = [];
  let V: Vec[] = [];
  let b: Vec = biasFor(ctx, Yrows);
  let bestNet = netFromNeurons(ctx, [], b);
  let first = evaluateBounds(ctx, bestNet);
  let lower = first.lower,
    upper = first.upper,
    M = first.M;
  let pending = first.violators;
  let it = 0;
  const done = () => upper - lower <= opt.relTol * Math.abs(upper) + 1e-300;
  for (; it < opt.maxIterations && !done(); it++) {
    for (const u of pending) {
      dict.push(u);
      V.push(new Array<number>(c).fill(0));
    }
    lassoCD(ctx, dict, V, b);
    const cdNeurons: Neuron[] = dict.map((u, k) => ({ u, v: V[k].slice() })).filter((nr) => normv(nr.v) > 0);
    const cands: { neurons: Neuron[]; b: Vec }[] = [{ neurons: cdNeurons, b: b.slice() }];
    if (cdNeurons.length) cands.push(polish(ctx, cdNeurons, b));
    let roundBest: { neurons: Neuron[]; b: Vec; ev: ReturnType<typeof evaluateBounds> } | null = null;
    for (const cand of cands) {
      const ev = evaluateBounds(ctx, netFromNeurons(ctx, cand.neurons, cand.b));
      lower = Math.max(lower, ev.lower);
      if (ev.upper < upper) {
        upper = ev.upper;
        bestNet = netFromNeurons(ctx, cand.neurons, cand.b);
        M = ev.M;
      }
      if (!roundBest || ev.upper < roundBest.ev.upper) roundBest = { ...cand, ev };
    }
    if (!roundBest) break;
    // next dictionary: the round's best neurons (weights as warm start), the old columns that
    // are still used, and the violators of the best residual
    const nextDict: Vec[] = [];
    const nextV: Vec[] = [];
    for (const nr of roundBest.neurons) {
      nextDict.push(nr.u.slice());
      nextV.push(nr.v.slice());
    }
    dict.forEach((u, k) => {
      if (normv(V[k]) > 0 && nextDict.length < 40 && !nextDict.some((w) => dotv(w, u) > 1 - 1e-15)) {
        nextDict.push(u);
        nextV.push(new Array<number>(c).fill(0));
      }
    });
    dict = nextDict;
    V = nextV;
    b = roundBest.b.slice();
    pending = roundBest.ev.violators;
    if (!pending.length && done()) break;
  }
  return { lower, upper, converged: done(), net: bestNet, M, iterations: it };
}
