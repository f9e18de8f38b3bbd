/**
 * lint = extension (issue #18 item 6): the CLI reads n from the data file the script loads the way
 * the extension's diagnostics do (one reader, core/python: the data files named in the script,
 * counted by the guarded reader), and an L-BFGS polish after Adam on the same parameters is
 * recognised instead of "Not resolved: 2 optimizers". The oracle for n is the CSV's own row count.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import Module from 'node:module';
import { analyzeScript, lintScript, CODES } from '../../src/core/python';
import { lintContextFromDisk } from '../../src/cli/lint';

const STUB = path.join(__dirname, 'vscodeStub.ts');
const M = Module as unknown as { _resolveFilename: (req: string, ...rest: unknown[]) => string };
const orig = M._resolveFilename;
M._resolveFilename = (req: string, ...rest: unknown[]) => (req === 'vscode' ? STUB : orig(req, ...rest));
// eslint-disable-next-line @typescript-eslint/no-require-imports
const vs = require('./vscodeStub') as typeof import('./vscodeStub');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { analyzeDocument } = require('../../src/extension/python/state') as typeof import('../../src/extension/python/state');

const ROOT = path.resolve(__dirname, '..', '..');
const EXAMPLE = path.join(ROOT, 'examples', 'two-moons');

test('the example script: n from train.csv in the CLI and in the extension, the same diagnostics', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rl-parity-'));
  cpSync(EXAMPLE, dir, { recursive: true });
  const script = path.join(dir, 'train.py');
  const rows = readFileSync(path.join(dir, 'train.csv'), 'utf8').trim().split('\n').length - 1; // header row
  const facts = await analyzeScript(readFileSync(script, 'utf8'), script);
  assert.deepEqual(
    facts.data?.paths.map((p) => p.path),
    ['train.csv'],
  );
  const ctx = lintContextFromDisk(facts, script);
  assert.equal(ctx.n, rows);
  const cli = lintScript(facts, ctx);
  const width = cli.find((d) => d.code === CODES.width)!;
  assert.match(width.message, new RegExp(`n \\+ 1 = ${rows + 1}`));
  const beta = cli.find((d) => d.code === CODES.beta)!;
  assert.match(beta.message, new RegExp(`β = n·c·wd/2 = ${rows}·1·0\\.001/2`));

  const doc = vs.textDocument(script);
  const ext = (await analyzeDocument(doc as never, { verdictFor: () => undefined } as never)).diagnostics;
  for (const code of [CODES.width, CODES.beta, CODES.polish])
    assert.deepEqual(
      ext.filter((d) => d.code === code).map((d) => d.message),
      cli.filter((d) => d.code === code).map((d) => d.message),
      code,
    );
});

test('an L-BFGS polish after Adam on the same parameters is recognised, not "2 optimizers"', async () => {
  const f = await analyzeScript(readFileSync(path.join(EXAMPLE, 'train.py'), 'utf8'), 'train.py');
  assert.equal(f.optimizer?.className, 'Adam');
  assert.equal(f.optimizer?.weightDecay, 1e-3);
  assert.equal(f.optimizer?.polish?.className, 'LBFGS');
  assert.ok(!f.unresolved.some((u) => /optimizers/.test(u.what)), JSON.stringify(f.unresolved));
  const ds = lintScript(f, { n: 150 });
  assert.ok(ds.some((d) => d.code === CODES.polish && /LBFGS polishes the same parameters after Adam/.test(d.message)));
});

const script = (body: string) => `import torch\nimport torch.nn as nn\nmodel = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 1))\n${body}\n`;

test('two optimizers that are not a polish stay unresolved', async () => {
  const cases = [
    // two first-order optimizers
    'opt = torch.optim.Adam(model.parameters(), weight_decay=1e-3)\nopt2 = torch.optim.SGD(model.parameters(), weight_decay=1e-3)',
    // L-BFGS on other parameters (only the last layer)
    'opt = torch.optim.Adam(model.parameters(), weight_decay=1e-3)\nlb = torch.optim.LBFGS(model[2].parameters())',
    // L-BFGS first, Adam after: not a polish of Adam
    'lb = torch.optim.LBFGS(model.parameters())\nopt = torch.optim.Adam(model.parameters(), weight_decay=1e-3)',
  ];
  for (const body of cases) {
    const f = await analyzeScript(script(body), 's.py');
    assert.equal(f.optimizer?.polish, undefined, body);
    assert.ok(
      f.unresolved.some((u) => /2 optimizers/.test(u.what)),
      body,
    );
  }
});

test('a scikit-learn script: n from the CSV it reads, β = alpha, in the CLI and in the extension alike', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rl-parity-sk-'));
  cpSync(path.join(ROOT, 'test', 'fixtures', 'sklearn', 'mlpc_binary.csv'), path.join(dir, 'moons.csv'));
  const file = path.join(dir, 'fit.py');
  const src = [
    'import pandas as pd',
    'from sklearn.neural_network import MLPClassifier',
    'df = pd.read_csv("moons.csv")',
    'clf = MLPClassifier(hidden_layer_sizes=(8,), alpha=0.05, solver="lbfgs", max_iter=20000, tol=1e-12)',
    'clf.fit(df[["x1", "x2"]].values, df["y"].values)',
  ].join('\n');
  writeFileSync(file, src);
  const rows = readFileSync(path.join(dir, 'moons.csv'), 'utf8').trim().split('\n').length - 1;
  const facts = await analyzeScript(src, file);
  const cli = lintScript(facts, lintContextFromDisk(facts, file));
  assert.match(cli.find((d) => d.code === CODES.width)!.message, new RegExp(`m = 8; m < n \\+ 1 = ${rows + 1}`));
  assert.match(cli.find((d) => d.code === CODES.beta)!.message, /β = 0\.05: β = alpha/);
  assert.ok(!cli.some((d) => d.code === CODES.trainingStop), 'max_iter 20000 and tol 1e-12 are not flagged');
  const ext = (await analyzeDocument(vs.textDocument(file) as never, { verdictFor: () => undefined } as never)).diagnostics;
  assert.deepEqual(
    ext.map((d) => `${d.code} ${d.message}`),
    cli.map((d) => `${d.code} ${d.message}`),
  );
});
