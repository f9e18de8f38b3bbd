/**
 * c > 3 outputs (ownSphere.ts, ownOracle.ts; MATH.md §3.7, §7). Independent checks:
 *  1. sphereBranchAndBound on σ(g) = max_k ‖A_kg‖ — sublinear, with the known maximum over the unit
 *     sphere max_k σ_max(A_k) (SVD) — for c = 4..6: upper ≥ that maximum (and close to it);
 *  2. the own oracle with a decayed hidden bias, c = 5, 6 (p = 3: the neuron-sphere branch and bound):
 *     upper ≥ a brute force over unit ũ on a Fibonacci grid of S² kept only when (2D − I)X̃ũ ≥ 0 holds
 *     for an own pattern (tested directly); lower ≤ upper and close to the brute force; argmax in a cone;
 *  3. P_own for c = 5 with Y = y·aᵀ (a unit: an output rotation of the c = 1 problem) contains the
 *     convex program's value over the same own patterns.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromRows, type Mat } from '../../src/core/linalg/mat';
import { makeRng, gaussian } from '../../src/core/random';
import { ownPatterns } from '../../src/core/convex/patterns';
import { solveConvexProgram } from '../../src/core/convex';
import { makeOwnOracle } from '../../src/core/oracle/ownOracle';
import { sphereBranchAndBound } from '../../src/core/oracle/ownSphere';
import { ownOptimumByWork } from './ownByWork';
import { appendOnes } from '../../src/core/linalg/mat';
import { sigmaMax } from '../../src/core/linalg/decomp';
import type { CertifyModes, NetworkWeights } from '../../src/core/problem/network';
import { bruteForceOnS2, inOwnCone, valueAt } from './ownConeBrute';

// Work budgets, not deadlines, so every bracket below is the same on every machine:
/** σ evaluations of one sphere branch and bound (the product's cap, SPHERE_MAX_EVALS, is 50 000) */
const SPHERE_EVALS = 20_000;
/** evaluation cap of one c > 3 own-oracle call */
const OWN_EVALS = 10_000;
/** the same for each of the many calls inside column generation */
const CG_EVALS = 2_000;

function randMat(rows: number, cols: number, rng: () => number, scale = 1): Mat {
  return fromRows(Array.from({ length: rows }, () => Array.from({ length: cols }, () => scale * gaussian(rng))));
}

test('sphere branch and bound, c = 4..6: upper ≥ the known max over the sphere of max_k ‖A_kg‖ (= max_k σ_max(A_k))', () => {
  const rows: string[] = [];
  for (const c of [4, 5, 6]) {
    for (const seed of [1, 2]) {
      const rng = makeRng(40 * c + seed);
      // each block ‖A_kg‖ is a norm: sublinear and ≥ 0 but curved, so the interpolation bound is not exact
      const A = Array.from({ length: 4 }, () => randMat(3, c, rng));
      const truth = Math.max(...A.map((a) => sigmaMax(a)));
      const nrm = (a: Mat, g: ArrayLike<number>) => {
        let s = 0;
        for (let i = 0; i < a.rows; i++) {
          let t = 0;
          for (let k = 0; k < c; k++) t += a.data[i * c + k] * g[k];
          s += t * t;
        }
        return Math.sqrt(s);
      };
      const sigma = (g: Float64Array) => {
        const blocks = Float64Array.from(A, (a) => nrm(a, g) * (1 + 1e-14)); // rounding of the block values, overpaid
        return { value: Math.max(...blocks), u: Float64Array.from(g), patterns: 0, candidatesEvaluated: 0, blocks };
      };
      // a work budget (σ evaluations), not a deadline: the same bracket on every machine
      const t0 = performance.now();
      const bb = sphereBranchAndBound(c, sigma, 0, (g) => Math.max(...A.map((a) => nrm(a, g))), { maxEvals: SPHERE_EVALS });
      const ms = performance.now() - t0;
      rows.push(
        `c=${c} seed ${seed}: (upper − max)/max = ${((bb.upper - truth) / truth).toExponential(2)}, best/max − 1 = ${(bb.best / truth - 1).toExponential(2)}, ${bb.evals} evals, ${ms.toFixed(0)} ms, ${bb.stopReason}`,
      );
      // the SVD's own error is ~1e-15 relative
      assert.ok(bb.upper >= truth * (1 - 1e-13), `c=${c}: upper ${bb.upper} < max ${truth}`);
      assert.ok(bb.best <= truth * (1 + 1e-12));
      rows.push(`  upper/max = ${(bb.upper / truth).toFixed(4)}`);
      assert.ok(bb.upper <= truth * (c <= 4 ? 1.001 : 1.5), `c=${c}: loose ${bb.upper} vs ${truth}`);
    }
  }
  console.log(rows.join('\n'));
});

