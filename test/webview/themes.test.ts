// The panel in each VS Code theme kind (dark, light, high contrast, high-contrast light): screenshots
// to test-artifacts/webview/ for people to look at, and WCAG contrast checks on what must be read —
// body text, the verdict, the selected neuron's mark and the plotted curves against the background.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import type { PanelState } from '../../src/protocol/panel';
import { SKIP, launch, openPanel, until } from './harness';
import { REPO, trainedCase, highDim, whitenedCase } from './states';
import type { ThemeName } from './themes';

const OUT = join(REPO, 'test-artifacts/webview');
const sel = (id: string) => `[data-testid="${id}"]`;

/** WCAG 2 contrast ratio of two CSS colours 'rgb(r, g, b)' / 'rgba(…)'. */
export function contrast(a: string, b: string): number {
  const lum = (c: string) => {
    const [r, g, bl] = (c.match(/[\d.]+/g) ?? ['0', '0', '0']).slice(0, 3).map((x) => {
      const v = Number(x) / 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}

describe('panel themes', { skip: SKIP }, () => {
  let browser: Browser;
  let moons: PanelState, es1d: PanelState, d6: PanelState, cf: PanelState;
  before(async () => {
    // (examples/two-moons is the natural picture, but its full analysis takes minutes: not in a unit test)
    moons = trainedCase('early-stopped-2d');
    es1d = trainedCase('early-stopped-1d');
    d6 = highDim().inconclusive;
    cf = whitenedCase();
    mkdirSync(OUT, { recursive: true });
    browser = await launch();
  });
  after(async () => browser?.close());

  const themes: ThemeName[] = ['dark', 'light', 'high-contrast', 'high-contrast-light'];
  for (const theme of themes) {
    it(`${theme}: legible text, verdict, curves and selection; screenshots`, async () => {
      const p = await openPanel(browser, theme, { width: 1280, height: 1000 });
      const shots: [PanelState, string, number | null, number][] = [
        [moons, '2d', 7, 0],
        [es1d, '1d', 3, 0],
        [d6, 'pca', 0, 0],
        [cf, 'closed-form', null, 1],
        [es1d, 'diagnosis', null, 2],
        [es1d, 'geometry', null, 3],
      ];
      for (const [state, name, neuron, tab] of shots) {
        await p.post({ type: 'state', state });
        await until(p.page, `!!document.querySelector('${sel('verdict')}')`);
        await p.page.locator('vscode-tab-header').nth(tab).click();
        if (neuron !== null) await p.post({ type: 'selectNeuron', index: neuron });
        await p.page.evaluate('document.fonts.ready');
        await p.page.screenshot({ path: join(OUT, `${theme}-${name}.png`), fullPage: name !== '2d' });
        if (name === '2d') await p.page.screenshot({ path: join(OUT, `${theme}-2d-full.png`), fullPage: true });
      }
      // a running analysis and an error with its fix-it button
      await p.post({ type: 'state', state: { model: 'models/model.onnx', status: 'running', stage: { name: 'patterns', detail: '1200 of 2500' } } });
      await p.page.screenshot({ path: join(OUT, `${theme}-running.png`) });
      await p.post({
        type: 'state',
        state: {
          model: 'models/model.onnx',
          status: 'error',
          error: {
            kind: 'beta-missing',
            message: 'No β for this model: set the weight decay (and reduction) used in training, or β itself.',
            action: { label: 'Set β…', action: 'setBeta' },
          },
        },
      });
      await p.page.screenshot({ path: join(OUT, `${theme}-error.png`) });
      // contrast, read from the rendered 1-D page (with the engine's dead-neuron warning, issue #18)
      const dead = es1d.result!.neurons.filter((n) => n.dead).length;
      const warning = `${dead} of ${es1d.result!.model.m} neurons are dead (zero on all data, or zero output weights) and were dropped.`;
      await p.post({ type: 'state', state: { ...es1d, result: { ...es1d.result!, warnings: [warning] } } });
      await p.page.locator('vscode-tab-header').first().click();
      await p.post({ type: 'selectNeuron', index: 3 });
      const c = (await p.page.evaluate(`(() => {
        const cs = (q, prop) => { const e = document.querySelector(q); return e ? getComputedStyle(e)[prop] : null; };
        return {
          bg: getComputedStyle(document.body).backgroundColor,
          text: getComputedStyle(document.body).color,
          verdict: cs('[data-testid="verdict"]', 'color'),
          trained: cs('polyline.fn.trained', 'stroke'),
          optimal: cs('polyline.fn.optimal', 'stroke'),
          selected: cs('.neuron-mark.selected .kink-line', 'stroke'),
          muted: cs('figcaption', 'color'),
          warning: cs('[data-testid="warnings"] li', 'color'),
          warnGlyph: cs('[data-testid="warnings"] .warn-glyph', 'color'),
          facts: cs('[data-testid="answer-facts"] dt', 'color'),
        };
      })()`)) as Record<string, string>;
      assert.ok(contrast(c.text, c.bg) >= 4.5, `body text ${c.text} on ${c.bg}`);
      assert.ok(contrast(c.verdict, c.bg) >= 3, `verdict ${c.verdict} on ${c.bg}`);
      assert.ok(contrast(c.muted, c.bg) >= 3, `captions ${c.muted} on ${c.bg}`);
      // WCAG AA: text 4.5:1, a glyph 3:1
      assert.ok(contrast(c.warning, c.bg) >= 4.5, `the dead-neuron warning ${c.warning} on ${c.bg}`);
      assert.ok(contrast(c.warnGlyph, c.bg) >= 3, `the warning glyph ${c.warnGlyph} on ${c.bg}`);
      assert.ok(contrast(c.facts, c.bg) >= 4.5, `the answer's labels ${c.facts} on ${c.bg}`);
      for (const k of ['trained', 'optimal', 'selected'] as const) assert.ok(contrast(c[k], c.bg) >= 3, `${k} ${c[k]} on ${c.bg}`);
      assert.deepEqual(p.errors, []);
    });
  }
});
