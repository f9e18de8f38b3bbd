/**
 * interpretNeurons (MATH.md §6) at networks whose optimality is known independently:
 * - the whitened closed form of MATH.md §5 ([EP] Thm 9): optimal neurons Xᵀy±/‖y±‖ and λ* known exactly;
 * - a 1-D problem solved by column generation and certified by certifyNetwork to a tiny gap;
 * and at networks that are not optimal (random weights).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { interpretNeurons } from '../../src/core/interpret';
import { certifyNetwork } from '../../src/core/certify';
import type { CertifySettings } from '../../src/core/certify/types';
import type { NetworkWeights } from '../../src/core/problem/network';
import type { Mat } from '../../src/core/linalg/mat';
import { mat, rng } from '../certify/helpers';

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((s, x, i) => s + x * b[i], 0);
const nrm = (a: ArrayLike<number>) => Math.sqrt(dot(a, a));

/** n orthonormal rows in R^d (Gram–Schmidt of Gaussian rows). */
function orthonormalRows(n: number, d: number, seed: number): Mat {
  const r = rng(seed);
  const rows: number[][] = [];
  while (rows.length < n) {
    const v = Array.from({ length: d }, () => r.normal());
    for (let pass = 0; pass < 2; pass++)
      for (const q of rows) {
        const c = dot(q, v);
        for (let k = 0; k < d; k++) v[k] -= c * q[k];
      }
    const s = nrm(v);
    rows.push(v.map((x) => x / s));
  }
  return mat(n, d, (i, j) => rows[i][j]);
}

function whitenedCase() {
  const n = 6,
    d = 8;
  const X = orthonormalRows(n, d, 3);
  const y = [1.2, -0.7, 0.9, -1.5, 0.4, -0.2];
  const beta = 0.3;
  const yp = y.map((v) => Math.max(v, 0)),
    ym = y.map((v) => Math.max(-v, 0));
  const np = nrm(yp),
    nm = nrm(ym);
  const W1 = mat(2, d, (j, k) => {
    const yy = j === 0 ? yp : ym;
    const s = Math.sqrt((j === 0 ? np : nm) - beta) / (j === 0 ? np : nm);
    let acc = 0;
    for (let i = 0; i < n; i++) acc += X.data[i * d + k] * yy[i];
    return acc * s;
  });
  const W2 = mat(1, 2, (_, j) => (j === 0 ? 1 : -1) * Math.sqrt((j === 0 ? np : nm) - beta));
  const net: NetworkWeights = { W1, b1: null, W2, b2: null };
  return { X, Y: mat(n, 1, (i) => y[i]), y, beta, net, yp, ym, np, nm };
}

const none = { hiddenBias: 'none', outputBias: 'none' } as const;

test('whitened closed form: both optimal neurons are extreme points with the known representer coefficients', () => {
  const { X, Y, y, beta, net, yp, ym, np, nm } = whitenedCase();
  const out = interpretNeurons(net, X, Y, beta, none);
  assert.equal(out.length, 2);
  for (const [j, o] of out.entries()) {
    assert.ok(Math.abs(o.dualScore - 1) < 1e-12, `dualScore ${o.dualScore}`);
    assert.ok(o.alignment !== null && Math.abs(o.alignment - 1) < 1e-12, `alignment ${o.alignment}`);
    assert.equal(o.extremePoint, true);
    // (Xu)_+ ∝ y±: every other sample sits exactly on the kink (Xu = 0 there)
    const pos = y.map((v, i) => ((j === 0 ? v > 0 : v < 0) ? i : -1)).filter((i) => i >= 0);
    const rest = y.map((_, i) => i).filter((i) => !pos.includes(i));
    assert.equal(o.activeCount, pos.length);
    assert.deepEqual(o.kinkSamples, rest);
    // representer: u/‖u‖ = Σ_i (y±_i/‖y±‖) x_i, exactly the [EP] Thm 9 neuron
    const yy = j === 0 ? yp : ym,
      ny = j === 0 ? np : nm;
    assert.equal(o.autoencoder.samples.length, pos.length);
    for (const s of o.autoencoder.samples) assert.ok(Math.abs(s.coef - yy[s.index] / ny) < 1e-12, `coef ${s.index}`);
    assert.ok(o.autoencoder.residual < 1e-12);
    assert.equal(o.autoencoder.anchor, null);
    assert.equal(o.duplicateGroup, null);
  }
});

test('random networks: neurons are not extreme points', () => {
  const { X, Y, beta } = whitenedCase();
  const r = rng(5);
  let count = 0;
  for (let trial = 0; trial < 5; trial++) {
    const net: NetworkWeights = { W1: mat(4, 8, () => r.normal()), b1: null, W2: mat(1, 4, () => r.normal()), b2: null };
    for (const o of interpretNeurons(net, X, Y, beta, none)) {
      if (o.activeCount === 0) continue;
      count++;
      assert.equal(o.extremePoint, false);
      assert.ok(o.alignment === null || o.alignment < 0.999 || Math.abs(o.dualScore - 1) > 1e-3);
    }
  }
  assert.ok(count >= 10);
});

