import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeScript } from '../../src/core/python';

/** Spelling variants the reader must handle; each expected value is what Python would compute. */
const HEAD = 'import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n';
const read = (body: string) => analyzeScript(HEAD + body, 't.py');
const opt = (wd: string) => `opt = torch.optim.SGD(model.parameters(), lr=0.1, weight_decay=${wd})\n`;

test('bare imported names and keyword widths', async () => {
  const f = await analyzeScript(
    'from torch.nn import Linear, ReLU, Sequential\nfrom torch.optim import Adam\nH = 2 ** 5\nmodel = Sequential(Linear(in_features=3, out_features=H), ReLU(), Linear(H, 2, bias=False))\nopt = Adam(model.parameters(), weight_decay=1e-3 / 2)\n',
    't.py',
  );
  assert.deepEqual([f.network?.d, f.network?.m, f.network?.c, f.network?.outputBias], [3, 32, 2, false]);
  assert.deepEqual([f.optimizer?.kind, f.optimizer?.weightDecay], ['adam', 5e-4]);
});

test('Sequential(*layers) from a literal list, with a Sigmoid head', async () => {
  const f = await read('layers = [nn.Linear(4, 10), nn.ReLU(), nn.Linear(10, 1), nn.Sigmoid()]\nmodel = nn.Sequential(*layers)\n');
  assert.deepEqual([f.network?.style, f.network?.m, f.network?.head], ['sequential-list', 10, 'sigmoid']);
});

test('not a two-layer ReLU net: Tanh, three Linear layers', async () => {
  assert.equal((await read('model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1))\n')).network, null);
  assert.equal((await read('model = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 1))\n')).network, null);
});

test('Module forward variants: torch.clamp(x, min=0), x.relu(), F.relu in steps; the hidden layer is the one applied first', async () => {
  for (const fwd of [
    'return self.b(torch.clamp(self.a(x), min=0))',
    'h = self.a(x)\n        h = h.relu()\n        return self.b(h)',
    'return self.b(F.relu(self.a(x)))',
  ]) {
    const f = await read(
      `class N(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.b = nn.Linear(7, 1)\n        self.a = nn.Linear(3, 7)\n\n    def forward(self, x):\n        ${fwd}\n`,
    );
    assert.deepEqual([f.network?.d, f.network?.m, f.network?.c], [3, 7, 1], fwd);
  }
  const noRelu = await read(
    'class N(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.a = nn.Linear(3, 7)\n        self.b = nn.Linear(7, 1)\n\n    def forward(self, x):\n        return self.b(torch.tanh(self.a(x)))\n',
  );
  assert.equal(noRelu.network, null);
});

test('Adam(decoupled_weight_decay=True) is AdamW; NAdam/RMSprop are coupled "other"', async () => {
  const f = await read(
    'model = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 1))\nopt = torch.optim.Adam(model.parameters(), weight_decay=1e-2, decoupled_weight_decay=True)\n',
  );
  assert.equal(f.optimizer?.kind, 'adamw');
  const g = await read(
    'model = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 1))\nopt = torch.optim.RMSprop(model.parameters(), weight_decay=1e-2)\n',
  );
  assert.deepEqual([g.optimizer?.kind, g.optimizer?.className], ['other', 'RMSprop']);
});

test('values that are not constants stay unresolved, with the reason', async () => {
  const net = 'model = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 1))\n';
  const cond = await read(`import sys\nif len(sys.argv) > 1:\n    WD = 1e-3\nelse:\n    WD = 1e-4\n${net}${opt('WD')}`);
  assert.equal(cond.optimizer?.weightDecay, null);
  assert.match(cond.unresolved.map((u) => u.what).join('\n'), /different values on different paths/);
  const sweep = await read(`${net}for wd in [1e-3, 1e-4]:\n    ${opt('wd')}`);
  assert.equal(sweep.optimizer?.weightDecay, null);
  assert.match(sweep.unresolved[0].what, /loop variable/);
  const env = await read(`import os\n${net}${opt('float(os.environ["WD"])')}`);
  assert.equal(env.optimizer?.weightDecay, null);
  assert.match(env.unresolved[0].what, /run time/);
});

test('literal config dicts and single call sites are resolved; two different call sites are not', async () => {
  const cfg = await read(
    `cfg = {"wd": 5e-4, "hidden": 12}\nmodel = nn.Sequential(nn.Linear(2, cfg["hidden"]), nn.ReLU(), nn.Linear(cfg["hidden"], 1))\n${opt('cfg["wd"]')}`,
  );
  assert.deepEqual([cfg.network?.m, cfg.optimizer?.weightDecay], [12, 5e-4]);
  const mk = 'def make(h=4):\n    return nn.Sequential(nn.Linear(2, h), nn.ReLU(), nn.Linear(h, 1))\n';
  assert.equal((await read(`${mk}model = make(h=9)\n`)).network?.m, 9);
  assert.equal((await read(`${mk}model = make()\n`)).network?.m, 4);
  const two = await read(`${mk}model = make(9)\nother = make(10)\n`);
  assert.equal(two.network?.m, null);
  assert.match(two.unresolved.map((u) => u.what).join('\n'), /called with different values \(9, 10\)/);
});

