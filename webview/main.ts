// The panel: receives PanelState from the host (HostToPanel), renders it, and posts the user's
// actions back (PanelToHost). UI state (selected neuron, sort, tab) and the last PanelState are kept
// with vscode.setState so a reload shows the result at once.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-tabs/index.js';
import '@vscode-elements/elements/dist/vscode-tab-header/index.js';
import '@vscode-elements/elements/dist/vscode-tab-panel/index.js';
import '@vscode-elements/elements/dist/vscode-progress-ring/index.js';
import { PANEL_TABS, unreachable, type HostToPanel, type PanelState, type PanelTab, type PanelToHost, type UiState } from '../src/protocol/panel';
import { el } from './dom';
import { setLocale } from './format';
import { DEFAULT_UI, type Ctx } from './render/context';
import { renderHeader, renderProgress, renderError, renderIdle, updateProgress } from './render/status';
import { renderVerdict, renderHowComputed, renderExports, renderRefining } from './render/verdict';
import { renderNeuronTable, markSelectedRow } from './render/neurons';
import { renderPlots } from './render/plots';
import { renderOptimal } from './render/optimal';
import { renderDiagnosis, renderGeometry } from './render/diagnosis';
import { highlightNeuron } from './plots/common';
import { liveNeurons } from './plots/forward';