/** 1-D data, decayed biases: the optimum built and certified by column generation. */
function oneDimOptimum(hiddenBias: 'decayed' | 'free' = 'decayed') {
  const n = 12;
  const xs = Array.from({ length: n }, (_, i) => -2 + (4 * i) / (n - 1));
  const X = mat(n, 1, (i) => xs[i]);
  const Y = mat(n, 1, (i) => Math.sin(2 * xs[i]) + 0.3 * xs[i]);
  const beta = 0.05;
  const r = rng(9);
  const net0: NetworkWeights = {
    W1: mat(3, 1, () => r.normal()),
    b1: Float64Array.from([0.1, -0.2, 0.3]),
    W2: mat(1, 3, () => r.normal()),
    b2: Float64Array.of(0),
  };
  const settings: CertifySettings = {
    beta: { kind: 'direct', beta },
    hiddenBias,
    outputBias: hiddenBias === 'free' ? 'free' : 'decayed',
    tol: 1e-10,
    patternBudget: 1_000_000,
    maxIterations: 200,
    seed: 1,
  };
  const first = certifyNetwork(net0, X, Y, settings);
  assert.ok(first.witness, 'column generation produced a network');
  const opt: NetworkWeights = first.witness!;
  const cert = certifyNetwork(opt, X, Y, { ...settings, maxIterations: 0 });
  return { X, Y, beta, opt, cert, modes: { hiddenBias, outputBias: settings.outputBias } as const };
}

test('1-D optimum (decayed bias) certified by column generation: every live neuron is an extreme point', () => {
  const { X, Y, beta, opt, cert, modes } = oneDimOptimum('decayed');
  assert.ok(cert.relGap < 1e-8, `certified gap ${cert.relGap}`);
  const out = interpretNeurons(opt, X, Y, beta, modes);
  const live = out.filter((o) => o.activeCount > 0);
  assert.ok(live.length >= 2, `${live.length} live neurons`);
  for (const o of live) {
    assert.ok(Math.abs(o.dualScore - 1) < 1e-6, `neuron ${o.index}: dualScore ${o.dualScore}`);
    assert.ok(o.alignment !== null && o.alignment > 1 - 1e-8, `neuron ${o.index}: alignment ${o.alignment}`);
    assert.equal(o.extremePoint, true);
    // residual = √(1 − alignment²): √(2·1e-8) ≈ 1.4e-4 at worst
    assert.ok(o.autoencoder.residual < 2e-4, `residual ${o.autoencoder.residual}`);
    // reported samples are complete here (< 10): they reproduce [u; b]/‖[u; b]‖ = Σ α_i [x_i; 1]
    assert.ok(o.autoencoder.samples.length < 10);
    const u = opt.W1.data[o.index],
      b = opt.b1![o.index],
      s = Math.hypot(u, b);
    let su = 0,
      sb = 0;
    for (const smp of o.autoencoder.samples) {
      su += smp.coef * X.data[smp.index];
      sb += smp.coef;
    }
    assert.ok(Math.hypot(su - u / s, sb - b / s) < 2e-4, `neuron ${o.index} reproduced`);
  }
});

test('1-D optimum (free bias, [EP] Lemma 6): kinks on data points, u/|u| = Σ α_i (x_i − x_k), b = −x_k u', () => {
  const { X, Y, beta, opt, cert, modes } = oneDimOptimum('free');
  assert.ok(cert.relGap < 1e-8, `certified gap ${cert.relGap}`);
  const out = interpretNeurons(opt, X, Y, beta, modes);
  const live = out.filter((o) => o.activeCount > 0);
  assert.ok(live.length >= 3);
  for (const o of live) {
    assert.ok(Math.abs(o.dualScore - 1) < 1e-8, `neuron ${o.index}: dualScore ${o.dualScore}`);
    assert.equal(o.extremePoint, true);
    assert.ok(o.kinkSamples.length >= 1, `neuron ${o.index} has its kink on a data point`);
    const k = o.autoencoder.anchor!;
    assert.ok(o.kinkSamples.includes(k));
    const u = opt.W1.data[o.index],
      b = opt.b1![o.index];
    assert.ok(Math.abs(b + X.data[k] * u) <= 1e-9 * (Math.abs(b) + Math.abs(u)), 'b = −x_k u');
    assert.ok(o.autoencoder.samples.length < 10 && o.autoencoder.residual < 1e-9);
    let su = 0;
    for (const smp of o.autoencoder.samples) su += smp.coef * (X.data[smp.index] - X.data[k]);
    assert.ok(Math.abs(su - Math.sign(u)) < 1e-9, `neuron ${o.index} reproduced`);
  }
});

