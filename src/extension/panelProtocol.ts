/**
 * The one typed message protocol between the extension host and the panel webview (webview/).
 * The webview imports these types only (no runtime code from the host bundle).
 *
 * CONTRACT shared by src/extension (host) and webview/ (panel). Extend additively.
 */
import type { AnalysisJson } from '../core/analysis/types';

/** Where a setting came from — the panel always says it (issue #5: never silently guess). */
export type SettingSource = 'config-file' | 'training-script' | 'user-prompt' | 'default' | 'cli-flag';

export interface SettingProvenance {
  name: string; // 'data' | 'labels' | 'beta' | 'weightDecay' | 'reduction' | 'optimizer' | 'hiddenBias' | 'outputBias' | 'loss' | 'tol'
  value: string;
  source: SettingSource;
  /** e.g. ".vscode/relu-lens.json", "train.py:42" */
  detail?: string;
}

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

export interface PanelError {
  /** 'model' | 'data' | 'usage' | 'internal' | 'beta-missing' | 'cancelled' */
  kind: string;
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

export interface PanelState {
  /** workspace-relative model path, shown in the title */
  model: string;
  status: 'idle' | 'running' | 'done' | 'error';
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
}

/** host → webview */
export type HostToPanel =
  | { type: 'state'; state: PanelState }
  | { type: 'progress'; stage: string; detail?: string }
  | { type: 'selectNeuron'; index: number | null };

/** webview → host */
export type PanelToHost =
  | { type: 'ready' }
  | { type: 'action'; action: PanelAction }
  | { type: 'selectNeuron'; index: number | null }
  /** the webview's own saved UI state (sort column, selected neuron, tab) — persisted via setState too */
  | { type: 'uiState'; ui: Record<string, unknown> };
