// Issue #19 item 4: the CLI (cli/inspect.ts loadAndCheck) and the worker (extension/workerJobs.ts
// analyzeJob) run one load pipeline, so they accept and refuse the same files. The known
// disagreement: a cross-entropy model's data with ONE class-index label column (MATH.md §8) was
// accepted by the CLI and refused by the extension. Both entry points run here on that file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { loadAndCheck } from '../../src/cli/inspect';
import { analyzeJob } from '../../src/extension/workerJobs';
import { CancelledError, ReluLensError } from '../../src/core/errors';

const DIR = 'test/fixtures/losses/ce-2d';
const kase = JSON.parse(readFileSync(path.join(DIR, 'case.json'), 'utf8')) as {
  X: number[][];
  y: number[];
  c: number;
  beta: number;
};
const modelPath = path.join(DIR, 'model.onnx');

function withCsv<T>(fn: (csv: string, bytes: Uint8Array) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(path.join(tmpdir(), 'relu-lens-pipeline-'));
  const file = path.join(dir, 'train.csv');
  // one class-index column y ∈ {0, 1, 2} for the model's 3 softmax outputs
  writeFileSync(file, ['x1,x2,y', ...kase.X.map((r, i) => `${r[0]},${r[1]},${kase.y[i]}`)].join('\n') + '\n');
  return fn(file, readFileSync(file)).finally(() => rmSync(dir, { recursive: true, force: true }));
}

const cliArgs = (data: string, loss?: 'squared') => ({
  command: 'certify' as const,
  model: modelPath,
  data,
  labels: [],
  json: true,
  loss,
});

test('cross-entropy with one class-index label column: accepted by the CLI and by the worker alike', async () => {
  assert.equal(kase.c, 3);
  await withCsv(async (csv, bytes) => {
    const cli = await loadAndCheck(cliArgs(csv), { beta: kase.beta });
    assert.equal(cli.data!.c, 1, 'one label column read');
    assert.equal(cli.model.c, 3);
    assert.equal(cli.settings!.beta.kind, 'direct');

    // the worker's job: past its load pipeline it runs the analysis, stopped at its first stage
    // (a full cross-entropy analysis takes many seconds and is tested elsewhere)
    const stages: string[] = [];
    const analysing = () => stages.some((s) => s !== 'reading');
    const run = analyzeJob(
      {
        modelBytes: readFileSync(modelPath),
        modelName: 'ce-2d/model.onnx',
        externals: {},
        dataBytes: bytes,
        dataName: 'train.csv',
        options: { beta: kase.beta },
      },
      (s) => stages.push(s),
      analysing,
    );
    await run.then(
      (res) => assert.equal(res.json.data.n, kase.X.length),
      (e: unknown) => assert.ok(e instanceof CancelledError, `the worker refused the file: ${e instanceof Error ? e.message : String(e)}`),
    );
    assert.ok(analysing(), `the worker got past loading (stages: ${stages.join(', ')})`);
  });
});

test('the same file with the squared loss asked for: both refuse it with the same message', async () => {
  await withCsv(async (csv, bytes) => {
    const cliErr = await loadAndCheck(cliArgs(csv, 'squared')).then(
      () => assert.fail('the CLI accepted 1 label column for 3 outputs under the squared loss'),
      (e: unknown) => e,
    );
    const workerErr = await analyzeJob(
      {
        modelBytes: readFileSync(modelPath),
        modelName: 'm.onnx',
        externals: {},
        dataBytes: bytes,
        dataName: 'train.csv',
        options: { beta: kase.beta, loss: 'squared' },
      },
      () => {},
    ).then(
      () => assert.fail('the worker accepted 1 label column for 3 outputs under the squared loss'),
      (e: unknown) => e,
    );
    assert.ok(cliErr instanceof ReluLensError && workerErr instanceof ReluLensError);
    // the squared loss takes the last c = 3 columns: x2 and y are too few features — or the label
    // count differs; whichever, both entry points say the same thing
    assert.equal(cliErr.message.replace(csv, 'train.csv'), workerErr.message);
  });
});

test('settings precedence: the CLI and the extension map a saved entry the same way (bias modes vs training.biasDecay)', async () => {
  const { fillFromWorkspaceConfig } = await import('../../src/cli/workspaceSettings');
  const { resolveEntry, BUILTIN_DEFAULTS } = await import('../../src/core/config/resolve');
  const { mkdirSync } = await import('node:fs');
  const dir = mkdtempSync(path.join(tmpdir(), 'relu-lens-precedence-'));
  try {
    mkdirSync(path.join(dir, '.vscode'));
    // the entry's own hiddenBias wins over biasDecay = false; the output bias follows biasDecay
    const entry = {
      data: 'train.csv',
      hiddenBias: 'decayed',
      training: { weightDecay: 1e-3, reduction: 'mean', biasDecay: false },
    };
    writeFileSync(path.join(dir, '.vscode', 'relu-lens.json'), JSON.stringify({ version: 1, models: { 'model.onnx': entry } }));
    const args = {
      command: 'certify',
      model: path.join(dir, 'model.onnx'),
      labels: [],
      reduction: 'mean',
      tol: 1e-4,
      force: false,
      fromConfig: [],
      optimum: true,
      json: false,
    } as never as Parameters<typeof fillFromWorkspaceConfig>[0];
    fillFromWorkspaceConfig(args);
    const ext = resolveEntry(entry as never, { kind: 'config-file' }, BUILTIN_DEFAULTS).options;
    assert.deepEqual({ hidden: args.hiddenBias, output: args.outputBias, wd: args.weightDecay }, { hidden: 'decayed', output: 'free', wd: 1e-3 });
    assert.deepEqual({ hidden: ext.hiddenBias, output: ext.outputBias, wd: ext.weightDecay }, { hidden: 'decayed', output: 'free', wd: 1e-3 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
