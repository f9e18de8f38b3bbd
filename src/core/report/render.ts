import type { CertificateJson } from './json';
import type { AnalysisJson } from './analysisJson';
import type { Mat } from '../linalg/mat';
import { fmtIn, fmtInterval, gapVsTolerance, optimumTitle, pctIn, safeLocale, VERDICT_TITLE } from '../format/numbers';
import { contribution, rankedNeurons } from './neurons';
import { torchSnippet } from './torch';
import { impliedBetaNote } from '../certify/impliedBetaText';
import { safetyLimitAdvice } from './safetyLimit';
import { settleStepsText } from './settleSteps';
import { lossOverride } from '../format/lossControl';
import { dataPlot, scoreChart } from './svg/plots';

type ReportJson = CertificateJson | AnalysisJson;

/** Neurons listed in the report's table (by contribution); the full table is the collapsed CSV appendix. */
export const REPORT_TOP_NEURONS = 20;

export interface ReportOptions {
  /** the training data: with it the report draws the data-and-neurons plot (d ≤ 2) */
  data?: { X: Mat; Y: Mat };
  /** BCP 47 tag for numbers and the date (e.g. 'de-DE'); undefined: the CLI's plain digits, no date */
  locale?: string;
  /** when the report was made (printed in the locale); undefined: no date line */
  date?: Date;
}

function isAnalysis(j: ReportJson): j is AnalysisJson {
  return 'loss' in j;
}

/** The number formatters of one report: fmt/pct in its locale, intervals with the digits they need. */
function formatters(locale: string | undefined) {
  const f = (x: number | null | undefined, digits = 6) => fmtIn(locale, x, digits);
  const p = (rel: number) => pctIn(locale, rel);
  const iv = (lo: number, hi: number) => fmtInterval(lo, hi, (x, dg, fixed) => fmtIn(locale, x, dg, fixed));
  return { f, p, iv };
}
type Fmts = ReturnType<typeof formatters>;

