// The engine worker end to end: the real dist/worker.js (built by `npm run build`) in a node
// Worker, driven through the host's Engine class exactly as the extension does.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import * as path from 'node:path';
import { Engine } from '../../src/extension/engine';
import type { AnalyzeOptions, WorkerResponse } from '../../src/extension/protocol';
import { errorFor, missingError } from '../../src/extension/panelErrors';

const WORKER = path.resolve('dist/worker.js');
const TRAINED = 'test/fixtures/trained';
const engine = new Engine(WORKER);
after(() => engine.dispose());

type Final = Exclude<WorkerResponse, { kind: 'progress' }>;

function fixture(name: string) {
  const dir = path.join(TRAINED, name);
  return {
    dir,
    model: readFileSync(path.join(dir, 'model.onnx')),
    data: readFileSync(path.join(dir, 'train.csv')),
    kase: JSON.parse(readFileSync(path.join(dir, 'case.json'), 'utf8')),
  };
}

async function analyze(name: string, options: AnalyzeOptions, stages?: string[]): Promise<Final> {
  const f = fixture(name);
  const job = engine.job(
    { kind: 'analyze', modelBytes: f.model, modelName: `${name}/model.onnx`, externals: {}, dataBytes: f.data, dataName: `${name}/train.csv`, options },
    (stage) => stages?.push(stage),
  );
  return job.result;
}

/** ½‖f(X) − Y‖² + (β/2)‖θ‖² with every bias decayed, computed here from the weights (independent of the engine). */
function objective(net: { W1: number[][]; b1: number[] | null; W2: number[][]; b2: number[] | null }, csv: string, beta: number): number {
  const rows = csv
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(',').map(Number));
  let loss = 0;
  for (const r of rows) {
    const x = r.slice(0, net.W1[0].length),
      y = r.slice(net.W1[0].length);
    const h = net.W1.map((w, j) =>
      Math.max(
        0,
        w.reduce((s, wk, k) => s + wk * x[k], net.b1?.[j] ?? 0),
      ),
    );
    net.W2.forEach((v, o) => {
      const f = v.reduce((s, vj, j) => s + vj * h[j], net.b2?.[o] ?? 0);
      loss += 0.5 * (f - y[o]) ** 2;
    });
  }
  const sq = (a: number[] | number[][] | null) => (a ?? []).flat().reduce((s: number, x: number) => s + x * x, 0);
  return loss + (beta / 2) * (sq(net.W1) + sq(net.b1) + sq(net.W2) + sq(net.b2));
}

test('the worker bundle exists (npm run build)', () => {
  assert.ok(existsSync(WORKER), `${WORKER} is missing: run node scripts/build.mjs`);
});

test('analyze: a converged torch-trained network is certified, with P_bal and P* matching the fixture', async () => {
  const f = fixture('converged-2d');
  const stages: string[] = [];
  const res = await analyze('converged-2d', { weightDecay: f.kase.weightDecay, reduction: 'mean' }, stages);
  assert.ok(res.ok && res.kind === 'analyze', JSON.stringify(res).slice(0, 300));
  const { json, plot } = res.result;
  assert.equal(json.verdict, f.kase.expectedVerdict);
  assert.equal(json.beta, f.kase.beta);
  assert.ok(Math.abs(json.primal - f.kase.P_bal) <= 1e-9 * f.kase.P_bal, `P_bal ${json.primal} vs ${f.kase.P_bal}`);
  const pstar = f.kase.pstar_reference.value;
  assert.ok(json.pstarInterval[0] <= pstar * (1 + 1e-12) && pstar <= json.pstarInterval[1] * (1 + 1e-12), `P* ${pstar} ∉ [${json.pstarInterval}]`);
  // progress is reported by stage, starting with reading
  assert.equal(stages[0], 'reading');
  assert.ok(stages.includes('oracle') || stages.includes('objective'), stages.join(','));
  // plot rows are the data rows
  assert.equal(plot.d, 2);
  assert.equal(plot.X.length, f.kase.n);
  const first = f.data.toString().split('\n')[1].split(',').map(Number);
  assert.deepEqual([...plot.X[0], ...plot.Y[0]], first);
  assert.equal(plot.pca, undefined);
});

test('analyze: a spurious network is not optimal, and the witness really is better (objective recomputed here)', async () => {
  const f = fixture('spurious-2d');
  const res = await analyze('spurious-2d', { weightDecay: f.kase.weightDecay, reduction: 'mean' });
  assert.ok(res.ok && res.kind === 'analyze');
  const r = res.result;
  assert.equal(r.json.verdict, 'not-optimal');
  const better = r.optimal ?? r.witness;
  assert.ok(better, 'a witness or an optimum is returned for exports');
  const p = objective(better!, f.data.toString(), f.kase.beta);
  assert.ok(p < f.kase.P_bal * (1 - 1e-4), `recomputed ${p} vs P_bal ${f.kase.P_bal}`);

  // the optimal/witness network exported as ONNX runs in onnxruntime and computes that network
  const ex = await engine.request({ kind: 'export', format: 'onnx', net: better!, modelBytes: f.model, modelName: 'm.onnx', externals: {} });
  assert.ok(ex.ok && ex.kind === 'export');
  const ort = await import('onnxruntime-node');
  const session = await ort.InferenceSession.create(ex.bytes);
  const x = [0.3, -1.2];
  const input = new ort.Tensor('float32', Float32Array.from(x), [1, 2]);
  const out = await session.run({ [session.inputNames[0]]: input });
  const got = (out[session.outputNames[0]].data as Float32Array)[0];
  const h = better!.W1.map((w, j) => Math.max(0, w[0] * x[0] + w[1] * x[1] + (better!.b1?.[j] ?? 0)));
  const want = better!.W2[0].reduce((s, v, j) => s + v * h[j], better!.b2?.[0] ?? 0);
  assert.ok(Math.abs(got - want) <= 1e-4 * (1 + Math.abs(want)), `${got} vs ${want}`);

  // npz and csv exports carry the same numbers
  const csv = await engine.request({ kind: 'export', format: 'csv', net: better! });
  assert.ok(csv.ok && csv.kind === 'export');
  const text = new TextDecoder().decode(csv.bytes);
  assert.ok(text.includes(String(better!.W1[0][0])), 'full-precision W1[0][0] in the CSV');
  const npz = await engine.request({ kind: 'export', format: 'npz', net: better! });
  assert.ok(npz.ok && npz.kind === 'export' && npz.bytes[0] === 0x50 && npz.bytes[1] === 0x4b, 'a zip (npz)');
});

