import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  parseWorkspaceConfig,
  serializeWorkspaceConfig,
  upsertModelEntry,
  entryMissing,
  normalizeRelPath,
  type ModelEntry,
} from '../../src/core/config/workspaceConfig';
import { ReluLensError } from '../../src/core/errors';

// the example from shared-names.md, verbatim
const EXAMPLE = `{
  "version": 1,
  "models": {
    "models/model.onnx": {
      "data": "data/train.csv",
      "labels": ["y"],
      "labelsFile": null,
      "beta": null,
      "training": { "weightDecay": 0.001, "reduction": "mean", "optimizer": "adam", "biasDecay": true },
      "hiddenBias": "decayed",
      "outputBias": "decayed",
      "loss": "squared",
      "tol": 0.0001,
      "source": { "script": "train.py", "line": 42 }
    }
  }
}`;

test('the documented example parses to the values it spells', () => {
  const c = parseWorkspaceConfig(EXAMPLE);
  const e = c.models['models/model.onnx'];
  assert.equal(e.data, 'data/train.csv');
  assert.deepEqual(e.labels, ['y']);
  assert.equal(e.beta, null);
  assert.deepEqual(e.training, { weightDecay: 0.001, reduction: 'mean', optimizer: 'adam', biasDecay: true });
  assert.equal(e.loss, 'squared');
  assert.equal(e.tol, 0.0001);
  assert.deepEqual(e.source, { script: 'train.py', line: 42 });
  assert.equal(entryMissing(e), null);
});

test('serialize → parse → serialize is a fixed point, and equals the parsed values', () => {
  const c = parseWorkspaceConfig(EXAMPLE);
  const t1 = serializeWorkspaceConfig(c);
  const c2 = parseWorkspaceConfig(t1);
  assert.deepEqual(c2, c);
  assert.equal(serializeWorkspaceConfig(c2), t1);
  assert.ok(t1.endsWith('}\n'));
  // saving the same answers twice is byte-identical (no churn in version control)
  const once = upsertModelEntry(t1, 'models/model.onnx', c.models['models/model.onnx']);
  assert.equal(upsertModelEntry(once, 'models/model.onnx', c.models['models/model.onnx']), once);
});

test('upsert changes only the model’s own entry and keeps unknown top-level keys', () => {
  const base = JSON.stringify({ version: 1, comment: 'mine', models: { 'other.onnx': { data: 'o.csv', beta: 0.5, tol: 0.01 } } });
  const entry: ModelEntry = { data: 'data/train.csv', labels: ['y'], training: { weightDecay: 1e-3, reduction: 'sum' } };
  const text = upsertModelEntry(base, './models\\model.onnx', entry);
  const c = parseWorkspaceConfig(text);
  assert.deepEqual(Object.keys(c.models).sort(), ['models/model.onnx', 'other.onnx']);
  assert.deepEqual(c.models['other.onnx'], { data: 'o.csv', beta: 0.5, tol: 0.01 });
  assert.equal(c.extra?.comment, 'mine');
  assert.deepEqual(c.models['models/model.onnx'].training, { weightDecay: 1e-3, reduction: 'sum' });
  // the other entry is kept exactly as written (no nulls added), and so is the key order
  assert.ok(text.indexOf('"comment"') < text.indexOf('"models"'));
  assert.ok(text.indexOf('"other.onnx"') < text.indexOf('"models/model.onnx"'));
  assert.deepEqual(JSON.parse(text).models['other.onnx'], { data: 'o.csv', beta: 0.5, tol: 0.01 });
  const again = parseWorkspaceConfig(upsertModelEntry(text, 'models/model.onnx', { data: 'x.csv', beta: 3 }));
  assert.deepEqual(again.models['other.onnx'], c.models['other.onnx']);
  assert.equal(again.models['models/model.onnx'].beta, 3);
});

test('a broken existing file is never replaced by upsert', () => {
  assert.throws(() => upsertModelEntry('{ "version": 1, "models": ', 'm.onnx', { data: 'd.csv', beta: 1 }), /not valid JSON/);
});

function msg(text: string): string {
  try {
    parseWorkspaceConfig(text);
  } catch (e) {
    assert.ok(e instanceof ReluLensError, 'a ReluLensError');
    assert.equal((e as ReluLensError).kind, 'usage');
    return (e as Error).message;
  }
  assert.fail(`accepted: ${text}`);
}

