import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeOracle } from '../../src/core/oracle/index';
import { brute, instance, lip, value } from './brute';

/** Vector outputs c = 2, 3 (branch and bound over the output sphere) vs dense search over u. */
for (const c of [2, 3]) {
  for (const [d, ones] of [
    [2, false],
    [3, true],
    [3, false],
  ] as [number, boolean][]) {
    test(`vector oracle c = ${c}, d̃ = ${d}${ones ? ' (ones)' : ''} vs brute force`, () => {
      const count = c === 2 ? 120 : 60;
      let exact = 0,
        worst = 0;
      for (let s = 0; s < count; s++) {
        const seed = 90000 + 1000 * c + 100 * d + s + (ones ? 50000 : 0);
        const { X, L, kind } = instance(seed, { d, c, ones, maxN: 10 });
        const res = computeOracle(X, L, { samples: 50, seed: 3 });
        const bf = brute(X, L, { samples: 3000, seed });
        const scale = lip(X, L);
        const atArg = value(X, L, res.argmax);
        const ctx = `seed ${seed} (${kind}, n=${X.rows}): upper ${res.upper} lower ${res.lower} brute ${bf.max} ${res.method} ${res.notes.join('; ')}`;
        assert.ok(Math.abs(atArg - res.lower) <= 1e-12 * scale + 1e-300, `lower not at argmax: ${ctx}`);
        assert.ok(res.lower <= res.upper, ctx);
        assert.ok(bf.max <= res.upper, `UNSOUND by ${bf.max - res.upper}: ${ctx}`);
        if (res.exact) {
          exact++;
          const ref = Math.max(bf.max, atArg);
          if (scale > 0) worst = Math.max(worst, (res.upper - ref) / scale);
          assert.ok(res.upper - res.lower <= res.roundingAllowance, ctx);
          assert.ok(res.upper - ref <= 2e-9 * Math.max(ref, 1e-300) + 1e-11 * scale, `exact far from brute: ${ctx}`);
          assert.ok(res.upper - bf.max <= 1e-5 * scale, `brute far below: ${ctx}`);
        }
      }
      console.log(`c=${c} d̃=${d}${ones ? ' ones' : ''}: ${count} instances, exact ${exact}, worst (upper − best)/Lip ${worst.toExponential(2)}`);
      assert.ok(exact >= 0.9 * count);
    });
  }
}

test('c > 3: sound bounds', () => {
  for (let s = 0; s < 40; s++) {
    const { X, L } = instance(77000 + s, { d: 3, c: 5, maxN: 10, ones: true });
    const res = computeOracle(X, L, { samples: 200 });
    const bf = brute(X, L, { samples: 3000, seed: s });
    assert.ok(bf.max <= res.upper, `unsound c=5 seed ${s}`);
    assert.ok(res.lower <= res.upper + 1e-12);
    assert.ok(Math.abs(value(X, L, res.argmax) - res.lower) <= 1e-12 * lip(X, L) + 1e-300);
  }
});
