import type { CertificateJson } from '../core/report/json';
import type { AnalysisJson } from '../core/analysis/types';
import { fmt, pct, VERDICT_TITLE } from '../core/report/numbers';

const MAX_LISTED = 40;

function isAnalysis(j: CertificateJson | AnalysisJson): j is AnalysisJson {
  return 'loss' in j;
}

/** The §4–§7 readings in a few lines: optimum, closed form, diagnosis. */
export function formatAnalysis(j: AnalysisJson): string[] {
  const L: string[] = [];
  const o = j.optimum;
  if (o) {
    const what = o.exact ? 'optimal network (P*)' : 'best network found (a WITNESS: optimality over all patterns not proven)';
    L.push(`  ${what}: objective ${fmt(o.value, 10)}, ${o.neurons} neuron(s)`);
    L.push(`    P* ≥ ${fmt(o.lowerBound, 10)} (relative gap ${pct(o.relGap)}), ${o.patterns} activation patterns, ${o.method}`);
    if (j.primalAsTrained > 0) L.push(`    this network is ${pct((j.primalAsTrained - o.value) / j.primalAsTrained)} above it (P(θ) ${fmt(j.primalAsTrained, 10)})`);
  }
  if (j.closedForm) L.push(`  closed form: ${j.closedForm.name} — ${j.closedForm.condition}; P* = ${fmt(j.closedForm.pstar, 10)}`);
  if (j.diagnosis) L.push(`  diagnosis (${j.diagnosis.kind}): ${j.diagnosis.text}`);
  L.push(`  loss: ${j.loss.name} (${j.loss.reason})`);
  return L;
}

/** Human output: the verdict first, then the numbers that prove it, then the neurons. */
export function formatHuman(j: CertificateJson | AnalysisJson, opts: { optimizeFirst?: boolean } = {}): string {
  const L: string[] = [];
  if (opts.optimizeFirst && isAnalysis(j)) L.push('Optimum (MATH.md §4):', ...formatAnalysis(j), '', 'The trained network:');
  L.push(`${VERDICT_TITLE[j.verdict]}  (tolerance ${fmt(j.tol)} relative)`);
  L.push(`  ${j.summary}`);
  L.push('');
  L.push(`  P(θ) (the weights as given)  ${fmt(j.primalAsTrained, 10)}`);
  L.push(`  P_bal (rebalanced, pruned)   ${fmt(j.primal, 10)}`);
  L.push(`  dual bound D (≤ P*)          ${fmt(j.dualBound, 10)}   dual point: ${j.dualPoint}`);
  L.push(`  gap P(θ) − D                 ${fmt(j.gap)}   relative ${pct(j.relGap)}`);
  if (j.gapBalanced !== j.gap) L.push(`  gap P_bal − D                ${fmt(j.gapBalanced)}   relative ${pct(j.relGapBalanced)}`);
  L.push(`  P* ∈ [${fmt(j.pstarInterval[0], 10)}, ${fmt(j.pstarInterval[1], 10)}]`);
  L.push(`  β = ${fmt(j.beta)}  (${j.betaDerivation})`);
  L.push(`  implied β = ${fmt(j.impliedBeta)}${j.impliedBetaMismatch ? '  ← differs from β: wrong β, or training had not converged' : ''}`);
  const o = j.oracle;
  L.push(
    `  oracle M: ${o.method}${o.exact ? ', exact' : ', bounds only'}; M ∈ [${fmt(o.lower)}, ${fmt(o.upper)}], rank ${o.rank}, ${o.patterns} patterns`,
  );
  if (j.closedForm) L.push(`  closed form used: ${typeof j.closedForm === 'string' ? j.closedForm : j.closedForm.name}`);
  if (j.witness)
    L.push(`  witness (${j.witness.kind}): objective ${fmt(j.witness.objective, 10)} < ${fmt(j.primalAsTrained, 10)} — ${j.witness.description}`);
  for (const w of j.warnings) L.push(`  warning: ${w}`);
  if (isAnalysis(j) && !opts.optimizeFirst) L.push('', ...formatAnalysis(j));
  L.push('');
  // Live neurons by weight (largest first, at most MAX_LISTED); dead ones summarised on one line.
  const live = j.neurons.filter((n) => !n.dead).sort((a, b) => b.inNorm * b.outNorm - a.inNorm * a.outNorm);
  const dead = j.neurons.filter((n) => n.dead).map((n) => n.index);
  L.push(`  ${live.length} live neuron(s)${live.length > MAX_LISTED ? `, the ${MAX_LISTED} largest` : ''}:`);
  L.push('  neuron   ‖ũ‖        ‖v‖        active  dual score');
  for (const n of live.slice(0, MAX_LISTED))
    L.push(
      `  ${String(n.index).padStart(6)}   ${fmt(n.inNorm, 4).padEnd(9)}  ${fmt(n.outNorm, 4).padEnd(9)}  ${String(n.active).padStart(6)}  ${fmt(n.dualScore, 4)}`,
    );
  if (dead.length)
    L.push(`  ${dead.length} dead neuron(s) (zero on all data or zero output weight): ${dead.slice(0, 20).join(', ')}${dead.length > 20 ? ', …' : ''}`);
  if (live.length > MAX_LISTED || dead.length > 20) L.push('  (--json lists every neuron)');
  const t = Object.entries(j.timings).map(([k, v]) => `${k} ${Math.round(v)} ms`);
  L.push('', `  timings: ${t.join(', ')}`);
  return L.join('\n');
}
