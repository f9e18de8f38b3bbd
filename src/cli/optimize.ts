/**
 * `relu-lens optimize MODEL --data FILE … [--out FILE]`: the optimal network of MATH.md §4 (column
 * generation with the exact oracle; a witness when optimality over all activation patterns could
 * not be proven), written as a drop-in ONNX model, JSON, .npz or CSV.
 * Exit 0: optimum proven to the reported relative gap; 11: only a witness; 2/3 as certify.
 */
import { writeFileAtomic } from '../core/io/atomicWrite';
import { runAnalysis, refuseOverwrite, writeReport, OPTIMIZE_TIME_BUDGET_S } from './certify';
import { torchSnippet } from '../core/report/torch';
import { networkToJson } from '../core/analysis/networkJson';
import { networkToCsv, networkToNpz, networkToOnnx } from '../core/analysis/export';
import { formatHuman } from './format';
import { fmt, pct } from '../core/format/numbers';
import { ReluLensError } from '../core/errors';
import type { CertifyArgs } from './args';
import type { OptimumDualPointJson } from '../core/analysis/optimum';

export async function runOptimize(args: CertifyArgs): Promise<number> {
  refuseOverwrite('--out', args.out, args.force);
  refuseOverwrite('--report', args.report, args.force);
  const { outcome, json, model, data } = await runAnalysis({ ...args, optimum: true }, OPTIMIZE_TIME_BUDGET_S);
  const opt = json.optimum;
  const net = outcome.optimal ?? outcome.witness;
  let written: string | null = null;
  if (args.out) {
    if (!opt || !net) throw new ReluLensError('internal', 'no optimal network or witness was found; nothing written');
    const out = args.out;
    const bytes = /\.onnx$/i.test(out)
      ? networkToOnnx(model, net)
      : /\.npz$/i.test(out)
        ? networkToNpz(net)
        : /\.py$/i.test(out)
          ? new TextEncoder().encode(torchSnippet(networkToJson(net), { label: opt.exact ? 'optimum' : 'witness', head: json.model.head }))
          : new TextEncoder().encode(
              /\.csv$/i.test(out) ? networkToCsv(net) : JSON.stringify({ ...opt, beta: json.beta, loss: json.loss.name, model: json.model.file }) + '\n',
            );
    writeFileAtomic('--out', out, bytes, args.force);
    written = out;
    if (!opt.exact)
      process.stderr.write(
        `relu-lens: ${out} holds a WITNESS, not a proven optimum: objective ${fmt(opt.value, 10)}, P* ≥ ${fmt(opt.lowerBound, 10)} (gap ${pct(opt.relGap)}).\n`,
      );
  }
  if (args.report) writeReport(args.report, json, data, args.force);
  if (args.json) process.stdout.write(JSON.stringify({ ...json, written }) + '\n');
  else {
    // classification losses: which dual point proves the lower bound (the JSON's optimum.dualPoint)
    const dp = (opt as (typeof opt & { dualPoint?: OptimumDualPointJson | null }) | null)?.dualPoint;
    const proof = dp
      ? `\n  lower bound P* ≥ ${fmt(dp.value, 10)} from the dual point ${dp.source === 'certificate' ? 'of the certificate' : `of column-generation iteration ${dp.iteration}`}` +
        ` (oracle ${dp.oracleMethod}${dp.mUpper !== null ? `, M̄ = ${fmt(dp.mUpper, 10)} vs β = ${fmt(json.beta, 10)}` : ''}${dp.scale !== null ? `, scale s = ${fmt(dp.scale, 10)}` : ''})`
      : '';
    process.stdout.write(
      formatHuman(json, { optimizeFirst: true }) + proof + (written ? `\n  written: ${written}${opt && !opt.exact ? ' (witness)' : ''}` : '') + '\n',
    );
  }
  return opt?.exact ? 0 : 11;
}
