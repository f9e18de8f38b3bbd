import type { CertificateJson } from './json';
import type { AnalysisJson } from '../analysis/types';
import { fmt, pct, VERDICT_TITLE } from './numbers';

type ReportJson = CertificateJson | AnalysisJson;

function isAnalysis(j: ReportJson): j is AnalysisJson {
  return 'loss' in j;
}

/** §4, §5, §7 sections as (title, rows, paragraph) — rendered by both formats, every string escaped there. */
function analysisSections(j: ReportJson): { title: string; rows: [string, string][]; text?: string }[] {
  if (!isAnalysis(j)) return [];
  const out: { title: string; rows: [string, string][]; text?: string }[] = [];
  const o = j.optimum;
  if (o)
    out.push({
      title: o.exact ? 'Optimal network' : 'Best network found (witness)',
      text: o.exact
        ? 'Optimal over all activation patterns, to the relative gap shown (MATH.md §4).'
        : 'Optimality over all activation patterns is NOT proven: this network is a witness, an upper bound on P*.',
      rows: [
        ['objective (recomputed from the weights)', fmt(o.value, 10)],
        ['P* lower bound', `${fmt(o.lowerBound, 10)} (relative gap ${pct(o.relGap)})`],
        ['neurons', String(o.neurons)],
        ['activation patterns', String(o.patterns)],
        ['method', o.method],
      ],
    });
  const cf = j.closedForm;
  if (cf)
    out.push({
      title: `Closed form: ${cf.name}`,
      text: cf.formulaText,
      rows: [
        ['condition', `${cf.condition} (tolerance ${fmt(cf.tolerance)})`],
        ['P* from the formula', fmt(cf.pstar, 10)],
        ['LaTeX', cf.formula],
        ...Object.entries(cf.values)
          .filter(([, v]) => typeof v === 'number')
          .map(([k, v]) => [k, fmt(v as number, 10)] as [string, string]),
      ],
    });
  const dg = j.diagnosis;
  if (dg)
    out.push({
      title: 'Why training stopped here',
      text: dg.text,
      rows: [
        ['kind', dg.kind],
        ['P_own (own activation patterns)', fmt(dg.pOwn, 10)],
        ['training gap P_bal − P_own', fmt(dg.trainingGap)],
        ['landscape gap P_own − P*', `${fmt(dg.landscapeGap)} ∈ [${fmt(dg.landscapeGapInterval[0])}, ${fmt(dg.landscapeGapInterval[1])}]`],
        ...(dg.missingNeuron
          ? [['missing neuron', `u = [${dg.missingNeuron.u.map((v) => fmt(v, 4)).join(', ')}]${dg.missingNeuron.b !== null ? `, b = ${fmt(dg.missingNeuron.b, 4)}` : ''}, active on ${dg.missingNeuron.activeCount}`] as [string, string]]
          : []),
      ],
    });
  out.push({ title: 'Loss', rows: [['loss', `${j.loss.name} (${j.loss.source})`]], text: j.loss.reason });
  return out;
}

