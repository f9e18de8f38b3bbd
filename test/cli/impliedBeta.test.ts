// The CLI's "implied β" line (issue #18 item 5): a negative implied β gets the data-and-preprocessing
// advice of certify/impliedBetaText.ts, never the generic "wrong β or not converged".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { readModelFile } from '../../src/core/onnx';
import { loadDataset } from '../../src/core/data';
import { forward } from '../../src/core/model';
import { certifyNetwork } from '../../src/core/certify';
import { settingsFromOptions } from '../../src/core/config/options';
import { certificateToJson } from '../../src/core/report/json';
import { formatHuman } from '../../src/cli/format';

const DIR = path.resolve(__dirname, '..', 'fixtures', 'trained', 'spurious-2d');

/** Certifies the fixture's network on labels Y = F + k·(F − 1b2ᵀ): the residual Y − F is k·(F − 1b2ᵀ). */
async function humanFor(k: number) {
  const { model } = await readModelFile(path.join(DIR, 'model.onnx'));
  const data = await loadDataset(path.join(DIR, 'train.csv'), { expectD: 2, expectC: 1 });
  const F = forward(model, data.X);
  const b2 = model.b2 ? model.b2[0] : 0;
  const Y = { ...F, data: F.data.map((f) => f + k * (f - b2)) };
  const d = { ...data, Y };
  const settings = settingsFromOptions(model, { beta: 0.01 });
  const json = certificateToJson(certifyNetwork(model, data.X, Y, settings), model, d);
  return {
    json,
    line: formatHuman(json)
      .split('\n')
      .find((l) => l.includes('implied β'))!,
  };
}

test('negative implied β: the CLI says to check the data and its preprocessing, not "did not converge"', async () => {
  // ⟨Y − F, F − 1b2ᵀ⟩ = −‖F − 1b2ᵀ‖² < 0 with k = −1, and Σ‖ũ_j‖‖v_j‖ > 0: the implied β is negative by construction
  const { json, line } = await humanFor(-1);
  assert.ok(json.impliedBeta !== null && json.impliedBeta < 0, String(json.impliedBeta));
  assert.match(line, /negative.*check the data and its preprocessing/);
  assert.doesNotMatch(line, /converge/);
  // the CLI's note names its flag for the loss; the editor's setting is not the CLI's business (#18)
  assert.match(line, /the loss \(--loss\)/);
  assert.doesNotMatch(line, /relu-lens\.json/);
});

test('positive implied β far from β: the generic mismatch note', async () => {
  const { json, line } = await humanFor(1);
  assert.ok(json.impliedBeta !== null && json.impliedBeta > 0 && json.impliedBetaMismatch, String(json.impliedBeta));
  assert.match(line, /differs from β: the declared β is wrong or training did not converge/);
  assert.doesNotMatch(line, /preprocessing/);
});
