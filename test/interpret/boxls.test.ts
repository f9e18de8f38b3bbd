/**
 * The cone projection / box least squares (src/core/interpret/boxls.ts) against brute force:
 * - Π_K(g) for K = {w : Aw ≥ 0} by enumerating every face (every subset S of rows held at
 *   equality, g projected onto null(A_S), kept if feasible) and taking the nearest feasible point;
 * - the box-bounded variant against its primal: max over the unit circle ∩ K' of the concave model
 *   ψ(w) = ⟨g,w⟩ + Σ_k c-terms, by dense sampling of the circle.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pseudoInverse, Matrix } from 'ml-matrix';
import { boxLeastSquares } from '../../src/core/interpret/boxls';
import { rng } from '../certify/helpers';

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((s, x, i) => s + x * b[i], 0);
const nrm = (a: ArrayLike<number>) => Math.sqrt(dot(a, a));

/** Π_K(g) by face enumeration (independent of the NNLS). */
function bruteProject(A: number[][], g: number[]): number[] {
  const p = A.length,
    q = g.length;
  let best: number[] | null = null;
  let bestD = Infinity;
  for (let mask = 0; mask < 1 << p; mask++) {
    const S = A.filter((_, i) => mask & (1 << i));
    let w = g.slice();
    if (S.length) {
      // w = (I − A_S⁺A_S) g
      const As = new Matrix(S);
      const P = pseudoInverse(As).mmul(As);
      w = g.map((_, r) => g[r] - P.getRow(r).reduce((s, x, k) => s + x * g[k], 0));
    }
    if (A.some((a) => dot(a, w) < -1e-10 * (1 + nrm(a) * nrm(g)))) continue;
    const dist = nrm(w.map((x, k) => x - g[k]));
    if (dist < bestD) [bestD, best] = [dist, w];
  }
  void q;
  return best!;
}

test('NNLS projection onto a polyhedral cone equals the face-enumeration projection', () => {
  const r = rng(7);
  let nontrivial = 0;
  for (let trial = 0; trial < 300; trial++) {
    const q = 2 + (trial % 3); // 2..4
    const p = 3 + (trial % 4); // 3..6
    const A = Array.from({ length: p }, () => Array.from({ length: q }, () => r.normal()));
    if (trial % 5 === 0) A.push(A[0].map((x) => 2 * x)); // a duplicated (parallel) row
    const g = Array.from({ length: q }, () => r.normal());
    const res = boxLeastSquares({
      g: Float64Array.from(g),
      cols: A.map((a) => Float64Array.from(a)),
      lo: new Float64Array(A.length),
      hi: new Float64Array(A.length).fill(Infinity),
    });
    assert.ok(res.converged, `trial ${trial} converged`);
    assert.ok(res.mu.every((x) => x >= 0));
    const ref = bruteProject(A, g);
    const err = nrm(ref.map((x, k) => x - res.z[k]));
    assert.ok(err <= 1e-9 * (1 + nrm(g)), `trial ${trial}: |Π − z| = ${err}`);
    if (nrm(ref.map((x, k) => x - g[k])) > 1e-6) nontrivial++;
  }
  assert.ok(nontrivial > 100, `enough cases where g ∉ K (${nontrivial})`);
});

