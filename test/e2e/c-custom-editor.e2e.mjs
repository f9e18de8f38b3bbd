// Issue #5 (c): opening a .onnx file opens the custom editor reluLens.modelView (priority
// "default"), which shows the analysis.
import { openWorkspace, waitVerdict, needPanel, listedNeurons, trainedCase, until, expect } from './helpers.mjs';

export default {
  id: 'c-custom-editor',
  title: 'open a .onnx → custom editor reluLens.modelView shows the analysis',
  requires: (f) => needPanel(f) ?? (f.customEditor ? null : 'custom editor reluLens.modelView not contributed in package.json yet'),
  timeoutMs: 200_000,
  async run(ctx) {
    const { wb, page } = ctx;
    const ref = trainedCase(ctx.repo, 'converged-2d');
    await openWorkspace(ctx);
    const row = await wb.revealFile('models/converged.onnx');
    await row.dblclick(); // a pinned editor, not a preview
    // The custom editor's tab is the file's own (a panel's would read "ReLU Lens: …"); its webview
    // lives in an overlay outside the editor DOM, so the verdict frame is found by its testid.
    await until('an editor tab for converged.onnx', async () => (await wb.editorTabs()).includes('converged.onnx'), { timeoutMs: 30_000 });
    const tabs = await wb.editorTabs();
    ctx.log(`  tabs: ${tabs.join(' | ')}`);
    expect(!tabs.some((t) => /^ReLU Lens:/.test(t)), `a panel opened instead of (or besides) the custom editor: ${tabs.join(', ')}`);
    const binary = page.locator('.monaco-editor-pane-placeholder, .editor-placeholder', { hasText: /binary/ });
    // Seen once (CI, 2026-12-06, after a fresh code-server install): the first open of the window
    // landed in the text editor's binary placeholder although the palette already listed the
    // extension's commands; the next E2E run passed. Close and open once more: a custom editor that
    // is not the default for .onnx still fails below, since the text editor comes back.
    if (await until('the binary placeholder', () => binary.isVisible(), { timeoutMs: 3_000 }).catch(() => false)) {
      ctx.note('the text editor opened on the first double-click; closed and opened again');
      await wb.runCommand('View: Close Editor');
      await row.dblclick();
      await until('an editor tab for converged.onnx', async () => (await wb.editorTabs()).includes('converged.onnx'), { timeoutMs: 30_000 });
    }
    const { frame, verdict } = await waitVerdict(wb);
    ctx.log(`  verdict: ${verdict}`);
    expect(!(await binary.isVisible().catch(() => false)), 'the binary-file placeholder is shown: the text editor opened, not reluLens.modelView');
    expect(/Certified/.test(verdict), `expected "Certified" for converged-2d, the custom editor says "${verdict}"`);
    const rows = await listedNeurons(frame);
    expect(rows === ref.m, `neuron table accounts for ${rows} neurons (rows + folded), expected m = ${ref.m}`);
    await wb.screenshot('custom-editor');
  },
};
