// PanelStates built from REAL engine output: `node dist/cli.js certify … --json` on the trained
// fixtures, the two-moons example and a generated d = 6 case, plus the host's own PlotData builder.
// Outputs are cached in the OS temp dir keyed by the CLI bundle's hash and the arguments, so the
// three webview test files share one engine run per case.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseDataset } from '../../src/core/data';
import { writeTwoLayerOnnx } from '../../src/core/onnx/write';
import { buildPlotData } from '../../src/extension/plotData';
import type { AnalysisJson } from '../../src/core/report/analysisJson';
import type { PanelState, SettingProvenance } from '../../src/protocol/panel';

export const REPO = resolve(__dirname, '../..');
const CACHE = join(tmpdir(), 'relu-lens-webview-tests');

let built = false;
/** Build the two bundles the tests use (the real dist/webview.js and dist/cli.js). */
export function buildBundles(): void {
  // `npm test` has just built dist/; rebuilding here while another test file runs dist/cli.js
  // could let it read a half-written bundle
  if (built || process.env.RELU_LENS_BUILT === '1') return;
  const r = spawnSync(process.execPath, ['scripts/build.mjs', '--only=webview,cli'], { cwd: REPO, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`build failed: ${r.stderr}`);
  built = true;
}

/** Write `file` whole or not at all (test files running side by side read what another writes). */
function writeAtomic(file: string, data: string | Uint8Array): void {
  writeFileSync(`${file}.${process.pid}`, data);
  renameSync(`${file}.${process.pid}`, file);
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * `file`'s text, made by `make` in exactly one of the test processes: the webview test files run
 * side by side and need the same engine runs, so one computes while the others wait for its file
 * (a lock directory beside it; a lock whose owner has exited is taken over).
 */
function computeOnce(file: string, make: () => string): string {
  const lock = `${file}.lock`;
  for (;;) {
    if (existsSync(file)) return readFileSync(file, 'utf8');
    try {
      mkdirSync(lock);
    } catch {
      const owner = Number(existsSync(join(lock, 'pid')) ? readFileSync(join(lock, 'pid'), 'utf8') : 0);
      if (owner && !alive(owner)) rmSync(lock, { recursive: true, force: true });
      else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200); // poll, not a deadline
      continue;
    }
    try {
      writeFileSync(join(lock, 'pid'), String(process.pid));
      const text = make();
      writeAtomic(file, text);
      return text;
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
}

/** certify --json through the CLI; exit codes 0/10/11 all carry a result. */
export function certifyCli(args: string[]): AnalysisJson {
  buildBundles();
  const cli = readFileSync(join(REPO, 'dist/cli.js'));
  const key = createHash('sha256').update(cli).update(JSON.stringify(args)).digest('hex').slice(0, 20);
  mkdirSync(CACHE, { recursive: true });
  const text = computeOnce(join(CACHE, `${key}.json`), () => {
    const r = spawnSync(process.execPath, ['dist/cli.js', 'certify', ...args, '--json'], { cwd: REPO, encoding: 'utf8', maxBuffer: 1 << 28 });
    if (![0, 10, 11].includes(r.status ?? -1)) throw new Error(`certify ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
    return r.stdout;
  });
  return JSON.parse(text);
}

function state(model: string, data: string, args: string[], provenance: SettingProvenance[]): PanelState {
  const result = certifyCli([model, '--data', data, ...args]);
  const ds = parseDataset(readFileSync(resolve(REPO, data)), { file: data, expectD: result.model.d, expectC: result.model.c });
  return { model, status: 'done', result, plot: buildPlotData(ds.X, ds.Y), provenance, computedAt: '2026-01-01T12:00:00Z', cached: false };
}

const wdProvenance = (wd: string): SettingProvenance[] => [
  { name: 'data', value: 'train.csv', source: 'config-file', detail: '.vscode/relu-lens.json' },
  { name: 'weightDecay', value: wd, source: 'training-script', detail: 'train.py:42' },
  { name: 'reduction', value: 'mean', source: 'training-script', detail: 'train.py:40' },
  { name: 'hiddenBias', value: 'decayed', source: 'default' },
  { name: 'tol', value: '1e-4', source: 'default' },
];

/** A trained fixture: test/fixtures/trained/<name> with its case.json weight decay. */
export function trainedCase(name: string, extra: string[] = []): PanelState {
  const dir = `test/fixtures/trained/${name}`;
  const meta = JSON.parse(readFileSync(join(REPO, dir, 'case.json'), 'utf8'));
  const args = ['--weight-decay', String(meta.weightDecay), '--reduction', meta.reduction, ...extra];
  return state(`${dir}/model.onnx`, `${dir}/train.csv`, args, wdProvenance(String(meta.weightDecay)));
}

/**
 * The m = 3,000 example under work budgets (one column-generation iteration, one optimum round), so
 * the state is the same on any machine: the panel tests need its size, not a particular verdict.
 */
export function twoMoons(): PanelState {
  const budgets = ['--max-iterations', '1', '--optimum-iterations', '1'];
  return state(
    'examples/two-moons/model.onnx',
    'examples/two-moons/train.csv',
    ['--weight-decay', '1e-3', '--reduction', 'mean', ...budgets],
    wdProvenance('1e-3'),
  );
}

/**
 * d = 6 (rank 7 > 4: the oracle gives bounds only). A random network is clearly not optimal; its
 * witness, certified at tol 30%, can be neither proven optimal nor beaten by 5%: inconclusive.
 */
export function highDim(): { random: PanelState; inconclusive: PanelState } {
  const dir = join(CACHE, 'd6');
  mkdirSync(dir, { recursive: true });
  let s = 12345;
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2147483648), s / 2147483648);
  const gauss = () => Math.sqrt(-2 * Math.log(rnd() + 1e-12)) * Math.cos(2 * Math.PI * rnd());
  const n = 40,
    d = 6,
    m = 8;
  const rows = ['x1,x2,x3,x4,x5,x6,y'];
  for (let i = 0; i < n; i++) {
    const x = Array.from({ length: d }, gauss);
    rows.push([...x, Math.max(0, x[0] + 0.5 * x[1]) - Math.max(0, x[2]) + 0.1 * gauss()].join(','));
  }
  const data = join(dir, 'data.csv');
  writeAtomic(data, rows.join('\n') + '\n');
  const mat = (r: number, c: number, sc: number) => ({ rows: r, cols: c, data: Float64Array.from({ length: r * c }, () => sc * gauss()) });
  const model = join(dir, 'model.onnx');
  writeAtomic(model, writeTwoLayerOnnx({ W1: mat(m, d, 0.5), b1: mat(1, m, 0.1).data, W2: mat(1, m, 0.5), b2: new Float64Array([0]) }, { dtype: 'float64' }));
  // small work budgets: the oracle's global search (rank 7) dominates, and 100 nodes already give
  // both verdicts these tests need. Five optimum rounds: the witness must be near enough to P* that
  // no network better by the 30% tolerance is found (after one round it was not: 1.57 vs P* ≤ 0.47)
  const args = ['--beta', '0.1', '--max-iterations', '3', '--optimum-iterations', '5', '--node-budget', '100'];
  const prov: SettingProvenance[] = [{ name: 'beta', value: '0.1', source: 'user-prompt' }];
  const random = state(model, data, args, prov);
  const w = random.result!.optimum?.network ?? random.result!.witness!;
  const wModel = join(dir, 'witness.onnx');
  const toMat = (a: number[][]) => ({ rows: a.length, cols: a[0].length, data: Float64Array.from(a.flat()) });
  writeAtomic(wModel, writeTwoLayerOnnx({ W1: toMat(w.W1), b1: w.b1, W2: toMat(w.W2), b2: w.b2 }, { dtype: 'float64' }));
  // node budget 0: the global search is off, so the certificate rests on the bounds alone and stays inconclusive
  // (with a search, certify's final escalated oracle call proves this witness at the 30% tolerance)
  const inconclusive = state(wModel, data, [...args.slice(0, -1), '0', '--tol', '0.3'], prov);
  return { random, inconclusive };
}

/** Whitened data (X Xᵀ = I, n ≤ d, no biases): the engine answers with the closed form of MATH.md §5. */
export function whitenedCase(): PanelState {
  const dir = join(CACHE, 'whitened');
  mkdirSync(dir, { recursive: true });
  const X = [
    [1, 0, 0, 0],
    [0, 0.6, 0.8, 0],
    [0, 0.8, -0.6, 0],
  ];
  const y = [1.5, -0.7, 0.9];
  const data = join(dir, 'data.csv');
  writeAtomic(data, ['a,b,c,d,y', ...X.map((r, i) => [...r, y[i]].join(','))].join('\n') + '\n');
  const model = join(dir, 'model.onnx');
  const W1 = { rows: 3, cols: 4, data: Float64Array.from([0.3, 0.1, 0, 0.2, -0.2, 0.4, 0.1, 0, 0.1, 0.1, -0.3, 0.2]) };
  const W2 = { rows: 1, cols: 3, data: Float64Array.from([0.5, -0.4, 0.3]) };
  writeAtomic(model, writeTwoLayerOnnx({ W1, b1: null, W2, b2: null }, { dtype: 'float64' }));
  return state(model, data, ['--beta', '0.2'], [{ name: 'beta', value: '0.2', source: 'cli-flag' }]);
}
