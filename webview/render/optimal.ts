// Optimal weights (MATH.md §4–§5): the closed form typeset with KaTeX when one applied, else the
// §4 optimum or witness network, side by side with the trained one; and the certificate's witness.
import katex from 'katex';
import type { AnalysisJson, ClosedFormJson, NetworkJson, NeuronInterpretationJson } from '../../src/core/report/analysisJson';
import { el, defs, section, type Child } from '../dom';
import { fmt, pct, sci, vec } from '../format';
import { methodWords } from '../words';
import { contribution } from '../contribution';

/** Per-network numbers for the comparison table. */
function stats(net: NetworkJson) {
  let live = 0,
    penalty = 0;
  for (let j = 0; j < net.W1.length; j++) {
    const c = contribution(net, j);
    if (c > 0) live++;
    penalty += c;
  }
  return { live, penalty };
}

/**
 * KaTeX builds DOM nodes itself (katex.render: no HTML string is parsed, styles are set through
 * CSSOM so the strict CSP holds); formulas come from the engine, trust:false forbids \href & co.
 */
export function typeset(tex: string, display = true): HTMLElement {
  const span = el('span', { class: display ? 'math display' : 'math' });
  katex.render(tex, span, { throwOnError: false, trust: false, displayMode: display, output: 'htmlAndMathml', strict: 'ignore' });
  return span;
}

/** The engine's descriptions are sentence fragments; end them cleanly. */
function sentence(s: string): string {
  const t = s.trim();
  return /[.!?)]$/.test(t) ? t : `${t}.`;
}

function valueText(v: number | number[]): string {
  return Array.isArray(v) ? vec(v, 8) : fmt(v);
}

export function renderClosedForm(cf: ClosedFormJson): HTMLElement {
  return el(
    'div',
    { class: 'closed-form', testid: 'closed-form' },
    el('h3', null, `Closed form: ${cf.name}`),
    typeset(cf.formula),
    el('p', { class: 'sr-text' }, cf.formulaText),
    defs([
      ['condition', cf.condition, 'the data property that makes this formula exact, as detected'],
      ['tolerance', sci(cf.tolerance)],
      ['P* (formula)', fmt(cf.pstar)],
      ...Object.entries(cf.values).map(([k, v]) => [k, valueText(v)] as [string, Child]),
    ]),
  );
}

function networkTable(net: NetworkJson, max = 24): HTMLElement {
  // heaviest first (‖ũ_j‖‖v_j‖): with hundreds of neurons the ones that matter are the ones shown
  const live = net.W1.map((_, j) => j)
    .filter((j) => Math.hypot(...net.W1[j]) > 0 || (net.b1?.[j] ?? 0) !== 0)
    .sort((a, b) => contribution(net, b) - contribution(net, a) || a - b);
  const rows = live.slice(0, max);
  return el(
    'div',
    { class: 'table-scroll short' },
    el(
      'table',
      { class: 'compact' },
      el(
        'thead',
        null,
        el(
          'tr',
          null,
          ['j', 'u_j', 'b_j', 'v_j'].map((h) => el('th', { scope: 'col' }, h)),
        ),
      ),
      el(
        'tbody',
        null,
        rows.map((j) =>
          el(
            'tr',
            null,
            el('td', null, String(j)),
            el('td', null, vec(net.W1[j], 4)),
            el('td', null, net.b1 ? fmt(net.b1[j], 5) : '—'),
            el(
              'td',
              null,
              vec(
                net.W2.map((r) => r[j]),
                3,
              ),
            ),
          ),
        ),
      ),
    ),
    live.length > max ? el('p', { class: 'muted' }, `… ${live.length - max} more neurons (export the network to see all).`) : null,
  );
}

/** MATH.md §6 for the optimum's neurons: each should be an extreme point; which trained neuron matches it. */
function optimalReadings(ns: NeuronInterpretationJson[]): HTMLElement {
  const head = ['j', '|S_j|', 'dual score', 'alignment', 'extreme pt', 'trained match'];
  return el(
    'div',
    null,
    el('h4', null, `Readings of the ${ns.length} optimal neuron${ns.length === 1 ? '' : 's'}`),
    el(
      'div',
      { class: 'table-scroll short' },
      el(
        'table',
        { class: 'compact' },
        el(
          'thead',
          null,
          el(
            'tr',
            null,
            head.map((h) => el('th', { scope: 'col' }, h)),
          ),
        ),
        el(
          'tbody',
          null,
          ns.map((n) =>
            el(
              'tr',
              null,
              el('td', null, String(n.index)),
              el('td', null, String(n.activeCount)),
              el('td', null, fmt(n.dualScore, 4)),
              el('td', null, n.alignment === null ? '—' : fmt(n.alignment, 4)),
              el('td', null, n.extremePoint ? '✓ yes' : 'no'),
              el(
                'td',
                null,
                n.match === null ? 'none (missing in the trained network)' : `${n.match}${n.matchCosine !== null ? ` (cos ${fmt(n.matchCosine, 3)})` : ''}`,
              ),
            ),
          ),
        ),
      ),
    ),
  );
}

