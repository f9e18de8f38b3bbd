// node 20's test runner does not expand globs: find the test files ourselves.
// Usage: node scripts/run-tests.mjs [NAME=value ...] [dir-or-file ...]   (default: test/)
//   NAME=value arguments are set in the tests' environment (portable, unlike `NAME=value cmd` in an
//   npm script), e.g. `node scripts/run-tests.mjs RELU_LENS_SOUNDNESS_N=2000 test/soundness`.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function collect(p, out) {
  if (statSync(p).isDirectory()) {
    for (const e of readdirSync(p).sort()) {
      if (e === 'node_modules' || e === 'fixtures' || e === 'e2e') continue;
      collect(join(p, e), out);
    }
  } else if (p.endsWith('.test.ts')) out.push(p);
  return out;
}

const env = { ...process.env };
const roots = [];
for (const a of process.argv.slice(2)) {
  const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(a);
  if (m) env[m[1]] = m[2];
  else roots.push(a);
}
// The longest files first (the panel in a browser, the soundness property runs): with two files at
// a time, a long one started last would run alone at the end while the other core idles.
const FIRST = ['test/webview/', 'test/soundness/'];
const rank = (f) => {
  const i = FIRST.findIndex((p) => f.replaceAll('\\', '/').includes(p));
  return i < 0 ? FIRST.length : i;
};
const files = (roots.length ? roots : ['test'])
  .flatMap((r) => collect(r, []))
  .map((f, i) => ({ f, i }))
  .sort((a, b) => rank(a.f) - rank(b.f) || a.i - b.i)
  .map((x) => x.f);
if (!files.length) {
  console.error('no test files found');
  process.exit(1);
}
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=2', '--import', 'tsx', ...files], {
  stdio: 'inherit',
  env,
});
process.exit(r.status ?? 1);
