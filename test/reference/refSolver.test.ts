/**
 * The reference solver against closed forms (MATH.md §5) and against its own contract:
 * [lower, upper] brackets P*, both ends agree to 1e-9, and `upper` is the objective of the
 * returned network recomputed by the reference forward pass.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { solveReference } from './refSolver';
import { objectiveBal, type RefProblem } from './objective';
import { gauss, mkMat, normv, rng } from './small';

function assertBracket(pstar: number, lower: number, upper: number, label: string) {
  const tol = 1e-9 * Math.max(Math.abs(pstar), 1e-12);
  assert.ok(lower <= pstar + tol && pstar <= upper + tol, `${label}: P* ${pstar} outside [${lower}, ${upper}]`);
  assert.ok(upper - lower <= 1e-9 * upper + 1e-15, `${label}: bracket too wide [${lower}, ${upper}]`);
}

/** Rows of a random orthonormal frame of R^d (n ≤ d rows). */
function orthonormalRows(n: number, d: number, R: () => number): number[][] {
  const out: number[][] = [];
  while (out.length < n) {
    const v = Array.from({ length: d }, () => gauss(R));
    for (const e of out) {
      const t = v.reduce((s, x, q) => s + x * e[q], 0);
      e.forEach((x, q) => (v[q] -= t * x));
    }
    const nv = normv(v);
    if (nv > 1e-6) out.push(v.map((x) => x / nv));
  }
  return out;
}

test('whitened data, no biases: P* = Σ± (β‖y±‖ − β²/2 or ½‖y±‖²) [EP Thm 9]', () => {
  const R = rng(21);
  for (let trial = 0; trial < 16; trial++) {
    const d = 2 + (trial % 2),
      n = 1 + (trial % d);
    const X = mkMat(n, d, orthonormalRows(n, d, R).flat());
    const y = Array.from({ length: n }, () => 2 * gauss(R));
    const beta = [0.05, 0.4, 1.3, 5][trial % 4];
    let pstar = 0;
    for (const sgn of [1, -1]) {
      const ny = normv(y.map((v) => Math.max(sgn * v, 0)));
      pstar += ny > beta ? beta * ny - (beta * beta) / 2 : 0.5 * ny * ny;
    }
    const prob: RefProblem = { X, Y: mkMat(n, 1, y), beta, hiddenBias: 'none', outputBias: 'none' };
    const sol = solveReference(prob);
    assert.ok(sol.converged, `trial ${trial} did not converge`);
    assertBracket(pstar, sol.lower, sol.upper, `whitened trial ${trial}`);
    assert.ok(Math.abs(objectiveBal(sol.net, prob) - sol.upper) <= 1e-12 * sol.upper);
  }
});

test('whitened data, one-hot vector output: P* = Σ_j (β√n_j − β²/2) [EP Thm 15]', () => {
  const R = rng(4);
  for (let trial = 0; trial < 6; trial++) {
    const n = 2,
      d = 2 + (trial % 2);
    const X = mkMat(n, d, orthonormalRows(n, d, R).flat());
    const Y = mkMat(2, 2, [1, 0, 0, 1]);
    const beta = [0.1, 0.5, 0.9][trial % 3];
    const pstar = 2 * (beta - (beta * beta) / 2);
    const sol = solveReference({ X, Y, beta, hiddenBias: 'none', outputBias: 'none' });
    assert.ok(sol.converged);
    assertBracket(pstar, sol.lower, sol.upper, `one-hot trial ${trial}`);
  }
});

