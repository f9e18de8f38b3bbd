/**
 * The reference solver's any-rank oracle adapter (./bruteOracleAnyRankRef.ts):
 *  - its pruned enumeration returns the same bracket as the full 2^n enumeration
 *    (./bruteOracleAnyRank.ts) and covers every pattern above `keepAbove` with a violator;
 *  - the reference solver driven by it agrees with the same solver driven by the rank ≤ 3 brute
 *    oracle (./bruteOracle.ts, a different method) on the rank ≤ 3 soundness instances — so the
 *    rank 5–9 reference P* of test/soundness/highRank.property.test.ts rests on a checked oracle.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeProblem } from '../soundness/harness';
import { bruteOracleAnyRank, oracleAt } from './bruteOracleAnyRank';
import { BruteOracleAnyRankRef } from './bruteOracleAnyRankRef';
import { solveReference } from './refSolver';
import { gauss, mkMat, rng } from './small';

test('pruned adapter = full enumeration (value, attained), violators attained and above keepAbove', () => {
  const R = rng(17);
  let pruned = 0;
  for (let t = 0; t < 12; t++) {
    const n = 6 + (t % 5),
      d = 4 + (t % 5);
    const X = mkMat(
      n,
      d,
      Array.from({ length: n * d }, () => gauss(R)),
    );
    if (t % 3 === 0) for (let i = 1; i < n; i += 3) X.data.copyWithin(i * d, (i - 1) * d, i * d); // duplicate rows
    const L = mkMat(
      n,
      1,
      Array.from({ length: n }, () => gauss(R)),
    );
    const full = bruteOracleAnyRank(X, L.data);
    const ad = new BruteOracleAnyRankRef(X);
    const r = ad.evaluate(L);
    assert.ok(Math.abs(r.value - full.value) <= 1e-12 * full.value, `t=${t}: value ${r.value} vs ${full.value}`);
    assert.ok(Math.abs(r.attained - full.attained) <= 1e-12 * full.value, `t=${t}: attained ${r.attained} vs ${full.attained}`);
    assert.ok(Math.abs(oracleAt(X, L.data, r.u) - r.attained) <= 1e-12 * full.value);
    if (ad.projected < 2 ** n) pruned++;
    // keepAbove = half the max: every pattern above it must be visited, and violators are real values
    const keep = 0.5 * full.value;
    const rk = new BruteOracleAnyRankRef(X).evaluate(L, keep);
    for (const v of rk.violators) assert.ok(Math.abs(oracleAt(X, L.data, v.u) - v.value) <= 1e-12 * full.value);
    const per = bruteOracleAnyRank(X, L.data, { perPattern: true }).perPattern!;
    const above = per.filter((p) => p.attained > keep * (1 + 1e-9)).length;
    assert.ok(rk.violators.length > 0 && (above === 0 || rk.violators[0].value >= keep), `t=${t}: no violator above keepAbove`);
    for (let k = 1; k < rk.violators.length; k++) assert.ok(rk.violators[k - 1].value >= rk.violators[k].value, 'violators sorted');
  }
  // not vacuous: the pruning really skips patterns
  assert.ok(pruned >= 6, `pruning skipped patterns on only ${pruned} of 12 instances`);
});

test('refSolver with the any-rank adapter = refSolver with the rank ≤ 3 brute oracle (rank ≤ 3 instances)', () => {
  let compared = 0;
  for (let k = 0; k < 40 && compared < 12; k++) {
    const inst = makeProblem(777_000 + k);
    if (inst.prob.Y.cols !== 1 || inst.prob.X.rows > 12) continue;
    const a = solveReference(inst.prob, { maxIterations: 30 });
    const b = solveReference(inst.prob, { maxIterations: 30, makeOracle: (Xt) => new BruteOracleAnyRankRef(Xt) });
    if (!a.converged || !b.converged) continue;
    compared++;
    const scale = Math.max(Math.abs(a.upper), 1e-300);
    // both brackets are rigorous, so they must overlap; converged, they pin the same P*
    assert.ok(
      b.lower <= a.upper * (1 + 1e-9) + 1e-300 && a.lower <= b.upper * (1 + 1e-9) + 1e-300,
      `seed ${inst.seed}: [${a.lower}, ${a.upper}] vs [${b.lower}, ${b.upper}]`,
    );
    assert.ok(Math.abs(a.upper - b.upper) <= 1e-8 * scale, `seed ${inst.seed}: P* ${a.upper} vs ${b.upper}`);
  }
  assert.ok(compared >= 8, `only ${compared} instances compared`);
});
