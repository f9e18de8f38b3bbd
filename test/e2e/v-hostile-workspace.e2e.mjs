// Issue #17 "Done when" (extension side): a hostile workspace. Three models, each with a settings
// entry so no prompt intervenes:
//   hostile/ext.onnx   its external data "weights.bin" is a symlink to a file OUTSIDE the folder
//   hostile/fifo.onnx  its training data hostile/fifo.csv is a FIFO (no writer: a read would block)
//   hostile/big.onnx   its training data hostile/big.npz is a 1.1 GiB (sparse) file, over the
//                      1 GiB cap on a model or data file (reluLens.maxFileSizeMB)
// Each is refused with a clear message in the panel naming the file and the reason, none hangs
// (every wait below is bounded), and a normal analysis still works afterwards.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openWorkspace, waitVerdict, needPanel, until, expect, sleep, panelFrames, text, VERDICT_RE } from './helpers.mjs';

const FIX = (repo, f) => join(repo, 'test', 'e2e', 'fixtures', f);

function hostile(ctx) {
  const ws = ctx.ws;
  const dir = join(ws, 'hostile');
  const outside = join(ws, '..', `outside-${ctx.ws.split('/').pop()}`);
  mkdirSync(dir, { recursive: true });
  mkdirSync(outside, { recursive: true });
  copyFileSync(FIX(ctx.repo, 'hostile-external.onnx'), join(dir, 'ext.onnx'));
  copyFileSync(FIX(ctx.repo, 'hostile-external.bin'), join(outside, 'weights.bin'));
  symlinkSync(join(outside, 'weights.bin'), join(dir, 'weights.bin'));
  copyFileSync(join(ws, 'models', 'converged.onnx'), join(dir, 'fifo.onnx'));
  execFileSync('mkfifo', [join(dir, 'fifo.csv')]);
  copyFileSync(join(ws, 'models', 'converged.onnx'), join(dir, 'big.onnx'));
  writeFileSync(join(dir, 'big.npz'), new Uint8Array(0));
  truncateSync(join(dir, 'big.npz'), Math.floor(1.1 * 2 ** 30)); // sparse: no disk, no memory
  const cfgFile = join(ws, '.vscode', 'relu-lens.json');
  const cfg = JSON.parse(readFileSync(cfgFile, 'utf8'));
  const base = cfg.models['models/converged.onnx'];
  cfg.models['hostile/ext.onnx'] = { ...base, data: 'data/converged.csv' };
  cfg.models['hostile/fifo.onnx'] = { ...base, data: 'hostile/fifo.csv' };
  cfg.models['hostile/big.onnx'] = { ...base, data: 'hostile/big.npz' };
  writeFileSync(cfgFile, JSON.stringify(cfg, null, 2) + '\n');
}

/**
 * Analyze `model` and return the panel's error message. Each model has its own panel: the one whose
 * title names the model is read (a verdict there fails the scenario).
 */
async function refusal(ctx, model) {
  await ctx.wb.explorerContextMenu(model, 'Analyze Model');
  const r = await until(`the panel's answer for ${model}`, async () => {
    for (const frame of await panelFrames(ctx.page)) {
      const title = await frame.locator('body').textContent().catch(() => '');
      if (!title?.includes(model)) continue;
      const verdict = await text(frame, 'verdict');
      if (verdict && VERDICT_RE.test(verdict)) return { verdict };
      const error = await text(frame, 'error-message');
      if (error) return { error };
    }
    return null;
  }, { timeoutMs: 60_000 });
  expect(!r.verdict, `${model} got a verdict ("${r.verdict}") instead of a refusal`);
  ctx.log(`  ${model}: ${r.error}`);
  expect(!/\bat .*\(.*:\d+:\d+\)|TypeError|undefined|internal error/.test(r.error), `the message for ${model} looks like a crash: "${r.error}"`);
  await ctx.wb.screenshot(model.split('/').pop().replace('.onnx', ''));
  return r.error;
}

export default {
  id: 'v-hostile-workspace',
  title: 'hostile workspace: external data through a symlink outside the folder, a FIFO data file, an oversized npz → each refused clearly, no hang',
  requires: needPanel,
  timeoutMs: 300_000,
  async run(ctx) {
    hostile(ctx);
    await openWorkspace(ctx);
    const ext = await refusal(ctx, 'hostile/ext.onnx');
    expect(/weights\.bin/.test(ext) && /outside the model's folder/.test(ext), `the symlink refusal does not name the file and the reason: "${ext}"`);
    await sleep(500);
    const fifo = await refusal(ctx, 'hostile/fifo.onnx');
    expect(/fifo\.csv/.test(fifo) && /not a regular file/.test(fifo), `the FIFO refusal does not name the file and the reason: "${fifo}"`);
    await sleep(500);
    const big = await refusal(ctx, 'hostile/big.onnx');
    expect(/big\.npz/.test(big) && /limit/.test(big) && /reluLens\.maxFileSizeMB/.test(big), `the size refusal does not name the file, the limit and the setting: "${big}"`);
    // nothing is stuck: a normal model still gets its verdict
    await sleep(500);
    await ctx.wb.explorerContextMenu('models/converged.onnx', 'Analyze Model');
    const ok = await until('a verdict after the refusals', async () => {
      const v = await waitVerdict(ctx.wb, { timeoutMs: 5_000, allowError: true }).catch(() => null);
      return v && v.verdict ? v : null;
    }, { timeoutMs: 150_000 });
    ctx.log(`  next analysis: ${ok.verdict}`);
  },
};
