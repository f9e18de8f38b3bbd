// End-to-end tests in a real VS Code: code-server 4.100.3 (VS Code 1.100.3, installed by setup.mjs)
// driven through Debian's Chromium with playwright-core. Runs test/e2e/*.e2e.mjs one after the
// other, each in its own browser context and workspace copy. Screenshots → test-artifacts/e2e/.
//
//   node scripts/e2e/run.mjs [--only a,c] [--no-build] [--keep] [--update-screenshots] [--slowmo MS]
//   (--only takes scenario letters or ids; --keep leaves the .e2e/ws-* workspaces for a look;
//   --update-screenshots copies the theme screenshots to media/screenshots/ for the README —
//   opt-in, so a plain test run leaves the working tree clean)
//
// Exit code 0 when nothing failed (skips are listed with their reason), 1 otherwise.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ensureCodeServer, startCodeServer, killGroupAndWait, REPO, E2E_DIR, CHROMIUM, SetupError } from './setup.mjs';
import { installUnpackedExtension, prepareWorkspace, userSettings, writeUserSettings, rel } from './workspace.mjs';
import { Workbench, Skip, sleep } from './workbench.mjs';

const ARTIFACTS = join(REPO, 'test-artifacts', 'e2e');
const SCENARIOS = join(REPO, 'test', 'e2e');
const args = process.argv.slice(2);
// --name=value, --name value, or a bare --name (true)
const opt = (name) => {
  const i = args.findIndex((x) => x === `--${name}` || x.startsWith(`--${name}=`));
  if (i < 0) return undefined;
  if (args[i].includes('=')) return args[i].split('=').slice(1).join('=');
  return args[i + 1] && !args[i + 1].startsWith('--') ? args[i + 1] : true;
};
const only = typeof opt('only') === 'string' ? opt('only').split(',') : null;
const t0 = Date.now();
const log = (m) => process.stdout.write(`[e2e ${((Date.now() - t0) / 1000).toFixed(1).padStart(6)}s] ${m}\n`);

/** What the built extension offers, so scenarios for features not landed yet are skipped, not failed. */
function detectFeatures() {
  const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
  const c = pkg.contributes ?? {};
  const read = (f) => (existsSync(join(REPO, f)) ? readFileSync(join(REPO, f), 'utf8') : '');
  const host = read('dist/extension.js');
  const webview = read('dist/webview.js');
  return {
    pkg,
    commands: new Set((c.commands ?? []).map((x) => x.command)),
    customEditor: (c.customEditors ?? []).some((e) => e.viewType === 'reluLens.modelView'),
    panel: webview.includes('panel-root'),
    hostText: host,
    webviewText: webview,
    pythonDiagnostics: /createDiagnosticCollection/.test(host) && /['"]python['"]/.test(host),
    codeLens: /registerCodeLensProvider/.test(host),
    hover: /registerHoverProvider/.test(host),
  };
}

function build() {
  if (opt('no-build')) return;
  log('building the extension (node scripts/build.mjs)');
  const r = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: REPO, stdio: 'inherit' });
  if (r.status !== 0) throw new SetupError('node scripts/build.mjs failed');
}

async function loadScenarios() {
  const files = readdirSync(SCENARIOS)
    .filter((f) => f.endsWith('.e2e.mjs'))
    .sort();
  const out = [];
  for (const f of files) {
    const mod = (await import(pathToFileURL(join(SCENARIOS, f)).href)).default;
    mod.file = f;
    mod.key = f.split('-')[0]; // "a", "b", … — for --only
    if (!only || only.includes(mod.key) || only.includes(mod.id)) out.push(mod);
  }
  return out;
}

