/**
 * certifyNetwork with the project's oracle (computeOracle, bound via src/core/certify/index.ts),
 * cross-checked against the same pipeline with an independent exact reference oracle.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { certifyNetwork } from '../../src/core/certify';
import { certifyNetwork as certifyWith } from '../../src/core/certify/certify';
import type { CertifySettings } from '../../src/core/certify/types';
import type { OutputBiasMode, HiddenBiasMode } from '../../src/core/problem/network';
import { circleOracle, freeBias1DOracle, mat, rng, randomNet, refObjective } from './helpers';

function settings(beta: number, hb: HiddenBiasMode, ob: OutputBiasMode): CertifySettings {
  return { beta: { kind: 'direct', beta }, hiddenBias: hb, outputBias: ob, tol: 1e-4, patternBudget: 200000, maxIterations: 60, seed: 1 };
}

const cases: [HiddenBiasMode, OutputBiasMode, number][] = [
  ['decayed', 'decayed', 1],
  ['decayed', 'free', 1],
  ['none', 'none', 1],
  ['decayed', 'none', 2],
  ['free', 'free', 1],
];

for (const [hb, ob, c] of cases)
  test(`computeOracle vs exact reference: consistent verdicts and bounds (hidden ${hb}, output ${ob}, c=${c})`, () => {
    const r = rng(7 + c);
    const d = hb === 'none' ? 2 : 1;
    const n = 12;
    const X = mat(n, d, () => r.normal());
    const Y = mat(n, c, (i, j) => Math.sin((1 + j) * X.data[i * d]) + 0.2 * r.normal());
    const beta = 0.1;
    const ref = hb === 'free' ? freeBias1DOracle : circleOracle;
    const net0 = randomNet(r, 5, d, c, { b1: hb !== 'none', b2: ob !== 'none' }, 0.6);
    const st = settings(beta, hb, ob);
    // a random network and the (near-)optimal network found by the reference pipeline
    const refRes = certifyWith(net0, X, Y, st, ref);
    assert.equal(refRes.verdict, 'not-optimal');
    const opt = refRes.witness!;
    const refOpt = certifyWith(opt, X, Y, st, ref);
    assert.equal(refOpt.verdict, 'certified');
    const pstarHi = refOpt.pstarInterval[1];
    for (const net of [net0, opt]) {
      const res = certifyNetwork(net, X, Y, st);
      // the dual bound never exceeds a known network's objective (P* ≤ pstarHi)
      assert.ok(res.dualBound <= pstarHi * (1 + 1e-9), `dual ${res.dualBound} > P* upper ${pstarHi}`);
      if (res.verdict === 'certified') assert.ok(res.primal - pstarHi <= res.tol * res.primal);
      if (res.verdict === 'not-optimal') {
        const obj = refObjective(res.witness!, X, Y, beta, hb === 'decayed', ob === 'decayed');
        assert.ok(obj < res.primal * (1 - res.tol));
      }
    }
    assert.equal(certifyNetwork(net0, X, Y, st).verdict, 'not-optimal');
    const resOpt = certifyNetwork(opt, X, Y, st);
    assert.notEqual(resOpt.verdict, 'not-optimal', resOpt.summary);
    if (resOpt.oracle.exact) assert.equal(resOpt.verdict, 'certified', resOpt.summary);
  });
