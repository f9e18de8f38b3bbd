/** Random test instances for the global searches: X (n×d, optionally a ones column, optionally on a ½-grid: degenerate) and Λ (n×c), Gaussian. */
import type { Mat } from '../../src/core/linalg/mat';
import { gauss, rng } from '../reference/small';

export function randomInstance(seed: number, n: number, d: number, c: number, ones: boolean, grid = false): { X: Mat; L: Mat } {
  const R = rng(seed);
  const p = d + (ones ? 1 : 0);
  const X: Mat = { rows: n, cols: p, data: new Float64Array(n * p) };
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < d; k++) X.data[i * p + k] = grid ? Math.round(2 * gauss(R)) / 2 : gauss(R);
    if (ones) X.data[i * p + d] = 1;
  }
  const L: Mat = { rows: n, cols: c, data: Float64Array.from({ length: n * c }, () => gauss(R)) };
  return { X, L };
}

/** A box of directions on the cube face k (the spatial search's regions): lo ≤ w ≤ hi with w_k = ±1. */
export interface Box {
  k: number;
  lo: Float64Array;
  hi: Float64Array;
}

/** the box of half-width h around the cube-face point of direction u (clipped to the face) */
export function boxAround(u: ArrayLike<number>, h: number): Box {
  const r = u.length;
  let k = 0;
  for (let q = 1; q < r; q++) if (Math.abs(u[q]) > Math.abs(u[k])) k = q;
  const lo = new Float64Array(r),
    hi = new Float64Array(r);
  for (let q = 0; q < r; q++) {
    const w = u[q] / Math.abs(u[k]);
    lo[q] = q === k ? w : Math.max(-1, w - h);
    hi[q] = q === k ? w : Math.min(1, w + h);
  }
  return { k, lo, hi };
}

/** a random box on a random face: sometimes the whole face, sometimes a small one */
export function randomBox(R: () => number, r: number): Box {
  const k = Math.floor(R() * r),
    s = R() < 0.5 ? -1 : 1;
  const lo = new Float64Array(r),
    hi = new Float64Array(r);
  const scale = [2, 0.5, 0.05][Math.floor(R() * 3)];
  for (let q = 0; q < r; q++) {
    if (q === k) {
      lo[q] = hi[q] = s;
      continue;
    }
    const a = -1 + R() * 2,
      b = Math.min(1, a + R() * scale);
    lo[q] = a;
    hi[q] = b;
  }
  return { k, lo, hi };
}

/** The largest f over the box's vertices and 200 random points of it: a lower bound on f's maximum over the box. */
export function boxPointsMax(box: Box, R: () => number, f: (w: Float64Array) => number): number {
  const r = box.lo.length;
  let best = -Infinity;
  const w = new Float64Array(r);
  for (let t = 0; t < 200 + (1 << (r - 1)); t++) {
    for (let q = 0, b = 0; q < r; q++) {
      if (q === box.k) w[q] = box.lo[q];
      else if (t < 1 << (r - 1)) w[q] = t & (1 << b++) ? box.hi[q] : box.lo[q];
      else w[q] = box.lo[q] + R() * (box.hi[q] - box.lo[q]);
    }
    best = Math.max(best, f(w));
  }
  return best;
}
