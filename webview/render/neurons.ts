// The neuron table (MATH.md §6): sortable by any column (click or Enter/Space on a header), rows
// selectable with mouse or keyboard (roving tabindex, ↑/↓/Home/End), and the selected neuron's
// auto-encoder reading.
import type { AnalysisJson, NetworkJson } from '../../src/core/analysis/types';
import type { PlotData } from '../../src/extension/panelProtocol';
import { el, defs } from '../dom';
import { fmt, pct, vec } from '../format';
import type { Ctx, SortKey } from './context';

type Neuron = AnalysisJson['neurons'][number];

export interface Row {
  index: number;
  inNorm: number;
  outNorm: number;
  /** v_j for scalar output; null for vector output (shown as a vector) */
  outWeight: number | null;
  active: number;
  dualScore: number;
  alignment: number | null;
  extremePoint: boolean | null;
  dead: boolean;
  duplicateGroup: number | null;
  match: number | null;
  matchCosine: number | null;
}

export function rowsOf(r: AnalysisJson): Row[] {
  const W2 = r.network?.W2;
  return r.neurons.map((n: Neuron) => ({
    index: n.index,
    inNorm: n.inNorm,
    outNorm: n.outNorm,
    outWeight: W2 && W2.length === 1 ? W2[0][n.index] ?? null : null,
    active: n.activeCount ?? n.active,
    dualScore: n.dualScore,
    alignment: n.alignment ?? null,
    extremePoint: n.extremePoint ?? null,
    dead: n.dead,
    duplicateGroup: n.duplicateGroup ?? null,
    match: n.match ?? null,
    matchCosine: n.matchCosine ?? null,
  }));
}

const num = (x: number | null) => (x === null || !Number.isFinite(x) ? null : x);

const COLUMNS: { key: SortKey; label: string; hint: string; value: (r: Row) => number | null; show: (r: Row, net?: NetworkJson) => string }[] = [
  { key: 'index', label: '#', hint: 'neuron index j', value: (r) => r.index, show: (r) => String(r.index) },
  { key: 'inNorm', label: '‖ũ_j‖', hint: 'input weights norm (with the bias when it is decayed)', value: (r) => r.inNorm, show: (r) => fmt(r.inNorm, 4) },
  { key: 'outNorm', label: '‖v_j‖', hint: 'output weights norm', value: (r) => r.outNorm, show: (r) => fmt(r.outNorm, 4) },
  {
    key: 'outWeight', label: 'v_j', hint: 'output weight', value: (r) => num(r.outWeight),
    show: (r, net) => (r.outWeight !== null ? fmt(r.outWeight, 4) : net ? vec(net.W2.map((row) => row[r.index]), 3) : '—'),
  },
  { key: 'active', label: '|S_j|', hint: 'samples with x̃_iᵀũ_j > 0', value: (r) => r.active, show: (r) => String(r.active) },
  { key: 'dualScore', label: 'dual score', hint: '|Rᵀ(X̃ũ_j)₊| / (β‖ũ_j‖): 1 for an extreme point in the dual’s direction', value: (r) => num(r.dualScore), show: (r) => fmt(r.dualScore, 4) },
  { key: 'alignment', label: 'alignment', hint: 'cos(ũ_j, sign(v_j)·Π_K(X̃ᵀD_jR)): 1 at stationarity', value: (r) => num(r.alignment), show: (r) => (r.alignment === null ? '—' : fmt(r.alignment, 4)) },
  { key: 'extremePoint', label: 'extreme pt', hint: 'dual score and alignment both ≈ 1', value: (r) => (r.extremePoint === null ? null : r.extremePoint ? 1 : 0), show: (r) => (r.extremePoint === null ? '—' : r.extremePoint ? '✓ yes' : 'no') },
  { key: 'flags', label: 'flags', hint: 'dead: zero on all data; dup: shares (pattern, sign v) with others', value: (r) => (r.dead ? 2 : r.duplicateGroup !== null ? 1 : 0), show: (r) => [r.dead ? 'dead' : '', r.duplicateGroup !== null ? `dup #${r.duplicateGroup}` : ''].filter(Boolean).join(' ') },
  { key: 'match', label: 'optimal match', hint: 'matched neuron of the optimal network (cosine of directions)', value: (r) => r.match, show: (r) => (r.match === null ? '—' : `${r.match}${r.matchCosine !== null ? ` (cos ${fmt(r.matchCosine, 3)})` : ''}`) },
];

