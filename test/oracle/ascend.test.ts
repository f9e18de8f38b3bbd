/**
 * The scalar fixed-pattern ascent (bounds.ts ascend, c = 1: one pass over the rows per step) against
 * the three-pass loop it replaces, written out here: the same directions offered, the same values,
 * bit for bit, on random data with zero λ entries, duplicated rows and rows on a kink.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ascend, BestTracker } from '../../src/core/oracle/bounds';
import { evalVec, normalize } from '../../src/core/oracle/common';
import type { Mat } from '../../src/core/linalg/mat';
import { rng } from '../certify/helpers';

/** The three-pass ascent: gradient, evaluation at the new u, and the tracker's own evaluation. */
function referenceAscend(X: Mat, Lambda: Mat, u0: Float64Array, sign0: number, tracker: BestTracker, iters = 30): void {
  const n = X.rows,
    d = X.cols;
  let u = Float64Array.from(u0);
  let o = sign0;
  let prev = -1;
  const g = new Float64Array(d);
  const v = new Float64Array(1);
  for (let it = 0; it < iters; it++) {
    g.fill(0);
    for (let i = 0; i < n; i++) {
      let z = 0;
      for (let k = 0; k < d; k++) z += X.data[i * d + k] * u[k];
      if (z > 0) {
        let w = 0;
        w += Lambda.data[i] * o;
        if (w !== 0) for (let k = 0; k < d; k++) g[k] += w * X.data[i * d + k];
      }
    }
    if (normalize(g) === 0) return;
    u = Float64Array.from(g);
    evalVec(X, Lambda, u, 0, v);
    const val = Math.abs(v[0]);
    o = v[0] < 0 ? -1 : 1;
    tracker.offer(u);
    if (val <= prev * (1 + 1e-15)) return;
    prev = val;
  }
}

/** Every offer the tracker sees, in order. */
function recording(X: Mat, L: Mat): { tracker: BestTracker; seen: number[][] } {
  const tracker = new BestTracker(X, L);
  const seen: number[][] = [];
  const offer = tracker.offer.bind(tracker);
  tracker.offer = (u, atU) => {
    const val = offer(u, atU);
    seen.push([val, ...Array.from(u)]);
    return val;
  };
  return { tracker, seen };
}

test('scalar ascent: the one-pass steps offer what the three-pass loop offers, bit for bit', () => {
  const r = rng(99173);
  let steps = 0;
  for (let trial = 0; trial < 60; trial++) {
    const n = 5 + Math.floor(r.u() * 200),
      d = 1 + (trial % 4);
    const X: Mat = { rows: n, cols: d, data: Float64Array.from({ length: n * d }, () => (trial % 5 === 0 ? Math.round(4 * r.normal()) : r.normal())) };
    // duplicated rows and zero multipliers
    for (let i = 1; i < n; i += 7) X.data.copyWithin(i * d, (i - 1) * d, i * d);
    const L: Mat = { rows: n, cols: 1, data: Float64Array.from({ length: n }, (_, i) => (i % 5 === 0 ? 0 : r.normal())) };
    const u0 = Float64Array.from({ length: d }, () => r.normal());
    normalize(u0);
    for (const sign of [1, -1]) {
      const a = recording(X, L);
      const b = recording(X, L);
      ascend(X, L, u0, Float64Array.of(sign), a.tracker);
      referenceAscend(X, L, u0, sign, b.tracker);
      assert.deepEqual(a.seen, b.seen, `trial ${trial}, sign ${sign}`);
      assert.deepEqual(Array.from(a.tracker.best.u), Array.from(b.tracker.best.u));
      assert.equal(a.tracker.best.value, b.tracker.best.value);
      steps += b.seen.length;
    }
  }
  assert.ok(steps > 200, `${steps} ascent steps compared`);
});
