// Drives the code-server web workbench (VS Code 1.100) through its DOM. Every wait polls with a
// timeout and fails with a message that says what it was waiting for.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

export class Skip extends Error {}
export class E2EFailure extends Error {}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Poll fn() until it returns a truthy value; throw `what` after timeoutMs. */
export async function until(what, fn, { timeoutMs = 20_000, intervalMs = 250, rethrow } = {}) {
  const t0 = Date.now();
  let lastErr;
  while (Date.now() - t0 < timeoutMs) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      // an answer that can only get worse by waiting (e.g. the panel shows an error): fail now
      if (rethrow && e instanceof rethrow) throw new E2EFailure(e.message);
      lastErr = e;
    }
    await sleep(intervalMs);
  }
  throw new E2EFailure(
    `timed out after ${(timeoutMs / 1000).toFixed(0)} s waiting for ${what}${lastErr ? ` (last error: ${String(lastErr.message).split('\n')[0]})` : ''}`,
  );
}

export function expect(cond, message) {
  if (!cond) throw new E2EFailure(message);
}

const cssString = (s) => JSON.stringify(s);

export class Workbench {
  constructor(page, { port, artifacts, scenario, log }) {
    this.page = page;
    this.port = port;
    this.artifacts = artifacts;
    this.scenario = scenario;
    this.log = log;
    this.shots = [];
  }

