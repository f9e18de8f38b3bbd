// What every renderer gets: the host channel and the UI state it may change. Renderers are pure
// functions of (PanelState, Ctx) → DOM; main.ts owns the state and re-renders.
import type { PanelAction, PanelTab, PanelToHost, UiState } from '../../src/protocol/panel';

export type { SortKey, UiState } from '../../src/protocol/panel';

/** Contribution ‖ũ_j‖‖v_j‖ first, largest first: the neurons that carry the network come on top. */
export const DEFAULT_UI: UiState = { selected: null, sort: { key: 'contribution', dir: -1 }, tab: 'neurons', filter: '', showNegligible: false };

export interface Ctx {
  ui: UiState;
  post(msg: PanelToHost): void;
  action(a: PanelAction): void;
  /** select a neuron (table row, plot click); posts selectNeuron and updates every view */
  select(index: number | null): void;
  /** change sort/tab/filter; persisted */
  setUi(patch: Partial<UiState>): void;
  /** bring a tab to the front */
  showTab(tab: PanelTab): void;
  /** put text on the clipboard (through the host) */
  copy(text: string, what: string): void;
}
