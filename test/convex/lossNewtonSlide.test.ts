/**
 * src/core/convex/lossNewton.ts — the two finishing steps of the classification optimum:
 *  - hingeKktPolish: the restricted hinge problem solved exactly from its optimality conditions —
 *    checked here with plain loops: the primal value of its (z, b) and the dual value of its p meet
 *    (p ∈ [0, 1], every feature's |Σ p_i y_i a_ik| ≤ β), and it is no worse than the smoothed solve;
 *  - slideNeurons: Newton on the training objective with the activation patterns held — the
 *    objective only goes down, and at the end every neuron is stationary: ‖Λᵀ(X̃ŵ)_+‖ = β for its unit
 *    direction ŵ (Λ = −∇ℓ), the condition that makes −∇ℓ(F) the optimal dual point.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hingeKktPolish, slideNeurons } from '../../src/core/convex/lossNewton';
import { solveLossLasso } from '../../src/core/losses';
import { irisLike, plainObjective, rng, smallProblem } from '../analysis/lossOptimumData';

function features(Xt: number[][], dirs: number[][]): Float64Array[] {
  return dirs.map((u) =>
    Float64Array.from(Xt, (x) =>
      Math.max(
        0,
        x.reduce((a, v, k) => a + v * u[k], 0),
      ),
    ),
  );
}

function unitDirs(p: number, K: number, seed: number): number[][] {
  const r = rng(seed);
  return Array.from({ length: K }, () => {
    const u = Array.from({ length: p }, () => r.g());
    const nu = Math.hypot(...u);
    return u.map((v) => v / nu);
  });
}

test('hingeKktPolish: the restricted hinge problem solved exactly (primal = dual to rounding, checked with plain loops)', () => {
  for (const seed of [1, 2, 3, 4]) {
    const pb = smallProblem(20, 2, 1, seed);
    const Xt = pb.X.map((x) => [...x, 1]);
    const A = features(Xt, unitDirs(3, 12, seed + 10));
    const y = Float64Array.from(pb.y, (v) => (v > 0 ? 1 : -1));
    const beta = 0.1;
    const Y = { rows: y.length, cols: 1, data: y };
    const sol = solveLossLasso(A, Y, beta, 'decayed', 'hinge', { hingeSmoothingRel: 1e-6 });
    const k = hingeKktPolish(A, y, beta, 'decayed', sol.Z, sol.b2[0], sol.mu);
    assert.ok(k, 'a solution');
    // plain-loop primal of (z, b) and dual of p
    const n = y.length;
    const f = Array.from({ length: n }, (_, i) => A.reduce((a, col, q) => a + col[i] * k!.Z[q][0], k!.b));
    const primal = f.reduce((a, fi, i) => a + Math.max(0, 1 - y[i] * fi), 0) + beta * k!.Z.reduce((a, z) => a + Math.abs(z[0]), 0) + 0.5 * beta * k!.b ** 2;
    assert.ok(k!.p.every((v) => v >= 0 && v <= 1));
    const worst = Math.max(...A.map((col) => Math.abs(col.reduce((a, v, i) => a + k!.p[i] * y[i] * v, 0))));
    assert.ok(worst <= beta * (1 + 1e-9), `restricted dual infeasible: ${worst} > β`);
    const sp = k!.p.reduce((a, v) => a + v, 0),
      syp = k!.p.reduce((a, v, i) => a + v * y[i], 0);
    const dual = sp - syp ** 2 / (2 * beta);
    assert.ok(dual <= primal * (1 + 1e-12), `weak duality: ${dual} > ${primal}`);
    assert.ok(primal - dual <= 1e-10 * primal, `seed ${seed}: restricted gap ${(primal - dual) / primal}`);
    assert.ok(primal <= sol.objective * (1 + 1e-12), `no worse than the smoothed solve (${primal} vs ${sol.objective})`);
  }
});

test('slideNeurons (cross-entropy, c = 3; logistic): the objective goes down and every neuron ends stationary', () => {
  for (const [loss, c] of [
    ['cross-entropy', 3],
    ['logistic', 1],
  ] as const) {
    const pb = smallProblem(24, 2, c, 7);
    const n = pb.X.length;
    const Xt = pb.X.map((x) => [...x, 1]);
    const XtM = { rows: n, cols: 3, data: Float64Array.from(Xt.flat()) };
    const Y = { rows: n, cols: c, data: new Float64Array(n * c) };
    pb.y.forEach((v, i) => {
      if (c === 1) Y.data[i] = v > 0 ? 1 : -1;
      else Y.data[i * c + v] = 1;
    });
    const beta = 0.05;
    const dirs = unitDirs(3, 10, 21);
    const A = features(Xt, dirs);
    const sol = solveLossLasso(A, Y, beta, 'decayed', loss);
    const start = dirs.map((u, k) => ({ w: Float64Array.from(u), z: sol.Z[k] })).filter((s) => s.z.some((v) => v !== 0));
    const res = slideNeurons(XtM, Y, loss, beta, 'decayed', start, sol.b2, 400);
    assert.ok(res, 'a result');
    assert.ok(res!.objective <= sol.objective * (1 + 1e-12), `${loss}: ${res!.objective} > ${sol.objective}`);
    // Λ = −∇ℓ(F) at the slid network, plain loops
    const F = Array.from({ length: n }, (_, i) => {
      const f = Array.from(res!.b);
      for (const nr of res!.neurons) {
        const a = Math.max(
          0,
          Xt[i].reduce((s, v, q) => s + v * nr.w[q], 0),
        );
        for (let k = 0; k < c; k++) f[k] += a * nr.z[k];
      }
      return f;
    });
    const L = F.map((f, i) => {
      if (c === 1) {
        const yy = Y.data[i];
        return [yy / (1 + Math.exp(yy * f[0]))];
      }
      const mx = Math.max(...f);
      const e = f.map((v) => Math.exp(v - mx));
      const s = e.reduce((a, v) => a + v, 0);
      return e.map((v, k) => (pb.y[i] === k ? 1 : 0) - v / s);
    });
    for (const nr of res!.neurons) {
      const wn = Math.hypot(...nr.w);
      if (!(wn > 1e-8 && Math.hypot(...nr.z) > 1e-8)) continue;
      const v = new Array(c).fill(0);
      Xt.forEach((x, i) => {
        const a = Math.max(
          0,
          x.reduce((s, xv, q) => s + (xv * nr.w[q]) / wn, 0),
        );
        for (let k = 0; k < c; k++) v[k] += L[i][k] * a;
      });
      assert.ok(Math.abs(Math.hypot(...v) - beta) <= 1e-6 * beta, `${loss}: a slid neuron is not stationary: ‖Λᵀ(X̃ŵ)_+‖/β = ${Math.hypot(...v) / beta}`);
    }
  }
});

test('slideNeurons on iris-like data (n = 150, d = 4, c = 3): the reported P is the true P of the returned weights, it only goes down, and the step budget alone decides the result', () => {
  const pb = irisLike(7);
  const n = pb.X.length,
    c = 3,
    beta = 0.05 * Math.sqrt(n);
  const Xt = pb.X.map((x) => [...x, 1]);
  const XtM = { rows: n, cols: 5, data: Float64Array.from(Xt.flat()) };
  const Y = { rows: n, cols: c, data: new Float64Array(n * c) };
  pb.y.forEach((v, i) => (Y.data[i * c + v] = 1));
  const dirs = unitDirs(5, 8, 31);
  const sol = solveLossLasso(features(Xt, dirs), Y, beta, 'decayed', 'cross-entropy');
  const start = dirs.map((u, k) => ({ w: Float64Array.from(u), z: sol.Z[k] })).filter((s) => s.z.some((v) => v !== 0));
  const res = slideNeurons(XtM, Y, 'cross-entropy', beta, 'decayed', start, sol.b2, 60);
  assert.ok(res && res.steps > 0, 'the slide moved');
  assert.ok(res!.objective <= sol.objective * (1 + 1e-12), `${res!.objective} > ${sol.objective}`);
  // P recomputed with plain loops from the returned weights (ReLU patterns re-read from them: a step
  // that moved samples across their kinks must have moved them in its own bookkeeping too)
  const net = {
    W1: res!.neurons.map((nr) => Array.from(nr.w.subarray(0, 4))),
    b1: res!.neurons.map((nr) => nr.w[4]),
    W2: Array.from({ length: c }, (_, j) => res!.neurons.map((nr) => nr.z[j])),
    b2: Array.from(res!.b),
  };
  const P = plainObjective(net, pb, beta, 'cross-entropy');
  assert.ok(Math.abs(P - res!.objective) <= 1e-9 * P, `reported ${res!.objective}, plain loops ${P}`);
  // work budget, not the clock: the same inputs give the same numbers; a spent safety deadline is reported
  const again = slideNeurons(XtM, Y, 'cross-entropy', beta, 'decayed', start, sol.b2, 60);
  assert.equal(again!.objective, res!.objective);
  assert.equal(again!.steps, res!.steps);
  const short = slideNeurons(XtM, Y, 'cross-entropy', beta, 'decayed', start, sol.b2, 3);
  assert.ok(short!.steps <= 3 && (short!.stoppedBy === 'step-budget' || short!.stoppedBy === 'converged' || short!.stoppedBy === 'stalled'));
  const late = slideNeurons(XtM, Y, 'cross-entropy', beta, 'decayed', start, sol.b2, 60, performance.now() - 1);
  assert.equal(late!.stoppedBy, 'safety-limit');
  assert.equal(late!.steps, 0);
});
