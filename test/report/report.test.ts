/**
 * The HTML/Markdown reports (issue #18 items 2 and 4): plots inline as static SVG (no script), the
 * top neurons by contribution ‖ũ_j‖‖v_j‖ with the full table as a collapsed CSV appendix, one unit
 * for gap and tolerance, P* intervals with the digits their width needs, no "not proven" wording
 * on a certified result, numbers and the date in an explicit locale. The page height of a
 * 3,000-neuron report is measured in headless Chromium when it is installed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { readModelFile } from '../../src/core/onnx';
import { loadDataset } from '../../src/core/data';
import { analysisPlan, analyze } from '../../src/core/analysis';
import { settingsFromOptions } from '../../src/core/config/options';
import { renderHtml, renderMarkdown, REPORT_TOP_NEURONS } from '../../src/core/report/render';
import { contribution } from '../../src/core/report/neurons';
import { PLOT_TOP_NEURONS } from '../../src/core/report/svg/plots';
import { CHROMIUM, SKIP, launch } from '../webview/harness';

const TRAINED = path.resolve(__dirname, '..', 'fixtures', 'trained');

async function analyzed(name: string) {
  const dir = path.join(TRAINED, name);
  const cs = JSON.parse(readFileSync(path.join(dir, 'case.json'), 'utf8'));
  const { model } = await readModelFile(path.join(dir, 'model.onnx'));
  const data = await loadDataset(path.join(dir, 'train.csv'), { expectD: cs.d, expectC: cs.c });
  const { json } = await analyze(model, data, settingsFromOptions(model, { weightDecay: cs.weightDecay, reduction: 'mean' }), {
    ...analysisPlan('certify'),
    geometry: false,
  });
  return { json, data, cs };
}

/** Cells of the HTML table that follows a heading starting with `heading`. */
function tableAfter(html: string, heading: string): string[][] {
  const at = html.indexOf(`<h2>${heading}`);
  assert.ok(at >= 0, `no heading ${heading}`);
  const table = html.slice(html.indexOf('<table>', at), html.indexOf('</table>', at));
  return [...table.matchAll(/<tr>(.*?)<\/tr>/g)].map((r) => [...r[1].matchAll(/<t[dh]>(.*?)<\/t[dh]>/g)].map((c) => c[1]));
}

