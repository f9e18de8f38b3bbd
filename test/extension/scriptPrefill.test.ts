// The first analysis is prefilled from the training script that exports the model: the real Python
// reader (src/core/python) on a script as a user writes it, mapped to the settings-file entry, and
// β checked against MATH.md §1 by hand (reduction 'sum': β = wd/2).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeScript } from '../../src/core/python';
import { readFileSync, existsSync } from 'node:fs';
import { exportsModel, exportsModelLoosely, prefillFromFacts, entryFromPrefill, quotedDataPaths } from '../../src/core/config/scriptPrefill';
import { resolveEntry, BUILTIN_DEFAULTS } from '../../src/core/config/resolve';
import { settingsFromOptions } from '../../src/core/config/options';
import { betaFromSpec } from '../../src/core/certify';

const SCRIPT = 'scripts/train.py';
const SOURCE = `import numpy as np
import torch
from torch import nn

data = np.loadtxt("../data/train.csv", delimiter=",", skiprows=1)
X = torch.tensor(data[:, :2], dtype=torch.float32)
y = torch.tensor(data[:, 2:], dtype=torch.float32)
model = nn.Sequential(nn.Linear(2, 64), nn.ReLU(), nn.Linear(64, 1))
opt = torch.optim.SGD(model.parameters(), lr=0.1, weight_decay=5e-4)
loss_fn = nn.MSELoss(reduction="sum")
for epoch in range(1000):
    opt.zero_grad()
    loss = loss_fn(model(X), y)
    loss.backward()
    opt.step()
torch.onnx.export(model, (X[:1],), "out/model.onnx")
`;

test('a script exporting the model prefills data, weight decay, reduction and optimizer, with the export line', async () => {
  const facts = await analyzeScript(SOURCE, SCRIPT);
  // "out/model.onnx" written in scripts/train.py: relative to the script's folder or the workspace root
  const hit = exportsModel(facts, SCRIPT, 'scripts/out/model.onnx');
  assert.deepEqual(hit, { line: 16 });
  assert.deepEqual(exportsModel(facts, SCRIPT, 'out/model.onnx'), { line: 16 });
  assert.equal(exportsModel(facts, SCRIPT, 'models/other.onnx'), null);
  const files = new Set(['data/train.csv']);
  const p = prefillFromFacts(facts, SCRIPT, hit!.line, (rel) => files.has(rel));
  assert.equal(p.data, 'data/train.csv', '"../data/train.csv" from scripts/ is data/train.csv');
  assert.deepEqual(p.training, { weightDecay: 5e-4, reduction: 'sum', optimizer: 'sgd', biasDecay: true });
  assert.equal(p.loss, 'squared');
  const entry = { ...entryFromPrefill(p), data: p.data! };
  const r = resolveEntry(entry, { kind: 'user-prompt', fromScript: new Set(['data', 'weightDecay', 'reduction', 'optimizer']) }, BUILTIN_DEFAULTS);
  const beta = betaFromSpec(settingsFromOptions({ b1: new Float64Array(1), b2: new Float64Array(1) }, r.options).beta, 100, 1).beta;
  assert.equal(beta, 2.5e-4);
  const wd = r.provenance.find((x) => x.name === 'weightDecay')!;
  assert.equal(wd.source, 'training-script');
  assert.match(wd.detail!, /^scripts\/train\.py:16, confirmed by you/);
});

test('the bundled example (paths built from __file__): found through the quoted names, settings as its README states', async () => {
  const file = 'examples/two-moons/train.py';
  const source = readFileSync(file, 'utf8');
  const facts = await analyzeScript(source, file);
  const hit = exportsModelLoosely(facts, source, file, 'examples/two-moons/model.onnx');
  assert.ok(hit, 'train.py writes model.onnx next to itself');
  assert.match(source.split('\n')[hit!.line - 1], /torch\.onnx\.export/);
  assert.equal(exportsModelLoosely(facts, source, file, 'examples/other/model.onnx'), null);
  const withData = facts.data?.paths.length ? facts : { ...facts, data: { paths: quotedDataPaths(source) } };
  const p = prefillFromFacts(withData, file, hit!.line, (rel) => existsSync(rel));
  // examples/two-moons/README.md: train.csv, Adam(weight_decay=1e-3), MSELoss(reduction='mean')
  assert.equal(p.data, 'examples/two-moons/train.csv');
  assert.deepEqual(p.training, { weightDecay: 1e-3, reduction: 'mean', optimizer: 'adam', biasDecay: true });
});
