/**
 * Exact finish of the convex program (small problems): an active-set Newton method on faces.
 *
 * Why: the sound lower bound is built from the residual (Λ = s·r), and its gap degrades like the
 * square root of the primal error (MATH.md §10), so 1e-8 relative gap needs the primal to machine
 * precision — beyond any first-order method. Once the support (nonzero blocks) and each block's face
 * F_k = {rows with a_jᵀz_k = 0} are right, the problem restricted to z_k = N_k t_k (N_k an
 * orthonormal basis of the face's span) is smooth, and Newton converges quadratically.
 *
 * Active-set rules (primal feasible throughout):
 *  - a step is cut where a row off the face would turn negative (ratio test): the row joins the face;
 *  - a step is cut where a block's radial coordinate ⟨ẑ_k, P·z_k⟩ reaches 0: the block leaves;
 *  - at a face optimum, a row whose multiplier μ_j (∇_{z_k}Φ = Σ_{j∈F_k} μ_j a_j) is negative
 *    leaves the face;
 *  - blocks outside the support whose dual constraint max_{z∈K, ‖Pz‖≤1} σ λᵀD_iX̃z exceeds β
 *    (λ = residual) enter with the exact line minimizer along their best direction.
 * The result is whatever it is: the caller measures it with the sound bound, never trusts it.
 */
import type { Program } from './problem';
import { fitDirect, objectiveOf } from './problem';
import { leastSquares, nullBasis, spdSolve } from './dense';
import { projectCone } from './cone';

/** Largest number of Newton variables (Σ face dimensions + 1) the polish accepts. */
export const POLISH_MAX_VARS = 1500;
/** Largest dense Newton work per step (variables² × samples) the polish accepts. */
export const POLISH_MAX_WORK = 3e8;
/** Multipliers below −MULTIPLIER_TOL·(‖∇‖ scale) release a row from a face. */
export const MULTIPLIER_TOL = 1e-10;
/** A block outside the support enters when its dual constraint value exceeds β(1 + ENTER_TOL). */
export const ENTER_TOL = 1e-11;

interface Block {
  k: number;
  face: number[];
  z: Float64Array;
}

function sign(k: number): number {
  return k & 1 ? -1 : 1;
}

function penNorm(z: Float64Array, pen: number): number {
  let s = 0;
  for (let t = 0; t < pen; t++) s += z[t] * z[t];
  return Math.sqrt(s);
}

/** a_jᵀz with a_j = s_j x̃_j */
function rowDot(pr: Program, i: number, j: number, z: ArrayLike<number>): number {
  const p = pr.p, X = pr.Xt.data;
  let t = 0;
  for (let k = 0; k < p; k++) t += X[j * p + k] * z[k];
  return pr.patterns[i][j] ? t : -t;
}

function rowVec(pr: Program, i: number, j: number): Float64Array {
  const p = pr.p, s = pr.patterns[i][j] ? 1 : -1;
  return Float64Array.from(pr.Xt.data.subarray(j * p, (j + 1) * p), (x) => s * x);
}

/** Rows with a_jᵀz ≤ tol·‖x̃_j‖‖z‖: the face z sits on. */
export function faceOf(pr: Program, i: number, z: Float64Array, tol = 1e-9): number[] {
  const p = pr.p, X = pr.Xt.data;
  let zn = 0;
  for (let k = 0; k < p; k++) zn += z[k] * z[k];
  zn = Math.sqrt(zn);
  const out: number[] = [];
  for (let j = 0; j < pr.n; j++) {
    let xn = 0;
    for (let k = 0; k < p; k++) xn += X[j * p + k] ** 2;
    if (xn === 0) continue;
    if (rowDot(pr, i, j, z) <= tol * Math.sqrt(xn) * zn) out.push(j);
  }
  return out;
}

function assemble(pr: Program, blocks: Block[]): Float64Array {
  const Z = new Float64Array(2 * pr.P * pr.p);
  for (const bl of blocks) Z.set(bl.z, bl.k * pr.p);
  return Z;
}

/** g = σ X̃ᵀ D_i r for block k */
function blockGrad(pr: Program, k: number, r: Float64Array): Float64Array {
  const i = k >> 1, p = pr.p, X = pr.Xt.data, d = pr.patterns[i];
  const g = new Float64Array(p);
  for (let j = 0; j < pr.n; j++) if (d[j]) for (let t = 0; t < p; t++) g[t] += X[j * p + t] * r[j];
  if (k & 1) for (let t = 0; t < p; t++) g[t] = -g[t];
  return g;
}

