// The verdict first in the panel (#18 item 2): the worker job reports the verdict block as soon as
// the certificate has it — before the optimum search — and its numbers are the certificate's own:
// equal to the final result's when the optimum search does not refine them, the final P* interval
// inside the early one when it does, and equal to what the CLI prints first for the same inputs.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { analyzeJob, type AnalyzeInput } from '../../src/extension/workerJobs';
import { isFinal, type WorkerResponse } from '../../src/extension/protocol';
import { verdictBlock } from '../../src/extension/verdictBlock';
import { VERDICT_BLOCK_KEYS, type VerdictBlock } from '../../src/protocol/panel';
import { regression100 } from '../report/problems';
import { readModelBytes } from '../../src/core/onnx';
import { parseDataset } from '../../src/core/data';
import { analysisPlan, analyze } from '../../src/core/analysis';
import { settingsFromOptions } from '../../src/core/config/options';
import type { CertificateJson } from '../../src/core/report/json';
import { Engine } from '../../src/extension/engine';
import { fakeVscode, requireWithVscode } from './fakeVscode';

/** The numbers of the first viewport (warnings aside: the final result may add the optimum's). */
const NUMBERS = VERDICT_BLOCK_KEYS.filter((k) => k !== 'warnings');
const numbers = (v: VerdictBlock) => Object.fromEntries([...NUMBERS.map((k) => [k, v[k]]), ['witness', v.witness]]);

/** The trained converged-2d fixture (certified) as an analyze request, and its case.json. */
function converged2d(): { kase: { weightDecay: number; expectedVerdict: string }; req: AnalyzeInput } {
  const dir = 'test/fixtures/trained/converged-2d';
  const kase = JSON.parse(readFileSync(path.join(dir, 'case.json'), 'utf8'));
  return {
    kase,
    req: {
      modelBytes: readFileSync(path.join(dir, 'model.onnx')),
      modelName: 'converged-2d/model.onnx',
      externals: {},
      dataBytes: readFileSync(path.join(dir, 'train.csv')),
      dataName: 'converged-2d/train.csv',
      options: { weightDecay: kase.weightDecay, reduction: 'mean' },
    },
  };
}

async function run(req: AnalyzeInput) {
  const events: string[] = [];
  const early: VerdictBlock[] = [];
  const res = await analyzeJob(
    req,
    (stage) => events.push(`stage:${stage}`),
    undefined,
    (v) => {
      events.push('verdict');
      early.push(v);
    },
  );
  return { events, early, res };
}

test('trained fixture (certified): the early verdict block equals the final result’s, and comes before the optimum search', async () => {
  const { kase, req } = converged2d();
  const { events, early, res } = await run(req);
  assert.equal(early.length, 1, events.join(', '));
  assert.equal(res.json.verdict, kase.expectedVerdict);
  const iVerdict = events.indexOf('verdict');
  const iOptimum = events.indexOf('stage:optimum');
  assert.ok(iVerdict >= 0 && iOptimum > iVerdict, events.join(', '));
  // the same computation: every number of the first viewport, to the last bit
  assert.deepEqual(numbers(early[0]), numbers(verdictBlock(res.json as unknown as CertificateJson)));
  // the early block's warnings are a prefix of the final ones (the reading's first, as in the final result)
  assert.deepEqual(res.json.warnings.slice(0, early[0].warnings.length), early[0].warnings);
  // small: no neuron table, no witness weights
  assert.equal((early[0] as unknown as { neurons?: unknown }).neurons, undefined);
});

test('100-point regression (not optimal): the early block is what the CLI prints first; the final one only refines it', async () => {
  const p = regression100();
  const { early, res } = await run({
    modelBytes: p.onnx,
    modelName: 'model.onnx',
    externals: {},
    dataBytes: new TextEncoder().encode(p.csv),
    dataName: 'train.csv',
    options: { beta: p.beta, optimumIterations: 3 },
  });
  assert.equal(early.length, 1);
  // the CLI's `certify` plan on the same inputs: its first printed block (onVerdict)
  const model = readModelBytes(p.onnx, { file: 'model.onnx' });
  const data = parseDataset(new TextEncoder().encode(p.csv), { file: 'train.csv', expectD: 2, expectC: 1 });
  let cli: CertificateJson | undefined;
  await analyze(model, data, settingsFromOptions(model, { beta: p.beta, optimumIterations: 3 }), { ...analysisPlan('certify'), onVerdict: (v) => (cli = v) });
  assert.ok(cli);
  assert.deepEqual(numbers(early[0]), numbers(verdictBlock(cli)));
  // the final result: same verdict and P(θ); the optimum search only narrows the P* interval
  const [lo, hi] = early[0].pstarInterval;
  const f = res.json;
  assert.equal(f.verdict, early[0].verdict);
  assert.equal(f.primalAsTrained, early[0].primalAsTrained);
  assert.ok(f.pstarInterval[0] >= lo && f.pstarInterval[1] <= hi, `final ${f.pstarInterval} inside early [${lo}, ${hi}]`);
  if (f.pstarInterval[0] === lo && f.pstarInterval[1] === hi) assert.equal(f.relGap, early[0].relGap);
});

test('worker protocol: the early verdict is not a final answer', () => {
  const v = { id: 1, ok: true, kind: 'verdict', verdict: {} as VerdictBlock } satisfies WorkerResponse;
  assert.equal(isFinal(v), false);
  assert.equal(isFinal({ id: 1, ok: true, kind: 'progress', stage: 'optimum' }), false);
  assert.equal(isFinal({ id: 1, ok: false, error: 'x', errorKind: 'internal' }), true);
});

test('through the real worker bundle and the host Engine: the verdict message arrives before the final answer, with its numbers', async (t) => {
  const WORKER = path.resolve('dist/worker.js');
  if (!existsSync(WORKER)) return t.skip('dist/worker.js missing: npm run build');
  const engine = new Engine(WORKER);
  after(() => engine.dispose());
  const events: string[] = [];
  let early: VerdictBlock | undefined;
  const job = engine.job(
    { kind: 'analyze', ...converged2d().req },
    (stage) => events.push(`stage:${stage}`),
    (v) => {
      events.push('verdict');
      early = v;
    },
  );
  const res = await job.result;
  assert.ok(res.ok && res.kind === 'analyze', JSON.stringify(res).slice(0, 200));
  assert.ok(early, 'the verdict message arrived');
  assert.ok(events.indexOf('verdict') < events.indexOf('stage:optimum'), events.join(', '));
  assert.deepEqual(numbers(early), numbers(verdictBlock(res.result.json as unknown as CertificateJson)));
});

test('the host turns each session event into its panel message (the early verdict included)', () => {
  const views = requireWithVscode(require.resolve('../../src/extension/views'), fakeVscode({ calls: [] })) as typeof import('../../src/extension/views');
  const session = { state: { model: 'm.onnx', status: 'running' } } as never;
  const verdict = { verdict: 'certified' } as VerdictBlock;
  assert.deepEqual(views.panelMessage({ session, kind: 'verdict', verdict }), { type: 'verdict', verdict });
  assert.deepEqual(views.panelMessage({ session, kind: 'progress', stage: 'optimum' }), { type: 'progress', stage: 'optimum', detail: undefined });
  assert.deepEqual(views.panelMessage({ session, kind: 'state' }), { type: 'state', state: { model: 'm.onnx', status: 'running' } });
});
