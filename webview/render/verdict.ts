// The first screen (issue #18 item 1): the verdict sentence, the four facts (P(θ) as given, P*'s
// interval, the gap in percent of P(θ), the next step), then the export toolbar; everything else
// about how the answer was computed (settings and where they came from, the oracle, the dual point,
// timings) sits in one collapsed "How this was computed" section.
import type { AnalysisJson } from '../../src/core/report/analysisJson';
import type { PanelAction, PanelState, SettingProvenance } from '../../src/protocol/panel';
import { el, defs, button, type Child } from '../dom';
import { fmt, int, pct, ms, VERDICT_LABEL, VERDICT_GLYPH, SOURCE_LABEL } from '../format';
import { betterObjective, intervalText, nextStep, objectiveText, verdictSentence, type Answer } from '../answer';
import { dualPointWords, headWords, lossWords, methodWords, oracleWords, stageWords } from '../words';
import { term } from '../glossary';
import { impliedBetaNote } from '../../src/core/certify/impliedBetaText';
import { safetyLimitAdvice } from '../../src/core/report/safetyLimit';
import type { Ctx } from './context';

const AGGREGATE_TIMINGS = new Set(['total', 'certificate']);

/** A small "Copy" button beside a value. */
export function copyButton(ctx: Ctx, text: () => string, what: string): HTMLElement {
  return el('button', { class: 'copy', type: 'button', title: `Copy ${what}`, 'aria-label': `Copy ${what}`, onclick: () => ctx.copy(text(), what) }, 'Copy');
}

function fact(label: Child, value: Child, testid: string, copy?: HTMLElement): HTMLElement[] {
  return [el('dt', null, label), el('dd', { testid }, value, copy ? ' ' : null, copy ?? null)];
}

/**
 * The answer card. `early`: from the verdict block of a running analysis (before its optimum
 * search): the same numbers, the P* interval marked "refining…", and no button into a tab that the
 * final result has not filled yet.
 */
export function renderVerdict(r: Answer, ctx: Ctx, opts: { early?: boolean } = {}): HTMLElement {
  const v = r.verdict;
  const early = opts.early === true;
  const step = nextStep(r);
  const P = objectiveText(r);
  const I = intervalText(r);
  const stepAction =
    step.action && !(early && 'tab' in step.action)
      ? button(step.action.label, {
          testid: 'next-step-action',
          secondary: true,
          onclick: () => {
            const a = step.action!;
            if ('tab' in a) ctx.showTab(a.tab);
            else ctx.action(a.action);
          },
        })
      : null;
  const better = betterObjective(r);
  const improvement = v === 'not-optimal' && better !== null ? (r.primalAsTrained - better) / r.primalAsTrained : null;
  // one unit for every number in this row: percent of P(θ)
  const gapRow =
    improvement !== null
      ? `P(θ) is ${pct(improvement)} above a better network found (tolerance ${pct(r.tol)})`
      : `P(θ) is at most ${pct(r.relGap)} above P* (${r.relGap <= r.tol ? 'within' : 'more than'} the tolerance ${pct(r.tol)})`;
  const facts = el(
    'dl',
    { class: 'facts', testid: 'answer-facts' },
    fact(
      term('P(θ)', 'P(θ) as given'),
      P,
      'objective',
      copyButton(ctx, () => P, 'P(θ)'),
    ),
    fact(
      term('P* interval'),
      el(
        'span',
        null,
        el('span', { testid: 'pstar-interval' }, `P* ∈ ${I}`),
        early ? el('span', { class: 'muted refining-note', testid: 'pstar-refining' }, ' — refining…') : null,
      ),
      'pstar',
      copyButton(ctx, () => `P* ∈ ${I}`, 'the P* interval'),
    ),
    fact(
      term('gap'),
      gapRow,
      'gap',
      copyButton(ctx, () => pct(improvement ?? r.relGap), 'the gap'),
    ),
    fact(
      'Next step',
      el(
        'span',
        null,
        el('strong', null, step.title),
        ' — ',
        step.detail,
        early && v !== 'certified' ? el('span', { class: 'muted' }, ' (the diagnosis follows)') : null,
      ),
      'next-step',
      stepAction ?? undefined,
    ),
  );
  const card = el(
    'section',
    { class: `card verdict-card verdict-${v}`, 'aria-labelledby': 'verdict-title', 'data-early': early ? 'true' : null },
    el(
      'h2',
      { id: 'verdict-title', testid: 'verdict', class: `verdict verdict-${v}` },
      el('span', { class: 'glyph', 'aria-hidden': 'true' }, VERDICT_GLYPH[v] ?? '?'),
      ' ',
      VERDICT_LABEL[v] ?? v,
      v === 'inconclusive' ? ` at tolerance ${pct(r.tol)}` : null,
    ),
    el('p', { testid: 'verdict-plain', class: 'plain' }, verdictSentence(r)),
    facts,
  );
  const limit = safetyLimitAdvice(r.safetyLimit, 'editor');
  const warnings = [...(r.warnings ?? []), ...(limit ? [limit] : [])];
  if (warnings.length)
    card.appendChild(
      el(
        'ul',
        { class: 'warnings', 'aria-label': 'warnings', testid: 'warnings' },
        warnings.map((w) => el('li', null, el('span', { class: 'warn-glyph', 'aria-hidden': 'true' }, '⚠ '), w)),
      ),
    );
  return card;
}

