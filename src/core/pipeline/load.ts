/**
 * The one load pipeline (issue #19 item 4): read the model → read the data and its labels → check
 * the labels against the model's outputs → cross-check the model with onnxruntime → the engine's
 * settings. The CLI (cli/inspect.ts loadAndCheck) and the extension's worker
 * (extension/workerJobs.ts analyzeJob) both call it, so a file one accepts the other accepts.
 * Files come by path (the CLI: through the engine's file layer) or as bytes (the worker: read by
 * the host through the same layer).
 */
import { readModelBytes, readModelFile } from '../onnx';
import { crossCheck, crossCheckRefusal, type CrossCheckResult } from '../onnx/ortCheck';
import { loadDataset, parseDataset, type AffineSpec, type Dataset, type LabelSpec } from '../data';
import type { DataLimits } from '../data/limits';
import type { ExternalSource } from '../io/external';
import type { FileSystem } from '../io/files';
import { ReluLensError } from '../errors';
import { lossFromHead, lossHint } from '../analysis/loss';
import type { LossName } from '../problem/loss';
import type { CanonicalModel } from '../model';
import type { CertifySettings } from '../certify/types';
import { settingsFromOptions, type UserOptions } from '../config/options';
import { sklearnSuggestion } from '../certify/sklearnBeta';
import { classesToMap, mapLabelsThroughClasses } from './classes';

export type ModelInput =
  | { path: string; fs?: FileSystem }
  /** `read` replaces readModelBytes (the worker first asks the host for missing external data) */
  | { bytes: Uint8Array; file: string; external: ExternalSource; read?: () => CanonicalModel };

export type FileInput = { path: string } | { bytes: Uint8Array; file: string };

export interface PipelineInput {
  model: ModelInput;
  data?: FileInput;
  /** labels in a separate file */
  labelFile?: FileInput;
  /** label columns as the user wrote them (digits: 0-based column indices) */
  labels?: string[];
  affine?: AffineSpec;
  /** the loss asked for; undefined: the model's head decides (analysis/loss.ts lossFromHead) */
  loss?: LossName;
  /** the readers' limits where a caller sets them (tests, the extension's settings) */
  limits?: Partial<DataLimits>;
  /** the onnxruntime agreement check (default true; the fuzz harness turns it off) */
  crossCheck?: boolean;
  /** the user's choices for the analysis; with them the pipeline returns the engine's settings */
  options?: UserOptions;
  /** who reads the warnings: advice names CLI flags, or the editor's commands (default 'cli') */
  frontEnd?: 'cli' | 'editor';
  onStage?: (stage: 'reading' | 'cross-check', detail: string) => void;
}

export interface Loaded {
  model: CanonicalModel;
  bytes: Uint8Array;
  data: Dataset | null;
  ort: CrossCheckResult | null;
  warnings: string[];
  settings: CertifySettings | null;
}

/** Labels as written: "3" is the column index 3, anything else a column name. */
export const labelSpec = (labels: string[] | undefined): LabelSpec | undefined =>
  labels?.length ? labels.map((l) => (/^\d+$/.test(l) ? Number(l) : l)) : undefined;

const fileName = (f: FileInput) => ('path' in f ? f.path : f.file);

export async function loadPipeline(inp: PipelineInput): Promise<Loaded> {
  const m = inp.model;
  const modelFile = 'path' in m ? m.path : m.file;
  inp.onStage?.('reading', modelFile);
  let model: CanonicalModel, bytes: Uint8Array, external: ExternalSource;
  if ('path' in m) ({ model, bytes, external } = await readModelFile(m.path, { fs: m.fs }));
  else {
    ({ bytes, external } = m);
    model = m.read ? m.read() : readModelBytes(bytes, { file: modelFile, external });
  }

  // cross-entropy labels may be one class-index column for c outputs (MATH.md §8)
  const loss = lossFromHead(model.head, inp.loss);
  const classIndices = loss.name === 'cross-entropy';
  // a classifier's labels as its classes (skl2onnx's classes_, not 0…c−1): read as their positions
  const classes = classesToMap(model, loss.name);
  let classNote: string | null = null;
  let data: Dataset | null = null;
  if (inp.data) {
    inp.onStage?.('reading', fileName(inp.data));
    const opts = {
      labels: labelSpec(inp.labels),
      expectD: model.d,
      expectC: classIndices ? undefined : model.c,
      affine: inp.affine,
      limits: inp.limits,
      ...(classes ? { labelClasses: classes } : {}),
    };
    const d = inp.data,
      l = inp.labelFile;
    if ('path' in d) {
      if (l && !('path' in l)) throw new TypeError('loadPipeline: a data path with label bytes');
      data = await loadDataset(d.path, { ...opts, labelFile: l?.path });
    } else {
      if (l && 'path' in l) throw new TypeError('loadPipeline: data bytes with a label path');
      data = parseDataset(d.bytes, { ...opts, file: d.file, labelBytes: l?.bytes, labelFile: l?.file });
    }
    if (data.c !== model.c && !(classIndices && data.c === 1))
      throw new ReluLensError(
        'model',
        `the data has ${data.c} label column(s) but the model has ${model.c} output(s)${lossHint(loss)}`,
        { file: fileName(d) },
        lossHint(loss) ? 'loss' : undefined,
      );
    if (classes) classNote = mapLabelsThroughClasses(data, classes, fileName(l ?? d));
  }

  const warnings: string[] = classNote ? [classNote] : [];
  let ort: CrossCheckResult | null = null;
  if (inp.crossCheck ?? true) {
    inp.onStage?.('cross-check', 'onnxruntime cross-check');
    ort = await crossCheck(model, bytes, data?.X, { external });
    if (ort.warning) warnings.push(ort.warning);
    const refusal = crossCheckRefusal(ort, modelFile);
    if (refusal) throw refusal;
  }
  if (data?.affine) warnings.push('the training data were preprocessed as you asked, x → (x − mean)/scale, before the model saw them');
  const settings = inp.options ? settingsFromOptions(model, inp.options) : null;
  const suggestion = inp.options && sklearnSuggestion(model, inp.options, inp.frontEnd);
  if (suggestion) warnings.push(suggestion);
  return { model, bytes, data, ort, warnings, settings };
}
