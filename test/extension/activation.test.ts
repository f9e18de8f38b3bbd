// Activation of the real bundle (dist/extension.js) against a stand-in vscode module: it must be
// cheap (< ACTIVATE_LIMIT_MS, no worker thread, no onnxruntime) and register exactly what
// package.json contributes (the identifiers the E2E tests and the webview rely on).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { requireWithFake, fakeContext, type Recorder } from './fakeVscode';
import { BUILTIN_DEFAULTS } from '../../src/core/config/resolve';

/** Issue #5: activation does no heavy work. */
const ACTIVATE_LIMIT_MS = 50;

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const COMMANDS: Record<string, string> = {
  'reluLens.analyzeModel': 'Analyze Model',
  'reluLens.certify': 'Certify optimality',
  'reluLens.showOptimal': 'Show optimal weights',
  'reluLens.exportCertificate': 'Export certificate…',
  'reluLens.exportOptimalModel': 'Export optimal model…',
  'reluLens.setTrainingData': 'Set training data…',
  'reluLens.openPanel': 'Open panel',
};

test(`activate() takes < ${ACTIVATE_LIMIT_MS} ms, starts no worker and loads no onnxruntime`, () => {
  const rec: Recorder = { calls: [] };
  const file = path.resolve('dist/extension.js');
  const t0 = performance.now();
  const ext = requireWithFake(file, rec) as { activate: (c: unknown) => void; deactivate: () => void };
  const tLoad = performance.now() - t0;
  const ctx = fakeContext(path.resolve('.'));
  const workersBefore = process.getActiveResourcesInfo().filter((r) => /Worker/i.test(r)).length;
  const t1 = performance.now();
  ext.activate(ctx);
  const tActivate = performance.now() - t1;
  console.log(`# module load ${tLoad.toFixed(1)} ms, activate() ${tActivate.toFixed(1)} ms, ${ctx.subscriptions.length} disposables`);
  assert.ok(tActivate < ACTIVATE_LIMIT_MS, `activate() took ${tActivate} ms`);
  assert.equal(process.getActiveResourcesInfo().filter((r) => /Worker/i.test(r)).length, workersBefore, 'no worker thread started');
  assert.ok(!Object.keys(require.cache).some((k) => k.includes('onnxruntime-node')), 'onnxruntime-node not loaded on the host');

  const registered = rec.calls.filter((c) => c.path === 'commands.registerCommand').map((c) => c.args[0]);
  assert.deepEqual([...registered].sort(), Object.keys(COMMANDS).sort());
  const editor = rec.calls.find((c) => c.path === 'window.registerCustomEditorProvider');
  assert.equal(editor?.args[0], 'reluLens.modelView');
  const serializer = rec.calls.find((c) => c.path === 'window.registerWebviewPanelSerializer');
  assert.equal(serializer?.args[0], 'reluLens.panel');
  const status = rec.calls.find((c) => c.path === 'window.createStatusBarItem');
  assert.equal(status?.args[0], 'reluLens.status');
  for (const d of ctx.subscriptions) d.dispose();
});

test('package.json contributes the shared identifiers', () => {
  const c = pkg.contributes;
  const byId = Object.fromEntries(c.commands.map((x: { command: string }) => [x.command, x]));
  for (const [id, title] of Object.entries(COMMANDS)) {
    assert.equal(byId[id]?.title, title, id);
    assert.equal(byId[id]?.category, 'ReLU Lens', id);
  }
  assert.equal(c.commands.length, Object.keys(COMMANDS).length);
  const explorer = c.menus['explorer/context'].find((m: { command: string }) => m.command === 'reluLens.analyzeModel');
  assert.equal(explorer.when, 'resourceExtname == .onnx');
  assert.ok(c.menus['editor/title'].some((m: { when: string }) => m.when.includes('activeCustomEditorId == reluLens.modelView')));
  assert.deepEqual(c.customEditors, [{ viewType: 'reluLens.modelView', displayName: 'ReLU Lens', selector: [{ filenamePattern: '*.onnx' }], priority: 'default' }]);
  const props = c.configuration.properties;
  assert.equal(props['reluLens.tolerance'].default, BUILTIN_DEFAULTS.tolerance);
  assert.equal(props['reluLens.patternBudget'].default, BUILTIN_DEFAULTS.patternBudget);
  assert.equal(props['reluLens.hiddenBias'].default, BUILTIN_DEFAULTS.hiddenBias);
  assert.equal(props['reluLens.outputBias'].default, BUILTIN_DEFAULTS.outputBias);
  assert.equal(props['reluLens.timeBudgetSeconds'].default, BUILTIN_DEFAULTS.timeBudgetSeconds);
  assert.equal(props['reluLens.autoRecertify'].default, true);
  for (const [k, v] of Object.entries(props)) assert.ok((v as { markdownDescription?: string }).markdownDescription, `${k} has a description`);
  assert.ok(pkg.activationEvents.includes('onWebviewPanel:reluLens.panel'), 'the serializer can restore panels after a reload');
});