/**
 * Shown under an early verdict until the final result replaces it: the optimal network (and the
 * neuron readings, diagnosis and plots after it) is still being computed.
 */
export function renderRefining(): HTMLElement {
  return el(
    'section',
    { class: 'card refining', testid: 'optimum-refining', role: 'status', 'aria-live': 'polite' },
    el('h2', null, term('optimal network', 'Optimal network'), ' — refining…'),
    el(
      'p',
      { class: 'muted' },
      'The verdict above is the certificate’s; the search for the optimal network can only narrow the P* interval (and may settle an inconclusive verdict). The neuron readings, the diagnosis and the plots follow.',
    ),
  );
}

/** The implied β with its note in the editor's words: a negative value asks to check the data and its preprocessing. */
function impliedBetaWords(implied: number, mismatch: boolean): string {
  const note = impliedBetaNote(implied, mismatch, 'editor');
  return `${fmt(implied)}${note ? ` — ${note}` : ''}`;
}

/** Why the answer is what it is (MATH.md §10), for the details section. */
function explain(r: AnalysisJson): string | null {
  if (r.verdict === 'certified')
    return `A dual point proves that no two-layer ReLU network of any width has an objective below ${fmt(r.dualBound)}; this network’s is ${fmt(r.primalAsTrained)}.`;
  if (r.verdict === 'inconclusive')
    return (
      `"Inconclusive" is an everyday answer: gradient descent rarely gets closer than about 1e-5 (1-D data) to 1e-2 (2-D data) of the optimum, ` +
      `and a dual bound built from the residual shrinks only like the square root of the true gap.` +
      (r.oracle.exact ? '' : ' Here the oracle was only bounded (not computed exactly), which loosens the bound further.')
    );
  const w = betterObjective(r);
  const rel = w === null ? null : (r.primalAsTrained - w) / r.primalAsTrained;
  if (rel !== null && rel < 1e-2) return `"Not optimal by ${pct(rel)}" is an everyday answer: training typically stalls this close to the optimum.`;
  return 'The gap is large: the Diagnosis tab says whether training stopped early or is stuck at a spurious stationary point, and which neuron is missing.';
}

