// Installs code-server (the real VS Code server + web workbench) into .e2e/ for the E2E run.
// Why code-server: no npm package ships desktop VS Code and @vscode/test-* download from outside
// the npm registry (../shared/E2E.md). 4.100.3 is VS Code 1.100.3, the last release on Node 20.
// Idempotent: a marker file per version makes a second run a stat() call.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync, readFileSync, copyFileSync, chmodSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CODE_SERVER_VERSION = '4.100.3';
// @vscode/ripgrep version and asset used by that VS Code; its postinstall downloads the asset from
// GitHub unless its cache already holds it, so we seed the cache with Debian's rg.
const RIPGREP_PKG_VERSION = '1.15.11';
const RIPGREP_ASSET = 'ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
// RELU_LENS_E2E_DIR: share one code-server install between checkouts (default: <repo>/.e2e)
export const E2E_DIR = process.env.RELU_LENS_E2E_DIR ? resolve(process.env.RELU_LENS_E2E_DIR) : join(REPO, '.e2e');
export const CHROMIUM = '/usr/bin/chromium';
const RG = '/usr/bin/rg';
const csDir = join(E2E_DIR, `code-server-${CODE_SERVER_VERSION}`);
const pkgDir = join(csDir, 'node_modules', 'code-server');
export const CODE_SERVER_BIN = join(pkgDir, 'out', 'node', 'entry.js');
const marker = join(csDir, '.installed');

export class SetupError extends Error {}

function log(msg) {
  process.stderr.write(`[e2e setup] ${msg}\n`);
}

export function checkSystemPackages() {
  const missing = [CHROMIUM, RG].filter((p) => !existsSync(p));
  if (missing.length) {
    throw new SetupError(
      `missing ${missing.join(', ')}: install the Debian packages with\n` + `  apt-get update && apt-get install -y chromium libkrb5-dev ripgrep`,
    );
  }
}

function installEnv() {
  return {
    ...process.env,
    npm_config_unsafe_perm: 'true', // code-server's postinstall refuses root otherwise
    npm_config_yes: 'true', // node-pty's postinstall runs `npx node-gyp`
    npm_config_nodedir: '/usr', // Node's headers; node-gyp would download them otherwise
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
  };
}

function run(cmd, args, opts) {
  log(`$ ${cmd} ${args.join(' ')}${opts.cwd ? `   (in ${opts.cwd})` : ''}`);
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], ...opts });
  if (r.status !== 0) throw new SetupError(`${cmd} ${args.join(' ')} failed (exit ${r.status ?? r.signal})`);
}

// A tar.gz holding `rg` at its root, where @vscode/ripgrep's postinstall looks before downloading.
function seedRipgrepCache() {
  const cache = join(tmpdir(), `vscode-ripgrep-cache-${RIPGREP_PKG_VERSION}`);
  const tgz = join(cache, RIPGREP_ASSET);
  if (existsSync(tgz)) return;
  mkdirSync(cache, { recursive: true });
  const stage = join(cache, 'stage');
  mkdirSync(stage, { recursive: true });
  copyFileSync(RG, join(stage, 'rg'));
  chmodSync(join(stage, 'rg'), 0o755);
  run('tar', ['-czf', tgz, '-C', stage, 'rg'], {});
  rmSync(stage, { recursive: true, force: true });
}

