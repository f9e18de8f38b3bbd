import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detectClosedForm } from '../../src/core/certify/closedForms';
import { solveLasso } from '../../src/core/certify/lasso';
import { dualValue } from '../../src/core/certify/dual';
import type { Mat } from '../../src/core/linalg/mat';
import { mat, rng, refObjective, relClose, whitenedOracle } from './helpers';

const NONE = { hiddenBias: 'none' as const, outputBias: 'none' as const };

/** n×d with orthonormal rows (Gram–Schmidt on Gaussian rows) */
export function whitened(seed: number, n: number, d: number): Mat {
  const r = rng(seed);
  const rows: number[][] = [];
  for (let i = 0; i < n; i++) {
    let v = Array.from({ length: d }, () => r.normal());
    for (const w of rows) {
      const p = v.reduce((s, x, k) => s + x * w[k], 0);
      v = v.map((x, k) => x - p * w[k]);
    }
    const nn = Math.hypot(...v);
    rows.push(v.map((x) => x / nn));
  }
  return mat(n, d, (i, j) => rows[i][j]);
}

function relu(x: number) {
  return x > 0 ? x : 0;
}

/** features (Xu)_+ for u = Xᵀw, w on a dense set of the unit sphere of R^n (n = 2 or 3) */
function denseFeatures(X: Mat, count: number): Float64Array[] {
  const n = X.rows;
  const ws: number[][] = [];
  if (n === 2) for (let k = 0; k < count; k++) ws.push([Math.cos((2 * Math.PI * k) / count), Math.sin((2 * Math.PI * k) / count)]);
  else {
    const g = Math.PI * (3 - Math.sqrt(5));
    for (let k = 0; k < count; k++) {
      const z = 1 - (2 * (k + 0.5)) / count;
      const rr = Math.sqrt(1 - z * z);
      ws.push([rr * Math.cos(g * k), rr * Math.sin(g * k), z]);
    }
  }
  // (X Xᵀ w)_+ = w_+ for whitened X
  return ws.map((w) => {
    const u = new Float64Array(X.cols);
    for (let i = 0; i < n; i++) for (let k = 0; k < X.cols; k++) u[k] += X.data[i * X.cols + k] * w[i];
    const a = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let z = 0;
      for (let k = 0; k < X.cols; k++) z += X.data[i * X.cols + k] * u[k];
      a[i] = relu(z);
    }
    return a;
  });
}

test('whitened scalar: P* equals the brute-force optimum (lasso over a dense set of directions)', () => {
  for (const [n, d] of [
    [2, 3],
    [3, 5],
  ]) {
    const X = whitened(n * 10 + d, n, d);
    const r = rng(n);
    for (let trial = 0; trial < 4; trial++) {
      const Y = mat(n, 1, () => 2 * r.normal());
      const ys = Array.from(Y.data);
      const np = Math.hypot(...ys.map((v) => relu(v))),
        nm = Math.hypot(...ys.map((v) => relu(-v)));
      for (const beta of [0.05, 0.5 * Math.min(np, nm) + 1e-3, (np + nm) / 2, 2 * Math.max(np, nm) + 1]) {
        const cf = detectClosedForm(X, Y, beta, NONE);
        assert.ok(cf && cf.name === 'whitened-scalar');
        // hand formula (independent): Σ± β‖y±‖ − β²/2 or ½‖y±‖²
        const piece = (t: number) => (t > beta ? beta * t - (beta * beta) / 2 : 0.5 * t * t);
        assert.ok(relClose(cf.pstar, piece(np) + piece(nm), 1e-13));
        const brute = solveLasso(denseFeatures(X, n === 2 ? 3600 : 20000), Y, beta, 'none', { maxSweeps: 4000 });
        assert.ok(brute.objective >= cf.pstar * (1 - 1e-10), `brute ${brute.objective} < P* ${cf.pstar}`);
        assert.ok(
          brute.objective <= cf.pstar * (1 + (n === 2 ? 1e-5 : 1e-3)),
          `n=${n} β=${beta} brute ${brute.objective} ≫ P* ${cf.pstar} (gap ${brute.relGap}, sweeps ${brute.sweeps})`,
        );
        // the optimal network attains P*; λ* is dual feasible and attains it too
        assert.ok(relClose(refObjective(cf.network, X, Y, beta, false, false), cf.pstar, 1e-12));
        assert.ok(whitenedOracle(X, cf.dualPoint).upper <= beta * (1 + 1e-10));
        assert.ok(relClose(dualValue(cf.dualPoint, Y, beta, NONE), cf.pstar, 1e-12));
        assert.ok(cf.dualPointMUpper <= beta * (1 + 1e-9));
      }
    }
  }
});