test('export paths: os.path.join, f-strings of constants, keyword f=', async () => {
  const f = await read(
    'import os\nOUT = "runs"\nname = "m1"\nmodel = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 1))\ntorch.onnx.export(model, torch.zeros(1, 2), os.path.join(OUT, f"{name}_w{8}.onnx"))\ntorch.onnx.export(model, torch.zeros(1, 2), f="b.onnx", dynamo=True)\n',
  );
  assert.deepEqual(
    f.exports.map((e) => [e.path, e.kind]),
    [
      ['runs/m1_w8.onnx', 'onnx'],
      ['b.onnx', 'onnx-dynamo'],
    ],
  );
});

test('losses: functional MSE with reduction via a constant, label smoothing is refused, sum of squares with a scale', async () => {
  const net = 'model = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 1))\n';
  const a = await read(`RED = "sum"\n${net}loss = F.mse_loss(model(X), y, reduction=RED)\nloss.backward()\n`);
  assert.deepEqual([a.loss?.kind, a.loss?.reduction], ['mse', 'sum']);
  const b = await read(`${net}crit = nn.CrossEntropyLoss(label_smoothing=0.1)\nloss = crit(model(X), y)\nloss.backward()\n`);
  assert.deepEqual([b.loss?.kind, b.loss?.supported], ['cross-entropy', false]);
  assert.match(b.loss!.why!, /label_smoothing/);
  const c = await read(`${net}loss = 0.5 * torch.sum((model(X) - y) ** 2)\nloss.backward()\n`);
  assert.deepEqual([c.loss?.kind, c.loss?.reduction, c.loss?.scale], ['mse', 'sum', 0.5]);
  const d = await read(`${net}loss = nn.HuberLoss()(model(X), y)\nloss.backward()\n`);
  assert.deepEqual([d.loss?.kind, d.loss?.supported], ['huber', true]);
  // SmoothL1Loss(beta=1) is HuberLoss(delta=1); another beta rescales the loss by 1/b (its β needs the factor b)
  const e = await read(`${net}loss = nn.SmoothL1Loss()(model(X), y)\nloss.backward()\n`);
  assert.deepEqual([e.loss?.kind, e.loss?.supported], ['huber', true]);
  const g = await read(`${net}loss = nn.SmoothL1Loss(beta=0.5)(model(X), y)\nloss.backward()\n`);
  assert.deepEqual([g.loss?.kind, g.loss?.supported], ['huber', false]);
  assert.match(g.loss!.why!, /HuberLoss\(delta=b\)\/b/);
});

test('number of samples: sklearn default n_samples, np.linspace num, train_test_split keeps N − ceil(t·N)', async () => {
  assert.equal((await read('from sklearn.datasets import make_circles\nX, y = make_circles(noise=0.1)\n')).data?.n, 100);
  assert.equal((await read('import numpy as np\nx = np.linspace(0, 1, 33)\n')).data?.n, 33);
  const s = await read(
    'from sklearn.datasets import make_regression\nfrom sklearn.model_selection import train_test_split\nX, y = make_regression(n_samples=101)\nXtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.2)\n',
  );
  assert.equal(s.data?.n, 101 - Math.ceil(0.2 * 101));
});

test('number of samples: a slice X_train = X[:k] or X[k:] of generated data', async () => {
  assert.equal((await read('X = torch.randn(200, 3)\nX_train = X[:150]\n')).data?.n, 150);
  assert.equal((await read('K = 40\nX = torch.randn(200, 3)\nX_train = X[K:]\n')).data?.n, 160);
  assert.equal((await read('X = torch.randn(200, 3)\nX_train = X[:-50]\n')).data?.n, 150);
  const odd = await read('X = torch.randn(200, 3)\nX_train = X[:n_train]\n');
  assert.equal(odd.data?.n ?? null, null);
  assert.match(odd.unresolved[0].what, /keeps a slice of the 200 samples/);
});

test('paths relative to the script: os.path.join(os.path.dirname(os.path.abspath(__file__)), …); Path(__file__).parent stays unresolved', async () => {
  const f = await read(
    'import os\nHERE = os.path.dirname(os.path.abspath(__file__))\nmodel = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 1))\ntorch.onnx.export(model, torch.zeros(1, 2), os.path.join(HERE, "out", "m.onnx"))\n',
  );
  assert.deepEqual(
    f.exports.map((e) => e.path),
    ['out/m.onnx'],
  );
  const g = await read(
    'from pathlib import Path\nmodel = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 1))\ntorch.onnx.export(model, torch.zeros(1, 2), Path(__file__).parent / "m.onnx")\n',
  );
  assert.deepEqual(
    g.exports.map((e) => e.path),
    [],
    'no guess for a path the reader cannot evaluate',
  );
  assert.ok(
    g.unresolved.some((u) => /export|path|run time|parent/i.test(u.what)),
    JSON.stringify(g.unresolved),
  );
});
