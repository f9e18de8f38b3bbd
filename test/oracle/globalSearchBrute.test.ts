/**
 * The sign-fixing search's bounds at rank 5–9 against the independent all-2^n-patterns brute force, on
 * 520 small random instances (general position and a ½-grid: degenerate) at small node budgets and
 * thresholds: the split at the relaxation's maximizer and the projections stopped early at the prune
 * bar (globalSearch.ts, SignSearch.evaluate) must keep every upper bound at or above M.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { globalScalar } from '../../src/core/oracle/globalSearch';
import { bruteOracleAnyRank } from '../reference/bruteOracleAnyRank';
import { randomInstance } from './instances';

const INSTANCES = 520;

test(`sign search at rank 5–9: upper ≥ brute-force M on ${INSTANCES} instances, exact when closed, at or below the threshold when it prunes everything`, () => {
  let closed = 0,
    provedBelow = 0,
    unsound = 0;
  for (let s = 0; s < INSTANCES; s++) {
    const rank = 5 + (s % 5),
      ones = s % 2 === 1,
      n = Math.min(10, rank + 1 + ((s >> 1) % 3));
    const { X, L } = randomInstance(30_000 + s, n, rank - (ones ? 1 : 0), 1, ones, s % 7 === 3);
    const lam = L.data;
    const ref = bruteOracleAnyRank(X, lam).value;
    const budget = [3, 40, 300][s % 3];
    const f = [undefined, 0.7, 1.02, 1.5][(s >> 2) % 4];
    const stopBelow = f === undefined ? undefined : f * ref;
    const gs = globalScalar(X.data, n, X.cols, lam, { nodeBudget: budget, stopBelow });
    const ctx = `seed ${30_000 + s}, rank ${rank}, n ${n}, budget ${budget}, stopBelow ${f}·M: upper ${gs.upper}, attained ${gs.attained}, brute ${ref}`;
    if (gs.upper < ref * (1 - 1e-12)) unsound++;
    assert.ok(gs.upper >= ref * (1 - 1e-12), `UNSOUND ${ctx}`);
    assert.ok(gs.attained <= ref * (1 + 1e-12) + 1e-300, ctx);
    if (gs.closed) {
      closed++;
      assert.ok(gs.upper - ref <= 1e-9 * Math.max(1, ref), `closed but not exact: ${ctx}`);
    }
    if (stopBelow !== undefined && f! > 1 && gs.nodes < budget - 2 && gs.upper <= stopBelow * (1 + 1e-9)) provedBelow++;
  }
  assert.equal(unsound, 0);
  // the instances exercise both ends: closed searches and whole searches pruned at a threshold above M
  assert.ok(closed >= 50, `${closed} closed`);
  assert.ok(provedBelow >= 100, `${provedBelow} proved M ≤ threshold`);
});