/** Newton on the current faces, with the active-set changes above. Returns false on a breakdown. */
function newtonOnFaces(pr: Program, blocks: Block[], off: { b: number }, maxIter: number, deadline: number): void {
  const { n, p, pen, beta } = pr;
  const hasB = pr.offset !== 'none';
  for (let it = 0; it < maxIter && Date.now() <= deadline; it++) {
    for (let q = blocks.length - 1; q >= 0; q--) if (!(penNorm(blocks[q].z, pen) > 0)) blocks.splice(q, 1);
    const bases = blocks.map((bl) => nullBasis(bl.face.map((j) => rowVec(pr, bl.k >> 1, j)), p));
    for (let q = blocks.length - 1; q >= 0; q--) {
      const N = bases[q];
      if (!N.length) {
        blocks.splice(q, 1);
        bases.splice(q, 1);
        continue;
      }
      // put z exactly on the face
      const z = new Float64Array(p);
      for (const v of N) {
        let t = 0;
        for (let k = 0; k < p; k++) t += v[k] * blocks[q].z[k];
        for (let k = 0; k < p; k++) z[k] += t * v[k];
      }
      blocks[q].z = z;
    }
    const Z0 = assemble(pr, blocks);
    const F0 = fitDirect(pr, Z0, off.b);
    const r0 = Float64Array.from(pr.y, (yy, j) => yy - F0[j]);
    const phi0 = objectiveOf(pr, r0, Z0, off.b);
    // Jacobian columns and gradient in face coordinates
    const cols: Float64Array[] = [];
    const owner: { q: number; v: Float64Array }[] = [];
    blocks.forEach((bl, q) => {
      const i = bl.k >> 1, s = sign(bl.k), d = pr.patterns[i];
      for (const v of bases[q]) {
        const c = new Float64Array(n);
        for (let j = 0; j < n; j++) {
          if (!d[j]) continue;
          let t = 0;
          for (let k = 0; k < p; k++) t += pr.Xt.data[j * p + k] * v[k];
          c[j] = s * t;
        }
        cols.push(c);
        owner.push({ q, v });
      }
    });
    const T = cols.length + (hasB ? 1 : 0);
    if (T === 0) return;
    const H = new Float64Array(T * T);
    const grad = new Float64Array(T);
    const colAt = (a: number): Float64Array => (a < cols.length ? cols[a] : new Float64Array(n).fill(1));
    const allCols = Array.from({ length: T }, (_, a) => colAt(a));
    for (let a = 0; a < T; a++) {
      let g = 0;
      for (let j = 0; j < n; j++) g -= allCols[a][j] * r0[j];
      grad[a] = g;
      for (let c = 0; c <= a; c++) {
        let h = 0;
        for (let j = 0; j < n; j++) h += allCols[a][j] * allCols[c][j];
        H[a * T + c] = h;
        H[c * T + a] = h;
      }
    }
    // penalty curvature, block by block: β N_ᵀ Pᵀ (I − ûûᵀ) P N / ‖Pz‖
    let a0 = 0;
    blocks.forEach((bl, q) => {
      const N = bases[q], m = N.length, nz = penNorm(bl.z, pen);
      const u = Float64Array.from(bl.z.subarray(0, pen), (x) => x / nz);
      const Pu = N.map((v) => {
        let t = 0;
        for (let k = 0; k < pen; k++) t += v[k] * u[k];
        return t;
      });
      for (let x = 0; x < m; x++) {
        grad[a0 + x] += beta * Pu[x];
        for (let y = 0; y < m; y++) {
          let vv = 0;
          for (let k = 0; k < pen; k++) vv += N[x][k] * N[y][k];
          H[(a0 + x) * T + a0 + y] += (beta * (vv - Pu[x] * Pu[y])) / nz;
        }
      }
      a0 += m;
    });
    if (hasB) {
      const bi = T - 1;
      if (pr.offset === 'decayed') {
        grad[bi] += beta * off.b;
        H[bi * T + bi] += beta;
      }
    }
    const delta = spdSolve(H, Float64Array.from(grad, (x) => -x), T);
    let dec = 0;
    for (let a = 0; a < T; a++) dec -= grad[a] * delta[a];
    // step in z coordinates
    const dz = blocks.map(() => new Float64Array(p));
    owner.forEach((o, a) => {
      for (let k = 0; k < p; k++) dz[o.q][k] += delta[a] * o.v[k];
    });
    const db = hasB ? delta[T - 1] : 0;
    if (!(dec > 1e-30 * Math.max(phi0, 1e-300))) {
      if (!releaseNegativeMultipliers(pr, blocks, r0)) return;
      continue;
    }
    // ratio tests: rows off the face, radial coordinates
    let amax = 1;
    let event: { kind: 'row'; q: number; j: number } | { kind: 'zero'; q: number } | null = null;
    blocks.forEach((bl, q) => {
      const i = bl.k >> 1;
      const onFace = new Set(bl.face);
      for (let j = 0; j < n; j++) {
        if (onFace.has(j)) continue;
        const dj = rowDot(pr, i, j, dz[q]);
        if (dj >= 0) continue;
        const cj = Math.max(0, rowDot(pr, i, j, bl.z));
        const a = cj / -dj;
        if (a < amax) {
          amax = a;
          event = { kind: 'row', q, j };
        }
      }
      const nz = penNorm(bl.z, pen);
      let rad = 0;
      for (let k = 0; k < pen; k++) rad += (bl.z[k] / nz) * dz[q][k];
      if (rad < 0 && nz / -rad < amax) {
        amax = nz / -rad;
        event = { kind: 'zero', q };
      }
    });
    const trial = (alpha: number): { phi: number; zs: Float64Array[]; b: number } => {
      const zs = blocks.map((bl, q) => Float64Array.from(bl.z, (x, k) => x + alpha * dz[q][k]));
      const ev = event as { kind: string; q: number } | null;
      if (ev && ev.kind === 'zero' && alpha === amax) zs[ev.q].fill(0);
      const b = off.b + alpha * db;
      const Zt = new Float64Array(2 * pr.P * p);
      blocks.forEach((bl, q) => Zt.set(zs[q], bl.k * p));
      const F = fitDirect(pr, Zt, b);
      const r = Float64Array.from(pr.y, (yy, j) => yy - F[j]);
      return { phi: objectiveOf(pr, r, Zt, b), zs, b };
    };
    let alpha = amax, acc: ReturnType<typeof trial> | null = null;
    for (let ls = 0; ls < 60; ls++) {
      const t = trial(alpha);
      if (t.phi <= phi0 - 1e-4 * alpha * dec || (t.phi < phi0 && ls > 40)) {
        acc = t;
        break;
      }
      alpha *= 0.5;
    }
    if (!acc) {
      if (!releaseNegativeMultipliers(pr, blocks, r0)) return;
      continue;
    }
    blocks.forEach((bl, q) => (bl.z = acc!.zs[q]));
    off.b = acc.b;
    const ev = event as { kind: 'row'; q: number; j: number } | { kind: 'zero'; q: number } | null;
    if (ev && alpha === amax) {
      if (ev.kind === 'row') blocks[ev.q].face.push(ev.j);
      else blocks[ev.q].z.fill(0);
    }
  }
}

