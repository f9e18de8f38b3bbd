import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { analyzeScript, lintScript, CODES, type ScriptDiagnostic, type TextEdit } from '../../src/core/python';
import type { AnalysisJson } from '../../src/core/report/analysisJson';

const DIR = path.resolve(__dirname, '..', 'fixtures', 'scripts');
const read = (f: string) => readFileSync(path.join(DIR, f), 'utf8');

/** Apply VS Code-style edits (0-based line/column) to a text, last edit first. */
function applyEdits(text: string, edits: TextEdit[]): string {
  const lines = text.split('\n');
  const offset = (l: number, c: number) => lines.slice(0, l).reduce((s, x) => s + x.length + 1, 0) + c;
  const sorted = [...edits].sort((a, b) => offset(b.range.line, b.range.column) - offset(a.range.line, a.range.column));
  for (const e of sorted) text = text.slice(0, offset(e.range.line, e.range.column)) + e.newText + text.slice(offset(e.range.endLine, e.range.endColumn));
  return text;
}

function verdict(kind: 'certified' | 'not-optimal' | 'inconclusive', extra: Partial<AnalysisJson> = {}): AnalysisJson {
  return {
    verdict: kind,
    summary: `summary ${kind}`,
    model: { file: 'model.onnx', d: 3, m: 32, c: 1, head: 'none', producer: { name: 'pytorch', version: '2' }, opset: 17 },
    data: { file: 'train.csv', n: 200, labels: ['y'], affine: false },
    beta: 0.01,
    betaDerivation: 'β = n·c·wd/2',
    primal: 1.5,
    primalAsTrained: 1.5,
    dualBound: kind === 'certified' ? 1.49999 : 1.2,
    gap: kind === 'certified' ? 1e-5 : 0.3,
    relGap: kind === 'certified' ? 6.7e-6 : 0.2,
    pstarInterval: kind === 'not-optimal' ? [1.2, 1.3] : kind === 'inconclusive' ? [1.2, 1.5] : [1.49999, 1.5],
    tol: 1e-4,
    witness: kind === 'not-optimal' ? { objective: 1.3, description: 'network + violating neuron', W1: [], b1: null, W2: [], b2: null } : null,
    optimum: { neurons: 7 } as AnalysisJson['optimum'],
    ...extra,
  } as unknown as AnalysisJson;
}

const byCode = (ds: ScriptDiagnostic[], code: string) => ds.filter((d) => d.code === code);

test('export verdicts: certified → information, not optimal → warning with witness, inconclusive → information with bounds', async () => {
  const f = await analyzeScript(read('01_sequential_mse_mean.py'), '01.py');
  const base = { scriptMtime: 1000, verdictsKnown: true };
  const run = (v: AnalysisJson) =>
    byCode(lintScript(f, { ...base, exports: { 'model.onnx': { exists: true, mtime: 2000, verdict: v, verdictAt: 3000 } } }), CODES.verdict);
  const [c] = run(verdict('certified'));
  assert.equal(c.severity, 'information');
  assert.match(c.message, /certified globally optimal/);
  assert.match(c.message, /1\.0000e-5/);
  assert.equal(c.range.line, 24); // the torch.onnx.export line (0-based)
  assert.equal(c.related?.modelPath, 'model.onnx');
  const [n] = run(verdict('not-optimal'));
  assert.equal(n.severity, 'warning');
  assert.match(n.message, /not optimal/);
  assert.match(n.message, /objective 1\.3 < P\(θ\) = 1\.5/);
  assert.match(n.message, /gap to P\* ≥ 0\.2/);
  const [i] = run(verdict('inconclusive'));
  assert.equal(i.severity, 'information');
  assert.match(i.message, /inconclusive — P\* ∈ \[1\.2, 1\.5\]/);
});

