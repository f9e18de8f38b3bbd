import { test } from 'node:test';
import assert from 'node:assert/strict';
import { solveLasso } from '../../src/core/certify/lasso';
import { GramMemo } from '../../src/core/certify/lassoSteps';
import { featureActivation } from '../../src/core/problem/features';
import type { OutputBiasMode } from '../../src/core/problem/network';
import { mat, rng } from './helpers';

// The memo of feature inner products is a pure speed-up: every remembered entry must be the sum the
// solver would have formed afresh, bit for bit, so the solver's path and results cannot change.

test('GramMemo: dot and sum equal the sums formed afresh, in either argument order, on every repeat', () => {
  const r = rng(11);
  const vs = Array.from({ length: 6 }, () => Float64Array.from({ length: 37 }, () => (r.u() < 0.3 ? 0 : r.normal() * 1e3 ** r.u())));
  const memo = new GramMemo();
  for (let rep = 0; rep < 2; rep++)
    for (const x of vs) {
      let s1 = 0;
      for (const v of x) s1 += v * 1;
      assert.ok(Object.is(memo.sum(x), s1));
      for (const y of vs) {
        let s = 0;
        for (let q = 0; q < x.length; q++) s += x[q] * y[q];
        assert.ok(Object.is(memo.dot(x, y), s), 'a remembered entry differs from the fresh sum');
        assert.ok(Object.is(memo.dot(y, x), s));
      }
    }
  // distinct vectors with equal contents are distinct keys (identity, not value) and still agree
  const copy = new Float64Array(vs[0]);
  assert.ok(Object.is(memo.dot(copy, vs[1]), memo.dot(vs[0], vs[1])));
});

test('solveLasso: a memo shared across warm-started solves gives results identical to fresh solves (working sets, every offset)', () => {
  for (const offset of ['none', 'free', 'decayed'] as OutputBiasMode[])
    for (const c of [1, 2]) {
      const r = rng(40 + c);
      const n = 30,
        d = 2;
      const X = mat(n, d, () => r.normal());
      const Y = mat(n, c, () => r.normal());
      // more than the solver's working-set threshold (40 features), so the rounds share the memo
      const A = Array.from({ length: 60 }, () =>
        featureActivation(
          X,
          Float64Array.from({ length: d + 1 }, () => r.normal()),
          'decayed',
        ),
      );
      const beta = 0.3;
      const memo = new GramMemo();
      const a1 = solveLasso(A.slice(0, 50), Y, beta, offset, { gram: memo });
      const b1 = solveLasso(A.slice(0, 50), Y, beta, offset);
      const a2 = solveLasso(A, Y, beta, offset, { gram: memo, warm: { Z: a1.Z, b2: a1.b2 } });
      const b2 = solveLasso(A, Y, beta, offset, { warm: { Z: b1.Z, b2: b1.b2 } });
      const enc = (x: unknown) => JSON.stringify(x, (_k, v) => (v instanceof Float64Array ? Array.from(v) : v));
      assert.equal(enc(a1), enc(b1), `first solve, offset ${offset}, c = ${c}`);
      assert.equal(enc(a2), enc(b2), `warm-started solve, offset ${offset}, c = ${c}`);
      assert.ok(a2.converged, 'the solves must reach their tolerance for the comparison to cover the Newton steps');
    }
});
