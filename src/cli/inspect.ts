import { loadPipeline, type Loaded as PipelineLoaded } from '../core/pipeline/load';
import { preActivations, modelSummary } from '../core/model';
import { toRows } from '../core/linalg/mat';
import type { CommonArgs } from './args';
import type { LossName } from '../core/problem/loss';
import type { UserOptions } from '../core/config/options';
import type { CanonicalModel } from '../core/model';
import type { Dataset } from '../core/data';

export interface Loaded extends Pick<PipelineLoaded, 'model' | 'data' | 'warnings' | 'settings'> {
  ort: NonNullable<PipelineLoaded['ort']>;
}

/**
 * Model + data + the onnxruntime agreement check (+ the engine's settings when `options` are
 * given): the shared load pipeline (src/core/pipeline/load.ts), the one the extension's worker runs.
 */
export async function loadAndCheck(args: CommonArgs & { loss?: LossName }, options?: UserOptions): Promise<Loaded> {
  const out = await loadPipeline({
    // the model and its external data go through the engine's file layer (src/core/io/files.ts);
    // onnxruntime gets the very ranges the reader read, nothing else
    model: { path: args.model },
    data: args.data ? { path: args.data } : undefined,
    labelFile: args.labelsFile ? { path: args.labelsFile } : undefined,
    labels: args.labels,
    affine: args.affine,
    loss: args.loss,
    options,
  });
  return { ...out, ort: out.ort! };
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

/** The model, its onnxruntime agreement and, with --data, the data with its labels read as certify reads them. */
export async function runInspect(args: CommonArgs & { loss?: LossName }): Promise<number> {
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
        ? {
            file: data.source.file,
            n: data.n,
            d: data.d,
            c: data.c,
            labels: data.labelNames,
            affine: data.affine ? { mean: [...data.affine.mean], scale: [...data.affine.scale] } : null,
          }
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