function sideBySide(r: AnalysisJson, other: NetworkJson, label: string, value: number): HTMLElement {
  const t = r.network ? stats(r.network) : null;
  const o = stats(other);
  const row = (name: string, a: string, b: string) => el('tr', null, el('th', { scope: 'row' }, name), el('td', null, a), el('td', null, b));
  return el(
    'table',
    { class: 'compact side-by-side' },
    el('thead', null, el('tr', null, el('th', null, ''), el('th', { scope: 'col' }, 'trained'), el('th', { scope: 'col' }, label))),
    el(
      'tbody',
      null,
      // live = the certificate's one rule (active on some sample, nonzero output weight), as the CLI counts
      row('neurons (live)', String(r.neurons.filter((n) => !n.dead).length), other === r.optimum?.network ? String(r.optimum.neurons) : String(o.live)),
      row('width m', String(r.model.m), String(other.W1.length)),
      row('Σ ‖ũ_j‖‖v_j‖', t ? fmt(t.penalty) : '—', fmt(o.penalty)),
      row('objective P', fmt(r.primalAsTrained), fmt(value)),
    ),
  );
}

export function renderOptimal(r: AnalysisJson): HTMLElement {
  const parts: HTMLElement[] = [];
  const cf = r.closedForm;
  if (cf && typeof cf === 'object') parts.push(renderClosedForm(cf));
  else if (typeof cf === 'string') parts.push(el('p', { testid: 'closed-form' }, `Closed form detected: ${cf}.`));
  const opt = r.optimum;
  const certified = r.verdict === 'certified';
  if (opt) {
    parts.push(
      el(
        'div',
        { class: 'optimum', testid: opt.label === 'witness' ? 'witness' : 'optimum' },
        el(
          'h3',
          null,
          opt.label === 'optimum'
            ? 'The optimum'
            : certified
              ? 'An optimal network (certified to the tolerance)'
              : 'A witness (better network; sampled patterns)',
        ),
        el(
          'p',
          null,
          opt.exact
            ? `${opt.patterns > 0 ? `Over all ${opt.patterns} activation patterns the` : 'The'} convex program (MATH.md §4) gives P* = ${fmt(opt.value)} with ${opt.neurons} neuron${opt.neurons === 1 ? '' : 's'} (relative gap to its lower bound ${pct(opt.relGap)}).`
            : certified
              ? `A network with objective ${fmt(opt.value)} and ${opt.neurons} neuron${opt.neurons === 1 ? '' : 's'}; the certificate proves P* ≥ ${fmt(r.dualBound)}, so it is within ${pct((opt.value - r.dualBound) / opt.value)} of the best any network can do.`
              : `Over ${opt.patterns} sampled activation patterns the convex program gives a network with objective ${fmt(opt.value)} — an upper bound on P* (lower bound ${fmt(opt.lowerBound)}).`,
        ),
        el('p', { class: 'muted' }, `How: ${methodWords(opt.method)}.`),
        sideBySide(r, opt.network, opt.label === 'optimum' ? 'optimum' : certified ? 'optimal (certified)' : 'witness', opt.value),
        networkTable(opt.network),
        r.optimalNeurons?.length ? optimalReadings(r.optimalNeurons) : null,
      ),
    );
  }
  const w = r.witness;
  const sameAsOptimum = !!w && !!opt && Math.abs(w.objective - opt.value) <= 1e-12 * Math.max(1, Math.abs(opt.value));
  if (w && sameAsOptimum && opt!.label === 'optimum')
    parts.push(el('p', { class: 'witness', testid: 'witness' }, `The witness that proves "not optimal" is this optimum (${sentence(w.description)})`));
  else if (w && !(opt && opt.label === 'witness')) {
    const net: NetworkJson = { W1: w.W1, b1: w.b1, W2: w.W2, b2: w.b2 };
    parts.push(
      el(
        'div',
        { class: 'witness', testid: 'witness' },
        el('h3', null, w.kind === 'rebalance/prune' ? 'Witness: this network, rebalanced and pruned' : 'Witness: a better network'),
        el(
          'p',
          null,
          `${sentence(w.description)} Its objective ${fmt(w.objective)} is recomputed from its weights and is ${pct((r.primalAsTrained - w.objective) / r.primalAsTrained)} below this network's ${fmt(r.primalAsTrained)}.`,
        ),
        sideBySide(r, net, 'witness', w.objective),
        networkTable(net),
      ),
    );
  }
  if (!parts.length)
    parts.push(
      el(
        'p',
        { class: 'muted' },
        r.verdict === 'certified'
          ? 'The trained network is itself certified optimal (to the tolerance); no separate optimum was computed.'
          : 'No optimal network was computed for this result.',
      ),
    );
  return section('Optimal weights', 'optimal-weights', ...parts);
}