test('every refusal names the key at fault', () => {
  const m = (entry: unknown) => JSON.stringify({ version: 1, models: { 'm.onnx': entry } });
  const cases: [string, RegExp][] = [
    ['[]', /top level/],
    [JSON.stringify({ version: 2, models: {} }), /version: is 2/],
    [JSON.stringify({ version: 1, models: [] }), /models: must be an object/],
    [JSON.stringify({ version: 1, models: { '../m.onnx': { data: 'd.csv', beta: 1 } } }), /models\["\.\.\/m\.onnx"\]: .*inside/],
    [m({ beta: 1 }), /models\["m\.onnx"\]\.data: is missing/],
    [m({ data: '/etc/passwd', beta: 1 }), /\.data: .*relative/],
    [m({ data: 'd.csv', beta: -1 }), /\.beta: must be a number > 0 \(got -1\)/],
    [m({ data: 'd.csv', beta: '0.1' }), /\.beta: must be a number > 0 \(got "0\.1"\)/],
    [
      m({ data: 'd.csv', beta: 1, training: { weightDecay: 1, reduction: 'mean' } }),
      /\.beta: give only one of "beta", "training" and "sklearnAlpha" \(got "beta" and "training"/,
    ],
    [m({ data: 'd.csv', training: { weightDecay: 0, reduction: 'mean' } }), /\.training\.weightDecay: must be a number > 0/],
    [m({ data: 'd.csv', training: { weightDecay: 1, reduction: 'avg' } }), /\.training\.reduction: must be "mean" or "sum" \(got "avg"\)/],
    [m({ data: 'd.csv', training: { weightDecay: 1, optimizer: 'lbfgs' } }), /\.training\.optimizer: must be/],
    [m({ data: 'd.csv', training: { weightDecay: 1, biasDecay: 'yes' } }), /\.training\.biasDecay: must be true or false/],
    [m({ data: 'd.csv', training: { weightDecay: 1, lr: 0.1 } }), /\.training\.lr: unknown key/],
    [m({ data: 'd.csv', beta: 1, hiddenBias: 'none' }), /\.hiddenBias: must be "decayed" or "free"/],
    [m({ data: 'd.csv', beta: 1, loss: 'mse' }), /\.loss: must be one of/],
    [m({ data: 'd.csv', beta: 1, tol: 2 }), /\.tol: must be a relative tolerance in \(0, 1\)/],
    [m({ data: 'd.csv', beta: 1, labels: 'y' }), /\.labels: must be a non-empty list/],
    [m({ data: 'd.csv', beta: 1, source: { script: 'train.py', line: 0 } }), /\.source\.line: must be a line number/],
    [m({ data: 'd.csv', beta: 1, betta: 2 }), /\.betta: unknown key/],
    ['{"version": 1, "models": {', /not valid JSON/],
  ];
  for (const [text, re] of cases) {
    const got = msg(text);
    assert.match(got, re, `for ${text}`);
    assert.match(got, /^\.vscode\/relu-lens\.json: /);
  }
});

test('entryMissing says what a certificate still needs', () => {
  assert.equal(entryMissing(undefined), 'data');
  assert.equal(entryMissing({ beta: 1 }), 'data');
  assert.equal(entryMissing({ data: 'd.csv' }), 'beta');
  assert.equal(entryMissing({ data: 'd.csv', beta: null, training: null }), 'beta');
  assert.equal(entryMissing({ data: 'd.csv', training: { weightDecay: 1, reduction: 'mean' } }), null);
});

test('paths are normalized to forward-slash workspace-relative form', () => {
  assert.equal(normalizeRelPath('./a/b/../c.onnx'), 'a/c.onnx');
  assert.equal(normalizeRelPath('a\\b.csv'), 'a/b.csv');
  assert.equal(normalizeRelPath('../x'), null);
  assert.equal(normalizeRelPath('C:/x'), null);
  assert.equal(normalizeRelPath(''), null);
  // two spellings of one model are one entry
  assert.match(msg(JSON.stringify({ version: 1, models: { 'a.onnx': { data: 'd', beta: 1 }, './a.onnx': { data: 'd', beta: 2 } } })), /same model/);
});

test('sklearnAlpha and huberDelta: read, written only when set, refused when wrong, and resolved as the CLI flags', async () => {
  const { resolveEntry, BUILTIN_DEFAULTS } = await import('../../src/core/config/resolve');
  const { settingsFromOptions } = await import('../../src/core/config/options');
  const text = JSON.stringify({ version: 1, models: { 'm.onnx': { data: 'd.csv', sklearnAlpha: 0.01, loss: 'huber', huberDelta: 0.5 } } });
  const e = parseWorkspaceConfig(text).models['m.onnx'];
  assert.deepEqual([e.sklearnAlpha, e.huberDelta, e.beta], [0.01, 0.5, undefined]);
  assert.equal(entryMissing(e), null, 'sklearnAlpha is a β setting');
  const again = parseWorkspaceConfig(serializeWorkspaceConfig({ version: 1, models: { 'm.onnx': e } })).models['m.onnx'];
  assert.deepEqual([again.sklearnAlpha, again.huberDelta], [0.01, 0.5]);
  // an entry without them is written without them (older files re-save byte-identically)
  assert.doesNotMatch(serializeWorkspaceConfig({ version: 1, models: { 'm.onnx': { data: 'd.csv', beta: 1 } } }), /sklearnAlpha|huberDelta/);
  const refused = (entry: Record<string, unknown>, re: RegExp) =>
    assert.throws(
      () => parseWorkspaceConfig(JSON.stringify({ version: 1, models: { 'm.onnx': { data: 'd.csv', ...entry } } })),
      (err: unknown) => err instanceof ReluLensError && re.test(err.message),
    );
  refused({ sklearnAlpha: 0 }, /models\["m\.onnx"\]\.sklearnAlpha: must be scikit-learn's alpha, a number > 0/);
  refused({ sklearnAlpha: 0.1, beta: 1 }, /models\["m\.onnx"\]\.beta: give only one of "beta", "training" and "sklearnAlpha" \(got "beta" and "sklearnAlpha"/);
  refused({ beta: 1, huberDelta: -1 }, /models\["m\.onnx"\]\.huberDelta: must be the Huber threshold δ, a number > 0/);
  // resolved: the options --sklearn-alpha 0.01 --huber-delta 0.5 give (β = alpha, both biases free)
  const r = resolveEntry(e, { kind: 'config-file' }, BUILTIN_DEFAULTS);
  const model = { b1: {}, b2: {} } as never;
  const fromFile = settingsFromOptions(model, r.options);
  const fromCli = settingsFromOptions(model, {
    sklearnAlpha: 0.01,
    huberDelta: 0.5,
    tol: BUILTIN_DEFAULTS.tolerance,
    patternBudget: BUILTIN_DEFAULTS.patternBudget,
  });
  assert.deepEqual([fromFile.beta, fromFile.hiddenBias, fromFile.outputBias, fromFile.huberDelta], [fromCli.beta, 'free', 'free', 0.5]);
  assert.equal(r.provenance.find((p) => p.name === 'huberDelta')?.value, '0.5');
});
