// Issue #5 (d): a model that is not a two-layer ReLU network (Marabou's mnist2x10: two hidden ReLU
// layers, ../shared/fixtures/onnx-real/refuse) → a clear message in the panel, no crash: the next
// analysis in the same window still works.
import { openWorkspace, waitVerdict, needPanel, until, expect, sleep } from './helpers.mjs';

export default {
  id: 'd-refused-model',
  title: 'refused model → clear error message, then a normal analysis still works',
  requires: needPanel,
  timeoutMs: 200_000,
  async run(ctx) {
    const { wb } = ctx;
    await openWorkspace(ctx);
    await wb.explorerContextMenu('models/two-hidden.onnx', 'Analyze Model');
    const r = await waitVerdict(wb, { allowError: true, timeoutMs: 60_000 });
    expect(!r.verdict, `a refused model got a verdict: "${r.verdict}"`);
    ctx.log(`  error-message: ${r.error}`);
    // "clear": says what is wrong (layers / a node / ReLU), not a stack trace
    expect(/layer|hidden|relu|node|two-layer/i.test(r.error), `the message does not say why the model is refused: "${r.error}"`);
    expect(!/\bat .*\(.*:\d+:\d+\)|TypeError|undefined/.test(r.error), `the message looks like a crash: "${r.error}"`);
    await wb.screenshot('error');
    await sleep(500);
    await wb.explorerContextMenu('models/converged.onnx', 'Analyze Model');
    const ok = await until('a verdict after the refusal', async () => {
      const v = await waitVerdict(wb, { timeoutMs: 5_000, allowError: true }).catch(() => null);
      return v && v.verdict ? v : null;
    }, { timeoutMs: 150_000 });
    ctx.log(`  next analysis: ${ok.verdict}`);
  },
};
