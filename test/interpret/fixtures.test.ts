/**
 * §6 readings against the torch-trained fixtures (test/fixtures/trained). Their reference optima
 * come from an independent Python solver (exact convex program, relative accuracy ~1e-14; see each
 * case.json `pstar_reference`), so optimality of those networks is known without this project.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { readModelFile } from '../../src/core/onnx';
import { loadDataset } from '../../src/core/data';
import { interpretNeurons, matchNeurons } from '../../src/core/interpret';
import { fromRows } from '../../src/core/linalg/mat';
import type { NetworkWeights } from '../../src/core/problem/network';

async function load(name: string) {
  const dir = `test/fixtures/trained/${name}`;
  const cs = JSON.parse(readFileSync(`${dir}/case.json`, 'utf8'));
  const { model } = await readModelFile(`${dir}/model.onnx`);
  const ds = await loadDataset(`${dir}/train.csv`, { expectD: cs.d, expectC: cs.c });
  const rn = cs.pstar_reference.network;
  const ref: NetworkWeights = {
    W1: fromRows(rn.W1),
    b1: rn.b1 ? Float64Array.from(rn.b1) : null,
    W2: fromRows(rn.W2),
    b2: rn.b2 ? Float64Array.from(rn.b2) : null,
  };
  return { cs, model, X: ds.X, Y: ds.Y, ref, modes: { hiddenBias: cs.hiddenBias, outputBias: cs.outputBias } };
}

for (const name of ['converged-1d', 'converged-2d']) {
  test(`${name}: every neuron of the independent reference optimum is an extreme point`, async () => {
    const { cs, X, Y, ref, modes } = await load(name);
    assert.ok(cs.pstar_reference.relAccuracy < 1e-12);
    const out = interpretNeurons(ref, X, Y, cs.beta, modes);
    assert.ok(out.length >= 5);
    for (const o of out) {
      assert.ok(Math.abs(o.dualScore - 1) < 1e-9, `neuron ${o.index}: dualScore ${o.dualScore}`);
      assert.ok(o.alignment !== null && o.alignment > 1 - 1e-9, `neuron ${o.index}: alignment ${o.alignment}`);
      assert.equal(o.extremePoint, true);
      assert.ok(o.autoencoder.residual < 1e-6);
      // MATH.md §10: in 2-D every optimal kink sits on training points
      if (cs.d === 2) assert.ok(o.kinkSamples.length >= 1, `neuron ${o.index} kinks`);
    }
  });
}

test('vector-2out: the largest dual score of the network’s own neurons is at most M(R)/β (exact value in case.json)', async () => {
  const { cs, X, Y, ref, modes } = await load('vector-2out');
  const out = interpretNeurons(ref, X, Y, cs.beta, modes);
  const top = Math.max(...out.map((o) => o.dualScore));
  const M = cs.pstar_reference.M_over_beta_atReference;
  assert.ok(top <= M * (1 + 1e-9), `${top} ≤ ${M}`);
  assert.ok(top >= M - 1e-3, `${top} close to ${M}: the reference network contains the dual's best direction`);
});

test('converged-1d: the trained network’s neurons match the reference optimum by pattern and direction', async () => {
  const { model, X, ref, modes } = await load('converged-1d');
  const pairs = matchNeurons(model, ref, X, modes);
  assert.equal(pairs.length, ref.W1.rows);
  assert.equal(new Set(pairs.map((p) => p.optimal)).size, ref.W1.rows);
  assert.ok(pairs.filter((p) => p.samePattern).length >= ref.W1.rows - 1);
  for (const p of pairs) assert.ok(p.cosine > 0.98, `pair ${p.trained}→${p.optimal}: cos ${p.cosine}`);
});

test('early-stopped-2d: neurons far from stationarity are not extreme points', async () => {
  const { cs, model, X, Y, modes } = await load('early-stopped-2d');
  const out = interpretNeurons(model, X, Y, cs.beta, modes);
  assert.ok(out.filter((o) => !o.extremePoint).length > out.length / 2);
  assert.ok(out.some((o) => o.dualScore < 0.5));
});
