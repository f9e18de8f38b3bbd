/**
 * The any-rank brute oracle (all 2^n patterns, one NNLS cone projection each) against things it
 * shares no code with:
 *  - the rank ≤ 3 reference ./bruteOracle.ts (null-direction patterns + Rayleigh candidates);
 *  - closed forms: whitened data M = max(‖λ+‖, ‖λ−‖) (MATH.md §5), a single row M = ‖x‖·|λ|;
 *  - exact invariances that exercise rank-deficient X̃, zero rows and duplicate rows;
 *  - its own two-sided bracket: attained (a value really reached) ≤ M ≤ value (weak duality),
 *    which must close to 1e-9 — globally and pattern by pattern;
 *  - dense random sampling of directions, which can never beat an exact maximum.
 * Each test also checks that it could fail: e.g. that the unprojected bound max_D ‖X̃ᵀDλ‖
 * (what a reference that forgot the cone would return) differs from the value on these instances.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Mat } from '../../src/core/linalg/mat';
import { bruteOracle } from './bruteOracle';
import { bruteOracleAnyRank, nnls, oracleAt } from './bruteOracleAnyRank';
import { gauss, mkMat, normv, rng } from './small';

type Rand = () => number;

/** n×d matrix of rank ≤ r: G1 (n×r) · G2 (r×d); with `ones`, the last column is 1 and the rest has rank r−1. */
function lowRank(R: Rand, n: number, d: number, r: number, ones: boolean): Mat {
  const k = ones ? r - 1 : r;
  const p = ones ? d - 1 : d;
  const G1 = Array.from({ length: n * k }, () => gauss(R));
  const G2 = Array.from({ length: k * p }, () => gauss(R));
  const X = mkMat(n, d);
  for (let i = 0; i < n; i++) {
    for (let q = 0; q < p; q++) {
      let s = 0;
      for (let t = 0; t < k; t++) s += G1[i * k + t] * G2[t * p + q];
      X.data[i * d + q] = s;
    }
    if (ones) X.data[i * d + d - 1] = 1;
  }
  return X;
}

/** max_D ‖X̃ᵀDλ‖ over all patterns (MATH.md §3.6): an upper bound that ignores the cones. */
function unprojectedBound(X: Mat, lam: number[]): number {
  const n = X.rows,
    d = X.cols;
  let best = 0;
  const g = new Float64Array(d);
  for (let mask = 0; mask < 2 ** n; mask++) {
    g.fill(0);
    for (let i = 0; i < n; i++) if ((mask >>> i) & 1) for (let q = 0; q < d; q++) g[q] += lam[i] * X.data[i * d + q];
    best = Math.max(best, normv(g));
  }
  return best;
}

/** Rows of a random d×d orthogonal matrix (Gram–Schmidt twice on a Gaussian matrix), first n kept. */
function orthonormalRows(R: Rand, n: number, d: number): Mat {
  const rows: number[][] = [];
  while (rows.length < n) {
    let v = Array.from({ length: d }, () => gauss(R));
    for (let pass = 0; pass < 2; pass++)
      for (const q of rows) {
        const t = v.reduce((s, x, i) => s + x * q[i], 0);
        v = v.map((x, i) => x - t * q[i]);
      }
    const nv = normv(v);
    if (nv > 1e-8) rows.push(v.map((x) => x / nv));
  }
  return mkMat(n, d, rows.flat());
}

function relClose(a: number, b: number, tol: number, msg: string) {
  const scale = Math.max(Math.abs(a), Math.abs(b), 1e-300);
  assert.ok(Math.abs(a - b) <= tol * scale, `${msg}: ${a} vs ${b} (rel ${Math.abs(a - b) / scale})`);
}

/** The bracket every result must satisfy (attained ≤ M ≤ value, closed to 1e-9) plus u's sanity. */
function checkBracket(X: Mat, lam: number[], label: string) {
  const res = bruteOracleAnyRank(X, lam, { perPattern: true });
  assert.equal(res.nnlsNotConverged, 0, `${label}: an NNLS hit its iteration cap`);
  assert.equal(res.patterns, 2 ** X.rows);
  assert.ok(res.attained <= res.value * (1 + 1e-12), `${label}: attained ${res.attained} > value ${res.value}`);
  assert.ok(res.value - res.attained <= 1e-9 * res.value, `${label}: gap ${res.value - res.attained} at value ${res.value}`);
  assert.ok(Math.abs(normv(res.u) - 1) < 1e-12, `${label}: u not unit`);
  relClose(oracleAt(X, lam, res.u), res.attained, 1e-14, `${label}: u does not give attained`);
  // Pattern by pattern: an inexact projection would open the gap here even where it does not
  // change the global max. The pattern's own max is attained at its u (u ∈ K_D ⇒ h(u) = gᵀu),
  // so attained ≥ upper always; the converse (h(u) = upper) only holds when Π_K(g) is well
  // above rounding — a rounding-level Π has a meaningless direction, and h there is merely
  // some value ≤ M.
  const tol = 1e-9 * Math.max(res.value, 1e-300);
  for (const pp of res.perPattern!) {
    const at = `${label}: pattern ${pp.mask}/${pp.sign}: upper ${pp.upper} vs attained ${pp.attained}`;
    assert.ok(pp.upper - pp.attained <= tol, at);
    if (pp.upper > 1e-6 * res.value) assert.ok(pp.attained - pp.upper <= tol, at);
  }
  return res;
}

