import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { certifyNetwork } from '../src/core/certify';
import { settingsFromOptions } from '../src/core/config/options';
import { writeTwoLayerOnnx } from '../src/core/onnx/write';
import { type Mat, zeros } from '../src/core/linalg/mat';

const CLI = path.resolve(__dirname, '..', 'dist', 'cli.js');

function lcg(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/** 2-D inputs + hidden bias: a rank-3 problem, the benchmark case. */
function problem(n: number, seed: number) {
  const r = lcg(seed);
  const X = zeros(n, 2), Y = zeros(n, 1);
  for (let i = 0; i < n; i++) {
    const a = r() * 2 - 1, b = r() * 2 - 1;
    X.data[2 * i] = a;
    X.data[2 * i + 1] = b;
    // one ReLU ridge plus a linear part and noise: the optimum needs few neurons, so the model to
    // certify can be built by column generation in the bench's time
    Y.data[i] = Math.max(0, a + 0.5 * b) - 0.3 * b + 0.05 * (r() - 0.5);
  }
  return { X, Y };
}

function randomNet(m: number, seed: number) {
  const r = lcg(seed);
  const W1 = zeros(m, 2), W2 = zeros(1, m);
  const b1 = new Float64Array(m);
  for (let j = 0; j < m; j++) {
    W1.data[2 * j] = r() - 0.5;
    W1.data[2 * j + 1] = r() - 0.5;
    b1[j] = 0.2 * (r() - 0.5);
    W2.data[j] = r() - 0.5;
  }
  return { W1, b1, W2, b2: new Float64Array([0]) };
}

function csv(X: Mat, Y: Mat): string {
  const L = ['x1,x2,y'];
  for (let i = 0; i < X.rows; i++) L.push(`${X.data[2 * i]},${X.data[2 * i + 1]},${Y.data[i]}`);
  return L.join('\n') + '\n';
}

function timeCli(args: string[]) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const ms = performance.now() - t0;
  let json: Record<string, any> = {};
  try {
    json = JSON.parse(r.stdout);
  } catch {
    /* reported below */
  }
  return { ms, code: r.status, json, stderr: r.stderr.slice(0, 500) };
}

/**
 * End to end from the CLI. The model certified is the optimum our own engine finds for the data
 * (written as float64 ONNX), so the run measures an exact certificate, not a quick refusal.
 * Baseline in the same run: `inspect` on the same files (reading + onnxruntime check).
 */
export function benchCertify(ns: number[], weightDecay: number, emit: (row: Record<string, unknown>) => void) {
  // The n-th model starts from the previous optimum (same target, β ∝ n), so its column
  // generation converges in a few iterations even at n = 10⁴.
  let start: ReturnType<typeof randomNet> | NonNullable<ReturnType<typeof certifyNetwork>['witness']> = randomNet(8, 3);
  for (const n of ns) {
    const dir = mkdtempSync(path.join(tmpdir(), `rl-bench-${n}-`));
    const { X, Y } = problem(n, 7);
    // β as PyTorch's MSELoss(mean) + weight_decay gives it (MATH.md §1): it grows with n
    const beta = (n * weightDecay) / 2;
    const settings = settingsFromOptions({ b1: new Float64Array(1), b2: new Float64Array(1) }, { beta, maxIterations: n > 2000 ? 25 : 60, refineAfterWitness: Infinity, timeBudgetMs: Infinity });
    const t0 = performance.now();
    const solved = certifyNetwork(start, X, Y, settings);
    const solveMs = performance.now() - t0;
    const net = solved.witness ?? null;
    if (net) start = net;
    if (!net) {
      emit({ bench: 'certify', n, error: `could not build an optimal network (verdict ${solved.verdict})` });
      continue;
    }
    writeFileSync(path.join(dir, 'model.onnx'), writeTwoLayerOnnx(net, { dtype: 'float64' }));
    writeFileSync(path.join(dir, 'train.csv'), csv(X, Y));
    const model = path.join(dir, 'model.onnx'), data = path.join(dir, 'train.csv');
    const base = timeCli(['inspect', model, '--data', data, '--json']);
    const cert = timeCli(['certify', model, '--data', data, '--beta', String(beta), '--json']);
    emit({
      bench: 'certify-cli',
      n,
      rank: cert.json.oracle?.rank,
      verdict: cert.json.verdict,
      relGap: cert.json.relGap,
      patterns: cert.json.oracle?.patterns,
      oracleMethod: cert.json.oracle?.method,
      ms: cert.ms,
      baselineInspectMs: base.ms,
      targetMs: n <= 1000 ? 1000 : 10000,
      meetsTarget: cert.ms < (n <= 1000 ? 1000 : 10000),
      timings: cert.json.timings,
      peakRssMB: cert.json.memory?.peakRssMB,
      neuronsInModel: net.W1.rows,
      solveToBuildModelMs: solveMs,
      builtModelPstarInterval: solved.pstarInterval,
      exitCode: cert.code,
      stderr: cert.code === 0 ? undefined : cert.stderr,
    });
  }
}
