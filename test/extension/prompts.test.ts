// The β prompt for a model skl2onnx exported (issue #18 item 5): scikit-learn's problem is offered
// first but only applied when picked, and the answer certifies exactly what --sklearn-alpha does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { fakeVscode, requireWithVscode } from './fakeVscode';
import { settingsFromOptions } from '../../src/core/config/options';
import { sklearnSuggestion } from '../../src/core/certify/sklearnBeta';
import { parseWorkspaceConfig, upsertModelEntry, type ModelEntry } from '../../src/core/config/workspaceConfig';
import { BUILTIN_DEFAULTS, resolveEntry } from '../../src/core/config/resolve';

type Item = { label: string; description?: string; value?: string };
const fake = fakeVscode({ calls: [] }) as { window: Record<string, unknown>; Uri: { file(p: string): unknown } };
const prompts = requireWithVscode(require.resolve('../../src/extension/prompts'), fake) as typeof import('../../src/extension/prompts');

/** Runs the β prompt with scripted answers: `pick` chooses among the items shown, `inputs` fill the boxes. */
async function askBeta(producer: string | undefined, current: Partial<ModelEntry>, pick: (items: Item[]) => Item | undefined, inputs: string[] = []) {
  const shown: Item[][] = [];
  const boxes: { prompt: string; value: string }[] = [];
  fake.window.showQuickPick = async (items: Item[]) => {
    shown.push(items);
    return shown.length === 1 ? pick(items) : items[0];
  };
  fake.window.showInputBox = async (o: { prompt: string; value: string; validateInput(s: string): string | undefined }) => {
    boxes.push(o);
    const s = inputs.shift();
    assert.equal(s === undefined ? undefined : o.validateInput(s), undefined);
    return s;
  };
  const model = fake.Uri.file(path.resolve('m.onnx')) as never;
  const ans = await prompts.askForSettings(
    {
      model,
      loc: { key: 'm.onnx' } as never,
      producer,
      current: { data: 'd.csv', ...current },
      columns: async () => ({ columns: [], defaultLabels: [] }) as never,
    },
    'beta',
  );
  return { ans, shown, boxes };
}

const model = { b1: {}, b2: {} } as never;
const sk = { producer: { name: 'skl2onnx' }, foldedPreprocessing: [] };

test('skl2onnx: the scikit-learn choice is first, and picking it gives β = alpha with both biases free, as --sklearn-alpha does', async () => {
  const { ans, shown, boxes } = await askBeta('skl2onnx', {}, (items) => items[0], ['0.003']);
  assert.equal(shown[0][0].value, 'sklearn');
  assert.match(shown[0][0].description!, /suggested.*skl2onnx/);
  assert.equal(boxes[0].value, '0.0001', "sklearn's default alpha is offered");
  const e = ans!.entry;
  // saved as the settings file's sklearnAlpha (β = alpha, both biases free), not as a bare β
  assert.deepEqual([e.sklearnAlpha, e.beta, e.training, e.hiddenBias, e.outputBias], [0.003, null, null, undefined, undefined]);
  const saved = parseWorkspaceConfig(upsertModelEntry(null, 'm.onnx', e)).models['m.onnx'];
  assert.equal(saved.sklearnAlpha, 0.003);
  // the saved answer, resolved as the extension resolves it, certifies the same problem as --sklearn-alpha 0.003
  const r = resolveEntry(saved, { kind: 'config-file' }, BUILTIN_DEFAULTS);
  const fromPrompt = settingsFromOptions(model, r.options);
  const fromCli = settingsFromOptions(model, { sklearnAlpha: 0.003 });
  assert.deepEqual([fromPrompt.beta, fromPrompt.hiddenBias, fromPrompt.outputBias], [fromCli.beta, fromCli.hiddenBias, fromCli.outputBias]);
  assert.deepEqual([fromCli.hiddenBias, fromCli.outputBias], ['free', 'free']);
  // the panel's provenance says β = alpha (scikit-learn), not a β given directly
  const beta = r.provenance.find((p) => p.name === 'sklearnAlpha');
  assert.match(beta!.value, /^0\.003 — β = alpha \(scikit-learn\)$/);
  assert.ok(!r.provenance.some((p) => p.name === 'beta'));
  assert.deepEqual(
    r.provenance.filter((p) => /Bias$/.test(p.name)).map((p) => p.value),
    ['free', 'free'],
  );
  // and the run no longer warns that sklearn's problem was not asked for
  assert.equal(sklearnSuggestion(sk, r.options), null);
  assert.notEqual(sklearnSuggestion(sk, { beta: 0.003 }), null);
});

