/**
 * interpretNeurons beyond the scalar closed forms: vector output (one-hot whitened optimum of
 * [EP] Thm 15), a caller-supplied dual direction, a 2-D optimum built by column generation, and a
 * trained-like (perturbed) optimum whose readings must degrade.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { interpretNeurons } from '../../src/core/interpret';
import { certifyNetwork } from '../../src/core/certify';
import { forward } from '../../src/core/model';
import type { CertifySettings } from '../../src/core/certify/types';
import type { NetworkWeights } from '../../src/core/problem/network';
import type { Mat } from '../../src/core/linalg/mat';
import { mat, rng } from '../certify/helpers';

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((s, x, i) => s + x * b[i], 0);
const nrm = (a: ArrayLike<number>) => Math.sqrt(dot(a, a));

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

const none = { hiddenBias: 'none', outputBias: 'none' } as const;

test('vector output, one-hot whitened optimum ([EP] Thm 15): neuron j = Xᵀy_j/√n_j is an extreme point', () => {
  const n = 7,
    d = 9,
    c = 3;
  const X = orthonormalRows(n, d, 12);
  const cls = [0, 1, 2, 0, 1, 0, 2];
  const Y = mat(n, c, (i, k) => (cls[i] === k ? 1 : 0));
  const beta = 0.4;
  const nj = [0, 1, 2].map((k) => cls.filter((x) => x === k).length);
  const W1 = mat(c, d, (j, t) => {
    const s = Math.sqrt(Math.sqrt(nj[j]) - beta) / Math.sqrt(nj[j]);
    let acc = 0;
    for (let i = 0; i < n; i++) acc += X.data[i * d + t] * Y.data[i * c + j];
    return acc * s;
  });
  const W2 = mat(c, c, (k, j) => (k === j ? Math.sqrt(Math.sqrt(nj[j]) - beta) : 0));
  const net: NetworkWeights = { W1, b1: null, W2, b2: null };
  const out = interpretNeurons(net, X, Y, beta, none);
  for (const o of out) {
    assert.ok(Math.abs(o.dualScore - 1) < 1e-12, `dualScore ${o.dualScore}`);
    assert.ok(o.alignment !== null && o.alignment > 1 - 1e-12);
    assert.equal(o.extremePoint, true);
    assert.equal(o.activeCount, nj[o.index]);
    assert.ok(o.autoencoder.residual < 1e-9);
    // coefficients 1/√n_j on the class's samples
    for (const s of o.autoencoder.samples) {
      assert.equal(cls[s.index], o.index);
      assert.ok(Math.abs(s.coef - 1 / Math.sqrt(nj[o.index])) < 1e-12);
    }
    assert.equal(o.duplicateGroup, null);
  }
  // random vector-output network: no extreme points
  const r = rng(2);
  const rnd: NetworkWeights = { W1: mat(5, d, () => r.normal()), b1: null, W2: mat(c, 5, () => r.normal()), b2: null };
  for (const o of interpretNeurons(rnd, X, Y, beta, none)) assert.equal(o.extremePoint, false);
});

test('dualDirection: the score scales with Λ, the alignment and representer do not', () => {
  const n = 6,
    d = 8;
  const X = orthonormalRows(n, d, 3);
  const r = rng(13);
  const Y = mat(n, 1, () => r.normal());
  const net: NetworkWeights = { W1: mat(3, d, () => r.normal()), b1: null, W2: mat(1, 3, () => r.normal()), b2: null };
  const F = forward(net, X);
  const R2 = mat(n, 1, (i) => 2 * (Y.data[i] - F.data[i]));
  const a = interpretNeurons(net, X, Y, 0.3, none);
  const b = interpretNeurons(net, X, Y, 0.3, none, { dualDirection: R2 });
  a.forEach((o, j) => {
    assert.ok(Math.abs(b[j].dualScore - 2 * o.dualScore) < 1e-12 * (1 + o.dualScore));
    if (o.alignment === null) assert.equal(b[j].alignment, null);
    else assert.ok(Math.abs(b[j].alignment! - o.alignment) < 1e-12);
    assert.ok(Math.abs(b[j].autoencoder.residual - o.autoencoder.residual) < 1e-12);
  });
  assert.throws(() => interpretNeurons(net, X, Y, 0.3, none, { dualDirection: mat(n, 2, () => 0) }), /dual direction/);
});

function twoDimOptimum() {
  const r = rng(31);
  const n = 10;
  const X = mat(n, 2, () => r.normal());
  const Y = mat(n, 1, (i) => Math.sin(X.data[2 * i]) + X.data[2 * i + 1] ** 2 - 0.5);
  const beta = 0.05;
  const net0: NetworkWeights = {
    W1: mat(3, 2, () => r.normal()),
    b1: Float64Array.from([0.1, -0.2, 0.3]),
    W2: mat(1, 3, () => r.normal()),
    b2: Float64Array.of(0),
  };
  const settings: CertifySettings = {
    beta: { kind: 'direct', beta },
    hiddenBias: 'decayed',
    outputBias: 'decayed',
    tol: 1e-10,
    patternBudget: 1_000_000,
    maxIterations: 300,
    seed: 1,
  };
  const opt = certifyNetwork(net0, X, Y, settings).witness!;
  const cert = certifyNetwork(opt, X, Y, { ...settings, maxIterations: 0 });
  return { X, Y, beta, opt, cert, modes: { hiddenBias: 'decayed', outputBias: 'decayed' } as const };
}

test('2-D optimum by column generation: extreme points; moving a neuron off its optimum breaks its alignment', () => {
  const { X, Y, beta, opt, cert, modes } = twoDimOptimum();
  assert.ok(cert.relGap < 1e-8, `gap ${cert.relGap}`);
  const out = interpretNeurons(opt, X, Y, beta, modes);
  const live = out.filter((o) => o.activeCount > 0 || o.kinkSamples.length > 0);
  assert.ok(live.length >= 3);
  for (const o of live) {
    assert.ok(Math.abs(o.dualScore - 1) < 1e-6, `dualScore ${o.dualScore}`);
    assert.ok(o.alignment !== null && o.alignment > 1 - 1e-8, `alignment ${o.alignment}`);
    assert.equal(o.extremePoint, true);
    assert.ok(o.autoencoder.residual < 2e-4);
    if (o.autoencoder.anchor !== null) assert.ok(o.kinkSamples.includes(o.autoencoder.anchor));
  }
  // rotate the input weights of one neuron by 0.2 rad (pattern kept small): no longer stationary
  const j = live[0].index;
  const moved: NetworkWeights = { ...opt, W1: mat(opt.W1.rows, 2, (t, k) => opt.W1.data[t * 2 + k]) };
  const [u0, u1] = [opt.W1.data[j * 2], opt.W1.data[j * 2 + 1]];
  const th = 0.2;
  moved.W1.data[j * 2] = Math.cos(th) * u0 - Math.sin(th) * u1;
  moved.W1.data[j * 2 + 1] = Math.sin(th) * u0 + Math.cos(th) * u1;
  const o2 = interpretNeurons(moved, X, Y, beta, modes)[j];
  assert.equal(o2.extremePoint, false);
  assert.ok(o2.alignment === null || o2.alignment < 0.999 || o2.dualScore < 0.999, `${o2.alignment} ${o2.dualScore}`);
});

test('bad input is a ReluLensError naming the problem', async () => {
  const { ReluLensError } = await import('../../src/core/errors');
  const { matchNeurons, trainingGeometry } = await import('../../src/core/interpret');
  const X = mat(4, 2, (i, k) => i + k);
  const net: NetworkWeights = { W1: mat(2, 2, () => 1), b1: null, W2: mat(1, 2, () => 1), b2: null };
  const modes = { hiddenBias: 'none', outputBias: 'none' } as const;
  const bad = { ...net, W1: mat(2, 3, () => 1) };
  assert.throws(
    () =>
      interpretNeurons(
        bad,
        X,
        mat(4, 1, () => 0),
        0.1,
        modes,
      ),
    (e: unknown) => e instanceof ReluLensError && /3 inputs/.test(e.message),
  );
  assert.throws(() => matchNeurons(net, bad, X, modes), ReluLensError);
  assert.throws(() => trainingGeometry(bad, X, modes, null, 1), ReluLensError);
  const nan = { ...net, W2: mat(1, 2, (_, j) => (j ? NaN : 1)) };
  assert.throws(
    () =>
      interpretNeurons(
        nan,
        X,
        mat(4, 1, () => 0),
        0.1,
        modes,
      ),
    /non-finite/,
  );
  assert.throws(
    () =>
      interpretNeurons(
        net,
        X,
        mat(3, 1, () => 0),
        0.1,
        modes,
      ),
    /Labels are 3×1/,
  );
  assert.throws(
    () =>
      interpretNeurons(
        net,
        X,
        mat(4, 1, () => 0),
        0,
        modes,
      ),
    /β must be positive/,
  );
});

test('alignment equals cos(ũ, argmax of ⟨λ̂, (Xw)_+⟩ over the neuron’s cell), found by sampling the circle', () => {
  const r = rng(41);
  let compared = 0,
    nulls = 0;
  for (let trial = 0; trial < 12; trial++) {
    const n = 9;
    const X = mat(n, 2, () => r.normal());
    const Y = mat(n, 1, () => r.normal());
    const net: NetworkWeights = { W1: mat(3, 2, () => r.normal()), b1: null, W2: mat(1, 3, () => r.normal()), b2: null };
    const out = interpretNeurons(net, X, Y, 0.2, none);
    const F = forward(net, X);
    for (const o of out) {
      if (o.activeCount === 0) continue;
      const u = [net.W1.data[o.index * 2], net.W1.data[o.index * 2 + 1]];
      const sv = Math.sign(net.W2.data[o.index]);
      const side = Array.from({ length: n }, (_, i) => X.data[2 * i] * u[0] + X.data[2 * i + 1] * u[1] > 0);
      let best = -Infinity,
        arg = [0, 0];
      const N = 200_000;
      for (let s = 0; s < N; s++) {
        const w = [Math.cos((2 * Math.PI * s) / N), Math.sin((2 * Math.PI * s) / N)];
        let val = 0,
          ok = true;
        for (let i = 0; i < n && ok; i++) {
          const z = X.data[2 * i] * w[0] + X.data[2 * i + 1] * w[1];
          if (z > 0 !== side[i]) ok = false;
          else if (z > 0) val += sv * (Y.data[i] - F.data[i]) * z;
        }
        if (ok && val > best) [best, arg] = [val, w];
      }
      if (best <= 1e-6) {
        // the best in the cell is to shrink the neuron: Π_K(g) = 0, alignment undefined
        assert.equal(o.alignment, null, `trial ${trial} neuron ${o.index}: best ${best}`);
        nulls++;
        continue;
      }
      const cos = (u[0] * arg[0] + u[1] * arg[1]) / Math.hypot(u[0], u[1]);
      assert.ok(o.alignment !== null && Math.abs(o.alignment - cos) < 1e-4, `trial ${trial} neuron ${o.index}: ${o.alignment} vs ${cos}`);
      compared++;
    }
  }
  assert.ok(compared >= 8, `compared ${compared}, nulls ${nulls}`);
});

test('2-D optimum with a free hidden bias: extreme points, kinks on samples, u/‖u‖ = Σ α_i (x_i − x_k), b = −x_kᵀu', () => {
  const r = rng(31);
  const n = 8;
  const X = mat(n, 2, () => r.normal());
  const Y = mat(n, 1, (i) => Math.sin(X.data[2 * i]) + X.data[2 * i + 1] ** 2 - 0.5);
  const beta = 0.05;
  const net0: NetworkWeights = {
    W1: mat(3, 2, () => r.normal()),
    b1: Float64Array.from([0.1, -0.2, 0.3]),
    W2: mat(1, 3, () => r.normal()),
    b2: Float64Array.of(0),
  };
  const settings: CertifySettings = {
    beta: { kind: 'direct', beta },
    hiddenBias: 'free',
    outputBias: 'free',
    tol: 1e-10,
    patternBudget: 1_000_000,
    maxIterations: 300,
    seed: 1,
  };
  const opt = certifyNetwork(net0, X, Y, settings).witness!;
  assert.ok(certifyNetwork(opt, X, Y, { ...settings, maxIterations: 0 }).relGap < 1e-8);
  const out = interpretNeurons(opt, X, Y, beta, { hiddenBias: 'free', outputBias: 'free' });
  assert.ok(out.length >= 3);
  for (const o of out) {
    assert.equal(o.extremePoint, true);
    assert.ok(o.alignment! > 1 - 1e-8 && Math.abs(o.dualScore - 1) < 1e-8);
    const k = o.autoencoder.anchor!;
    assert.ok(o.kinkSamples.includes(k));
    const u = [opt.W1.data[2 * o.index], opt.W1.data[2 * o.index + 1]],
      b = opt.b1![o.index];
    assert.ok(Math.abs(b + X.data[2 * k] * u[0] + X.data[2 * k + 1] * u[1]) < 1e-9 * Math.hypot(...u, b));
    const un = Math.hypot(u[0], u[1]);
    const rec = [0, 0];
    for (const s of o.autoencoder.samples) for (const t of [0, 1]) rec[t] += s.coef * (X.data[2 * s.index + t] - X.data[2 * k + t]);
    assert.ok(Math.hypot(rec[0] - u[0] / un, rec[1] - u[1] / un) < 2e-4, `neuron ${o.index} reproduced`);
    assert.ok(Math.abs(o.autoencoder.residual - Math.hypot(rec[0] - u[0] / un, rec[1] - u[1] / un)) < 1e-9);
  }
});
