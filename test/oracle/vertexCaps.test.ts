/**
 * The cells' caps of the exact-vertex enumeration (vertexEnum.ts cellCaps / PatternSet.capBound): a
 * circular cone around each pattern's cell K_D = {u : (2D − I)X̂u ≥ 0} bounds max_{u∈K_D,‖u‖≤1} ±gᵀu
 * at O(r). Checked against K_D's extreme rays found independently (every (r − 1)-subset of rows, its
 * null direction by cofactors, kept when it satisfies all of D's constraints): every point of K_D is
 * a conic combination of them, so the bound must be ≥ |gᵀw| for each unit ray w and each g, and
 * with g = w itself (the tightest case: the ray on the cap's rim) ≥ 1.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PatternSet } from '../../src/core/oracle/vertexEnum';
import { gauss, rng } from '../reference/small';

/** det of a k×k matrix (rows), Gaussian elimination with partial pivoting */
function det(a: number[][]): number {
  const m = a.map((row) => row.slice());
  const k = m.length;
  let d = 1;
  for (let c = 0; c < k; c++) {
    let piv = c;
    for (let i = c + 1; i < k; i++) if (Math.abs(m[i][c]) > Math.abs(m[piv][c])) piv = i;
    if (m[piv][c] === 0) return 0;
    if (piv !== c) {
      [m[piv], m[c]] = [m[c], m[piv]];
      d = -d;
    }
    d *= m[c][c];
    for (let i = c + 1; i < k; i++) {
      const f = m[i][c] / m[c][c];
      for (let j = c; j < k; j++) m[i][j] -= f * m[c][j];
    }
  }
  return d;
}

/** the unit null direction of r − 1 rows in R^r by cofactors (generalized cross product), or null if dependent */
function nullByCofactors(rows: number[][], r: number): number[] | null {
  const w = Array.from({ length: r }, (_, q) => (q % 2 === 0 ? 1 : -1) * det(rows.map((row) => row.filter((_, j) => j !== q))));
  const nn = Math.hypot(...w);
  const scale = rows.reduce((s, row) => s * Math.hypot(...row), 1);
  return nn > 1e-9 * scale ? w.map((x) => x / nn) : null;
}

function subsets(m: number, k: number): number[][] {
  const out: number[][] = [];
  const rec = (start: number, acc: number[]) => {
    if (acc.length === k) out.push(acc.slice());
    else for (let j = start; j < m; j++) rec(j + 1, [...acc, j]);
  };
  rec(0, []);
  return out;
}

function randomRows(seed: number, n: number, r: number): Float64Array {
  const R = rng(seed);
  return Float64Array.from({ length: n * r }, (_, i) => (i % r === r - 1 && seed % 2 === 0 ? 1 : gauss(R)));
}

test("each cell's cap bound is at least |gᵀw| at every extreme ray w of the cell (independent rays by cofactors), ranks 5–7", () => {
  let checked = 0,
    random = 0,
    tighter = 0;
  for (let s = 0; s < 9; s++) {
    const r = 5 + (s % 3),
      n = r + 2 + (s % 3);
    const X = randomRows(7100 + s, n, r);
    const ps = PatternSet.build(X, n, r, 1e9);
    const rows = Array.from({ length: n }, (_, i) => Array.from(X.subarray(i * r, i * r + r)));
    const rays: number[][] = [];
    for (const sub of subsets(n, r - 1)) {
      const w = nullByCofactors(
        sub.map((j) => rows[j]),
        r,
      );
      if (w)
        rays.push(
          w,
          w.map((x) => -x),
        );
    }
    const R = rng(7200 + s);
    for (let p = 0; p < ps.count; p++) {
      const sign = (j: number) => (ps.bits[p * n + j] ? 1 : -1);
      // the rays of K_D (a tolerance far above the cofactors' rounding, far below any real row's margin)
      const mine = rays.filter((w) => rows.every((x, j) => sign(j) * x.reduce((s2, v, q) => s2 + v * w[q], 0) >= -1e-9));
      const gs = [...mine, ...Array.from({ length: 3 }, () => Array.from({ length: r }, () => gauss(R)))];
      for (const [i, g] of gs.entries()) {
        const gn = Math.hypot(...g);
        const b = ps.capBound(p, Float64Array.from(g), 0, gn);
        const need = Math.max(...mine.map((w) => Math.abs(w.reduce((s2, v, q) => s2 + v * g[q], 0))), 0);
        assert.ok(b >= need * (1 - 1e-12), `seed ${7100 + s}, pattern ${p}: cap bound ${b} < |gᵀw| = ${need}`);
        checked++;
        if (i < mine.length) continue;
        random++;
        if (b < 0.9 * gn) tighter++;
      }
    }
  }
  // the caps are not vacuous: for random g, many bounds well under ‖g‖ (the bound they replace)
  assert.ok(checked > 10_000 && tighter > random / 10, `caps tighter than 0.9‖g‖ for only ${tighter} of ${random} random g (${checked} checks)`);
});

test('no caps when a subset of rows is dependent (duplicate rows): a vertex may be missing, the bound is Infinity', () => {
  const r = 5,
    n = 9;
  const X = randomRows(7301, n, r);
  X.copyWithin(3 * r, 2 * r, 3 * r);
  const ps = PatternSet.build(X, n, r, 1e9);
  const g = Float64Array.from({ length: r }, (_, q) => q + 1);
  for (let p = 0; p < ps.count; p++) assert.equal(ps.capBound(p, g, 0, Math.hypot(...g)), Infinity);
});
