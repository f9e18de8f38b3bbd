// What every renderer gets: the host channel and the UI state it may change. Renderers are pure
// functions of (PanelState, Ctx) → DOM; main.ts owns the state and re-renders.
import type { PanelAction, PanelToHost } from '../../src/extension/panelProtocol';

export type SortKey =
  | 'index' | 'inNorm' | 'outNorm' | 'outWeight' | 'active' | 'dualScore' | 'alignment' | 'extremePoint' | 'flags' | 'match';

export interface UiState {
  selected: number | null;
  sort: { key: SortKey; dir: 1 | -1 };
  tab: number;
}

export const DEFAULT_UI: UiState = { selected: null, sort: { key: 'index', dir: 1 }, tab: 0 };

export interface Ctx {
  ui: UiState;
  post(msg: PanelToHost): void;
  action(a: PanelAction): void;
  /** select a neuron (table row, plot click); posts selectNeuron and updates every view */
  select(index: number | null): void;
  /** change sort/tab; persisted */
  setUi(patch: Partial<UiState>): void;
}
