// The neuron table (MATH.md §6), built for m in the thousands: sorted by contribution ‖ũ_j‖‖v_j‖,
// dead and negligible neurons folded into one row, a filter, a tooltip on every column; rows
// selectable with mouse or keyboard (roving tabindex, ↑/↓/Home/End), the selected neuron's detail
// (weights, readings, auto-encoder reading) in a row right under it.
import type { AnalysisJson, NetworkJson } from '../../src/core/report/analysisJson';
import type { PlotData } from '../../src/protocol/panel';
import { el, defs } from '../dom';
import { fmt, int, pct, vec } from '../format';
import { GLOSSARY, term } from '../glossary';
import { NEGLIGIBLE_CONTRIBUTION } from '../contribution';
import type { Ctx, SortKey } from './context';

type Neuron = AnalysisJson['neurons'][number];

export interface Row {
  index: number;
  /** ‖ũ_j‖·‖v_j‖: the neuron's share of the penalty (divided by β) */
  contribution: number;
  inNorm: number;
  outNorm: number;
  /** v_j for scalar output; null for vector output (shown as a vector) */
  outWeight: number | null;
  active: number;
  dualScore: number;
  alignment: number | null;
  extremePoint: boolean | null;
  dead: boolean;
  /** contribution below NEGLIGIBLE_CONTRIBUTION × the largest one */
  negligible: boolean;
  duplicateGroup: number | null;
  match: number | null;
  matchCosine: number | null;
}

export function rowsOf(r: AnalysisJson): Row[] {
  const W2 = r.network?.W2;
  const contrib = r.neurons.map((n) => n.inNorm * n.outNorm);
  const top = Math.max(0, ...contrib.filter(Number.isFinite));
  return r.neurons.map((n: Neuron, k) => ({
    index: n.index,
    contribution: contrib[k],
    inNorm: n.inNorm,
    outNorm: n.outNorm,
    outWeight: W2 && W2.length === 1 ? (W2[0][n.index] ?? null) : null,
    active: n.activeCount ?? n.active,
    dualScore: n.dualScore,
    alignment: n.alignment ?? null,
    extremePoint: n.extremePoint ?? null,
    dead: n.dead,
    negligible: !n.dead && !(contrib[k] >= NEGLIGIBLE_CONTRIBUTION * top),
    duplicateGroup: n.duplicateGroup ?? null,
    match: n.match ?? null,
    matchCosine: n.matchCosine ?? null,
  }));
}

const num = (x: number | null) => (x === null || !Number.isFinite(x) ? null : x);

interface Column {
  key: SortKey;
  label: string;
  hint: string;
  value: (r: Row) => number | null;
  show: (r: Row, net?: NetworkJson) => string;
}

const flagsOf = (r: Row) =>
  [r.dead ? 'dead' : '', r.negligible ? 'negligible' : '', r.duplicateGroup !== null ? `dup #${r.duplicateGroup}` : '', r.extremePoint ? 'extreme' : '']
    .filter(Boolean)
    .join(' ');