test('whitened one-hot vector output: P* equals the brute-force group-lasso optimum', () => {
  const X = whitened(99, 3, 4);
  const Y = mat(3, 2, (i, j) => ((i === 1 ? 1 : 0) === j ? 1 : 0)); // rows e1, e2, e1
  for (const beta of [0.1, 0.9, 1.2, 3]) {
    const cf = detectClosedForm(X, Y, beta, NONE);
    assert.ok(cf && cf.name === 'whitened-one-hot');
    // hand: n_1 = 2, n_2 = 1 ⇒ Σ_j (β√n_j − β²/2 if √n_j > β else n_j/2)
    const piece = (nj: number) => (Math.sqrt(nj) > beta ? beta * Math.sqrt(nj) - (beta * beta) / 2 : nj / 2);
    assert.ok(relClose(cf.pstar, piece(2) + piece(1), 1e-13));
    const brute = solveLasso(denseFeatures(X, 2000), Y, beta, 'none', { maxSweeps: 3000 });
    assert.ok(brute.objective >= cf.pstar * (1 - 1e-10), `${brute.objective} < ${cf.pstar}`);
    assert.ok(brute.objective <= cf.pstar * (1 + 5e-3), `${brute.objective} ≫ ${cf.pstar}`);
    assert.ok(relClose(refObjective(cf.network, X, Y, beta, false, false), cf.pstar, 1e-12));
    assert.ok(relClose(dualValue(cf.dualPoint, Y, beta, NONE), cf.pstar, 1e-12));
    assert.ok(cf.dualPointMUpper <= beta * (1 + 1e-9));
  }
});

test('rank-one data X = c aᵀ: P* equals the lasso over ±a (and no set of directions does better)', () => {
  const r = rng(4);
  for (const cdim of [1, 2]) {
    const n = 9,
      d = 3;
    const cv = Array.from({ length: n }, () => r.normal());
    const av = Array.from({ length: d }, () => r.normal());
    const X = mat(n, d, (i, j) => cv[i] * av[j]);
    const Y = mat(n, cdim, () => r.normal());
    for (const beta of [0.01, 0.5, 3, 100]) {
      const cf = detectClosedForm(X, Y, beta, NONE);
      assert.ok(cf && cf.name === 'rank-one', `got ${cf?.name}`);
      const an = Math.hypot(...av);
      const feat = (s: number) => Float64Array.from(cv, (ci) => relu(s * ci) * an);
      const two = solveLasso([feat(1), feat(-1)], Y, beta, 'none');
      assert.ok(relClose(two.objective, cf.pstar, 1e-11), `${two.objective} vs ${cf.pstar}`);
      // random directions u: (Xu)_+ = (aᵀu)(±c)_+ — never better than P*
      const rand = Array.from({ length: 200 }, () => {
        const u = Array.from({ length: d }, () => r.normal());
        const nu = Math.hypot(...u);
        return Float64Array.from({ length: n }, (_, i) => relu(X.data.slice(i * d, i * d + d).reduce((s, x, k) => s + (x * u[k]) / nu, 0)));
      });
      const brute = solveLasso(rand, Y, beta, 'none', { maxSweeps: 5000 });
      assert.ok(brute.objective >= cf.pstar * (1 - 1e-10));
      assert.ok(relClose(refObjective(cf.network, X, Y, beta, false, false), cf.pstar, 1e-11));
      // sound bound with slack σ-allowance·‖R‖ (≈ 1e-12·σ1‖R‖ absolute)
      assert.ok(cf.dualPointMUpper <= beta * (1 + 1e-9) + 1e-10, `M̄(λ*) ${cf.dualPointMUpper} > β ${beta}`);
      assert.ok(relClose(dualValue(cf.dualPoint, Y, beta, NONE), cf.pstar, 1e-10));
    }
  }
});

test('closed forms are not applied with biases, or to generic data', () => {
  const X = whitened(5, 2, 3);
  const Y = mat(2, 1, () => 1);
  assert.equal(detectClosedForm(X, Y, 1, { hiddenBias: 'decayed', outputBias: 'none' }), null);
  assert.equal(detectClosedForm(X, Y, 1, { hiddenBias: 'none', outputBias: 'free' }), null);
  const r = rng(2);
  const G = mat(6, 3, () => r.normal());
  assert.equal(
    detectClosedForm(
      G,
      mat(6, 1, () => r.normal()),
      1,
      NONE,
    ),
    null,
  );
  // whitened but labels not one-hot (vector, negative entries) and not rank one ⇒ none
  const W = whitened(8, 3, 3);
  assert.equal(
    detectClosedForm(
      W,
      mat(3, 2, () => r.normal()),
      1,
      NONE,
    ),
    null,
  );
});
