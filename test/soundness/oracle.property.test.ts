/**
 * The product oracle (computeOracle) against the independent brute oracle, on the inputs that
 * matter most: dual points at and near the optimum (the reference's final residual, where
 * M(Λ) = β is attained on several patterns, on kinks, at once), perturbations of them, random
 * Λ, and adversarial geometry (duplicates, collinear points, grids, zero rows).
 *   upper ≥ M_brute(1 − 1e-12): a low upper bound is exactly what makes a false certificate;
 *   lower ≤ M_brute(1 + 1e-12) and lower is attained (recomputed at argmax);
 *   exact ⇒ upper − lower small (the product claims to know M).
 * Count: RELU_LENS_ORACLE_N problems (default 50 in `npm test`, 100 in `npm run test:slow`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeOracle } from '../../src/core/oracle';
import type { Mat } from '../../src/core/linalg/mat';
import { BruteOracle } from '../reference/bruteOracle';
import { augmented, centred, residual } from '../reference/objective';
import { solveReference } from '../reference/refSolver';
import { gauss, mkMat, normv, rng } from '../reference/small';
import { makeProblem } from './harness';
import { sized } from '../slow';

const N = Number(process.env.RELU_LENS_ORACLE_N ?? sized(50, 100));
const SEED0 = Number(process.env.RELU_LENS_ORACLE_SEED ?? 4242);

function valueAt(X: Mat, L: Mat, u: ArrayLike<number>, b = 0): number {
  const acc = new Array<number>(L.cols).fill(0);
  for (let i = 0; i < X.rows; i++) {
    let z = b;
    for (let q = 0; q < X.cols; q++) z += X.data[i * X.cols + q] * u[q];
    if (z > 0) for (let k = 0; k < L.cols; k++) acc[k] += L.data[i * L.cols + k] * z;
  }
  return normv(acc);
}

test('product oracle: sound upper bound and attained lower bound vs the brute oracle', { timeout: 20 * 60_000 }, () => {
  const bad: string[] = [];
  let calls = 0,
    exact = 0;
  let worstUpper = 0; // max of (brute − upper)/brute, must stay ≤ 1e-12
  for (let k = 0; k < N; k++) {
    const inst = makeProblem(SEED0 + k);
    const { prob } = inst;
    const Xt = augmented(prob.X, prob.hiddenBias);
    const brute = new BruteOracle(Xt);
    const ref = solveReference(prob, { maxIterations: 30 });
    const R0 = residual(ref.net, prob);
    const base = prob.outputBias === 'free' ? centred(R0) : R0;
    const R = rng(SEED0 + k);
    const lams: [string, Mat][] = [['residual-at-optimum', base]];
    for (const s of [1e-3, 1e-6, 1e-9])
      lams.push([
        `residual+${s}`,
        mkMat(
          base.rows,
          base.cols,
          Array.from(base.data, (x) => x + s * gauss(R) * (Math.abs(x) + 1e-3)),
        ),
      ]);
    lams.push([
      'random',
      mkMat(
        base.rows,
        base.cols,
        Array.from(base.data, () => gauss(R)),
      ),
    ]);
    lams.push(['labels', mkMat(prob.Y.rows, prob.Y.cols, prob.Y.data)]);
    for (const [kind, L] of lams) {
      calls++;
      const mb = brute.evaluate(L);
      const M = Math.max(mb.value, mb.attained);
      const res = computeOracle(Xt, L, { hiddenBias: prob.hiddenBias, seed: 1 });
      if (res.exact) exact++;
      const where = `seed ${inst.seed} (${inst.dataKind}, n=${prob.X.rows}, d=${prob.X.cols}, c=${prob.Y.cols}, hb=${prob.hiddenBias}) Λ=${kind}`;
      const scale = Math.max(M, 1e-300);
      // evaluation rounding: Σ_i λ_i(x̃_iᵀu)_+ can cancel, so allow ulps of the summands too
      const ulp = 1e-14 * normv(L.data) * normv(Xt.data);
      if (M > 0) worstUpper = Math.max(worstUpper, (M - res.upper) / M);
      if (!(res.upper >= M * (1 - 1e-12) - ulp)) bad.push(`${where}: upper ${res.upper} < brute M ${M} (rel ${(M - res.upper) / scale}) method ${res.method}`);
      if (res.lower > M * (1 + 1e-12) + ulp) bad.push(`${where}: lower ${res.lower} > brute M ${M}`);
      if (res.lower > 0) {
        const at = valueAt(Xt, L, res.argmax, res.argmaxBias);
        if (Math.abs(at - res.lower) > 1e-9 * Math.max(at, res.lower)) bad.push(`${where}: lower ${res.lower} not attained at argmax (${at})`);
      }
      // exactness is claimed up to the oracle's own rounding allowance (absolute, matters when M ≈ 0)
      if (res.exact && res.upper - res.lower > 1e-6 * scale + 2 * res.roundingAllowance + 1e-12 * normv(L.data) * normv(Xt.data))
        bad.push(`${where}: exact but upper ${res.upper} − lower ${res.lower} is large`);
    }
  }
  console.log(`oracle soundness: ${N} problems, ${calls} oracle calls, ${exact} exact; worst (M_brute − upper)/M_brute = ${worstUpper}`);
  for (const b of bad.slice(0, 30)) console.log('  ' + b);
  assert.equal(bad.length, 0, bad.slice(0, 10).join('\n'));
});

/**
 * Free hidden bias (MATH.md: oracle/freeBias.ts is a derived reduction, so it gets its own
 * independent check). With Λᵀ1 = 0, for fixed u the value ‖Λᵀ(Xu + b1)_+‖ is convex and
 * piecewise affine-in-norm between the breakpoints b = −x_kᵀu and constant beyond them, so the
 * sup over b is attained at a breakpoint: M_free(Λ) = max_k M(X − 1x_kᵀ, Λ), each a bias-free
 * oracle of rank ≤ d, evaluated by the brute oracle.
 */
