import type { CertificateJson } from '../core/report/json';
import { fmt, pct, VERDICT_TITLE } from '../core/report/numbers';

/** Human output: the verdict first, then the numbers that prove it, then the neurons. */
export function formatHuman(j: CertificateJson): string {
  const L: string[] = [];
  L.push(`${VERDICT_TITLE[j.verdict]}  (tolerance ${fmt(j.tol)} relative)`);
  L.push(`  ${j.summary}`);
  L.push('');
  L.push(`  P_bal (trained, rebalanced)  ${fmt(j.primal, 10)}   (as trained ${fmt(j.primalAsTrained, 10)})`);
  L.push(`  dual bound D (≤ P*)          ${fmt(j.dualBound, 10)}   dual point: ${j.dualPoint}`);
  L.push(`  gap P_bal − D                ${fmt(j.gap)}   relative ${pct(j.relGap)}`);
  L.push(`  P* ∈ [${fmt(j.pstarInterval[0], 10)}, ${fmt(j.pstarInterval[1], 10)}]`);
  L.push(`  β = ${fmt(j.beta)}  (${j.betaDerivation})`);
  L.push(`  implied β = ${fmt(j.impliedBeta)}${j.impliedBetaMismatch ? '  ← differs from β: wrong β, or training had not converged' : ''}`);
  const o = j.oracle;
  L.push(
    `  oracle M: ${o.method}${o.exact ? ', exact' : ', bounds only'}; M ∈ [${fmt(o.lower)}, ${fmt(o.upper)}], rank ${o.rank}, ${o.patterns} patterns`,
  );
  if (j.closedForm) L.push(`  closed form used: ${j.closedForm}`);
  if (j.witness) L.push(`  witness: objective ${fmt(j.witness.objective, 10)} < ${fmt(j.primal, 10)} — ${j.witness.description}`);
  for (const w of j.warnings) L.push(`  warning: ${w}`);
  L.push('');
  L.push('  neuron   ‖ũ‖        ‖v‖        active  dual score');
  for (const n of j.neurons)
    L.push(
      `  ${String(n.index).padStart(6)}   ${fmt(n.inNorm, 4).padEnd(9)}  ${fmt(n.outNorm, 4).padEnd(9)}  ${String(n.active).padStart(6)}  ${n.dead ? 'dead' : fmt(n.dualScore, 4)}`,
    );
  const t = Object.entries(j.timings).map(([k, v]) => `${k} ${Math.round(v)} ms`);
  L.push('', `  timings: ${t.join(', ')}`);
  return L.join('\n');
}
