// Issue #18 item 2, one result everywhere: the panel (the extension's analysis in a real VS Code)
// and `relu-lens certify` (dist/cli.js, as a user runs it, reading the same .vscode/relu-lens.json
// with --config) print the same numbers to the printed digits — P(θ), P*'s interval, the gap and
// the live neurons — on the bundled two-moons example (certified) and on the 100-point regression
// of test/report/problems.ts (test/e2e/fixtures/regression100: not optimal, refined by the optimum
// search after the verdict). The CLI's last block is the one to compare: the panel shows the result
// once its optimum search is done.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeWithSettings, editSettings, factText, shootThemes, waitSettled, waitVerdictFor, expect, TWO_MOONS_ENTRY } from './helpers.mjs';

const REGRESSION = {
  data: 'regression/train.csv',
  labels: ['y'],
  labelsFile: null,
  beta: 0.05, // regression100's β (test/report/problems.ts)
  hiddenBias: 'decayed',
  outputBias: 'decayed',
  loss: 'squared',
  tol: 0.0001,
};

/** The CLI's printed numbers, from the last block (the one the optimum search refined, when there is one). */
function cliNumbers(stdout) {
  const last = (re) => {
    const all = [...stdout.matchAll(new RegExp(re, 'gm'))];
    return all.length ? all[all.length - 1] : null;
  };
  const verdict = last(/^(CERTIFIED|NOT OPTIMAL|INCONCLUSIVE)/m.source);
  const P = last(/^ {2}P\(θ\) \(the weights as given\)\s+(\S+)/m.source);
  const I = last(/^ {2}(P\* ∈ \[[^\]]+\])/m.source);
  const gapPct = last(/^ {2}gap P\(θ\) − D\s+\S+\s+(\S+%)/m.source);
  const lower = last(/objective (\S+) < \S+ \(this network as given\), (\S+%) lower/.source);
  const live = last(/^ {2}(\d+) live neuron\(s\)/m.source);
  return { verdict: verdict?.[1], P: P?.[1], interval: I?.[1], gapPct: gapPct?.[1], better: lower?.[1], lowerPct: lower?.[2], live: live ? Number(live[1]) : null };
}

/** The panel's printed numbers: the facts of the first screen and the neuron table's counts. */
async function panelNumbers(frame) {
  const verdict = await factText(frame, 'verdict');
  const P = await factText(frame, 'objective');
  const interval = await factText(frame, 'pstar-interval');
  const gap = await factText(frame, 'gap');
  const sentence = await factText(frame, 'verdict-plain');
  // live = all neurons − the dead ones folded into the summary row ("… 2,100 dead and 0 negligible …")
  const title = (await frame.locator('.table-title').first().textContent()) ?? '';
  const all = Number((title.match(/of ([\d,.\s ]+)$/)?.[1] ?? '').replace(/\D/g, ''));
  const folded = frame.locator('[data-testid="collapsed-row"]');
  const dead = (await folded.count()) ? Number(((await folded.first().textContent())?.match(/([\d,.  ]+) dead/)?.[1] ?? '0').replace(/\D/g, '')) : 0;
  return { verdict, P, interval, gap, sentence, all, dead, live: all - dead };
}

/** Two printed decimals agree to the digits both show: |a − b| ≤ half a unit in the last place of each. */
function sameToPrintedDigits(a, b) {
  const ulp = (s) => {
    const m = String(s).match(/\.(\d+)/);
    return 10 ** -(m ? m[1].length : 0);
  };
  return Math.abs(Number(a) - Number(b)) <= (ulp(a) + ulp(b)) / 2 + 1e-15;
}

function runCli(ctx, model) {
  const r = spawnSync(process.execPath, [join(ctx.repo, 'dist', 'cli.js'), 'certify', model, '--config', join(ctx.ws, '.vscode', 'relu-lens.json')], {
    cwd: ctx.ws,
    encoding: 'utf8',
    timeout: 400_000,
  });
  expect([0, 10, 11].includes(r.status), `relu-lens certify ${model} exited ${r.status}: ${r.stderr}`);
  ctx.log(`  CLI settings: ${r.stderr.split('\n').filter(Boolean).slice(0, 2).join(' / ')}`);
  return r.stdout;
}

async function compare(ctx, frame, model, tag) {
  await waitSettled(frame);
  const p = await panelNumbers(frame);
  await shootThemes(ctx, `one-result-${tag}`, () => frame.evaluate(() => window.scrollTo(0, 0)));
  const c = cliNumbers(runCli(ctx, model));
  ctx.log(`  ${tag} panel: ${JSON.stringify(p)}`);
  ctx.log(`  ${tag} CLI:   ${JSON.stringify(c)}`);
  const V = { CERTIFIED: 'Certified', 'NOT OPTIMAL': 'Not optimal', INCONCLUSIVE: 'Inconclusive' };
  expect(p.verdict.includes(V[c.verdict]), `${tag}: verdict — panel "${p.verdict}", CLI "${c.verdict}"`);
  expect(p.interval === c.interval, `${tag}: P* interval — panel "${p.interval}", CLI "${c.interval}"`);
  const pP = p.P.match(/-?[\d.]+(e-?\d+)?/)?.[0];
  expect(sameToPrintedDigits(pP, c.P), `${tag}: P(θ) — panel ${pP}, CLI ${c.P}`);
  if (c.verdict === 'NOT OPTIMAL') {
    expect(p.gap.includes(`${c.lowerPct} above a better network`), `${tag}: gap — panel "${p.gap}", CLI "${c.lowerPct} lower"`);
    expect(p.sentence.includes(`objective ${c.better} exists`), `${tag}: the better network's objective — panel "${p.sentence}", CLI ${c.better}`);
  } else expect(p.gap.includes(`at most ${c.gapPct} above P*`), `${tag}: gap — panel "${p.gap}", CLI ${c.gapPct}`);
  expect(p.live === c.live, `${tag}: live neurons — panel ${p.live} (${p.all} − ${p.dead} dead), CLI ${c.live}`);
}

export default {
  id: 'w-one-result',
  title: 'one result everywhere: panel and `relu-lens certify` agree to the printed digits (two-moons, 100-point regression)',
  timeoutMs: 900_000,
  async run(ctx) {
    mkdirSync(join(ctx.ws, 'regression'), { recursive: true });
    for (const f of ['model.onnx', 'train.csv']) cpSync(join(ctx.repo, 'test', 'e2e', 'fixtures', 'regression100', f), join(ctx.ws, 'regression', f));
    editSettings(ctx, (cfg) => (cfg.models['regression/model.onnx'] = REGRESSION));
    const { frame } = await analyzeWithSettings(ctx, 'two-moons/model.onnx', TWO_MOONS_ENTRY);
    await compare(ctx, frame, 'two-moons/model.onnx', 'two-moons');

    // the regression: its own panel (the side bar was closed for the first: reopen the explorer)
    await ctx.wb.runCommand('View: Toggle Maximized Editor Group').catch(() => {});
    await ctx.wb.runCommand('View: Show Explorer');
    await ctx.wb.explorerContextMenu('regression/model.onnx', 'Analyze Model');
    const { frame: rf, verdict } = await waitVerdictFor(ctx.wb, 'regression/model.onnx');
    ctx.log(`  regression verdict: ${verdict}`);
    await compare(ctx, rf, 'regression/model.onnx', 'regression');
  },
};
