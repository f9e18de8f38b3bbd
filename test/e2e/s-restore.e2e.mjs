// Issue #5, host side: the panel comes back after a window reload (WebviewPanelSerializer reluLens.panel).
import { openWorkspace, waitVerdict, until, sleep, expect } from './helpers.mjs';
export default {
  id: 's-restore',
  title: 'panel restored after reload',
  timeoutMs: 300_000,
  async run(ctx) {
    const { wb, page } = ctx;
    await openWorkspace(ctx);
    await wb.explorerContextMenu('models/converged.onnx', 'Analyze Model');
    const { verdict } = await waitVerdict(wb);
    ctx.log(`  verdict: ${verdict}`);
    await sleep(1500);
    // VS Code's own reload: a lifecycle shutdown that flushes the workbench state (a bare page.reload
    // may lose it under load, which is not what a user's "Reload Window" does)
    const navigated = page.waitForNavigation({ waitUntil: 'domcontentloaded', timeout: 60_000 });
    await wb.runCommand('Developer: Reload Window');
    await navigated;
    await until('workbench', () => page.locator('.monaco-workbench').count(), { timeoutMs: 60_000 });
    let tabs = [];
    await until(
      'the panel tab after reload',
      async () => (tabs = await wb.editorTabs()).includes('ReLU Lens: converged.onnx'),
      { timeoutMs: 45_000 },
    ).catch(() => null);
    ctx.log('  tabs after reload: ' + tabs.join(' | '));
    expect(tabs.includes('ReLU Lens: converged.onnx'), 'the panel tab is restored');
    const again = await waitVerdict(wb, { timeoutMs: 120_000 });
    ctx.log(`  verdict after reload: ${again.verdict}`);
    expect(/Certified/.test(again.verdict), 'the restored panel shows the analysis');
    await wb.screenshot('restored');
  },
};