test('model file states: missing, older than the script, verdict older than the model, not certified yet', async () => {
  const f = await analyzeScript(read('01_sequential_mse_mean.py'), '01.py');
  const one = (st: object, extra: object = {}) =>
    lintScript(f, { scriptMtime: 1000, verdictsKnown: true, exports: { 'model.onnx': st as never }, ...extra }).filter((d) => d.related?.kind === 'export');
  assert.deepEqual(
    one({ exists: false }).map((d) => d.code),
    [CODES.missingModel],
  );
  const stale = one({ exists: true, mtime: 500, verdict: verdict('certified'), verdictAt: 600 });
  assert.deepEqual(
    stale.map((d) => [d.code, d.severity]),
    [[CODES.staleModel, 'warning']],
  );
  assert.match(stale[0].message, /older than the script/);
  assert.deepEqual(
    one({ exists: true, mtime: 2000, verdict: verdict('certified'), verdictAt: 1500 }).map((d) => d.code),
    [CODES.staleVerdict],
  );
  assert.deepEqual(
    one({ exists: true, mtime: 2000 }).map((d) => d.code),
    [CODES.notCertified],
  );
  // The CLI does not look verdicts up: it says nothing rather than "not certified".
  assert.deepEqual(
    lintScript(f, { scriptMtime: 1000, exports: { 'model.onnx': { exists: true, mtime: 2000 } } }).filter((d) => d.related?.kind === 'export'),
    [],
  );
});

test('a model whose shape differs from the script is flagged', async () => {
  const f = await analyzeScript(read('01_sequential_mse_mean.py'), '01.py');
  const v = verdict('certified', {
    model: { file: 'model.onnx', d: 3, m: 64, c: 1, head: 'none', producer: { name: 'pytorch', version: '2' }, opset: 17 },
  } as never);
  const ds = lintScript(f, { scriptMtime: 1, verdictsKnown: true, exports: { 'model.onnx': { exists: true, mtime: 2, verdict: v, verdictAt: 3 } } });
  const [m] = byCode(ds, CODES.shapeMismatch);
  assert.equal(m.severity, 'warning');
  assert.match(m.message, /3 → 64 → 1 but the script builds 3 → 32 → 1/);
});

test('hidden width against the optimum and n + 1', async () => {
  const f = await analyzeScript(read('01_sequential_mse_mean.py'), '01.py');
  const ds = lintScript(f, { verdictsKnown: true, exports: { 'model.onnx': { exists: true, mtime: 2, verdict: verdict('certified'), verdictAt: 3 } } });
  const [w] = byCode(ds, CODES.width);
  assert.match(w.message, /m = 32/);
  assert.match(w.message, /the optimum uses 7 neurons \(25 more than needed\)/);
  assert.match(w.message, /m < n \+ 1 = 201/);
  const wide = await analyzeScript(
    'import torch\nfrom torch import nn\nX = torch.randn(10, 2)\nnet = nn.Sequential(nn.Linear(2, 11), nn.ReLU(), nn.Linear(11, 1))\nopt = torch.optim.SGD(net.parameters(), lr=0.1, weight_decay=1e-3)\n',
    'w.py',
  );
  assert.match(byCode(lintScript(wide), CODES.width)[0].message, /m ≥ n \+ 1 = 11: strong duality is guaranteed/);
});

test('AdamW quick fix (explicit weight_decay) edits the identifier only, and the fixed script reads as Adam', async () => {
  const src = read('03_adamw_clamp_nobias.py');
  const [d] = byCode(lintScript(await analyzeScript(src, '03.py')), CODES.adamw);
  assert.ok(d.fix);
  assert.equal(d.fix!.edits.length, 1);
  assert.match(d.fix!.title, /Switch AdamW to Adam/);
  const fixed = applyEdits(src, d.fix!.edits);
  assert.equal(fixed.replace('torch.optim.Adam(', 'torch.optim.AdamW('), src, 'only the identifier changed');
  const f2 = await analyzeScript(fixed, '03.py');
  assert.equal(f2.optimizer!.kind, 'adam');
  assert.equal(f2.optimizer!.weightDecay, 1e-3);
  assert.equal(byCode(lintScript(f2), CODES.adamw).length, 0);
});

test("AdamW quick fix with the default decay keeps AdamW's 0.01 explicit (nothing silently dropped)", async () => {
  const src = read('04_adamw_default_decay.py');
  const [d] = byCode(lintScript(await analyzeScript(src, '04.py')), CODES.adamw);
  assert.match(d.fix!.title, /weight_decay=0\.01/);
  const fixed = applyEdits(src, d.fix!.edits);
  assert.ok(fixed.includes('opt = optim.Adam(model.parameters(), lr=1e-2, weight_decay=0.01)'), fixed);
  const f2 = await analyzeScript(fixed, '04.py');
  assert.deepEqual([f2.optimizer!.kind, f2.optimizer!.weightDecay], ['adam', 0.01]);
});