test('agrees with the rank ≤ 3 reference on random instances (with and without a ones column)', () => {
  const R = rng(2024);
  let discriminating = 0;
  const trials = 36;
  for (let trial = 0; trial < trials; trial++) {
    const r = 1 + (trial % 3);
    const ones = trial % 2 === 1;
    const n = 3 + Math.floor(R() * 9); // 3..11
    // The rank-≤3 reference cuts its rank at 1e-11 relative on a Gram matrix, so columns that
    // are dependent only up to rounding would count as rank > 3 there: give X̃ exactly r live
    // columns and make it rank deficient with exactly-zero columns (every 4th trial).
    const zeroCols = trial % 4 === 3 ? 1 + Math.floor(R() * 3) : 0;
    const live = lowRank(R, n, r, r, ones);
    const d = r + zeroCols;
    const X = mkMat(n, d);
    for (let i = 0; i < n; i++) X.data.set(live.data.subarray(i * r, (i + 1) * r), i * d);
    if (trial % 5 === 0) X.data.fill(0, 0, d); // a zero row
    if (trial % 7 === 0) X.data.copyWithin(d, 2 * d, 3 * d); // a duplicated row (n ≥ 3)
    const lam = Array.from({ length: n }, () => gauss(R));
    const label = `trial ${trial} n=${n} d=${d} r=${r} ones=${ones}`;
    const mine = bruteOracleAnyRank(X, lam);
    const ref = bruteOracle(X, mkMat(n, 1, lam));
    assert.ok(ref.rank <= 3, label);
    assert.ok(ref.value > 0, `${label}: degenerate instance`);
    relClose(mine.value, ref.value, 1e-9, `${label}: value vs rank-≤3 reference`);
    relClose(mine.attained, ref.value, 1e-9, `${label}: attained vs rank-≤3 reference`);
    if (unprojectedBound(X, lam) > ref.value * (1 + 1e-6)) discriminating++;
  }
  // A reference that returned ‖X̃ᵀDλ‖ without projecting onto K_D would have failed here.
  assert.ok(discriminating >= trials / 3, `only ${discriminating} instances separate the cone projection from ‖X̃ᵀDλ‖`);
});

test('whitened data (n ≤ d, X Xᵀ = I): M = max(‖λ+‖, ‖λ−‖) in any dimension', () => {
  const R = rng(77);
  const cases: [number, number][] = [
    [3, 3],
    [5, 8],
    [8, 8],
    [6, 12],
    [10, 12],
    [12, 12],
    [1, 4],
  ];
  for (const [n, d] of cases) {
    const X = orthonormalRows(R, n, d);
    for (const kind of ['mixed', 'nonneg', 'nonpos'] as const) {
      const lam = Array.from({ length: n }, () => {
        const x = gauss(R);
        return kind === 'mixed' ? x : kind === 'nonneg' ? Math.abs(x) : -Math.abs(x);
      });
      const pos = normv(lam.map((x) => Math.max(x, 0)));
      const neg = normv(lam.map((x) => Math.max(-x, 0)));
      const res = bruteOracleAnyRank(X, lam);
      const label = `n=${n} d=${d} ${kind}`;
      relClose(res.value, Math.max(pos, neg), 1e-9, `${label}: value`);
      relClose(res.attained, Math.max(pos, neg), 1e-9, `${label}: attained`);
      // Not vacuous: with mixed signs M is strictly below ‖λ‖ (the bound without the ReLU).
      if (kind === 'mixed' && pos > 0 && neg > 0) assert.ok(res.value < normv(lam) * (1 - 1e-6), `${label}: M = ‖λ‖?`);
    }
  }
});

