/**
 * The stages of analyze() (./index.ts), in its order: reading → certificate → optimum → closed form
 * → interpretation → diagnosis → geometry → assembly. Each stage takes the run's shared state
 * (AnalysisRun: inputs, warnings, timings, progress, cancellation) and returns its own part, so
 * analyze() reads as the list of stages. The optimum and the diagnosis are asynchronous: their
 * convex programs multiply through the product kernel chosen by size (convex/kernelChoice.ts).
 */
import type { CanonicalModel } from '../model';
import { forward } from '../model';
import type { Dataset } from '../data';
import type { Mat } from '../linalg/mat';
import { certifyNetwork } from '../certify';
import type { CertificateResult, CertifySettings } from '../certify/types';
import type { NetworkWeights } from '../problem/network';
import { computeOracle } from '../oracle';
import { CancelledError, isCancellation, ReluLensError } from '../errors';
import { certificateToJson, type CertificateJson } from '../report/json';
import type { AnalysisJson, ClosedFormJson, DiagnosisJson, GeometryJson, LossJson, NeuronInterpretationJson } from '../report/analysisJson';
import type { LossName } from '../problem/loss';
import * as interpret from '../interpret';
import * as losses from '../losses';
import { dualDirectionFor, lossFromHead, withLossHint } from './loss';
import { certifiedOptimum, classificationOptimum, squaredOptimum, type OptimumOutcome } from './optimum';
import { refineCertificate } from './refine';
import { closedFormJson, convexClosedForm } from './closedForm';
import { diagnose } from './diagnosis';
import { diagnoseClassification } from './diagnosisLoss';
import { diagnoseVector } from './diagnosisVector';
import { diagnoseCrossEntropy } from './diagnosisCrossEntropy';
import { networkToJson } from './networkJson';

export interface AnalyzeOptions {
  loss?: LossName;
  optimize?: boolean;
  /** squared loss: a network the certificate proved optimal is its own optimum (no second column generation; what `certify` does, not `optimize`) */
  reuseCertified?: boolean;
  interpret?: boolean;
  /** false: no per-neuron readings (the diagnosis still runs); the CLI's text output shows none */
  readings?: boolean;
  geometry?: boolean;
  /**
   * Called once the certificate's verdict is known, before the optimum search and the readings
   * (the CLI prints it at once). Its numbers are the certificate's; the optimum may refine them
   * later under the same soundness rules (the final JSON says so).
   */
  onVerdict?: (verdict: CertificateJson) => void;
}

export interface AnalysisOutcome {
  json: AnalysisJson;
  optimal: NetworkWeights | null;
  witness: NetworkWeights | null;
}

export type Certificate = CertificateResult & { optimal?: NetworkWeights | null };
type ClassLoss = Exclude<LossName, 'squared'>;

/** What every stage shares: the inputs, the loss, and the run's warnings, timings, progress and stop check. */
export interface AnalysisRun {
  model: CanonicalModel;
  data: Dataset;
  settings: CertifySettings;
  opts: AnalyzeOptions;
  loss: LossJson;
  squared: boolean;
  X: Mat;
  /** labels in the loss' form (one-hot, ±1, …) */
  Y: Mat;
  warnings: string[];
  timings: Record<string, number>;
  stage(s: string, detail?: string): void;
  /** throws CancelledError when the caller asked to stop */
  check(): void;
  /** records the time since the previous lap under `name` */
  lap(name: string): void;
}

/** Reading: the loss (from the head unless given) and the labels in its form. */
export function startRun(model: CanonicalModel, data: Dataset, settings: CertifySettings, opts: AnalyzeOptions): AnalysisRun {
  const timings: Record<string, number> = {};
  let t = performance.now();
  settings.onStage?.('reading');
  const loss = lossFromHead(model.head, opts.loss);
  const squared = loss.name === 'squared';
  return {
    model,
    data,
    settings,
    opts,
    loss,
    squared,
    X: data.X,
    Y: squared ? data.Y : withLossHint(loss, () => losses.labelsForLoss(data.Y, loss.name, model.c)),
    warnings: [],
    timings,
    stage: (s, detail) => settings.onStage?.(s, detail),
    check: () => {
      if (settings.shouldStop?.()) throw new CancelledError('analysis');
    },
    lap: (name) => {
      const now = performance.now();
      timings[name] = now - t;
      t = now;
    },
  };
}

/** An optional part: a failure that is not a cancellation or a refusal becomes a warning. */
async function guarded<T>(run: AnalysisRun, what: string, f: () => T | Promise<T>): Promise<T | null> {
  try {
    return await f();
  } catch (e) {
    if (isCancellation(e, run.settings.shouldStop) || e instanceof ReluLensError) throw e;
    run.warnings.push(`${what} failed (internal error: ${e instanceof Error ? e.message : String(e)}); that part is omitted.`);
    return null;
  }
}

