/**
 * Pattern sets: enumeratePatterns against the cell count of a central arrangement in general
 * position (2Σ_{k<r} C(n−1, k)) and against dense sampling (every sampled pattern is enumerated);
 * samplePatterns deduplicates; ownPatterns includes both sides of ties (MATH.md §10).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { enumeratePatterns, samplePatterns, ownPatterns, OWN_TIE_TOL } from '../../src/core/convex';
import { appendOnes } from '../../src/core/linalg/mat';
import { gauss, mkMat, rng } from '../reference/small';

const key = (d: Uint8Array) => Array.from(d).join('');

function binom(n: number, k: number): number {
  let r = 1;
  for (let i = 0; i < k; i++) r = (r * (n - i)) / (i + 1);
  return r;
}

test('enumeratePatterns: cell count 2Σ_{k<r}C(n−1,k) in general position, and covers dense sampling', () => {
  const R = rng(41);
  for (const [n, d] of [
    [5, 1],
    [8, 1],
    [6, 2],
    [8, 2],
    [7, 3],
  ] as const) {
    const X = mkMat(
      n,
      d,
      Array.from({ length: n * d }, () => gauss(R)),
    );
    const Xt = appendOnes(X);
    const r = d + 1;
    const en = enumeratePatterns(Xt, 1e6);
    assert.ok(en.complete);
    let cells = 0;
    for (let k = 0; k < r; k++) cells += 2 * binom(n - 1, k);
    // the null-direction construction may add patterns of lower-dimensional cells; the full cells must all be there
    const enumerated = new Set(en.patterns.map(key));
    const sampled = samplePatterns(Xt, 20000, 7);
    for (const s of sampled) assert.ok(enumerated.has(key(s)), `n=${n}, d=${d}: sampled pattern ${key(s)} not enumerated`);
    assert.ok(en.patterns.length >= cells, `n=${n}, d=${d}: ${en.patterns.length} < ${cells} cells`);
    if (d === 1) assert.equal(new Set(sampled.map(key)).size, cells, 'dense sampling should find every cell in 2-D');
  }
});

test('enumeratePatterns: over budget ⇒ complete = false and at most budget patterns', () => {
  const R = rng(42);
  const X = mkMat(
    20,
    2,
    Array.from({ length: 40 }, () => gauss(R)),
  );
  const en = enumeratePatterns(appendOnes(X), 50);
  assert.equal(en.complete, false);
  assert.ok(en.patterns.length <= 50);
});

test('samplePatterns: distinct, the requested count when that many cells exist, reproducible by seed', () => {
  const R = rng(43);
  const X = appendOnes(
    mkMat(
      30,
      3,
      Array.from({ length: 90 }, () => gauss(R)),
    ),
  );
  const a = samplePatterns(X, 100, 5),
    b = samplePatterns(X, 100, 5);
  assert.equal(a.length, 100);
  assert.equal(new Set(a.map(key)).size, 100);
  assert.deepEqual(a.map(key), b.map(key));
});

test('ownPatterns: a neuron with its kink on a data point yields both sides; duplicates merged', () => {
  const X = mkMat(4, 1, [-1, 0, 1, 2]);
  // neuron 0: relu(x − 1) (kink exactly at x = 1); neuron 1: same direction scaled; neuron 2: relu(−x) + tiny float32-like noise
  const W1 = mkMat(3, 1, [1, 2, -1]);
  const b1 = Float64Array.of(-1, -2, 1e-9);
  const W2 = mkMat(1, 3, [1, 0.5, 1]);
  const pats = ownPatterns({ W1, b1, W2, b2: null }, X, { hiddenBias: 'decayed', outputBias: 'none' });
  const keys = new Set(pats.map(key));
  assert.ok(keys.has('0001') && keys.has('0011'), `both sides of the tie at x = 1: ${[...keys]}`);
  // neuron 2: −x + 1e-9 vanishes at x = 0 within OWN_TIE_TOL
  assert.ok(1e-9 <= OWN_TIE_TOL * Math.SQRT2 * Math.hypot(1, 1e-9));
  assert.ok(keys.has('1100') && keys.has('1000'), `both sides of the near-tie at x = 0: ${[...keys]}`);
  assert.equal(pats.length, keys.size, 'deduplicated');
  assert.equal(pats.length, 4);
});
