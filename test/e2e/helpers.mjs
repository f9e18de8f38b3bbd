// Shared steps of the E2E scenarios (run by scripts/e2e/run.mjs; not a node:test file).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
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
 * The verdict of the FINAL result: the panel shows the verdict early (data-early on its card) while
 * the optimum search still runs, and the tabs, exports, settings list and status bar follow later.
 */
async function finalVerdict(frame) {
  if (await frame.locator('.verdict-card[data-early="true"]').count()) return null;
  return testid(frame, 'verdict');
}

/**
 * Wait until some panel frame shows a verdict (or an error). Returns {frame, verdict}.
 * An error-message while waiting for a verdict fails at once with the panel's own words.
 */
export async function waitVerdict(wb, { timeoutMs = 120_000, allowError = false } = {}) {
  return until(
    'a final verdict (data-testid=verdict, not the early view) in the ReLU Lens panel',
    async () => {
      let error = null;
      for (const frame of await panelFrames(wb.page)) {
        const v = await finalVerdict(frame);
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

/** The four themes the panel must be readable in (issue #18 item 4: WCAG AA in all four). */
export const THEMES = [
  { theme: 'Default Dark Modern', cls: 'vs-dark', tag: 'dark' },
  { theme: 'Default Light Modern', cls: 'vs', tag: 'light' },
  { theme: 'Default High Contrast', cls: 'hc-black', tag: 'hc' },
  { theme: 'Default High Contrast Light', cls: 'hc-light', tag: 'hc-light' },
];

/**
 * Screenshot the state on screen in each of THEMES, published as `<name>-<tag>.png` (issue #18:
 * every Deliver item shown in dark, light and high contrast). Only the colour theme changes — the
 * webview takes the new theme variables without a re-analysis; `settle(t)` restores what the theme
 * picker may have moved (scroll, focus) before the shot. Leaves the workbench in the last theme.
 */
export async function shootThemes(ctx, name, settle = async () => {}) {
  for (const t of THEMES) {
    expect(await applyTheme(ctx, t.theme, t.cls), `the workbench switched to ${t.theme}`);
    await sleep(1500); // the webview receives the theme variables asynchronously
    await settle(t);
    const shot = await ctx.wb.screenshot(`${name}-${t.tag}`);
    ctx.publishScreenshot(shot, `${name}-${t.tag}.png`);
  }
}

/**
 * Change the workspace's .vscode/relu-lens.json before the window opens (the settings the extension
 * and `relu-lens --config` both read): edit(cfg) mutates the parsed file. Returns what was written.
 */
export function editSettings(ctx, edit) {
  const file = join(ctx.ws, '.vscode', 'relu-lens.json');
  const cfg = JSON.parse(readFileSync(file, 'utf8'));
  edit(cfg);
  writeFileSync(file, JSON.stringify(cfg, null, 2) + '\n');
  return cfg;
}

/** examples/two-moons/train.py's training (Adam wd 1e-3, MSELoss mean, biases decayed): β = 0.075, no prompt. */
export const TWO_MOONS_ENTRY = {
  data: 'two-moons/train.csv',
  labels: ['y'],
  labelsFile: null,
  beta: null,
  training: { weightDecay: 0.001, reduction: 'mean', optimizer: 'adam', biasDecay: true },
  hiddenBias: 'decayed',
  outputBias: 'decayed',
  loss: 'squared',
  tol: 0.0001,
};

/**
 * Save `entry` for `model` (workspace-relative), open the workspace, Analyze Model from the explorer
 * and give the panel the window (side bar closed, editor group maximised), as a reader would.
 * Returns {frame, verdict}.
 */
export async function analyzeWithSettings(ctx, model, entry, { timeoutMs = 240_000 } = {}) {
  editSettings(ctx, (cfg) => (cfg.models[model] = entry));
  await openWorkspace(ctx);
  await ctx.wb.explorerContextMenu(model, 'Analyze Model');
  const got = await waitVerdict(ctx.wb, { timeoutMs });
  ctx.log(`  verdict: ${got.verdict}`);
  await ctx.wb.runCommand('View: Close Primary Side Bar').catch(() => {});
  await ctx.wb.runCommand('View: Toggle Maximized Editor Group').catch(() => {});
  await sleep(1500);
  return got;
}

/** Wait until the panel has stopped computing (no progress bar: the optimum search after the verdict is done). */
export async function waitSettled(frame, { timeoutMs = 300_000 } = {}) {
  await until('the panel to finish (no data-testid=progress)', async () => (await frame.locator('[data-testid="progress"]:visible').count().catch(() => 1)) === 0, { timeoutMs, intervalMs: 1000 });
  await sleep(1000);
}

/** The visible text of a panel element without its "Copy" buttons. */
export async function factText(frame, id) {
  return frame.locator(`[data-testid="${id}"]`).first().evaluate((e) => {
    const c = e.cloneNode(true);
    for (const b of c.querySelectorAll('button')) b.remove();
    return c.textContent.replace(/\s+/g, ' ').trim();
  });
}

/** Whether an element's bounding box lies entirely inside its frame's viewport. */
export async function boxInView(frame, sel) {
  return frame.locator(sel).first().evaluate((e) => {
    const b = e.getBoundingClientRect();
    return { top: Math.round(b.top), bottom: Math.round(b.bottom), height: Math.round(b.height), viewport: window.innerHeight, inside: b.top >= 0 && b.bottom <= window.innerHeight && b.height > 0 };
  });
}

/**
 * After a click that opens a save dialog (code-server's simple dialog: a path in the quick input):
 * check the proposed name, accept it, and wait for the file. Returns its absolute path.
 */
export async function acceptSaveDialog(ctx, proposed) {
  const { page } = ctx;
  const input = page.locator('.quick-input-widget input.input');
  await until('the save dialog', () => input.isVisible(), { timeoutMs: 15_000 });
  await sleep(800); // the simple dialog fills its value after it shows
  const target = await input.inputValue();
  ctx.log(`  save dialog: ${target}`);
  expect(proposed.test(target), `the save dialog proposes ${proposed} (got ${target})`);
  await input.press('Enter');
  const file = target.startsWith('/') ? target : join(ctx.ws, target);
  // the dialog may still be reading the folder and ask whether to create it or replace: OK
  const ok = page.locator('.quick-input-widget .monaco-button, .monaco-dialog-box .monaco-button', { hasText: /^(OK|Replace)$/ });
  await until(`the saved file ${file}`, async () => {
    if (existsSync(file)) return true;
    if (await ok.first().isVisible().catch(() => false)) await ok.first().click().catch(() => {});
    return false;
  }, { timeoutMs: 20_000 });
  await sleep(500); // the atomic write renames: the file is whole once it exists
  return file;
}

/**
 * WCAG 2.x contrast of every element under `sel` that holds text of its own, against the
 * background it is drawn on (ancestors' backgrounds composited; colours from computed styles).
 * Returns [{text, fg, bg, ratio, large, ok}] (AA: 4.5, or 3 for large text: ≥ 24 px, or ≥ 18.67 px bold).
 */
export async function contrastOf(frame, sel) {
  return frame.locator(sel).evaluateAll((roots) => {
    const parse = (c) => {
      let m = c.match(/^rgba?\(([^)]+)\)/);
      if (m) {
        const p = m[1].split(/[\s,/]+/).filter(Boolean).map(Number);
        return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
      }
      m = c.match(/^color\(srgb ([^)]+)\)/);
      if (m) {
        const p = m[1].split(/[\s/]+/).filter(Boolean).map(Number);
        return [p[0] * 255, p[1] * 255, p[2] * 255, p.length > 3 ? p[3] : 1];
      }
      return null;
    };
    const over = (top, bottom) => {
      const a = top[3];
      return [0, 1, 2].map((i) => top[i] * a + bottom[i] * (1 - a)).concat(1);
    };
    const background = (e) => {
      const layers = [];
      for (let n = e; n && n.nodeType === 1; n = n.parentElement) {
        const c = parse(getComputedStyle(n).backgroundColor);
        if (c && c[3] > 0) layers.push(c);
        if (c && c[3] >= 1) break;
      }
      // nothing opaque: the webview's editor background variable (VS Code sets it on <html>)
      let base = layers.length && layers[layers.length - 1][3] >= 1 ? layers.pop() : parse(getComputedStyle(document.documentElement).getPropertyValue('--vscode-editor-background').trim() || 'rgb(255,255,255)') ?? [255, 255, 255, 1];
      while (layers.length) base = over(layers.pop(), base);
      return base;
    };
    const lum = (c) => {
      const [r, g, b] = c.slice(0, 3).map((v) => {
        const s = v / 255;
        return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
      });
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const out = [];
    for (const root of roots)
      for (const e of [root, ...root.querySelectorAll('*')]) {
        const own = [...e.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent).join('').trim();
        if (!own || e.getClientRects().length === 0) continue;
        const st = getComputedStyle(e);
        const bg = background(e);
        const fg = over(parse(st.color) ?? [0, 0, 0, 1], bg);
        const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
        const ratio = (hi + 0.05) / (lo + 0.05);
        const px = parseFloat(st.fontSize);
        const large = px >= 24 || (px >= 18.66 && Number(st.fontWeight) >= 700);
        out.push({ text: own.slice(0, 40), fg: fg.slice(0, 3).map(Math.round).join(','), bg: bg.slice(0, 3).map(Math.round).join(','), ratio: Math.round(ratio * 100) / 100, large, ok: ratio >= (large ? 3 : 4.5) });
      }
    return out;
  });
}

/** The Problems panel as {file, markers: [row text]} groups (file rows are the tree's level 1). */
export async function problemsByFile(wb) {
  await wb.runCommand('Focus Problems (Errors, Warnings, Infos)');
  await sleep(800);
  const rows = wb.page.locator('.markers-panel .monaco-list-row');
  const out = [];
  const n = await rows.count();
  for (let i = 0; i < n; i++) {
    const r = rows.nth(i);
    const level = await r.getAttribute('aria-level');
    const t = `${(await r.getAttribute('aria-label')) ?? ''} | ${((await r.textContent()) ?? '').replace(/\s+/g, ' ')}`;
    if (level === '1') out.push({ file: t, markers: [] });
    else out[out.length - 1]?.markers.push(t);
  }
  return out;
}

/** Wait for the panel of `model` (its header's model path ends with it) to show a verdict. Returns {frame, verdict}. */
export async function waitVerdictFor(wb, model, { timeoutMs = 300_000 } = {}) {
  return until(`a verdict in the panel of ${model}`, async () => {
    for (const frame of await panelFrames(wb.page)) {
      const path = (await frame.locator('.model-path').first().textContent().catch(() => '')) ?? '';
      if (!path.trim().endsWith(model)) continue;
      const v = await finalVerdict(frame).catch(() => null);
      if (v && VERDICT_RE.test(v)) return { frame, verdict: v };
      const err = await testid(frame, 'error-message').catch(() => null);
      if (err) throw new FatalPanelError(`the panel of ${model} shows an error instead of a verdict: "${err}"`);
    }
    return null;
  }, { timeoutMs, rethrow: FatalPanelError });
}