test('severity policy: errors only when a network is found; files that train nothing get nothing', async () => {
  const noNet = await analyzeScript('import torch\nopt = torch.optim.Adam(params, lr=1e-3)\n', 'x.py');
  const ds = lintScript(noNet);
  assert.ok(
    ds.every((d) => d.severity !== 'error'),
    JSON.stringify(ds),
  );
  assert.ok(byCode(ds, CODES.noWeightDecay).length === 1 && byCode(ds, CODES.noNetwork).length === 1);
  assert.deepEqual(lintScript(await analyzeScript(read('14_not_training.py'), '14.py')), []);
  const zero = await analyzeScript(read('10_no_weight_decay.py'), '10.py');
  // issue #6: weight_decay = 0 or missing is a Warning (β = 0), never an error
  assert.deepEqual(
    lintScript(zero)
      .filter((d) => d.severity === 'error')
      .map((d) => d.code),
    [],
  );
  assert.deepEqual(
    lintScript(zero)
      .filter((d) => d.code === CODES.noWeightDecay)
      .map((d) => d.severity),
    ['warning'],
  );
});

test('n from the context (a data file) turns β per sample into β', async () => {
  const f = await analyzeScript(read('05_param_groups_pandas_dynamo.py'), '05.py');
  const [b] = byCode(lintScript(f, { n: 500 }), CODES.beta);
  assert.equal(b.related?.beta, (500 * 1 * 2e-4) / 2);
  assert.ok(b.related?.lines?.some((l) => l.includes('n = 500 (from the data file)')));
});

test('a syntax error is reported and the rest is still read', async () => {
  const f = await analyzeScript(
    'import torch\nfrom torch import nn\nnet = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 1))\nopt = torch.optim.SGD(net.parameters(), lr=0.1, weight_decay=1e-3\nfor x in :\n  pass\n',
    's.py',
  );
  assert.ok(f.syntaxErrors && f.syntaxErrors.length > 0);
  assert.equal(f.network?.m, 8);
  assert.equal(byCode(lintScript(f), CODES.syntax)[0].severity, 'warning');
});

test('AdamW quick fix with a trailing comma still yields valid Python', async () => {
  const src =
    'import torch\nfrom torch import nn\nmodel = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 1))\nopt = torch.optim.AdamW(\n    model.parameters(),\n    lr=1e-3,\n)\n';
  const [d] = byCode(lintScript(await analyzeScript(src, 't.py')), CODES.adamw);
  const fixed = applyEdits(src, d.fix!.edits);
  assert.ok(fixed.includes('opt = torch.optim.Adam(\n    model.parameters(),\n    lr=1e-3, weight_decay=0.01,\n)'), fixed);
  const f2 = await analyzeScript(fixed, 't.py');
  assert.equal(f2.syntaxErrors, undefined);
  assert.deepEqual([f2.optimizer!.kind, f2.optimizer!.weightDecay], ['adam', 0.01]);
});

test('a certificate made with another β than the script implies is flagged (and the same β is not)', async () => {
  const f = await analyzeScript(read('01_sequential_mse_mean.py'), '01.py'); // script: β = 0.01
  const run = (beta: number) =>
    byCode(
      lintScript(f, {
        verdictsKnown: true,
        exports: { 'model.onnx': { exists: true, mtime: 2, verdict: verdict('certified', { beta } as never), verdictAt: 3 } },
      }),
      CODES.betaMismatch,
    );
  assert.equal(run(0.01).length, 0);
  const [m] = run(0.02);
  assert.equal(m.severity, 'warning');
  assert.match(m.message, /used β = 0\.02 .* implies β = 0\.01/);
});

test('softmax applied twice: a Softmax head with CrossEntropyLoss', async () => {
  const src =
    'import torch\nfrom torch import nn\nmodel = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 3), nn.Softmax(dim=1))\nopt = torch.optim.SGD(model.parameters(), lr=0.1, weight_decay=1e-3)\nloss = nn.CrossEntropyLoss()(model(X), y)\nloss.backward()\n';
  const [w] = byCode(lintScript(await analyzeScript(src, 't.py')), CODES.headMismatch);
  assert.equal(w.severity, 'warning');
  assert.match(w.message, /applied twice/);
  const ok = src.replace(', nn.Softmax(dim=1)', '');
  assert.equal(byCode(lintScript(await analyzeScript(ok, 't.py')), CODES.headMismatch).length, 0);
});
