/**
 * Hinge loss on whitened data ([EP Thm 12], src/core/losses/closedForm.ts): the closed form's network
 * attains its P* (objective recomputed from the weights by an independent forward pass) and its λ*
 * is dual feasible with the same value — hinge domain checked entrywise, M(λ*) ≤ β checked with the
 * project's exact oracle — so primal = dual proves P* independently of the derivation. Then the
 * certificate uses it: the closed-form network is certified, a perturbed one is not, and the P*
 * interval always contains the formula's P*.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detectHingeWhitened } from '../../src/core/losses/closedForm';
import { certifyClassification } from '../../src/core/losses';
import { computeOracle } from '../../src/core/oracle';
import type { Mat } from '../../src/core/linalg/mat';
import type { CertifySettings } from '../../src/core/certify/types';
import { mat, refObjective, rng } from './helpers';

/** n×d with orthonormal rows (XXᵀ = I): Gram–Schmidt on Gaussian rows */
function whitened(n: number, d: number, seed: number): Mat {
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

const settings = (beta: number): CertifySettings => ({
  beta: { kind: 'direct', beta },
  hiddenBias: 'none',
  outputBias: 'none',
  tol: 1e-6,
  patternBudget: 2_000_000,
  maxIterations: 0,
  seed: 1,
});

test('hinge on whitened data: the closed form is primal-attained and dual-feasible with equal value (P* proven)', () => {
  let cases = 0;
  for (let seed = 1; seed <= 24; seed++) {
    const r = rng(seed * 7);
    const n = 2 + (seed % 3),
      d = n + (seed % 2);
    const X = whitened(n, d, seed);
    const Y = mat(n, 1, () => (r.u() < 0.5 ? -1 : 1));
    const npl = Array.from(Y.data).filter((v) => v > 0).length,
      nmi = n - npl;
    // β below, between and above √n±
    for (const beta of [0.3, 1.2, 2.5]) {
      const cf = detectHingeWhitened(X, Y, beta, { hiddenBias: 'none', outputBias: 'none' })!;
      assert.ok(cf, 'whitened data with ±1 labels is detected');
      const expected = Math.min(npl, beta * Math.sqrt(npl)) + Math.min(nmi, beta * Math.sqrt(nmi));
      assert.ok(Math.abs(cf.pstar - expected) <= 1e-12 * (1 + expected));
      const primal = refObjective(cf.network, X, Y, beta, 'hinge', 'none', 'none');
      assert.ok(Math.abs(primal - cf.pstar) <= 1e-10 * (1 + cf.pstar), `primal ${primal} vs P* ${cf.pstar}`);
      let dual = 0;
      for (let i = 0; i < n; i++) {
        const t = Y.data[i] * cf.dualPoint.data[i];
        assert.ok(t >= 0 && t <= 1, 'λ* in the hinge domain');
        dual += t;
      }
      const M = computeOracle(X, cf.dualPoint, { hiddenBias: 'none' });
      assert.ok(M.upper <= beta * (1 + 1e-9), `M(λ*) = ${M.upper} ≤ β = ${beta}`);
      assert.ok(cf.dualPointMUpper >= M.lower * (1 - 1e-12), 'the structural bound is an upper bound on M');
      assert.ok(Math.abs(dual - cf.pstar) <= 1e-10 * (1 + cf.pstar), `dual ${dual} = P* ${cf.pstar}`);
      cases++;
    }
  }
  assert.equal(cases, 72);
});

test('the certificate uses it: closed-form network certified, a perturbed one is not, P* always in the interval', () => {
  let checked = 0;
  for (let seed = 1; seed <= 6; seed++) {
    const r = rng(seed);
    const n = 4,
      d = 5;
    const X = whitened(n, d, 100 + seed);
    const Y = mat(n, 1, (i) => (i % 2 ? 1 : -1) * (r.u() < 0.8 ? 1 : -1));
    const beta = 0.5 + r.u();
    const cf = detectHingeWhitened(X, Y, beta, { hiddenBias: 'none', outputBias: 'none' })!;
    if (cf.network.W1.rows === 0) continue;
    const good = certifyClassification(cf.network, X, Y, 'hinge', settings(beta));
    assert.equal(good.verdict, 'certified', good.summary);
    assert.equal(good.dualPoint, 'closed-form');
    assert.equal(good.closedForm, 'hinge-whitened');
    const bad = { ...cf.network, W2: { ...cf.network.W2, data: cf.network.W2.data.map((v) => v * 0.7) } };
    const res = certifyClassification(bad, X, Y, 'hinge', settings(beta));
    assert.equal(res.verdict, 'not-optimal', res.summary);
    for (const x of [good, res]) assert.ok(x.pstarInterval[0] <= cf.pstar * (1 + 1e-12) && cf.pstar <= x.pstarInterval[1] * (1 + 1e-12));
    checked++;
  }
  assert.ok(checked >= 4, `only ${checked} instances had a neuron`);
});

test('not whitened, or with biases: not detected', () => {
  const X = whitened(3, 4, 9);
  X.data[0] *= 1.001;
  const Y = mat(3, 1, (i) => (i ? 1 : -1));
  assert.equal(detectHingeWhitened(X, Y, 1, { hiddenBias: 'none', outputBias: 'none' }), null);
  assert.equal(detectHingeWhitened(whitened(3, 4, 9), Y, 1, { hiddenBias: 'decayed', outputBias: 'none' }), null);
});