  async open(folder, readyFile) {
    const url = `http://127.0.0.1:${this.port}/?folder=${encodeURIComponent(folder)}`;
    await this.page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60_000 });
    await until('the workbench', () => this.page.locator('.monaco-workbench').count(), { timeoutMs: 60_000 });
    // The explorer opens with the folder: its first row is the ready signal (E2E.md).
    await until(`explorer row "${readyFile}"`, () => this.row(readyFile).count(), { timeoutMs: 60_000 });
  }

  /**
   * Wait until the workbench knows the extension's contributions (its command is in the palette).
   * The remote extension host reports them a few seconds after the explorer shows: a file opened
   * earlier gets the binary text editor instead of the custom editor, a context menu lacks the entry.
   */
  async waitForExtension(commandTitle, { timeoutMs = 60_000 } = {}) {
    const row = this.page.locator('.quick-input-list .monaco-list-row', { hasText: commandTitle }).first();
    const t0 = Date.now();
    while (Date.now() - t0 < timeoutMs) {
      if (await this.quickInput(`>${commandTitle}`).catch(() => false)) {
        const ok = await until('palette row', () => row.isVisible(), { timeoutMs: 1_500 }).catch(() => false);
        await this.page.keyboard.press('Escape');
        if (ok) return;
      }
      await sleep(1000);
    }
    throw new E2EFailure(`the extension never registered: "${commandTitle}" not in the palette after ${timeoutMs / 1000} s`);
  }

  row(label) {
    return this.page.locator(`.explorer-folders-view .monaco-list-row[aria-label=${cssString(label)}]`);
  }

  /** Expand the folders of a workspace-relative path and return the file's explorer row. */
  async revealFile(relPath) {
    const parts = relPath.split('/');
    let above = -Infinity; // the y of the parent folder's row
    for (let i = 0; i < parts.length - 1; i++) {
      const r = await this.rowBelow(parts[i], above);
      if ((await r.getAttribute('aria-expanded')) !== 'true') {
        await r.click();
        await until(`folder "${parts[i]}" to expand`, async () => (await r.getAttribute('aria-expanded')) === 'true');
      }
      above = (await r.boundingBox())?.y ?? above;
    }
    return this.rowBelow(parts[parts.length - 1], above);
  }

  /**
   * The first row labelled `label` below y = `above`. Two folders may hold files of the same name
   * (two-moons/model.onnx, regression/model.onnx), and the list's DOM order is not its visual
   * order (rows are positioned), so `.first()` can be the other folder's file.
   */
  async rowBelow(label, above) {
    const rows = this.row(label);
    return until(`explorer row "${label}"`, async () => {
      let best = null,
        bestY = Infinity;
      for (let k = 0; k < (await rows.count()); k++) {
        const y = (await rows.nth(k).boundingBox())?.y;
        if (y !== undefined && y > above && y < bestY) [best, bestY] = [rows.nth(k), y];
      }
      return best;
    });
  }

  /**
   * Right-click a file in the explorer and choose a context-menu entry by its label. The menu is
   * built when it opens: until the remote extension host has reported the extension's
   * contributions the entry is missing, so close and reopen until it shows.
   */
  async explorerContextMenu(relPath, label, { timeoutMs = 60_000 } = {}) {
    const file = await this.revealFile(relPath);
    const item = this.page.locator('.monaco-menu .action-item .action-label', { hasText: label }).first();
    const t0 = Date.now();
    while (true) {
      await file.click({ button: 'right' });
      if (await until(`context-menu entry "${label}"`, () => item.isVisible(), { timeoutMs: 3_000 }).catch(() => false)) break;
      await this.page.keyboard.press('Escape');
      if (Date.now() - t0 > timeoutMs) throw new E2EFailure(`context-menu entry "${label}" not shown for ${relPath} within ${timeoutMs / 1000} s`);
      await sleep(1000);
    }
    await sleep(400); // menus fade in
    await this.screenshot('context-menu');
    await item.click();
  }

  /** Choose a color theme with the real picker (it writes workbench.colorTheme to the user settings). */
  async pickColorTheme(theme, { timeoutMs = 60_000 } = {}) {
    // rows read "Light Modern  Default Light Modern": the settings id is the description
    const row = this.page.locator('.quick-input-list .monaco-list-row', { hasText: theme }).first();
    const t0 = Date.now();
    // The picker's items are fixed when it opens; until the built-in theme extensions are
    // scanned it lists only "Browse Additional Color Themes…": reopen until the theme is there.
    while (true) {
      await this.runCommand('Preferences: Color Theme');
      // the palette closes and the picker opens in its place: between the two the input is hidden
      // (seen on CI), so wait for it and retry instead of failing on one fill
      const input = this.page.locator('.quick-input-widget input.input');
      const shown = await until('the theme picker', () => input.isVisible(), { timeoutMs: 5_000 }).catch(() => false);
      const filled =
        shown &&
        (await input.fill(theme, { timeout: 5_000 }).then(
          () => true,
          () => false,
        ));
      if (filled && (await until(`theme "${theme}" in the picker`, () => row.isVisible(), { timeoutMs: 3_000 }).catch(() => false))) break;
      await this.page.keyboard.press('Escape');
      if (Date.now() - t0 > timeoutMs) throw new E2EFailure(`theme "${theme}" never listed by "Preferences: Color Theme"`);
      await sleep(2000);
    }
    await row.click();
  }

  /**
   * Open the quick input with `text` typed in ('>' commands, ':' go to line). F1 first; when the
   * keyboard focus sits inside a webview the key may never reach the workbench, so click the
   * title bar's command center instead.
   */
  async quickInput(text) {
    const input = this.page.locator('.quick-input-widget input.input');
    await this.page.keyboard.press('Escape');
    await this.page.keyboard.press('F1');
    if (!(await until('the command palette (F1)', () => input.isVisible(), { timeoutMs: 2_000 }).catch(() => false))) {
      await this.page.locator('.command-center .command-center-center, .command-center').first().click();
      await until('the quick input (command center)', () => input.isVisible(), { timeoutMs: 5_000 });
    }
    await input.fill(text);
    return input;
  }

  /** Run a command from the palette by its full title ("ReLU Lens: Certify optimality"). */
  async runCommand(title, { timeoutMs = 20_000 } = {}) {
    const t0 = Date.now();
    for (let attempt = 0; Date.now() - t0 < timeoutMs; attempt++) {
      await this.quickInput(`>${title}`);
      const rowSel = this.page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
      // The list is built when the palette opens: a command registered later needs a reopen.
      const found = await until('palette row', () => rowSel.isVisible(), { timeoutMs: 3_000 }).catch(() => false);
      if (found) {
        await rowSel.click();
        return;
      }
    }
    throw new E2EFailure(`command "${title}" not found in the palette`);
  }

  /** The webview frame that holds data-testid=panel-root (webviews are nested iframes). */
  async panelFrame({ timeoutMs = 60_000, not } = {}) {
    return until(
      'the ReLU Lens panel (data-testid=panel-root in a webview frame)',
      async () => {
        for (const f of this.page.frames()) {
          if (not && f === not) continue;
          if (f.isDetached()) continue;
          try {
            if (await f.locator('[data-testid="panel-root"]').count()) return f;
          } catch {
            /* frame navigating */
          }
        }
        return null;
      },
      { timeoutMs },
    );
  }

  /** Text of the first element matching testid in frame, polled until pred(text) holds. */
  async testidText(frame, testid, pred = (t) => t.trim().length > 0, { timeoutMs = 90_000 } = {}) {
    return until(
      `data-testid=${testid}${pred.description ? ` (${pred.description})` : ''}`,
      async () => {
        const l = frame.locator(`[data-testid=${cssString(testid)}]`).first();
        if (!(await l.count())) return null;
        const t = (await l.textContent()) ?? '';
        return pred(t) ? t : null;
      },
      { timeoutMs },
    );
  }

  async notifications() {
    return this.page.locator('.notification-toast .notification-list-item-message').allTextContents();
  }

  async waitNotification(re, { timeoutMs = 30_000 } = {}) {
    return until(`a notification matching ${re}`, async () => (await this.notifications()).find((t) => re.test(t)), { timeoutMs });
  }

  async screenshot(name) {
    mkdirSync(this.artifacts, { recursive: true });
    const file = join(this.artifacts, `${this.scenario}-${name}.png`);
    await this.page.screenshot({ path: file });
    this.shots.push(file);
    return file;
  }

  /** Screenshot of one element (e.g. the panel's editor area). */
  async screenshotOf(locator, name) {
    mkdirSync(this.artifacts, { recursive: true });
    const file = join(this.artifacts, `${this.scenario}-${name}.png`);
    await locator.screenshot({ path: file });
    this.shots.push(file);
    return file;
  }

  /** Tab labels of the open editors. */
  async editorTabs() {
    return this.page.locator('.tabs-container .tab .label-name').allTextContents();
  }
}
