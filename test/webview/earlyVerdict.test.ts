// The verdict first (#18 item 2) in headless Chromium: a running analysis whose verdict block has
// arrived (HostToPanel 'verdict') shows the whole first viewport at once — verdict sentence, P(θ),
// P*'s interval, the gap, the next step — with the optimum marked "refining…"; the final state then
// replaces it, and every number of the first viewport reads the same in both views.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import type { PanelState } from '../../src/protocol/panel';
import type { CertificateJson } from '../../src/core/report/json';
import { verdictBlock } from '../../src/extension/verdictBlock';
import { SKIP, launch, openPanel, until, type Panel } from './harness';
import { REPO, trainedCase } from './states';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const sel = (id: string) => `[data-testid="${id}"]`;
const FIRST_VIEWPORT = ['verdict', 'verdict-plain', 'objective', 'pstar-interval', 'gap', 'next-step'];

describe('early verdict in the panel', { skip: SKIP }, () => {
  let browser: Browser;
  let done: PanelState;
  before(async () => {
    done = trainedCase('converged-1d');
    browser = await launch();
  });
  after(async () => browser?.close());

  const texts = async (p: Panel) => Promise.all(FIRST_VIEWPORT.map(async (id) => ((await p.page.textContent(sel(id))) ?? '').replace(/Copy$/, '').trim()));

  it('the verdict block renders the first viewport at once, the final state replaces it with the same numbers', async () => {
    const p = await openPanel(browser);
    const running: PanelState = { model: done.model, status: 'running', stage: { name: 'oracle' }, provenance: done.provenance };
    await p.post({ type: 'state', state: running });
    await until(p.page, `!!document.querySelector('${sel('progress')}')`);
    assert.equal(await p.page.locator(sel('verdict')).count(), 0);

    // the final result's own certificate fields, as the worker sends them before the optimum search
    await p.post({ type: 'verdict', verdict: verdictBlock(done.result as unknown as CertificateJson) });
    await until(p.page, `!!document.querySelector('${sel('verdict')}')`);
    const early = await texts(p);
    assert.match(early[0], /Certified/);
    assert.equal(await p.page.getAttribute('.verdict-card', 'data-early'), 'true');
    assert.match((await p.page.textContent(sel('optimum-refining'))) ?? '', /Optimal network — refining…/);
    assert.match((await p.page.textContent(sel('pstar-refining'))) ?? '', /refining…/);
    // still running: progress and Cancel stay; no tabs or exports of a result not yet there
    assert.equal(await p.page.locator(sel('cancel')).count(), 1);
    assert.equal(await p.page.locator('vscode-tabs').count(), 0);
    // the answer comes before the progress box
    const order = await p.page.evaluate(
      (s) => {
        const v = document.querySelector(s[0])!,
          pr = document.querySelector(s[1])!;
        return !!(v.compareDocumentPosition(pr) & Node.DOCUMENT_POSITION_FOLLOWING);
      },
      [sel('verdict'), sel('progress')],
    );
    assert.ok(order, 'the verdict is above the progress');
    mkdirSync(join(REPO, 'test-artifacts/webview'), { recursive: true });
    await p.page.screenshot({ path: join(REPO, 'test-artifacts/webview/early-verdict.png') });
    // a progress message keeps the early answer on screen
    await p.post({ type: 'progress', stage: 'optimum', detail: 'column generation' });
    assert.equal(await p.page.locator(sel('optimum-refining')).count(), 1);

    await p.post({ type: 'state', state: done });
    await until(p.page, `!document.querySelector('${sel('optimum-refining')}')`);
    const final = await texts(p);
    assert.deepEqual(final.slice(0, 4), early.slice(0, 4), 'verdict, sentence, P(θ) and the P* interval read the same');
    assert.equal(final[4], early[4], 'the gap reads the same');
    assert.equal(await p.page.getAttribute('.verdict-card', 'data-early'), null);
    assert.equal(await p.page.locator(sel('pstar-refining')).count(), 0);
    assert.equal(await p.page.locator('vscode-tabs').count(), 1);
    assert.deepEqual(p.errors, []);
  });
});
