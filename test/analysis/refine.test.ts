/**
 * refineCertificate folds the optimum's bounds into the certificate without weakening soundness:
 * a dual bound above a known network's objective is an inconsistency (no verdict), 'not optimal'
 * needs a network better by more than the tolerance, and nothing changes when nothing improves.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { readFileSync } from 'node:fs';
import { readModelFile } from '../../src/core/onnx';
import { loadDataset } from '../../src/core/data';
import { certifyNetwork } from '../../src/core/certify';
import { settingsFromOptions } from '../../src/core/config/options';
import { refineCertificate } from '../../src/core/analysis/refine';

async function residualCertificate() {
  const dir = path.resolve(__dirname, '..', 'fixtures', 'trained', 'early-stopped-1d');
  const cs = JSON.parse(readFileSync(path.join(dir, 'case.json'), 'utf8'));
  const { model } = await readModelFile(path.join(dir, 'model.onnx'));
  const data = await loadDataset(path.join(dir, 'train.csv'), { expectD: 1, expectC: 1 });
  const cert = certifyNetwork(model, data.X, data.Y, { ...settingsFromOptions(model, { beta: cs.beta }), maxIterations: 0 });
  return { cert, model, data, cs };
}

test('refineCertificate: better bounds tighten, a better network proves not optimal, inconsistency claims nothing', async () => {
  const { cert, model } = await residualCertificate();
  const P = cert.primal;
  // nothing better: the same object back
  assert.equal(refineCertificate(cert, { lowerBound: cert.dualBound - 1, network: model, value: Infinity, oracle: null, description: '' }), cert);
  // a network better by 1%: not optimal, with that network as the witness
  const better = refineCertificate(cert, { lowerBound: -Infinity, network: model, value: P * 0.99, oracle: null, description: 'test' });
  assert.equal(better.verdict, 'not-optimal');
  assert.equal(better.witness!.objective, P * 0.99);
  assert.equal(better.pstarInterval[1], P * 0.99);
  // a lower bound within tol of P_bal while the weights as given cost more: the function is optimal,
  // the weights are not — not optimal, kind rebalance/prune, the rebalanced network as the witness
  assert.ok(cert.primalAsTrained > P * (1 + 2 * cert.tol), 'the early-stopped fixture is unbalanced');
  const fnOpt = refineCertificate(cert, { lowerBound: P * (1 - cert.tol / 2), network: model, value: P, oracle: null, description: '' });
  assert.equal(fnOpt.verdict, 'not-optimal');
  assert.equal(fnOpt.witness!.kind, 'rebalance/prune');
  assert.match(fnOpt.summary, /computes an optimal function/);
  assert.ok(fnOpt.gapBalanced <= cert.tol * P && fnOpt.gap > cert.tol * cert.primalAsTrained);
  // the same bound for the rebalanced network itself (P(θ) = P_bal): certified
  const { data, cs } = await residualCertificate();
  const balCert = certifyNetwork(cert.rebalanced.net, data.X, data.Y, { ...settingsFromOptions(model, { beta: cs.beta }), maxIterations: 0 });
  const Pb = balCert.primalAsTrained;
  assert.ok(Math.abs(Pb - P) <= 1e-12 * P, `rebalanced network's P(θ) ${Pb} vs P_bal ${P}`);
  const tight = refineCertificate(balCert, { lowerBound: Pb * (1 - cert.tol / 2), network: model, value: Pb, oracle: null, description: '' });
  assert.equal(tight.verdict, 'certified');
  assert.ok(tight.gap <= cert.tol * Pb && tight.dualPoint === 'optimum-column-generation');
  // a lower bound above a network's objective: unsound somewhere, so no verdict
  const bad = refineCertificate(cert, { lowerBound: P * 0.995, network: model, value: P * 0.99, oracle: null, description: '' });
  assert.equal(bad.verdict, 'inconclusive');
  assert.ok(bad.warnings.some((w) => w.startsWith('Internal inconsistency')));
});
