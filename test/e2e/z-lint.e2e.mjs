// Issue #18 item 6, lint = extension: two training scripts open in the editor —
//   - two-moons/train.py: PyTorch, Adam then an L-BFGS polish of the same parameters (the bundled
//     example's training, test/e2e/fixtures/two-moons-train.py),
//   - sklearn/train_mlpr.py: scikit-learn MLPRegressor (test/e2e/fixtures/sklearn-train.py) —
// and the Problems panel lists what `relu-lens lint --json` prints for the same files: the same codes
// at the same lines and columns, n resolved from the data file (the width finding names n + 1), and
// no "2 optimizers" error for the polish (the certificate-state findings only the extension can make
// are left out). VS Code lists no hints in the Problems panel, so lint's
// hint-severity findings are compared by count only in the log.
import { spawnSync } from 'node:child_process';
import { cpSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { openWorkspace, problemsByFile, shootThemes, until, expect } from './helpers.mjs';

/**
 * Codes about the extension's certificate of the exported model (src/core/python/diagnostics.ts:
 * verdict RL010, notCertified RL013, staleVerdict RL014): state of a session the CLI's lint has not
 * got, so only the extension shows them.
 */
const CERTIFICATE_STATE = new Set(['RL010', 'RL013', 'RL014']);

const SCRIPTS = [
  { rel: 'two-moons/train.py', n: 150 },
  { rel: 'sklearn/train_mlpr.py', n: 30 },
];

function lint(ctx, rel) {
  const r = spawnSync(process.execPath, [join(ctx.repo, 'dist', 'cli.js'), 'lint', rel, '--json'], { cwd: ctx.ws, encoding: 'utf8', timeout: 60_000 });
  expect(r.status === 0, `relu-lens lint ${rel} exited ${r.status}: ${r.stderr}${r.stdout.slice(0, 400)}`);
  return JSON.parse(r.stdout);
}

export default {
  id: 'z-lint',
  title: 'lint = extension: Problems for a torch (Adam + L-BFGS) and an sklearn script equal `relu-lens lint`',
  requires: (f) => (f.pythonDiagnostics ? null : 'Python-script diagnostics not in the extension bundle'),
  timeoutMs: 240_000,
  async run(ctx) {
    const { wb, page } = ctx;
    // the sklearn script beside its data and model, in the order a user's files have
    const skl = join(ctx.ws, 'sklearn');
    cpSync(join(ctx.repo, 'test', 'e2e', 'fixtures', 'sklearn-train.py'), join(skl, 'train_mlpr.py'));
    for (const ext of ['csv', 'onnx']) cpSync(join(ctx.repo, 'test', 'fixtures', 'sklearn', `mlpr_1out.${ext}`), join(skl, `mlpr_1out.${ext}`));
    const now = Date.now() / 1000;
    utimesSync(join(skl, 'mlpr_1out.csv'), now - 7200, now - 7200);
    utimesSync(join(skl, 'train_mlpr.py'), now - 3600, now - 3600);
    utimesSync(join(skl, 'mlpr_1out.onnx'), now - 60, now - 60);

    await openWorkspace(ctx);
    for (const s of SCRIPTS) {
      await (await wb.revealFile(s.rel)).dblclick();
      const name = s.rel.split('/').pop();
      await until(`${name} in the editor`, async () => (await wb.editorTabs()).includes(name), { timeoutMs: 20_000 });
    }
    for (const s of SCRIPTS) {
      const expected = lint(ctx, s.rel);
      const shown = expected.filter((d) => d.severity !== 'hint');
      ctx.log(`  lint ${s.rel}: ${expected.map((d) => `${d.code}@${d.line}:${d.column} ${d.severity}`).join(', ')}`);
      expect(!expected.some((d) => d.severity === 'error' || /2 optimizers/.test(d.message)), `lint reports an error for ${s.rel}: ${JSON.stringify(expected.filter((d) => d.severity === 'error'))}`);
      expect(expected.some((d) => new RegExp(`n \\+ 1 = ${s.n + 1}\\b`).test(d.message)), `lint resolves n = ${s.n} from the data file for ${s.rel}`);
      const name = s.rel.split('/').pop();
      const dir = s.rel.split('/')[0];
      // the extension analyses the script a few seconds after it opens: poll the Problems panel
      const group = await until(`the Problems of ${s.rel} to list lint's ${shown.length} findings`, async () => {
        const g = (await problemsByFile(wb)).find((x) => x.file.includes(name) && x.file.includes(dir));
        if (!g) return null;
        const coded = g.markers.filter((m) => /RL\d{3}/.test(m));
        return coded.length >= shown.length ? g : null;
      }, { timeoutMs: 90_000, intervalMs: 2_000 }).catch(async (e) => {
        ctx.log(`  Problems now: ${JSON.stringify(await problemsByFile(wb))}`);
        throw e;
      });
      for (const m of group.markers) ctx.log(`    problem: ${m.slice(0, 220)}`);
      const rowOf = (d) => group.markers.find((m) => m.includes(d.code) && m.includes(d.message.slice(0, 40)) && new RegExp(`\\b${d.line}\\b`).test(m) && new RegExp(`\\b${d.column}\\b`).test(m));
      for (const d of shown) expect(rowOf(d), `${s.rel}: lint's ${d.code} at ${d.line}:${d.column} ("${d.message.slice(0, 60)}") is not in the Problems panel`);
      const codes = new Set(shown.map((d) => d.code));
      const extra = group.markers.filter((m) => /RL\d{3}/.test(m) && !codes.has(m.match(/RL\d{3}/)[0]) && !CERTIFICATE_STATE.has(m.match(/RL\d{3}/)[0]));
      expect(!extra.length, `${s.rel}: the Problems panel has findings lint does not print: ${extra.join(' | ')}`);
      expect(!group.markers.some((m) => /2 optimizers/.test(m) || /^error/i.test(m)), `${s.rel}: an error in the Problems panel`);
      const ed = page.locator('.tabs-container .tab', { hasText: name }).first();
      // the theme picker takes the focus: bring the script's editor back before each shot
      await shootThemes(ctx, `lint-${name.replace('.py', '')}`, () => ed.click().catch(() => {}));
    }
  },
};