/** At a face optimum: drop the most negative multiplier row of each block. True if any was dropped. */
function releaseNegativeMultipliers(pr: Program, blocks: Block[], r: Float64Array): boolean {
  let changed = false;
  for (const bl of blocks) {
    if (!bl.face.length) continue;
    const g = blockGrad(pr, bl.k, r);
    const nz = penNorm(bl.z, pr.pen);
    // ∇Φ = −g + β Pᵀ P z/‖Pz‖ = Σ μ_j a_j
    const h = Float64Array.from(g, (x, k) => -x + (k < pr.pen ? (pr.beta * bl.z[k]) / nz : 0));
    const rows = bl.face.map((j) => rowVec(pr, bl.k >> 1, j));
    const mu = leastSquares(rows, h);
    if (!mu) continue;
    let worst = -1, wv = 0;
    let hn = 0;
    for (const x of h) hn += x * x;
    const scale = Math.sqrt(hn) + pr.beta;
    for (let t = 0; t < mu.length; t++) {
      let an = 0;
      for (const x of rows[t]) an += x * x;
      const m = mu[t] * Math.sqrt(an);
      if (m < -MULTIPLIER_TOL * scale && m < wv) {
        wv = m;
        worst = t;
      }
    }
    if (worst >= 0) {
      bl.face.splice(worst, 1);
      changed = true;
    }
  }
  return changed;
}

