// The verdict card (MATH.md §3 "Verdict, always with numbers"), where each setting came from, and the
// export buttons.
import type { AnalysisJson } from '../../src/core/analysis/types';
import type { PanelAction, PanelState, SettingProvenance } from '../../src/extension/panelProtocol';
import { el, defs, button, section } from '../dom';
import { fmt, pct, sci, ms, plainVerdict, explainVerdict, betterObjective, VERDICT_LABEL, VERDICT_GLYPH, SOURCE_LABEL } from '../format';
import type { Ctx } from './context';

const AGGREGATE_TIMINGS = new Set(['total', 'certificate']);

export function renderVerdict(r: AnalysisJson): HTMLElement {
  const v = r.verdict;
  const [lo, hi] = r.pstarInterval;
  const explain = explainVerdict(r);
  const better = betterObjective(r);
  const o = r.oracle;
  // 'total' and 'certificate' sum the certificate's own stages: leave them out so nothing counts twice
  const stages = Object.entries(r.timings ?? {}).filter(([k, t]) => !AGGREGATE_TIMINGS.has(k) && Number.isFinite(t));
  const total = stages.reduce((a, [, t]) => a + t, 0);
  const timing = stages.map(([k, t]) => `${k} ${ms(t)}`).join(', ');
  const relVsTol = r.relGap <= r.tol ? '≤' : '>';
  const card = el(
    'section',
    { class: `card verdict-card verdict-${v}`, 'aria-labelledby': 'verdict-title' },
    el(
      'h2',
      { id: 'verdict-title', testid: 'verdict', class: `verdict verdict-${v}` },
      el('span', { class: 'glyph', 'aria-hidden': 'true' }, VERDICT_GLYPH[v] ?? '?'),
      ' ',
      VERDICT_LABEL[v] ?? v,
      v === 'inconclusive' ? ` at ${sci(r.tol)}` : null,
    ),
    el('p', { testid: 'verdict-plain', class: 'plain' }, plainVerdict(r)),
    explain ? el('p', { class: 'explain' }, explain) : null,
    defs([
      ['P(θ)', fmt(r.primalAsTrained), 'objective of the weights as given: what the verdict is about'],
      ['P_bal', fmt(r.primal), 'objective of this network after rebalancing every neuron (‖ũ_j‖ = ‖v_j‖) and dropping dead ones: same predictions; an upper bound on P*'],
      ['dual bound D(Λ)', `${fmt(r.dualBound)} (dual point: ${r.dualPoint})`, 'a certified lower bound on P*'],
      ['gap', fmt(r.gap), 'P(θ) − D(Λ) ≥ P(θ) − P*'],
      ['relative gap', `${pct(r.relGap)} ${relVsTol} tolerance ${sci(r.tol)}`, 'gap / P(θ)'],
      ['P* interval', el('span', { testid: 'pstar-interval' }, `P* ∈ [${fmt(lo)}, ${fmt(hi)}]`), 'best objective of any width: proven lower bound, best network found'],
      better !== null && v !== 'certified' ? ['better network', fmt(better), 'objective recomputed from the better network’s weights'] : null,
      ['β', fmt(r.beta), 'weight-decay strength in P(θ)'],
      ['β from', r.betaDerivation],
      r.impliedBeta !== null
        ? [
            'implied β',
            `${fmt(r.impliedBeta)}${r.impliedBetaMismatch ? ' — does not match β: the declared β is wrong or training did not converge' : ''}`,
            'β at which this network would be stationary: ⟨R, F⟩ / Σ‖ũ_j‖‖v_j‖ (MATH.md §3.8)',
          ]
        : null,
      ['biases', `hidden ${r.hiddenBias}, output ${r.outputBias}`],
      r.loss ? ['loss', `${r.loss.name} (${r.loss.reason})`] : null,
      [
        'oracle',
        `${o.method}, ${o.exact ? 'exact' : 'bounds only'}, ${o.patterns} pattern${o.patterns === 1 ? '' : 's'}${o.rank ? `, rank ${o.rank}` : ''}`,
        'how M(Λ) = max ‖Λᵀ(X̃u)₊‖ over ‖u‖ ≤ 1 was computed',
      ],
      ['model', `${r.model.file} (d = ${r.model.d}, m = ${r.model.m}, c = ${r.model.c}, head ${r.model.head})`],
      ['data', `${r.data.file} (n = ${r.data.n}, labels ${r.data.labels.join(', ')})`],
      ['time', `${ms(total)}${timing ? ` (${timing})` : ''}`],
    ]),
  );
  if (r.warnings?.length)
    card.appendChild(el('ul', { class: 'warnings', 'aria-label': 'warnings' }, r.warnings.map((w) => el('li', null, w))));
  return card;
}

export function renderProvenance(prov: SettingProvenance[] | undefined, r: AnalysisJson | undefined, ctx: Ctx): HTMLElement | null {
  if (!prov?.length && !r) return null;
  const list = el('ul', { class: 'provenance' });
  for (const p of prov ?? [])
    list.appendChild(
      el(
        'li',
        null,
        el('span', { class: 'setting' }, p.name),
        ' = ',
        el('code', null, p.value),
        ' — ',
        el('span', { class: `source source-${p.source}` }, SOURCE_LABEL[p.source] ?? p.source),
        p.detail ? el('span', { class: 'muted' }, ` (${p.detail})`) : null,
      ),
    );
  if (!prov?.length && r) list.appendChild(el('li', null, `β: ${r.betaDerivation}`));
  return section(
    'Where the settings came from',
    'provenance',
    list,
    el('div', { class: 'buttons' }, button('Edit settings file', { testid: 'action-openSettingsFile', secondary: true, onclick: () => ctx.action('openSettingsFile') })),
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
