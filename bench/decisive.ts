import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { writeTwoLayerOnnx } from '../src/core/onnx/write';
import { readModelBytes } from '../src/core/onnx';
import type { Mat } from '../src/core/linalg/mat';
import { makeRng, gaussian } from '../src/core/random';
import { computeOracle } from '../src/core/oracle';

// RELU_LENS_BENCH_CLI=src/cli/main.ts runs the CLI from source (through tsx) instead of the bundle
const CLI = path.resolve(process.env.RELU_LENS_BENCH_CLI ?? path.join(__dirname, '..', 'dist', 'cli.js'));
const FROM_SOURCE = CLI.endsWith('.ts') ? ['--import', 'tsx'] : [];

/**
 * Issue #16's targets, through the path users run (`relu-lens optimize`, then `relu-lens certify`
 * on what it wrote, each in its own process with a wall-clock cap as a guard):
 * - rank 5–9 (d = 4…8 with a decayed hidden bias), n ≤ 30, random-teacher data: is the engine's own
 *   optimum certified, and is a perturbed copy "not optimal" — decisive either way?
 * - random-teacher n = 1000, d = 5 and d = 10;
 * - iris-like (n = 150, d = 4, c = 3, cross-entropy).
 * Baseline in the same run: `certify --no-optimum` of the starting network (the residual certificate).
 */
type Row = Record<string, unknown>;

function teacherData(seed: number, n: number, d: number, c: number, classes: boolean) {
  const rnd = makeRng(seed);
  const g = () => gaussian(rnd);
  const X: number[][] = Array.from({ length: n }, () => Array.from({ length: d }, g));
  const mT = 3;
  const U = Array.from({ length: mT }, () => Array.from({ length: d + 1 }, g));
  const V = Array.from({ length: c }, () => Array.from({ length: mT }, g));
  const Y = X.map((x) => {
    const h = U.map((u) =>
      Math.max(
        0,
        u.slice(0, d).reduce((s, w, k) => s + w * x[k], u[d]),
      ),
    );
    const f = V.map((v) => v.reduce((s, w, j) => s + w * h[j], 0) + 0.1 * g());
    return classes ? [f.indexOf(Math.max(...f))] : f;
  });
  return { X, Y };
}

function randomNet(seed: number, m: number, d: number, c: number) {
  const rnd = makeRng(seed);
  const mat = (r: number, k: number): Mat => ({ rows: r, cols: k, data: Float64Array.from({ length: r * k }, () => 0.5 * gaussian(rnd)) });
  return {
    W1: mat(m, d),
    b1: Float64Array.from({ length: m }, () => 0.5 * gaussian(rnd)),
    W2: mat(c, m),
    b2: Float64Array.from({ length: c }, () => 0.1 * gaussian(rnd)),
  };
}

/**
 * Preloaded into each CLI process: on exit it prints the process' own CPU seconds and peak RSS on stderr
 * (issue #16 reports both; wall time alone says little on a shared, loaded machine).
 */
const USAGE_MARK = 'RELU_LENS_BENCH_USAGE ';
const USAGE_HOOK = `process.on('exit', () => { const u = process.resourceUsage(); process.stderr.write('\\n${USAGE_MARK}' + JSON.stringify({ cpuS: (u.userCPUTime + u.systemCPUTime) / 1e6, maxRssMB: u.maxRSS / 1024 }) + '\\n'); });\n`;

function cli(args: string[], capMs: number, hook?: string) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [...FROM_SOURCE, ...(hook ? ['-r', hook] : []), CLI, ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
    timeout: capMs,
  });
  const ms = performance.now() - t0;
  let json: Record<string, any> = {};
  try {
    json = JSON.parse(r.stdout);
  } catch {
    /* reported below */
  }
  const err = r.stderr ?? '';
  const mark = err.lastIndexOf(USAGE_MARK);
  const usage: { cpuS?: number; maxRssMB?: number } = mark >= 0 ? JSON.parse(err.slice(mark + USAGE_MARK.length).split('\n')[0]) : {};
  const round1 = (x: number | undefined) => (x === undefined ? undefined : Math.round(x * 10) / 10);
  return {
    ms: Math.round(ms),
    cpuS: round1(usage.cpuS),
    maxRssMB: round1(usage.maxRssMB),
    code: r.status,
    json,
    timedOut: r.signal === 'SIGTERM',
    stderr: (mark >= 0 ? err.slice(0, mark) : err).slice(0, 200),
  };
}

