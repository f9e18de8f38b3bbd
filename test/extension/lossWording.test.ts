// Issue #18: no CLI flag reaches the panel. Where the advice is to name the training loss — a label
// refusal for a loss core chose (code 'loss'), a negative implied β's note — the editor names the
// model's "loss" in .vscode/relu-lens.json (there is no reluLens.* setting for it), never `--loss`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { analyzeJob } from '../../src/extension/workerJobs';
import { errorFor } from '../../src/extension/panelErrors';
import { ReluLensError } from '../../src/core/errors';
import { readModelFile } from '../../src/core/onnx';
import { loadDataset } from '../../src/core/data';
import { certifyNetwork } from '../../src/core/certify';
import { settingsFromOptions } from '../../src/core/config/options';
import { certificateToJson } from '../../src/core/report/json';
import { impliedBetaNote } from '../../src/core/certify/impliedBetaText';
import { loadPipeline } from '../../src/core/pipeline/load';
import { analyze } from '../../src/core/analysis';
import { formatAnalysis } from '../../src/cli/format';
import { renderMarkdown } from '../../src/core/report/render';
import { lossWords } from '../../webview/words';

const SK = 'test/fixtures/sklearn';
const EDITOR_LOSS = /"loss" in \.vscode\/relu-lens\.json/;

/** The worker's refusal of `csv` for the sklearn model `name`, as the panel shows it. */
async function refusal(name: string, csv: string, loss?: 'logistic', labels?: string[]) {
  const e = await analyzeJob(
    {
      modelBytes: readFileSync(path.join(SK, `${name}.onnx`)),
      modelName: `${name}.onnx`,
      externals: {},
      dataBytes: new TextEncoder().encode(csv),
      dataName: 'train.csv',
      options: { beta: 0.05, ...(loss ? { loss } : {}), ...(labels ? { labels } : {}) },
    },
    () => {},
  ).then(
    () => assert.fail('the worker accepted labels that do not fit the loss'),
    (e: unknown) => e,
  );
  assert.ok(e instanceof ReluLensError, String(e));
  return { e, shown: errorFor(e.kind, e.describe(), e.code) };
}

test('labels that do not fit the head-chosen loss: the panel names the settings file, no --loss, and opens it', async () => {
  // class labels 1/2 for a binary (0/1) classifier: refused while reading labels for the logistic loss
  const bin = readFileSync(path.join(SK, 'mlpc_binary.csv'), 'utf8').trim().split('\n');
  const shifted = [bin[0], ...bin.slice(1).map((l) => l.replace(/,([01])\.0$/, (_, y) => `,${Number(y) + 1}`))].join('\n');
  const a = await refusal('mlpc_binary', shifted);
  // two label columns for a 3-output classifier: refused by the load pipeline (a 'model' error)
  const rows = readFileSync(path.join(SK, 'mlpc_3class.csv'), 'utf8').trim().split('\n');
  const two = ['x1,x2,y,z', ...rows.slice(1).map((l) => `${l},0`)].join('\n');
  const b = await refusal('mlpc_3class', two, undefined, ['y', 'z']);
  for (const { e, shown } of [a, b]) {
    assert.equal(e.code, 'loss', e.message);
    assert.doesNotMatch(e.message, /--/, 'core names no front end’s control');
    assert.match(shown.message, /the labels were read for the (logistic|cross-entropy) loss/);
    assert.match(shown.message, EDITOR_LOSS);
    assert.doesNotMatch(shown.message, /--/);
    assert.equal(shown.action?.action, 'openSettingsFile');
  }
  // the loss chosen by the user: nothing to suggest, the usual data fix-it
  const c = await refusal('mlpc_binary', shifted, 'logistic');
  assert.equal(c.e.code, undefined);
  assert.doesNotMatch(c.shown.message, /loss"|relu-lens\.json/);
  assert.equal(c.shown.action?.action, 'setTrainingData');
});

test('a negative implied β: the warning names no control, the editor’s note names the settings file', async () => {
  const DIR = 'test/fixtures/trained/early-stopped-1d';
  const cs = JSON.parse(readFileSync(path.join(DIR, 'case.json'), 'utf8'));
  const { model } = await readModelFile(path.join(DIR, 'model.onnx'));
  const data = await loadDataset(path.join(DIR, 'train.csv'), { expectD: cs.d, expectC: cs.c });
  // labels negated: the output points away from the residual, ⟨R, F⟩ < 0 (MATH.md §3.8)
  data.Y.data.forEach((v, i) => (data.Y.data[i] = -v));
  const settings = settingsFromOptions(model, { weightDecay: cs.weightDecay, reduction: 'mean' });
  const j = certificateToJson(certifyNetwork(model, data.X, data.Y, settings), model, data);
  assert.ok(j.impliedBeta !== null && j.impliedBeta < 0, `implied β ${j.impliedBeta}`);
  const warning = j.warnings.find((w) => /Implied β .* is negative/.test(w));
  assert.ok(warning, j.warnings.join(' | '));
  assert.match(warning, /check the data and its preprocessing/i);
  assert.doesNotMatch(warning, /--/);
  const note = impliedBetaNote(j.impliedBeta, j.impliedBetaMismatch, 'editor')!;
  assert.match(note, /check the data and its preprocessing/);
  assert.match(note, EDITOR_LOSS);
  assert.doesNotMatch(note, /--/);
});

test("the loss and why: core's reason names no control; the CLI adds --loss, the panel the settings file, the report both", async () => {
  const l = await loadPipeline({
    model: { path: path.join(SK, 'mlpc_binary.onnx') },
    data: { path: path.join(SK, 'mlpc_binary.csv') },
    options: { sklearnAlpha: 0.05, maxIterations: 5 },
    crossCheck: false,
  });
  const { json } = await analyze(l.model, l.data!, l.settings!, { optimize: false, interpret: false, geometry: false });
  // the skl2onnx Sigmoid head chose the loss: the JSON (and so an exported certificate) says why, without a flag
  assert.equal(json.loss.name, 'logistic');
  assert.equal(json.loss.source, 'head');
  assert.match(json.loss.reason, /scikit-learn classifier head/);
  assert.doesNotMatch(json.loss.reason, /--|relu-lens\.json|override/);
  const cliLine = formatAnalysis(json).find((x) => x.startsWith('  loss: '));
  assert.ok(cliLine?.endsWith('; override with --loss)'), cliLine);
  const panel = lossWords(json.loss);
  assert.match(panel, EDITOR_LOSS);
  assert.doesNotMatch(panel, /--/);
  assert.match(renderMarkdown(json), /\(override with --loss \(CLI\) or "loss" in \.vscode\/relu-lens\.json \(editor\)\)/);
  // a loss the user named: nothing to override, in any front end
  const mine = { ...json, loss: { ...json.loss, source: 'user' as const } };
  assert.doesNotMatch(formatAnalysis(mine).join('\n'), /override/);
  assert.doesNotMatch(lossWords(mine.loss), /override|relu-lens\.json/);
  assert.doesNotMatch(renderMarkdown(mine), /override with/);
});
