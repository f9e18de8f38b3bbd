import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';

const CLI = path.resolve(__dirname, '..', 'dist', 'cli.js');
const EXAMPLE = path.resolve(__dirname, '..', 'examples', 'two-moons');

/**
 * `relu-lens optimize` end to end on the two-moons example (n = 150, d = 2, width 3000 as trained):
 * wall time, the optimum's certified relative gap and whether it was proven exact. Baseline in the
 * same run: `certify --no-optimum` on the same files (reading + the residual certificate only).
 */
export function benchOptimize(emit: (row: Record<string, unknown>) => void) {
  const dir = mkdtempSync(path.join(tmpdir(), 'rl-bench-opt-'));
  const common = [path.join(EXAMPLE, 'model.onnx'), '--data', path.join(EXAMPLE, 'train.csv'), '--weight-decay', '1e-3', '--json'];
  const time = (args: string[]) => {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
    const ms = performance.now() - t0;
    let json: Record<string, any> = {};
    try {
      json = JSON.parse(r.stdout);
    } catch {
      /* reported below */
    }
    return { ms, code: r.status, json, stderr: r.stderr.slice(0, 300) };
  };
  const base = time(['certify', ...common, '--no-optimum']);
  const run = time(['optimize', ...common, '--out', path.join(dir, 'optimal.onnx')]);
  const o = run.json.optimum ?? {};
  emit({
    bench: 'optimize-two-moons',
    n: 150,
    width: 3000,
    ms: Math.round(run.ms),
    exit: run.code,
    exact: o.exact,
    relGap: o.relGap,
    value: o.value,
    lowerBound: o.lowerBound,
    neurons: o.neurons,
    method: o.method,
    verdict: run.json.verdict,
    stageMs: run.json.timings,
    baselineCertifyNoOptimumMs: Math.round(base.ms),
    ...(run.code !== 0 ? { stderr: run.stderr } : {}),
  });
  rmSync(dir, { recursive: true, force: true });
}
