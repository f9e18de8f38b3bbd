import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveEntry, BUILTIN_DEFAULTS, type Provenance } from '../../src/core/config/resolve';
import { settingsFromOptions } from '../../src/core/config/options';
import { betaFromSpec } from '../../src/core/certify';
import { exportsModel, prefillFromFacts, entryFromPrefill, scriptPathCandidates, type FactsLike } from '../../src/core/config/scriptPrefill';
import type { ModelEntry } from '../../src/core/config/workspaceConfig';

const byName = (p: Provenance[]): Record<string, Provenance> => Object.fromEntries(p.map((x) => [x.name, x]));

test('config-file entry: every setting says it came from the file (and the script it was first read from)', () => {
  const e: ModelEntry = {
    data: 'data/train.csv',
    labels: ['y'],
    training: { weightDecay: 1e-3, reduction: 'mean', optimizer: 'adam' },
    source: { script: 'train.py', line: 42 },
  };
  const r = resolveEntry(e, { kind: 'config-file' }, BUILTIN_DEFAULTS);
  const p = byName(r.provenance);
  for (const n of ['data', 'labels', 'weightDecay', 'reduction', 'optimizer']) {
    assert.equal(p[n].source, 'config-file', n);
    assert.equal(p[n].detail, '.vscode/relu-lens.json (from train.py:42)');
  }
  assert.equal(p.hiddenBias.source, 'default');
  assert.equal(p.hiddenBias.detail, 'built-in default');
  assert.equal(p.tol.value, '0.0001');
  assert.equal(r.options.weightDecay, 1e-3);
  assert.equal(r.options.beta, undefined);
  assert.equal(p.beta, undefined, 'β is derived, not a setting, when training settings are given');
});

test('the options give the β of MATH.md §1 (n·c·wd/2 for mean reduction)', () => {
  const e: ModelEntry = { data: 'd.csv', training: { weightDecay: 0.01, reduction: 'mean' } };
  const r = resolveEntry(e, { kind: 'config-file' }, BUILTIN_DEFAULTS);
  const s = settingsFromOptions({ b1: new Float64Array(1), b2: new Float64Array(1) }, r.options);
  // n = 25, c = 1: the converged-2d fixture's β = 0.125
  assert.equal(betaFromSpec(s.beta, 25, 1).beta, 0.125);
  const direct = resolveEntry({ data: 'd.csv', beta: 0.7 }, { kind: 'config-file' }, BUILTIN_DEFAULTS);
  assert.equal(byName(direct.provenance).beta.value, '0.7');
  assert.deepEqual(settingsFromOptions({ b1: null, b2: null }, direct.options).beta, { kind: 'direct', beta: 0.7 });
});

test('user answers: prefilled-and-accepted values are training-script, typed ones user-prompt; saved or not is said', () => {
  const e: ModelEntry = { data: 'd.csv', training: { weightDecay: 1e-3, reduction: 'sum' }, source: { script: 'src/train.py', line: 7 } };
  const r = resolveEntry(e, { kind: 'user-prompt', fromScript: new Set(['weightDecay', 'reduction']), saved: false }, BUILTIN_DEFAULTS);
  const p = byName(r.provenance);
  assert.equal(p.weightDecay.source, 'training-script');
  assert.match(p.weightDecay.detail!, /^src\/train\.py:7, confirmed by you \(not saved\)$/);
  assert.equal(p.data.source, 'user-prompt');
  assert.equal(p.data.detail, 'your answer (not saved)');
  const saved = byName(resolveEntry(e, { kind: 'user-prompt', saved: true }, BUILTIN_DEFAULTS).provenance);
  assert.equal(saved.data.detail, 'your answer (saved to .vscode/relu-lens.json)');
});

test('editor settings: a value the user set is named as the setting, otherwise the built-in default', () => {
  const ed = { ...BUILTIN_DEFAULTS, tolerance: 1e-6, hiddenBias: 'free' as const };
  const r = resolveEntry({ data: 'd.csv', beta: 1 }, { kind: 'config-file' }, ed, new Set(['tolerance', 'hiddenBias']));
  const p = byName(r.provenance);
  assert.equal(p.tol.value, String(1e-6));
  assert.equal(p.tol.detail, 'setting reluLens.tolerance');
  assert.equal(p.hiddenBias.value, 'free');
  assert.equal(p.hiddenBias.detail, 'setting reluLens.hiddenBias');
  assert.equal(p.outputBias.detail, 'built-in default');
  assert.equal(r.options.tol, 1e-6);
  assert.equal(r.options.timeBudgetMs, 600_000); // the wall-clock safety limit (work budgets stop first)
  // the entry's own tol wins over the setting
  assert.equal(resolveEntry({ data: 'd.csv', beta: 1, tol: 0.01 }, { kind: 'config-file' }, ed).options.tol, 0.01);
});

