import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exactScalar } from '../../src/core/oracle/sweep';
import { computeOracle } from '../../src/core/oracle/index';
import { brute, instance, lip, value } from './brute';
import { sized } from '../slow';

/** Every 4th of the 80 seeds in `npm test` (all instance kinds occur), all 80 in `npm run test:slow`. */
const STRIDE = sized(4, 1);

/**
 * Rank-3 circle pruning (prune3.ts) must not change the computed maximum: compare with the full
 * sweep over every circle, on larger degenerate instances, and check soundness against brute force.
 */
test('rank-3 pruning agrees with the full sweep and with brute force', () => {
  let n0 = 0;
  for (let s = 0; s < 80; s += STRIDE) {
    const { X, L, kind } = instance(777000 + s, { d: 3, maxN: 260, ones: s % 2 === 0 });
    if (X.rows < 48) continue;
    n0++;
    const lam = Float64Array.from(L.data);
    const full = exactScalar(X.data, X.rows, 3, lam, { budget: Infinity, prune: false });
    const pr = exactScalar(X.data, X.rows, 3, lam, { budget: Infinity, prune: true });
    const scale = lip(X, L);
    const ctx = `seed ${777000 + s} (${kind}, n=${X.rows}): full ${full.value} pruned ${pr.value} ${pr.info}`;
    assert.ok(Math.abs(full.value - pr.value) <= 1e-11 * scale, ctx);
    const res = computeOracle(X, L, { samples: 30 });
    if (res.rank === 3) {
      const bf = brute(X, L, { samples: 2000, seed: s, refineStarts: 3 });
      assert.ok(bf.max <= res.upper, `UNSOUND: brute ${bf.max} > ${res.upper}: ${ctx}`);
      assert.ok(Math.abs(value(X, L, res.argmax) - res.lower) <= 1e-12 * scale, ctx);
      assert.ok(res.upper >= full.value);
    }
  }
  assert.ok(n0 > (80 / STRIDE) * (3 / 8), `${n0} instances with n ≥ 48`);
});
