import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { VERDICT_TITLE } from '../src/core/format/numbers';

const ROOT = path.resolve(__dirname, '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
/** The 100-point regression of the tests (test/report/problems.ts regression100, committed for e2e). */
const FIXTURE = path.join(ROOT, 'test', 'e2e', 'fixtures', 'regression100');
/** regression100's β (test/report/problems.ts). */
const BETA = 0.05;
/** Issue #18 "Done when": `certify` prints its verdict in < 5 s on a 100-point problem (wall seconds). */
export const VERDICT_TARGET_S = 5;

/**
 * Runs in the child before the CLI: its CPU time (getrusage, all threads) when the first stdout line
 * is written and at exit, on stderr, so the CPU up to the verdict is the child's own and not sampled
 * from outside.
 */
const CPU_HOOK = [
  'const cpu=()=>{const u=process.resourceUsage();return (u.userCPUTime+u.systemCPUTime)/1e6};',
  'const w=process.stdout.write.bind(process.stdout);let first=true;',
  "process.stdout.write=(c,...a)=>{if(first&&String(c).includes('\\n')){first=false;require('fs').writeSync(2,'\\n@verdictCpu '+cpu()+'\\n')}return w(c,...a)};",
  "process.on('exit',()=>require('fs').writeSync(2,'\\n@exitCpu '+cpu()+'\\n'));",
  'require(process.argv[1])',
].join('');

const VERDICT_LINE = new RegExp(
  `^(${Object.values(VERDICT_TITLE)
    .map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('|')})`,
  'm',
);

interface Run {
  verdictMs: number | null;
  exitMs: number;
  verdictCpuS: number | null;
  exitCpuS: number | null;
  verdictLine: string | null;
  code: number | null;
  stderrTail: string;
}

/** `relu-lens certify` as a child process; the wall time is when its stdout stream shows the verdict line. */
function runCli(args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, ['-e', CPU_HOOK, CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '',
      err = '';
    let verdictMs: number | null = null,
      verdictLine: string | null = null;
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      out += s;
      if (verdictMs !== null) return;
      const m = VERDICT_LINE.exec(out);
      if (m) {
        verdictMs = performance.now() - t0;
        verdictLine = out.slice(m.index).split('\n')[0];
      }
    });
    child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
    child.on('error', reject);
    child.on('close', (code) => {
      const exitMs = performance.now() - t0;
      const num = (tag: string) => {
        const m = new RegExp(`@${tag} ([0-9.eE+-]+)`).exec(err);
        return m ? Number(m[1]) : null;
      };
      resolve({
        verdictMs,
        exitMs,
        verdictCpuS: num('verdictCpu'),
        exitCpuS: num('exitCpu'),
        verdictLine,
        code,
        stderrTail: err
          .replace(/@\w+ \S+\n?/g, '')
          .trim()
          .slice(-300),
      });
    });
  });
}

/**
 * Issue #18: the wall and CPU time of `certify` on the 100-point regression until its verdict line
 * appears on stdout and until it exits, with the user's defaults (the optimum search after the
 * verdict included). Baseline in the same run: `relu-lens --help`, the CLI's start-up alone.
 */
export async function benchVerdictTime(emit: (row: Record<string, unknown>) => void): Promise<void> {
  const base = await runCli(['--help']);
  const r = await runCli(['certify', path.join(FIXTURE, 'model.onnx'), '--data', path.join(FIXTURE, 'train.csv'), '--beta', String(BETA)]);
  emit({
    bench: 'certify-verdict-time',
    n: 100,
    verdictLine: r.verdictLine,
    exitCode: r.code,
    verdictMs: r.verdictMs,
    verdictCpuS: r.verdictCpuS,
    exitMs: r.exitMs,
    exitCpuS: r.exitCpuS,
    baselineStartupMs: base.exitMs,
    baselineStartupCpuS: base.exitCpuS,
    targetVerdictS: VERDICT_TARGET_S,
    meetsTarget: r.verdictMs !== null && r.verdictMs < VERDICT_TARGET_S * 1000,
    ...(r.verdictMs === null ? { stderr: r.stderrTail } : {}),
  });
}
