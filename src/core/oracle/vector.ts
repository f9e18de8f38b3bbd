/**
 * Vector outputs c = 2, 3 (MATH.md §3.7): M(Λ) = max_{‖g‖=1} σ(g) with σ(g) = M_scalar(Λg).
 * σ is a support function (σ(g) = max_u gᵀΛᵀ(X̂u)_+ over ‖u‖ ≤ 1, a max of linear functions of g,
 * hence ≥ 0, positively homogeneous and subadditive). For g in the cone of g_1..g_k with
 * g = Σ a_j g_j, a ≥ 0: σ(g) ≤ Σ a_j σ(g_j) ≤ (Σ a_j)·max σ(g_j), and on the unit sphere
 * Σ a_j ≤ 1/cos δ where δ is the half-angle of an arc (c = 2) or the angular circumradius of a
 * spherical triangle (c = 3). Adaptive branch and bound on arcs / triangles with exact scalar
 * oracle calls at the vertices.
 */
import { exactScalar, type SweepResult } from './sweep';
import { heapPop, heapPush } from './boundHeap';
import { withVertex } from './runningBest';
import { CancelledError } from '../errors';

/** Relative upper−lower gap at which the branch and bound stops. */
export const BB_REL_TOL = 1e-9;
/** Largest number of scalar-oracle calls of one branch and bound. */
export const BB_MAX_EVALS = 4000;

export interface BBResult {
  /** sound upper bound on max_g σ(g) in the reduced coordinates, scalar allowance A included */
  upper: number;
  /** best computed σ(g) */
  best: number;
  /** best direction u (reduced coords) among the vertices' argmaxes, chosen by direct vector norm */
  u: Float64Array;
  converged: boolean;
  evals: number;
  patterns: number;
}

interface Cell {
  bound: number;
  verts: number[]; // indices into the vertex store
  cosr: number;
}

/**
 * @param sigma scalar oracle: computed max |(Λg)ᵀ(X̂u)_+| with argmax (for ‖g‖ = 1)
 * @param A allowance: σ(g) ≤ computed + A for every unit g
 * @param vecNorm direct ‖Λᵀ(X̂u)_+‖ used to rank argmaxes
 */
export function branchAndBound(
  c: 2 | 3,
  sigma: (g: Float64Array) => SweepResult,
  A: number,
  vecNorm: (u: Float64Array) => number,
  shouldStop?: () => boolean,
): BBResult {
  const V: Float64Array[] = [];
  const S: number[] = [];
  let evals = 0;
  let patterns = 0;
  let best = 0;
  let bestU: Float64Array | null = null;
  let bestNorm = -1;
  const addVertex = (g: Float64Array): number => {
    if (shouldStop && shouldStop()) throw new CancelledError('oracle');
    const res = sigma(g);
    evals++;
    patterns += res.patterns;
    V.push(g);
    S.push(res.value);
    ({ best, bestU, bestNorm } = withVertex({ best, bestU, bestNorm }, res, vecNorm));
    return V.length - 1;
  };
  const heap: Cell[] = [];
  const push = (cell: Cell) => heapPush(heap, cell);
  const pop = (): Cell => heapPop(heap);
  const makeCell = (verts: number[]): Cell => {
    const cosr = cellCosRadius(verts.map((k) => V[k]));
    let mx = 0;
    for (const k of verts) mx = Math.max(mx, S[k] + A);
    const bound = cosr > 0 ? mx / cosr : Infinity;
    return { bound, verts, cosr };
  };
  const unit = (a: Float64Array, b: Float64Array): Float64Array => {
    const m = a.map((x, k) => x + b[k]);
    const nn = Math.hypot(...m);
    return m.map((x) => x / nn);
  };
  if (c === 2) {
    const K = 16;
    const ids: number[] = [];
    for (let k = 0; k < K; k++) ids.push(addVertex(Float64Array.of(Math.cos((2 * Math.PI * k) / K), Math.sin((2 * Math.PI * k) / K))));
    for (let k = 0; k < K; k++) push(makeCell([ids[k], ids[(k + 1) % K]]));
  } else {
    const P = [
      [1, 0, 0],
      [-1, 0, 0],
      [0, 1, 0],
      [0, -1, 0],
      [0, 0, 1],
      [0, 0, -1],
    ].map((v) => addVertex(Float64Array.from(v)));
    for (const x of [0, 1]) for (const y of [2, 3]) for (const z of [4, 5]) push(makeCell([P[x], P[y], P[z]]));
    // one level of refinement up front (32 triangles)
    const cells = heap.splice(0, heap.length);
    for (const cl of cells) for (const ch of split3(cl)) push(ch);
  }
  function split3(cl: Cell): Cell[] {
    const [a, b, d] = cl.verts;
    const ab = addVertex(unit(V[a], V[b]));
    const bd = addVertex(unit(V[b], V[d]));
    const da = addVertex(unit(V[d], V[a]));
    return [makeCell([a, ab, da]), makeCell([ab, b, bd]), makeCell([da, bd, d]), makeCell([ab, bd, da])];
  }
  let converged = false;
  for (;;) {
    const top = heap[0];
    if (!top) {
      converged = true;
      break;
    }
    if (top.bound <= (best + A) * (1 + BB_REL_TOL)) {
      converged = true;
      break;
    }
    if (evals >= BB_MAX_EVALS) break;
    pop();
    if (c === 2) {
      const [a, b] = top.verts;
      const m = addVertex(unit(V[a], V[b]));
      push(makeCell([a, m]));
      push(makeCell([m, b]));
    } else {
      for (const ch of split3(top)) push(ch);
    }
  }
  let upper = 0;
  for (const cl of heap) upper = Math.max(upper, cl.bound);
  upper = Math.max(upper, best + A);
  return { upper, best, u: bestU ?? new Float64Array(0), converged, evals, patterns };
}

/**
 * cos ρ of a cell's angular radius, shaved for rounding (a smaller cos, a larger bound): two unit vertices are an
 * arc (ρ its half-angle), three a spherical triangle (ρ about the normal of the plane through them).
 */
function cellCosRadius(P: Float64Array[]): number {
  let cosr: number;
  if (P.length === 2) {
    const [a, b] = P;
    // half-angle δ: cos δ = ‖(a+b)/2‖ for unit a, b
    cosr = Math.hypot(a[0] + b[0], a[1] + b[1]) / 2;
  } else {
    const [a, b, d] = P;
    const u = [b[0] - a[0], b[1] - a[1], b[2] - a[2]];
    const w = [d[0] - a[0], d[1] - a[1], d[2] - a[2]];
    let nx = u[1] * w[2] - u[2] * w[1],
      ny = u[2] * w[0] - u[0] * w[2],
      nz = u[0] * w[1] - u[1] * w[0];
    const nn = Math.hypot(nx, ny, nz);
    nx /= nn;
    ny /= nn;
    nz /= nn;
    // the smallest of nᵀg_j is a safe value for cos ρ (equal in exact arithmetic)
    cosr = Math.abs(
      Math.min(Math.abs(nx * a[0] + ny * a[1] + nz * a[2]), Math.abs(nx * b[0] + ny * b[1] + nz * b[2]), Math.abs(nx * d[0] + ny * d[1] + nz * d[2])),
    );
  }
  return cosr * (1 - 4e-16) - 1e-16;
}

export { exactScalar };
