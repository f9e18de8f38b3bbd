// npm run package: a platform VSIX for the machine it runs on (e.g. relu-lens-linux-x64-0.1.0.vsix).
//
// The extension's code is bundled (dist/); the only node_modules it needs at run time are
// onnxruntime-node (a native addon, loaded in the engine worker) and onnxruntime-common. Those are
// staged with ONLY this platform's binaries (the npm package carries five platforms, ~290 MB),
// then `vsce package --no-dependencies --target <platform>` packs the staging folder. No network.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const target = `${process.platform}-${process.arch}`; // vsce target names: linux-x64, darwin-arm64, win32-x64, …
const stage = path.join(root, 'out', 'vsix-stage'); // out/ is git-ignored;
const out = path.join(root, `${pkg.name}-${target}-${pkg.version}.vsix`);

const run = (cmd, args, cwd = root) => execFileSync(cmd, args, { cwd, stdio: 'inherit' });

// 1. production bundles (minified, no source maps)
run(process.execPath, [path.join(root, 'scripts', 'build.mjs'), '--production']);

// 2. staging folder: exactly what the VSIX holds
rmSync(stage, { recursive: true, force: true });
mkdirSync(stage, { recursive: true });
const copy = (rel, filter) => {
  const from = path.join(root, rel);
  if (!existsSync(from)) return false;
  cpSync(from, path.join(stage, rel), { recursive: true, filter: filter ?? (() => true) });
  return true;
};
const staged = { ...pkg };
delete staged.devDependencies; // nothing is installed from the VSIX; keeps vsce from looking
staged.scripts = {}; // no vscode:prepublish: the bundles are already built
writeFileSync(path.join(stage, 'package.json'), JSON.stringify(staged, null, 2) + '\n');
copy('README.md');
const license = ['LICENSE', 'LICENSE.md', 'LICENSE.txt'].find((f) => copy(f));
copy('dist', (src) => !src.endsWith('.map'));
copy('media');

// onnxruntime-node: its JS, and the binaries of this platform only. Staged as dist/node_modules:
// `vsce --no-dependencies` never packs the top-level node_modules, and node resolves
// require('onnxruntime-node') from dist/worker.js (and dist/cli.js) in dist/node_modules first.
const ortBin = `bin/napi-v6/${process.platform}/${process.arch}`;
const vendor = (name, parts) => {
  const from = path.join(root, 'node_modules', name);
  for (const rel of parts) {
    if (!existsSync(path.join(from, rel))) continue;
    cpSync(path.join(from, rel), path.join(stage, 'dist', 'node_modules', name, rel), { recursive: true, filter: (src) => !/\.(map|d\.ts)$/.test(src) });
  }
};
if (!existsSync(path.join(root, 'node_modules', 'onnxruntime-node', ortBin))) throw new Error(`onnxruntime-node has no binaries for ${target} (${ortBin})`);
vendor('onnxruntime-node', ['package.json', 'dist', ortBin, 'README.md', 'LICENSE']);
// onnxruntime-common: its only runtime dependency (adm-zip and global-agent serve its install script)
vendor('onnxruntime-common', ['package.json', 'dist', 'README.md', 'LICENSE']);
writeFileSync(path.join(stage, '.vscodeignore'), ['**/*.map', '.vscodeignore'].join('\n') + '\n');

// 3. vsce, offline
const vsce = path.join(root, 'node_modules', '.bin', process.platform === 'win32' ? 'vsce.cmd' : 'vsce');
const args = ['package', '--no-dependencies', '--target', target, '--allow-missing-repository', '--no-rewrite-relative-links', '-o', out];
if (!license) args.push('--skip-license');
run(vsce, args, stage);

const size = statSync(out).size;
const count = (dir) => readdirSync(dir, { withFileTypes: true }).reduce((n, e) => n + (e.isDirectory() ? count(path.join(dir, e.name)) : 1), 0);
console.log(`\nVSIX: ${out}\nsize: ${(size / 1024 / 1024).toFixed(1)} MB (${size} bytes), ${count(stage)} files staged, target ${target}`);
console.log(`install: code --install-extension ${path.basename(out)}   (or: code-server --install-extension ${path.basename(out)})`);