test('one row: M = ‖x‖·|λ| (λ ≥ 0, and λ < 0 through the absolute value)', () => {
  const R = rng(5);
  for (let d = 1; d <= 12; d++) {
    const x = Array.from({ length: d }, () => gauss(R));
    const X = mkMat(1, d, x);
    for (const l of [2.5, 1e-3, 0.7, -1.3]) {
      const res = bruteOracleAnyRank(X, [l]);
      relClose(res.value, normv(x) * Math.abs(l), 1e-12, `d=${d} λ=${l}`);
      relClose(res.attained, normv(x) * Math.abs(l), 1e-12, `d=${d} λ=${l} attained`);
      // the argmax is ±x/‖x‖ — +x/‖x‖ whatever the sign of λ (the inactive side gives 0)
      relClose(Math.abs(res.u.reduce((s, v, q) => s + v * x[q], 0)), normv(x), 1e-12, `d=${d} λ=${l}: argmax`);
    }
  }
});

test('degenerate inputs: λ = 0, X̃ = 0, zero rows, duplicate rows, dependent columns', () => {
  const R = rng(9);
  // λ = 0 and X̃ = 0: M = 0, u still a unit vector
  for (const [X, lam] of [
    [lowRank(R, 6, 7, 5, false), new Array(6).fill(0)],
    [mkMat(5, 4), [1, -2, 3, 0.5, -1]],
  ] as [Mat, number[]][]) {
    const res = bruteOracleAnyRank(X, lam);
    assert.equal(res.value, 0);
    assert.equal(res.attained, 0);
    assert.equal(normv(res.u), 1);
  }
  for (let trial = 0; trial < 4; trial++) {
    const n = 7 + trial,
      r = 5 + trial,
      d = r;
    const X = lowRank(R, n, d, r, trial % 2 === 1);
    const lam = Array.from({ length: n }, () => gauss(R));
    const baseRes = bruteOracleAnyRank(X, lam);
    const base = baseRes.value;
    assert.ok(base > 0);
    // The row carrying the most of the maximum: duplicate THAT row, so a reference that
    // mishandled duplicates (e.g. counted λ twice) would be seen.
    const u = baseRes.u;
    const sgn = Math.sign(
      lam.reduce(
        (acc, l, i) =>
          acc +
          l *
            Math.max(
              0,
              X.data.slice(i * d, i * d + d).reduce((z, x, q) => z + x * u[q], 0),
            ),
        0,
      ),
    );
    let top = 0,
      topC = 0;
    for (let i = 0; i < n; i++) {
      const z = X.data.slice(i * d, i * d + d).reduce((acc, x, q) => acc + x * u[q], 0);
      const c = sgn * lam[i] * Math.max(0, z);
      if (c > topC) [top, topC] = [i, c];
    }
    assert.ok(topC > 0, `trial ${trial}: no row carries the max`);
    // Columns made dependent without changing the image of the unit ball: X̃' = X̃Q with Q d×d'
    // having orthonormal ROWS maps the unit ball of R^d' onto that of R^d, so M is unchanged.
    const dp = d + 3;
    const Q = orthonormalRows(R, d, dp);
    const XQ = mkMat(n, dp);
    for (let i = 0; i < n; i++)
      for (let q = 0; q < dp; q++) {
        let s = 0;
        for (let t = 0; t < d; t++) s += X.data[i * d + t] * Q.data[t * dp + q];
        XQ.data[i * dp + q] = s;
      }
    relClose(checkBracket(XQ, lam, `XQ trial ${trial}`).value, base, 1e-9, `trial ${trial}: X̃Q`);
    // A zero row contributes nothing whatever its λ.
    const Xz = mkMat(n + 1, d);
    Xz.data.set(X.data);
    relClose(checkBracket(Xz, [...lam, 3.7], `zero row trial ${trial}`).value, base, 1e-9, `trial ${trial}: zero row`);
    // Duplicating row `top` and splitting its λ between the copies changes nothing...
    const Xd = mkMat(n + 1, d);
    Xd.data.set(X.data);
    Xd.data.set(X.data.subarray(top * d, (top + 1) * d), n * d);
    const lamD = [...lam, 0];
    lamD[top] = 0.3 * lam[top];
    lamD[n] = 0.7 * lam[top];
    relClose(checkBracket(Xd, lamD, `dup trial ${trial}`).value, base, 1e-9, `trial ${trial}: duplicate row`);
    // ...while counting it twice raises M by at least that row's share at the argmax
    // (M(λ') ≥ h_λ'(u*) = M + share): so the duplicate check is not blind.
    lamD[top] = lamD[n] = lam[top];
    const twice = bruteOracleAnyRank(Xd, lamD).value;
    assert.ok(twice >= base + topC * (1 - 1e-9), `trial ${trial}: double-counted row gave ${twice}, base ${base} + ${topC}`);
  }
});

