import type { ModelSummary } from '../core/model';
import type { UserOptions } from '../core/config/options';
import type { AnalysisJson, NetworkJson } from '../core/report/analysisJson';
import type { LossName } from '../core/problem/loss';
import type { PlotData, VerdictBlock } from '../protocol/panel';
import type { ErrorCode, ErrorKind } from '../core/errors';
import type { ExternalEntry } from '../core/io/external';

/**
 * Messages between the extension host and the engine worker. One typed protocol: the worker never
 * sees vscode, the host never runs the engine on its own thread. The host reads every user file
 * (model, external data, training data) through vscode.workspace.fs and sends the bytes.
 */
/**
 * `externals`: external data the model names. Keys are rangeKey() of an entry (src/core/io/external.ts)
 * holding exactly that range's bytes (an empty array for an unused initializer the host checked but
 * did not read), or, in the older form, a path relative to the model's folder holding the whole file.
 * When the model needs data that is not there the worker answers `needExternal` with the first
 * missing file and `needRanges` with every external entry of the model; the host checks them all
 * through the engine's file layer, reads the used ranges and sends the request again.
 */
export interface ModelSource {
  modelBytes: Uint8Array;
  /** workspace-relative path shown in messages */
  modelName: string;
  externals: Record<string, Uint8Array>;
}

export interface AnalyzeOptions extends UserOptions {
  loss?: LossName;
  labels?: string[];
}

export type WorkerRequest =
  | (ModelSource & { id: number; kind: 'inspect' })
  | (ModelSource & {
      id: number;
      kind: 'analyze';
      dataBytes: Uint8Array;
      dataName: string;
      labelBytes?: Uint8Array;
      labelName?: string;
      options: AnalyzeOptions;
    })
  /** column names of a data file (for the label quick pick) and the default label choice */
  | { id: number; kind: 'dataColumns'; dataBytes: Uint8Array; dataName: string; expectD?: number; expectC?: number }
  | (Partial<ModelSource> & { id: number; kind: 'export'; format: ExportFormat; net: NetworkJson });

export type ExportFormat = 'onnx' | 'npz' | 'csv';

export interface DataColumns {
  /**
   * Every column, in file order for text tables. `id` is what the settings file stores in
   * "labels": the header name, or the 0-based index as a string when the file has no header.
   */
  columns: { id: string; name: string }[];
  /** ids of the reader's default label choice for this model */
  defaultLabels: string[];
  /** a text table with a header row (false: ids are indices) */
  header: boolean;
}

export interface AnalyzeResult {
  json: AnalysisJson;
  plot: PlotData;
  /** the §4 optimum (exact) and the best witness network, for exports */
  optimal: NetworkJson | null;
  witness: NetworkJson | null;
  /** 'analyze' when src/core/analysis ran, 'certify' when only the certificate was computed */
  engine: 'analyze' | 'certify';
  ms: number;
}

export type WorkerResponse =
  | { id: number; ok: true; kind: 'inspect'; summary: InspectSummary }
  | { id: number; ok: true; kind: 'progress'; stage: string; detail?: string }
  /** an analysis' verdict, as soon as the certificate has it (before the optimum search) */
  | { id: number; ok: true; kind: 'verdict'; verdict: VerdictBlock }
  | { id: number; ok: true; kind: 'analyze'; result: AnalyzeResult }
  | { id: number; ok: true; kind: 'dataColumns'; columns: DataColumns }
  | { id: number; ok: true; kind: 'export'; bytes: Uint8Array }
  | { id: number; ok: false; error: string; errorKind: WorkerErrorKind; errorCode?: ErrorCode; needExternal?: string; needRanges?: ExternalEntry[] };

/** Why a request failed: the engine's error kinds, a cancelled run, or external data still to be sent. */
export type WorkerErrorKind = ErrorKind | 'cancelled' | 'need-external';

export type InspectSummary = ModelSummary & {
  /** the loss the output head implies (analysis/loss.ts lossFromHead): the label prompt's column count */
  headLoss?: LossName;
};

/** Progress and the early verdict are not final answers. */
export const isFinal = (r: WorkerResponse) => !(r.ok && (r.kind === 'progress' || r.kind === 'verdict'));