/** Provenance, the numbers behind the verdict, the oracle and the timings: collapsed by default. */
export function renderHowComputed(s: PanelState, ctx: Ctx): HTMLElement | null {
  const r = s.result;
  const prov = s.provenance;
  if (!r && !prov?.length) return null;
  const parts: Child[] = [];
  if (r) {
    const why = explain(r);
    if (why) parts.push(el('p', { class: 'explain' }, why));
    const o = r.oracle;
    const stages = Object.entries(r.timings ?? {}).filter(([k, t]) => !AGGREGATE_TIMINGS.has(k) && Number.isFinite(t));
    const total = stages.reduce((a, [, t]) => a + t, 0);
    parts.push(
      defs(
        [
          [term('P_bal'), fmt(r.primal)],
          [term('dual bound'), `${fmt(r.dualBound)} (from ${dualPointWords(r.dualPoint)})`],
          [term('β'), `${fmt(r.beta)} — ${r.betaDerivation}`],
          r.impliedBeta !== null ? [term('implied β'), impliedBetaWords(r.impliedBeta, r.impliedBetaMismatch)] : null,
          [term('hidden bias'), r.hiddenBias],
          [term('output bias'), r.outputBias],
          ['loss', lossWords(r.loss)],
          [term('oracle'), oracleWords(o)],
          r.optimum ? [term('optimal network'), `${methodWords(r.optimum.method)}; ${int(r.optimum.neurons)} neurons`] : null,
          [
            'model',
            `${r.model.file} (d = ${r.model.d} inputs, m = ${int(r.model.m)} neurons, c = ${r.model.c} output${r.model.c === 1 ? '' : 's'}, ${headWords(r.model.head)})`,
          ],
          ['data', `${r.data.file} (n = ${int(r.data.n)} samples, labels ${r.data.labels.join(', ')})`],
          ['time', `${ms(total)}${stages.length ? ` (${stages.map(([k, t]) => `${stageWords(k)} ${ms(t)}`).join(', ')})` : ''}`],
        ] as ([string | HTMLElement, Child] | null)[],
        'how-numbers',
      ),
    );
  }
  const list = el('ul', { class: 'provenance', testid: 'provenance' });
  for (const p of prov ?? []) list.appendChild(provenanceItem(p));
  if (!prov?.length && r) list.appendChild(el('li', null, `β: ${r.betaDerivation}`));
  parts.push(el('h3', null, 'Where the settings came from'), list);
  parts.push(
    el(
      'div',
      { class: 'buttons' },
      button('Edit settings file', { testid: 'action-openSettingsFile', secondary: true, onclick: () => ctx.action('openSettingsFile') }),
    ),
  );
  return el('details', { class: 'card how', testid: 'how-computed' }, el('summary', null, el('h2', null, 'How this was computed')), ...parts);
}

function provenanceItem(p: SettingProvenance): HTMLElement {
  return el(
    'li',
    null,
    el('span', { class: 'setting' }, p.name),
    ' = ',
    el('code', null, p.value),
    ' — ',
    el('span', { class: `source source-${p.source}` }, SOURCE_LABEL[p.source] ?? p.source),
    p.detail ? el('span', { class: 'muted' }, ` (${p.detail})`) : null,
  );
}

/** Every export PanelAction, with the reason when one does not apply. */
export function renderExports(s: PanelState, ctx: Ctx): HTMLElement {
  const r = s.result;
  const hasOptimum = !!r?.optimum || (!!r?.closedForm && typeof r.closedForm === 'object');
  const hasWitness = !!r?.witness || (!!r?.optimum && r.optimum.label === 'witness');
  const items: [PanelAction, string, boolean, string?][] = [
    ['exportCertificateJson', 'Certificate (JSON)', !!r],
    ['exportReportMarkdown', 'Report (Markdown)', !!r],
    ['exportOptimalOnnx', 'Optimal model (ONNX)', !!r?.optimum, hasOptimum ? undefined : 'no optimum was computed for this result'],
    ['exportWitnessOnnx', 'Better network (ONNX)', hasWitness, 'only when a better network (witness) was found'],
    ['exportWeightsCsv', 'Weights (CSV)', !!r],
    ['exportWeightsNpy', 'Weights (NPY)', !!r],
  ];
  return el(
    'div',
    { class: 'buttons exports', role: 'toolbar', 'aria-label': 'Export' },
    button(s.status === 'running' ? 'Running…' : 'Re-run', {
      testid: 'action-certify',
      disabled: s.status === 'running',
      onclick: () => ctx.action('certify'),
    }),
    items.map(([action, label, ok, why]) =>
      button(label, { testid: `export-${action}`, secondary: true, disabled: !ok, title: ok ? undefined : why, onclick: () => ctx.action(action) }),
    ),
  );
}
