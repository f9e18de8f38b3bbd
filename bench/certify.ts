import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { certifyNetwork } from '../src/core/certify';
import { settingsFromOptions } from '../src/core/config/options';
import { writeTwoLayerOnnx } from '../src/core/onnx/write';
import { type Mat, zeros } from '../src/core/linalg/mat';
import { analyzeJob } from '../src/extension/workerJobs';
import { readFileSync } from 'node:fs';

const CLI = path.resolve(__dirname, '..', 'dist', 'cli.js');

function lcg(seed: number) {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

/** 2-D inputs + hidden bias: a rank-3 problem, the benchmark case. */
function problem(n: number, seed: number) {
  const r = lcg(seed);
  const X = zeros(n, 2),
    Y = zeros(n, 1);
  for (let i = 0; i < n; i++) {
    const a = r() * 2 - 1,
      b = r() * 2 - 1;
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
  const W1 = zeros(m, 2),
    W2 = zeros(1, m);
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
 * The CLI as a child process with its own CPU time (getrusage of the child: user + sys over all its
 * threads, onnxruntime's included), read by an exit hook since spawnSync reports no rusage.
 */
const RUSAGE_HOOK =
  "process.on('exit',()=>{const u=process.resourceUsage();require('fs').writeSync(2,'\\n@rusage '+JSON.stringify({cpuS:(u.userCPUTime+u.systemCPUTime)/1e6,peakRssMB:u.maxRSS/1024})+'\\n')});require(process.argv[1])";

function cpuCli(args: string[]) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['-e', RUSAGE_HOOK, CLI, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const ms = performance.now() - t0;
  const m = /@rusage (\{.*\})/.exec(r.stderr ?? '');
  let json: Record<string, any> = {};
  try {
    json = JSON.parse(r.stdout);
  } catch {
    /* reported by the row's verdict field */
  }
  return { ms, code: r.status, json, ...(m ? (JSON.parse(m[1]) as { cpuS: number; peakRssMB: number }) : { cpuS: null, peakRssMB: null }) };
}

/** The worker's job function in this process (what the panel runs), with its CPU time and the wall time to the verdict. */
async function workerJob(modelPath: string, dataPath: string, options: Record<string, unknown>) {
  const stages: { stage: string; ms: number }[] = [];
  const c0 = process.cpuUsage(),
    t0 = performance.now();
  const res = await analyzeJob(
    {
      modelBytes: readFileSync(modelPath),
      modelName: path.basename(modelPath),
      externals: {},
      dataBytes: readFileSync(dataPath),
      dataName: path.basename(dataPath),
      options,
    },
    (stage) => stages.push({ stage, ms: performance.now() - t0 }),
  );
  const c = process.cpuUsage(c0);
  // the verdict is known when the optimum search (or, with it off, the interpretation) starts
  const verdictAt = stages.find((s) => s.stage === 'optimum' || s.stage === 'interpretation')?.ms ?? performance.now() - t0;
  return { cpuS: (c.user + c.system) / 1e6, ms: performance.now() - t0, verdictMs: verdictAt, verdict: res.json.verdict, relGap: res.json.relGap };
}

/** CPU-second targets of issue #19 item 5 for the rank-3 certify through the user path. */
export const USER_PATH_CPU_TARGET_S: Record<number, number> = { 1000: 0.7, 10000: 4 };
/** Issue #19 item 5: the two-moons example's verdict in the panel, wall milliseconds. */
export const TWO_MOONS_VERDICT_TARGET_MS = 3000;

/**
 * The exact user path, beside certify-cli: `relu-lens certify` as a child process (its CPU from its
 * rusage) and the worker's job function (analyzeJob, in this process) on the same files; and the
 * two-moons example through the worker job (the panel's verdict time). Targets as pass/fail fields.
 */
export async function benchUserPath(cases: { n: number; model: string; data: string; beta: number }[], emit: (row: Record<string, unknown>) => void) {
  for (const { n, model, data, beta } of cases) {
    const cli = cpuCli(['certify', model, '--data', data, '--beta', String(beta), '--json']);
    const job = await workerJob(model, data, { beta });
    const target = USER_PATH_CPU_TARGET_S[n];
    emit({
      bench: 'certify-user-path',
      n,
      cliCpuS: cli.cpuS,
      cliMs: cli.ms,
      cliPeakRssMB: cli.peakRssMB,
      cliVerdict: cli.json.verdict,
      cliExitCode: cli.code,
      workerJobCpuS: job.cpuS,
      workerJobMs: job.ms,
      workerJobVerdict: job.verdict,
      targetCpuS: target,
      cliMeetsTarget: target !== undefined && cli.cpuS !== null ? cli.cpuS < target : null,
      workerJobMeetsTarget: target !== undefined ? job.cpuS < target : null,
    });
  }
  const ex = path.resolve(__dirname, '..', 'examples', 'two-moons');
  const job = await workerJob(path.join(ex, 'model.onnx'), path.join(ex, 'train.csv'), { weightDecay: 1e-3, reduction: 'mean' });
  const cli = cpuCli(['certify', path.join(ex, 'model.onnx'), '--data', path.join(ex, 'train.csv'), '--weight-decay', '1e-3', '--reduction', 'mean', '--json']);
  emit({
    bench: 'two-moons-user-path',
    verdict: job.verdict,
    panelVerdictMs: job.verdictMs,
    workerJobMs: job.ms,
    workerJobCpuS: job.cpuS,
    cliCpuS: cli.cpuS,
    cliMs: cli.ms,
    cliVerdict: cli.json.verdict,
    targetVerdictMs: TWO_MOONS_VERDICT_TARGET_MS,
    meetsTarget: job.verdictMs <= TWO_MOONS_VERDICT_TARGET_MS,
  });
}

/**
 * End to end from the CLI. The model certified is the optimum our own engine finds for the data
 * (written as float64 ONNX), so the run measures an exact certificate, not a quick refusal.
 * Baseline in the same run: `inspect` on the same files (reading + onnxruntime check).
 */
export function benchCertify(
  ns: number[],
  weightDecay: number,
  emit: (row: Record<string, unknown>) => void,
): { n: number; model: string; data: string; beta: number }[] {
  const built: { n: number; model: string; data: string; beta: number }[] = [];
  // The n-th model starts from the previous optimum (same target, β ∝ n), so its column
  // generation converges in a few iterations even at n = 10⁴.
  let start: ReturnType<typeof randomNet> | NonNullable<ReturnType<typeof certifyNetwork>['witness']> = randomNet(8, 3);
  for (const n of ns) {
    const dir = mkdtempSync(path.join(tmpdir(), `rl-bench-${n}-`));
    const { X, Y } = problem(n, 7);
    // β as PyTorch's MSELoss(mean) + weight_decay gives it (MATH.md §1): it grows with n
    const beta = (n * weightDecay) / 2;
    const settings = settingsFromOptions(
      { b1: new Float64Array(1), b2: new Float64Array(1) },
      { beta, maxIterations: n > 2000 ? 25 : 60, refineAfterWitness: Infinity, timeBudgetMs: Infinity },
    );
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
    const model = path.join(dir, 'model.onnx'),
      data = path.join(dir, 'train.csv');
    built.push({ n, model, data, beta });
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
  return built;
}