/** A diagnosis that is never fatal: any failure but a cancellation becomes a warning (`what` names it). */
async function neverFatal<T>(run: AnalysisRun, what: string, f: () => T | Promise<T>): Promise<T | null> {
  try {
    return await f();
  } catch (e) {
    if (isCancellation(e, run.settings.shouldStop)) throw e;
    run.warnings.push(`${what} failed (${e instanceof Error ? e.message : String(e)}); that part is omitted.`);
    return null;
  }
}

/**
 * The certificate (squared → certifyNetwork; other losses → certifyClassification). With the
 * optimum to compute (`optimize`), the certificate's own column generation would be done twice: it
 * takes the residual (and closed-form) dual point only, and the optimum's column generation — run to
 * convergence — refines it under the same soundness rules. `certify` and the panel (reuseCertified)
 * keep the certificate's own column generation, which stops at the verdict's tolerance: a certified
 * network is then its own optimum, and the search to 1e-10 runs only when the certificate did not
 * prove optimality (bench certify-cli model, n = 1e4: 6 s, not 34 s).
 */
export function certificateStage(run: AnalysisRun): Certificate {
  const { model, X, Y, settings, opts, loss, squared } = run;
  const residualOnly = opts.optimize !== false && !opts.reuseCertified;
  const s = residualOnly ? { ...settings, maxIterations: 0 } : settings;
  const cert: Certificate = squared
    ? certifyNetwork(model, X, Y, s, computeOracle)
    : losses.certifyClassification(model, X, Y, loss.name as ClassLoss, s, computeOracle);
  run.lap('certificate');
  run.check();
  opts.onVerdict?.(
    certificateToJson({ ...cert, warnings: [...cert.warnings, ...run.warnings], timings: { ...cert.timings, ...run.timings } }, model, run.data),
  );
  return cert;
}

/** The optimum (MATH.md §4); its sound bound and concrete network refine the certificate (same rules, every loss). */
export async function optimumStage(run: AnalysisRun, cert0: Certificate): Promise<{ cert: Certificate; opt: OptimumOutcome | null }> {
  if (run.opts.optimize === false) return { cert: cert0, opt: null };
  const { model, X, Y, settings, opts, squared, loss } = run;
  run.stage('optimum');
  const beta = cert0.beta;
  const modes = { hiddenBias: cert0.hiddenBias, outputBias: cert0.outputBias };
  const opt = squared
    ? ((opts.reuseCertified ? certifiedOptimum(model, X, Y, beta, modes, cert0) : null) ??
      (await squaredOptimum(model, X, Y, beta, modes, settings, cert0, computeOracle, run.stage)))
    : // certify on a network its certificate proved optimal: that network is its own optimum (no second search)
      classificationOptimum(cert0, model, X, Y, loss.name as ClassLoss, beta, modes, settings, computeOracle, run.stage, {
        search: !(opts.reuseCertified && cert0.verdict === 'certified'),
      });
  let cert = cert0;
  if (opt) {
    run.warnings.push(...opt.warnings);
    cert = refineCertificate(cert0, {
      lowerBound: opt.lowerBound,
      network: opt.network,
      value: opt.value,
      oracle: opt.lastOracle,
      description: `optimum column generation (${opt.json.method}), objective recomputed from the weights`,
    });
  }
  run.lap('optimum');
  run.check();
  return { cert, opt };
}

/** The closed form that applied (MATH.md §5): the certificate's, else the convex program's detection (squared loss). */
export async function closedFormStage(run: AnalysisRun, cert: Certificate): Promise<ClosedFormJson | null> {
  const own = closedFormJson(cert);
  if (own) return own;
  if (!run.squared) return null;
  const modes = { hiddenBias: cert.hiddenBias, outputBias: cert.outputBias };
  return guarded(run, 'closed-form detection', () => convexClosedForm(run.X, run.Y, cert.beta, modes));
}

export interface Readings {
  trained: NeuronInterpretationJson[] | null;
  optimal?: NeuronInterpretationJson[];
}

/** Per-neuron readings of the trained network and of the optimum, matched (MATH.md §6). */
export async function interpretationStage(run: AnalysisRun, cert: Certificate, opt: OptimumOutcome | null): Promise<Readings> {
  if (run.opts.interpret === false || run.opts.readings === false) return { trained: null };
  const { model, X, Y, squared, loss, settings } = run;
  const beta = cert.beta;
  const modes = { hiddenBias: cert.hiddenBias, outputBias: cert.outputBias };
  run.stage('interpretation');
  const dirOf = (net: NetworkWeights) => (squared ? undefined : dualDirectionFor(losses.lossOf(loss.name, settings), forward(net, X), Y));
  const dualDirection = dirOf(model);
  const trained = await guarded(run, 'interpretation', () => interpret.interpretNeurons(model, X, Y, beta, modes, dualDirection ? { dualDirection } : {}));
  let optimal: NeuronInterpretationJson[] | undefined;
  if (opt) {
    const on = opt.network;
    const od = dirOf(on);
    optimal =
      (await guarded(run, 'interpretation of the optimum', () => interpret.interpretNeurons(on, X, Y, beta, modes, od ? { dualDirection: od } : {}))) ??
      undefined;
    const matches = (await guarded(run, 'neuron matching', () => interpret.matchNeurons(model, on, X, modes))) ?? [];
    for (const mt of matches) {
      const tr = trained?.find((r) => r.index === mt.trained);
      const op = optimal?.find((r) => r.index === mt.optimal);
      if (tr) Object.assign(tr, { match: mt.optimal, matchCosine: mt.cosine });
      if (op) Object.assign(op, { match: mt.trained, matchCosine: mt.cosine });
    }
  }
  run.lap('interpretation');
  run.check();
  return { trained, optimal };
}