test('NNLS alone: KKT on random problems, dependent and zero columns', () => {
  const R = rng(31);
  for (let trial = 0; trial < 200; trial++) {
    const d = 1 + Math.floor(R() * 12),
      k = 1 + Math.floor(R() * 14);
    const rank = 1 + Math.floor(R() * d);
    const cols = lowRank(R, k, d, rank, false).data; // k columns in R^d, rank ≤ rank
    if (trial % 4 === 0) cols.fill(0, 0, d);
    const b = Float64Array.from({ length: d }, () => gauss(R));
    const { x, converged } = nnls(cols, k, d, b);
    assert.ok(converged, `trial ${trial}`);
    const r = Float64Array.from(b);
    for (let j = 0; j < k; j++) for (let i = 0; i < d; i++) r[i] -= x[j] * cols[j * d + i];
    const scale = normv(b) * Math.max(...Array.from({ length: k }, (_, j) => normv(cols.subarray(j * d, j * d + d))), 1e-300);
    for (let j = 0; j < k; j++) {
      assert.ok(x[j] >= 0, `trial ${trial}: x[${j}] < 0`);
      let w = 0;
      for (let i = 0; i < d; i++) w += cols[j * d + i] * r[i];
      assert.ok(w <= 1e-10 * scale, `trial ${trial}: dual infeasible w[${j}] = ${w}`);
      if (x[j] > 0) assert.ok(Math.abs(w) <= 1e-10 * scale, `trial ${trial}: complementarity w[${j}] = ${w}, x = ${x[j]}`);
    }
  }
});

/** Random rank 5–9 instances, n ≤ 12, some with a ones column and extra (dependent) columns. */
function instances(seed: number, count: number): { X: Mat; lam: number[]; label: string }[] {
  const R = rng(seed);
  const out = [];
  for (let t = 0; t < count; t++) {
    const r = 5 + (t % 5);
    const n = Math.min(12, r + 1 + Math.floor(R() * 5));
    const ones = t % 3 === 2;
    // odd t: extra columns, so X̃ (n×d, rank r < d) has dependent columns
    const d = Math.min(12, r + (t % 2) * (1 + Math.floor(R() * (12 - r))));
    const X = lowRank(R, n, d, r, ones);
    const lam = Array.from({ length: n }, () => gauss(R));
    out.push({ X, lam, label: `inst ${t} n=${n} d=${X.cols} r=${r} ones=${ones}` });
  }
  return out;
}

test('rank 5–9: attained ≤ value ≤ attained·(1 + 1e-9), globally and per pattern', () => {
  let discriminating = 0;
  const all = instances(4242, 10);
  for (const { X, lam, label } of all) {
    const res = checkBracket(X, lam, label);
    assert.ok(res.value > 0, `${label}: degenerate`);
    if (unprojectedBound(X, lam) > res.value * (1 + 1e-6)) discriminating++;
  }
  assert.ok(discriminating >= all.length / 2, `only ${discriminating} instances separate projection from ‖X̃ᵀDλ‖`);
});

test('rank 5–9: 100k random directions never exceed the value', () => {
  const R = rng(99);
  for (const { X, lam, label } of instances(555, 4)) {
    const res = bruteOracleAnyRank(X, lam);
    const d = X.cols;
    let best = 0;
    const u = new Float64Array(d);
    for (let k = 0; k < 100_000; k++) {
      for (let q = 0; q < d; q++) u[q] = gauss(R);
      const nu = normv(u);
      for (let q = 0; q < d; q++) u[q] /= nu;
      best = Math.max(best, oracleAt(X, lam, u));
    }
    assert.ok(best <= res.value * (1 + 1e-12), `${label}: sampled ${best} > value ${res.value}`);
    // Not vacuous: the samples reach the same scale, so an underestimate by a real margin
    // (e.g. a missed pattern or a dropped sign) would be caught.
    assert.ok(best >= 0.5 * res.value, `${label}: sampling too weak (${best} vs ${res.value})`);
  }
});

// its work, not its speed (a time bound would depend on the machine; timings belong to the bench)
test('work: n = 12 at d = 12 visits every one of the 4096 patterns, each NNLS converged', () => {
  const R = rng(1);
  const X = lowRank(R, 12, 12, 12, false);
  const lam = Array.from({ length: 12 }, () => gauss(R));
  const t0 = performance.now();
  const res = bruteOracleAnyRank(X, lam);
  console.log(`n = 12, d = 12: ${res.patterns} patterns in ${(performance.now() - t0).toFixed(0)} ms (printed, not asserted)`);
  assert.equal(res.patterns, 4096);
  assert.equal(res.nnlsNotConverged, 0);
});
