import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeOracle } from '../../src/core/oracle/index';
import { brute, instance, lip, value } from './brute';
import { bruteOracleAnyRank } from '../reference/bruteOracleAnyRank';
import { sized } from '../slow';

test('rank 4 scalar (recursive enumeration) vs dense search', () => {
  let exact = 0,
    worst = 0;
  const count = sized(60, 150); // the 30000-sample dense search dominates; all 150 in test:slow
  for (let s = 0; s < count; s++) {
    const { X, L, kind } = instance(40000 + s, { d: 4, maxN: 10, ones: s % 2 === 0 });
    const res = computeOracle(X, L, { samples: 100, seed: 5 });
    const bf = brute(X, L, { samples: 30000, seed: s, refineStarts: 8 });
    const scale = lip(X, L);
    const atArg = value(X, L, res.argmax);
    const ctx = `seed ${40000 + s} (${kind}, n=${X.rows}): upper ${res.upper} lower ${res.lower} brute ${bf.max} ${res.method}`;
    assert.ok(Math.abs(atArg - res.lower) <= 1e-12 * scale + 1e-300, ctx);
    assert.ok(bf.max <= res.upper, `UNSOUND by ${bf.max - res.upper}: ${ctx}`);
    assert.ok(res.lower <= res.upper, ctx);
    if (res.exact) {
      exact++;
      if (scale > 0) worst = Math.max(worst, (res.upper - Math.max(bf.max, atArg)) / scale);
      assert.ok(res.upper - Math.max(bf.max, atArg) <= 1e-9 * scale, ctx);
    }
  }
  console.log(`rank 4: ${count} instances, exact ${exact}, worst (upper − best)/Lip ${worst.toExponential(2)}`);
  assert.ok(exact >= 0.9 * count);
});

test('rank 4 over budget falls back to sound bounds', () => {
  const { X, L } = instance(40999, { d: 4, maxN: 15 });
  const res = computeOracle(X, L, { patternBudget: 10 });
  const bf = brute(X, L, { samples: 20000, seed: 1 });
  assert.equal(res.method === 'bounds' || res.rank < 4, true);
  assert.ok(bf.max <= res.upper);
});

test('rank ≥ 5 with few points: exact by vertex enumeration (the pattern count fits), equal to the all-patterns brute force', () => {
  let exact = 0;
  for (let s = 0; s < 30; s++) {
    const { X, L } = instance(41000 + s, { d: 6, maxN: 12, ones: true });
    const res = computeOracle(X, L, { samples: 500 });
    const bf = brute(X, L, { samples: 20000, seed: s });
    const ref = bruteOracleAnyRank(X, L.data);
    assert.ok(bf.max <= res.upper, `seed ${s}`);
    assert.ok(ref.value <= res.upper * (1 + 1e-12), `seed ${s}: upper ${res.upper} < all-patterns ${ref.value}`);
    assert.ok(res.lower <= res.upper);
    if (res.exact) {
      exact++;
      assert.ok(res.upper - ref.value <= 1e-9 * lip(X, L), `seed ${s}: upper ${res.upper} vs all-patterns ${ref.value}`);
    }
  }
  assert.ok(exact >= 25, `${exact}/30 exact`);
});