export function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.on('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

export async function waitHealthz(port, timeoutMs, proc) {
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    if (proc && proc.exitCode !== null) throw new SetupError(`code-server exited (code ${proc.exitCode}) before /healthz answered`);
    try {
      const r = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (r.ok) return await r.json();
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new SetupError(`code-server /healthz did not answer within ${timeoutMs} ms`);
}

/** Start code-server with every state folder under `base` (never HOME). Returns {proc, port}. */
export async function startCodeServer({ base, workspace, logFile }) {
  const port = await freePort();
  const dirs = { config: join(base, 'config'), data: join(base, 'user-data'), ext: join(base, 'extensions'), home: join(base, 'home') };
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
  const cfg = join(dirs.config, 'config.yaml');
  writeFileSync(cfg, `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
  const args = [
    CODE_SERVER_BIN,
    '--bind-addr',
    `127.0.0.1:${port}`,
    '--auth',
    'none',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--config',
    cfg,
    '--user-data-dir',
    dirs.data,
    '--extensions-dir',
    dirs.ext,
  ];
  if (workspace) args.push(workspace);
  const { openSync } = await import('node:fs');
  const out = logFile ? openSync(logFile, 'a') : 'ignore';
  const proc = spawn(process.execPath, args, {
    // detached: its own process group, so the whole tree (extension host, pty host, watchers) can be killed at once
    detached: true,
    stdio: ['ignore', out, out],
    env: {
      ...process.env,
      HOME: dirs.home,
      XDG_CONFIG_HOME: join(dirs.home, '.config'),
      XDG_DATA_HOME: join(dirs.home, '.local', 'share'),
      XDG_CACHE_HOME: join(dirs.home, '.cache'),
    },
  });
  await waitHealthz(port, 60_000, proc);
  return { proc, port, dirs };
}

export function killGroup(proc) {
  if (!proc || proc.exitCode !== null) return;
  try {
    process.kill(-proc.pid, 'SIGTERM');
  } catch {
    /* already gone */
  }
}

export async function killGroupAndWait(proc, ms = 5000) {
  if (!proc || proc.exitCode !== null) return;
  const gone = new Promise((r) => proc.once('exit', r));
  killGroup(proc);
  const t = setTimeout(() => {
    try {
      process.kill(-proc.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }, ms);
  await gone;
  clearTimeout(t);
}

export async function ensureCodeServer({ force = false } = {}) {
  checkSystemPackages();
  if (!force && existsSync(marker) && existsSync(CODE_SERVER_BIN)) return CODE_SERVER_BIN;
  const t0 = Date.now();
  log(`installing code-server ${CODE_SERVER_VERSION} into ${csDir} (once; ~300 MB)`);
  rmSync(csDir, { recursive: true, force: true });
  mkdirSync(csDir, { recursive: true });
  writeFileSync(join(csDir, 'package.json'), JSON.stringify({ name: 'relu-lens-e2e-code-server', private: true }, null, 2) + '\n');
  seedRipgrepCache();
  const env = installEnv();
  run('npm', ['install', '--no-audit', '--no-fund', '--save-exact', `code-server@${CODE_SERVER_VERSION}`], { cwd: csDir, env });
  // npm 11 does not run dependencies' install scripts here, so code-server's own postinstall
  // (it installs lib/vscode's native modules and ripgrep) runs explicitly. It checks the npm
  // version through the user agent.
  run('sh', ['./postinstall.sh'], {
    cwd: pkgDir,
    env: { ...env, npm_config_user_agent: `npm/${npmVersion()} node/${process.version} linux x64` },
  });
  await verifyInstall();
  writeFileSync(marker, `${CODE_SERVER_VERSION} ${new Date().toISOString()}\n`);
  log(`code-server ${CODE_SERVER_VERSION} installed in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  return CODE_SERVER_BIN;
}

function npmVersion() {
  const r = spawnSync('npm', ['--version'], { encoding: 'utf8' });
  return (r.stdout || '11.19.1').trim().split('\n').pop();
}

async function verifyInstall() {
  const rgBin = join(pkgDir, 'lib', 'vscode', 'node_modules', '@vscode', 'ripgrep', 'bin', 'rg');
  if (!existsSync(rgBin)) {
    // the workbench's search needs it; Debian's rg is the same program
    mkdirSync(dirname(rgBin), { recursive: true });
    copyFileSync(RG, rgBin);
    chmodSync(rgBin, 0o755);
  }
  const base = join(E2E_DIR, 'verify');
  rmSync(base, { recursive: true, force: true });
  const { proc, port } = await startCodeServer({ base, logFile: join(E2E_DIR, 'verify.log') });
  try {
    const h = await waitHealthz(port, 10_000, proc);
    log(`/healthz: ${JSON.stringify(h)}`);
  } finally {
    await killGroupAndWait(proc);
    rmSync(base, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  ensureCodeServer({ force: process.argv.includes('--force') })
    .then((bin) => log(`ready: ${bin}`))
    .catch((e) => {
      process.stderr.write(`[e2e setup] FAILED: ${e instanceof SetupError ? e.message : e.stack}\n`);
      if (existsSync(join(E2E_DIR, 'verify.log'))) process.stderr.write(readFileSync(join(E2E_DIR, 'verify.log'), 'utf8').slice(-3000));
      process.exit(1);
    });
}
