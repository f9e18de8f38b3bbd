// Loads the page getPanelHtml builds (its CSP, the real dist/webview.js, media/panel.css, KaTeX) in
// headless Chromium. A fake origin stands in for VS Code's webview resource scheme: the stub
// webview's cspSource is that origin and asWebviewUri maps extension paths onto it; page.route
// serves the files from the repository. acquireVsCodeApi is stubbed with state kept in
// sessionStorage, so a reload behaves like VS Code restoring a webview.
import { existsSync, readFileSync } from 'node:fs';
import { join, extname } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type * as vscode from 'vscode';
import { getPanelHtml } from '../../src/extension/panelHtml';
import type { HostToPanel } from '../../src/protocol/panel';
import { REPO } from './states';
import { THEMES, type ThemeName } from './themes';

export const CHROMIUM = '/usr/bin/chromium';
export const ORIGIN = 'https://relu-lens-webview.test';
export const SKIP = existsSync(CHROMIUM) ? false : `headless Chromium not found at ${CHROMIUM}; webview tests skipped`;

/** Runs before the page's scripts: records posts, CSP violations and alert(); applies the theme. */
const INIT = `function ({ vars, bodyClass, kind }) {
  window.__posted = [];
  window.__violations = [];
  window.__xss = [];
  window.alert = function () { window.__xss.push('alert'); };
  document.addEventListener('securitypolicyviolation', function (e) {
    window.__violations.push({ directive: e.violatedDirective, blocked: e.blockedURI, sample: e.sample });
  });
  var raw = sessionStorage.getItem('__vscodeState');
  var st = raw ? JSON.parse(raw) : undefined;
  window.acquireVsCodeApi = function () {
    return {
      postMessage: function (m) { window.__posted.push(JSON.parse(JSON.stringify(m))); },
      getState: function () { return st; },
      setState: function (s) { st = s; sessionStorage.setItem('__vscodeState', JSON.stringify(s)); },
    };
  };
  function apply() {
    for (var k in vars) document.documentElement.style.setProperty(k, vars[k]);
    if (document.body) {
      document.body.classList.add.apply(document.body.classList, bodyClass);
      document.body.setAttribute('data-vscode-theme-kind', kind);
    }
  }
  if (document.documentElement) apply();
  document.addEventListener('DOMContentLoaded', apply);
}`;

export async function launch(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
}

/** A vscode.Uri look-alike: just what getPanelHtml uses (path, with, toString). */
function fakeUri(path: string): vscode.Uri {
  return { path, with: (c: { path: string }) => fakeUri(c.path), toString: () => ORIGIN + path } as unknown as vscode.Uri;
}
const fakeWebview = { cspSource: ORIGIN, asWebviewUri: (u: vscode.Uri) => u } as unknown as vscode.Webview;

const TYPES: Record<string, string> = {
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.woff2': 'font/woff2',
  '.html': 'text/html',
  '.map': 'application/json',
};

export interface Panel {
  page: Page;
  post(msg: HostToPanel): Promise<void>;
  /** messages the webview posted to the host */
  posted(): Promise<{ type: string; [k: string]: unknown }[]>;
  violations(): Promise<{ directive: string; blocked: string; sample: string }[]>;
  /** console errors and uncaught page errors */
  errors: string[];
  requests: string[];
}

export async function openPanel(browser: Browser, theme: ThemeName = 'dark', viewport = { width: 1280, height: 1000 }): Promise<Panel> {
  const page = await browser.newPage({ viewport, deviceScaleFactor: 1 });
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('request', (r) => requests.push(r.url()));
  const html = getPanelHtml(fakeWebview, fakeUri('/ext'));
  await page.route('**/*', async (route) => {
    const url = new URL(route.request().url());
    if (url.origin !== ORIGIN) return route.abort(); // no remote content, ever
    if (url.pathname === '/panel.html') return route.fulfill({ body: html, contentType: 'text/html' });
    const file = join(REPO, url.pathname.replace(/^\/ext\//, ''));
    if (!url.pathname.startsWith('/ext/') || !existsSync(file)) return route.fulfill({ status: 404, body: '' });
    return route.fulfill({ body: readFileSync(file), contentType: TYPES[extname(file)] ?? 'application/octet-stream' });
  });
  const t = THEMES[theme];
  // a string, not a function: tsx's __name helper would not exist in the page
  await page.addInitScript(`(${INIT})(${JSON.stringify({ vars: t.vars, bodyClass: t.bodyClass, kind: t.kind })})`);
  await page.goto(`${ORIGIN}/panel.html`);
  // (waitForFunction evaluates with eval, which this page's CSP rightly refuses: poll instead)
  await until(page, "window.__posted.some((m) => m.type === 'ready')").catch((e) => {
    throw new Error(`${e.message}; page errors: ${errors.join(' | ') || 'none'}`);
  });
  return {
    page,
    errors,
    requests,
    post: async (msg) => {
      await page.evaluate(`window.postMessage(${JSON.stringify(msg)}, '*')`);
      await page.evaluate('new Promise((r) => requestAnimationFrame(() => r(null)))');
    },
    posted: () => page.evaluate('window.__posted'),
    violations: () => page.evaluate('window.__violations'),
  };
}

/** Poll a page predicate (evaluate goes through the DevTools protocol, which CSP does not govern). */
export async function until(page: Page, pred: string, timeoutMs = 15_000): Promise<void> {
  const t0 = Date.now();
  while (!(await page.evaluate(pred))) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${pred}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
