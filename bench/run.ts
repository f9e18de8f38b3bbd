import { writeFileSync, mkdirSync } from 'node:fs';
import * as os from 'node:os';
import { benchMatmul } from './matmul';
import { benchCertify, benchUserPath } from './certify';
import { benchOracle } from './oracle';
import { benchOptimize } from './optimize';
import { benchDecisive } from './decisive';
import { benchVerdictTime } from './verdictTime';

/**
 * `npm run bench`: machine-readable results (one JSON object per line on stdout, and the whole
 * run in bench/results/latest.json). Each measurement carries its baseline from the same run.
 */
async function main() {
  const quick = process.argv.includes('--quick');
  const out: Record<string, unknown>[] = [];
  const emit = (r: Record<string, unknown>) => {
    out.push(r);
    process.stdout.write(JSON.stringify(r) + '\n');
  };
  emit({ bench: 'machine', cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version, memGiB: os.totalmem() / 2 ** 30 });
  for (const r of await benchMatmul(
    quick
      ? [[2000, 11, 200]]
      : [
          [10000, 3, 1000],
          [10000, 51, 1000],
          [1000, 11, 100],
        ],
  ))
    emit(r);
  for (const r of benchOracle(quick ? [1000] : [1000, 10000])) emit(r);
  await benchUserPath(benchCertify(quick ? [1000] : [1000, 10000], 1e-3, emit), emit);
  await (await import('./convex')).benchConvex(emit, quick);
  benchOptimize(emit);
  benchDecisive(emit, quick);
  await benchVerdictTime(emit);
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/latest.json', JSON.stringify(out, null, 2) + '\n');
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