test("the panel's warning names this prompt's choice, not a CLI flag; the CLI's names --sklearn-alpha", async () => {
  const { shown } = await askBeta('skl2onnx', {}, () => undefined);
  const label = shown[0][0].label.replace(/^\$\([^)]*\) /, '').replace(/…$/, '');
  const editor = sklearnSuggestion(sk, { beta: 1 }, 'editor')!;
  assert.ok(editor.includes(`"${label}"`), editor);
  assert.doesNotMatch(editor, /--/);
  assert.match(sklearnSuggestion(sk, { beta: 1 })!, /--sklearn-alpha ALPHA/);
});

test('skl2onnx: suggested, never applied — another choice leaves the bias modes alone', async () => {
  const { ans } = await askBeta('skl2onnx', {}, (items) => items.find((i) => i.value === 'beta'), ['0.5']);
  assert.equal(ans!.entry.beta, 0.5);
  assert.equal(ans!.entry.hiddenBias, undefined);
  assert.equal(ans!.entry.outputBias, undefined);
});

test('other producers get no scikit-learn choice', async () => {
  const { shown } = await askBeta('pytorch', {}, () => undefined);
  assert.ok(!shown[0].some((i) => i.value === 'sklearn'));
  const { shown: none } = await askBeta(undefined, {}, () => undefined);
  assert.ok(!none[0].some((i) => i.value === 'sklearn'));
});

test('already sklearn: the choice moves last and keeps the current alpha; PyTorch settings then clear the free biases', async () => {
  const cur = { beta: 0.02, hiddenBias: 'free', outputBias: 'free' } as const;
  const { shown, boxes } = await askBeta('skl2onnx', cur, (items) => items[items.length - 1], ['0.02']);
  assert.equal(shown[0][shown[0].length - 1].value, 'sklearn');
  assert.notEqual(shown[0][0].value, 'sklearn');
  assert.equal(boxes[0].value, '0.02');
  // saved as sklearnAlpha: the same, and "keep" describes it in scikit-learn's words
  const { shown: again, boxes: b2, ans: kept } = await askBeta('skl2onnx', { sklearnAlpha: 0.05 }, (items) => items.find((i) => i.value === 'keep'));
  assert.equal(again[0][again[0].length - 1].value, 'sklearn');
  assert.match(again[0].find((i) => i.value === 'keep')!.description!, /β = alpha = 0\.05 \(scikit-learn\)/);
  assert.equal(b2.length, 0);
  assert.equal(kept!.entry.sklearnAlpha, 0.05);
  const { boxes: b3 } = await askBeta('skl2onnx', { sklearnAlpha: 0.05 }, (items) => items.find((i) => i.value === 'sklearn'), ['0.05']);
  assert.equal(b3[0].value, '0.05');
  // another choice drops sklearnAlpha (one of beta, training, sklearnAlpha)
  const { ans: direct } = await askBeta('skl2onnx', { sklearnAlpha: 0.05 }, (items) => items.find((i) => i.value === 'beta'), ['0.5']);
  assert.deepEqual([direct!.entry.beta, direct!.entry.sklearnAlpha], [0.5, undefined]);
  // PyTorch training settings: their bias-decay answer decides, the earlier 'free' must not linger
  const { ans } = await askBeta('skl2onnx', cur, (items) => items.find((i) => i.value === 'training'), ['0.001']);
  assert.equal(ans!.entry.hiddenBias, undefined);
  assert.equal(ans!.entry.outputBias, undefined);
  assert.deepEqual(ans!.entry.training, { weightDecay: 0.001, reduction: 'mean', optimizer: 'sgd', biasDecay: true });
});

test("a real skl2onnx model loaded as the editor's worker loads it: the warning names the prompt, not --sklearn-alpha", async () => {
  const { loadPipeline } = await import('../../src/core/pipeline/load');
  const load = (frontEnd?: 'cli' | 'editor') =>
    loadPipeline({ model: { path: 'test/fixtures/sklearn/mlpr_1out.onnx' }, options: { beta: 1 }, crossCheck: false, frontEnd });
  const editor = (await load('editor')).warnings.join('\n');
  assert.match(editor, /exported by skl2onnx.*ReLU Lens: Set training data/);
  assert.doesNotMatch(editor, /--sklearn-alpha/);
  assert.match((await load()).warnings.join('\n'), /--sklearn-alpha ALPHA/);
});