/** The network in `file` with every weight moved by 0.05·N(0, 1)·(1 + |w|): a copy that is not optimal. */
function perturbedCopy(file: string, out: string, seed: number, head: 'softmax' | 'none') {
  const net = readModelBytes(readFileSync(file), { file });
  const rnd = makeRng(seed);
  const jiggle = (a: Float64Array) => a.map((w) => w + 0.05 * gaussian(rnd) * (1 + Math.abs(w)));
  const mat = (m: Mat): Mat => ({ rows: m.rows, cols: m.cols, data: jiggle(m.data) });
  writeFileSync(
    out,
    writeTwoLayerOnnx({ W1: mat(net.W1), b1: net.b1 ? jiggle(net.b1) : null, W2: mat(net.W2), b2: net.b2 ? jiggle(net.b2) : null }, { dtype: 'float64', head }),
  );
}

export function runCase(name: string, seed: number, n: number, d: number, c: number, loss: string, emit: (r: Row) => void, capMs: number, perturbed = false) {
  const dir = mkdtempSync(path.join(tmpdir(), 'rl-bench-dec-'));
  try {
    const classes = loss === 'cross-entropy';
    const { X, Y } = teacherData(seed, n, d, c, classes);
    const header = [...Array.from({ length: d }, (_, k) => `x${k}`), ...(classes ? ['y'] : Array.from({ length: c }, (_, k) => `y${k}`))];
    writeFileSync(path.join(dir, 'train.csv'), [header.join(','), ...X.map((x, i) => [...x, ...Y[i]].join(','))].join('\n') + '\n');
    const start = path.join(dir, 'start.onnx');
    writeFileSync(start, writeTwoLayerOnnx(randomNet(seed + 1, 8, d, c), { dtype: 'float64', head: classes ? 'softmax' : 'none' }));
    const labels = classes ? ['--label', 'y'] : Y[0].flatMap((_, k) => ['--label', `y${k}`]);
    const common = [
      '--data',
      path.join(dir, 'train.csv'),
      ...labels,
      '--beta',
      String(0.05 * n ** 0.5),
      '--json',
      ...(classes ? ['--loss', 'cross-entropy'] : []),
    ];
    const hook = path.join(dir, 'usage-hook.js');
    writeFileSync(hook, USAGE_HOOK);
    const base = cli(['certify', start, ...common, '--no-optimum'], capMs, hook);
    const opt = path.join(dir, 'opt.onnx');
    const o = cli(['optimize', start, ...common, '--out', opt], capMs, hook);
    const wrote = (o.code === 0 || o.code === 11) && existsSync(opt);
    const cert = wrote ? cli(['certify', opt, ...common, '--no-optimum'], capMs, hook) : null;
    // issue #16: a perturbed copy of the optimum must be "not optimal" with a witness (< 10 s)
    const pert = path.join(dir, 'perturbed.onnx');
    if (wrote && perturbed) perturbedCopy(opt, pert, seed + 2, classes ? 'softmax' : 'none');
    const p = wrote && perturbed ? cli(['certify', pert, ...common, '--no-optimum'], capMs, hook) : null;
    const rss = [base, o, cert, p].map((r) => r?.maxRssMB ?? 0);
    emit({
      bench: 'decisive',
      case: name,
      n,
      d,
      rank: d + 1,
      c,
      loss,
      optimizeMs: o.ms,
      optimizeCpuS: o.cpuS,
      optimizeExit: o.code,
      optimumExact: o.json.optimum?.exact,
      certifyOptimumMs: cert?.ms,
      certifyOptimumCpuS: cert?.cpuS,
      certifyOptimumVerdict: cert?.json.verdict,
      oracleMethod: cert?.json.oracle?.method,
      decisive: cert ? cert.json.verdict === 'certified' || cert.json.verdict === 'not-optimal' : false,
      pstarInterval: cert?.json.pstarInterval,
      baselineCertifyStartMs: base.ms,
      baselineCertifyStartCpuS: base.cpuS,
      baselineStartVerdict: base.json.verdict,
      ...(p
        ? {
            perturbedMs: p.ms,
            perturbedCpuS: p.cpuS,
            perturbedVerdict: p.json.verdict,
            perturbedWitness: p.json.witness?.kind ?? (p.json.witness ? 'yes' : null),
          }
        : {}),
      peakRssMB: Math.max(...rss),
      ...(o.timedOut || cert?.timedOut || p?.timedOut ? { timedOut: true } : {}),
      ...(o.code !== 0 && o.code !== 11 ? { stderr: o.stderr } : {}),
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * How the oracle's global search scales with d and n (rank d + 1, beyond enumeration): one call (pattern budget 10³,
 * so the search runs even where enumeration would) on the centred labels of random-teacher data as Λ (c outputs), at node budgets 10³ and 10⁴; M̄/M_low
 * is the remaining looseness. In-process (no CLI), so the rows time the search alone.
 */
export function benchSearchScaling(emit: (r: Row) => void, quick: boolean) {
  const cases: [number, number, number][] = quick
    ? [
        [100, 4, 1],
        [1000, 5, 1],
      ]
    : [
        [30, 6, 1],
        [30, 8, 1],
        [100, 4, 1],
        [100, 6, 1],
        [1000, 5, 1],
        [1000, 10, 1],
        [150, 4, 3],
      ];
  for (const [n, d, c] of cases) {
    const { X, Y } = teacherData(500 + n + d, n, d, c, false);
    const p = d + 1;
    const Xt: Mat = { rows: n, cols: p, data: new Float64Array(n * p) };
    const L: Mat = { rows: n, cols: c, data: new Float64Array(n * c) };
    X.forEach((x, i) => {
      x.forEach((v, k) => {
        Xt.data[i * p + k] = v;
      });
      Xt.data[i * p + d] = 1;
    });
    for (let q = 0; q < c; q++) {
      const mean = Y.reduce((s, y) => s + y[q], 0) / n;
      Y.forEach((y, i) => {
        L.data[i * c + q] = y[q] - mean;
      });
    }
    for (const nodeBudget of [1_000, 10_000]) {
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      const res = computeOracle(Xt, L, { nodeBudget, patternBudget: 1_000 });
      const cpu = process.cpuUsage(c0);
      // cpuMs as well as wall ms: on a shared machine the wall clock measures the load, not the search
      emit({
        bench: 'search-scaling',
        n,
        d,
        rank: p,
        c,
        nodeBudget,
        ms: Math.round(performance.now() - t0),
        cpuMs: Math.round((cpu.user + cpu.system) / 1000),
        method: res.method,
        closed: res.exact,
        nodes: res.patterns,
        upperOverLower: res.upper / res.lower,
        note: res.notes[res.notes.length - 1],
      });
    }
  }
}

export function benchDecisive(emit: (r: Row) => void, quick: boolean) {
  benchSearchScaling(emit, quick);
  const cap = quick ? 60_000 : 300_000;
  const small: [number, number][] = quick
    ? [
        [14, 4],
        [20, 6],
      ]
    : [
        [14, 4],
        [14, 6],
        [14, 8],
        [20, 4],
        [20, 5],
        [20, 6],
        [30, 4],
        [30, 5],
        [30, 6],
        [30, 8],
      ];
  for (const [n, d] of small) runCase(`rank${d + 1}-n${n}`, 1000 + 17 * n + d, n, d, 1, 'squared', emit, cap);
  if (quick) return;
  runCase('teacher-n1000-d5', 77, 1000, 5, 1, 'squared', emit, cap, true);
  runCase('teacher-n1000-d10', 78, 1000, 10, 1, 'squared', emit, cap, true);
  runCase('iris-like', 150, 150, 4, 3, 'cross-entropy', emit, cap, true);
}

if (require.main === module) {
  benchDecisive((r) => process.stdout.write(JSON.stringify(r) + '\n'), process.argv.includes('--quick'));
}
