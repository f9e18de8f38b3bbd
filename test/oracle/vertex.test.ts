/**
 * Exact oracle at rank ≥ 5 by vertex enumeration (src/core/oracle/vertexEnum.ts), against the
 * independent all-2^n-patterns reference (test/reference/bruteOracleAnyRank.ts) and the count of
 * cells of a central arrangement in general position.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeOracle } from '../../src/core/oracle';
import { byDecreasing, generalPositionPatternBound, PatternSet } from '../../src/core/oracle/vertexEnum';
import { bruteOracleAnyRank } from '../reference/bruteOracleAnyRank';
import type { Mat } from '../../src/core/linalg/mat';
import { gauss, rng } from '../reference/small';

function instance(seed: number, n: number, d: number, ones: boolean, c = 1, kind: 'random' | 'grid' | 'duplicates' = 'random') {
  const R = rng(seed);
  const p = d + (ones ? 1 : 0);
  const X: Mat = { rows: n, cols: p, data: new Float64Array(n * p) };
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < d; k++) X.data[i * p + k] = kind === 'grid' ? Math.round(2 * gauss(R)) / 2 : gauss(R);
    if (ones) X.data[i * p + d] = 1;
    if (kind === 'duplicates' && i > 0 && R() < 0.3) X.data.copyWithin(i * p, (i - 1) * p, i * p);
  }
  const L: Mat = { rows: n, cols: c, data: Float64Array.from({ length: n * c }, () => gauss(R)) };
  return { X, L };
}

test('rank 5–9: exact and equal to the all-patterns brute force (random, grid, duplicate rows)', () => {
  let exact = 0,
    total = 0;
  for (let s = 0; s < 24; s++) {
    const d = 4 + (s % 5);
    const ones = s % 2 === 0;
    const n = 8 + (s % 5);
    const kind = (['random', 'random', 'grid', 'duplicates'] as const)[s % 4];
    const { X, L } = instance(100 + s, n, d, ones, 1, kind);
    const res = computeOracle(X, L, {});
    const ref = bruteOracleAnyRank(X, L.data);
    total++;
    // sound whatever the method
    assert.ok(res.upper >= ref.value * (1 - 1e-12), `seed ${100 + s}: upper ${res.upper} < brute ${ref.value}`);
    assert.ok(res.lower <= ref.value * (1 + 1e-12) + 1e-300, `seed ${100 + s}: lower ${res.lower} > brute ${ref.value}`);
    if (kind === 'random') assert.equal(res.method, res.rank >= 5 ? 'exact-vertex' : 'exact-rank4', `seed ${100 + s}: ${res.notes.join('; ')}`);
    if (res.exact) {
      exact++;
      assert.ok(Math.abs(res.upper - ref.value) <= 1e-9 * ref.value + res.roundingAllowance, `seed ${100 + s}: ${res.upper} vs ${ref.value}`);
      assert.ok(res.upper - res.lower <= res.roundingAllowance * (1 + 1e-12));
    }
  }
  assert.ok(exact >= total - 4, `${exact}/${total} exact`);
});

test('the pattern set of random data has exactly 2Σ_{k<r} C(m−1, k) patterns (cells of a central arrangement in general position)', () => {
  for (const [n, r] of [
    [9, 5],
    [11, 6],
    [12, 7],
    [10, 9],
  ]) {
    const { X } = instance(7 * n + r, n, r, false);
    const ps = PatternSet.build(X.data, n, r, 1e9);
    assert.equal(ps.count, generalPositionPatternBound(n, r), `n = ${n}, r = ${r}`);
  }
  // and a count check of the formula itself: r = n gives every one of the 2^n patterns
  assert.equal(generalPositionPatternBound(6, 6), 64);
  assert.equal(generalPositionPatternBound(14, 7), 8192);
});

test('vector output c = 2 at rank 5: the output-sphere search over exact scalar oracles brackets the brute force', () => {
  for (let s = 0; s < 2; s++) {
    const { X, L } = instance(300 + s, 9, 4, true, 2);
    const res = computeOracle(X, L, {});
    assert.equal(res.method, 'exact-vertex', res.notes.join('; '));
    // M(Λ) = max over unit g of M(Λg): a grid of g gives a lower bound, and M ≤ grid max / cos(π/N)
    const N = 48;
    let gridMax = 0;
    for (let k = 0; k < N; k++) {
      const a = (Math.PI * 2 * k) / N;
      const lg = Float64Array.from({ length: X.rows }, (_, i) => L.data[2 * i] * Math.cos(a) + L.data[2 * i + 1] * Math.sin(a));
      gridMax = Math.max(gridMax, bruteOracleAnyRank(X, lg).value);
    }
    assert.ok(res.upper >= gridMax * (1 - 1e-12), `upper ${res.upper} < grid ${gridMax}`);
    assert.ok(res.lower <= (gridMax / Math.cos(Math.PI / N)) * (1 + 1e-12), `lower ${res.lower} above the grid bound`);
    assert.ok(res.exact);
  }
});

test('enumeration is decided by the pattern count: over the budget (global search off) → sound bounds with the reason', () => {
  const { X, L } = instance(11, 30, 4, true);
  const ref = computeOracle(X, L, {});
  assert.equal(ref.method, 'exact-vertex');
  const small = computeOracle(X, L, { patternBudget: 1000, nodeBudget: 0 });
  assert.equal(small.exact, false);
  assert.ok(
    small.notes.some((t) => /exceed the pattern budget 1000/.test(t)),
    small.notes.join('; '),
  );
  assert.ok(small.upper >= ref.upper - ref.roundingAllowance);
  const big = instance(12, 200, 6, true);
  const res = computeOracle(big.X, big.L, { nodeBudget: 0 });
  assert.equal(res.exact, false);
  assert.ok(
    res.notes.some((t) => /activation patterns exceed the pattern budget/.test(t)),
    res.notes.join('; '),
  );
});

test('rank 5–9 with a threshold, early stops and extra directions: upper never below the brute force; below the threshold it proves M ≤ stopBelow', () => {
  let proved = 0,
    early = 0;
  for (let s = 0; s < 20; s++) {
    const d = 4 + (s % 5);
    const n = 9 + (s % 4);
    // every third instance is rank deficient (a repeated column): the search runs on X̂, and the threshold must be met on X̃
    const { X: X0, L } = instance(500 + s, n, d, true);
    const X: Mat = s % 3 === 0 ? { rows: n, cols: d + 2, data: new Float64Array(n * (d + 2)) } : X0;
    if (s % 3 === 0)
      for (let i = 0; i < n; i++) {
        X.data.set(X0.data.subarray(i * (d + 1), (i + 1) * (d + 1)), i * (d + 2));
        X.data[i * (d + 2) + d + 1] = X0.data[i * (d + 1)];
      }
    const M = bruteOracleAnyRank(X, L.data).value;
    for (const f of [0.5, 0.99, 1.01, 1.5]) {
      const res = computeOracle(X, L, { stopBelow: f * M, candidates: 4 });
      assert.ok(res.upper >= M * (1 - 1e-12), `seed ${500 + s}, stopBelow ${f}·M: upper ${res.upper} < brute ${M}`);
      assert.ok(res.lower <= M * (1 + 1e-12));
      if (f > 1) {
        assert.ok(res.upper <= f * M, `seed ${500 + s}: M = ${M} < stopBelow ${f * M} but upper ${res.upper} (${res.notes.join('; ')})`);
        proved++;
      }
      for (const cd of res.candidates ?? []) {
        assert.ok(cd.value > f * M * (1 - 1e-9) && cd.value <= M * (1 + 1e-12), `candidate value ${cd.value} outside (${f * M}, ${M}]`);
        assert.ok(Math.abs(Math.hypot(...cd.u) - 1) < 1e-12);
      }
    }
    for (const [above, work] of [
      [0.5, 0],
      [0.9, 3],
      [0, 1],
    ] as const) {
      const res = computeOracle(X, L, { earlyDirection: { above: above * M, projections: work } });
      assert.ok(res.upper >= M * (1 - 1e-12), `seed ${500 + s}, early (${above}, ${work}): upper ${res.upper} < brute ${M}`);
      if (res.notes.some((t) => t.includes('stopped early'))) {
        early++;
        assert.equal(res.exact, res.upper - res.lower <= res.roundingAllowance);
        assert.ok(res.lower > above * M, 'stopped early without a direction above the bar');
      }
    }
  }
  assert.ok(proved >= 30, `${proved} threshold proofs`);
  assert.ok(early >= 5, `${early} early stops`);
});

test('warm faces belong to one run: a run over nearby dual points gives the same bounds whatever ran before; warm bounds stay above the brute force', () => {
  let differed = 0;
  for (let s = 0; s < 4; s++) {
    const { X, L } = instance(900 + s, 11, 5 + (s % 3), true);
    const P = Float64Array.from({ length: L.data.length }, (_, i) => Math.sin(7 * i + s));
    const points = [0, 0.02, 0.04, 0.06].map((t) => ({ rows: L.rows, cols: 1, data: L.data.map((v, i) => v + t * P[i]) }) as Mat);
    const refs = points.map((Lt) => bruteOracleAnyRank(X, Lt.data).value);
    // column generation's intermediate calls: a threshold just above M (most patterns bounded, not projected)
    const run = (scope: object | undefined) => points.map((Lt, t) => computeOracle(X, Lt, { stopBelow: 1.05 * refs[t], warmScope: scope }));
    const first = run({});
    const again = run({});
    const reused = (() => {
      const sc = {};
      run(sc);
      return run(sc);
    })();
    const cold = run(undefined);
    for (let t = 0; t < points.length; t++) {
      for (const r of [first[t], reused[t], cold[t]])
        assert.ok(r.upper >= refs[t] * (1 - 1e-12), `seed ${900 + s}, point ${t}: upper ${r.upper} < brute ${refs[t]}`);
      assert.equal(again[t].upper, first[t].upper, `seed ${900 + s}, point ${t}: a new run's bound depends on an earlier run`);
      assert.equal(again[t].lower, first[t].lower);
      if (reused[t].upper !== first[t].upper) differed++;
    }
  }
  // the store is used at all: the same run continued over the points again starts from other faces
  assert.ok(differed > 0, 'warm faces never changed a bound: the scope is not exercised');
});

test("a run's per-pattern bounds moved to the next dual point (drift): upper never below the brute force, exact calls still exact, and patterns are skipped", () => {
  let skipped = 0,
    calls = 0;
  for (let s = 0; s < 6; s++) {
    const { X, L } = instance(950 + s, 10 + (s % 2), 4 + (s % 4), s % 2 === 0);
    const R = rng(960 + s);
    const scope = {};
    let cur = Float64Array.from(L.data);
    for (let t = 0; t < 8; t++) {
      // small steps (column generation's late rounds), then a jump, a return, and a sign flip
      const step = t === 4 ? 1 : t === 6 ? -2 : 0.01;
      cur = t === 6 ? cur.map((v) => -v) : cur.map((v) => v + step * 0.1 * gauss(R));
      const Lt: Mat = { rows: L.rows, cols: 1, data: Float64Array.from(cur) };
      const ref = bruteOracleAnyRank(X, Lt.data).value;
      for (const stopBelow of [undefined, 0.97 * ref, 1.05 * ref]) {
        const res = computeOracle(X, Lt, { stopBelow, warmScope: scope });
        calls++;
        assert.ok(res.upper >= ref * (1 - 1e-12), `seed ${950 + s}, step ${t}: upper ${res.upper} < brute ${ref}`);
        if (stopBelow === undefined)
          assert.ok(res.exact && res.upper - ref <= res.roundingAllowance + 1e-12 * ref, `seed ${950 + s}, step ${t}: not exact (${res.upper} vs ${ref})`);
        const m = /(\d+) bounded by the run's earlier calls/.exec(res.notes.join(' '));
        if (m) skipped += Number(m[1]);
      }
    }
  }
  assert.ok(calls > 0 && skipped > 0, `no pattern skipped by the drift bounds in ${calls} calls`);
});

test("a pattern's own step since the last call (‖X̂ᵀD(λ − λ_last)‖) moves its bound where the all-rows step cannot: upper never below the brute force", () => {
  let own = 0,
    calls = 0;
  for (let s = 0; s < 4; s++) {
    const { X, L } = instance(970 + s, 10, 4 + (s % 3), s % 2 === 1);
    const R = rng(980 + s);
    const scope = {};
    let cur = Float64Array.from(L.data);
    for (let t = 0; t < 6; t++) {
      // steps too large for the all-rows bound Σ_t |Δλ_t|‖x̂_t‖ but moving few rows: one or two samples at a time
      const j = Math.floor(R() * cur.length);
      cur = cur.map((v, i) => (i === j || (t % 3 === 0 && i === (j + 1) % cur.length) ? v + 0.5 * gauss(R) : v));
      const Lt: Mat = { rows: L.rows, cols: 1, data: Float64Array.from(cur) };
      const ref = bruteOracleAnyRank(X, Lt.data).value;
      for (const stopBelow of [undefined, 0.95 * ref, 1.02 * ref]) {
        const res = computeOracle(X, Lt, { stopBelow, warmScope: scope });
        calls++;
        assert.ok(res.upper >= ref * (1 - 1e-12), `seed ${970 + s}, step ${t}: upper ${res.upper} < brute ${ref}`);
        if (stopBelow === undefined)
          assert.ok(res.exact && res.upper - ref <= res.roundingAllowance + 1e-12 * ref, `seed ${970 + s}, step ${t}: not exact (${res.upper} vs ${ref})`);
        const m = /(\d+) by their own step since the last call/.exec(res.notes.join(' '));
        if (m) own += Number(m[1]);
      }
    }
  }
  assert.ok(own > 0, `no pattern bounded by its own step in ${calls} calls`);
});

test('the patterns are visited in the order of a stable comparison sort by decreasing bound (radix path: many patterns, ties, zeros)', () => {
  const R = rng(4242);
  for (const n of [10, 40_000, 100_000]) {
    const key = Float64Array.from({ length: n + 7 }, (_, i) =>
      i % 5 === 0 ? Math.floor(8 * R()) / 4 : i % 7 === 0 ? 0 : gauss(R) ** 2 * 10 ** Math.floor(6 * R() - 3),
    );
    const idx = Array.from({ length: n }, (_, i) => (i * 7919) % (n + 7));
    const want = [...idx].sort((a, b) => key[b] - key[a]);
    assert.deepEqual(byDecreasing([...idx], key), want, `n = ${n}`);
  }
});
