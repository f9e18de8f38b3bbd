/**
 * The rank-3 sweep keeps its circles' angular orders from one call to the next on the same rows
 * (sweep.ts sortMemo): a call after another on the same X̂ with a new λ must return what a fresh
 * call returns, bit for bit, and the maximum must still bound a brute-force search from above.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exactScalar } from '../../src/core/oracle/sweep';
import { brute, instance, lip } from './brute';
import { rng } from '../certify/helpers';
import type { Mat } from '../../src/core/linalg/mat';

const opts = { budget: Infinity };
/** Other rows in between: the memo starts over. */
const resetMemo = () => exactScalar(Float64Array.of(1, 0, 0, 0, 1, 0, 0, 0, 1), 3, 3, Float64Array.of(1, -1, 1), opts);

test('rank-3 sweep: a call recalling the previous calls’ circle orders equals a fresh call and bounds brute force', () => {
  let checked = 0;
  for (let s = 0; s < 6; s++) {
    const { X } = instance(913000 + s, { d: 3, maxN: 160, ones: s % 2 === 0 });
    if (X.rows < 60) continue;
    const r = rng(4242 + s);
    // a few λ on the same rows, as column generation's successive calls see them; one with zeros (fewer rows)
    const lams = [0, 1, 2].map((k) => Float64Array.from({ length: X.rows }, (_, i) => (k === 2 && i % 7 === 0 ? 0 : r.normal())));
    resetMemo();
    const chained = lams.map((lam) => exactScalar(X.data, X.rows, 3, lam, opts));
    lams.forEach((lam, k) => {
      resetMemo();
      const fresh = exactScalar(X.data, X.rows, 3, lam, opts);
      const what = `instance ${913000 + s} (n = ${X.rows}), λ #${k}`;
      assert.equal(chained[k].value, fresh.value, what);
      assert.deepEqual(Array.from(chained[k].u), Array.from(fresh.u), what);
      assert.equal(chained[k].patterns, fresh.patterns, what);
      const L: Mat = { rows: X.rows, cols: 1, data: lam };
      const bf = brute(X, L, { samples: 1500, seed: s, refineStarts: 2 });
      assert.ok(bf.max <= chained[k].value + 1e-9 * lip(X, L), `${what}: brute force ${bf.max} above the sweep's ${chained[k].value}`);
    });
    checked++;
  }
  assert.ok(checked >= 3, `${checked} instances with n ≥ 60`);
});