const DEC: CertifyModes = { hiddenBias: 'decayed', outputBias: 'decayed' };

function randomNet(rng: () => number, d: number, m: number, c: number): NetworkWeights {
  return { W1: randMat(m, d, rng), b1: Float64Array.from({ length: m }, () => 0.7 * gaussian(rng)), W2: randMat(c, m, rng, 0.5), b2: new Float64Array(c) };
}

test('own oracle, decayed bias, c = 5, 6: upper ≥ brute force over unit ũ in the own cones; argmax in a cone, lower ≤ upper', () => {
  const rows: string[] = [];
  for (const c of [5, 6]) {
    for (const seed of [1, 2]) {
      const rng = makeRng(700 + 10 * c + seed);
      const n = 11,
        d = 2;
      const X = randMat(n, d, rng);
      const Xt = appendOnes(X);
      const net = randomNet(rng, d, 4, c);
      const pats = ownPatterns(net, X, DEC);
      const L = randMat(n, c, rng);
      const t0 = performance.now();
      // no per-call wall-clock budget: the branch and bound stops at its evaluation cap
      const or = makeOwnOracle(pats, { maxEvals: OWN_EVALS })(Xt, L, { hiddenBias: 'decayed' });
      const ms = performance.now() - t0;
      const bf = bruteForceOnS2(Xt, pats, L);
      const tag = `c=${c} seed ${seed}: upper ${or.upper}, lower ${or.lower}, brute ${bf}`;
      rows.push(`${tag}; (upper − lower)/upper = ${((or.upper - or.lower) / or.upper).toExponential(2)}, ${ms.toFixed(0)} ms`);
      assert.ok(or.upper >= bf, `unsound: ${tag}`);
      assert.ok(or.upper >= or.lower && or.exact === false, tag);
      assert.ok(Math.abs(Math.hypot(...or.argmax) - 1) <= 1e-12);
      assert.ok(inOwnCone(Xt, pats, or.argmax, 1e-12), `argmax outside the own cones: ${tag}`);
      assert.ok(Math.abs(valueAt(Xt, L, or.argmax) - or.lower) <= 1e-12 * (1 + or.lower));
      assert.ok(or.lower >= bf * (1 - 1e-3), `lower far below the brute force: ${tag}`);
      assert.ok(or.upper - or.lower <= 1e-4 * or.upper, `bracket wide: ${tag}`);
    }
  }
  console.log(rows.join('\n'));
});

test('P_own, c = 5, Y = y·aᵀ: the interval contains the convex program over the own patterns (c = 1)', () => {
  const rows: string[] = [];
  for (const seed of [1, 2]) {
    const rng = makeRng(1700 + seed);
    const n = 10,
      d = 2;
    const X = randMat(n, d, rng);
    const y = randMat(n, 1, rng);
    const net1 = randomNet(rng, d, 4, 1);
    const beta = 0.25;
    const own = ownPatterns(net1, X, DEC);
    const prog = solveConvexProgram(X, y, own, beta, DEC, { relTol: 1e-10 });
    const a = Float64Array.from({ length: 5 }, () => gaussian(rng));
    const an = Math.hypot(...a);
    const Y = fromRows(Array.from({ length: n }, (_, i) => Array.from(a, (ak) => (y.data[i] * ak) / an)));
    const net = { ...net1, W2: randMat(5, 4, rng, 0.5), b2: new Float64Array(5) };
    // ownOptimum's machinery with work budgets (./ownByWork.ts): its own time budgets would make
    // the width below depend on the machine
    const cg = ownOptimumByWork({ net, X, Y, beta, modes: DEC }, { maxIterations: 30, maxEvals: CG_EVALS });
    const tag = `seed ${seed}: CG [${cg.lowerBound}, ${cg.value}] (${cg.stopReason}), program [${prog.lowerBound}, ${prog.value}]`;
    rows.push(`${tag}; relative width ${((cg.value - cg.lowerBound) / cg.value).toExponential(2)}`);
    const tol = 1e-9 * prog.value;
    assert.ok(cg.lowerBound <= prog.value + tol, tag);
    assert.ok(prog.lowerBound <= cg.value + tol, tag);
    assert.ok((cg.value - cg.lowerBound) / cg.value <= 1e-2, `wide: ${tag}`);
  }
  console.log(rows.join('\n'));
});