const COLUMNS: Column[] = [
  { key: 'index', label: '#', hint: 'Neuron index j (its row in W1).', value: (r) => r.index, show: (r) => String(r.index) },
  { key: 'contribution', label: '‖ũ_j‖‖v_j‖', hint: GLOSSARY.contribution, value: (r) => num(r.contribution), show: (r) => fmt(r.contribution, 4) },
  { key: 'inNorm', label: '‖ũ_j‖', hint: GLOSSARY['‖ũ_j‖'], value: (r) => r.inNorm, show: (r) => fmt(r.inNorm, 4) },
  { key: 'outNorm', label: '‖v_j‖', hint: GLOSSARY['‖v_j‖'], value: (r) => r.outNorm, show: (r) => fmt(r.outNorm, 4) },
  {
    key: 'outWeight',
    label: 'v_j',
    hint: GLOSSARY.v_j,
    value: (r) => num(r.outWeight),
    show: (r, net) =>
      r.outWeight !== null
        ? fmt(r.outWeight, 4)
        : net
          ? vec(
              net.W2.map((row) => row[r.index]),
              3,
            )
          : '—',
  },
  { key: 'active', label: '|S_j|', hint: GLOSSARY['|S_j|'], value: (r) => r.active, show: (r) => String(r.active) },
  { key: 'dualScore', label: 'dual score', hint: GLOSSARY['dual score'], value: (r) => num(r.dualScore), show: (r) => fmt(r.dualScore, 4) },
  {
    key: 'alignment',
    label: 'alignment',
    hint: GLOSSARY.alignment,
    value: (r) => num(r.alignment),
    show: (r) => (r.alignment === null ? '—' : fmt(r.alignment, 4)),
  },
  {
    key: 'extremePoint',
    label: 'extreme pt',
    hint: GLOSSARY['extreme point'],
    value: (r) => (r.extremePoint === null ? null : r.extremePoint ? 1 : 0),
    show: (r) => (r.extremePoint === null ? '—' : r.extremePoint ? '✓ yes' : 'no'),
  },
  {
    key: 'flags',
    label: 'flags',
    hint: `dead: ${GLOSSARY.dead} negligible: ${GLOSSARY.negligible} dup: ${GLOSSARY.duplicate}`,
    value: (r) => (r.dead ? 3 : r.negligible ? 2 : r.duplicateGroup !== null ? 1 : 0),
    show: (r) =>
      [r.dead ? 'dead' : '', r.negligible ? 'negligible' : '', r.duplicateGroup !== null ? `dup #${r.duplicateGroup}` : ''].filter(Boolean).join(' '),
  },
  {
    key: 'match',
    label: 'optimal match',
    hint: GLOSSARY['optimal match'],
    value: (r) => r.match,
    show: (r) => (r.match === null ? '—' : `${r.match}${r.matchCosine !== null ? ` (cos ${fmt(r.matchCosine, 3)})` : ''}`),
  },
];

export function sortRows(rows: Row[], key: SortKey, dir: 1 | -1): Row[] {
  const col = COLUMNS.find((c) => c.key === key) ?? COLUMNS[0];
  // nulls last in both directions; ties by index so the order is stable and predictable
  return [...rows].sort((a, b) => {
    const x = col.value(a),
      y = col.value(b);
    if (x === null && y === null) return a.index - b.index;
    if (x === null) return 1;
    if (y === null) return -1;
    return x === y ? a.index - b.index : (x - y) * dir;
  });
}