test('kink samples: a network whose kinks sit exactly on data points; a shifted bias has none', () => {
  const X = mat(8, 1, (i) => i); // 0..7, exact
  const Y = mat(8, 1, (i) => (i - 3) * 0.5);
  const net: NetworkWeights = { W1: mat(2, 1, (j) => (j === 0 ? 1 : -2)), b1: Float64Array.from([-3, 10]), W2: mat(1, 2, () => 0.5), b2: Float64Array.of(0) };
  const modes = { hiddenBias: 'decayed', outputBias: 'decayed' } as const;
  let out = interpretNeurons(net, X, Y, 0.1, modes);
  assert.deepEqual(out[0].kinkSamples, [3]);
  assert.deepEqual(out[1].kinkSamples, [5]);
  assert.equal(out[0].activeCount, 4); // 4..7 strictly
  // 2-D: the neuron's zero set passes through two samples
  const X2 = mat(
    4,
    2,
    (i, k) =>
      [
        [1, 2],
        [3, 4],
        [0, 0],
        [2, -1],
      ][i][k],
  );
  const net2: NetworkWeights = { W1: mat(1, 2, (_, k) => [1, -1][k]), b1: Float64Array.of(1), W2: mat(1, 1, () => 1), b2: null };
  out = interpretNeurons(
    net2,
    X2,
    mat(4, 1, () => 1),
    0.1,
    { hiddenBias: 'decayed', outputBias: 'none' },
  );
  assert.deepEqual(out[0].kinkSamples, [0, 1]);
  net2.b1![0] = 1 + 1e-3;
  out = interpretNeurons(
    net2,
    X2,
    mat(4, 1, () => 1),
    0.1,
    { hiddenBias: 'decayed', outputBias: 'none' },
  );
  assert.deepEqual(out[0].kinkSamples, []);
});

test('duplicates: a neuron split into two parallel copies is one group with identical dual scores', () => {
  const { X, Y, beta, opt, modes } = oneDimOptimum('free');
  const m = opt.W1.rows;
  const live = interpretNeurons(opt, X, Y, beta, modes)
    .filter((o) => o.activeCount > 0)
    .map((o) => o.index);
  const j = live[0];
  // copy j twice: (ũ, v/3) and (2ũ, v/3): f is unchanged since ⅓·1 + ⅓·2 = 1
  const W1 = mat(m + 1, 1, (t) => (t < m ? opt.W1.data[t] : 2 * opt.W1.data[j]));
  const b1 = Float64Array.from({ length: m + 1 }, (_, t) => (t < m ? opt.b1![t] : 2 * opt.b1![j]));
  const W2 = mat(1, m + 1, (_, t) => (t === j || t === m ? opt.W2.data[j] / 3 : opt.W2.data[t]));
  const split: NetworkWeights = { W1, b1, W2, b2: opt.b2 };
  const out = interpretNeurons(split, X, Y, beta, modes);
  assert.notEqual(out[j].duplicateGroup, null);
  assert.equal(out[j].duplicateGroup, out[m].duplicateGroup);
  assert.ok(Math.abs(out[j].dualScore - out[m].dualScore) < 1e-12);
  for (const o of out) if (o.index !== j && o.index !== m) assert.equal(o.duplicateGroup, null);
  // vector output: v and 2v share a group, v and a different direction do not
  const n = 5;
  const Xv = mat(n, 2, (i, k) => Math.cos(i + 3 * k));
  const Yv = mat(n, 2, (i, k) => Math.sin(i * (k + 1)));
  const netv: NetworkWeights = {
    W1: mat(
      3,
      2,
      (t, k) =>
        [
          [1, 0.5],
          [1, 0.5],
          [1, 0.5],
        ][t][k],
    ),
    b1: Float64Array.from([0.2, 0.2, 0.2]),
    W2: mat(
      2,
      3,
      (c, t) =>
        [
          [1, 2, 1],
          [0.5, 1, -1],
        ][c][t],
    ),
    b2: null,
  };
  const ov = interpretNeurons(netv, Xv, Yv, 0.1, { hiddenBias: 'decayed', outputBias: 'none' });
  assert.equal(ov[0].duplicateGroup, 0);
  assert.equal(ov[1].duplicateGroup, 0);
  assert.equal(ov[2].duplicateGroup, null);
});

test('dead neurons: activeCount 0, alignment null, not extreme, empty representer, residual 1', () => {
  const { X, Y, beta, net } = whitenedCase();
  const W1 = mat(3, 8, (j, k) => (j < 2 ? net.W1.data[j * 8 + k] : 0));
  const dead: NetworkWeights = { W1, b1: null, W2: mat(1, 3, (_, j) => (j < 2 ? net.W2.data[j] : 1)), b2: null };
  const o = interpretNeurons(dead, X, Y, beta, none)[2];
  assert.equal(o.activeCount, 0);
  assert.equal(o.alignment, null);
  assert.equal(o.extremePoint, false);
  assert.deepEqual(o.autoencoder, { samples: [], anchor: null, residual: 1 });
});
