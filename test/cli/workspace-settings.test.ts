/**
 * The CLI reads the extension's saved answers (.vscode/relu-lens.json): the same verdict and numbers as
 * with explicit flags, flags win over the file, and a broken file is refused naming the key.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { cli, ROOT } from './helpers';

function workspace(entry: object): string {
  const ws = mkdtempSync(path.join(tmpdir(), 'rl-ws-'));
  mkdirSync(path.join(ws, 'models'));
  mkdirSync(path.join(ws, 'data'));
  mkdirSync(path.join(ws, '.vscode'));
  const src = path.join(ROOT, 'test', 'fixtures', 'trained', 'converged-1d');
  cpSync(path.join(src, 'model.onnx'), path.join(ws, 'models', 'm.onnx'));
  cpSync(path.join(src, 'train.csv'), path.join(ws, 'data', 'train.csv'));
  writeFileSync(path.join(ws, '.vscode', 'relu-lens.json'), JSON.stringify({ version: 1, models: { 'models/m.onnx': entry } }, null, 2));
  return ws;
}

const FAST = ['--no-optimum', '--json'];

test('certify without --data/β takes them from .vscode/relu-lens.json, same numbers as the flags', () => {
  const ws = workspace({ data: 'data/train.csv', training: { weightDecay: 0.01, reduction: 'mean', optimizer: 'adam' } });
  const fromFile = cli(['certify', 'models/m.onnx', ...FAST], { cwd: ws });
  const fromFlags = cli(['certify', 'models/m.onnx', '--data', 'data/train.csv', '--weight-decay', '0.01', '--reduction', 'mean', ...FAST], { cwd: ws });
  assert.equal(fromFile.code, 0, fromFile.stderr);
  const a = JSON.parse(fromFile.stdout),
    b = JSON.parse(fromFlags.stdout);
  assert.equal(a.verdict, 'certified');
  assert.equal(a.beta, 0.15); // n·c·wd/2 = 30·1·0.01/2
  assert.equal(a.primal, b.primal);
  assert.equal(a.dualBound, b.dualBound);
  assert.match(fromFile.stderr, /settings from .*relu-lens\.json \(models\["models\/m\.onnx"\]\): data data\/train\.csv; weight decay 0\.01/);
  assert.ok(
    a.warnings.some((w: string) => w.includes('relu-lens.json')),
    'the result says where the settings came from',
  );
  // found from a subfolder too (searched upward from the model, paths relative to the workspace)
  const sub = cli(['certify', path.join('..', 'models', 'm.onnx'), ...FAST], { cwd: path.join(ws, 'data') });
  assert.equal(JSON.parse(sub.stdout).primal, a.primal);
});

test('flags win over the file; a direct β in the file is used as is', () => {
  const ws = workspace({ data: 'data/train.csv', beta: 0.15 });
  const r = cli(['certify', 'models/m.onnx', '--beta', '3', ...FAST], { cwd: ws });
  assert.equal(JSON.parse(r.stdout).beta, 3);
  const r2 = cli(['certify', 'models/m.onnx', ...FAST], { cwd: ws });
  assert.equal(JSON.parse(r2.stdout).beta, 0.15);
});

test('a broken settings file is refused naming the key; no entry and no flags is a usage error', () => {
  const ws = workspace({ data: 'data/train.csv', training: { weightDecay: 'lots', reduction: 'mean' } });
  const r = cli(['certify', 'models/m.onnx', ...FAST], { cwd: ws });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /relu-lens\.json.*weightDecay/);
  const other = mkdtempSync(path.join(tmpdir(), 'rl-none-'));
  cpSync(path.join(ws, 'models', 'm.onnx'), path.join(other, 'm.onnx'));
  const r2 = cli(['certify', 'm.onnx', ...FAST], { cwd: other });
  assert.equal(r2.code, 2);
  assert.match(r2.stderr, /needs --data/);
  const r3 = cli(['certify', 'm.onnx', '--config', path.join(ws, '.vscode', 'relu-lens.json'), ...FAST], { cwd: other });
  assert.equal(r3.code, 2);
  assert.match(r3.stderr, /has no entry for|weightDecay/);
});

test('sklearnAlpha and huberDelta in the file: the same numbers as --sklearn-alpha and --huber-delta', () => {
  const ws = workspace({ data: 'data/train.csv', sklearnAlpha: 0.05, loss: 'huber', huberDelta: 0.01 });
  const fromFile = cli(['certify', 'models/m.onnx', ...FAST], { cwd: ws });
  const fromFlags = cli(
    ['certify', 'models/m.onnx', '--data', 'data/train.csv', '--sklearn-alpha', '0.05', '--loss', 'huber', '--huber-delta', '0.01', ...FAST],
    { cwd: ws },
  );
  assert.ok(fromFile.code <= 11 && fromFile.code === fromFlags.code, fromFile.stderr);
  const a = JSON.parse(fromFile.stdout),
    b = JSON.parse(fromFlags.stdout);
  assert.deepEqual([a.beta, a.hiddenBias, a.outputBias, a.primal, a.dualBound], [b.beta, b.hiddenBias, b.outputBias, b.primal, b.dualBound]);
  assert.deepEqual([a.beta, a.hiddenBias, a.outputBias], [0.05, 'free', 'free']);
  assert.match(fromFile.stderr, /scikit-learn alpha 0\.05 \(β = alpha, both biases free\); .*Huber δ 0\.01/);
  // δ is really used: the default δ = 1 gives another objective
  const dflt = JSON.parse(
    cli(['certify', 'models/m.onnx', '--data', 'data/train.csv', '--sklearn-alpha', '0.05', '--loss', 'huber', ...FAST], { cwd: ws }).stdout,
  );
  assert.notEqual(dflt.primal, a.primal);
});
