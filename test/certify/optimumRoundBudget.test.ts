/**
 * The optimum searches' round budget and final oracle call (src/core/certify/optimumRounds.ts, issue #16
 * item 6): rounds that do not narrow the P* interval end the search after a number of them, and the
 * search always ends with one full oracle call at the best network's dual point on the escalation
 * schedule's last step. Work units only (rounds, nodes), nothing timed. Checked against independent
 * references: P* from enumeration whose proof is checked by the all-patterns brute force
 * (test/reference/bruteOracleAnyRank.ts), and the dual bound at the final dual point recomputed here
 * from D(sΛ) = s⟨Λ, Y⟩ − ½s²(‖Λ‖² + (Λᵀ1)²/β) with s ≤ β/M, M by brute force.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { searchOptimum } from '../../src/core/certify/optimum';
import { OPTIMUM_STALL_REL, RoundBudget } from '../../src/core/certify/optimumRounds';
import { computeOracle } from '../../src/core/oracle';
import { OPTIMUM_ESCALATION_MAX_NODES, type OracleFn, type OracleOptions } from '../../src/core/oracle/types';
import { buildXt } from '../../src/core/problem/features';
import { forward } from '../../src/core/model';
import type { Mat } from '../../src/core/linalg/mat';
import { bruteOracleAnyRank } from '../reference/bruteOracleAnyRank';
import { gauss, rng } from '../reference/small';

test('the round budget counts rounds that narrow the P* interval by at most its fraction, and resets on one that does', () => {
  const b = new RoundBudget(3);
  const shrink = 1 - 2 * OPTIMUM_STALL_REL; // narrows by twice the fraction: progress
  const keep = 1 - OPTIMUM_STALL_REL / 2; // by half of it: no progress
  // no finite lower bound yet: the objective's own fall decides
  assert.equal(b.record(10, -Infinity), '');
  assert.equal(b.record(10 * keep, -Infinity), '');
  assert.equal(b.stalled, 1);
  assert.equal(b.record(10 * shrink, -Infinity), '');
  assert.equal(b.stalled, 0);
  // the first finite bound is progress; then the width [lower, value] decides, whichever end moves
  assert.equal(b.record(9, 1), '');
  const lo = 9 - 8 * keep; // the bound rises by half the fraction of the width: no progress
  assert.equal(b.record(9, lo), '');
  assert.equal(b.record(lo + 8 * keep * keep, lo), ''); // the objective falls a little too: the width is 8·keep², still above 8·(1 − fraction) of the last progress
  assert.equal(b.stalled, 2);
  assert.equal(b.record(lo + 8 * shrink, lo), ''); // the width since the last progress narrowed by more than the fraction: reset
  assert.equal(b.stalled, 0);
  const w = lo + 8 * shrink;
  assert.equal(b.record(w, lo), '');
  assert.equal(b.record(w, lo), '');
  assert.match(b.record(w, lo), /^round budget: 3 rounds in a row/);
});

function instance(seed: number) {
  const R = rng(seed);
  const n = 12,
    d = 5; // rank 6 with the decayed hidden bias: the oracle searches when its pattern budget is 1
  const X: Mat = { rows: n, cols: d, data: Float64Array.from({ length: n * d }, () => gauss(R)) };
  const Y: Mat = { rows: n, cols: 1, data: Float64Array.from({ length: n }, (_, i) => Math.max(0, X.data[i * d] - 0.3) + 0.5 * gauss(R)) };
  return { X, Y };
}

/** max over 0 ≤ s ≤ β/M of D(sΛ) for decayed biases (c = 1), by plain loops. */
function dualAt(L: Float64Array, Y: Float64Array, beta: number, M: number): number {
  let lin = 0,
    sq = 0,
    sum = 0;
  for (let i = 0; i < L.length; i++) {
    lin += L[i] * Y[i];
    sq += L[i] * L[i];
    sum += L[i];
  }
  const quad = sq + (sum * sum) / beta;
  const s = Math.max(0, Math.min(lin / quad, beta / M));
  return s * lin - 0.5 * s * s * quad;
}

test("a search stopped by its round budget ends with a full call at the best network's dual point on the last step: its bound is sound and as good as that point allows", () => {
  const modes = { hiddenBias: 'decayed' as const, outputBias: 'decayed' as const };
  const beta = 0.1;
  let budgetStops = 0;
  for (const seed of [1, 3, 6]) {
    const { X, Y } = instance(seed);
    const Xt = buildXt(X, modes.hiddenBias);
    const common = { beta, modes, seedDirs: [], seed: 1, maxIterations: 200 };
    // P* by enumeration, its proof checked by brute force at its final residual
    const ex = searchOptimum(X, Y, { ...common, oracle: computeOracle, patternBudget: 1e6 });
    assert.ok(ex.exact && ex.residual, ex.stopReason);
    assert.ok(bruteOracleAnyRank(Xt, ex.residual.data).value <= beta * (1 + 1e-6), `seed ${seed}: brute-force M above β at the proven optimum`);
    const pstar = ex.value;
    // the budgeted search: a 1-node oracle search, 2 rounds without progress allowed
    const calls: { L: Float64Array; o: Partial<OracleOptions> | undefined }[] = [];
    const oracle: OracleFn = (A, L, o) => {
      calls.push({ L: Float64Array.from(L.data), o });
      return computeOracle(A, L, o);
    };
    const r = searchOptimum(X, Y, { ...common, oracle, patternBudget: 1, nodeBudget: 1, stallRounds: 2 });
    assert.ok(r.value >= pstar * (1 - 1e-9), `seed ${seed}: value ${r.value} below P* ${pstar}`);
    assert.ok(r.lowerBound <= pstar * (1 + 1e-9), `seed ${seed}: lower bound ${r.lowerBound} above P* ${pstar}`);
    if (!r.stopReason.startsWith('round budget')) continue;
    budgetStops++;
    // the last call: full (no early stop), on the schedule's last step, at the returned network's residual
    const last = calls[calls.length - 1];
    assert.equal(last.o?.nodeBudget, OPTIMUM_ESCALATION_MAX_NODES, `seed ${seed}`);
    assert.equal(last.o?.earlyDirection, undefined, `seed ${seed}`);
    const F = forward(r.network, X);
    let diff = 0,
      ny = 0;
    for (let i = 0; i < Y.rows; i++) {
      diff = Math.max(diff, Math.abs(Y.data[i] - F.data[i] - last.L[i]));
      ny = Math.max(ny, Math.abs(Y.data[i]));
    }
    assert.ok(diff <= 1e-8 * ny, `seed ${seed}: the final call's Λ is not the returned network's residual (${diff})`);
    // that call closed at n = 12, so the bound is the one its dual point gives with the brute-force M (less rounding)
    assert.ok(r.lastOracle?.exact, `seed ${seed}: the final call did not close (${r.lastOracle?.method})`);
    const M = bruteOracleAnyRank(Xt, last.L).attained;
    const ref = dualAt(last.L, Y.data, beta, M);
    assert.ok(r.lowerBound >= ref - 1e-9 * pstar, `seed ${seed}: lower bound ${r.lowerBound} below the final dual point's ${ref}`);
    assert.match(r.stopReason, /final oracle call|best network's dual point/);
  }
  assert.ok(budgetStops >= 2, `only ${budgetStops} searches stopped by the round budget`);
});
