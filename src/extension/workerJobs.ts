/**
 * What the engine worker does for each request (no vscode, no worker_threads: testable directly).
 * The model and data arrive as bytes; external data is asked for by range (NeedExternal lists every
 * external entry of the model) so the host reads exactly those bytes through the engine's file
 * layer (src/core/io), never a whole file.
 */
import { decodeModel, readDecodedModel } from '../core/onnx';
import { externalNeeds } from '../core/onnx/external';
import { memorySource, type ExternalEntry } from '../core/io/external';
import { parseDataset } from '../core/data';
import { readDelimited } from '../core/data/text';
import { resolveLabelColumns } from '../core/data/labels';
import { isNpy } from '../core/data/npy';
import { isZip } from '../core/data/npz';
import { modelError, ReluLensError } from '../core/errors';
import { loadPipeline } from '../core/pipeline/load';
import { modelSummary, type CanonicalModel } from '../core/model';
import { lossFromHead } from '../core/analysis/loss';
import { fromRows, toRows, type Mat } from '../core/linalg/mat';
import type { NetworkWeights } from '../core/problem/network';
import type { NetworkJson } from '../core/report/analysisJson';
import { buildPlotData } from './plotData';
import { verdictBlock } from './verdictBlock';
import type { VerdictBlock } from '../protocol/panel';
import { runAnalysis, exportNetwork } from './analysisBridge';
import type { AnalyzeOptions, AnalyzeResult, DataColumns, ExportFormat, InspectSummary, ModelSource } from './protocol';

/**
 * Thrown when the model names external data the host has not sent yet: `path` is the first file
 * missing, `entries` every external entry of the model (the host checks them all and reads the
 * ranges of the used ones).
 */
export class NeedExternal extends Error {
  constructor(
    readonly path: string,
    readonly entries: ExternalEntry[] = [],
  ) {
    super(`external data file '${path}' needed`);
  }
}

/** Progress callbacks this often at most per stage (the 'patterns' stage reports per block). */
const PROGRESS_INTERVAL_MS = 100;

/** The model's facts for the status bar and the prompts, with the loss its head implies. */
export function inspectSummary(model: CanonicalModel): InspectSummary {
  return { ...modelSummary(model), headLoss: lossFromHead(model.head).name };
}

export function loadModel(src: ModelSource): CanonicalModel {
  const model = decodeModel(src.modelBytes, src.modelName);
  const external = memorySource(src.externals ?? {});
  // every entry must have been through the host's file layer before anything is read; one round trip
  let needs: ExternalEntry[];
  try {
    needs = externalNeeds(model, src.modelName);
  } catch (e) {
    if (e instanceof ReluLensError) throw e;
    throw modelError(`the model is malformed and cannot be read (${e instanceof Error ? e.message : String(e)})`, { file: src.modelName });
  }
  const missing = needs.find((e) => !external.has(e));
  if (missing) throw new NeedExternal(missing.location, needs);
  return readDecodedModel(model, { file: src.modelName, external });
}

class HeaderRead {
  constructor(
    readonly names: string[] | null,
    readonly k: number,
  ) {}
}

/**
 * Column names for the label quick pick. Text tables: only the header is read (the resolver hook
 * fires once the first rows are known, and we stop there). Other formats: parsed with the defaults.
 */
export function dataColumns(bytes: Uint8Array, name: string, expectC?: number): DataColumns {
  const ext = /\.([^./\\]+)$/.exec(name)?.[1]?.toLowerCase() ?? '';
  if (!isNpy(bytes) && !isZip(bytes) && !['npy', 'npz', 'json'].includes(ext)) {
    let head: HeaderRead | undefined;
    try {
      readDelimited(bytes, name, ext, (names, k) => {
        throw (head = new HeaderRead(names, k));
      });
    } catch (e) {
      if (!(e instanceof HeaderRead)) throw e;
    }
    if (head) {
      const { names, k } = head;
      const columns = Array.from({ length: k }, (_, j) => (names ? { id: names[j], name: names[j] } : { id: String(j), name: `column ${j + 1}` }));
      const choice = resolveLabelColumns(names, k, undefined, name, expectC);
      return { columns, defaultLabels: choice.cols.map((j) => columns[j].id), header: names !== null };
    }
  }
  const ds = parseDataset(bytes, { file: name, expectC });
  const columns = [...ds.featureNames, ...ds.labelNames].map((n) => ({ id: n, name: n }));
  return { columns, defaultLabels: ds.labelNames, header: true };
}