test('dataColumns: header names in file order and the default label; indices for a headerless file', async () => {
  const f = fixture('converged-2d');
  const r = await engine.request({ kind: 'dataColumns', dataBytes: f.data, dataName: 'train.csv', expectC: 1 });
  assert.ok(r.ok && r.kind === 'dataColumns');
  assert.deepEqual(
    r.columns.columns.map((c) => c.id),
    ['x1', 'x2', 'y'],
  );
  assert.deepEqual(r.columns.defaultLabels, ['y']);
  assert.equal(r.columns.header, true);
  const bare = new TextEncoder().encode('1,2,3\n4,5,6\n');
  const r2 = await engine.request({ kind: 'dataColumns', dataBytes: bare, dataName: 'bare.csv', expectC: 1 });
  assert.ok(r2.ok && r2.kind === 'dataColumns');
  assert.deepEqual(
    r2.columns.columns.map((c) => c.id),
    ['0', '1', '2'],
  );
  assert.deepEqual(r2.columns.defaultLabels, ['2']);
  // an index saved as "labels": ["0"] picks column 0 as the label
  const vec = fixture('vector-2out');
  const r3 = await engine.request({ kind: 'dataColumns', dataBytes: vec.data, dataName: 'train.csv', expectC: 2 });
  assert.ok(r3.ok && r3.kind === 'dataColumns');
  assert.equal(r3.columns.defaultLabels.length, 2);
});

test('errors come back typed, with the file and the fix: bad label column, β missing', async () => {
  const bad = await analyze('converged-2d', { weightDecay: 0.01, reduction: 'mean', labels: ['nope'] });
  assert.ok(!bad.ok);
  assert.equal(bad.errorKind, 'data');
  assert.match(bad.error, /converged-2d\/train\.csv: label column "nope" not found; the columns are "x1", "x2", "y"/);
  const noBeta = await analyze('converged-2d', {});
  assert.ok(!noBeta.ok);
  assert.equal(noBeta.errorKind, 'usage');
  assert.match(noBeta.error, /β is missing/);
  const garbage = await engine.request({ kind: 'inspect', modelBytes: new Uint8Array([1, 2, 3]), modelName: 'x.onnx', externals: {} });
  assert.ok(!garbage.ok);
  assert.equal(garbage.errorKind, 'model');
  assert.match(garbage.error, /^x\.onnx: not an ONNX model/);
  // the panel gets each with the action that fixes it
  assert.deepEqual(errorFor(bad.errorKind, bad.error).action?.action, 'setTrainingData');
  assert.deepEqual(
    [errorFor(noBeta.errorKind, noBeta.error, noBeta.errorCode).kind, errorFor(noBeta.errorKind, noBeta.error, noBeta.errorCode).action?.action],
    ['beta-missing', 'setBeta'],
  );
  assert.equal(errorFor(garbage.errorKind, garbage.error).action, undefined, 'a refused model has no fix to offer');
  assert.equal(errorFor('cancelled', 'cancelled').action?.action, 'certify');
  assert.equal(missingError(undefined).action?.action, 'setTrainingData');
  assert.deepEqual([missingError({ data: 'd.csv' }).kind, missingError({ data: 'd.csv' }).action?.action], ['beta-missing', 'setBeta']);
});

test('external data: the worker asks for the file by path, the host sends it, the reader goes on', async () => {
  const dir = '../shared/fixtures/onnx-real/refuse/ferroflow_external_data';
  const modelBytes = readFileSync(path.join(dir, 'mlp.onnx'));
  const first = await engine.request({ kind: 'inspect', modelBytes, modelName: 'mlp.onnx', externals: {} });
  assert.ok(!first.ok);
  assert.equal(first.needExternal, 'mlp.onnx.data');
  const second = await engine.request({
    kind: 'inspect',
    modelBytes,
    modelName: 'mlp.onnx',
    externals: { 'mlp.onnx.data': readFileSync(path.join(dir, 'mlp.onnx.data')) },
  });
  assert.ok(!second.ok);
  assert.equal(second.needExternal, undefined);
  // the weights were read; the model is refused for its depth, as the CLI refuses it
  assert.equal(second.errorKind, 'model');
  assert.doesNotMatch(second.error, /external/);
});