export interface PolishResult {
  Z: Float64Array;
  b: number;
  objective: number;
  rounds: number;
}

/**
 * Polish (Z, b): Newton on the faces of the support, then add violating blocks, repeat.
 * Returns null when the problem is too large for dense Newton.
 */
export function polish(pr: Program, Z: Float64Array, b0: number, maxRounds = 30, deadline = Infinity): PolishResult | null {
  const { p, pen, beta } = pr;
  const blocks: Block[] = [];
  let vars = 0;
  for (let k = 0; k < 2 * pr.P; k++) {
    const z = Float64Array.from(Z.subarray(k * p, (k + 1) * p));
    if (!(penNorm(z, pen) > 0)) continue;
    blocks.push({ k, face: faceOf(pr, k >> 1, z), z });
    vars += p;
  }
  if (vars + 1 > POLISH_MAX_VARS || (vars + 1) ** 2 * pr.n > POLISH_MAX_WORK) return null;
  const off = { b: pr.offset === 'none' ? 0 : b0 };
  const warmScan = new Map<number, number[]>();
  let rounds = 0;
  for (; rounds < maxRounds && Date.now() <= deadline; rounds++) {
    newtonOnFaces(pr, blocks, off, 80, deadline);
    const Zc = assemble(pr, blocks);
    const F = fitDirect(pr, Zc, off.b);
    const r = Float64Array.from(pr.y, (yy, j) => yy - F[j]);
    const inS = new Set(blocks.map((bl) => bl.k));
    const cand: { k: number; v: number; dir: Float64Array; face: number[] }[] = [];
    let late = false;
    for (let k = 0; k < 2 * pr.P; k++) {
      if (inS.has(k)) continue;
      if ((k & 31) === 31 && Date.now() > deadline) {
        late = true;
        break;
      }
      const g = blockGrad(pr, k, r);
      if (!pr.freeBias && !(penNorm(g, p) > beta)) continue; // ‖Π_K g‖ ≤ ‖g‖ (full norm)
      // full norm: stop as soon as the projection is known to be below the entering level
      const proj = projectCone(pr.Xt, pr.patterns[k >> 1], g, 1, warmScan.get(k), undefined, pr.freeBias ? -1 : beta * (1 + ENTER_TOL));
      if (proj.early) continue;
      warmScan.set(k, proj.active);
      const v = penNorm(proj.z, pen);
      if (!(v > beta * (1 + ENTER_TOL))) continue;
      cand.push({ k, v, dir: proj.z, face: proj.active });
    }
    if (late || !cand.length || blocks.length * p + 1 > POLISH_MAX_VARS || (blocks.length * p + 1) ** 2 * pr.n > POLISH_MAX_WORK) break;
    cand.sort((x, y) => y.v - x.v);
    for (const c of cand.slice(0, 4)) {
      // exact line minimizer along dir: ½‖r − t·a‖² + βt‖P dir‖ ⇒ t = (aᵀr − β‖P dir‖)/‖a‖²
      const i = c.k >> 1, s = sign(c.k), d = pr.patterns[i];
      let ar = 0, aa = 0;
      for (let j = 0; j < pr.n; j++) {
        if (!d[j]) continue;
        let t = 0;
        for (let k = 0; k < p; k++) t += pr.Xt.data[j * p + k] * c.dir[k];
        ar += s * t * r[j];
        aa += t * t;
      }
      const pn = penNorm(c.dir, pen);
      const t = aa > 0 ? (ar - beta * pn) / aa : 0;
      if (!(t > 0)) continue;
      blocks.push({ k: c.k, face: faceOf(pr, i, c.dir), z: Float64Array.from(c.dir, (x) => x * t) });
    }
  }
  const Zf = assemble(pr, blocks);
  const F = fitDirect(pr, Zf, off.b);
  const r = Float64Array.from(pr.y, (yy, j) => yy - F[j]);
  return { Z: Zf, b: off.b, objective: objectiveOf(pr, r, Zf, off.b), rounds };
}
