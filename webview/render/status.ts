// Header, progress (stage names, Cancel) and errors (message + the fix-it button).
import type { PanelErrorKind, PanelState } from '../../src/protocol/panel';
import { el, button } from '../dom';
import { STAGES, stageLabel, when } from '../format';
import type { Ctx } from './context';

export function renderHeader(s: PanelState): HTMLElement {
  const stamp = when(s.computedAt);
  return el(
    'header',
    { class: 'title' },
    el('h1', null, 'ReLU Lens'),
    el('span', { class: 'model-path', title: s.model }, s.model),
    stamp ? el('span', { class: 'muted' }, `computed ${stamp}${s.cached ? ' (from cache)' : ''}`) : null,
  );
}

/** The stage list with the current one marked; updated in place by progress messages. */
export function renderProgress(s: PanelState, ctx: Ctx): HTMLElement | null {
  if (s.status !== 'running') return null;
  const box = el('div', { class: 'card progress', testid: 'progress', role: 'status', 'aria-live': 'polite' });
  box.appendChild(
    el(
      'div',
      { class: 'progress-head' },
      el('vscode-progress-ring', { 'aria-hidden': 'true' }),
      el('span', { class: 'progress-text' }),
      button('Cancel', { testid: 'cancel', secondary: true, onclick: () => ctx.action('cancel') }),
    ),
  );
  box.appendChild(el('ol', { class: 'stages' }));
  updateProgress(box, s.stage?.name ?? 'reading', s.stage?.detail);
  return box;
}

export function updateProgress(box: HTMLElement, stage: string, detail?: string): void {
  const t = box.querySelector('.progress-text');
  if (t) t.textContent = `${stageLabel(stage)}${detail ? ` — ${detail}` : ''}…`;
  const ol = box.querySelector('ol.stages');
  if (!ol) return;
  const idx = STAGES.findIndex(([k]) => k === stage);
  ol.replaceChildren(
    ...STAGES.map(([k, label], i) => {
      const done = idx >= 0 && i < idx;
      // a tick as well as the colour: high-contrast themes make muted and normal text the same
      return el('li', { class: k === stage ? 'current' : done ? 'done' : 'todo', 'aria-current': k === stage ? 'step' : null }, done ? `✓ ${label}` : label);
    }),
  );
  if (idx < 0) ol.appendChild(el('li', { class: 'current', 'aria-current': 'step' }, stage));
}

const ERROR_TITLE: Record<PanelErrorKind, string> = {
  cancelled: 'Cancelled',
  'beta-missing': 'β is needed',
  data: 'Problem with the data',
  model: 'Problem with the model',
  usage: 'Could not analyse',
  internal: 'Could not analyse',
};

export function renderError(s: PanelState, ctx: Ctx): HTMLElement | null {
  if (s.status !== 'error' || !s.error) return null;
  const e = s.error;
  const title = ERROR_TITLE[e.kind];
  return el(
    'div',
    { class: `card error ${e.kind === 'cancelled' ? 'cancelled' : ''}`, role: 'alert' },
    el('h2', null, title),
    el('p', { testid: 'error-message', class: 'error-message' }, e.message),
    e.action ? button(e.action.label, { testid: 'error-action', onclick: () => ctx.action(e.action!.action) }) : null,
  );
}

/** Shown before any result: what the panel is waiting for. */
export function renderIdle(s: PanelState, ctx: Ctx): HTMLElement | null {
  if (s.status !== 'idle' || s.result) return null;
  return el(
    'div',
    { class: 'card' },
    el('p', null, 'No result yet for this model.'),
    button('Certify optimality', { testid: 'action-certify', onclick: () => ctx.action('certify') }),
  );
}
