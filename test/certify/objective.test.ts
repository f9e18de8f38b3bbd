import { test } from 'node:test';
import assert from 'node:assert/strict';
import { forward } from '../../src/core/model';
import { networkObjective, neuronInfos, rebalance, impliedBeta, resolveModes } from '../../src/core/problem/objective';
import { featureActivation } from '../../src/core/problem/features';
import { solveLasso, lassoNetwork } from '../../src/core/certify/lasso';
import type { OutputBiasMode, HiddenBiasMode } from '../../src/core/problem/network';
import { mat, rng, randomNet, refObjective, relClose } from './helpers';

const HB: HiddenBiasMode[] = ['decayed', 'free', 'none'];
const OB: OutputBiasMode[] = ['decayed', 'free', 'none'];

for (const hb of HB)
  for (const ob of OB)
    test(`rebalancing keeps F, never raises P, drops dead neurons (hidden ${hb}, output ${ob})`, () => {
      const r = rng(11);
      const n = 30,
        d = 3,
        c = 2,
        beta = 0.7;
      const X = mat(n, d, () => r.normal());
      const Y = mat(n, c, () => r.normal());
      for (let trial = 0; trial < 5; trial++) {
        const net = randomNet(r, 6, d, c, { b1: hb !== 'none', b2: ob !== 'none' }, 0.3 + trial);
        // neuron 0 dead on all data (huge negative bias or zero weights), neuron 1 with zero output
        if (net.b1) net.b1[0] = -1e6;
        else for (let k = 0; k < d; k++) net.W1.data[k] = 0;
        for (let q = 0; q < c; q++) net.W2.data[q * 6 + 1] = 0;
        const modes = { hiddenBias: hb, outputBias: ob };
        const P = networkObjective(net, X, Y, beta, modes);
        assert.ok(relClose(P.objective, refObjective(net, X, Y, beta, hb === 'decayed', ob === 'decayed'), 1e-13));
        const infos = neuronInfos(net, X, P.R, beta, modes);
        assert.ok(infos[0].dead && infos[1].dead);
        const bal = rebalance(net, infos, P.loss, beta, modes);
        assert.deepEqual(
          bal.kept,
          infos.filter((s) => !s.dead).map((s) => s.index),
        );
        const F0 = forward(net, X),
          F1 = forward(bal.net, X);
        for (let i = 0; i < F0.data.length; i++) assert.ok(Math.abs(F0.data[i] - F1.data[i]) <= 1e-12 * (1 + Math.abs(F0.data[i])));
        assert.ok(bal.objective <= P.objective * (1 + 1e-14));
        // P_bal is the objective of the rebalanced network (computed independently)
        const ref = refObjective(bal.net, X, Y, beta, hb === 'decayed', ob === 'decayed');
        assert.ok(relClose(bal.objective, ref, 1e-12), `${bal.objective} vs ${ref}`);
        // and the rebalanced neurons satisfy ‖ũ_j‖ = ‖v_j‖
        const infos2 = neuronInfos(bal.net, X, P.R, beta, modes);
        for (const s of infos2) assert.ok(relClose(s.inNorm, s.outNorm, 1e-12));
      }
    });

test('rebalancing: unbalanced neuron (ũ ×10, v ÷10) — P drops to P_bal = ½‖R‖² + βΣ‖ũ‖‖v‖ (hand computation)', () => {
  const X = mat(3, 1, (i) => [1, 2, -1][i]);
  const Y = mat(3, 1, (i) => [1, 3, 0][i]);
  const net = { W1: mat(1, 1, () => 10), b1: null, W2: mat(1, 1, () => 0.1), b2: null };
  const modes = { hiddenBias: 'none' as const, outputBias: 'none' as const };
  const P = networkObjective(net, X, Y, 2, modes);
  // F = (x)_+ = [1, 2, 0]; R = [0, 1, 0]; P = ½ + (2/2)(100 + 0.01) = 100.51; P_bal = ½ + 2·10·0.1 = 2.5
  assert.ok(relClose(P.objective, 100.51, 1e-14));
  const bal = rebalance(net, neuronInfos(net, X, P.R, 2, modes), P.loss, 2, modes);
  assert.ok(relClose(bal.objective, 2.5, 1e-14));
  assert.ok(relClose(bal.net.W1.data[0], 1, 1e-14) && relClose(bal.net.W2.data[0], 1, 1e-14));
});