test('HTML report of a certified 1-D network: two inline SVG plots, no script, the top neurons by contribution, the CSV appendix', async () => {
  const { json, data } = await analyzed('converged-1d');
  assert.equal(json.verdict, 'certified');
  const html = renderHtml(json, { data: { X: data.X, Y: data.Y } });
  assert.equal((html.match(/<svg /g) ?? []).length, 2, 'data plot and dual-score chart');
  assert.ok(!/<script/i.test(html));
  assert.ok(!/not proven/i.test(html), 'a certified result says nothing is unproven');
  // one unit: the gap and the tolerance both in %
  assert.match(html, /CERTIFIED globally optimal \(gap [0-9.e-]+% ≤ tolerance 0\.01%\)/);
  // the top neurons, by contribution, from the certificate's own norms
  const live = json.neurons.filter((n) => !n.dead);
  const rows = tableAfter(html, 'Top ').slice(1);
  assert.equal(rows.length, Math.min(REPORT_TOP_NEURONS, live.length));
  const want = [...live]
    .sort((a, b) => contribution(b) - contribution(a))
    .slice(0, rows.length)
    .map((n) => String(n.index));
  assert.deepEqual(
    rows.map((r) => r[0]),
    want,
  );
  // every neuron in the collapsed CSV, with its exact norms
  const csv = html
    .slice(html.indexOf('neuron,in_norm'), html.indexOf('</pre>', html.indexOf('neuron,in_norm')))
    .trim()
    .split('\n');
  assert.equal(csv.length, json.neurons.length + 1);
  const byIndex = new Map(
    csv
      .slice(1)
      .map((l) => l.split(','))
      .map((c) => [Number(c[0]), c]),
  );
  for (const n of json.neurons) assert.equal(Number(byIndex.get(n.index)![1]), n.inNorm);
  assert.match(html, /<details><summary>All \d+ neurons \(CSV\)<\/summary>/);
  // the 1-D plot: the network's curve and at most PLOT_TOP_NEURONS kinks
  const plot = html.slice(html.indexOf('<svg '), html.indexOf('</svg>') + 6);
  assert.match(plot, /<path d="M/);
  assert.ok((plot.match(/kink at x/g) ?? []).length <= PLOT_TOP_NEURONS);
  assert.equal((plot.match(/<circle /g) ?? []).length, json.data.n, 'every sample drawn');
});

test('2-D report: at most the top neurons are drawn; Markdown has the same plots, top table and CSV appendix', async () => {
  const { json, data } = await analyzed('converged-2d');
  const md = renderMarkdown(json, { data: { X: data.X, Y: data.Y } });
  const svgs = md.split('\n').filter((l) => l.startsWith('<svg '));
  assert.equal(svgs.length, 2);
  assert.ok((svgs[0].match(/<title>neuron /g) ?? []).length <= PLOT_TOP_NEURONS);
  assert.ok(!/not proven/i.test(md));
  assert.match(md, /```csv\nneuron,in_norm,out_norm,contribution,active,dead,dual_score\n/);
  const top = md.split('\n').filter((l) => /^\| \d+ \| /.test(l));
  assert.equal(top.length, Math.min(REPORT_TOP_NEURONS, json.neurons.filter((n) => !n.dead).length));
});

test('P* interval with the digits its width needs; numbers and the date in an explicit locale', async () => {
  const { json } = await analyzed('converged-2d');
  const [lo, hi] = [0.5957130247625271, 0.5957133371400006];
  const j = { ...json, pstarInterval: [lo, hi] as [number, number] };
  const m = /<td>P\* interval<\/td><td>\[([^,]+), ([^\]]+)\]<\/td>/.exec(renderHtml(j));
  assert.ok(m, 'P* interval row');
  // read back, the printed ends show the width to two significant digits
  const w = Number(m[2]) - Number(m[1]);
  assert.ok(Math.abs(w - (hi - lo)) <= 0.05 * (hi - lo), `printed width ${w} vs ${hi - lo}`);
  const de = renderHtml(j, { locale: 'de-DE', date: new Date(Date.UTC(2026, 11, 7, 12, 0)) });
  assert.match(de, /<html lang="de-DE">/);
  assert.ok(
    de.includes(`<td>P(θ), the weights as given</td><td>${String(Number(json.primalAsTrained.toPrecision(10))).replace('.', ',')}</td>`),
    'decimal comma',
  );
  assert.match(de, /Generated 7\. Dezember 2026/);
  // the plain report has no date (reproducible files)
  assert.ok(!/Generated/.test(renderHtml(j)));
});

test('a 3,000-neuron report stays short: top neurons only, the rest collapsed (measured in Chromium when present)', async (t) => {
  const { json } = await analyzed('converged-2d');
  // the example's shape: 3,000 neurons, 2,100 dead
  const neurons = Array.from({ length: 3000 }, (_, i) => ({ ...json.neurons[i % json.neurons.length], index: i, dead: i % 10 < 7 }));
  const html = renderHtml({ ...json, neurons });
  const rows = (html.match(/<tr>/g) ?? []).length;
  const collapsed = html.slice(html.indexOf('<details>')).match(/<tr>/g)?.length ?? 0;
  assert.ok(rows - collapsed < 80, `${rows - collapsed} visible table rows`);
  if (SKIP) return t.skip(String(SKIP));
  const browser = await launch();
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.setContent(html);
    const height = await page.evaluate(() => document.documentElement.scrollHeight);
    assert.ok(height < 6000, `report height ${height} px (${CHROMIUM})`);
  } finally {
    await browser.close();
  }
});
