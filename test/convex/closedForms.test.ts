/**
 * Closed forms of MATH.md §5 against the general program over ALL patterns (to 1e-7):
 * certify's whitened and rank-one forms (reused, src/core/certify/closedForms.ts), the 1-D kink
 * lasso (closedForms1d.ts) and the spike-free two-neuron program (spikeFree.ts). Each closed form
 * is computed without the general solver, so agreement is a real check of both.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { solveConvexProgram, enumeratePatterns } from '../../src/core/convex';
import { detectOneDimensional, kinkLasso } from '../../src/core/convex/closedForms1d';
import { detectSpikeFree, spikeFreeClosedForm } from '../../src/core/convex/spikeFree';
import { detectClosedForm } from '../../src/core/certify/closedForms';
import { buildXt } from '../../src/core/problem/features';
import type { CertifyModes } from '../../src/core/problem/network';
import { gauss, mkMat, normv, rng } from '../reference/small';
import type { Mat } from '../../src/core/linalg/mat';

const NONE: CertifyModes = { hiddenBias: 'none', outputBias: 'none' };
const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);

function program(X: Mat, Y: Mat, beta: number, modes: CertifyModes) {
  const Xt = modes.hiddenBias === 'none' ? X : buildXt(X, 'decayed');
  const en = enumeratePatterns(Xt, 100000);
  assert.ok(en.complete);
  const res = solveConvexProgram(X, Y, en.patterns, beta, modes);
  assert.ok(res.relGap <= 1e-8, `program not converged: relGap ${res.relGap}`);
  return res;
}

function orthonormalRows(n: number, d: number, R: () => number): number[] {
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
  return out.flat();
}

test('whitened data (certify closed form, EP Thm 9) = program over all patterns; spike-free form too', () => {
  const R = rng(31);
  for (let trial = 0; trial < 6; trial++) {
    const n = 2 + (trial % 2),
      d = 3;
    const X = mkMat(n, d, orthonormalRows(n, d, R));
    const Y = mkMat(
      n,
      1,
      Array.from({ length: n }, () => 1.5 * gauss(R)),
    );
    const beta = [0.1, 0.6, 2][trial % 3];
    const cf = detectClosedForm(X, Y, beta, NONE);
    assert.ok(cf && cf.name === 'whitened-scalar', `trial ${trial}: whitened not detected`);
    const res = program(X, Y, beta, NONE);
    assert.ok(rel(res.value, cf.pstar) <= 1e-7, `trial ${trial}: program ${res.value} vs closed form ${cf.pstar}`);
    const sf = spikeFreeClosedForm(X, Y, beta, NONE);
    assert.ok(sf && sf.kind === 'whitened');
    assert.ok(rel(sf.pstar, res.value) <= 1e-7 && rel(sf.value, sf.pstar) <= 1e-10, `trial ${trial}: spike-free ${sf.pstar}`);
    assert.ok(sf.network.W1.rows <= 2);
  }
});

test('rank-one data X = c aᵀ without bias (certify closed form, EP Cor 5) = program over all patterns', () => {
  const R = rng(32);
  for (let trial = 0; trial < 6; trial++) {
    const n = 4 + trial,
      d = 1 + (trial % 3);
    const a = Array.from({ length: d }, () => gauss(R));
    const c = Array.from({ length: n }, () => gauss(R));
    const X = mkMat(
      n,
      d,
      c.flatMap((ci) => a.map((aj) => ci * aj)),
    );
    const Y = mkMat(
      n,
      1,
      Array.from({ length: n }, () => gauss(R)),
    );
    const beta = [0.05, 0.4, 1.5][trial % 3];
    const cf = detectClosedForm(X, Y, beta, NONE);
    assert.ok(cf && cf.name === 'rank-one', `trial ${trial}: rank one not detected`);
    const res = program(X, Y, beta, NONE);
    assert.ok(rel(res.value, cf.pstar) <= 1e-7, `trial ${trial}: program ${res.value} vs closed form ${cf.pstar}`);
  }
});

test('spike-free X = c aᵀ with c ≥ 0: the two-neuron closed form = program over all patterns', () => {
  const R = rng(33);
  for (let trial = 0; trial < 6; trial++) {
    const n = 4 + trial,
      d = 1 + (trial % 3);
    const a = Array.from({ length: d }, () => gauss(R));
    const c = Array.from({ length: n }, () => Math.abs(gauss(R)));
    const X = mkMat(
      n,
      d,
      c.flatMap((ci) => a.map((aj) => ci * aj)),
    );
    const Y = mkMat(
      n,
      1,
      Array.from({ length: n }, () => gauss(R)),
    );
    const beta = [0.05, 0.4, 1.5][trial % 3];
    const det = detectSpikeFree(X, NONE);
    assert.ok(det.applies && det.kind === 'rank-one-nonneg', det.condition);
    assert.ok(det.tol > 0 && det.condition.length > 0);
    const sf = spikeFreeClosedForm(X, Y, beta, NONE)!;
    const res = program(X, Y, beta, NONE);
    assert.ok(rel(sf.pstar, res.value) <= 1e-7, `trial ${trial}: spike-free ${sf.pstar} vs program ${res.value}`);
    assert.ok(rel(sf.value, sf.pstar) <= 1e-10);
  }
  // mixed signs are not spike-free
  const X = mkMat(3, 1, [1, -1, 2]);
  assert.equal(detectSpikeFree(X, NONE).applies, false);
});

test('1-D data, free hidden bias: the kink-dictionary lasso (EP Lemma 6) = program over all patterns', () => {
  const R = rng(34);
  for (let trial = 0; trial < 4; trial++) {
    const n = 4 + (trial % 4);
    const X = mkMat(
      n,
      1,
      Array.from({ length: n }, () => gauss(R)),
    );
    const Y = mkMat(
      n,
      1,
      Array.from({ length: n }, () => gauss(R)),
    );
    const beta = [0.05, 0.3, 1][trial % 3];
    const modes: CertifyModes = { hiddenBias: 'free', outputBias: trial % 2 ? 'free' : 'decayed' };
    assert.ok(detectOneDimensional(X, modes).applies);
    const kl = kinkLasso(X, Y, beta, modes);
    const res = program(X, Y, beta, modes);
    assert.ok(rel(kl.value, kl.pstar) <= 1e-8, `trial ${trial}: lasso network ${kl.value} vs lasso ${kl.pstar}`);
    assert.ok(rel(kl.pstar, res.value) <= 1e-7, `trial ${trial} (${modes.outputBias}): kink lasso ${kl.pstar} vs program ${res.value}`);
  }
});

test('1-D data, decayed hidden bias: the kink lasso is an upper bound, strictly above P* on a kept counterexample', () => {
  const R = rng(35);
  let strict = 0;
  for (let trial = 0; trial < 5; trial++) {
    const n = 4 + (trial % 4);
    const X = mkMat(
      n,
      1,
      Array.from({ length: n }, () => gauss(R)),
    );
    const Y = mkMat(
      n,
      1,
      Array.from({ length: n }, () => gauss(R)),
    );
    const beta = [0.05, 0.3, 1][trial % 3];
    const modes: CertifyModes = { hiddenBias: 'decayed', outputBias: trial % 2 ? 'free' : 'decayed' };
    assert.equal(detectOneDimensional(X, modes).applies, false);
    const kl = kinkLasso(X, Y, beta, modes);
    const res = program(X, Y, beta, modes);
    assert.ok(kl.value >= res.lowerBound, `trial ${trial}: kink lasso network ${kl.value} below the program's sound bound`);
    if (kl.value > res.value * (1 + 1e-7)) strict++;
  }
  // trial 4 (n = 4, β = 0.3, output bias decayed): kink lasso 0.6775191 vs P* 0.6775177
  assert.ok(strict >= 1, 'expected the counterexample: an interior optimal direction');
});
