import type { CertificateJson } from '../core/report/json';
import type { AnalysisJson } from '../core/report/analysisJson';
import { fmt, fmtInterval, gapVsTolerance, optimumTitle, pct, VERDICT_TITLE } from '../core/format/numbers';
import { rankedNeurons } from '../core/report/neurons';
import { impliedBetaNote } from '../core/certify/impliedBetaText';
import { safetyLimitAdvice } from '../core/report/safetyLimit';
import { settleStepsText } from '../core/report/settleSteps';
import { lossOverride } from '../core/format/lossControl';

const MAX_LISTED = 40;

function isAnalysis(j: CertificateJson | AnalysisJson): j is AnalysisJson {
  return 'loss' in j;
}

type VerdictFields = Pick<
  CertificateJson,
  | 'verdict'
  | 'summary'
  | 'tol'
  | 'relGap'
  | 'primalAsTrained'
  | 'primal'
  | 'dualBound'
  | 'dualPoint'
  | 'gap'
  | 'gapBalanced'
  | 'relGapBalanced'
  | 'pstarInterval'
  | 'inconclusiveReason'
>;

/** The verdict and the numbers that prove it: what `certify` prints as soon as the certificate is done. */
export function formatVerdict(j: VerdictFields): string[] {
  const L: string[] = [];
  L.push(`${VERDICT_TITLE[j.verdict]}  (${gapVsTolerance(j)})`);
  // what would settle an inconclusive verdict, with the flag to change (core gives it as a kind)
  const settle = settleStepsText(j.inconclusiveReason, 'cli');
  L.push(`  ${j.summary}${settle ? ` ${settle}` : ''}`);
  L.push('');
  L.push(`  P(θ) (the weights as given)  ${fmt(j.primalAsTrained, 10)}`);
  L.push(`  P_bal (rebalanced, pruned)   ${fmt(j.primal, 10)}`);
  L.push(`  dual bound D (≤ P*)          ${fmt(j.dualBound, 10)}   dual point: ${j.dualPoint}`);
  L.push(`  gap P(θ) − D                 ${fmt(j.gap)}   ${pct(j.relGap)}`);
  if (j.gapBalanced !== j.gap) L.push(`  gap P_bal − D                ${fmt(j.gapBalanced)}   ${pct(j.relGapBalanced)}`);
  L.push(`  P* ∈ ${fmtInterval(j.pstarInterval[0], j.pstarInterval[1])}`);
  return L;
}

/** The §4–§7 readings in a few lines: optimum, closed form, diagnosis. */
export function formatAnalysis(j: AnalysisJson): string[] {
  const L: string[] = [];
  const o = j.optimum;
  if (o) {
    L.push(`  ${optimumTitle(o, j.verdict)}: objective ${fmt(o.value, 10)}, ${o.neurons} neuron(s)`);
    L.push(`    P* ∈ ${fmtInterval(o.lowerBound, o.value)} (gap ${pct(o.relGap)}), ${o.patterns} activation patterns, ${o.method}`);
    // not proven: the search's stop says which bound is loose and what would close it (the node budget is --node-budget)
    if (!o.exact && o.stopReason) L.push(`    stopped: ${o.stopReason}`);
    const settle = o.exact ? null : settleStepsText(o, 'cli');
    if (settle) L.push(`    ${settle}`);
    if (j.primalAsTrained > 0)
      L.push(`    this network is ${pct((j.primalAsTrained - o.value) / j.primalAsTrained)} above it (P(θ) ${fmt(j.primalAsTrained, 10)})`);
  }
  if (j.closedForm) L.push(`  closed form: ${j.closedForm.name} — ${j.closedForm.condition}; P* = ${fmt(j.closedForm.pstar, 10)}`);
  if (j.diagnosis) L.push(`  diagnosis (${j.diagnosis.kind}): ${j.diagnosis.text}`);
  const override = lossOverride('cli', j.loss.source);
  L.push(`  loss: ${j.loss.name} (${j.loss.reason}${override ? `; ${override}` : ''})`);
  return L;
}

/** The verdict block changed after it was printed (the optimum's bound or network refined it). */
export function verdictChanged(early: VerdictFields, final: VerdictFields): boolean {
  return formatVerdict(early).join('\n') !== formatVerdict(final).join('\n');
}

/**
 * Human output: the verdict first, then the numbers that prove it, then the neurons.
 * `printed`: the verdict block already printed (certify prints it as soon as it is known); it is
 * repeated only when the optimum search refined it.
 */
export function formatHuman(j: CertificateJson | AnalysisJson, opts: { optimizeFirst?: boolean; printed?: CertificateJson } = {}): string {
  const L: string[] = [];
  if (opts.optimizeFirst && isAnalysis(j)) L.push('Optimum (MATH.md §4):', ...formatAnalysis(j), '', 'The trained network:');
  if (!opts.printed) L.push(...formatVerdict(j));
  else if (verdictChanged(opts.printed, j)) L.push('', 'Refined by the optimum search:', ...formatVerdict(j));
  L.push(`  β = ${fmt(j.beta)}  (${j.betaDerivation})`);
  const note = impliedBetaNote(j.impliedBeta, j.impliedBetaMismatch, 'cli');
  L.push(`  implied β = ${fmt(j.impliedBeta)}${note ? `  ← ${note}` : ''}`);
  const o = j.oracle;
  L.push(`  oracle M: ${o.method}${o.exact ? ', exact' : ', bounds only'}; M ∈ [${fmt(o.lower)}, ${fmt(o.upper)}], rank ${o.rank}, ${o.patterns} patterns`);
  if (j.closedForm) L.push(`  closed form used: ${typeof j.closedForm === 'string' ? j.closedForm : j.closedForm.name}`);
  if (j.witness) L.push(`  witness (${j.witness.kind}): objective ${fmt(j.witness.objective, 10)} < ${fmt(j.primalAsTrained, 10)} — ${j.witness.description}`);
  for (const w of j.warnings) L.push(`  warning: ${w}`);
  const limit = safetyLimitAdvice(j.safetyLimit, 'cli');
  if (limit) L.push(`  warning: ${limit}`);
  if (isAnalysis(j) && !opts.optimizeFirst) L.push('', ...formatAnalysis(j));
  L.push('');
  // Live neurons by contribution ‖ũ_j‖‖v_j‖ (largest first, at most MAX_LISTED); dead ones on one line.
  const { live, dead } = rankedNeurons(j.neurons);
  L.push(`  ${live.length} live neuron(s)${live.length > MAX_LISTED ? `, the ${MAX_LISTED} largest` : ''}:`);
  L.push('  neuron   ‖ũ‖        ‖v‖        active  dual score');
  for (const n of live.slice(0, MAX_LISTED))
    L.push(
      `  ${String(n.index).padStart(6)}   ${fmt(n.inNorm, 4).padEnd(9)}  ${fmt(n.outNorm, 4).padEnd(9)}  ${String(n.active).padStart(6)}  ${fmt(n.dualScore, 4)}`,
    );
  if (dead.length)
    L.push(
      `  ${dead.length} dead neuron(s) (zero on all data or zero output weight): ${dead
        .slice(0, 20)
        .map((n) => n.index)
        .join(', ')}${dead.length > 20 ? ', …' : ''}`,
    );
  if (live.length > MAX_LISTED || dead.length > 20) L.push('  (--json lists every neuron)');
  const t = Object.entries(j.timings).map(([k, v]) => `${k} ${Math.round(v)} ms`);
  L.push('', `  timings: ${t.join(', ')}`);
  return L.join('\n');
}