test('product oracle, free hidden bias: sound upper bound vs max_k brute(X − 1x_kᵀ)', { timeout: 20 * 60_000 }, () => {
  const bad: string[] = [];
  let calls = 0,
    exact = 0,
    infinite = 0;
  for (let k = 0; k < N; k++) {
    const inst = makeProblem(SEED0 + 100_000 + k);
    const { X, Y } = inst.prob;
    const n = X.rows,
      d = X.cols;
    const R = rng(SEED0 + 7 * k);
    const lams: [string, Mat][] = [
      ['labels', centred(Y)],
      [
        'random',
        centred(
          mkMat(
            n,
            Y.cols,
            Array.from(Y.data, () => gauss(R)),
          ),
        ),
      ],
    ];
    for (const [kind, L] of lams) {
      calls++;
      let M = 0;
      for (let kk = 0; kk < n; kk++) {
        const Xk = mkMat(
          n,
          d,
          Array.from(X.data, (x, idx) => x - X.data[kk * d + (idx % d)]),
        );
        const r = new BruteOracle(Xk).evaluate(L);
        M = Math.max(M, r.value, r.attained);
      }
      const res = computeOracle(X, L, { hiddenBias: 'free', seed: 1 });
      if (res.exact) exact++;
      if (!Number.isFinite(res.upper)) infinite++;
      const where = `seed ${inst.seed} (${inst.dataKind}, n=${n}, d=${d}, c=${Y.cols}) Λ=${kind}`;
      const ulp = 1e-14 * normv(L.data) * (normv(X.data) + Math.sqrt(n) * Math.max(...Array.from(X.data, Math.abs)));
      if (!(res.upper >= M * (1 - 1e-12) - ulp)) bad.push(`${where}: upper ${res.upper} < brute M_free ${M} method ${res.method}`);
      if (res.lower > M * (1 + 1e-12) + ulp) bad.push(`${where}: lower ${res.lower} > brute M_free ${M}`);
      if (res.lower > 0) {
        const at = valueAt(X, L, res.argmax, res.argmaxBias);
        if (Math.abs(at - res.lower) > 1e-9 * Math.max(at, res.lower) + ulp)
          bad.push(`${where}: lower ${res.lower} not attained at (argmax, argmaxBias) (${at})`);
      }
    }
  }
  console.log(`free-bias oracle soundness: ${N} problems, ${calls} calls, ${exact} exact, ${infinite} with upper = ∞`);
  for (const b of bad.slice(0, 30)) console.log('  ' + b);
  assert.equal(bad.length, 0, bad.slice(0, 10).join('\n'));
});