export function sortRows(rows: Row[], key: SortKey, dir: 1 | -1): Row[] {
  const col = COLUMNS.find((c) => c.key === key) ?? COLUMNS[0];
  // nulls last in both directions; ties by index so the order is stable and predictable
  return [...rows].sort((a, b) => {
    const x = col.value(a), y = col.value(b);
    if (x === null && y === null) return a.index - b.index;
    if (x === null) return 1;
    if (y === null) return -1;
    return x === y ? a.index - b.index : (x - y) * dir;
  });
}

export function renderNeuronTable(r: AnalysisJson, ctx: Ctx): HTMLElement {
  const { key, dir } = ctx.ui.sort;
  const rows = sortRows(rowsOf(r), key, dir);
  const head = el(
    'tr',
    null,
    COLUMNS.map((c) =>
      el(
        'th',
        { scope: 'col', 'aria-sort': c.key === key ? (dir === 1 ? 'ascending' : 'descending') : 'none', title: c.hint },
        el(
          'button',
          {
            class: 'sort',
            type: 'button',
            'data-key': c.key,
            onclick: () => ctx.setUi({ sort: { key: c.key, dir: c.key === key ? ((-dir) as 1 | -1) : 1 } }),
          },
          c.label,
          el('span', { class: 'sort-mark', 'aria-hidden': 'true' }, c.key === key ? (dir === 1 ? ' ▲' : ' ▼') : ''),
        ),
      ),
    ),
  );
  const sel = ctx.ui.selected;
  const focusIndex = rows.some((x) => x.index === sel) ? sel : rows[0]?.index;
  const body = el('tbody');
  for (const row of rows) {
    const tr = el(
      'tr',
      {
        testid: 'neuron-row',
        'data-neuron': row.index,
        'aria-selected': row.index === sel ? 'true' : 'false',
        tabindex: row.index === focusIndex ? 0 : -1,
        class: [row.dead ? 'dead' : '', row.index === sel ? 'selected' : ''].join(' ').trim() || null,
      },
      COLUMNS.map((c) => el('td', { class: `col-${c.key}` }, c.show(row, r.network))),
    );
    body.appendChild(tr);
  }
  body.addEventListener('click', (ev) => {
    const tr = (ev.target as HTMLElement).closest('tr[data-neuron]');
    if (tr) ctx.select(Number(tr.getAttribute('data-neuron')));
  });
  body.addEventListener('keydown', (ev) => onRowKey(ev as KeyboardEvent, body, ctx));
  const table = el(
    'table',
    { class: 'neurons', testid: 'neuron-table', role: 'grid', 'aria-label': `Neurons of the trained network (${rows.length})` },
    el('thead', null, head),
    body,
  );
  return el('div', { class: 'table-scroll' }, table);
}

function onRowKey(ev: KeyboardEvent, body: HTMLElement, ctx: Ctx): void {
  const tr = (ev.target as HTMLElement).closest('tr[data-neuron]') as HTMLElement | null;
  if (!tr) return;
  const all = [...body.querySelectorAll<HTMLElement>('tr[data-neuron]')];
  const i = all.indexOf(tr);
  let next: HTMLElement | undefined;
  if (ev.key === 'ArrowDown') next = all[i + 1];
  else if (ev.key === 'ArrowUp') next = all[i - 1];
  else if (ev.key === 'Home') next = all[0];
  else if (ev.key === 'End') next = all[all.length - 1];
  else if (ev.key === 'Enter' || ev.key === ' ') {
    ev.preventDefault();
    ctx.select(Number(tr.getAttribute('data-neuron')));
    return;
  } else if (ev.key === 'Escape') {
    ctx.select(null);
    return;
  } else return;
  ev.preventDefault();
  if (!next) return;
  ctx.select(Number(next.getAttribute('data-neuron')));
}

/** Mark the selected row without rebuilding the table (keeps scroll position and focus). */
export function markSelectedRow(container: ParentNode, index: number | null, focus: boolean): void {
  for (const tr of container.querySelectorAll<HTMLElement>('tr[data-neuron]')) {
    const on = Number(tr.getAttribute('data-neuron')) === index;
    tr.classList.toggle('selected', on);
    tr.setAttribute('aria-selected', on ? 'true' : 'false');
    tr.tabIndex = on ? 0 : -1;
    if (on && focus) {
      tr.focus({ preventScroll: true });
      tr.scrollIntoView({ block: 'nearest' });
    }
  }
}