/** Why training stopped (MATH.md §7; §8 for the classification losses); null when no diagnosis applies. */
export async function diagnosisStage(run: AnalysisRun, cert: Certificate, opt: OptimumOutcome | null): Promise<DiagnosisJson | null> {
  const { model, X, Y, settings, squared, loss } = run;
  if (run.opts.interpret === false) return null;
  const scalarClass = (loss.name === 'hinge' || loss.name === 'logistic') && Y.cols === 1;
  if (!squared && !scalarClass && loss.name !== 'cross-entropy') return null;
  run.stage('diagnosis');
  const inp = {
    net: model,
    X,
    Y,
    beta: cert.beta,
    modes: { hiddenBias: cert.hiddenBias, outputBias: cert.outputBias },
    cert,
    pstarUpper: opt ? opt.value : Infinity,
    settings,
    oracle: computeOracle,
  };
  let diagnosis: DiagnosisJson | null;
  if (squared && Y.cols === 1) diagnosis = await guarded(run, 'diagnosis', () => diagnose(inp));
  // the other diagnoses are never fatal: a failure is a warning
  else if (squared) diagnosis = await neverFatal(run, `diagnosis (vector output, c = ${Y.cols})`, () => diagnoseVector(inp));
  else if (loss.name === 'cross-entropy')
    diagnosis = await neverFatal(run, 'diagnosis (cross-entropy loss)', () => diagnoseCrossEntropy({ ...inp, loss: loss.name }));
  else diagnosis = await neverFatal(run, `diagnosis (${loss.name} loss)`, () => diagnoseClassification({ ...inp, loss: loss.name as 'hinge' | 'logistic' }));
  run.lap('diagnosis');
  run.check();
  return diagnosis;
}

/** The training geometry (MATH.md §9). */
export async function geometryStage(run: AnalysisRun, cert: Certificate, opt: OptimumOutcome | null): Promise<GeometryJson | null> {
  if (run.opts.geometry === false) return null;
  run.stage('geometry');
  const modes = { hiddenBias: cert.hiddenBias, outputBias: cert.outputBias };
  const geometry = await guarded(run, 'training geometry', () =>
    interpret.trainingGeometry(run.model, run.X, modes, opt ? opt.json.neurons : null, run.settings.seed),
  );
  run.lap('geometry');
  return geometry;
}

function netOf(n: NetworkWeights): NetworkWeights {
  return { W1: n.W1, b1: n.b1, W2: n.W2, b2: n.b2 };
}

/** One AnalysisJson from the parts, with the run's warnings, timings and every tolerance used. */
export function assemble(
  run: AnalysisRun,
  cert0: Certificate,
  parts: { opt: OptimumOutcome | null; closedForm: ClosedFormJson | null; readings: Readings; diagnosis: DiagnosisJson | null; geometry: GeometryJson | null },
  tolerances: Record<string, { value: number; meaning: string }>,
): AnalysisOutcome {
  const { opt, readings } = parts;
  const cert = {
    ...cert0,
    warnings: [...cert0.warnings, ...run.warnings],
    timings: { ...cert0.timings, ...run.timings },
    tolerances: { ...cert0.tolerances, ...tolerances },
  };
  const base = certificateToJson(cert, run.model, run.data);
  const neurons = base.neurons.map((n) => {
    const r = readings.trained?.find((x) => x.index === n.index);
    return r ? { ...r, ...n } : n;
  });
  const json: AnalysisJson = {
    ...base,
    loss: run.loss,
    closedForm: parts.closedForm,
    neurons,
    optimum: opt ? opt.json : null,
    ...(readings.optimal ? { optimalNeurons: readings.optimal } : {}),
    diagnosis: parts.diagnosis,
    geometry: parts.geometry,
    network: networkToJson(run.model),
  };
  const exact = opt?.json.exact === true;
  return {
    json,
    optimal: exact ? opt!.network : null,
    witness: opt && !exact ? opt.network : cert.witness ? netOf(cert.witness) : null,
  };
}