/** The filter: every word must match — an index ("12" or "#12", by prefix) or a flag ("dead", "dup", "extreme", "negligible", "live"). */
export function matchesFilter(row: Row, filter: string): boolean {
  const words = filter
    .toLowerCase()
    .split(/[\s,]+/)
    .filter(Boolean);
  const flags = flagsOf(row) + (row.dead || row.negligible ? '' : ' live');
  return words.every((w) => {
    const idx = w.replace(/^#/, '');
    if (/^\d+$/.test(idx)) return String(row.index).startsWith(idx);
    return flags.includes(w);
  });
}

/** What the table lists: sorted, filtered; dead and negligible neurons as one summary unless asked for. */
export function tableRows(all: Row[], ui: Pick<Ctx['ui'], 'sort' | 'filter' | 'showNegligible' | 'selected'>): { shown: Row[]; collapsed: Row[] } {
  const sorted = sortRows(all, ui.sort.key, ui.sort.dir);
  const hits = ui.filter.trim() ? sorted.filter((x) => matchesFilter(x, ui.filter)) : sorted;
  // a filter that names them (or the toggle) lists them; the selected neuron is always listed
  const expand = ui.showNegligible || /dead|negligible/i.test(ui.filter);
  const shown = expand ? hits : hits.filter((x) => (!x.dead && !x.negligible) || x.index === ui.selected);
  const collapsed = expand ? [] : hits.filter((x) => (x.dead || x.negligible) && x.index !== ui.selected);
  return { shown, collapsed };
}

/** Tab-separated text of the listed rows (for the clipboard: pastes into a spreadsheet). */
export function tableText(rows: Row[], net?: NetworkJson): string {
  return [COLUMNS.map((c) => c.label).join('\t'), ...rows.map((r) => COLUMNS.map((c) => c.show(r, net)).join('\t'))].join('\n') + '\n';
}

export function renderNeuronTable(r: AnalysisJson, plot: PlotData | undefined, ctx: Ctx): HTMLElement {
  const { key, dir } = ctx.ui.sort;
  const all = rowsOf(r);
  const { shown, collapsed } = tableRows(all, ctx.ui);
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
            title: c.hint,
            'data-key': c.key,
            onclick: () => ctx.setUi({ sort: { key: c.key, dir: c.key === key ? (-dir as 1 | -1) : c.key === 'index' ? 1 : -1 } }),
          },
          c.label,
          el('span', { class: 'sort-mark', 'aria-hidden': 'true' }, c.key === key ? (dir === 1 ? ' ▲' : ' ▼') : ''),
        ),
      ),
    ),
  );
  const sel = ctx.ui.selected;
  const focusIndex = shown.some((x) => x.index === sel) ? sel : shown[0]?.index;
  const body = el('tbody');
  for (const row of shown) {
    body.appendChild(
      el(
        'tr',
        {
          testid: 'neuron-row',
          'data-neuron': row.index,
          'aria-selected': row.index === sel ? 'true' : 'false',
          tabindex: row.index === focusIndex ? 0 : -1,
          class: [row.dead ? 'dead' : '', row.negligible ? 'negligible' : '', row.index === sel ? 'selected' : ''].join(' ').trim() || null,
        },
        COLUMNS.map((c) => el('td', { class: `col-${c.key}` }, c.show(row, r.network))),
      ),
    );
    if (row.index === sel) body.appendChild(detailRow(r, plot, sel));
  }
  if (collapsed.length) {
    const dead = collapsed.filter((x) => x.dead).length;
    body.appendChild(
      el(
        'tr',
        { class: 'collapsed-row', testid: 'collapsed-row', 'data-count': collapsed.length },
        el(
          'td',
          { colspan: COLUMNS.length },
          el(
            'button',
            { type: 'button', class: 'link', testid: 'show-negligible', onclick: () => ctx.setUi({ showNegligible: true }) },
            `Show ${int(collapsed.length)} more`,
          ),
          ` — ${int(dead)} dead and ${int(collapsed.length - dead)} negligible neurons (contribution below ${NEGLIGIBLE_CONTRIBUTION.toExponential(0)} × the largest), together ${pct(share(collapsed, all))} of the penalty.`,
        ),
      ),
    );
  }
  body.addEventListener('click', (ev) => {
    const tr = (ev.target as HTMLElement).closest('tr[data-neuron]');
    if (tr) ctx.select(Number(tr.getAttribute('data-neuron')));
  });
  body.addEventListener('keydown', (ev) => onRowKey(ev as KeyboardEvent, body, ctx));
  const table = el(
    'table',
    { class: 'neurons', testid: 'neuron-table', role: 'grid', 'aria-label': `Neurons of the trained network (${shown.length} of ${all.length} listed)` },
    el('thead', null, head),
    body,
  );
  return el('div', { class: 'neuron-table-block' }, tableTools(r, ctx, all, shown), el('div', { class: 'table-scroll neuron-table-wrap' }, table));
}

/** The bar above the table: its title, the filter, the collapse toggle and the copy button. */
function tableTools(r: AnalysisJson, ctx: Ctx, all: Row[], shown: Row[]): HTMLElement {
  const live = all.filter((x) => !x.dead && !x.negligible).length;
  return el(
    'div',
    { class: 'table-tools' },
    el('h2', { class: 'table-title' }, `Neurons: ${int(live)} that matter of ${int(all.length)}`),
    el('input', {
      type: 'search',
      class: 'filter',
      testid: 'neuron-filter',
      placeholder: 'Filter: 12, dead, dup, extreme…',
      'aria-label': 'Filter neurons by index or flag (dead, negligible, dup, extreme, live)',
      value: ctx.ui.filter,
      oninput: (ev) => ctx.setUi({ filter: (ev.target as HTMLInputElement).value }),
    }),
    ctx.ui.showNegligible
      ? el('button', { type: 'button', class: 'link', onclick: () => ctx.setUi({ showNegligible: false }) }, 'Collapse dead and negligible')
      : null,
    el(
      'button',
      { type: 'button', class: 'copy', testid: 'copy-table', onclick: () => ctx.copy(tableText(shown, r.network), 'the neuron table') },
      'Copy table',
    ),
    el('span', { class: 'muted' }, 'Click a row (or a neuron in a plot) to see what it is made of.'),
  );
}

