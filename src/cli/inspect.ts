import { readModelFile } from '../core/onnx';
import { crossCheck, crossCheckRefusal } from '../core/onnx/ortCheck';
import { loadDataset } from '../core/data';
import { preActivations, modelSummary } from '../core/model';
import { toRows } from '../core/linalg/mat';
import { modelError } from '../core/errors';
import type { CommonArgs } from './args';
import type { LossName } from '../core/analysis/types';
import { lossFromHead } from '../core/analysis/loss';
import type { CanonicalModel } from '../core/model';
import type { Dataset } from '../core/data';

export interface Loaded {
  model: CanonicalModel;
  data: Dataset | null;
  ort: Awaited<ReturnType<typeof crossCheck>>;
  warnings: string[];
}

/** Model + data + the onnxruntime agreement check: shared by inspect and certify. */
export async function loadAndCheck(args: CommonArgs & { loss?: LossName }): Promise<Loaded> {
  // the model and its external data go through the engine's file layer (src/core/io/files.ts);
  // `external` hands onnxruntime the very ranges the reader read, nothing else
  const { model, bytes, external } = await readModelFile(args.model);
  // cross-entropy labels may be one class-index column for c outputs (MATH.md §8)
  const classIndices = args.command !== 'inspect' && lossFromHead(model.head.kind, args.loss).name === 'cross-entropy';
  const data = args.data
    ? await loadDataset(args.data, {
        labels: args.labels.length ? args.labels.map((l) => (/^\d+$/.test(l) ? Number(l) : l)) : undefined,
        labelFile: args.labelsFile,
        expectD: model.d,
        expectC: classIndices ? undefined : model.c,
        affine: args.affine,
      })
    : null;
  const ort = await crossCheck(model, bytes, data?.X, { external });
  const warnings: string[] = [];
  if (ort.warning) warnings.push(ort.warning);
  if (data?.affine)
    warnings.push('the training data were preprocessed as you asked, x → (x − mean)/scale, before the model saw them');
  const refusal = crossCheckRefusal(ort, args.model);
  if (refusal) throw refusal;
  if (data && data.c !== model.c && !(classIndices && data.c === 1))
    throw modelError(`the data has ${data.c} label column(s) but the model has ${model.c} output(s)`, { file: args.data });
  return { model, data, ort, warnings };
}

export function deadNeurons(model: CanonicalModel, data: Dataset): number[] {
  const Z = preActivations(model, data.X);
  const dead: number[] = [];
  for (let j = 0; j < model.m; j++) {
    let alive = false;
    for (let i = 0; i < Z.rows && !alive; i++) alive = Z.data[i * model.m + j] > 0;
    if (!alive) dead.push(j);
  }
  return dead;
}

export async function runInspect(args: CommonArgs): Promise<number> {
  const { model, data, ort, warnings } = await loadAndCheck(args);
  const dead = data ? deadNeurons(model, data) : null;
  if (args.json) {
    const out = {
      ...modelSummary(model),
      input: model.input,
      output: model.output,
      preprocessing: model.foldedPreprocessing.map((p) => ({ source: p.source, offset: [...p.offset], scale: [...p.scale] })),
      nodeMap: model.nodeMap,
      ortMaxAbsDiff: ort.maxAbsDiff,
      ortTolerance: ort.tolerance,
      ortToleranceRule: ort.toleranceRule,
      ortInputs: ort.inputs,
      data: data
        ? { file: data.source.file, n: data.n, d: data.d, c: data.c, labels: data.labelNames, affine: data.affine ? { mean: [...data.affine.mean], scale: [...data.affine.scale] } : null }
        : null,
      deadNeurons: dead,
      W1: toRows(model.W1),
      b1: model.b1 ? [...model.b1] : null,
      W2: toRows(model.W2),
      b2: model.b2 ? [...model.b2] : null,
      warnings,
    };
    process.stdout.write(JSON.stringify(out) + '\n');
    return 0;
  }
  const p = (s: string) => process.stdout.write(s + '\n');
  p(`${model.file}: two-layer ReLU network, d=${model.d} → m=${model.m} → c=${model.c}`);
  p(`  hidden bias: ${model.b1 ? 'yes' : 'no'}, output bias: ${model.b2 ? 'yes' : 'no'}, output head: ${model.head.kind}`);
  p(`  weights ${model.dtype}, input ${model.inputDtype}; exported by ${model.producer.name || '(unknown)'} ${model.producer.version}, opset ${model.opset}`);
  for (const pre of model.foldedPreprocessing) p(`  preprocessing folded into layer 1: ${pre.source}`);
  p(
    ort.maxAbsDiff === null
      ? `  onnxruntime check: not run`
      : `  onnxruntime agrees: max |difference| ${ort.maxAbsDiff.toExponential(2)} ≤ tolerance ${ort.tolerance.toExponential(2)} (${ort.toleranceRule}) on ${ort.inputs === 'data' ? 'the training data' : 'generated inputs'}`,
  );
  if (data) {
    p(`  data: ${data.source.file}: n=${data.n}, labels ${data.labelNames.join(', ')}`);
    if (data.affine) p(`  data preprocessing (user): x → (x − mean)/scale`);
    p(`  dead neurons (zero on all training data): ${dead!.length ? dead!.join(', ') : 'none'}`);
  }
  for (const w of warnings) p(`  warning: ${w}`);
  return 0;
}
