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
    await page.reload({ waitUntil: 'domcontentloaded' });
    await until('workbench', () => page.locator('.monaco-workbench').count(), { timeoutMs: 60_000 });
    await sleep(3000);
    const tabs = await wb.editorTabs();
    ctx.log('  tabs after reload: ' + tabs.join(' | '));
    expect(tabs.includes('ReLU Lens: converged.onnx'), 'the panel tab is restored');
    const again = await waitVerdict(wb, { timeoutMs: 120_000 });
    ctx.log(`  verdict after reload: ${again.verdict}`);
    expect(/Certified/.test(again.verdict), 'the restored panel shows the analysis');
    await wb.screenshot('restored');
  },
};
