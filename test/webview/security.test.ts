// Security of the panel: (1) strings from model and data files are text, never markup — a model
// whose file name, feature and label names carry <img onerror>/<script> payloads renders them
// literally and creates no element; (2) the page getPanelHtml builds runs under its strict CSP with
// no violation while showing every kind of result (KaTeX included), and loads nothing remote.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import type { PanelState } from '../../src/protocol/panel';
import { SKIP, ORIGIN, launch, openPanel, until } from './harness';
import { REPO, trainedCase, whitenedCase, highDim, certifyCli } from './states';
import { parseDataset } from '../../src/core/data';
import { buildPlotData } from '../../src/extension/plotData';

const IMG = `<img src=x onerror="window.__xss.push('img')">`;
const SCRIPT = `<script>window.__xss.push('script')</script>`;
const sel = (id: string) => `[data-testid="${id}"]`;

/** converged-1d copied under hostile names: directory, model file, feature and label columns. */
function hostileState(): PanelState {
  const dir = join(tmpdir(), 'relu-lens-webview-tests', `<img src=x onerror=alert(1)>`);
  mkdirSync(dir, { recursive: true });
  const model = join(dir, '<b onmouseover=alert(1)>model.onnx');
  copyFileSync(join(REPO, 'test/fixtures/trained/converged-1d/model.onnx'), model);
  const csv = readFileSync(join(REPO, 'test/fixtures/trained/converged-1d/train.csv'), 'utf8').split('\n');
  csv[0] = `${IMG.replace(/"/g, '')},${SCRIPT}`;
  const data = join(dir, 'train.csv');
  writeFileSync(data, csv.join('\n'));
  const result = certifyCli([model, '--data', data, '--label', SCRIPT, '--weight-decay', '0.01', '--reduction', 'mean']);
  result.warnings.push(`label ${SCRIPT} looks odd ${IMG}`);
  const ds = parseDataset(readFileSync(data), { file: data, labels: [SCRIPT], expectD: 1, expectC: 1 });
  return {
    model,
    status: 'done',
    result,
    plot: buildPlotData(ds.X, ds.Y),
    provenance: [
      { name: 'data', value: data, source: 'config-file', detail: `.vscode/${IMG}.json` },
      { name: 'weightDecay', value: '0.01', source: 'training-script', detail: `${SCRIPT}.py:3` },
    ],
  };
}

describe('panel security', { skip: SKIP }, () => {
  let browser: Browser;
  before(async () => {
    browser = await launch();
  });
  after(async () => browser?.close());

  it('XSS: hostile names from model and data files render as text and create no element', async () => {
    const state = hostileState();
    assert.ok(state.result!.data.labels.includes(SCRIPT), 'the engine carried the hostile label name through');
    const p = await openPanel(browser);
    await p.post({ type: 'state', state });
    await until(p.page, `!!document.querySelector('${sel('verdict')}')`);
    await p.page.locator(sel('neuron-row')).first().click();
    const body = (await p.page.textContent('body')) ?? '';
    assert.ok(body.includes(SCRIPT), 'the <script> label is shown literally');
    assert.ok(body.includes(IMG), 'the <img> payload is shown literally');
    assert.ok(body.includes('<b onmouseover=alert(1)>model.onnx'));
    // an error whose message and action label carry payloads
    await p.post({
      type: 'state',
      state: { model: IMG, status: 'error', error: { kind: 'data', message: `bad column ${SCRIPT}`, action: { label: IMG, action: 'setTrainingData' } } },
    });
    assert.equal(await p.page.textContent(sel('error-message')), `bad column ${SCRIPT}`);
    assert.equal(await p.page.textContent(sel('error-action')), IMG);
    const dom = await p.page.evaluate(`({
      img: document.querySelectorAll('img').length,
      scripts: document.querySelectorAll('script').length,
      b: document.querySelectorAll('b').length,
      handlers: document.querySelectorAll('[onerror],[onload],[onmouseover],[onclick]').length,
      xss: window.__xss,
    })`);
    assert.deepEqual(dom, { img: 0, scripts: 1, b: 0, handlers: 0, xss: [] });
    assert.deepEqual(p.errors, []);
  });

  it('CSP: no violation while rendering every kind of result; nothing loaded from elsewhere', async () => {
    const states = [trainedCase('converged-1d'), trainedCase('early-stopped-2d'), highDim().inconclusive, whitenedCase()];
    const p = await openPanel(browser);
    const csp = (await p.page.getAttribute('meta[http-equiv="Content-Security-Policy"]', 'content')) ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'nonce-[A-Za-z0-9_-]{32}'(;|$)/);
    assert.doesNotMatch(csp, /unsafe-(inline|eval)/);
    for (const s of states) {
      await p.post({ type: 'state', state: s });
      await until(p.page, `!!document.querySelector('${sel('verdict')}')`);
      await p.page.locator('vscode-tab-header').first().click(); // the tab persists across states
      await p.page.locator(sel('neuron-row')).first().click();
      for (const tab of await p.page.locator('vscode-tab-header').all()) await tab.click();
    }
    await p.page.evaluate('document.fonts.ready');
    assert.deepEqual(await p.violations(), []);
    assert.deepEqual(p.errors, []);
    assert.ok(
      p.requests.every((u) => u.startsWith(ORIGIN)),
      p.requests.filter((u) => !u.startsWith(ORIGIN)).join(', '),
    );
    assert.ok(
      p.requests.some((u) => /\/dist\/katex\/fonts\/KaTeX_.*\.woff2$/.test(u)),
      'KaTeX fonts came from dist/katex',
    );
    // the listener works: an inline style attribute is refused and reported
    await p.page.evaluate(`document.body.setAttribute('style', 'color: red')`);
    await until(p.page, 'window.__violations.length > 0');
    assert.equal((await p.violations())[0].directive, 'style-src-attr');
  });
});