const share = (part: Row[], all: Row[]) => {
  const tot = all.reduce((a, x) => a + (Number.isFinite(x.contribution) ? x.contribution : 0), 0);
  return tot > 0 ? part.reduce((a, x) => a + (Number.isFinite(x.contribution) ? x.contribution : 0), 0) / tot : 0;
};

function detailRow(r: AnalysisJson, plot: PlotData | undefined, index: number): HTMLElement {
  return el('tr', { class: 'detail-row' }, el('td', { colspan: COLUMNS.length }, renderNeuronDetail(r, plot, index)));
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

/**
 * Mark the selected row and put its detail right under it, without rebuilding the table (keeps the
 * scroll position and focus). False when the row is not listed (the caller rebuilds the table).
 */
export function markSelectedRow(
  container: ParentNode,
  r: AnalysisJson,
  plot: PlotData | undefined,
  index: number | null,
  focus: boolean,
  /** 'page': bring the row and its detail into the window; 'box': only scroll the table's own box */
  reveal: 'page' | 'box' = 'page',
): boolean {
  container.querySelector('tr.detail-row')?.remove();
  let found = index === null;
  for (const tr of container.querySelectorAll<HTMLElement>('tr[data-neuron]')) {
    const on = Number(tr.getAttribute('data-neuron')) === index;
    tr.classList.toggle('selected', on);
    tr.setAttribute('aria-selected', on ? 'true' : 'false');
    tr.tabIndex = on ? 0 : -1;
    if (!on || index === null) continue;
    found = true;
    tr.after(detailRow(r, plot, index));
    if (focus) tr.focus({ preventScroll: true });
    // the row and its detail in view: inside the table's own scroll box, then the page
    if (reveal === 'page') {
      (tr.nextElementSibling as HTMLElement).scrollIntoView({ block: 'nearest' });
      tr.scrollIntoView({ block: 'nearest' });
    } else {
      const box = tr.closest('.table-scroll');
      const head = box?.querySelector('thead');
      if (box) box.scrollTop += tr.getBoundingClientRect().top - box.getBoundingClientRect().top - (head?.getBoundingClientRect().height ?? 0);
    }
  }
  return found;
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
      [term('contribution', 'contribution ‖ũ_j‖‖v_j‖'), fmt(n.inNorm * n.outNorm, 6)],
      [term('|S_j|', 'active samples'), `${n.activeCount ?? n.active} of ${r.data.n}`],
      n.kinkSamples
        ? [
            term('kink', 'samples on its kink'),
            n.kinkSamples.length ? n.kinkSamples.slice(0, 12).join(', ') + (n.kinkSamples.length > 12 ? ', …' : '') : 'none',
          ]
        : null,
      [term('dual score'), fmt(n.dualScore, 6)],
      n.alignment !== undefined ? [term('alignment'), n.alignment === null ? '— (undefined)' : fmt(n.alignment, 6)] : null,
      n.match !== undefined
        ? [term('optimal match'), n.match === null ? 'none' : `optimal neuron ${n.match}${n.matchCosine != null ? `, cosine ${fmt(n.matchCosine, 4)}` : ''}`]
        : null,
    ]),
  );
  box.appendChild(renderAutoencoder(n, plot));
  return box;
}

function renderAutoencoder(n: Neuron, plot: PlotData | undefined): HTMLElement {
  const ae = n.autoencoder;
  const wrap = el('div', { class: 'autoencoder', testid: 'autoencoder' }, el('h4', null, term('auto-encoder reading', 'Auto-encoder reading')));
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
      el(
        'tbody',
        null,
        ae.samples.map((s) => el('tr', null, el('td', null, String(s.index)), el('td', null, fmt(s.coef, 4)), el('td', null, xOf(s.index)))),
      ),
    ),
  );
  wrap.appendChild(
    el(
      'p',
      { class: 'muted' },
      `Relative residual of the fit ‖ũ − Σ…‖/‖ũ‖ = ${pct(ae.residual)}${ae.residual > 0.1 ? ' — the top samples explain this neuron only roughly.' : '.'}`,
    ),
  );
  return wrap;
}