async function main() {
  rmSync(ARTIFACTS, { recursive: true, force: true });
  mkdirSync(ARTIFACTS, { recursive: true });
  build();
  const tSetup = Date.now();
  await ensureCodeServer();
  const setupMs = Date.now() - tSetup;
  const { chromium } = await import('playwright-core');

  const base = join(E2E_DIR, 'run');
  rmSync(base, { recursive: true, force: true });
  mkdirSync(join(base, 'extensions'), { recursive: true });
  const ext = installUnpackedExtension(join(base, 'extensions'));
  writeUserSettings(join(base, 'user-data'), userSettings());
  const features = detectFeatures();
  log(
    `extension ${ext.id} ${ext.pkg.version}: commands ${[...features.commands].join(', ') || '-'}; custom editor ${features.customEditor}; panel ${features.panel}; python diagnostics ${features.pythonDiagnostics}`,
  );

  const scenarios = await loadScenarios();
  const results = [];
  let server;
  let browser;
  const cleanup = async () => {
    await browser?.close().catch(() => {});
    await killGroupAndWait(server?.proc);
  };
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => cleanup().then(() => process.exit(130)));
  try {
    const tStart = Date.now();
    server = await startCodeServer({ base, logFile: join(ARTIFACTS, 'code-server.log') });
    log(`code-server on 127.0.0.1:${server.port} (${Date.now() - tStart} ms to /healthz)`);
    const bhome = join(base, 'browser-home');
    mkdirSync(bhome, { recursive: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-dev-shm-usage',
      ],
      env: { ...process.env, HOME: bhome, XDG_CONFIG_HOME: join(bhome, '.config'), XDG_CACHE_HOME: join(bhome, '.cache') },
      slowMo: typeof opt('slowmo') === 'string' ? Number(opt('slowmo')) : 0,
    });

    for (const s of scenarios) {
      const missing = s.requires?.(features) ?? null;
      if (missing) {
        results.push({ id: s.id, status: 'skip', reason: missing, ms: 0 });
        log(`SKIP ${s.id}: ${missing}`);
        continue;
      }
      log(`RUN  ${s.id} — ${s.title}`);
      const ts = Date.now();
      const ws = prepareWorkspace(s.id);
      writeUserSettings(join(base, 'user-data'), userSettings());
      const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, deviceScaleFactor: 1 });
      // every wait that matters is an explicit until(); a locator read must never hang 30 s on a
      // node that a re-render removed
      context.setDefaultTimeout(10_000);
      const page = await context.newPage();
      const consoleErrors = [];
      page.on('pageerror', (e) => consoleErrors.push(String(e.message)));
      const wb = new Workbench(page, { port: server.port, artifacts: ARTIFACTS, scenario: s.id, log });
      const ctx = {
        wb,
        page,
        ws,
        features,
        log,
        artifacts: ARTIFACTS,
        repo: REPO,
        setTheme: (theme) => writeUserSettings(join(base, 'user-data'), userSettings(theme)),
        publishScreenshot,
      };
      let status = 'pass';
      let reason = '';
      const notes = [];
      ctx.note = (n) => notes.push(n);
      try {
        await withTimeout(s.run(ctx), s.timeoutMs ?? 240_000, s.id);
        await wb.screenshot('end');
      } catch (e) {
        if (e instanceof Skip) {
          status = 'skip';
          reason = e.message;
        } else {
          status = 'fail';
          reason = e?.message ?? String(e);
          if (process.env.E2E_STACK) reason += `\n${e.stack}`;
        }
        await wb.screenshot(status === 'skip' ? 'skipped' : 'failure').catch(() => {});
      }
      await context.close().catch(() => {});
      const ms = Date.now() - ts;
      if (status === 'pass' && notes.length) reason = `note: ${notes.join('; ')}`;
      results.push({ id: s.id, status, reason, ms, screenshots: wb.shots.map(rel) });
      log(`${status.toUpperCase().padEnd(4)} ${s.id} (${(ms / 1000).toFixed(1)} s)${reason ? `: ${reason}` : ''}`);
      if (status === 'fail' && consoleErrors.length) log(`  page errors: ${consoleErrors.slice(0, 3).join(' | ')}`);
    }
  } finally {
    await cleanup();
    if (!opt('keep')) for (const d of readdirSync(E2E_DIR)) if (d.startsWith('ws-')) rmSync(join(E2E_DIR, d), { recursive: true, force: true });
  }

  const total = Date.now() - t0;
  const summary = { totalMs: total, setupMs, results };
  writeFileSync(join(ARTIFACTS, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
  console.log('\nE2E summary');
  for (const r of results)
    console.log(
      `  ${r.status.toUpperCase().padEnd(4)} ${r.id.padEnd(28)} ${(r.ms / 1000).toFixed(1).padStart(6)} s  ${r.reason ? r.reason.split('\n')[0] : ''}`,
    );
  const n = (st) => results.filter((r) => r.status === st).length;
  console.log(
    `  ${n('pass')} passed, ${n('skip')} skipped, ${n('fail')} failed; wall ${(total / 1000).toFixed(1)} s (code-server setup ${(setupMs / 1000).toFixed(1)} s); screenshots in ${rel(ARTIFACTS)}/`,
  );
  if (!results.length) {
    console.log('  no scenario ran');
    return 1;
  }
  return n('fail') ? 1 : 0;
}

function withTimeout(p, ms, id) {
  let t;
  return Promise.race([
    p.finally(() => clearTimeout(t)),
    new Promise((_, rej) => (t = setTimeout(() => rej(new Error(`scenario ${id} exceeded its ${ms / 1000} s budget`)), ms))),
  ]);
}

/** Copy a screenshot for the README (media/screenshots/), with --update-screenshots only. */
function publishScreenshot(from, name) {
  if (!opt('update-screenshots')) return;
  const dir = join(REPO, 'media', 'screenshots');
  mkdirSync(dir, { recursive: true });
  copyFileSync(from, join(dir, name));
}

main()
  .then((code) => process.exit(code))
  .catch(async (e) => {
    console.error(`\nE2E harness error: ${e instanceof SetupError ? e.message : e.stack}`);
    await sleep(10);
    process.exit(1);
  });
