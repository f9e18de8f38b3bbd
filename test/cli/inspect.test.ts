import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { cli, SHARED } from './helpers';

const accept = path.join(SHARED, 'accept');
const refuse = path.join(SHARED, 'refuse');

test('inspect --json on every shared accept fixture: exit 0, shapes from MANIFEST.md, onnxruntime agrees', () => {
  const expected: Record<string, [number, number, number]> = {
    '01_omlt_gemm_transB.onnx': [2, 2, 1],
    '02_omlt_gemm_not_transB.onnx': [2, 2, 1],
    '03_omlt_keras_linear_131_relu_tf2onnx.onnx': [1, 3, 1],
    '04_marabou_fc_2-2-3_keras2onnx.onnx': [2, 2, 3],
    '05_marabou_test_tiny_vnncomp_nnet2onnx.onnx': [1, 1, 1],
    '08_ppml_slp_calibrated_torch_reshape_metadata.onnx': [784, 100, 10],
    '13_numpyquant_torch_gemm_sigmoid_head.onnx': [2, 5, 2],
  };
  for (const f of readdirSync(accept)) {
    const r = cli(['inspect', path.join(accept, f), '--json']);
    assert.equal(r.code, 0, `${f}: ${r.stderr}`);
    const j = JSON.parse(r.stdout);
    assert.deepEqual([j.d, j.m, j.c], expected[f], f);
    assert.equal(j.W1.length, j.m);
    assert.equal(j.W1[0].length, j.d);
    assert.equal(j.W2.length, j.c);
    assert.ok(j.ortMaxAbsDiff !== null && j.ortMaxAbsDiff <= j.ortTolerance, `${f}: ORT diff ${j.ortMaxAbsDiff}`);
  }
});

test('inspect: head of the sigmoid fixture is recorded', () => {
  const j = JSON.parse(cli(['inspect', path.join(accept, '13_numpyquant_torch_gemm_sigmoid_head.onnx'), '--json']).stdout);
  assert.equal(j.head, 'sigmoid');
});

test('inspect on refused models: exit 3, one line on stderr naming a node, {error} on stdout with --json', () => {
  const files = readdirSync(refuse).filter((f) => f.endsWith('.onnx'));
  files.push(path.join('ferroflow_external_data', 'mlp.onnx'));
  for (const f of files) {
    const r = cli(['inspect', path.join(refuse, f), '--json']);
    assert.equal(r.code, 3, `${f} should be refused: ${r.stdout}`);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `${f}: stderr should be one line, got:\n${r.stderr}`);
    assert.match(lines[0], /node \w+ '/, `${f}: message should name the node: ${lines[0]}`);
    assert.doesNotMatch(r.stderr, /\bat .*\.(js|ts):\d+/, 'no stack trace');
    const j = JSON.parse(r.stdout);
    assert.equal(typeof j.error, 'string');
  }
});

test('inspect: missing, empty and non-ONNX files give a clear error, exit 3', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rl-cli-'));
  writeFileSync(path.join(dir, 'empty.onnx'), '');
  writeFileSync(path.join(dir, 'text.onnx'), 'this is not a model\n');
  for (const f of ['missing.onnx', 'empty.onnx', 'text.onnx']) {
    const r = cli(['inspect', path.join(dir, f)]);
    assert.equal(r.code, 3, `${f}: ${r.stderr}`);
    assert.ok(r.stderr.includes(f), `${f}: the message names the file: ${r.stderr}`);
    assert.equal(r.stderr.trim().split('\n').length, 1);
  }
});

test('bad usage exits 2 with a reason', () => {
  for (const args of [
    [],
    ['frobnicate', 'x.onnx'],
    ['inspect'],
    ['certify', 'x.onnx'],
    ['certify', 'x.onnx', '--data', 'd.csv'],
    ['inspect', 'x.onnx', '--tol', 'abc'],
    ['certify', 'x.onnx', '--data', 'd.csv', '--beta', '-1'],
  ]) {
    const r = cli(args);
    if (args.length === 0) {
      assert.equal(r.code, 0, 'no arguments prints usage');
      assert.match(r.stdout, /Usage/);
      continue;
    }
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /relu-lens: /);
  }
});

