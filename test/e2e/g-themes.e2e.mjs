// Screenshots of the panel in the four themes (dark, light, high contrast dark and light) (user settings.json of
// code-server → workbench.colorTheme), saved to test-artifacts/e2e/ and copied to
// media/screenshots/panel-{dark,light,hc,hc-light}.png for the README.
import { openWorkspace, waitVerdict, needPanel, applyTheme, until, expect, sleep, THEMES } from './helpers.mjs';


export default {
  id: 'g-themes',
  title: 'panel screenshots in dark, light and high-contrast themes',
  requires: needPanel,
  timeoutMs: 240_000,
  async run(ctx) {
    const { wb, page } = ctx;
    await openWorkspace(ctx);
    await wb.explorerContextMenu('models/early-stopped.onnx', 'Analyze Model');
    await waitVerdict(wb);
    // the explorer is not what the README shows: give the panel the window
    await wb.runCommand('View: Close Primary Side Bar').catch(() => {});
    for (const t of THEMES) {
      let ok = await applyTheme(ctx, t.theme, t.cls);
      if (!ok) {
        // the picker did not take: write the user settings.json and reload the window
        ctx.setTheme(t.theme);
        await page.reload({ waitUntil: 'domcontentloaded', timeout: 60_000 });
        const cls = async () => ((await page.locator('.monaco-workbench').first().getAttribute('class')) ?? '').split(/\s+/).includes(t.cls);
        ok = Boolean(await until(`theme ${t.theme} after a reload`, cls, { timeoutMs: 30_000 }).catch(() => false));
        await waitVerdict(wb);
      }
      expect(ok, `the workbench did not switch to ${t.theme}`);
      await sleep(1500); // the webview receives the new theme variables asynchronously
      const file = await wb.screenshot(`panel-${t.tag}`);
      ctx.publishScreenshot(file, `panel-${t.tag}.png`);
    }
  },
};
