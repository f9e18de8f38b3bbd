/**
 * The Markdown/HTML reports gain optimum, closed form and diagnosis sections; every string from the
 * analysis (file names, texts, formulas) is untrusted and must come out escaped.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { readModelFile } from '../../src/core/onnx';
import { loadDataset } from '../../src/core/data';
import { analyze } from '../../src/core/analysis';
import { settingsFromOptions } from '../../src/core/config/options';
import { renderHtml, renderMarkdown } from '../../src/core/report/render';
import { formatHuman } from '../../src/cli/format';

const EVIL = '<img src=x onerror=alert(1)> | `x` *y*';

test('reports: optimum, closed form and diagnosis sections, everything escaped', async () => {
  const dir = path.resolve(__dirname, '..', 'fixtures', 'trained', 'spurious-2d');
  const cs = JSON.parse(readFileSync(path.join(dir, 'case.json'), 'utf8'));
  const { model } = await readModelFile(path.join(dir, 'model.onnx'));
  const data = await loadDataset(path.join(dir, 'train.csv'), { expectD: 2, expectC: 1 });
  const { json } = await analyze(model, data, settingsFromOptions(model, { beta: cs.beta }), { geometry: false });
  const j = {
    ...json,
    diagnosis: { ...json.diagnosis!, text: EVIL },
    closedForm: { name: EVIL, formula: EVIL, formulaText: EVIL, condition: EVIL, tolerance: 1e-10, values: { pstar: 1 }, pstar: 1 },
    optimum: { ...json.optimum!, method: EVIL },
  };
  const html = renderHtml(j);
  assert.ok(!html.includes('<img'), 'raw HTML from the analysis reached the report');
  assert.ok(html.includes('&#60;img'));
  for (const h of ['Optimal network', 'Closed form', 'Why training stopped here', 'Loss']) assert.ok(html.includes(`<h2>${h}`), h);
  const md = renderMarkdown(j);
  assert.ok(!/(?<!\\)<img/.test(md), 'unescaped < in Markdown'); // \< is a literal < in Markdown
  assert.match(md, /## Optimal network/);
  assert.match(md, /## Why training stopped here/);
  // a table cell cannot break out of its row
  for (const line of md.split('\n').filter((l) => l.startsWith('| method'))) assert.equal(line.split(/(?<!\\)\|/).length, 4, line);
  const human = formatHuman(json);
  assert.match(human, /Optimal network \(P\*\): objective 0\.59571302/);
  assert.match(human, /diagnosis \(spurious-stationary-point\)/);
});
