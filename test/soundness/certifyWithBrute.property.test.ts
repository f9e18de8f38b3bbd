/**
 * certify's own logic (dual scaling, b2 handling, rebalancing, witnesses, verdict) with the
 * product oracle swapped for the independent brute oracle (certifyWith's oracle parameter).
 * A violation here is a bug in src/core/certify, not in the oracle; together with
 * oracle.property.test.ts this localises any failure of certify.property.test.ts.
 * Count: RELU_LENS_SOUNDNESS_BRUTE_N problems (default 15 in `npm test`, 30 in `npm run test:slow`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { certifyWith } from '../../src/core/certify';
import type { Mat } from '../../src/core/linalg/mat';
import type { OracleFn, OracleMethod, OracleResult } from '../../src/core/oracle/types';
import { BruteOracle } from '../reference/bruteOracle';
import { solveReference } from '../reference/refSolver';
import { normv } from '../reference/small';
import { checkOne, makeProblem, networksFor, settingsFor, toWeights, type Violation } from './harness';
import { sized } from '../slow';

const N = Number(process.env.RELU_LENS_SOUNDNESS_BRUTE_N ?? sized(15, 30));
const SEED0 = Number(process.env.RELU_LENS_SOUNDNESS_BRUTE_SEED ?? 555000);

/** OracleFn backed by the brute oracle (hidden bias 'decayed' or 'none' only: X is X̃). */
function bruteOracleFn(): OracleFn {
  const cache = new WeakMap<Mat, BruteOracle>();
  return (X, Lambda, options) => {
    if (options?.hiddenBias === 'free') throw new Error('brute oracle adapter: free hidden bias not supported');
    let bo = cache.get(X);
    if (!bo) {
      bo = new BruteOracle(X);
      cache.set(X, bo);
    }
    const r = bo.evaluate(Lambda);
    const c = Lambda.cols;
    // output direction: Λᵀ(X̃u)_+ normalised (c > 1) or its sign (c = 1)
    const acc = new Float64Array(c);
    for (let i = 0; i < X.rows; i++) {
      let z = 0;
      for (let q = 0; q < X.cols; q++) z += X.data[i * X.cols + q] * r.u[q];
      if (z > 0) for (let k = 0; k < c; k++) acc[k] += Lambda.data[i * c + k] * z;
    }
    const na = normv(acc);
    const outputDir = c === 1 ? Float64Array.of(acc[0] >= 0 ? 1 : -1) : Float64Array.from(acc, (x) => (na > 0 ? x / na : 0));
    // rounding allowance: a few ulps of the summands of Λᵀ(X̃u)_+
    const allowance = 1e-13 * normv(Lambda.data) * normv(X.data) + 1e-12 * r.value;
    const method: OracleMethod = r.rank <= 1 ? 'exact-rank1' : r.rank === 2 ? 'exact-circle' : 'exact-sphere';
    const res: OracleResult = {
      exact: true,
      method,
      upper: Math.max(r.value, r.attained) + allowance,
      lower: r.attained,
      argmax: Float64Array.from(r.u),
      argmaxBias: 0,
      outputDir,
      patterns: r.patterns,
      rank: r.rank,
      roundingAllowance: allowance,
      notes: ['test reference: brute oracle'],
    };
    return res;
  };
}

test('certify logic with the brute oracle injected is sound', { timeout: 20 * 60_000 }, () => {
  const oracle = bruteOracleFn();
  const violations: Violation[] = [];
  const verdicts: Record<string, number> = {};
  let calls = 0,
    skipped = 0;
  for (let k = 0; k < N; k++) {
    const inst = makeProblem(SEED0 + k);
    const ref = solveReference(inst.prob, { maxIterations: 30 });
    if (!ref.converged) {
      skipped++;
      continue;
    }
    for (const { kind, net } of networksFor(inst, ref)) {
      calls++;
      const res = certifyWith(toWeights(net), inst.prob.X as Mat, inst.prob.Y as Mat, settingsFor(inst.prob, inst.seed), oracle);
      verdicts[res.verdict] = (verdicts[res.verdict] ?? 0) + 1;
      violations.push(...checkOne(inst, kind, net, res, ref));
    }
  }
  const sound = violations.filter((v) => v.property !== 'e');
  const incomplete = violations.length - sound.length;
  console.log(`certify+brute oracle: ${N} problems (${skipped} skipped), ${calls} calls, verdicts ${JSON.stringify(verdicts)}, (e) cases ${incomplete}`);
  for (const v of violations.slice(0, 20)) console.log(`  (${v.property}) seed ${v.seed} ${v.dataKind} ${v.netKind}: ${v.detail}`);
  assert.ok(skipped <= 0.02 * N + 1);
  assert.equal(sound.length, 0, sound.map((v) => `(${v.property}) seed ${v.seed} ${v.netKind}: ${v.detail}`).join('\n'));
});
