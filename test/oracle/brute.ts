/**
 * Independent brute force for the oracle tests: dense search over u (and b) with plain
 * arithmetic, no activation patterns, no sweeps. Random unit directions, structured grids on the
 * circle / sphere, then pattern-free hill climbing (random perturbations with shrinking steps).
 */
import type { Mat } from '../../src/core/linalg/mat';

export function rng(seed: number): () => number {
  let a = seed >>> 0 || 1;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
export function gauss(r: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

/** value(u, b) = ‖Λᵀ(Xu + b)_+‖ (|·| for c = 1) — naive */
export function value(X: Mat, L: Mat, u: ArrayLike<number>, b = 0): number {
  const n = X.rows,
    d = X.cols,
    c = L.cols;
  const xd = X.data,
    ld = L.data;
  if (c === 1) {
    let s = 0;
    for (let i = 0; i < n; i++) {
      let z = b;
      for (let k = 0; k < d; k++) z += xd[i * d + k] * u[k];
      if (z > 0) s += ld[i] * z;
    }
    return Math.abs(s);
  }
  let tot = 0;
  for (let k = 0; k < c; k++) {
    let s = 0;
    for (let i = 0; i < n; i++) {
      let z = b;
      for (let q = 0; q < d; q++) z += xd[i * d + q] * u[q];
      if (z > 0) s += ld[i * c + k] * z;
    }
    tot += s * s;
  }
  return Math.sqrt(tot);
}

function unit(u: number[]): number[] {
  const nn = Math.sqrt(u.reduce((a, x) => a + x * x, 0));
  return nn > 0 ? u.map((x) => x / nn) : u;
}

export interface BruteResult {
  max: number;
  u: number[];
  b: number;
}

/** Dense search over the unit sphere of R^d (d ≥ 1); free bias: also over b. */
export function brute(X: Mat, L: Mat, opts: { samples?: number; seed?: number; freeBias?: boolean; bRange?: number; refineStarts?: number } = {}): BruteResult {
  const d = X.cols;
  const r = rng(opts.seed ?? 12345);
  const samples = opts.samples ?? 20000;
  const free = !!opts.freeBias;
  const bR = opts.bRange ?? 1;
  const top: { val: number; u: number[]; b: number }[] = [];
  const K = opts.refineStarts ?? 5;
  let best = { val: 0, u: unit(Array.from({ length: d }, (_, k) => (k === 0 ? 1 : 0))), b: 0 };
  const consider = (u: number[], b: number) => {
    const val = value(X, L, u, b);
    if (val > best.val) best = { val, u, b };
    if (top.length < K || val > top[top.length - 1].val) {
      top.push({ val, u, b });
      top.sort((a, c) => c.val - a.val);
      if (top.length > K) top.pop();
    }
  };
  const bGrid = free ? Array.from({ length: 41 }, (_, k) => -bR + (2 * bR * k) / 40).concat([10 * bR, 100 * bR]) : [0];
  const dirs: number[][] = [];
  if (d === 1) dirs.push([1], [-1]);
  else if (d === 2) {
    const m = Math.max(2000, samples / 4);
    for (let k = 0; k < m; k++) dirs.push([Math.cos((2 * Math.PI * k) / m), Math.sin((2 * Math.PI * k) / m)]);
  } else if (d === 3) {
    const m = Math.max(2000, samples / 2);
    const ga = Math.PI * (3 - Math.sqrt(5));
    for (let k = 0; k < m; k++) {
      const z = 1 - (2 * (k + 0.5)) / m;
      const rr = Math.sqrt(1 - z * z);
      dirs.push([rr * Math.cos(ga * k), rr * Math.sin(ga * k), z]);
    }
  }
  // coordinate directions and data-related directions (rows, their negatives, pairwise cross products in 3-D)
  for (let k = 0; k < d; k++) {
    const e = new Array(d).fill(0);
    e[k] = 1;
    dirs.push(e);
    const f = new Array(d).fill(0);
    f[k] = -1;
    dirs.push(f);
  }
  // kinks: in 3-D also search each great circle {x_iᵀu = 0} on a fine grid with 1-D refinement,
  // and the vertices ±(x_i × x_j)/‖·‖ — maxima often sit on these ridges
  if (d === 3 && !free) {
    const n = X.rows;
    const xr = (i: number) => [X.data[i * 3], X.data[i * 3 + 1], X.data[i * 3 + 2]];
    const cross = (a: number[], b: number[]) => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
    for (let i = 0; i < n; i++) {
      const a = xr(i);
      const na = Math.hypot(a[0], a[1], a[2]);
      if (!(na > 0)) continue;
      for (let j = i + 1; j < n; j++) {
        const cv = unit(cross(a, xr(j)));
        if (Math.hypot(cv[0], cv[1], cv[2]) > 0.5) {
          consider(cv, 0);
          consider(
            cv.map((x) => -x),
            0,
          );
        }
      }
      const an = a.map((x) => x / na);
      const e = Math.abs(an[0]) < 0.9 ? [1, 0, 0] : [0, 1, 0];
      const p1 = unit(cross(an, e));
      const p2 = cross(an, p1);
      const at = (t: number) => [
        Math.cos(t) * p1[0] + Math.sin(t) * p2[0],
        Math.cos(t) * p1[1] + Math.sin(t) * p2[1],
        Math.cos(t) * p1[2] + Math.sin(t) * p2[2],
      ];
      const m = 360;
      let bt = 0,
        bv = -1;
      const vals: number[] = [];
      for (let k = 0; k < m; k++) {
        const v = value(X, L, at((2 * Math.PI * k) / m));
        vals.push(v);
        if (v > bv) {
          bv = v;
          bt = (2 * Math.PI * k) / m;
        }
      }
      // refine the best few local maxima on the circle
      const locals: number[] = [];
      for (let k = 0; k < m; k++) if (vals[k] >= vals[(k + m - 1) % m] && vals[k] >= vals[(k + 1) % m]) locals.push(k);
      locals.sort((x, y) => vals[y] - vals[x]);
      for (const k of locals.slice(0, 3)) {
        let t = (2 * Math.PI * k) / m,
          v = vals[k];
        for (let step = (2 * Math.PI) / m; step > 1e-15; ) {
          const v1 = value(X, L, at(t + step)),
            v2 = value(X, L, at(t - step));
          if (v1 > v && v1 >= v2) {
            v = v1;
            t += step;
          } else if (v2 > v) {
            v = v2;
            t -= step;
          } else step *= 0.5;
        }
        consider(at(t), 0);
      }
      void bt;
    }
  }
  const nd = free ? Math.max(200, Math.floor(samples / bGrid.length)) : samples;
  for (let s = 0; s < nd; s++) dirs.push(unit(Array.from({ length: d }, () => gauss(r))));
  const uf = new Float64Array(d);
  for (const u of dirs) {
    for (let q = 0; q < d; q++) uf[q] = u[q];
    if (free) {
      const { b, val } = bestBias(X, L, uf, bGrid);
      if (top.length < K || val > top[top.length - 1].val) consider(u, b);
      continue;
    }
    for (const b of bGrid) {
      const val = value(X, L, uf, b);
      if (top.length < K || val > top[top.length - 1].val) consider(u, b);
    }
  }
  // pattern-free refinement: compass search in the tangent space (plus b), shrinking steps
  const nDir = d === 1 ? 0 : d === 2 ? 2 : d === 3 ? 24 : 40;
  const T = new Float64Array(nDir * d);
  const B0 = new Float64Array(d * d);
  const cand = new Float64Array(d);
  const fillDirs = (u: Float64Array) => {
    // orthonormal basis of u^⊥ (Gram–Schmidt on coordinate vectors), rows of B0
    let nb = 0;
    for (let k = 0; k < d && nb < d - 1; k++) {
      const e = new Float64Array(d);
      e[k] = 1;
      let du = u[k];
      for (let q = 0; q < d; q++) e[q] -= du * u[q];
      for (let j = 0; j < nb; j++) {
        let db = 0;
        for (let q = 0; q < d; q++) db += e[q] * B0[j * d + q];
        for (let q = 0; q < d; q++) e[q] -= db * B0[j * d + q];
      }
      let nn = 0;
      for (let q = 0; q < d; q++) nn += e[q] * e[q];
      nn = Math.sqrt(nn);
      if (nn > 1e-6) {
        for (let q = 0; q < d; q++) B0[nb * d + q] = e[q] / nn;
        nb++;
      }
      du = 0;
    }
    for (let t = 0; t < nDir; t++) {
      const w = new Float64Array(nb);
      if (d === 2) w[0] = t === 0 ? 1 : -1;
      else if (d === 3) {
        w[0] = Math.cos((2 * Math.PI * t) / nDir);
        w[1] = Math.sin((2 * Math.PI * t) / nDir);
      } else for (let j = 0; j < nb; j++) w[j] = gauss(r);
      for (let q = 0; q < d; q++) {
        let v = 0;
        for (let j = 0; j < nb; j++) v += w[j] * B0[j * d + q];
        T[t * d + q] = v;
      }
    }
  };
  for (const start of top.slice()) {
    const u = Float64Array.from(start.u);
    let b = start.b;
    let val = start.val;
    let iters = 0;
    for (let step = 0.05; step > 1e-13 && iters < 150; iters++) {
      let improved = false;
      fillDirs(u);
      const nb = free ? 3 : 1;
      for (let t = 0; t < nDir + (free ? 1 : 0); t++) {
        for (let bi = 0; bi < nb; bi++) {
          const db = bi === 0 ? 0 : bi === 1 ? 1 : -1;
          let nn = 0;
          for (let q = 0; q < d; q++) {
            cand[q] = u[q] + (t < nDir ? step * T[t * d + q] : 0);
            nn += cand[q] * cand[q];
          }
          nn = Math.sqrt(nn);
          for (let q = 0; q < d; q++) cand[q] /= nn;
          let cb = b + step * bR * db;
          let cv = value(X, L, cand, cb);
          if (free) {
            const bb = bestBias(X, L, cand, bGrid);
            if (bb.val > cv) {
              cv = bb.val;
              cb = bb.b;
            }
          }
          if (cv > val) {
            val = cv;
            u.set(cand);
            b = cb;
            improved = true;
          }
        }
      }
      if (!improved) step *= 0.5;
    }
    if (val > best.val) best = { val, u: Array.from(u), b };
  }
  return { max: best.val, u: best.u, b: best.b };
}

/**
 * For fixed u, b ↦ Λᵀ(Xu + b)_+ is piecewise linear with kinks at b = −x_kᵀu (elementary), so its
 * norm is maximized at a kink or at the ends of a wide grid: exhaustive 1-D search.
 */
export function bestBias(X: Mat, L: Mat, u: ArrayLike<number>, grid: number[]): { b: number; val: number } {
  let best = { b: 0, val: -1 };
  const d = X.cols;
  for (let k = 0; k < X.rows; k++) {
    let z = 0;
    for (let q = 0; q < d; q++) z += X.data[k * d + q] * u[q];
    const v = value(X, L, u, -z);
    if (v > best.val) best = { b: -z, val: v };
  }
  for (const b of grid) {
    const v = value(X, L, u, b);
    if (v > best.val) best = { b, val: v };
  }
  return best;
}

/** Σ_i ‖Λ_i‖‖x_i‖ (+ |b|‖Λ_i‖) : Lipschitz scale */
export function lip(X: Mat, L: Mat): number {
  let s = 0;
  for (let i = 0; i < X.rows; i++) {
    let x = 0,
      l = 0;
    for (let k = 0; k < X.cols; k++) x += X.data[i * X.cols + k] ** 2;
    for (let k = 0; k < L.cols; k++) l += L.data[i * L.cols + k] ** 2;
    s += Math.sqrt(x * l);
  }
  return s;
}

export function mat(rows: number, cols: number, f: (i: number, j: number) => number): Mat {
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) data[i * cols + j] = f(i, j);
  return { rows, cols, data };
}

/**
 * Random instance generator with degenerate structures: duplicates, collinear rows (± multiples),
 * zero rows, integer grids, rank deficiency, λ with zeros, tiny and huge scales.
 */
export function instance(seed: number, opts: { d: number; c?: number; maxN?: number; ones?: boolean }): { X: Mat; L: Mat; kind: string } {
  const r = rng(seed);
  const c = opts.c ?? 1;
  const maxN = opts.maxN ?? 15;
  const n = 1 + Math.floor(r() * maxN);
  const ones = opts.ones ?? false;
  const dx = ones ? opts.d - 1 : opts.d;
  const kind = Math.floor(r() * 8);
  const rows: number[][] = [];
  for (let i = 0; i < n; i++) {
    let x: number[];
    if (kind === 1 && i > 0 && r() < 0.5)
      x = rows[Math.floor(r() * rows.length)].slice(0, dx); // duplicate
    else if (kind === 2 && i > 0 && r() < 0.6) {
      const m = (r() < 0.5 ? -1 : 1) * (0.1 + 2 * r());
      x = rows[Math.floor(r() * rows.length)].slice(0, dx).map((v) => v * m); // collinear
    } else if (kind === 3 && r() < 0.3)
      x = new Array(dx).fill(0); // zero rows / points at origin
    else if (kind === 4)
      x = Array.from({ length: dx }, () => Math.floor(r() * 5) - 2); // integer grid
    else x = Array.from({ length: dx }, () => gauss(r));
    rows.push(x);
  }
  if (kind === 5 && dx >= 2) {
    // rank deficient: last column a combination of the others
    const a = gauss(r),
      b = gauss(r);
    for (const x of rows) x[dx - 1] = a * x[0] + (dx > 2 ? b * x[1] : 0);
  }
  let sx = 1;
  if (kind === 6) sx = r() < 0.5 ? 1e-6 : 1e6;
  const Xrows = rows.map((x) => (ones ? [...x.map((v) => v * sx), 1] : x.map((v) => v * sx)));
  const X = mat(n, opts.d, (i, j) => Xrows[i][j]);
  let sl = 1;
  if (kind === 7) sl = r() < 0.5 ? 1e-8 : 1e8;
  const zeroFrac = r() < 0.3 ? 0.4 : 0;
  const L = mat(n, c, () => (r() < zeroFrac ? 0 : gauss(r) * sl));
  return { X, L, kind: ['gauss', 'dup', 'collinear', 'zero-rows', 'int-grid', 'rank-def', 'x-scale', 'λ-scale'][kind] };
}