test('rank-one data X = c·aᵀ without biases: two scalar lassos [EP Cor 5]', () => {
  const R = rng(8);
  for (let trial = 0; trial < 12; trial++) {
    const n = 3 + Math.floor(R() * 10),
      d = 1 + (trial % 2);
    const a = Array.from({ length: d }, () => gauss(R));
    const cc = Array.from({ length: n }, () => gauss(R));
    const X = mkMat(
      n,
      d,
      cc.flatMap((ci) => a.map((aj) => ci * aj)),
    );
    const y = Array.from({ length: n }, () => gauss(R));
    const beta = [0.05, 0.3, 1, 3][trial % 4];
    const na = normv(a);
    // φ± = ‖a‖(±c)_+ (disjoint supports ⇒ independent scalar lassos)
    let fit = new Array<number>(n).fill(0);
    let pen = 0;
    for (const sgn of [1, -1]) {
      const phi = cc.map((ci) => na * Math.max(sgn * ci, 0));
      const pp = phi.reduce((s, x) => s + x * x, 0);
      if (pp === 0) continue;
      const py = phi.reduce((s, x, i) => s + x * y[i], 0);
      const w = (Math.sign(py) * Math.max(Math.abs(py) - beta, 0)) / pp;
      fit = fit.map((f, i) => f + w * phi[i]);
      pen += beta * Math.abs(w);
    }
    const pstar = 0.5 * y.reduce((s, yi, i) => s + (yi - fit[i]) ** 2, 0) + pen;
    const sol = solveReference({ X, Y: mkMat(n, 1, y), beta, hiddenBias: 'none', outputBias: 'none' });
    assert.ok(sol.converged);
    assertBracket(pstar, sol.lower, sol.upper, `rank-one trial ${trial}`);
  }
});

test('1-D data with decayed bias: the reference beats a dense spline dictionary and agrees with it closely', () => {
  // Kinks of optimal neurons sit at data points ([EP Lemma 6]); with a decayed bias the
  // all-active neurons are free directions too, so a fine dictionary of directions (angles)
  // gives a valid upper bound that the exact reference must not exceed.
  const R = rng(30);
  for (let trial = 0; trial < 6; trial++) {
    const n = 5 + Math.floor(R() * 8);
    const x = Array.from({ length: n }, () => 2 * gauss(R)).sort((p, q) => p - q);
    const y = x.map((t) => Math.sin(2 * t) + 0.2 * gauss(R));
    const beta = [0.05, 0.2, 0.8][trial % 3];
    const prob: RefProblem = { X: mkMat(n, 1, x), Y: mkMat(n, 1, y), beta, hiddenBias: 'decayed', outputBias: 'decayed' };
    const sol = solveReference(prob);
    assert.ok(sol.converged, `trial ${trial}`);
    // dense dictionary upper bound by cyclic coordinate descent over 2000 unit directions (cos t, sin t)
    const K0 = 2000;
    const dirs: [number, number][] = Array.from({ length: K0 }, (_, k) => [Math.cos((2 * Math.PI * k) / K0), Math.sin((2 * Math.PI * k) / K0)]);
    // plus kinks exactly at the data points, both orientations
    for (const xk of x) for (const sg of [1, -1]) dirs.push([sg / Math.hypot(1, xk), (-sg * xk) / Math.hypot(1, xk)]);
    const K = dirs.length;
    const feats = dirs.map(([cu, cb]) => x.map((xi) => Math.max(0, cu * xi + cb)));
    const w = new Array<number>(K).fill(0);
    let b = 0;
    const r = y.slice();
    for (let sweep = 0; sweep < 1500; sweep++) {
      for (let k = 0; k < K; k++) {
        const f = feats[k];
        const ff = f.reduce((s, v) => s + v * v, 0);
        if (ff === 0) continue;
        let t = w[k] * ff;
        for (let i = 0; i < n; i++) t += f[i] * r[i];
        const nw = (Math.sign(t) * Math.max(Math.abs(t) - beta, 0)) / ff;
        if (nw !== w[k]) {
          for (let i = 0; i < n; i++) r[i] -= (nw - w[k]) * f[i];
          w[k] = nw;
        }
      }
      const rb = r.reduce((s, v) => s + v, 0) + n * b;
      const nb = rb / (n + beta);
      for (let i = 0; i < n; i++) r[i] -= nb - b;
      b = nb;
    }
    const pDense = 0.5 * r.reduce((s, v) => s + v * v, 0) + beta * w.reduce((s, v) => s + Math.abs(v), 0) + (beta / 2) * b * b;
    assert.ok(sol.lower <= pDense * (1 + 1e-9), `trial ${trial}: reference lower ${sol.lower} above a concrete network ${pDense}`);
    assert.ok(pDense - sol.upper <= 1e-2 * sol.upper, `trial ${trial}: dense dictionary ${pDense} far above reference ${sol.upper}`);
  }
});
