import { loadAndCheck } from './inspect';
import { SAFETY_TIME_LIMIT_MS } from '../core/config/options';
import { analysisPlan, analyze, type AnalysisOutcome } from '../core/analysis';
import type { CertificateJson } from '../core/report/json';
import type { Dataset } from '../core/data';
import type { AnalysisJson } from '../core/report/analysisJson';
import type { CanonicalModel } from '../core/model';
import { renderMarkdown, renderHtml } from '../core/report/render';
import { formatHuman, formatVerdict } from './format';
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
  onVerdict?: (verdict: CertificateJson) => void,
): Promise<{ outcome: AnalysisOutcome; json: AnalysisJson & { memory: { peakRssMB: number } }; model: CanonicalModel; data: Dataset }> {
  const t0 = performance.now();
  // the settings are resolved by the shared load pipeline, as in the extension's worker
  const { model, data, warnings, settings } = await loadAndCheck(args, {
    beta: args.beta,
    weightDecay: args.weightDecay,
    sklearnAlpha: args.sklearnAlpha,
    reduction: args.reduction,
    optimizer: args.optimizer,
    hiddenBias: args.hiddenBias,
    outputBias: args.outputBias,
    tol: args.tol,
    patternBudget: args.patternBudget,
    nodeBudget: args.nodeBudget,
    maxIterations: args.maxIterations,
    solverIterations: args.solverIterations,
    huberDelta: args.huberDelta,
    timeBudgetMs: (args.timeBudgetSeconds ?? defaultBudgetS) * 1000,
    optimumIterations: args.optimumIterations,
  });
  const tRead = performance.now() - t0;
  for (const line of args.fromConfig) process.stderr.write(`relu-lens: ${line}\n`);
  // progress of the optimum search after the verdict, on a terminal only (pipes and CI logs stay clean)
  const tty = onVerdict !== undefined && process.stderr.isTTY === true;
  if (tty)
    settings!.onStage = (stage, detail) => {
      if (stage === 'column-generation' && detail?.startsWith('optimum')) process.stderr.write(`\rrelu-lens: ${detail}   `);
    };
  // the same plan as the panel's (analysisPlan), so both show the same numbers; the per-neuron
  // readings and the training geometry are shown by --json only (not by the text or --report): not computed for the others
  const outcome = await analyze(model, data!, settings!, {
    ...analysisPlan(args.command === 'optimize' ? 'optimize' : 'certify', { loss: args.loss, optimum: args.optimum }),
    ...(args.json ? {} : { readings: false, geometry: false }),
    onVerdict,
  });
  if (tty) process.stderr.write('\n');
  const j = outcome.json;
  j.timings = { read: tRead, ...j.timings };
  j.warnings.unshift(...args.fromConfig, ...warnings);
  const json = { ...j, memory: { peakRssMB: process.resourceUsage().maxRSS / 1024 } };
  return { outcome, json, model, data: data! };
}

export async function runCertify(args: CertifyArgs): Promise<number> {
  refuseOverwrite('--report', args.report, args.force);
  // the verdict goes out as soon as the certificate has it; the optimum search follows within its
  // work budget (--optimum-iterations; --no-optimum skips it) and only a refinement is printed again
  let printed: CertificateJson | undefined;
  const onVerdict = args.json
    ? undefined
    : (v: CertificateJson) => {
        printed = v;
        process.stdout.write(formatVerdict(v).join('\n') + '\n');
        if (args.optimum && process.stderr.isTTY) process.stderr.write('relu-lens: searching for the optimal network (--no-optimum skips this)…\n');
      };
  const { json, data } = await runAnalysis(args, CERTIFY_TIME_BUDGET_S, onVerdict);
  if (args.report) writeReport(args.report, json, data, args.force);
  process.stdout.write(args.json ? JSON.stringify(json) + '\n' : formatHuman(json, { printed }) + '\n');
  return json.verdict === 'certified' ? 0 : json.verdict === 'not-optimal' ? 10 : 11;
}

/** --report FILE.html|FILE.md: plots from the data, dates and numbers in the user's locale (Intl's default). */
export function writeReport(file: string, json: AnalysisJson, data: Dataset, force: boolean): void {
  const opts = { data: { X: data.X, Y: data.Y }, locale: Intl.DateTimeFormat().resolvedOptions().locale, date: new Date() };
  writeFileAtomic('--report', file, /\.md$/i.test(file) ? renderMarkdown(json, opts) : renderHtml(json, opts), force);
}
