// Issue #5, host side: a model with no saved settings whose training script is in the workspace
// (two-moons/train.py exports two-moons/model.onnx): the prompts offer the script's data file and
// training settings first, marked with the script; accepted and not saved, the panel's provenance
// says "training script" and the verdict is the example's (certified, README).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openWorkspace, waitVerdict, until, sleep, expect } from './helpers.mjs';
export default {
  id: 't-script-prefill',
  title: 'training script prefills the prompts; provenance says so',
  timeoutMs: 300_000,
  async run(ctx) {
    const { wb, page } = ctx;
    await openWorkspace(ctx);
    await wb.explorerContextMenu('two-moons/model.onnx', 'Analyze Model');
    const rows = page.locator('.quick-input-list .monaco-list-row');
    const input = page.locator('.quick-input-widget input.input');
    await until('data quick pick', () => rows.first().isVisible(), { timeoutMs: 60_000 });
    const first = (await rows.first().textContent()) ?? '';
    ctx.log(`  first data row: ${first}`);
    expect(/two-moons\/train\.csv/.test(first) && /from two-moons\/train\.py/.test(first), `the script's data file is offered first, marked (got "${first}")`);
    await rows.first().click();
    await sleep(800);
    await input.press('Enter'); // labels: the default (y) preselected
    const beta = page.locator('.quick-input-list .monaco-list-row', { hasText: 'Training settings from two-moons/train.py' }).first();
    await until('β quick pick with the script row', () => beta.isVisible(), { timeoutMs: 15_000 });
    const text = (await beta.textContent()) ?? '';
    ctx.log(`  β row: ${text}`);
    expect(/weight_decay=0\.001, reduction='mean', adam/.test(text), `the script's settings are shown (got "${text}")`);
    await beta.click();
    const dialog = page.locator('.monaco-dialog-box');
    await until('save dialog', () => dialog.isVisible(), { timeoutMs: 15_000 });
    await dialog.locator('.monaco-button', { hasText: "Don't Save" }).click();
    const { frame, verdict } = await waitVerdict(wb, { timeoutMs: 240_000 });
    ctx.log(`  verdict: ${verdict}`);
    const prov = (await frame.locator('[data-testid="provenance"]').first().textContent()) ?? '';
    ctx.log(`  provenance: ${prov.slice(0, 300)}`);
    expect(/train\.py/.test(prov), 'the provenance names the training script');
    const cfg = JSON.parse(readFileSync(join(ctx.ws, '.vscode', 'relu-lens.json'), 'utf8'));
    expect(!cfg.models['two-moons/model.onnx'], "Don't Save wrote nothing");
    await wb.screenshot('script-prefill');
  },
};
