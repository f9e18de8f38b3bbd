/**
 * Words that core hands to the front ends as kinds (#18 loose ends): a negative implied β asks to
 * check the data and its preprocessing in the report, the CLI and the panel alike (the shared
 * impliedBetaText.ts), and the wall-clock safety limit is a kind in the result (safetyLimit) that
 * each front end words with its own control — the CLI's --time-budget, the editor's setting.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { readModelFile } from '../../src/core/onnx';
import { loadDataset } from '../../src/core/data';
import { certifyNetwork } from '../../src/core/certify';
import { settingsFromOptions } from '../../src/core/config/options';
import { certificateToJson } from '../../src/core/report/json';
import { renderHtml, renderMarkdown } from '../../src/core/report/render';
import { safetyLimitAdvice } from '../../src/core/report/safetyLimit';
import { formatHuman } from '../../src/cli/format';

const DIR = path.resolve(__dirname, '..', 'fixtures', 'trained', 'early-stopped-1d');

async function certified(labels: 'as-is' | 'negated', timeBudgetMs?: number) {
  const cs = JSON.parse(readFileSync(path.join(DIR, 'case.json'), 'utf8'));
  const { model } = await readModelFile(path.join(DIR, 'model.onnx'));
  const data = await loadDataset(path.join(DIR, 'train.csv'), { expectD: cs.d, expectC: cs.c });
  // the labels negated: the network's output points away from the residual, so ⟨R, F⟩ < 0 (MATH.md §3.8)
  if (labels === 'negated') data.Y.data.forEach((v, i) => (data.Y.data[i] = -v));
  const settings = settingsFromOptions(model, { weightDecay: cs.weightDecay, reduction: 'mean', ...(timeBudgetMs !== undefined ? { timeBudgetMs } : {}) });
  return certificateToJson(certifyNetwork(model, data.X, data.Y, settings), model, data);
}

test('a negative implied β: the report, the CLI and the panel helper all say to check the data and its preprocessing', async () => {
  const j = await certified('negated');
  assert.ok(j.impliedBeta !== null && j.impliedBeta < 0, `implied β ${j.impliedBeta}`);
  for (const text of [renderMarkdown(j, {}), renderHtml(j, {}), formatHuman(j)]) {
    assert.match(text, /check the data and its preprocessing/);
    assert.doesNotMatch(text, /\(mismatch\)/);
  }
  // the loss control in each front end's words: the report both, the CLI its flag (#18)
  assert.match(renderMarkdown(j, {}), /--loss \(CLI\) or "loss" in \.vscode\/relu-lens\.json \(editor\)/);
  assert.match(formatHuman(j), /the loss \(--loss\)/);
  // a positive implied β gets no such advice
  const ok = await certified('as-is');
  assert.ok(ok.impliedBeta !== null && ok.impliedBeta > 0);
  assert.doesNotMatch(renderMarkdown(ok, {}), /check the data and its preprocessing/);
});

test('the safety limit is a kind: the CLI names --time-budget, the panel its setting, the report both; core names neither', async () => {
  const j = await certified('as-is', 0);
  assert.deepEqual(j.safetyLimit, { seconds: 0 });
  const core = [...j.warnings, j.summary, j.inconclusiveReason?.advice ?? ''].join('\n');
  assert.match(core, /wall-clock safety limit/);
  assert.doesNotMatch(core, /--time-budget|timeBudgetSeconds/);
  const cli = formatHuman(j);
  assert.match(cli, /raise --time-budget or lower the work budgets/);
  assert.doesNotMatch(cli, /timeBudgetSeconds/);
  const editor = safetyLimitAdvice(j.safetyLimit, 'editor')!;
  assert.match(editor, /raise the setting reluLens\.timeBudgetSeconds/);
  assert.doesNotMatch(editor, /--/);
  assert.match(renderMarkdown(j, {}), /--time-budget \(CLI\) or reluLens\.timeBudgetSeconds \(editor\)/);
  // no limit fired: nobody mentions it
  const free = await certified('as-is');
  assert.equal(free.safetyLimit, null);
  assert.equal(safetyLimitAdvice(free.safetyLimit, 'cli'), null);
  assert.doesNotMatch(formatHuman(free) + renderMarkdown(free, {}), /stopped by the wall-clock|safety limit \([^)]*\) stopped/);
});