/** Escape for HTML text and attribute context: model and data files are untrusted input. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"'`]/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** Markdown tables must not let a cell break out of its row. */
function mdCell(s: string): string {
  return s.replace(/[|\\`*_[\]<>]/g, (ch) => `\\${ch}`).replace(/\r?\n/g, ' ');
}

function rows(j: ReportJson): [string, string][] {
  const o = j.oracle;
  return [
    ['P(θ), the weights as given', fmt(j.primalAsTrained, 10)],
    ['P_bal (rebalanced, dead neurons dropped)', fmt(j.primal, 10)],
    ['dual bound D ≤ P*', `${fmt(j.dualBound, 10)} (dual point: ${j.dualPoint})`],
    ['gap P(θ) − D', `${fmt(j.gap)} (relative ${pct(j.relGap)})`],
    ['P* interval', `[${fmt(j.pstarInterval[0], 10)}, ${fmt(j.pstarInterval[1], 10)}]`],
    ['tolerance', `${fmt(j.tol)} relative`],
    ['β', `${fmt(j.beta)} — ${j.betaDerivation}`],
    ['implied β', `${fmt(j.impliedBeta)}${j.impliedBetaMismatch ? ' (mismatch)' : ''}`],
    ['oracle', `${o.method}, ${o.exact ? 'exact' : 'bounds'}: M ∈ [${fmt(o.lower)}, ${fmt(o.upper)}], rank ${o.rank}, ${o.patterns} patterns`],
    ['closed form', (typeof j.closedForm === 'string' ? j.closedForm : j.closedForm?.name) ?? 'none'],
    ['model', `${j.model.file} (d=${j.model.d}, m=${j.model.m}, c=${j.model.c}, head ${j.model.head})`],
    ['data', `${j.data.file} (n=${j.data.n})`],
  ];
}

export function renderMarkdown(j: ReportJson): string {
  const L = [`# ReLU Lens certificate: ${VERDICT_TITLE[j.verdict]}`, '', mdCell(j.summary), '', '| quantity | value |', '|---|---|'];
  for (const [k, v] of rows(j)) L.push(`| ${mdCell(k)} | ${mdCell(v)} |`);
  if (j.witness) L.push('', `## Witness`, '', mdCell(`${j.witness.kind}: objective ${fmt(j.witness.objective, 10)}: ${j.witness.description}`), '', '```json', JSON.stringify({ W1: j.witness.W1, b1: j.witness.b1, W2: j.witness.W2, b2: j.witness.b2 }), '```');
  for (const sec of analysisSections(j)) {
    L.push('', `## ${mdCell(sec.title)}`, '');
    if (sec.text) L.push(mdCell(sec.text), '');
    L.push('| quantity | value |', '|---|---|', ...sec.rows.map(([k, v]) => `| ${mdCell(k)} | ${mdCell(v)} |`));
  }
  if (j.warnings.length) L.push('', '## Warnings', '', ...j.warnings.map((w) => `- ${mdCell(w)}`));
  L.push('', '## Neurons', '', '| neuron | ‖ũ‖ | ‖v‖ | active | dead | dual score |', '|---|---|---|---|---|---|');
  for (const n of j.neurons) L.push(`| ${n.index} | ${fmt(n.inNorm, 4)} | ${fmt(n.outNorm, 4)} | ${n.active} | ${n.dead ? 'yes' : ''} | ${fmt(n.dualScore, 4)} |`);
  L.push('', '## Tolerances', '', '| name | value | meaning |', '|---|---|---|');
  for (const [k, t] of Object.entries(j.tolerances)) L.push(`| ${mdCell(k)} | ${fmt(t.value)} | ${mdCell(t.meaning)} |`);
  return L.join('\n') + '\n';
}

export function renderHtml(j: ReportJson): string {
  const e = escapeHtml;
  const tr = (cells: string[], tag = 'td') => `<tr>${cells.map((c) => `<${tag}>${e(c)}</${tag}>`).join('')}</tr>`;
  const color = j.verdict === 'certified' ? '#1a7f37' : j.verdict === 'not-optimal' ? '#cf222e' : '#9a6700';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>ReLU Lens certificate</title>
<style>body{font:14px system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}
table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #8884;padding:.25rem .6rem;text-align:left}
.verdict{font-size:1.4rem;font-weight:600;color:${color}}pre{white-space:pre-wrap;word-break:break-all}</style></head>
<body><h1>ReLU Lens certificate</h1>
<p class="verdict">${e(VERDICT_TITLE[j.verdict])}</p><p>${e(j.summary)}</p>
<table>${rows(j).map(([k, v]) => tr([k, v])).join('')}</table>
${j.witness ? `<h2>Witness</h2><p>${e(`objective ${fmt(j.witness.objective, 10)}: ${j.witness.description}`)}</p><pre>${e(JSON.stringify({ W1: j.witness.W1, b1: j.witness.b1, W2: j.witness.W2, b2: j.witness.b2 }))}</pre>` : ''}
${analysisSections(j)
  .map((sec) => `<h2>${e(sec.title)}</h2>${sec.text ? `<p>${e(sec.text)}</p>` : ''}<table>${sec.rows.map(([k, v]) => tr([k, v])).join('')}</table>`)
  .join('\n')}
${j.warnings.length ? `<h2>Warnings</h2><ul>${j.warnings.map((w) => `<li>${e(w)}</li>`).join('')}</ul>` : ''}
<h2>Neurons</h2><table>${tr(['neuron', '‖ũ‖', '‖v‖', 'active', 'dead', 'dual score'], 'th')}${j.neurons
    .map((n) => tr([String(n.index), fmt(n.inNorm, 4), fmt(n.outNorm, 4), String(n.active), n.dead ? 'yes' : '', fmt(n.dualScore, 4)]))
    .join('')}</table>
<h2>Tolerances</h2><table>${tr(['name', 'value', 'meaning'], 'th')}${Object.entries(j.tolerances)
    .map(([k, t]) => tr([k, fmt(t.value), t.meaning]))
    .join('')}</table>
</body></html>
`;
}
