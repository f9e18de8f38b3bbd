// Issue #18: the status bar shows the verdict as soon as the running analysis sends it (the early
// verdict message, before the optimum search), not only when the whole analysis ends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fakeVscode, requireWithVscode } from './fakeVscode';
import type { VerdictBlock } from '../../src/protocol/panel';

test('the status bar item shows the early verdict while the analysis refines, then the final one', () => {
  const item = {
    text: '',
    tooltip: '',
    name: '',
    command: undefined as unknown,
    shown: false,
    show() {
      this.shown = true;
    },
    hide() {
      this.shown = false;
    },
    dispose() {},
  };
  const base = fakeVscode({ calls: [] });
  const Emitter = base.EventEmitter as new <T>() => {
    event: (l: (e: T) => void) => { dispose(): void };
    fire(e: T): void;
  };
  const none = () => ({ dispose() {} });
  const fake = {
    ...base,
    window: {
      createStatusBarItem: () => item,
      tabGroups: { activeTabGroup: { activeTab: undefined }, onDidChangeTabs: none },
      onDidChangeActiveTextEditor: none,
    },
  };
  const { StatusBar } = requireWithVscode(require.resolve('../../src/extension/statusBar'), fake) as typeof import('../../src/extension/statusBar');
  const changed = new Emitter<{ session: unknown; kind: string }>();
  const uri = { toString: () => 'file:///w/m.onnx', path: '/w/m.onnx' };
  const session = {
    uri,
    loc: { key: 'm.onnx' },
    state: { model: 'm.onnx', status: 'running', stage: { name: 'certificate' } } as Record<string, unknown>,
  };
  const bar = new StatusBar({ onDidChange: changed.event, get: () => session } as never);
  bar.setActive(uri as never);
  assert.match(item.text, /^ReLU Lens: Certifying…/);
  // the worker's early verdict: the session keeps it in state.early and fires 'verdict'
  const early = { verdict: 'not-optimal' } as VerdictBlock;
  session.state = { ...session.state, early };
  changed.fire({ session, kind: 'verdict' });
  assert.match(item.text, /^ReLU Lens: Not optimal \$\(error\) \$\(sync~spin\)$/);
  assert.match(item.tooltip, /refining the optimal network/);
  // the final result: the verdict without the spinner
  session.state = {
    model: 'm.onnx',
    status: 'done',
    result: { verdict: 'not-optimal', summary: 'A better network exists.' },
  };
  changed.fire({ session, kind: 'state' });
  assert.equal(item.text, 'ReLU Lens: Not optimal $(error)');
  // another model's events leave the item alone
  changed.fire({ session: { ...session, uri: { toString: () => 'file:///w/other.onnx' } }, kind: 'verdict' });
  assert.equal(item.text, 'ReLU Lens: Not optimal $(error)');
  bar.dispose();
});
