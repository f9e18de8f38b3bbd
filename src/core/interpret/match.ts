/**
 * Matching the trained network's neurons to the optimal network's (MATH.md §6–§7: which trained
 * neuron became which optimal one, which are missing, which are surplus).
 *
 * Score: activation pattern first, direction second. cost(i, j) = 3·h(i, j) + (1 − cos(ũ_i, ũ_j)),
 * h the Hamming distance of the patterns (ties on a kink agree with both sides) and cos the cosine
 * of the unit feature vectors [u; b]/‖[u; b]‖. Since 1 − cos ∈ [0, 2] < 3, one differing sample
 * always outweighs any difference in direction: the order is lexicographic. The assignment
 * minimizing the total cost is exact (Hungarian, O(k³)) up to HUNGARIAN_MAX neurons per side;
 * beyond that a greedy pass over the sorted costs (documented approximation: each pair is the
 * cheapest among the neurons still free). Dead neurons (zero on all data or v = 0) take no part;
 * neurons left without a partner, and pairs pointing apart (cos ≤ MATCH_MIN_COSINE), are omitted.
 */
import type { Mat } from '../linalg/mat';
import type { NetworkWeights, CertifyModes } from '../problem/network';
import { checkNetworkAndData, featureRowNorms, neuronPattern, outputWeights, patternDistance, unitFeature, type NeuronPattern } from './pattern';

export const HUNGARIAN_MAX = 300;
/** A pair whose directions have cosine ≤ this is not reported as a match. */
export const MATCH_MIN_COSINE = 0;

export interface NeuronMatch {
  trained: number;
  optimal: number;
  cosine: number;
  samePattern: boolean;
}

interface Live {
  index: number;
  pat: NeuronPattern;
  dir: Float64Array;
}

function liveNeurons(net: NetworkWeights, X: Mat, modes: CertifyModes, rowNorms: Float64Array): Live[] {
  const out: Live[] = [];
  for (let j = 0; j < net.W1.rows; j++) {
    const pat = neuronPattern(net, j, X, modes, rowNorms);
    const v = outputWeights(net, j);
    if (!pat.pre.some((z) => z > 0) || v.every((x) => x === 0)) continue;
    out.push({ index: j, pat, dir: unitFeature(net, j, modes) });
  }
  return out;
}

/** Minimum-cost assignment of every row to a distinct column (rows ≤ cols); returns col per row. */
export function hungarian(cost: number[][]): number[] {
  const nr = cost.length;
  const nc = nr ? cost[0].length : 0;
  const INF = Infinity;
  const u = new Float64Array(nr + 1),
    v = new Float64Array(nc + 1);
  const p = new Int32Array(nc + 1),
    way = new Int32Array(nc + 1);
  for (let i = 1; i <= nr; i++) {
    p[0] = i;
    let j0 = 0;
    const minv = new Float64Array(nc + 1).fill(INF);
    const used = new Uint8Array(nc + 1);
    do {
      used[j0] = 1;
      const i0 = p[j0];
      let delta = INF,
        j1 = 0;
      for (let j = 1; j <= nc; j++) {
        if (used[j]) continue;
        const cur = cost[i0 - 1][j - 1] - u[i0] - v[j];
        if (cur < minv[j]) [minv[j], way[j]] = [cur, j0];
        if (minv[j] < delta) [delta, j1] = [minv[j], j];
      }
      for (let j = 0; j <= nc; j++) {
        if (used[j]) {
          u[p[j]] += delta;
          v[j] -= delta;
        } else minv[j] -= delta;
      }
      j0 = j1;
    } while (p[j0] !== 0);
    do {
      const j1 = way[j0];
      p[j0] = p[j1];
      j0 = j1;
    } while (j0);
  }
  const ans = new Array<number>(nr).fill(-1);
  for (let j = 1; j <= nc; j++) if (p[j]) ans[p[j] - 1] = j - 1;
  return ans;
}

export function matchNeurons(trained: NetworkWeights, optimal: NetworkWeights, X: Mat, modes: CertifyModes): NeuronMatch[] {
  checkNetworkAndData(trained, X, 'The trained network');
  checkNetworkAndData(optimal, X, 'The optimal network');
  const rowNorms = featureRowNorms(X, modes);
  const A = liveNeurons(trained, X, modes, rowNorms);
  const B = liveNeurons(optimal, X, modes, rowNorms);
  if (!A.length || !B.length) return [];
  const cosine = (a: Live, b: Live) => {
    let s = 0;
    for (let k = 0; k < a.dir.length; k++) s += a.dir[k] * b.dir[k];
    return s;
  };
  const hd = A.map((a) => B.map((b) => patternDistance(a.pat.side, b.pat.side)));
  const cs = A.map((a) => B.map((b) => cosine(a, b)));
  const cost = A.map((_, i) => B.map((_, j) => 3 * hd[i][j] + (1 - cs[i][j])));
  const pairs: [number, number][] = [];
  if (Math.max(A.length, B.length) <= HUNGARIAN_MAX) {
    if (A.length <= B.length) hungarian(cost).forEach((j, i) => j >= 0 && pairs.push([i, j]));
    else hungarian(B.map((_, j) => A.map((_, i) => cost[i][j]))).forEach((i, j) => i >= 0 && pairs.push([i, j]));
  } else {
    const all: [number, number, number][] = [];
    A.forEach((_, i) => B.forEach((_, j) => all.push([cost[i][j], i, j])));
    all.sort((x, y) => x[0] - y[0] || x[1] - y[1] || x[2] - y[2]);
    const ua = new Uint8Array(A.length),
      ub = new Uint8Array(B.length);
    for (const [, i, j] of all) {
      if (ua[i] || ub[j]) continue;
      ua[i] = ub[j] = 1;
      pairs.push([i, j]);
    }
  }
  return pairs
    .filter(([i, j]) => cs[i][j] > MATCH_MIN_COSINE)
    .map(([i, j]) => ({ trained: A[i].index, optimal: B[j].index, cosine: cs[i][j], samePattern: hd[i][j] === 0 }))
    .sort((x, y) => x.trained - y.trained);
}
