// The panel: receives PanelState from the host (HostToPanel), renders it, and posts the user's
// actions back (PanelToHost). UI state (selected neuron, sort, tab) and the last PanelState are kept
// with vscode.setState so a reload shows the result at once.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-tabs/index.js';
import '@vscode-elements/elements/dist/vscode-tab-header/index.js';
import '@vscode-elements/elements/dist/vscode-tab-panel/index.js';
import '@vscode-elements/elements/dist/vscode-progress-ring/index.js';
import type { HostToPanel, PanelState, PanelToHost } from '../src/extension/panelProtocol';
import { el } from './dom';
import { DEFAULT_UI, type Ctx, type UiState } from './render/context';
import { renderHeader, renderProgress, renderError, renderIdle, updateProgress } from './render/status';
import { renderVerdict, renderProvenance, renderExports } from './render/verdict';
import { renderNeuronTable, renderNeuronDetail, markSelectedRow } from './render/neurons';
import { renderPlots } from './render/plots';
import { renderOptimal } from './render/optimal';
import { renderDiagnosis, renderGeometry } from './render/diagnosis';
import { highlightNeuron } from './plots/common';

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

const api: VsCodeApi =
  typeof acquireVsCodeApi === 'function' ? acquireVsCodeApi() : { postMessage() {}, getState: () => undefined, setState() {} };
const root = document.getElementById('root') ?? document.body.appendChild(el('div', { id: 'root', testid: 'panel-root' }));

const saved = api.getState() as Partial<Saved> | undefined;
let ui: UiState = { ...DEFAULT_UI, ...(saved?.ui ?? {}) };
let state: PanelState | null = saved?.last ?? null;

const TABS = ['Neurons & plots', 'Optimal weights', 'Diagnosis', 'Geometry'] as const;

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
    if (patch.sort) rerenderTable();
  },
};

function select(index: number | null, fromUser: boolean): void {
  const m = state?.result?.neurons.length ?? 0;
  const next = index !== null && index >= 0 && index < m ? index : null;
  ui = { ...ui, selected: next };
  if (fromUser) post({ type: 'selectNeuron', index: next });
  persist();
  const table = root.querySelector('[data-testid="neuron-table"]');
  const focus = !!table && table.contains(document.activeElement);
  markSelectedRow(root, next, focus);
  const detail = root.querySelector('[data-testid="neuron-detail"]');
  if (detail && state?.result) detail.replaceWith(renderNeuronDetail(state.result, state.plot, next));
  const plots = root.querySelector('.plots');
  // the PCA plot draws only the heaviest arrows: redraw it when the selected one is missing
  if (plots && next !== null && state?.result && !plots.querySelector(`.plot-pca [data-neuron="${next}"]`) && plots.querySelector('.plot-pca'))
    plots.replaceWith(renderPlots(state.result, state.plot, ctx));
  else if (plots) highlightNeuron(plots, next);
}

function rerenderTable(): void {
  const old = root.querySelector('.table-scroll.neuron-table-wrap');
  if (!old || !state?.result) return;
  const focusedKey = (document.activeElement as HTMLElement | null)?.getAttribute?.('data-key');
  const fresh = renderNeuronTable(state.result, ctx);
  fresh.classList.add('neuron-table-wrap');
  old.replaceWith(fresh);
  if (focusedKey) fresh.querySelector<HTMLElement>(`button.sort[data-key="${focusedKey}"]`)?.focus();
}

function renderTabs(s: PanelState): HTMLElement | null {
  const r = s.result;
  if (!r) return null;
  const table = renderNeuronTable(r, ctx);
  table.classList.add('neuron-table-wrap');
  const panels: HTMLElement[] = [
    el(
      'div',
      { class: 'neurons-view' },
      el('div', { class: 'plots-and-detail' }, renderPlots(r, s.plot, ctx), renderNeuronDetail(r, s.plot, ui.selected)),
      el('h2', { class: 'table-title' }, `Neurons (${r.neurons.length})`),
      table,
    ),
    renderOptimal(r),
    renderDiagnosis(r),
    renderGeometry(r),
  ];
  const tabs = el(
    'vscode-tabs',
    { 'selected-index': Math.min(ui.tab, TABS.length - 1) },
    TABS.map((t) => el('vscode-tab-header', { slot: 'header' }, t)),
    panels.map((p) => el('vscode-tab-panel', null, p)),
  );
  tabs.addEventListener('vsc-tabs-select', (ev) => {
    const i = (ev as CustomEvent<{ selectedIndex: number }>).detail.selectedIndex;
    if (i !== ui.tab) ctx.setUi({ tab: i });
  });
  return tabs;
}

function render(): void {
  if (!state) {
    root.replaceChildren(el('p', { class: 'muted' }, 'Waiting for ReLU Lens…'));
    return;
  }
  const s = state;
  const r = s.result;
  root.replaceChildren(
    ...[
      renderHeader(s),
      renderError(s, ctx),
      renderProgress(s, ctx),
      renderIdle(s, ctx),
      r ? renderVerdict(r) : null,
      r ? renderExports(s, ctx) : null,
      renderProvenance(s.provenance, r, ctx),
      renderTabs(s),
    ].filter((x): x is HTMLElement => x !== null),
  );
}

window.addEventListener('message', (ev: MessageEvent) => {
  const msg = ev.data as HostToPanel;
  if (!msg || typeof msg !== 'object') return;
  if (msg.type === 'state') {
    const prevModel = state?.model;
    state = msg.state;
    if (prevModel !== undefined && prevModel !== state.model) ui = { ...ui, selected: null };
    const m = state.result?.neurons.length;
    if (m !== undefined && ui.selected !== null && ui.selected >= m) ui = { ...ui, selected: null };
    persist();
    render();
  } else if (msg.type === 'progress') {
    // progress may arrive before the first state (a run started from a command): show it anyway
    state = { ...(state ?? { model: '' }), status: 'running', stage: { name: msg.stage, detail: msg.detail } };
    const box = root.querySelector<HTMLElement>('[data-testid="progress"]');
    if (box) updateProgress(box, msg.stage, msg.detail);
    else render();
  } else if (msg.type === 'selectNeuron') {
    select(msg.index, false);
  }
});

render();
post({ type: 'ready' });