test('inspect with data: dead neurons are those zero on every training row', () => {
  // fixture 03 is d=1: build a CSV on which we can compute activity independently from the JSON weights
  const model = path.join(accept, '03_omlt_keras_linear_131_relu_tf2onnx.onnx');
  const j = JSON.parse(cli(['inspect', model, '--json']).stdout);
  const dir = mkdtempSync(path.join(tmpdir(), 'rl-cli-'));
  const xs = [-3, -1, -0.5, 0, 0.5, 1, 3];
  writeFileSync(path.join(dir, 'd.csv'), 'x,y\n' + xs.map((x) => `${x},${x * 2}`).join('\n') + '\n');
  const r = cli(['inspect', model, '--data', path.join(dir, 'd.csv'), '--json']);
  assert.equal(r.code, 0, r.stderr);
  const k = JSON.parse(r.stdout);
  const expectDead: number[] = [];
  for (let jn = 0; jn < j.m; jn++) {
    const alive = xs.some((x) => j.W1[jn][0] * x + (j.b1 ? j.b1[jn] : 0) > 0);
    if (!alive) expectDead.push(jn);
  }
  assert.deepEqual(k.deadNeurons, expectDead);
  assert.equal(k.data.n, xs.length);
  assert.equal(k.ortInputs, 'data');
});

test('inspect with data of the wrong dimension names the mismatch, exit 3', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rl-cli-'));
  writeFileSync(path.join(dir, 'd.csv'), 'a,b,c,y\n1,2,3,4\n');
  const r = cli(['inspect', path.join(accept, '01_omlt_gemm_transB.onnx'), '--data', path.join(dir, 'd.csv')]);
  assert.equal(r.code, 3);
  assert.match(r.stderr, /3 feature/);
  assert.match(r.stderr, /expects 2/);
});

test('a reader that closes the pipe early (| head) does not crash the CLI', () => {
  const { spawnSync } = require('node:child_process') as typeof import('node:child_process');
  const model = path.join(accept, '08_ppml_slp_calibrated_torch_reshape_metadata.onnx');
  const r = spawnSync('bash', ['-c', `node dist/cli.js inspect '${model}' --json | head -c 10 >/dev/null; echo "\${PIPESTATUS[0]}"`], { encoding: 'utf8' });
  assert.equal(r.stdout.trim(), '0', r.stderr);
  assert.doesNotMatch(r.stderr, /EPIPE|Error/);
});

test('--affine-mean/--affine-scale preprocess the data the model sees, and the output says so', () => {
  // fixture 03 is d=1: with mean 10 and scale 2, raw x = 10 + 2t must give the dead set of t
  const model = path.join(accept, '03_omlt_keras_linear_131_relu_tf2onnx.onnx');
  const w = JSON.parse(cli(['inspect', model, '--json']).stdout);
  const ts = [-3, -1, 0, 1, 3];
  const dir = mkdtempSync(path.join(tmpdir(), 'rl-cli-'));
  writeFileSync(path.join(dir, 'd.csv'), 'x,y\n' + ts.map((t) => `${10 + 2 * t},0`).join('\n') + '\n');
  const r = cli(['inspect', model, '--data', path.join(dir, 'd.csv'), '--affine-mean', '10', '--affine-scale', '2', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.deepEqual(j.data.affine, { mean: [10], scale: [2] });
  const expectDead = w.W1.flatMap((u: number[], k: number) => (ts.some((t) => u[0] * t + (w.b1 ? w.b1[k] : 0) > 0) ? [] : [k]));
  assert.deepEqual(j.deadNeurons, expectDead);
  assert.ok(j.warnings.some((s: string) => /preprocessed/.test(s)));
});
