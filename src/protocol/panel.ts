/**
 * The one typed message protocol between the extension host (src/extension) and the panel webview
 * (webview/). A neutral folder both import (the shape of vscode-hexeditor's shared/protocol.ts):
 * types and two constants, no `vscode`, nothing that needs Node. One union per direction; every
 * closed set is a union so both sides switch over it exhaustively (see `unreachable`).
 *
 * CONTRACT: extend additively.
 */
import type { AnalysisJson } from '../core/report/analysisJson';
import type { CertificateJson } from '../core/report/json';
import type { Provenance, ProvenanceSource } from '../core/config/resolve';

/** Where a setting came from — declared once, in core (the CLI prints the same list). */
export type SettingSource = ProvenanceSource;
export type SettingProvenance = Provenance;

/** Data the plots need, subsampled by the host (≤ 2000 rows). */
export interface PlotData {
  d: number;
  c: number;
  /** rows of X (raw inputs as the model sees them), labels Y */
  X: number[][];
  Y: number[][];
  /** indices into the full data set of the rows sent */
  indices: number[];
  /** for d > 2: 2-D PCA projection of X and of each neuron's direction (host computes) */
  pca?: { components: number[][]; mean: number[]; X2: number[][]; explained: [number, number] };
}

export type PanelErrorKind = 'model' | 'data' | 'usage' | 'internal' | 'beta-missing' | 'cancelled';

export interface PanelError {
  kind: PanelErrorKind;
  message: string;
  /** what fixes it; the webview renders a button that posts `{type:'action', action}` */
  action?: { label: string; action: PanelAction };
}

export type PanelAction =
  | 'certify'
  | 'setTrainingData'
  | 'setBeta'
  | 'exportCertificateJson'
  | 'exportReportMarkdown'
  | 'exportOptimalOnnx'
  | 'exportWitnessOnnx'
  | 'exportWeightsCsv'
  | 'exportWeightsNpy'
  | 'openSettingsFile'
  | 'cancel';

export type PanelStatus = 'idle' | 'running' | 'done' | 'error';

/** The certificate's numbers behind the first viewport (the verdict block the CLI prints first). */
export const VERDICT_BLOCK_KEYS = [
  'verdict',
  'primalAsTrained',
  'primal',
  'dualBound',
  'gap',
  'relGap',
  'pstarInterval',
  'tol',
  'rebalanced',
  'beta',
  'impliedBeta',
  'impliedBetaMismatch',
  'dualPoint',
  'warnings',
  'safetyLimit',
  'inconclusiveReason',
] as const satisfies readonly (keyof CertificateJson)[];

/**
 * The verdict block, sent as soon as the certificate has it — before the optimum search, the neuron
 * readings and the diagnosis. The certificate's own numbers (the same object the CLI prints first);
 * the final result may only refine them under the certificate's soundness rules. The witness comes
 * without its weights (the exports wait for the final result).
 */
export type VerdictBlock = Pick<CertificateJson, (typeof VERDICT_BLOCK_KEYS)[number]> & {
  witness: Pick<NonNullable<CertificateJson['witness']>, 'kind' | 'objective'> | null;
};

export interface PanelState {
  /** workspace-relative model path, shown in the title */
  model: string;
  status: PanelStatus;
  stage?: { name: string; detail?: string };
  result?: AnalysisJson;
  plot?: PlotData;
  provenance?: SettingProvenance[];
  error?: PanelError;
  /** ISO time of the result, and whether it came from the content-hash cache */
  computedAt?: string;
  cached?: boolean;
  /**
   * The model's URI (host-side identity). The webview keeps it in its vscode.setState under
   * `modelUri` so the panel serializer (reluLens.panel) can restore the right model after a reload.
   */
  modelUri?: string;
  /** VS Code's display language (vscode.env.language): dates and numbers are formatted for it */
  locale?: string;
  /**
   * The running analysis' verdict block, known before its optimum search: the panel shows the
   * answer from it at once and marks the optimum "refining…"; the final `result` replaces it.
   */
  early?: VerdictBlock;
}

/** The panel's tabs, in order. */
export const PANEL_TABS = ['neurons', 'optimal', 'diagnosis', 'geometry'] as const;
export type PanelTab = (typeof PANEL_TABS)[number];

export type SortKey = 'index' | 'contribution' | 'inNorm' | 'outNorm' | 'outWeight' | 'active' | 'dualScore' | 'alignment' | 'extremePoint' | 'flags' | 'match';

/** The webview's own UI state: restored from vscode.getState, mirrored to the host (uiState). */
export interface UiState {
  selected: number | null;
  sort: { key: SortKey; dir: 1 | -1 };
  tab: PanelTab;
  /** the neuron table's filter text */
  filter: string;
  /** dead and negligible neurons listed one by one instead of as one summary row */
  showNegligible: boolean;
}

export type PlotFormat = 'svg' | 'png';

/** host → webview */
export type HostToPanel =
  | { type: 'state'; state: PanelState }
  | { type: 'progress'; stage: string; detail?: string }
  /** the running analysis' verdict, before its optimum search (PanelState.early) */
  | { type: 'verdict'; verdict: VerdictBlock }
  | { type: 'selectNeuron'; index: number | null }
  /** bring a tab to the front ("Show optimal weights") */
  | { type: 'showTab'; tab: PanelTab }
  /** the UI state the host last heard for this model, for a webview that has none of its own */
  | { type: 'restoreUi'; ui: UiState };

/** webview → host */
export type PanelToHost =
  | { type: 'ready' }
  | { type: 'action'; action: PanelAction }
  | { type: 'selectNeuron'; index: number | null }
  /** the webview's own saved UI state (sort, selection, tab, filter) — also kept with vscode.setState */
  | { type: 'uiState'; ui: UiState }
  /** put text (a value, a table as tab-separated lines) on the clipboard */
  | { type: 'copy'; text: string; what: string }
  /** save a plot: `data` is the SVG text, or the PNG as base64 */
  | { type: 'savePlot'; format: PlotFormat; name: string; data: string };

/** Exhaustiveness check: a switch over a union ends here, so a new member is a compile error. */
export function unreachable(x: never): never {
  throw new Error(`unhandled protocol value ${JSON.stringify(x)}`);
}