interface VsCodeApi {
  postMessage(m: unknown): void;
  getState(): unknown;
  setState(s: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

interface Saved {
  ui: UiState;
  last: PanelState | null;
  /** the host's panel serializer reads this to reopen the right model after a reload */
  modelUri?: string;
}

const api: VsCodeApi = typeof acquireVsCodeApi === 'function' ? acquireVsCodeApi() : { postMessage() {}, getState: () => undefined, setState() {} };
const root = document.getElementById('root') ?? document.body.appendChild(el('div', { id: 'root', testid: 'panel-root' }));
setLocale(document.documentElement.lang || navigator.language);

/** A saved UI state from an older panel may lack fields or use old values: keep what is still valid. */
function validUi(x: Partial<UiState> | undefined): UiState {
  const ui = { ...DEFAULT_UI, ...(x ?? {}) };
  if (!PANEL_TABS.includes(ui.tab)) ui.tab = DEFAULT_UI.tab;
  if (typeof ui.filter !== 'string') ui.filter = '';
  return ui;
}

const saved = api.getState() as Partial<Saved> | undefined;
/** the webview had its own saved state: the host's copy (restoreUi) is only for a webview without one */
const hadSaved = !!saved?.ui;
let ui: UiState = validUi(saved?.ui);
let state: PanelState | null = saved?.last ?? null;

const TAB_LABEL: Record<PanelTab, string> = { neurons: 'Neurons & plots', optimal: 'Optimal weights', diagnosis: 'Diagnosis', geometry: 'Geometry' };

function post(msg: PanelToHost): void {
  api.postMessage(msg);
}

function persist(): void {
  api.setState({ ui, last: state, modelUri: state?.modelUri } satisfies Saved);
  post({ type: 'uiState', ui: { ...ui } });
}

const ctx: Ctx = {
  get ui() {
    return ui;
  },
  post,
  action: (action) => post({ type: 'action', action }),
  select: (index) => {
    select(index, true);
  },
  setUi(patch) {
    ui = { ...ui, ...patch };
    persist();
    if (patch.sort || patch.filter !== undefined || patch.showNegligible !== undefined) rerenderTable();
  },
  showTab,
  copy: (text, what) => post({ type: 'copy', text, what }),
};

function showTab(tab: PanelTab): void {
  if (ui.tab !== tab) {
    ui = { ...ui, tab };
    persist();
  }
  const tabs = root.querySelector('vscode-tabs') as (HTMLElement & { selectedIndex?: number }) | null;
  if (!tabs) return;
  const i = PANEL_TABS.indexOf(tab);
  tabs.setAttribute('selected-index', String(i));
  tabs.selectedIndex = i;
  tabs.scrollIntoView({ block: 'start' });
}

function select(index: number | null, fromUser: boolean): void {
  const r = state?.result;
  const m = r?.neurons.length ?? 0;
  const next = index !== null && index >= 0 && index < m ? index : null;
  ui = { ...ui, selected: next };
  if (fromUser) post({ type: 'selectNeuron', index: next });
  persist();
  if (!r) return;
  const table = root.querySelector('[data-testid="neuron-table"]');
  const focus = !!table && table.contains(document.activeElement);
  // a neuron folded into the summary row (or filtered out) is listed once selected: rebuild then
  // the user's own click brings the row and its detail into view; a selection synced from the other
  // view of this model (host) scrolls only the table's box, never the page under the reader
  if (table && !markSelectedRow(table, r, state?.plot, next, focus, fromUser ? 'page' : 'box')) {
    rerenderTable();
    const fresh = root.querySelector('[data-testid="neuron-table"]');
    if (fresh) markSelectedRow(fresh, r, state?.plot, next, false, fromUser ? 'page' : 'box');
  }
  const plots = root.querySelector('.plots');
  if (!plots) return;
  // the plots draw the heaviest neurons one by one: redraw when the selected one is not among them
  const drawable = next !== null && !!r.network && liveNeurons(r.network).includes(next);
  if (drawable && !plots.querySelector(`.plot-svg [data-neuron="${next}"]`)) plots.replaceWith(renderPlots(r, state?.plot, ctx));
  else highlightNeuron(plots, next);
}

function rerenderTable(): void {
  const old = root.querySelector('.neuron-table-block');
  if (!old || !state?.result) return;
  const active = document.activeElement as HTMLElement | null;
  const focusedKey = active?.getAttribute?.('data-key');
  const filterFocused = active?.getAttribute?.('data-testid') === 'neuron-filter';
  const fresh = renderNeuronTable(state.result, state.plot, ctx);
  old.replaceWith(fresh);
  if (focusedKey) fresh.querySelector<HTMLElement>(`button.sort[data-key="${focusedKey}"]`)?.focus();
  if (filterFocused) {
    const input = fresh.querySelector<HTMLInputElement>('[data-testid="neuron-filter"]');
    input?.focus();
    input?.setSelectionRange(input.value.length, input.value.length);
  }
}

function renderTabs(s: PanelState): HTMLElement | null {
  const r = s.result;
  if (!r) return null;
  const panels: Record<PanelTab, HTMLElement> = {
    neurons: el('div', { class: 'neurons-view' }, renderPlots(r, s.plot, ctx), renderNeuronTable(r, s.plot, ctx)),
    optimal: renderOptimal(r),
    diagnosis: renderDiagnosis(r),
    geometry: renderGeometry(r),
  };
  const tabs = el(
    'vscode-tabs',
    { 'selected-index': PANEL_TABS.indexOf(ui.tab) },
    PANEL_TABS.map((t) => el('vscode-tab-header', { slot: 'header', 'data-tab': t }, TAB_LABEL[t])),
    PANEL_TABS.map((t) => el('vscode-tab-panel', { 'data-tab': t }, panels[t])),
  );
  tabs.addEventListener('vsc-tabs-select', (ev) => {
    const t = PANEL_TABS[(ev as CustomEvent<{ selectedIndex: number }>).detail.selectedIndex];
    if (t && t !== ui.tab) ctx.setUi({ tab: t });
  });
  return tabs;
}

function render(): void {
  if (!state) {
    root.replaceChildren(el('p', { class: 'muted' }, 'Waiting for ReLU Lens…'));
    return;
  }
  const s = state;
  // a running analysis whose verdict is known shows it (not the previous run's result) and waits
  // for the rest; the final state drops `early`
  const early = s.status === 'running' ? s.early : undefined;
  const r = early ? undefined : s.result;
  root.replaceChildren(
    ...[
      renderHeader(s),
      renderError(s, ctx),
      early ? renderVerdict(early, ctx, { early: true }) : null,
      renderProgress(s, ctx),
      renderIdle(s, ctx),
      early ? renderRefining() : null,
      r ? renderVerdict(r, ctx) : null,
      r ? renderExports(s, ctx) : null,
      renderHowComputed(early ? { ...s, result: undefined } : s, ctx),
      early ? null : renderTabs(s),
    ].filter((x): x is HTMLElement => x !== null),
  );
}

function receive(msg: HostToPanel): void {
  switch (msg.type) {
    case 'state': {
      const prevModel = state?.model;
      state = msg.state;
      if (prevModel !== undefined && prevModel !== state.model) ui = { ...ui, selected: null };
      const m = state.result?.neurons.length;
      if (m !== undefined && ui.selected !== null && ui.selected >= m) ui = { ...ui, selected: null };
      persist();
      render();
      return;
    }
    case 'progress': {
      // progress may arrive before the first state (a run started from a command): show it anyway
      state = { ...(state ?? { model: '' }), status: 'running', stage: { name: msg.stage, detail: msg.detail } };
      const box = root.querySelector<HTMLElement>('[data-testid="progress"]');
      if (box) updateProgress(box, msg.stage, msg.detail);
      else render();
      return;
    }
    case 'verdict':
      // the answer at once; the optimum search, readings and plots follow in the final state
      state = { ...(state ?? { model: '' }), status: 'running', early: msg.verdict };
      persist();
      render();
      return;
    case 'selectNeuron':
      select(msg.index, false);
      return;
    case 'showTab':
      showTab(msg.tab);
      return;
    case 'restoreUi':
      if (hadSaved) return;
      ui = validUi(msg.ui);
      persist();
      render();
      return;
    default:
      unreachable(msg);
  }
}

window.addEventListener('message', (ev: MessageEvent) => {
  const msg = ev.data as HostToPanel;
  if (!msg || typeof msg !== 'object' || typeof msg.type !== 'string') return;
  try {
    receive(msg);
  } catch (e) {
    // an unknown message (a newer host) is ignored, not fatal
    console.warn(e);
  }
});

render();
post({ type: 'ready' });
