import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { cli, ROOT } from '../cli/helpers';

/** `relu-lens lint` through the built bundle (dist/cli.js): the wasm parser must load from dist/. */
const S = path.join(ROOT, 'test', 'fixtures', 'scripts');
const LINE = /^(.+?):(\d+):(\d+): (error|warning|information|hint): (.+) \[(RL\d{3})\]$/;

test('text output: file:line:col: severity: message [code], 1-based, pointing at the code', () => {
  const r = cli(['lint', 'train.py'], { cwd: path.join(S, 'trained-example') });
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.ok(lines.length >= 3);
  for (const l of lines) assert.match(l, LINE);
  const beta = lines.map((l) => LINE.exec(l)!).find((m) => m[6] === 'RL002')!;
  assert.match(beta[5], /β = 0\.01 /);
  // the CLI words the controls core attaches as its flags (the editor words its settings)
  const lossRead = lines.map((l) => LINE.exec(l)!).find((m) => m[6] === 'RL005')!;
  assert.match(lossRead[5], /\. Certify with --loss [a-z-]+\.$/);
  const src = readFileSync(path.join(S, 'trained-example', 'train.py'), 'utf8').split('\n');
  assert.ok(src[Number(beta[2]) - 1].slice(Number(beta[3]) - 1).startsWith('weight_decay=WEIGHT_DECAY'));
});

test('--json: an array of {file, line, column, endLine, endColumn, severity, code, message}', () => {
  const r = cli(['lint', path.join(S, '10_no_weight_decay.py'), '--json']);
  assert.equal(r.code, 0); // weight_decay missing is a Warning (issue #6), not an error
  const rows = JSON.parse(r.stdout);
  assert.ok(Array.isArray(rows) && rows.length > 0);
  for (const d of rows) {
    assert.deepEqual(Object.keys(d).sort(), ['code', 'column', 'endColumn', 'endLine', 'file', 'line', 'message', 'severity']);
    assert.ok(d.line >= 1 && d.column >= 1 && d.endLine >= d.line);
  }
  const err = rows.find((d: { code: string }) => d.code === 'RL001');
  assert.equal(err.severity, 'warning');
  assert.deepEqual([err.line, err.column], [8, 13]); // torch.optim.Adam( … ) without weight_decay
});

test('exit codes: 1 with an error-level diagnostic, 2 usage, 3 unreadable', () => {
  assert.equal(cli(['lint', path.join(S, '13_l1_loss.py')]).code, 1);
  assert.equal(cli(['lint']).code, 2);
  assert.equal(cli(['lint', '--frobnicate', path.join(S, '01_sequential_mse_mean.py')]).code, 2);
  const missing = cli(['lint', path.join(S, 'no-such-script.py')]);
  assert.equal(missing.code, 3);
  assert.match(missing.stderr, /no-such-script\.py: cannot read: ENOENT/);
  assert.equal(cli(['lint', S]).code, 3);
  const quiet = cli(['lint', path.join(S, '14_not_training.py')]);
  assert.deepEqual([quiet.code, quiet.stdout], [0, '']);
  assert.match(quiet.stderr, /no PyTorch or scikit-learn training found/);
});

test('notebooks: positions are per cell (file#cellN:line:col) and --json carries cell', () => {
  const r = cli(['lint', path.join(S, '17_notebook_adamw_ce.ipynb')]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /17_notebook_adamw_ce\.ipynb#cell3:11:19: warning: AdamW/);
  const rows = JSON.parse(cli(['lint', path.join(S, '17_notebook_adamw_ce.ipynb'), '--json']).stdout);
  assert.ok(rows.every((d: { cell?: number }) => typeof d.cell === 'number'));
});

test('exported model: missing, older than the script, fresh', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rl-lint-'));
  try {
    cpSync(path.join(S, 'trained-example'), dir, { recursive: true });
    const run = () => cli(['lint', 'train.py'], { cwd: dir }).stdout;
    const now = Date.now() / 1000;
    utimesSync(path.join(dir, 'train.py'), now, now);
    utimesSync(path.join(dir, 'model.onnx'), now - 3600, now - 3600);
    assert.match(run(), /train\.py:37:1: warning: The model file model\.onnx is older than the script.*\[RL011\]/);
    utimesSync(path.join(dir, 'model.onnx'), now + 10, now + 10);
    assert.doesNotMatch(run(), /RL011|RL012/);
    rmSync(path.join(dir, 'model.onnx'));
    assert.match(run(), /model\.onnx does not exist yet.*\[RL012\]/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('n from the data file the script reads (CSV rows) gives β instead of β per sample', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rl-lint-'));
  try {
    cpSync(path.join(S, '05_param_groups_pandas_dynamo.py'), path.join(dir, 'train.py'));
    mkdirSync(path.join(dir, 'data'));
    writeFileSync(path.join(dir, 'data', 'train.csv'), 'x1,x2,y\n' + Array.from({ length: 10 }, (_, i) => `${i},${-i},${i % 2}`).join('\n') + '\n');
    const out = cli(['lint', 'train.py'], { cwd: dir }).stdout;
    assert.match(out, /β = 0\.001 for this loss and data size: β = n·c·wd\/2 = 10·1·2\.0000e-4\/2/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
