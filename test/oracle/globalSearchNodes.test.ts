/**
 * The sign search's per-node bounds (globalSearch.ts signNodeBounds) against the brute force over the
 * node's region: for a sign fixing, the maximum of λᵀ(X̂u)_+ over {‖u‖ ≤ 1, fixed rows' signs} is the
 * largest per-pattern value (test/reference/bruteOracleAnyRank.ts, all 2^n patterns) among the
 * patterns that agree with the fixing. Both bounds must stay at or above it: the node bound (secants,
 * the λ_i < 0 slopes of SignSearch.tightenNeg) and the sign-cell bound of a node with few undecided
 * samples (SignSearch.closeByCells), whose cells computed in full (not stopped at the prune bar, the
 * best value attained anywhere) must also be exact, to rounding: at most the region's maximum.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { signNodeBounds } from '../../src/core/oracle/globalSearch';
import { bruteOracleAnyRank } from '../reference/bruteOracleAnyRank';
import { rng } from '../reference/small';
import { randomInstance } from './instances';

const INSTANCES = 600;

test(`sign search node bounds at rank 5–9 ≥ the brute-force maximum over the node's region on ${INSTANCES} instances; the sign cells exact`, () => {
  let cellsChecked = 0,
    cellsExact = 0,
    tightNeg = 0;
  for (let s = 0; s < INSTANCES; s++) {
    const rank = 5 + (s % 5),
      ones = s % 2 === 1,
      n = Math.min(10, rank + 1 + ((s >> 1) % 4));
    const { X, L } = randomInstance(50_000 + s, n, rank - (ones ? 1 : 0), 1, ones, s % 7 === 3);
    const lam = L.data;
    const per = bruteOracleAnyRank(X, lam, { perPattern: true }).perPattern!;
    const R = rng(70_000 + s);
    const status = new Int8Array(n);
    const pFix = [0, 0.2, 0.4, 0.6][(s >> 2) % 4];
    for (let t = 0; t < n; t++) {
      const v = R();
      status[t] = v < pFix / 2 ? 1 : v < pFix ? -1 : 0;
    }
    // the region's maximum: patterns that agree with the fixing, sign +1 (the search maximizes λᵀ(X̂u)_+)
    let ref = 0;
    for (const pv of per) {
      if (pv.sign !== 1) continue;
      let ok = true;
      for (let t = 0; t < n && ok; t++) if (status[t] !== 0 && status[t] > 0 !== (((pv.mask >>> t) & 1) === 1)) ok = false;
      if (ok) ref = Math.max(ref, pv.upper);
    }
    const nb = signNodeBounds(X.data, n, X.cols, Float64Array.from(lam), status);
    const ctx = `seed ${50_000 + s}, rank ${rank}, n ${n}, fixed ${status.join(',')}: node ${nb.bound}, cells ${JSON.stringify(nb.cells)}, brute ${ref}`;
    assert.ok(nb.bound >= ref * (1 - 1e-12), `UNSOUND node bound: ${ctx}`);
    if (nb.cells !== null) {
      cellsChecked++;
      const { closed, pruned, bar } = nb.cells;
      assert.ok(Math.max(closed, pruned) >= ref * (1 - 1e-12), `UNSOUND cell bound: ${ctx}`);
      assert.ok(pruned <= bar, ctx);
      assert.ok(closed <= ref + 1e-9 * Math.max(1, ref), `cells not exact: ${ctx}`);
      if (closed >= ref * (1 - 1e-12)) cellsExact++;
    }
    if (nb.bound <= ref * 1.25) tightNeg++;
  }
  // both bounds are exercised: nodes closed by their cells, and node bounds within 25% of the region's maximum
  assert.ok(cellsChecked >= 100 && cellsExact >= 50, `${cellsChecked} nodes closed by cells, ${cellsExact} at the region's maximum`);
  assert.ok(tightNeg >= 100, `${tightNeg} tight node bounds, ${cellsChecked} closed by cells, ${cellsExact} exact`);
});