test('biasDecay false makes both biases free (PyTorch param groups without decay on biases)', () => {
  const r = resolveEntry({ data: 'd.csv', training: { weightDecay: 1, reduction: 'mean', biasDecay: false } }, { kind: 'config-file' }, BUILTIN_DEFAULTS);
  assert.equal(r.options.hiddenBias, 'free');
  assert.equal(r.options.outputBias, 'free');
  assert.match(byName(r.provenance).hiddenBias.detail!, /training\.biasDecay = false/);
  // an explicit per-layer setting still wins
  const r2 = resolveEntry(
    { data: 'd.csv', hiddenBias: 'decayed', training: { weightDecay: 1, reduction: 'mean', biasDecay: false } },
    { kind: 'config-file' },
    BUILTIN_DEFAULTS,
  );
  assert.equal(r2.options.hiddenBias, 'decayed');
  assert.equal(r2.options.outputBias, 'free');
});

const facts = (over: Partial<FactsLike> = {}): FactsLike => ({
  file: 'scripts/train.py',
  optimizer: { kind: 'adam', weightDecay: 1e-3, biasDecay: true, range: { line: 20 } },
  loss: { kind: 'mse', reduction: 'mean', supported: true, range: { line: 18 } },
  data: {
    paths: [
      { path: '../data/train.csv', range: { line: 5 } },
      { path: 'data/train.csv', range: { line: 6 } },
    ],
  },
  exports: [{ path: 'out/model.onnx', kind: 'onnx', range: { line: 41 } }],
  ...over,
});

test('a script exporting the model is matched relative to its folder or the workspace root', () => {
  assert.deepEqual(scriptPathCandidates('scripts/train.py', 'out/model.onnx'), ['scripts/out/model.onnx', 'out/model.onnx']);
  assert.deepEqual(exportsModel(facts(), 'scripts/train.py', 'out/model.onnx'), { line: 42 });
  assert.deepEqual(exportsModel(facts(), 'scripts/train.py', 'scripts/out/model.onnx'), { line: 42 });
  assert.equal(exportsModel(facts(), 'scripts/train.py', 'other.onnx'), null);
  const abs = facts({ exports: [{ path: '/home/u/ws/m.onnx', kind: 'onnx', range: { line: 0 } }] });
  assert.deepEqual(exportsModel(abs, 'train.py', 'm.onnx', '/home/u/ws/m.onnx'), { line: 1 });
  const save = facts({ exports: [{ path: 'out/model.onnx', kind: 'torch-save', range: { line: 3 } }] });
  assert.equal(exportsModel(save, 'scripts/train.py', 'out/model.onnx'), null, 'torch.save does not write this ONNX file');
});

test('prefill takes the first data path that exists, and the optimizer/loss facts', () => {
  const p = prefillFromFacts(facts(), 'scripts/train.py', 42, (r) => r === 'data/train.csv');
  assert.equal(p.data, 'data/train.csv');
  assert.deepEqual(p.training, { weightDecay: 1e-3, reduction: 'mean', optimizer: 'adam', biasDecay: true });
  assert.equal(p.loss, 'squared');
  const e = entryFromPrefill(p);
  assert.deepEqual(e.source, { script: 'scripts/train.py', line: 42 });
  assert.equal(e.beta, null);
  const none = prefillFromFacts(
    facts({ optimizer: { kind: 'sgd', weightDecay: 0, biasDecay: true, range: { line: 9 } } }),
    'scripts/train.py',
    42,
    () => false,
  );
  assert.equal(none.training, undefined);
  assert.equal(none.data, undefined);
  assert.ok(none.notes.some((n) => /no weight decay/.test(n) && /scripts\/train\.py:10/.test(n)));
  assert.ok(none.notes.some((n) => /not found in the workspace/.test(n)));
});
