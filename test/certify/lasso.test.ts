import { test } from 'node:test';
import assert from 'node:assert/strict';
import { solveLasso, lassoNetwork } from '../../src/core/certify/lasso';
import { featureActivation } from '../../src/core/problem/features';
import type { OutputBiasMode } from '../../src/core/problem/network';
import { mat, rng, refObjective, relClose } from './helpers';

function problem(seed: number, n: number, d: number, K: number, c: number, withBias: boolean) {
  const r = rng(seed);
  const X = mat(n, d, () => r.normal());
  const Y = mat(n, c, () => r.normal() + 0.5);
  const dirs: Float64Array[] = [];
  for (let k = 0; k < K; k++) {
    const v = Float64Array.from({ length: withBias ? d + 1 : d }, () => r.normal());
    const nn = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
    dirs.push(v.map((x) => x / nn));
  }
  const A = dirs.map((v) => featureActivation(X, v, withBias ? 'decayed' : 'none'));
  return { X, Y, dirs, A };
}

/** KKT of the group lasso, checked from scratch (residual recomputed here). */
function kkt(
  A: Float64Array[],
  Y: { rows: number; cols: number; data: Float64Array },
  Z: Float64Array[],
  b2: Float64Array,
  beta: number,
  offset: OutputBiasMode,
) {
  const n = Y.rows,
    c = Y.cols;
  const R = new Float64Array(Y.data);
  A.forEach((a, k) => {
    for (let i = 0; i < n; i++) for (let j = 0; j < c; j++) R[i * c + j] -= a[i] * Z[k][j];
  });
  if (offset !== 'none') for (let i = 0; i < n; i++) for (let j = 0; j < c; j++) R[i * c + j] -= b2[j];
  let worst = 0;
  A.forEach((a, k) => {
    const g = new Float64Array(c);
    for (let i = 0; i < n; i++) for (let j = 0; j < c; j++) g[j] += a[i] * R[i * c + j];
    const nz = Math.hypot(...Z[k]);
    const ng = Math.hypot(...g);
    if (nz > 0) {
      // a_kᵀr = β z_k/‖z_k‖
      let e = 0;
      for (let j = 0; j < c; j++) e += (g[j] - (beta * Z[k][j]) / nz) ** 2;
      worst = Math.max(worst, Math.sqrt(e) / beta);
    } else worst = Math.max(worst, (ng - beta) / beta);
  });
  if (offset !== 'none') {
    for (let j = 0; j < c; j++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += R[i * c + j];
      worst = Math.max(worst, Math.abs(s - (offset === 'decayed' ? beta * b2[j] : 0)) / beta);
    }
  }
  let obj = 0;
  for (const v of R) obj += v * v;
  obj *= 0.5;
  for (const z of Z) obj += beta * Math.hypot(...z);
  if (offset === 'decayed') obj += 0.5 * beta * b2.reduce((s, v) => s + v * v, 0);
  return { worst, obj };
}

for (const c of [1, 3])
  for (const offset of ['none', 'free', 'decayed'] as OutputBiasMode[])
    test(`lasso: KKT hold to ~1e-9 (c=${c}, offset ${offset})`, () => {
      for (let seed = 1; seed <= 4; seed++) {
        const { Y, A } = problem(100 * seed + c, 25, 3, 12, c, true);
        for (const beta of [0.1, 1, 5]) {
          const res = solveLasso(A, Y, beta, offset);
          assert.ok(res.converged, `converged (gap ${res.relGap})`);
          const k = kkt(A, Y, res.Z, res.b2, beta, offset);
          assert.ok(k.worst < 1e-10, `KKT violation ${k.worst} (seed ${seed}, β ${beta})`);
          assert.ok(relClose(k.obj, res.objective, 1e-12), `objective ${k.obj} vs ${res.objective}`);
          assert.ok(res.restrictedDual <= res.objective * (1 + 1e-14) + 1e-300);
          assert.ok(res.relGap <= 1e-12);
        }
      }
    });

