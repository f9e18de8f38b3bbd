// Three bundles (DEVELOPERS brief): extension host (cjs/node, vscode + onnxruntime-node external),
// CLI (node), webview (browser). onnxruntime-node stays external: it loads its .node binary and
// shared library from its own folder.
import * as esbuild from 'esbuild';
import { mkdirSync, copyFileSync, readdirSync } from 'node:fs';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
mkdirSync('dist', { recursive: true });
// The Python parser (src/core/python) is WebAssembly: the runtime and the grammar ship beside the bundles
// so the VSIX works on every platform.
copyFileSync('node_modules/web-tree-sitter/tree-sitter.wasm', 'dist/tree-sitter.wasm');
copyFileSync('node_modules/tree-sitter-python/tree-sitter-python.wasm', 'dist/tree-sitter-python.wasm');
// The panel typesets closed forms with KaTeX; its stylesheet and fonts are served from dist/katex
// (a localResourceRoot) because the webview's CSP allows no remote content. woff2 only: every
// Chromium that VS Code ships reads it, and the stylesheet lists it first.
mkdirSync('dist/katex/fonts', { recursive: true });
copyFileSync('node_modules/katex/dist/katex.min.css', 'dist/katex/katex.min.css');
for (const f of readdirSync('node_modules/katex/dist/fonts'))
  if (f.endsWith('.woff2')) copyFileSync(`node_modules/katex/dist/fonts/${f}`, `dist/katex/fonts/${f}`);

const common = { bundle: true, sourcemap: !production, minify: production, logLevel: 'warning' };
const node = { ...common, platform: 'node', format: 'cjs', target: 'node20', external: ['vscode', 'onnxruntime-node'] };

// --only=webview,cli builds a subset (the webview tests need just these two bundles).
const only = process.argv
  .find((a) => a.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',');
const allBuilds = [
  { ...node, entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js' },
  { ...node, entryPoints: ['src/extension/worker.ts'], outfile: 'dist/worker.js' },
  { ...node, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } },
  {
    ...common,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    entryPoints: ['webview/main.ts'],
    outfile: 'dist/webview.js',
  },
];
const builds = only ? allBuilds.filter((b) => only.some((o) => b.outfile === `dist/${o}.js`)) : allBuilds;

if (watch) {
  for (const b of builds) (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
