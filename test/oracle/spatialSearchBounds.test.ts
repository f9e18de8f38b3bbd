/**
 * The spatial search's difference-of-convex vertex bound (dcVertexBound in src/core/oracle/spatialSearch.ts)
 * against independent references, box by box: it must be at least f_l(u) = Σ_i l_i(x_iᵀu)_+ at every
 * direction of its box (sampled points, the box's vertices, and the all-patterns brute-force argmax when the
 * box is placed around it), and exact as the box shrinks to a point. Then the whole search, which uses it
 * at every node, against the brute-force M under thresholds just below M (where an unsound box bound
 * would prune the argmax away).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dcVertexBound, spatialSearch } from '../../src/core/oracle/spatialSearch';
import { bruteOracleAnyRank } from '../reference/bruteOracleAnyRank';
import { gauss, rng } from '../reference/small';
import type { Mat } from '../../src/core/linalg/mat';
import { type Box, boxAround, boxPointsMax, randomBox, randomInstance } from './instances';

/** f_l(u) with plain arithmetic (u need not be unit: divided by ‖u‖) */
function fl(X: Mat, l: ArrayLike<number>, u: ArrayLike<number>): number {
  const r = X.cols;
  let s = 0,
    nu = 0;
  for (let q = 0; q < r; q++) nu += u[q] * u[q];
  for (let i = 0; i < X.rows; i++) {
    let z = 0;
    for (let q = 0; q < r; q++) z += X.data[i * r + q] * u[q];
    if (z > 0) s += l[i] * z;
  }
  return s / Math.sqrt(nu);
}

/**
 * The bound with the samples split as the search splits them: on throughout the box (into Gon), off (dropped),
 * the rest as rows; or (`allRows`) every sample a row, which the bound must also survive.
 */
function boundOn(X: Mat, l: Float64Array, box: Box, allRows: boolean): number {
  const r = X.cols;
  const Gon = new Float64Array(r),
    rows: number[] = [],
    lr: number[] = [],
    tc: number[] = [];
  for (let i = 0; i < X.rows; i++) {
    let z = 0,
      rho = 0;
    for (let q = 0; q < r; q++) {
      const x = X.data[i * r + q];
      z += x * ((box.lo[q] + box.hi[q]) / 2);
      rho += (Math.abs(x) * (box.hi[q] - box.lo[q])) / 2;
    }
    if (!allRows && z - rho > 1e-9) for (let q = 0; q < r; q++) Gon[q] += l[i] * X.data[i * r + q];
    else if (allRows || z + rho >= -1e-9) {
      rows.push(i);
      lr.push(l[i]);
      tc.push(z);
    }
  }
  return dcVertexBound(X.data, r, box, rows, lr, tc, Gon).bound;
}

test('dcVertexBound is at least f_l over its box: 600 instances, ranks 3–7, c = 1 and c = 3 (f_l along an output direction)', () => {
  let checks = 0,
    finite = 0;
  for (let s = 0; s < 600; s++) {
    const R = rng(7000 + s);
    const ones = s % 3 !== 0,
      d = 2 + (s % 5) + (ones ? 0 : 1),
      c = s % 2 ? 3 : 1,
      n = 6 + (s % 5);
    const { X, L } = randomInstance(7000 + s, n, d, c, ones, s % 11 === 5);
    const r = X.cols;
    // l = Λy for a random unit y (c = 3), the scalar Λ itself (c = 1)
    const y = Array.from({ length: c }, () => gauss(R));
    const ny = Math.hypot(...y);
    const l = Float64Array.from({ length: n }, (_, i) => y.reduce((a, yq, q) => a + (L.data[i * c + q] * yq) / ny, 0));
    const ref = bruteOracleAnyRank(X, l);
    if (fl(X, l, ref.u) < 0) l.forEach((v, i) => (l[i] = -v));
    const boxes: Box[] = [randomBox(R, r), randomBox(R, r), boxAround(ref.u, [0.3, 0.03, 1e-4][s % 3])];
    for (const [b, box] of boxes.entries()) {
      for (const allRows of [false, true]) {
        const B = boundOn(X, l, box, allRows);
        if (B === Infinity) continue;
        finite++;
        const low = Math.max(
          boxPointsMax(box, R, (w) => fl(X, l, w)),
          b === 2 ? ref.attained : -Infinity,
        );
        const ctx = `seed ${7000 + s}, r ${r}, c ${c}, box ${b} (face ${box.k}, ${Array.from(box.lo).map((v, q) => `[${v.toFixed(3)}, ${box.hi[q].toFixed(3)}]`)}), allRows ${allRows}: bound ${B} < ${low}`;
        assert.ok(B >= low - 1e-12 * Math.max(1, Math.abs(low)), `UNSOUND ${ctx}`);
        checks++;
      }
    }
  }
  // the boxes with a vertex whose centre product ĉᵀv < ½ give Infinity; most do not
  assert.ok(finite >= 2400, `${finite} finite bounds`);
  assert.ok(checks >= 2400, `${checks} checks`);
});

test('dcVertexBound is exact as its box shrinks to a direction', () => {
  for (let s = 0; s < 60; s++) {
    const R = rng(8000 + s);
    const { X, L } = randomInstance(8000 + s, 10, 3 + (s % 4), 1, true);
    const u = Array.from({ length: X.cols }, () => gauss(R));
    const box = boxAround(u, 1e-9);
    const B = boundOn(X, L.data, box, false);
    const v = fl(X, L.data, u);
    assert.ok(Math.abs(B - Math.max(0, v)) <= 1e-6 * (1 + Math.abs(v)), `seed ${8000 + s}: bound ${B} at a point where f = ${v}`);
  }
});

test('the search with these bounds stays sound under thresholds just below M (c = 1, ranks 3–7)', () => {
  for (let s = 0; s < 60; s++) {
    const ones = s % 2 === 0,
      d = 2 + (s % 5) + (ones ? 0 : 1),
      n = 8 + (s % 3);
    const { X, L } = randomInstance(9000 + s, n, d, 1, ones);
    const M = bruteOracleAnyRank(X, L.data).value;
    for (const f of [0.9, 0.999])
      for (const budget of [50, 500, 3000]) {
        const gs = spatialSearch(X.data, n, X.cols, L.data, 1, { nodeBudget: budget, stopBelow: f * M });
        assert.ok(gs.upper >= M * (1 - 1e-12), `UNSOUND seed ${9000 + s}, r ${X.cols}, budget ${budget}, threshold ${f}·M: ${gs.upper} < ${M}`);
      }
  }
});
