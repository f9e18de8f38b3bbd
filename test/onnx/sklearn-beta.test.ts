/**
 * scikit-learn's alpha → β (src/core/certify/sklearnBeta.ts) against sklearn itself: each fixture
 * was fitted by L-BFGS to a tight tolerance, so its weights are a stationary point of sklearn's
 * objective; the implied β of that point (MATH.md §3.8, both biases free as sklearn trains them)
 * must equal the β the mapping gives. A wrong factor (n, c, ½) would be off by ≥ 2×.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readModelFile } from '../../src/core/onnx/index';
import { forward } from '../../src/core/model';
import { loadDataset } from '../../src/core/data/index';
import { dualDirectionFor, lossFromHead } from '../../src/core/analysis/loss';
import { impliedBeta, neuronInfos } from '../../src/core/problem/objective';
import { betaForLoss } from '../../src/core/losses/objective';
import { betaFromSpec } from '../../src/core/certify/beta';
import { settingsFromOptions } from '../../src/core/config/options';
import { zeros } from '../../src/core/linalg/mat';
import { record, SKLEARN_DIR } from './sklearnFixtures';

/**
 * L-BFGS stops at tol 1e-12 on sklearn's loss, not at an exact zero gradient, and the weights are
 * stored in float32: a 1% band is far inside the ≥ 2× a wrong factor would make.
 */
const STATIONARY_REL = 0.01;

for (const name of ['mlpc_binary', 'mlpc_3class', 'mlpr_1out', 'mlpr_2out']) {
  test(`sklearn alpha → β agrees with the implied β of sklearn's fitted ${name}`, async () => {
    const rec = record(name);
    const { model } = await readModelFile(join(SKLEARN_DIR, `${name}.onnx`));
    const data = await loadDataset(join(SKLEARN_DIR, `${name}.csv`), { expectD: model.d, labels: model.c === 2 ? ['y1', 'y2'] : undefined });
    const loss = lossFromHead(model.head).name;
    // labels as the gradient wants them: ±1 (logistic), one-hot (cross-entropy), values (squared)
    let Y = data.Y;
    if (loss === 'logistic') Y = { ...Y, data: Y.data.map((y) => 2 * y - 1) };
    if (loss === 'cross-entropy') {
      Y = zeros(data.n, model.c);
      for (let i = 0; i < data.n; i++) Y.data[i * model.c + data.Y.data[i]] = 1;
    }
    const settings = settingsFromOptions(model, { sklearnAlpha: rec.alpha });
    assert.deepEqual([settings.hiddenBias, settings.outputBias], ['free', 'free'], 'sklearn decays neither bias');
    const info = loss === 'squared' ? betaFromSpec(settings.beta, data.n, model.c) : betaForLoss(settings.beta, data.n, model.c, loss);
    assert.equal(info.beta, rec.alpha);

    const F = forward(model, data.X);
    const R = dualDirectionFor(loss, F, Y);
    const modes = { hiddenBias: settings.hiddenBias, outputBias: settings.outputBias };
    const implied = impliedBeta(R, F, model.b2, neuronInfos(model, data.X, R, info.beta, modes), modes).beta!;
    assert.ok(
      Math.abs(implied - info.beta) <= STATIONARY_REL * info.beta,
      `${name}: implied β ${implied} vs alpha mapping ${info.beta} (alpha ${rec.alpha}, c ${model.c})`,
    );
    // the c·alpha that sklearn's reported regression loss (averaged over outputs too) would suggest is not it
    if (model.c > 1 && loss === 'squared') assert.ok(Math.abs(implied - model.c * rec.alpha) > 10 * STATIONARY_REL * implied);
  });
}

test('sklearn alpha: refused when not positive, named as alpha', () => {
  assert.throws(() => betaFromSpec({ kind: 'sklearn', alpha: 0 }, 10, 1), /alpha/);
  assert.throws(() => betaForLoss({ kind: 'sklearn', alpha: -1 }, 10, 1, 'logistic'), /alpha/);
});