test('dualScore = ‖Rᵀ(X̃ũ)_+‖/(β‖ũ‖) (hand computation)', () => {
  const X = mat(3, 1, (i) => [1, 2, -1][i]);
  const Y = mat(3, 1, (i) => [1, 3, 0][i]);
  const net = { W1: mat(1, 1, () => 2), b1: Float64Array.of(1), W2: mat(1, 1, () => 0.5), b2: null };
  const modes = { hiddenBias: 'decayed' as const, outputBias: 'none' as const };
  const P = networkObjective(net, X, Y, 0.5, modes);
  const s = neuronInfos(net, X, P.R, 0.5, modes)[0];
  // z = [3, 5, -1] ⇒ a = [3, 5, 0]; F = [1.5, 2.5, 0]; R = [-0.5, 0.5, 0]; Rᵀa = 1; ‖ũ‖ = √5
  assert.equal(s.active, 2);
  assert.ok(relClose(s.dualScore, 1 / (0.5 * Math.sqrt(5)), 1e-14));
});

for (const ob of OB)
  test(`implied β equals β at a stationary point (lasso optimum: v-stationary and balanced; output ${ob})`, () => {
    const r = rng(3);
    const n = 20,
      d = 2,
      c = 2,
      beta = 0.8;
    const X = mat(n, d, () => r.normal());
    const Y = mat(n, c, () => r.normal() + 1);
    const dirs = Array.from({ length: 10 }, () => {
      const v = Float64Array.from({ length: d + 1 }, () => r.normal());
      const nn = Math.hypot(...v);
      return v.map((x) => x / nn);
    });
    const A = dirs.map((v) => featureActivation(X, v, 'decayed'));
    const res = solveLasso(A, Y, beta, ob);
    const modes = { hiddenBias: 'decayed' as const, outputBias: ob };
    const net = lassoNetwork(dirs, res.Z, res.b2, d, modes);
    assert.ok(net.W1.rows > 0);
    const P = networkObjective(net, X, Y, beta, modes);
    const infos = neuronInfos(net, X, P.R, beta, modes);
    const ib = impliedBeta(P.R, P.F, net.b2, infos, modes);
    assert.ok(ib.beta !== null && relClose(ib.beta, beta, 1e-9), `implied ${ib.beta}`);
    if (ob === 'decayed') assert.ok(ib.fromOutputBias !== null && relClose(ib.fromOutputBias, beta, 1e-9));
    // away from stationarity (outputs doubled) the implied β moves
    const net2 = { ...net, W2: { ...net.W2, data: net.W2.data.map((v) => 2 * v) } };
    const P2 = networkObjective(net2, X, Y, beta, modes);
    const ib2 = impliedBeta(P2.R, P2.F, net2.b2, neuronInfos(net2, X, P2.R, beta, modes), modes);
    assert.ok(Math.abs(ib2.beta! - beta) > 0.01 * beta);
  });

test('modes: missing biases force none; nonzero bias with mode none is refused', () => {
  const r = rng(1);
  const net = randomNet(r, 2, 2, 1, { b1: false, b2: false });
  const m = resolveModes(net, { hiddenBias: 'decayed', outputBias: 'free' });
  assert.deepEqual(m.modes, { hiddenBias: 'none', outputBias: 'none' });
  assert.equal(m.warnings.length, 2);
  const net2 = randomNet(r, 2, 2, 1, { b1: true, b2: true });
  assert.throws(() => resolveModes(net2, { hiddenBias: 'none', outputBias: 'free' }), /hidden bias/);
  assert.throws(() => resolveModes(net2, { hiddenBias: 'free', outputBias: 'none' }), /output bias/);
});
