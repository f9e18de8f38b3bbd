import { loadAndCheck } from './inspect';
import { SAFETY_TIME_LIMIT_MS, settingsFromOptions } from '../core/settings';
import { analyze, type AnalysisOutcome } from '../core/analysis';
import type { AnalysisJson } from '../core/analysis/types';
import type { CanonicalModel } from '../core/model';
import { renderMarkdown, renderHtml } from '../core/report/render';
import { formatHuman } from './format';
import { checkOutputPath, writeFileAtomic } from '../core/io/atomicWrite';
import type { CertifyArgs } from './args';

/**
 * Default wall-clock SAFETY limits (seconds): only an outer stop. The work budgets (--max-iterations,
 * --pattern-budget, --solver-iterations) end the analysis first, so the same inputs give the same
 * numbers on any machine; when the limit fires the result says "stopped by the wall-clock safety limit".
 */
export const CERTIFY_TIME_BUDGET_S = SAFETY_TIME_LIMIT_MS / 1000;
export const OPTIMIZE_TIME_BUDGET_S = SAFETY_TIME_LIMIT_MS / 1000;

/**
 * Never overwrite a user's file unasked; refuse a missing or unwritable folder, a dangling symbolic
 * link or a non-file target. Checked before the work, so a typo in a path wastes no analysis time.
 */
export function refuseOverwrite(flag: string, file: string | undefined, force: boolean): void {
  if (file) checkOutputPath(flag, file, force);
}

/** Load, check, analyze: shared by certify and optimize. */
export async function runAnalysis(
  args: CertifyArgs,
  defaultBudgetS: number,
): Promise<{ outcome: AnalysisOutcome; json: AnalysisJson & { memory: { peakRssMB: number } }; model: CanonicalModel }> {
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
    maxIterations: args.maxIterations,
    solverIterations: args.solverIterations,
    timeBudgetMs: (args.timeBudgetSeconds ?? defaultBudgetS) * 1000,
  });
  const outcome = analyze(model, data!, settings, { loss: args.loss, optimize: args.optimum, reuseCertified: args.command === 'certify' });
  const j = outcome.json;
  j.timings = { read: tRead, ...j.timings };
  j.warnings.unshift(...args.fromConfig, ...warnings);
  for (const line of args.fromConfig) process.stderr.write(`relu-lens: ${line}\n`);
  const json = { ...j, memory: { peakRssMB: process.resourceUsage().maxRSS / 1024 } };
  return { outcome, json, model };
}

export async function runCertify(args: CertifyArgs): Promise<number> {
  refuseOverwrite('--report', args.report, args.force);
  const { json } = await runAnalysis(args, CERTIFY_TIME_BUDGET_S);
  if (args.report) {
    const text = /\.md$/i.test(args.report) ? renderMarkdown(json) : renderHtml(json);
    writeFileAtomic('--report', args.report, text, args.force);
  }
  process.stdout.write(args.json ? JSON.stringify(json) + '\n' : formatHuman(json) + '\n');
  return json.verdict === 'certified' ? 0 : json.verdict === 'not-optimal' ? 10 : 11;
}