/** The selected neuron: weights, readings, and u ∝ Σ α_i (x_i − x_k), b = −x_kᵀu (MATH.md §6). */
export function renderNeuronDetail(r: AnalysisJson, plot: PlotData | undefined, index: number | null): HTMLElement {
  const box = el('div', { class: 'card neuron-detail', testid: 'neuron-detail', 'aria-live': 'polite' });
  const n = index === null ? undefined : r.neurons.find((x) => x.index === index);
  if (!n) {
    box.appendChild(el('p', { class: 'muted' }, 'Select a neuron (click a row, or focus the table and use ↑/↓) to see what it is made of.'));
    return box;
  }
  const net = r.network;
  const u = net?.W1[n.index];
  const b = net?.b1?.[n.index];
  const v = net?.W2.map((row) => row[n.index]);
  box.appendChild(el('h3', null, `Neuron ${n.index}${n.dead ? ' (dead: zero on every sample)' : ''}`));
  box.appendChild(
    defs([
      u ? ['u_j', vec(u)] : null,
      b !== undefined && b !== null ? ['b_j', fmt(b, 6)] : null,
      v ? ['v_j', v.length === 1 ? fmt(v[0], 6) : vec(v)] : null,
      ['‖ũ_j‖ · ‖v_j‖', fmt(n.inNorm * n.outNorm, 6), 'this neuron’s share of the penalty β Σ‖ũ_j‖‖v_j‖ (divided by β)'],
      ['active samples', `${n.activeCount ?? n.active} of ${r.data.n}`],
      n.kinkSamples ? ['on its kink', n.kinkSamples.length ? n.kinkSamples.slice(0, 12).join(', ') + (n.kinkSamples.length > 12 ? ', …' : '') : 'none'] : null,
      ['dual score', fmt(n.dualScore, 6)],
      n.alignment !== undefined ? ['alignment', n.alignment === null ? '— (undefined)' : fmt(n.alignment, 6)] : null,
      n.match !== undefined ? ['optimal match', n.match === null ? 'none' : `optimal neuron ${n.match}${n.matchCosine != null ? `, cosine ${fmt(n.matchCosine, 4)}` : ''}`] : null,
    ]),
  );
  box.appendChild(renderAutoencoder(n, plot));
  return box;
}

function renderAutoencoder(n: Neuron, plot: PlotData | undefined): HTMLElement {
  const ae = n.autoencoder;
  const wrap = el('div', { class: 'autoencoder', testid: 'autoencoder' }, el('h4', null, 'Auto-encoder reading'));
  if (!ae) {
    wrap.appendChild(el('p', { class: 'muted' }, 'This result has no auto-encoder reading (the interpretation step did not run).'));
    return wrap;
  }
  const k = ae.anchor;
  wrap.appendChild(
    el(
      'p',
      null,
      k === null
        ? 'The neuron’s direction as a combination of training samples: u ∝ Σ α_i x_i.'
        : `The neuron as a combination of training samples written against its kink sample k = ${k}: u ∝ Σ α_i (x_i − x_k), b = −x_kᵀu.`,
    ),
  );
  const rowOf = new Map<number, number>();
  plot?.indices.forEach((full, row) => rowOf.set(full, row));
  const xOf = (i: number) => {
    const row = rowOf.get(i);
    return row === undefined || !plot ? '—' : vec(plot.X[row], 4);
  };
  wrap.appendChild(
    el(
      'table',
      { class: 'compact' },
      el('thead', null, el('tr', null, el('th', { scope: 'col' }, 'sample i'), el('th', { scope: 'col' }, 'α_i'), el('th', { scope: 'col' }, 'x_i'))),
      el('tbody', null, ae.samples.map((s) => el('tr', null, el('td', null, String(s.index)), el('td', null, fmt(s.coef, 4)), el('td', null, xOf(s.index))))),
    ),
  );
  wrap.appendChild(
    el('p', { class: 'muted' }, `Relative residual of the fit ‖ũ − Σ…‖/‖ũ‖ = ${pct(ae.residual)}${ae.residual > 0.1 ? ' — the top samples explain this neuron only roughly.' : '.'}`),
  );
  return wrap;
}