test('box-bounded multipliers: ‖z*‖ and z*/‖z*‖ are the max and argmax of the concave model on the circle', () => {
  const r = rng(11);
  let checked = 0;
  for (let trial = 0; trial < 60; trial++) {
    const q = 2;
    const cone = Array.from({ length: 2 }, () => [r.normal(), r.normal()]);
    const kinks = Array.from({ length: 2 }, () => [r.normal(), r.normal()]);
    const lam = kinks.map(() => r.normal());
    const g = [r.normal(), r.normal()];
    const res = boxLeastSquares({
      g: Float64Array.from(g),
      cols: [...cone, ...kinks].map((a) => Float64Array.from(a)),
      lo: Float64Array.from([0, 0, ...lam.map((l) => Math.min(0, l))]),
      hi: Float64Array.from([Infinity, Infinity, ...lam.map((l) => Math.max(0, l))]),
    });
    assert.ok(res.converged);
    // primal: max over unit w with cone rows ≥ 0 of ⟨g,w⟩ + Σ_k (λ_k<0 ? λ_k t_+ : λ_k min(t,0)), t = f_kᵀw
    let best = -Infinity,
      arg = [0, 0],
      thBest = 0;
    const psi = (th: number) => {
      const w = [Math.cos(th), Math.sin(th)];
      if (cone.some((a) => dot(a, w) < 0)) return -Infinity;
      let v = dot(g, w);
      kinks.forEach((f, k) => {
        const t = dot(f, w);
        v += lam[k] < 0 ? lam[k] * Math.max(t, 0) : lam[k] * Math.min(t, 0);
      });
      return v;
    };
    const N = 4000;
    for (let s = 0; s < N; s++) {
      const th = (2 * Math.PI * s) / N;
      const v = psi(th);
      if (v > best) [best, thBest] = [v, th];
    }
    // zoom in around the maximum (ψ is concave on the feasible arc, so it is unimodal there)
    let h = (2 * Math.PI) / N;
    for (let round = 0; round < 5; round++) {
      const c0 = thBest;
      for (let s = -200; s <= 200; s++) {
        const th = c0 + (s / 200) * h;
        const v = psi(th);
        if (v > best) [best, thBest] = [v, th];
      }
      h /= 100;
    }
    arg = [Math.cos(thBest), Math.sin(thBest)];
    if (arg[0] === 0 && arg[1] === 0) arg = [Math.cos(thBest), Math.sin(thBest)];
    if (!(best > 1e-3)) continue; // the max over the ball is then 0 at w = 0: nothing to compare
    const zn = nrm(res.z);
    assert.ok(Math.abs(best - zn) <= 1e-9 * (1 + zn), `trial ${trial}: max ψ = ${best}, ‖z*‖ = ${zn}`);
    assert.ok(dot(arg, res.z) / zn >= 1 - 1e-6, `trial ${trial}: argmax direction`);
    checked++;
  }
  assert.ok(checked >= 20, `checked ${checked}`);
  void 0;
});

test('warm start changes nothing but speed; a tiny work budget reports not converged', () => {
  const r = rng(23);
  for (let trial = 0; trial < 30; trial++) {
    const q = 3 + (trial % 4),
      p = 40;
    const cols = Array.from({ length: p }, () => Float64Array.from({ length: q }, () => r.normal()));
    const g = Float64Array.from({ length: q }, () => r.normal());
    const lo = Float64Array.from({ length: p }, (_, i) => (i % 5 === 0 ? -Math.abs(r.normal()) : 0));
    const hi = Float64Array.from({ length: p }, (_, i) => (i % 5 === 0 ? 0 : Infinity));
    const cold = boxLeastSquares({ g, cols, lo, hi });
    const warmFree = Array.from({ length: 2 * q }, () => Math.floor(r.u() * p));
    const warm = boxLeastSquares({ g, cols, lo, hi }, { warmFree });
    assert.ok(cold.converged && warm.converged);
    assert.ok(nrm(Array.from(cold.z, (x, k) => x - warm.z[k])) < 1e-9 * (1 + nrm(g)), `trial ${trial}`);
    // KKT of the cold solution, checked directly: bounds and sign of the gradient bᵢᵀz
    cold.mu.forEach((m, i) => {
      assert.ok(m >= lo[i] - 1e-12 && m <= hi[i] + 1e-12);
      const w = dot(cols[i], cold.z);
      if (m > lo[i] + 1e-9 && m < hi[i] - 1e-9) assert.ok(Math.abs(w) < 1e-8);
      else if (m <= lo[i] + 1e-9 && lo[i] !== hi[i]) assert.ok(w >= -1e-8, `lower bound: ∂/∂μ ≥ 0 (${w})`);
    });
  }
  const cols = Array.from({ length: 50 }, () => Float64Array.from({ length: 5 }, () => r.normal()));
  const g = Float64Array.from({ length: 5 }, () => 3 * r.normal());
  const res = boxLeastSquares({ g, cols, lo: new Float64Array(50), hi: new Float64Array(50).fill(Infinity) }, { maxWork: 300 });
  assert.equal(res.converged, false);
});
