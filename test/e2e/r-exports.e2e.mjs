// Issue #5, host side: exports go through the save dialog (optimal model as ONNX, Markdown report),
// Show optimal weights opens the weights, and a change to the training data re-certifies.
import { readFileSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { openWorkspace, waitVerdict, until, sleep, expect } from './helpers.mjs';
export default {
  id: 'r-exports',
  title: 'exports, show optimal, watcher',
  timeoutMs: 300_000,
  async run(ctx) {
    const { wb, page } = ctx;
    await openWorkspace(ctx);
    await wb.explorerContextMenu('models/spurious.onnx', 'Analyze Model');
    const { verdict } = await waitVerdict(wb);
    ctx.log(`  verdict: ${verdict}`);
    const status = page.locator('.statusbar-item', { hasText: 'ReLU Lens:' }).first();
    const st = (await status.textContent()) ?? '';
    ctx.log('  status: ' + st);
    expect(/^ReLU Lens: Not optimal/.test(st.trim()), `status bar shows the verdict (got "${st}")`);
    const input = page.locator('.quick-input-widget input.input');
    // Export optimal model… → save dialog (simple dialog: a path in the quick input) → Enter
    await wb.runCommand('ReLU Lens: Export optimal model');
    await until('save dialog', () => input.isVisible(), { timeoutMs: 15_000 });
    await sleep(800);
    const target = await input.inputValue();
    ctx.log('  save dialog value: ' + target);
    expect(/models\/spurious\.optimal\.onnx$/.test(target), `the save dialog proposes models/spurious.optimal.onnx (got ${target})`);
    await wb.screenshot('save-dialog');
    await input.press('Enter');
    await sleep(2000);
    ctx.log('  models/: ' + readdirSync(join(ctx.ws, 'models')).join(', '));
    // Export certificate… → Markdown
    await wb.runCommand('ReLU Lens: Export certificate');
    const md = page.locator('.quick-input-list .monaco-list-row', { hasText: 'Markdown' }).first();
    await until('format pick', () => md.isVisible(), { timeoutMs: 10_000 });
    await md.click();
    await sleep(1500);
    ctx.log('  md dialog value: ' + (await input.inputValue()));
    await input.press('Enter');
    await sleep(2000);
    const files = readdirSync(join(ctx.ws, 'models'));
    ctx.log('  models/: ' + files.join(', '));
    expect(files.includes('spurious.optimal.onnx'), 'the optimal model was written');
    const mdFile = files.find((f) => f.endsWith('.md'));
    expect(mdFile, 'the Markdown report was written');
    const head = readFileSync(join(ctx.ws, 'models', mdFile), 'utf8');
    ctx.log('  md head: ' + head.split('\n').slice(0, 3).join(' / '));
    expect(/^# ReLU Lens certificate: NOT OPTIMAL/.test(head), 'the report states the verdict');
    const onnx = readFileSync(join(ctx.ws, 'models', 'spurious.optimal.onnx'));
    expect(onnx.length > 100, 'a non-empty ONNX file');
    // Show optimal weights → the panel's Optimal weights tab (issue #18), not an untitled editor
    await wb.runCommand('ReLU Lens: Show optimal weights');
    await sleep(2500);
    const tabs = await wb.editorTabs();
    ctx.log('  tabs: ' + tabs.join(' | '));
    expect(!tabs.some((t) => /^Untitled/.test(t)), 'Show optimal weights opens the panel, not an untitled editor');
    await wb.screenshot('show-optimal');
    // data change → re-certify (autoRecertify)
    const verdictFrame = (await waitVerdict(wb)).frame;
    const factsBefore = (await verdictFrame.locator('[data-testid="answer-facts"]').first().textContent().catch(() => null)) ?? '';
    ctx.log('  facts before: ' + factsBefore.slice(0, 120));
    const csv = join(ctx.ws, 'data', 'spurious.csv');
    const lines = readFileSync(csv, 'utf8').trimEnd().split('\n');
    const cells = lines[1].split(',');
    cells[cells.length - 1] = String(Number(cells[cells.length - 1]) + 0.5);
    lines[1] = cells.join(',');
    writeFileSync(csv, lines.join('\n') + '\n');
    // A small model's re-certification can show its early verdict (text "Not optimal" plus a spinner) or
    // even finish between two polls, so any of three signs counts: "Certifying…", the status bar's
    // spinner, or the panel's facts (P(θ) is computed from the data) differing from before the change.
    const spinning = async () => /Certifying/.test((await status.textContent()) ?? '') || (await status.locator('.codicon-modifier-spin').count()) > 0;
    const factsOf = async () => (await verdictFrame.locator('[data-testid="answer-facts"]').first().textContent().catch(() => null)) ?? null;
    const sawRunning = await until('status → Certifying (or new facts in the panel)', async () => (await spinning()) || ((await factsOf()) ?? factsBefore) !== factsBefore || null, { timeoutMs: 30_000 }).catch(() => false);
    ctx.log('  re-certify started: ' + !!sawRunning);
    expect(sawRunning, 'changing the data re-certifies (reluLens.autoRecertify)');
    const after = await until('status → verdict', async () => { const t = (await status.textContent()) ?? ''; return /Certified|Not optimal|Inconclusive/.test(t) ? t : null; }, { timeoutMs: 120_000 });
    ctx.log('  status after change: ' + after);
    await wb.screenshot('after-change');
  },
};
