// Shared steps of the E2E scenarios (run by scripts/e2e/run.mjs; not a node:test file).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { until, expect, sleep, Skip } from '../../scripts/e2e/workbench.mjs';

export { until, expect, sleep, Skip };

export const VERDICT_RE = /Certified|Not optimal|Inconclusive/;

/** case.json of a test/fixtures/trained case (the independent torch/convex reference). */
export function trainedCase(repo, dir) {
  return JSON.parse(readFileSync(join(repo, 'test', 'fixtures', 'trained', dir, 'case.json'), 'utf8'));
}

export const needPanel = (f) => (f.panel ? null : 'webview panel not landed: dist/webview.js has no data-testid="panel-root"');
export const needCommand = (f, id) => (f.commands.has(id) ? null : `command ${id} not contributed in package.json yet`);

/** All webview frames that currently hold the panel. */
export async function panelFrames(page) {
  const out = [];
  for (const f of page.frames()) {
    if (f.isDetached()) continue;
    try {
      if (await f.locator('[data-testid="panel-root"]').count()) out.push(f);
    } catch {
      /* navigating */
    }
  }
  return out;
}

async function testid(frame, id) {
  const l = frame.locator(`[data-testid="${id}"]`);
  if (!(await l.count())) return null;
  return ((await l.first().textContent()) ?? '').trim();
}

/**
 * Wait until some panel frame shows a verdict (or an error). Returns {frame, verdict}.
 * An error-message while waiting for a verdict fails at once with the panel's own words.
 */
export async function waitVerdict(wb, { timeoutMs = 120_000, allowError = false } = {}) {
  return until(
    'a verdict (data-testid=verdict) in the ReLU Lens panel',
    async () => {
      let error = null;
      for (const frame of await panelFrames(wb.page)) {
        const v = await testid(frame, 'verdict');
        if (v && VERDICT_RE.test(v)) return { frame, verdict: v };
        const err = await testid(frame, 'error-message');
        if (err && (await frame.locator('[data-testid="error-message"]').first().isVisible())) error ??= { frame, error: err };
      }
      if (error && allowError) return error;
      if (error) throw new FatalPanelError(`the panel shows an error instead of a verdict: "${error.error}"`);
      return null;
    },
    { timeoutMs, rethrow: FatalPanelError },
  );
}

export class FatalPanelError extends Error {}

export async function count(frame, id) {
  return frame.locator(`[data-testid="${id}"]`).count();
}

/** Neurons the table accounts for: the rows listed plus those folded into the dead/negligible summary row. */
export async function listedNeurons(frame) {
  const rows = await count(frame, 'neuron-row');
  const folded = frame.locator('[data-testid="collapsed-row"]');
  const n = (await folded.count()) ? Number((await folded.first().getAttribute('data-count')) ?? 0) : 0;
  return rows + n;
}

export async function text(frame, id) {
  return testid(frame, id);
}

/** Open the workspace; ready when the explorer shows and the extension's commands are registered. */
export async function openWorkspace(ctx) {
  await ctx.wb.open(ctx.ws, 'models');
  await ctx.wb.waitForExtension('ReLU Lens: Analyze Model');
}

/** Switch the color theme with the picker and wait for the workbench to apply it. */
export async function applyTheme(ctx, theme, cls) {
  const wbLoc = ctx.page.locator('.monaco-workbench').first();
  const applied = async () => ((await wbLoc.getAttribute('class')) ?? '').split(/\s+/).includes(cls);
  // a picker that never takes falls back to settings.json + reload in the scenario
  if (!(await ctx.wb.pickColorTheme(theme, { timeoutMs: 30_000 }).then(() => true, () => false))) return false;
  return Boolean(await until(`theme ${theme} (.monaco-workbench.${cls})`, applied, { timeoutMs: 15_000 }).catch(() => false));
}