export interface AnalyzeInput extends ModelSource {
  dataBytes: Uint8Array;
  dataName: string;
  labelBytes?: Uint8Array;
  labelName?: string;
  options: AnalyzeOptions;
}

/** The shared load pipeline (src/core/pipeline/load.ts, as the CLI's loadAndCheck) → analyze → PlotData. */
export async function analyzeJob(
  req: AnalyzeInput,
  onStage: (stage: string, detail?: string) => void,
  shouldStop: () => boolean = () => false,
  onVerdict?: (verdict: VerdictBlock) => void,
): Promise<AnalyzeResult> {
  const t0 = performance.now();
  const external = memorySource(req.externals ?? {});
  const { model, data, ort, settings, warnings } = await loadPipeline({
    model: { bytes: req.modelBytes, file: req.modelName, external, read: () => loadModel(req) },
    data: { bytes: req.dataBytes, file: req.dataName },
    labelFile: req.labelBytes ? { bytes: req.labelBytes, file: req.labelName ?? 'labels' } : undefined,
    labels: req.options.labels,
    loss: req.options.loss,
    options: req.options,
    frontEnd: 'editor',
    onStage: (_stage, detail) => onStage('reading', detail),
  });
  if (!data || !settings || !ort) throw new Error('analyzeJob: the pipeline returned no data, settings or cross-check');
  let last = '';
  let lastAt = 0;
  settings.onStage = (stage, detail) => {
    const now = performance.now();
    if (stage === last && now - lastAt < PROGRESS_INTERVAL_MS) return;
    last = stage;
    lastAt = now;
    onStage(stage, detail);
  };
  settings.shouldStop = shouldStop;
  // the early verdict carries the reading's warnings first, as the final result does
  const out = await runAnalysis(
    model,
    data,
    settings,
    req.options.loss,
    onVerdict && ((v) => onVerdict(verdictBlock({ ...v, warnings: [...warnings, ...v.warnings] }))),
  );
  out.json.warnings.unshift(...warnings);
  onStage('geometry', 'plot data');
  const plot = buildPlotData(data.X, data.Y);
  return {
    json: out.json,
    plot,
    optimal: out.optimal ? networkJson(out.optimal) : null,
    witness: out.witness ? networkJson(out.witness) : null,
    engine: out.engine,
    ms: performance.now() - t0,
  };
}

export function networkJson(n: NetworkWeights): NetworkJson {
  return { W1: toRows(n.W1), b1: n.b1 ? [...n.b1] : null, W2: toRows(n.W2), b2: n.b2 ? [...n.b2] : null };
}

export function networkFromJson(n: NetworkJson): NetworkWeights {
  const mat = (rows: number[][], cols: number): Mat => (rows.length ? fromRows(rows) : { rows: 0, cols, data: new Float64Array(0) });
  return { W1: mat(n.W1, 0), b1: n.b1 ? Float64Array.from(n.b1) : null, W2: mat(n.W2, n.W1.length), b2: n.b2 ? Float64Array.from(n.b2) : null };
}

export function exportJob(req: Partial<ModelSource> & { format: ExportFormat; net: NetworkJson }): Uint8Array {
  const net = networkFromJson(req.net);
  const model = req.format === 'onnx' ? loadModel(req as ModelSource) : null;
  return exportNetwork(req.format, net, model);
}
