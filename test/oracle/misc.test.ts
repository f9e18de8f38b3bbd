import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeOracle } from '../../src/core/oracle/index';
import { brute, gauss, lip, mat, rng, value } from './brute';

test('near rank deficiency: rank cut with allowance stays sound', () => {
  for (let s = 0; s < 150; s++) {
    const r = rng(s + 321);
    const n = 2 + Math.floor(r() * 12);
    const eps = [1e-9, 1e-11, 1e-13, 0][s % 4];
    const a = gauss(r),
      b = gauss(r);
    const X = mat(n, 3, () => 0);
    for (let i = 0; i < n; i++) {
      const x0 = gauss(r),
        x1 = gauss(r);
      X.data[i * 3] = x0;
      X.data[i * 3 + 1] = x1;
      X.data[i * 3 + 2] = a * x0 + b * x1 + eps * gauss(r);
    }
    const L = mat(n, 1, () => gauss(r));
    for (const rankTol of [1e-10, 1e-6]) {
      const res = computeOracle(X, L, { rankTol, samples: 50 });
      const bf = brute(X, L, { samples: 3000, seed: s });
      const ctx = `s=${s} eps=${eps} tol=${rankTol}: upper ${res.upper} brute ${bf.max} rank ${res.rank} ${res.method} R ${res.roundingAllowance}`;
      assert.ok(bf.max <= res.upper, `UNSOUND: ${ctx}`);
      assert.ok(res.lower <= res.upper, ctx);
      assert.ok(Math.abs(value(X, L, res.argmax) - res.lower) <= 1e-12 * lip(X, L), ctx);
      if (res.exact) assert.ok(res.upper - Math.max(bf.max, res.lower) <= 1e-9 * lip(X, L) + 4 * eps * lip(X, L), ctx);
    }
  }
});

test('degenerate inputs', () => {
  const z = computeOracle(
    mat(3, 2, () => 0),
    mat(3, 1, () => 1),
  );
  assert.equal(z.upper, 0);
  assert.equal(z.exact, true);
  const e = computeOracle(
    mat(0, 2, () => 0),
    mat(0, 1, () => 0),
  );
  assert.equal(e.upper, 0);
  const l0 = computeOracle(
    mat(4, 3, (i, j) => i + j),
    mat(4, 1, () => 0),
  );
  assert.equal(l0.upper, 0);
  const nan = computeOracle(
    mat(2, 2, () => NaN),
    mat(2, 1, () => 1),
  );
  assert.equal(nan.upper, Infinity);
  assert.throws(() =>
    computeOracle(
      mat(2, 2, () => 1),
      mat(3, 1, () => 1),
    ),
  );
  // single point
  const one = computeOracle(
    mat(1, 3, (_, j) => j + 1),
    mat(1, 1, () => -2),
  );
  assert.ok(Math.abs(one.upper - 2 * Math.sqrt(14)) < 1e-9);
  assert.ok(one.exact);
  assert.deepEqual(Array.from(one.outputDir), [-1]);
});

test('hints are used for the lower bound; cancellation', () => {
  const r = rng(5);
  const n = 40;
  const X = mat(n, 7, (_, j) => (j === 6 ? 1 : gauss(r)));
  const L = mat(n, 1, () => gauss(r));
  const h = mat(1, 7, () => gauss(r));
  const res = computeOracle(X, L, { hints: h, samples: 0 });
  const hv = value(
    X,
    L,
    Array.from(h.data).map((x) => x / Math.hypot(...h.data)),
  );
  assert.ok(res.lower >= hv - 1e-12);
  assert.equal(res.method, 'bounds');
  assert.throws(() =>
    computeOracle(
      mat(200, 3, () => gauss(r)),
      mat(200, 1, () => gauss(r)),
      { shouldStop: () => true },
    ),
  );
});

function timeRank3(n: number) {
  const r = rng(n);
  const X = mat(n, 3, (_, j) => (j === 2 ? 1 : gauss(r)));
  const L = mat(n, 1, () => gauss(r));
  const t0 = performance.now();
  const res = computeOracle(X, L);
  const ms = performance.now() - t0;
  console.log(`rank-3 oracle n=${n}: ${ms.toFixed(0)} ms, ${res.method}, exact=${res.exact}, M∈[${res.lower}, ${res.upper}], ${res.notes.join('; ')}`);
  assert.ok(res.exact);
}

// speed is measured in `npm run bench` (bench/oracle.ts); here only that n = 1000 stays exact
test('rank-3 oracle at n = 1000 is exact (enumeration within budget)', () => timeRank3(1000));
