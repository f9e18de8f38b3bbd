/**
 * `relu-lens optimize` and the analysis keys of `certify --json`, run as a user would (dist/cli.js).
 * Independent checks: onnxruntime runs the exported model; numpy's reference P* (case.json); exit
 * codes and the refusal to overwrite without --force.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { unzipSync } from 'fflate';
import { cli, ROOT } from './helpers';
import { readModelBytes } from '../../src/core/onnx';
import { readNpy } from '../../src/core/data/npy';
import { writeTwoLayerOnnx } from '../../src/core/onnx/write';
import { zeros } from '../../src/core/linalg/mat';

const TRAINED = path.join(ROOT, 'test', 'fixtures', 'trained');
const caseOf = (name: string) => JSON.parse(readFileSync(path.join(TRAINED, name, 'case.json'), 'utf8'));
const args = (name: string) => {
  const cs = caseOf(name);
  return [path.join(TRAINED, name, 'model.onnx'), '--data', path.join(TRAINED, name, 'train.csv'), '--weight-decay', String(cs.weightDecay)];
};

test('optimize converged-2d --out model.onnx: exit 0, a drop-in model computing the optimum; no overwrite without --force', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rl-opt-'));
  const out = path.join(dir, 'optimal.onnx');
  const r = cli(['optimize', ...args('converged-2d'), '--out', out, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.written, out);
  assert.equal(j.optimum.exact, true);
  const cs = caseOf('converged-2d');
  assert.ok(Math.abs(j.optimum.value - cs.pstar_reference.value) <= 1e-8 * cs.pstar_reference.value);
  // the file: our reader and onnxruntime agree it is the optimum (float32 like the original)
  const bytes = new Uint8Array(readFileSync(out));
  const m = readModelBytes(bytes, { file: out });
  assert.equal(m.dtype, 'float32');
  assert.equal(m.m, j.optimum.neurons);
  const s = await ort.InferenceSession.create(bytes);
  const x = Float32Array.from([0.3, -0.7]);
  const y = (await s.run({ [m.input.name]: new ort.Tensor('float32', x, [1, 2]) }))[m.output.name].data[0] as number;
  const w = j.optimum.network;
  const h = w.W1.map((u: number[], k: number) => Math.max(0, u[0] * x[0] + u[1] * x[1] + w.b1[k]));
  const f = w.W2[0].reduce((a: number, v: number, k: number) => a + v * h[k], w.b2[0]);
  assert.ok(Math.abs(y - f) <= 1e-5 * Math.max(1, Math.abs(f)), `onnxruntime ${y} vs optimum ${f}`);
  await s.release();
  // refuse to overwrite: exit 2, file untouched
  const before = statSync(out).mtimeMs;
  const again = cli(['optimize', ...args('converged-2d'), '--out', out]);
  assert.equal(again.code, 2);
  assert.match(again.stderr, /already exists; add --force/);
  assert.equal(statSync(out).mtimeMs, before);
  assert.equal(cli(['optimize', ...args('converged-2d'), '--out', out, '--force']).code, 0);
});

test('optimize writes .npz, .json and .csv; human output names the optimum', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rl-opt-'));
  const npz = path.join(dir, 'o.npz');
  const r = cli(['optimize', ...args('spurious-2d'), '--out', npz]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Optimal network \(P\*\)/);
  assert.match(r.stdout, /Spurious stationary point/);
  const members = unzipSync(new Uint8Array(readFileSync(npz)));
  assert.deepEqual(Object.keys(members).sort(), ['W1.npy', 'W2.npy', 'b1.npy', 'b2.npy']);
  const W1 = readNpy(members['W1.npy'], npz, 'W1');
  assert.equal(W1.shape[1], 2);
  const jsonOut = path.join(dir, 'o.json');
  assert.equal(cli(['optimize', ...args('spurious-2d'), '--out', jsonOut, '--json']).code, 0);
  const o = JSON.parse(readFileSync(jsonOut, 'utf8'));
  assert.equal(o.label, 'optimum');
  // the same deterministic optimum as the .npz
  assert.deepEqual(
    o.network.W1,
    Array.from({ length: W1.shape[0] }, (_, i) => Array.from(W1.data.subarray(2 * i, 2 * i + 2))),
  );
  const csv = path.join(dir, 'o.csv');
  assert.equal(cli(['optimize', ...args('converged-1d'), '--out', csv]).code, 0);
  assert.match(readFileSync(csv, 'utf8'), /^# relu-lens network/);
});

test('optimize: usage errors exit 2 (bad --out extension, --out on certify, missing β)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rl-opt-'));
  assert.equal(cli(['optimize', ...args('converged-1d'), '--out', path.join(dir, 'x.txt')]).code, 2);
  assert.equal(cli(['certify', ...args('converged-1d'), '--out', path.join(dir, 'x.onnx')]).code, 2);
  assert.equal(cli(['optimize', path.join(TRAINED, 'converged-1d', 'model.onnx'), '--data', path.join(TRAINED, 'converged-1d', 'train.csv')]).code, 2);
  assert.equal(cli(['certify', ...args('converged-1d'), '--loss', 'poisson']).code, 2);
  assert.ok(!existsSync(path.join(dir, 'x.txt')));
});

test('certify --json carries the analysis keys; --no-optimum skips the optimum', () => {
  const r = cli(['certify', ...args('early-stopped-1d'), '--json']);
  assert.equal(r.code, 10, r.stderr);
  const j = JSON.parse(r.stdout);
  for (const k of ['optimum', 'closedForm', 'diagnosis', 'geometry', 'loss', 'network']) assert.ok(k in j, `missing ${k}`);
  for (const k of ['value', 'exact', 'patterns', 'network']) assert.ok(k in j.optimum, `optimum.${k}`);
  for (const k of ['pOwn', 'trainingGap', 'landscapeGap', 'missingNeuron']) assert.ok(k in j.diagnosis, `diagnosis.${k}`);
  const n = j.neurons.find((x: { dead: boolean }) => !x.dead);
  for (const k of ['alignment', 'extremePoint', 'autoencoder', 'match']) assert.ok(k in n, `neurons[].${k}`);
  assert.ok('samples' in n.autoencoder && 'residual' in n.autoencoder);
  assert.equal(j.loss.name, 'squared');
  const skip = JSON.parse(cli(['certify', ...args('early-stopped-1d'), '--json', '--no-optimum']).stdout);
  assert.equal(skip.optimum, null);
  assert.equal(skip.verdict, 'not-optimal');
});

test('certify on a network its certificate proves optimal reports that network as the optimum (no second search); optimize still searches and agrees within the certified gap', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rl-opt-'));
  const out = path.join(dir, 'optimal.onnx');
  assert.equal(cli(['optimize', ...args('converged-2d'), '--out', out]).code, 0);
  const data = ['--data', path.join(TRAINED, 'converged-2d', 'train.csv'), '--weight-decay', String(caseOf('converged-2d').weightDecay), '--json'];
  const c = cli(['certify', out, ...data]);
  assert.equal(c.code, 0, c.stderr);
  const cj = JSON.parse(c.stdout);
  assert.equal(cj.verdict, 'certified');
  assert.match(cj.optimum.method, /^the certified network/);
  assert.equal(cj.optimum.stopReason, 'certified');
  // its bounds are the certificate's, and the label follows the gap as everywhere
  assert.ok(cj.optimum.lowerBound <= cj.optimum.value);
  assert.ok(Math.abs(cj.optimum.relGap - (cj.optimum.value - cj.optimum.lowerBound) / cj.optimum.value) <= 1e-12);
  assert.equal(cj.optimum.label, cj.optimum.relGap <= 1e-6 ? 'optimum' : 'witness');
  // independent: optimize's column generation on the same file, and numpy's reference P*
  const o = cli(['optimize', out, ...data]);
  assert.equal(o.code, 0, o.stderr);
  const oj = JSON.parse(o.stdout);
  assert.match(oj.optimum.method, /column-generation/);
  const pstar = caseOf('converged-2d').pstar_reference.value;
  assert.ok(oj.optimum.lowerBound <= cj.optimum.value && cj.optimum.lowerBound <= oj.optimum.value, 'the two bracket each other');
  assert.ok(
    cj.optimum.lowerBound <= pstar * (1 + 1e-12) && pstar <= cj.optimum.value * (1 + 1e-12),
    `P* ${pstar} within [${cj.optimum.lowerBound}, ${cj.optimum.value}]`,
  );
});

test('optimize on rank-5 data (no exact oracle): writes the witness, says so, exits 11', () => {
  // d = 4 with a decayed hidden bias: X̃ has rank 5; small work budgets (patterns below the 1.8e5 this
  // data has, oracle nodes, iterations) instead of the wall clock, so the witness is the same on
  // every machine
  const dir = mkdtempSync(path.join(tmpdir(), 'rl-opt-'));
  let s = 17;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
  const n = 40,
    d = 4,
    m = 6;
  const rows = ['x1,x2,x3,x4,y'];
  for (let i = 0; i < n; i++) {
    const x = Array.from({ length: d }, rnd);
    rows.push([...x, Math.max(0, x[0] + x[1]) - Math.max(0, x[2] - 0.5 * x[3]) + 0.1 * rnd()].join(','));
  }
  writeFileSync(path.join(dir, 'train.csv'), rows.join('\n') + '\n');
  const W1 = zeros(m, d),
    W2 = zeros(1, m);
  W1.data.forEach((_, i) => (W1.data[i] = rnd()));
  W2.data.forEach((_, i) => (W2.data[i] = rnd()));
  writeFileSync(
    path.join(dir, 'model.onnx'),
    writeTwoLayerOnnx({ W1, b1: Float64Array.from({ length: m }, rnd), W2, b2: Float64Array.of(0) }, { dtype: 'float64' }),
  );
  const out = path.join(dir, 'witness.onnx');
  const r = cli([
    'optimize',
    path.join(dir, 'model.onnx'),
    '--data',
    path.join(dir, 'train.csv'),
    '--beta',
    '0.05',
    '--out',
    out,
    '--json',
    '--max-iterations',
    '3',
    '--optimum-iterations',
    '3',
    '--pattern-budget',
    '10000',
    '--node-budget',
    '100',
  ]);
  const j = JSON.parse(r.stdout);
  assert.equal(j.optimum.exact, false, `relGap ${j.optimum.relGap}`);
  assert.equal(j.optimum.label, 'witness');
  assert.equal(r.code, 11);
  assert.match(r.stderr, /WITNESS, not a proven optimum/);
  assert.ok(existsSync(out));
  assert.ok(j.optimum.value <= j.primal && j.optimum.lowerBound <= j.optimum.value);
});
