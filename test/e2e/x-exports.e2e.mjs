// Issue #18 item 4, exports people expect, on the bundled two-moons example:
//   - "Save SVG…" and "Save PNG…" on the 2-D plot go through the save dialog and write a
//     well-formed standalone SVG and a PNG that decodes;
//   - "Copy" beside P(θ) puts exactly the printed value on the clipboard; "Copy table" the table;
//   - "Show optimal weights" brings the panel's Optimal tab, not an untitled editor;
//   - the Markdown report (Export certificate…) has its plots inline as SVG, no script;
//   - the HTML report of the same inputs (`relu-lens certify --report`, the computation the panel
//     runs, w-one-result) has inline SVG plots, no script, and is < 6,000 px tall in the browser.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { acceptSaveDialog, analyzeWithSettings, factText, panelFrames, shootThemes, until, sleep, expect, TWO_MOONS_ENTRY } from './helpers.mjs';

const MAX_REPORT_PX = 6000;

export default {
  id: 'x-exports',
  title: 'two-moons exports: save SVG/PNG, copy, Show optimal → Optimal tab, Markdown and HTML reports with inline SVG',
  timeoutMs: 600_000,
  async run(ctx) {
    const { wb, page } = ctx;
    const origin = `http://127.0.0.1:${wb.port}`;
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
    const { frame } = await analyzeWithSettings(ctx, 'two-moons/model.onnx', TWO_MOONS_ENTRY);

    // 1. Save SVG… and Save PNG… on the 2-D plot
    const plot = frame.locator('[data-testid="plot"][data-plot="2d"]');
    await plot.scrollIntoViewIfNeeded();
    await plot.locator('[data-testid="save-svg"]').click();
    const svgFile = await acceptSaveDialog(ctx, /two-moons\/model\.2d\.svg$/);
    const svg = readFileSync(svgFile, 'utf8');
    const parsed = await frame.evaluate((text) => {
      const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
      return { errors: doc.getElementsByTagName('parsererror').length, root: doc.documentElement.localName, lines: doc.querySelectorAll('line').length };
    }, svg);
    ctx.log(`  SVG: ${svg.length} bytes, ${JSON.stringify(parsed)}`);
    expect(parsed.errors === 0 && parsed.root === 'svg' && !svg.includes('var(--'), 'a well-formed standalone SVG (no theme variables)');
    await plot.locator('[data-testid="save-png"]').click();
    const pngFile = await acceptSaveDialog(ctx, /two-moons\/model\.2d\.png$/);
    const png = readFileSync(pngFile);
    const signature = png.subarray(0, 8).toString('hex') === '89504e470d0a1a0a';
    const size = { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
    const decoded = await frame.evaluate(async (b64) => {
      const img = new Image();
      img.src = `data:image/png;base64,${b64}`;
      await img.decode();
      return { width: img.naturalWidth, height: img.naturalHeight };
    }, png.toString('base64'));
    ctx.log(`  PNG: ${png.length} bytes, IHDR ${size.width}×${size.height}, decoded ${decoded.width}×${decoded.height}`);
    expect(signature && decoded.width === size.width && decoded.height === size.height && size.width > 100, 'a PNG that decodes to its stated size');

    // 2. Copy beside P(θ): the clipboard holds the printed value; Copy table: a tab-separated table
    await frame.evaluate(() => window.scrollTo(0, 0));
    const printed = (await factText(frame, 'objective')).trim();
    await frame.locator('[data-testid="objective"] button').first().click();
    const clip = await until('the clipboard to hold P(θ)', async () => {
      const t = await page.evaluate(() => navigator.clipboard.readText()).catch(() => null);
      return t && t.trim() === printed ? t : null;
    }, { timeoutMs: 10_000 }).catch(async () => `(not equal) ${await page.evaluate(() => navigator.clipboard.readText()).catch((e) => `unreadable: ${e.message}`)}`);
    ctx.log(`  P(θ) printed "${printed}", clipboard "${clip}"`);
    expect(clip.trim() === printed, `Copy puts the printed P(θ) on the clipboard (printed "${printed}", clipboard "${clip}")`);
    await frame.locator('[data-testid="copy-table"]').click();
    const table = await until('the neuron table on the clipboard', async () => {
      const t = await page.evaluate(() => navigator.clipboard.readText()).catch(() => '');
      return t.includes('\t') && t.split('\n').length > 2 ? t : null;
    }, { timeoutMs: 10_000 });
    ctx.log(`  table: ${table.split('\n').length} lines, header "${table.split('\n')[0]}"`);

    // 3. Show optimal weights (after the copies: it leaves the Neurons tab) → the panel's Optimal tab, not an untitled document
    await wb.runCommand('ReLU Lens: Show optimal weights');
    await sleep(2000);
    const tabs = await wb.editorTabs();
    ctx.log(`  tabs: ${tabs.join(' | ')}`);
    expect(!tabs.some((t) => /^Untitled/.test(t)), 'no untitled editor');
    const shown = await until('the Optimal tab with the optimum or witness', async () => {
      for (const f of await panelFrames(page)) {
        const tab = f.locator('vscode-tab-panel[data-tab="optimal"]');
        const body = tab.locator('[data-testid="optimum"], [data-testid="witness"], [data-testid="closed-form"]');
        if ((await tab.isVisible().catch(() => false)) && (await body.first().isVisible().catch(() => false))) return true;
      }
      return null;
    }, { timeoutMs: 20_000 });
    expect(shown, 'the Optimal tab is shown');
    await shootThemes(ctx, 'show-optimal');

    // 4. the Markdown report through Export certificate…
    await wb.runCommand('ReLU Lens: Export certificate');
    const md = page.locator('.quick-input-list .monaco-list-row', { hasText: 'Markdown' }).first();
    await until('the format pick', () => md.isVisible(), { timeoutMs: 10_000 });
    await md.click();
    const mdFile = await acceptSaveDialog(ctx, /two-moons\/model\.certificate\.md$/);
    const mdText = readFileSync(mdFile, 'utf8');
    const mdSvgs = (mdText.match(/<svg[\s>]/g) ?? []).length;
    ctx.log(`  Markdown report: ${mdText.length} bytes, ${mdSvgs} inline SVG, first line "${mdText.split('\n')[0]}"`);
    expect(mdSvgs >= 1 && !/<script/i.test(mdText), 'the Markdown report has its plots inline as SVG, no script');
    expect(/CERTIFIED/.test(mdText.split('\n')[0]) && !/not proven/i.test(mdText), 'the Markdown report states CERTIFIED with no "not proven" wording');

    // 5. the HTML report of the same inputs, measured in the browser
    const htmlFile = join(ctx.ws, 'two-moons', 'report.html');
    const r = spawnSync(process.execPath, [join(ctx.repo, 'dist', 'cli.js'), 'certify', 'two-moons/model.onnx', '--config', join(ctx.ws, '.vscode', 'relu-lens.json'), '--report', htmlFile, '--force'], { cwd: ctx.ws, encoding: 'utf8', timeout: 400_000 });
    expect(r.status === 0, `relu-lens certify --report exited ${r.status}: ${r.stderr}`);
    const html = readFileSync(htmlFile, 'utf8');
    const report = await page.context().newPage();
    try {
      await report.setViewportSize({ width: 1400, height: 900 });
      await report.goto(`file://${htmlFile}`, { waitUntil: 'load' });
      const m = await report.evaluate(() => ({
        height: document.documentElement.scrollHeight,
        svgs: document.querySelectorAll('svg').length,
        scripts: document.querySelectorAll('script').length,
        drawn: [...document.querySelectorAll('svg')].filter((s) => s.getBoundingClientRect().height > 50).length,
      }));
      ctx.log(`  HTML report: ${html.length} bytes, ${m.height} px tall at 1400 px, ${m.svgs} inline SVG (${m.drawn} drawn > 50 px), ${m.scripts} scripts`);
      // the plots, not the top of the report: the first inline SVG's heading at the top of the window
      await report.evaluate(() => {
        const svg = document.querySelector('svg');
        if (svg) window.scrollTo(0, svg.getBoundingClientRect().top + window.scrollY - 80);
      });
      const shot = join(ctx.artifacts, `${ctx.wb.scenario}-report-html.png`);
      await report.screenshot({ path: shot });
      ctx.wb.shots.push(shot);
      ctx.publishScreenshot(shot, 'report-html.png');
      expect(m.svgs >= 2 && m.drawn >= 2 && m.scripts === 0, 'the HTML report has inline SVG plots and no script');
      expect(m.height < MAX_REPORT_PX, `the HTML report is < ${MAX_REPORT_PX} px tall (got ${m.height})`);
    } finally {
      await report.close().catch(() => {});
    }
  },
};
