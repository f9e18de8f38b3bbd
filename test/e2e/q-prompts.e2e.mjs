// Issue #5, host side (run by the E2E runner: node scripts/e2e/run.mjs with these scenarios):
// no saved settings → Analyze Model asks the data file, the label column(s) (read from the
// header) and β (validated), then asks "Save these answers to .vscode/relu-lens.json?"; Save
// writes only this model's entry (the rest of the file is kept) and the verdict appears.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { editSettings, openWorkspace, waitVerdict, until, sleep, expect } from './helpers.mjs';
export default {
  id: 'q-prompts',
  title: 'prompts → save → verdict',
  timeoutMs: 200_000,
  async run(ctx) {
    const { wb, page } = ctx;
    const cfgFile = join(ctx.ws, '.vscode', 'relu-lens.json');
    const cfg = editSettings(ctx, (c) => {
      delete c.models['models/converged.onnx'];
      c.comment = 'kept';
    });
    await openWorkspace(ctx);
    await wb.explorerContextMenu('models/converged.onnx', 'Analyze Model');
    const qi = page.locator('.quick-input-widget');
    const input = page.locator('.quick-input-widget input.input');
    const pickRow = async (text) => {
      const row = page.locator('.quick-input-list .monaco-list-row', { hasText: text }).first();
      await until(`quick pick row ${text}`, () => row.isVisible(), { timeoutMs: 30_000 });
      ctx.log('  rows: ' + (await page.locator('.quick-input-list .monaco-list-row').allTextContents()).join(' | '));
      await row.click();
    };
    await pickRow('data/converged.csv');
    await sleep(800);
    await wb.screenshot('labels');
    // label pick (canPickMany): y preselected → OK
    // the row's own label only: a row can also carry the palette's separator text ("similar commands")
    // while the list re-renders, so poll the labels until the pick has replaced the previous list
    const labelsNow = async () => (await page.locator('.quick-input-list .monaco-list-row .label-name').allTextContents()).map((l) => l.trim());
    const labels = (await until('the label pick', async () => ((await labelsNow()).join(',') === 'x1,x2,y' ? labelsNow() : null), { timeoutMs: 10_000 }).catch(() => null)) ?? (await labelsNow());
    ctx.log('  labels: ' + labels.join(' | '));
    expect(labels.join(',') === 'x1,x2,y', `label pick shows the header columns (got ${labels.join(', ')})`);
    await input.press('Enter');
    await pickRow('β directly');
    await until('input box', () => input.isVisible(), { timeoutMs: 10_000 });
    await input.fill('-1');
    await sleep(500);
    const msg = await page.locator('.quick-input-message').textContent().catch(() => '');
    ctx.log(`  validation for -1: ${msg}`);
    expect(/greater than 0/.test(msg ?? ''), `no validation message for β = -1 ("${msg}")`);
    await input.fill('0.125');
    await input.press('Enter');
    const dialog = page.locator('.monaco-dialog-box');
    await until('save dialog', () => dialog.isVisible(), { timeoutMs: 15_000 });
    const dialogText = (await dialog.textContent()) ?? '';
    ctx.log('  dialog: ' + dialogText);
    expect(/Save these answers to \.vscode\/relu-lens\.json\?/.test(dialogText), 'the save question names the file');
    await wb.screenshot('save-dialog');
    await dialog.locator('.monaco-button', { hasText: /^Save$/ }).click();
    const { verdict } = await waitVerdict(wb);
    ctx.log(`  verdict: ${verdict}`);
    expect(/Certified/.test(verdict), `converged-2d with β = 0.125 is certified (got ${verdict})`);
    const saved = JSON.parse(readFileSync(cfgFile, 'utf8'));
    ctx.log('  saved entry: ' + JSON.stringify(saved.models['models/converged.onnx']) + ' comment=' + saved.comment);
    expect(saved.models['models/converged.onnx']?.beta === 0.125, 'entry saved');
    expect(saved.models['models/converged.onnx']?.data === 'data/converged.csv', 'data saved relative to the workspace');
    expect(saved.comment === 'kept', 'other keys kept');
    expect(JSON.stringify(saved.models['models/spurious.onnx']) === JSON.stringify(cfg.models['models/spurious.onnx']), 'other entries kept as they were');
    await wb.screenshot('done');
  },
};
