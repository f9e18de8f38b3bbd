import { writeFileSync, existsSync } from 'node:fs';
import { loadAndCheck } from './inspect';
import { certifyNetwork } from '../core/certify';
import { settingsFromOptions } from '../core/settings';
import { certificateToJson } from '../core/report/json';
import { renderMarkdown, renderHtml } from '../core/report/render';
import { formatHuman } from './format';
import { usageError } from '../core/errors';
import type { CertifyArgs } from './args';

export async function runCertify(args: CertifyArgs): Promise<number> {
  // Never overwrite a user's file unasked (checked before the work, so nothing is wasted).
  if (args.report && existsSync(args.report) && !args.force)
    throw usageError(`--report: ${args.report} already exists; add --force to overwrite it`);
  const t0 = performance.now();
  const { model, data, warnings } = await loadAndCheck(args);
  const tRead = performance.now() - t0;
  const settings = settingsFromOptions(model, {
    beta: args.beta,
    weightDecay: args.weightDecay,
    reduction: args.reduction,
    optimizer: args.optimizer,
    hiddenBias: args.hiddenBias,
    outputBias: args.outputBias,
    tol: args.tol,
    patternBudget: args.patternBudget,
  });
  const result = certifyNetwork(model, data!.X, data!.Y, settings);
  result.timings = { read: tRead, ...result.timings };
  result.warnings.unshift(...warnings);
  const json = {
    ...certificateToJson(result, model, data!),
    memory: { peakRssMB: process.resourceUsage().maxRSS / 1024 },
  };
  if (args.report) {
    const text = /\.md$/i.test(args.report) ? renderMarkdown(json) : renderHtml(json);
    writeFileSync(args.report, text);
  }
  process.stdout.write(args.json ? JSON.stringify(json) + '\n' : formatHuman(json) + '\n');
  return result.verdict === 'certified' ? 0 : result.verdict === 'not-optimal' ? 10 : 11;
}