test('lasso: nearly duplicate and exactly duplicate features still converge', () => {
  const { Y, A } = problem(7, 20, 2, 6, 1, true);
  const A2 = [...A, A[0], A[1].map((v) => v * (1 + 1e-9))];
  const res = solveLasso(A2, Y, 0.3, 'free');
  const k = kkt(A2, Y, res.Z, res.b2, 0.3, 'free');
  assert.ok(k.worst < 1e-7, `KKT ${k.worst}`);
  const ref = solveLasso(A, Y, 0.3, 'free');
  assert.ok(relClose(res.objective, ref.objective, 1e-10) || res.objective < ref.objective);
});

test('lasso: β above max‖a_kᵀY‖ gives z = 0', () => {
  const { Y, A } = problem(9, 15, 2, 5, 2, false);
  const res = solveLasso(A, Y, 1e6, 'none');
  assert.ok(res.Z.every((z) => z.every((v) => v === 0)));
  assert.ok(relClose(res.objective, 0.5 * Y.data.reduce((s, v) => s + v * v, 0), 1e-14));
});

for (const offset of ['none', 'free', 'decayed'] as OutputBiasMode[])
  for (const hb of ['decayed', 'none'] as const)
    test(`lasso solution IS a network: forward() objective equals the lasso objective (hidden ${hb}, output ${offset})`, () => {
      const withBias = hb === 'decayed';
      const { X, Y, A, dirs } = problem(31, 18, 2, 8, 2, withBias);
      const res = solveLasso(A, Y, 0.5, offset);
      const net = lassoNetwork(dirs, res.Z, res.b2, 2, { hiddenBias: hb, outputBias: offset });
      const obj = refObjective(net, X, Y, 0.5, withBias, offset === 'decayed');
      assert.ok(relClose(obj, res.objective, 1e-12), `${obj} vs ${res.objective}`);
      // balanced: ‖ũ_j‖ = ‖v_j‖
      for (let j = 0; j < net.W1.rows; j++) {
        let a = net.W1.data[2 * j] ** 2 + net.W1.data[2 * j + 1] ** 2;
        if (withBias) a += net.b1![j] ** 2;
        let b = 0;
        for (let q = 0; q < 2; q++) b += net.W2.data[q * net.W1.rows + j] ** 2;
        assert.ok(relClose(a, b, 1e-12));
      }
    });

test('lasso network with free hidden bias: the free offset becomes a (nearly free) constant neuron', () => {
  const r = rng(5);
  const X = mat(12, 1, () => r.normal());
  const Y = mat(12, 1, () => r.normal() + 3);
  const dirs = [Float64Array.of(1, 0.2), Float64Array.of(-1, 0.5)];
  const A = dirs.map((v) => featureActivation(X, v, 'free'));
  const res = solveLasso(A, Y, 0.4, 'free');
  for (const ob of ['none', 'decayed'] as OutputBiasMode[]) {
    const net = lassoNetwork(dirs, res.Z, res.b2, 1, { hiddenBias: 'free', outputBias: ob });
    const obj = refObjective(net, X, Y, 0.4, false, ob === 'decayed');
    assert.ok(relClose(obj, res.objective, 1e-10), `${ob}: ${obj} vs ${res.objective}`);
  }
});

test('lasso: ill-conditioned regime (more active groups than samples, small β, c = 1 and 2) converges', () => {
  for (const c of [1, 2])
    for (const beta of [0.03, 1e-3]) {
      const { Y, A } = problem(500 + c, 15, 2, 40, c, true);
      const res = solveLasso(A, Y, beta, 'decayed');
      const k = kkt(A, Y, res.Z, res.b2, beta, 'decayed');
      assert.ok(k.worst < 1e-8, `c=${c} β=${beta}: KKT ${k.worst}`);
      // work, not wall-clock: the solver stops on its own criterion, far inside its caps (these
      // instances take ≤ 35 sweeps and ≤ 150 Newton steps; a stalling regime runs into the thousands)
      assert.ok(res.converged, `c=${c} β=${beta}: not converged (relGap ${res.relGap})`);
      assert.ok(res.sweeps <= 500 && res.newtonSteps <= 2000, `c=${c} β=${beta}: ${res.sweeps} sweeps, ${res.newtonSteps} Newton steps`);
    }
});