/** §4, §5, §7 sections as (title, rows, paragraph) — rendered by both formats, every string escaped there. */
function analysisSections(j: ReportJson, { f, p, iv }: Fmts): { title: string; rows: [string, string][]; text?: string }[] {
  if (!isAnalysis(j)) return [];
  const out: { title: string; rows: [string, string][]; text?: string }[] = [];
  const o = j.optimum;
  if (o)
    out.push({
      title: optimumTitle(o, j.verdict),
      text: o.exact
        ? 'Optimal over all activation patterns, to the gap shown (MATH.md §4).'
        : j.verdict === 'certified'
          ? 'The certificate proves this network within the gap shown of P* (MATH.md §3–§4).'
          : 'A witness: a concrete network whose objective is an upper bound on P*; P* lies in the interval shown.',
      rows: [
        ['objective (recomputed from the weights)', f(o.value, 10)],
        ['P* interval', `${iv(o.lowerBound, o.value)} (gap ${p(o.relGap)})`],
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
        ['condition', `${cf.condition} (tolerance ${f(cf.tolerance)})`],
        ['P* from the formula', f(cf.pstar, 10)],
        ['LaTeX', cf.formula],
        ...Object.entries(cf.values)
          .filter(([, v]) => typeof v === 'number')
          .map(([k, v]) => [k, f(v as number, 10)] as [string, string]),
      ],
    });
  const dg = j.diagnosis;
  if (dg)
    out.push({
      title: 'Why training stopped here',
      text: dg.text,
      rows: [
        ['kind', dg.kind],
        ['P_own (own activation patterns)', f(dg.pOwn, 10)],
        ['training gap P_bal − P_own', f(dg.trainingGap)],
        ['landscape gap P_own − P*', `${f(dg.landscapeGap)} ∈ [${f(dg.landscapeGapInterval[0])}, ${f(dg.landscapeGapInterval[1])}]`],
        ...(dg.missingNeuron
          ? [
              [
                'missing neuron',
                `u = [${dg.missingNeuron.u.map((v) => f(v, 4)).join(', ')}]${dg.missingNeuron.b !== null ? `, b = ${f(dg.missingNeuron.b, 4)}` : ''}, active on ${dg.missingNeuron.activeCount}`,
              ] as [string, string],
            ]
          : []),
      ],
    });
  const override = lossOverride('report', j.loss.source);
  out.push({ title: 'Loss', rows: [['loss', `${j.loss.name} (${j.loss.source})`]], text: `${j.loss.reason}${override ? ` (${override})` : ''}` });
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

function rows(j: ReportJson, { f, p, iv }: Fmts): [string, string][] {
  const o = j.oracle;
  return [
    ['P(θ), the weights as given', f(j.primalAsTrained, 10)],
    ['P_bal (rebalanced, dead neurons dropped)', f(j.primal, 10)],
    ['dual bound D ≤ P*', `${f(j.dualBound, 10)} (dual point: ${j.dualPoint})`],
    ['gap P(θ) − D', `${f(j.gap)} (${p(j.relGap)} of P(θ))`],
    ['P* interval', iv(j.pstarInterval[0], j.pstarInterval[1])],
    ['tolerance', p(j.tol)],
    ['β', `${f(j.beta)} — ${j.betaDerivation}`],
    ['implied β', impliedBetaCell(j, f)],
    ['oracle', `${o.method}, ${o.exact ? 'exact' : 'bounds'}: M ∈ [${f(o.lower)}, ${f(o.upper)}], rank ${o.rank}, ${o.patterns} patterns`],
    ['closed form', (typeof j.closedForm === 'string' ? j.closedForm : j.closedForm?.name) ?? 'none'],
    ['model', `${j.model.file} (d=${j.model.d}, m=${j.model.m}, c=${j.model.c}, head ${j.model.head})`],
    ['data', `${j.data.file} (n=${j.data.n})`],
  ];
}

/** The result's warnings, then the advice its kinds call for, in the report's words (both front ends write reports). */
function reportWarnings(j: ReportJson): string[] {
  const advice = safetyLimitAdvice(j.safetyLimit, 'report');
  return advice ? [...j.warnings, advice] : j.warnings;
}

/** The implied β with the CLI's note (a negative value asks to check the data, not β). */
function impliedBetaCell(j: ReportJson, f: Fmts['f']): string {
  const note = impliedBetaNote(j.impliedBeta, j.impliedBetaMismatch, 'report');
  return `${f(j.impliedBeta)}${note ? ` — ${note}` : ''}`;
}

/** Every neuron as CSV (the appendix): plain digits, machine-readable whatever the locale. */
export function neuronsCsv(j: ReportJson): string {
  const L = ['neuron,in_norm,out_norm,contribution,active,dead,dual_score'];
  for (const n of j.neurons) L.push([n.index, n.inNorm, n.outNorm, contribution(n), n.active, n.dead ? 1 : 0, n.dualScore].join(','));
  return L.join('\n') + '\n';
}

/** Everything both formats show, computed once. */
function parts(j: ReportJson, opts0: ReportOptions) {
  const opts = { ...opts0, locale: safeLocale(opts0.locale) };
  const F = formatters(opts.locale);
  const { live, dead } = rankedNeurons(j.neurons);
  const a = isAnalysis(j) ? j : null;
  const plot = opts.data
    ? dataPlot({ X: opts.data.X, Y: opts.data.Y, trained: a?.network ?? null, optimum: a?.optimum?.network ?? null, ranked: live, f: F.f })
    : null;
  const scores = scoreChart(live, F.f);
  const net = a?.optimum?.network ?? (j.witness ? { W1: j.witness.W1, b1: j.witness.b1, W2: j.witness.W2, b2: j.witness.b2 } : null);
  const label = a?.optimum ? optimumTitle(a.optimum, j.verdict).toLowerCase() : 'witness';
  const torch = net ? torchSnippet(net, { label, head: j.model.head }) : null;
  const date = opts.date ? new Intl.DateTimeFormat(opts.locale, { dateStyle: 'long', timeStyle: 'short' }).format(opts.date) : null;
  const top = live.slice(0, REPORT_TOP_NEURONS);
  const neuronTitle = `Top ${top.length} of ${live.length} live neurons by contribution ‖ũ_j‖‖v_j‖ (${dead.length} dead)`;
  const neuronRows = top.map((n) => [String(n.index), F.f(contribution(n), 4), F.f(n.inNorm, 4), F.f(n.outNorm, 4), String(n.active), F.f(n.dualScore, 4)]);
  // what would settle an inconclusive verdict, with the CLI's flag and the editor's setting (a kind in core)
  const settle = settleStepsText(j.inconclusiveReason, 'report');
  const summary = settle ? `${j.summary} ${settle}` : j.summary;
  return { F, plot, scores, torch, date, neuronTitle, neuronRows, summary, head: `${VERDICT_TITLE[j.verdict]} (${gapVsTolerance(j)})` };
}

const NEURON_HEAD = ['neuron', '‖ũ‖‖v‖', '‖ũ‖', '‖v‖', 'active', 'dual score'];

export function renderMarkdown(j: ReportJson, opts: ReportOptions = {}): string {
  const P = parts(j, opts);
  const L = [`# ReLU Lens certificate: ${mdCell(P.head)}`, '', mdCell(P.summary), ''];
  if (P.date) L.push(`Generated ${mdCell(P.date)}.`, '');
  L.push('| quantity | value |', '|---|---|');
  for (const [k, v] of rows(j, P.F)) L.push(`| ${mdCell(k)} | ${mdCell(v)} |`);
  for (const sec of analysisSections(j, P.F)) {
    L.push('', `## ${mdCell(sec.title)}`, '');
    if (sec.text) L.push(mdCell(sec.text), '');
    L.push('| quantity | value |', '|---|---|', ...sec.rows.map(([k, v]) => `| ${mdCell(k)} | ${mdCell(v)} |`));
  }
  if (P.plot) L.push('', '## The data and the top neurons', '', P.plot);
  if (P.scores) L.push('', '## Dual scores', '', P.scores);
  if (j.witness) L.push('', `## Witness`, '', mdCell(`${j.witness.kind}: objective ${P.F.f(j.witness.objective, 10)}: ${j.witness.description}`));
  if (P.torch)
    L.push(
      '',
      '## PyTorch',
      '',
      '<details><summary>Load these weights into nn.Sequential</summary>',
      '',
      '```python',
      P.torch.trimEnd(),
      '```',
      '',
      '</details>',
    );
  const warnings = reportWarnings(j);
  if (warnings.length) L.push('', '## Warnings', '', ...warnings.map((w) => `- ${mdCell(w)}`));
  L.push('', `## ${mdCell(P.neuronTitle)}`, '', `| ${NEURON_HEAD.join(' | ')} |`, `|${NEURON_HEAD.map(() => '---').join('|')}|`);
  for (const r of P.neuronRows) L.push(`| ${r.join(' | ')} |`);
  L.push('', `<details><summary>All ${j.neurons.length} neurons (CSV)</summary>`, '', '```csv', neuronsCsv(j).trimEnd(), '```', '', '</details>');
  L.push('', '<details><summary>Tolerances</summary>', '', '| name | value | meaning |', '|---|---|---|');
  for (const [k, t] of Object.entries(j.tolerances)) L.push(`| ${mdCell(k)} | ${P.F.f(t.value)} | ${mdCell(t.meaning)} |`);
  L.push('', '</details>');
  return L.join('\n') + '\n';
}

export function renderHtml(j: ReportJson, opts: ReportOptions = {}): string {
  const e = escapeHtml;
  const P = parts(j, opts);
  const tr = (cells: string[], tag = 'td') => `<tr>${cells.map((c) => `<${tag}>${e(c)}</${tag}>`).join('')}</tr>`;
  const color = j.verdict === 'certified' ? '#1a7f37' : j.verdict === 'not-optimal' ? '#cf222e' : '#9a6700';
  const details = (summary: string, body: string) => `<details><summary>${e(summary)}</summary>${body}</details>`;
  const lang = e(safeLocale(opts.locale) ?? 'en');
  return `<!doctype html>
<html lang="${lang}"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>ReLU Lens certificate</title>
<style>body{font:14px system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}
table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #8884;padding:.25rem .6rem;text-align:left}
.verdict{font-size:1.4rem;font-weight:600;color:${color}}pre{white-space:pre-wrap;word-break:break-all;max-height:30rem;overflow:auto}
svg{max-width:100%;height:auto;display:block;margin:1rem 0}details{margin:.6rem 0}summary{cursor:pointer;font-weight:600}</style></head>
<body><h1>ReLU Lens certificate</h1>
<p class="verdict">${e(P.head)}</p><p>${e(P.summary)}</p>${P.date ? `<p>Generated ${e(P.date)}.</p>` : ''}
<table>${rows(j, P.F)
    .map(([k, v]) => tr([k, v]))
    .join('')}</table>
${analysisSections(j, P.F)
  .map((sec) => `<h2>${e(sec.title)}</h2>${sec.text ? `<p>${e(sec.text)}</p>` : ''}<table>${sec.rows.map(([k, v]) => tr([k, v])).join('')}</table>`)
  .join('\n')}
${P.plot ? `<h2>The data and the top neurons</h2>${P.plot}` : ''}
${P.scores ? `<h2>Dual scores</h2>${P.scores}` : ''}
${j.witness ? `<h2>Witness</h2><p>${e(`objective ${P.F.f(j.witness.objective, 10)}: ${j.witness.description}`)}</p>` : ''}
${P.torch ? `<h2>PyTorch</h2>${details('Load these weights into nn.Sequential', `<pre>${e(P.torch)}</pre>`)}` : ''}
${
  reportWarnings(j).length
    ? `<h2>Warnings</h2><ul>${reportWarnings(j)
        .map((w) => `<li>${e(w)}</li>`)
        .join('')}</ul>`
    : ''
}
<h2>${e(P.neuronTitle)}</h2><table>${tr(NEURON_HEAD, 'th')}${P.neuronRows.map((r) => tr(r)).join('')}</table>
${details(`All ${j.neurons.length} neurons (CSV)`, `<pre>${e(neuronsCsv(j))}</pre>`)}
${details(
  'Tolerances',
  `<table>${tr(['name', 'value', 'meaning'], 'th')}${Object.entries(j.tolerances)
    .map(([k, t]) => tr([k, P.F.f(t.value), t.meaning]))
    .join('')}</table>`,
)}
</body></html>
`;
}
