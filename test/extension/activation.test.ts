// Activation of the real bundle (dist/extension.js) against a stand-in vscode module: it must be
// cheap — checked as the work it must not do (no worker thread, no onnxruntime), not as a time,
// which depends on the machine (the time is printed) — and register exactly what package.json
// contributes (the identifiers the E2E tests and the webview rely on).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { requireWithFake, fakeContext, type Recorder } from './fakeVscode';
import { BUILTIN_DEFAULTS } from '../../src/core/config/resolve';

/** Issue #5: activation does no heavy work. */

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

/**
 * Counts worker threads constructed while f runs. The bundle reads `Worker` off the
 * node:worker_threads module object when it constructs one, so wrapping that property sees every
 * thread it starts (node 20's getActiveResourcesInfo() does not list workers).
 */
function countWorkers(f: () => void): number {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const wt = require('node:worker_threads') as { Worker: new (...a: unknown[]) => object };
  const Real = wt.Worker;
  let started = 0;
  const spy: typeof Real = new Proxy(Real, {
    construct(target, args, newTarget) {
      started++;
      return Reflect.construct(target, args, newTarget === spy ? target : newTarget);
    },
  });
  wt.Worker = spy;
  try {
    f();
  } finally {
    wt.Worker = Real;
  }
  return started;
}

test('activate() does no heavy work: it starts no worker and loads no onnxruntime', () => {
  const rec: Recorder = { calls: [] };
  const file = path.resolve('dist/extension.js');
  let ext!: { activate: (c: unknown) => void; deactivate: () => void };
  const ctx = fakeContext(path.resolve('.'));
  let tLoad = 0,
    tActivate = 0;
  const workers = countWorkers(() => {
    const t0 = performance.now();
    ext = requireWithFake(file, rec) as typeof ext;
    tLoad = performance.now() - t0;
    const t1 = performance.now();
    ext.activate(ctx);
    tActivate = performance.now() - t1;
  });
  console.log(`# module load ${tLoad.toFixed(1)} ms, activate() ${tActivate.toFixed(1)} ms (printed, not asserted), ${ctx.subscriptions.length} disposables`);
  assert.equal(workers, 0, 'no worker thread started');
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
  assert.deepEqual(c.customEditors, [
    { viewType: 'reluLens.modelView', displayName: 'ReLU Lens', selector: [{ filenamePattern: '*.onnx' }], priority: 'default' },
  ]);
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
