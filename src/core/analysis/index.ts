/**
 * analyze(): the certificate plus everything MATH.md §4–§9 says about the network — the optimal
 * network, the closed form that applied, per-neuron readings, why training stopped, the training
 * geometry — as one AnalysisJson (what `certify --json`, `optimize --json` and the panel show).
 *
 * Order: certificate (squared → certifyNetwork; other losses → certifyClassification) →
 * optimum (column generation to convergence; its dual bound and network refine the certificate,
 * under the certificate's soundness rules) → closed form → interpretation (trained and optimal
 * neurons, matched) → diagnosis (P_own) → geometry. Optional parts that fail for a reason other
 * than cancellation become warnings; the certificate itself never depends on them.
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
import type { AnalysisJson, GeometryJson, LossJson, NeuronInterpretationJson, DiagnosisJson, ClosedFormJson } from '../report/analysisJson';
import type { LossName } from '../problem/loss';
import * as interpret from '../interpret';
import * as losses from '../losses';
import { dualDirectionFor, lossFromHead, withLossHint } from './loss';
import { certifiedOptimum, classificationOptimum, squaredOptimum, type OptimumOutcome } from './optimum';
import { refineCertificate } from './refine';
import { closedFormJson, convexClosedForm } from './closedForm';
import { diagnose, DIAGNOSIS_POLISH_ROUNDS, DIAGNOSIS_MAX_ITERATIONS } from './diagnosis';
import { diagnoseClassification, DIAGNOSIS_LOSS_MAX_ITERATIONS } from './diagnosisLoss';
import { diagnoseVector, DIAGNOSIS_VECTOR_REL_TOL, DIAGNOSIS_VECTOR_MAX_ITERATIONS, DIAGNOSIS_VECTOR_WIDE_MAX_ITERATIONS, DIAGNOSIS_VECTOR_FINAL_CALL_EVALS } from './diagnosisVector';
import { diagnoseCrossEntropy, DIAGNOSIS_CE_REL_TOL, DIAGNOSIS_CE_MAX_ITERATIONS } from './diagnosisCrossEntropy';
import { OWN_INTERVAL_WIDE_WORK } from './ownInterval';
import { networkToJson } from './networkJson';
import { OPTIMUM_EXACT_REL_TOL, OPTIMUM_REL_TOL } from '../certify/optimum';
import {
  SAMPLED_PATTERNS,
  SAMPLED_PROGRAM_POLISH_ROUNDS,
  LOSS_OPTIMUM_REL_TOL,
  LOSS_OPTIMUM_LASSO_REL_TOL,
  LOSS_OPTIMUM_HINGE_SMOOTHING_REL,
  LOSS_OPTIMUM_SLIDE_STEPS,
  DUAL_POINT_MAX_ENTRIES,
} from './optimum';
import { SLIDE_FACE_TOL, SLIDE_RELEASE_TOL, HINGE_KKT_SUPPORT_REL, HINGE_KKT_ROUNDS } from '../convex/lossNewton';
import { CLOSED_FORM_MAX_VECTOR } from './closedForm';
import { SAFETY_TIME_LIMIT_MS } from '../config/options';
import * as convex from '../convex';
import { OWN_WIDE_CALL_EVALS, OWN_WIDE_ASCENT_STEPS } from './ownOracle';
import { SPHERE_REL_TOL, SPHERE_MAX_EVALS, SPHERE_MAX_BLOCK_DOUBLES, SPHERE_MAX_C, SPHERE_COVER_SLACK, ZSPHERE_MAX_P } from './ownSphere';

export interface AnalyzeOptions {
  loss?: LossName;
  optimize?: boolean;
  /** squared loss: a network the certificate proved optimal is its own optimum (no second column generation; what `certify` does, not `optimize`) */
  reuseCertified?: boolean;
  interpret?: boolean;
  geometry?: boolean;
  /**
   * Called once the certificate's verdict is known, before the optimum search and the readings
   * (the CLI prints it at once). Its numbers are the certificate's; the optimum may refine them
   * later under the same soundness rules (the final JSON says so).
   */
  onVerdict?: (verdict: CertificateJson) => void;
}

/**
 * The one analysis plan per command, so the CLI and the panel run the same computation and show
 * the same numbers: `certify` and the panel keep the certificate's own column generation (a
 * network it proves optimal is its own optimum, no second search) and search the optimum after
 * the verdict within its work budget; `optimize` runs the optimum's column generation to
 * convergence and takes the certificate's residual dual point only.
 */
export function analysisPlan(command: 'certify' | 'optimize' | 'panel', o: { loss?: LossName; optimum?: boolean } = {}): AnalyzeOptions {
  return { loss: o.loss, optimize: command === 'optimize' || o.optimum !== false, reuseCertified: command !== 'optimize' };
}
export interface AnalysisOutcome {
  json: AnalysisJson;
  optimal: NetworkWeights | null;
  witness: NetworkWeights | null;
}

export { lossFromHead, LOSS_NAMES } from './loss';
export { networkToJson } from './networkJson';

/** The analysis' own named tolerances and those of the modules it used (reported with the certificate's). */
export function analysisTolerances(): Record<string, { value: number; meaning: string }> {
  return {
    optimumRelTol: { value: OPTIMUM_REL_TOL, meaning: "the optimum's column generation stops when its certified relative gap (value − lower bound)/value is at most this" },
    optimumExactRelTol: {
      value: OPTIMUM_EXACT_REL_TOL,
      meaning: "the optimum is labelled exact when its certified relative gap is at most this (or an exact oracle gave M ≤ β(1 + optimalM) at the restricted optimum)",
    },
    lossOptimumRelTol: { value: LOSS_OPTIMUM_REL_TOL, meaning: "hinge/logistic/cross-entropy: the optimum's column generation stops when its certified relative gap is at most this" },
    lossOptimumLassoRelTol: { value: LOSS_OPTIMUM_LASSO_REL_TOL, meaning: "hinge/logistic/cross-entropy: the optimum's restricted problems are solved to this relative restricted duality gap" },
    lossOptimumHingeSmoothing: { value: LOSS_OPTIMUM_HINGE_SMOOTHING_REL, meaning: "hinge: the optimum's restricted solves smooth the hinge until n·μ/2 ≤ this × objective, then solve it exactly from its optimality conditions" },
    lossOptimumSlideSteps: { value: LOSS_OPTIMUM_SLIDE_STEPS, meaning: 'logistic/cross-entropy: Newton steps of one slide of the neurons (activation patterns held) per column-generation round' },
    slideFaceTol: { value: SLIDE_FACE_TOL, meaning: "|x̃_iᵀw| ≤ this·‖x̃_i‖‖w‖: sample i is on the neuron's kink while the neurons slide" },
    slideReleaseTol: { value: SLIDE_RELEASE_TOL, meaning: "a sample leaves a neuron's kink when its one-sided derivative is below −this × max(1, |P|)" },
    hingeKktSupportRel: { value: HINGE_KKT_SUPPORT_REL, meaning: 'hinge: |z_k| ≤ this × max|z| counts as out of the support when the optimality conditions are solved' },
    hingeKktRounds: { value: HINGE_KKT_ROUNDS, meaning: 'hinge: active-set correction rounds per margin threshold when the optimality conditions are solved' },
    dualPointMaxEntries: { value: DUAL_POINT_MAX_ENTRIES, meaning: "the optimum's proving dual point Λ is written to the JSON when n·c is at most this" },
    sampledPatterns: { value: SAMPLED_PATTERNS, meaning: 'activation patterns sampled for the convex program when the oracle is not exact (a witness, not P*)' },
    closedFormMaxVector: { value: CLOSED_FORM_MAX_VECTOR, meaning: 'vector ingredients of a closed form longer than this are left out of the JSON' },
    diagnosisPolishRounds: { value: DIAGNOSIS_POLISH_ROUNDS, meaning: "work budget: Newton-polish rounds of the convex program over the network's own patterns (MATH.md §7)" },
    diagnosisMaxIterations: { value: DIAGNOSIS_MAX_ITERATIONS, meaning: "work budget: FISTA iterations of the convex program over the network's own patterns" },
    diagnosisLossMaxIterations: { value: DIAGNOSIS_LOSS_MAX_ITERATIONS, meaning: "hinge/logistic: work budget (iterations) of the classification program over the network's own patterns" },
    diagnosisVectorWideMaxIterations: { value: DIAGNOSIS_VECTOR_WIDE_MAX_ITERATIONS, meaning: 'c > 3 outputs: iteration cap (work budget) of the own-cone column generation for P_own' },
    diagnosisVectorFinalCallEvals: { value: DIAGNOSIS_VECTOR_FINAL_CALL_EVALS, meaning: 'c > 3 outputs: evaluation budget of the final own-cone oracle call at the last residual' },
    sampledProgramPolishRounds: { value: SAMPLED_PROGRAM_POLISH_ROUNDS, meaning: 'work budget: Newton-polish rounds of the convex program over sampled patterns (optimum witness)' },
    safetyTimeLimitMs: { value: SAFETY_TIME_LIMIT_MS, meaning: 'default wall-clock SAFETY limit (ms; --time-budget): the only clock-based stop; when it fires the result says it depends on machine speed' },
    diagnosisVectorRelTol: { value: DIAGNOSIS_VECTOR_REL_TOL, meaning: "vector outputs: the own-cone column generation for P_own stops at this certified relative gap (MATH.md §7)" },
    diagnosisVectorMaxIterations: { value: DIAGNOSIS_VECTOR_MAX_ITERATIONS, meaning: 'vector outputs: iteration cap of the own-cone column generation for P_own' },
    diagnosisCrossEntropyRelTol: { value: DIAGNOSIS_CE_REL_TOL, meaning: 'cross-entropy: tol of the own-cone (restricted-oracle) certificate that brackets P_own (MATH.md §7)' },
    diagnosisCrossEntropyMaxIterations: { value: DIAGNOSIS_CE_MAX_ITERATIONS, meaning: 'cross-entropy: iteration cap of the own-cone column generation for P_own' },
    ownIntervalWideWork: { value: OWN_INTERVAL_WIDE_WORK, meaning: 'c ≥ 2 outputs: work budget (samples × own patterns × classes, summed over iterations) of the own-cone column generation; its iteration cap is this over n·patterns·c, within [8, 200]' },
    ownWideCallEvals: { value: OWN_WIDE_CALL_EVALS, meaning: 'c > 3 outputs: work budget (branch-and-bound evaluations) of one own-cone oracle call' },
    ownWideAscentSteps: { value: OWN_WIDE_ASCENT_STEPS, meaning: 'c > 3 outputs: ascent steps polishing the own-cone argmax (lower bound only)' },
    sphereRelTol: { value: SPHERE_REL_TOL, meaning: 'c > 3 outputs: the sphere branch and bound stops at this relative upper − best gap (its upper bound is sound at any stop)' },
    sphereMaxEvals: { value: SPHERE_MAX_EVALS, meaning: 'c > 3 outputs: evaluation cap of one sphere branch and bound' },
    sphereMaxBlockDoubles: { value: SPHERE_MAX_BLOCK_DOUBLES, meaning: 'c > 3 outputs: memory cap (doubles) of the stored per-block vertex values' },
    sphereMaxC: { value: SPHERE_MAX_C, meaning: 'largest c for which the output-sphere branch and bound runs (beyond: the spectral bound alone)' },
    sphereCoverSlack: { value: SPHERE_COVER_SLACK, meaning: 'relative slack on the sphere branch and bound\'s upper bound covering rounding slivers between cells' },
    zSphereMaxP: { value: ZSPHERE_MAX_P, meaning: 'c > 3 outputs: largest column count of X̃ for which the neuron-sphere branch and bound is used' },
    ...convex.convexTolerances(),
    ...interpret.interpretTolerances(),
  };
}

function netOf(n: NetworkWeights): NetworkWeights {
  return { W1: n.W1, b1: n.b1, W2: n.W2, b2: n.b2 };
}

export function analyze(model: CanonicalModel, data: Dataset, settings: CertifySettings, opts: AnalyzeOptions = {}): AnalysisOutcome {
  const stage = (s: string, detail?: string) => settings.onStage?.(s, detail);
  const check = () => {
    if (settings.shouldStop?.()) throw new CancelledError('analysis');
  };
  const timings: Record<string, number> = {};
  let t = performance.now();
  const lap = (name: string) => {
    const now = performance.now();
    timings[name] = now - t;
    t = now;
  };
  const warnings: string[] = [];
  /** optional parts: a failure that is not a cancellation or a refusal becomes a warning */
  const guarded = <T>(what: string, f: () => T): T | null => {
    try {
      return f();
    } catch (e) {
      if (isCancellation(e, settings.shouldStop) || e instanceof ReluLensError) throw e;
      warnings.push(`${what} failed (internal error: ${e instanceof Error ? e.message : String(e)}); that part is omitted.`);
      return null;
    }
  };

  stage('reading');
  const loss: LossJson = lossFromHead(model.head, opts.loss);
  const squared = loss.name === 'squared';
  const X: Mat = data.X;
  const Y: Mat = squared ? data.Y : withLossHint(loss, () => losses.labelsForLoss(data.Y, loss.name, model.c));
  // With the optimum to compute, the certificate's own column generation would be done twice: the
  // certificate takes the residual (and closed-form) dual point only, and the optimum's column
  // generation — run to convergence — refines it below under the same soundness rules.
  // `certify` (reuseCertified) keeps the certificate's own column generation, which stops at the
  // verdict's tolerance: a certified network is then its own optimum, and the search to 1e-10 runs
  // only when the certificate did not prove optimality (bench certify-cli model, n = 1e4: 6 s, not 34 s)
  const squaredOptimize = squared && opts.optimize !== false && !opts.reuseCertified;
  const classificationOptimize = !squared && opts.optimize !== false && !opts.reuseCertified;
  let cert: CertificateResult & { optimal?: NetworkWeights | null } = squared
    ? certifyNetwork(model, X, Y, squaredOptimize ? { ...settings, maxIterations: 0 } : settings, computeOracle)
    : losses.certifyClassification(
        model,
        X,
        Y,
        loss.name as Exclude<LossName, 'squared'>,
        // as for the squared loss: with the optimum to compute (optimize, the panel) the certificate
        // takes the residual (and closed-form) dual point only and the optimum's column generation
        // (classificationOptimum) refines it; `certify` keeps the certificate's own column generation
        classificationOptimize ? { ...settings, maxIterations: 0 } : settings,
        computeOracle,
      );
  const beta = cert.beta;
  const modes = { hiddenBias: cert.hiddenBias, outputBias: cert.outputBias };
  lap('certificate');
  check();
  opts.onVerdict?.(certificateToJson({ ...cert, warnings: [...cert.warnings, ...warnings], timings: { ...cert.timings, ...timings } }, model, data));

  // ---- optimum (MATH.md §4)
  let opt: OptimumOutcome | null = null;
  if (opts.optimize !== false) {
    stage('optimum');
    opt = squared
      ? ((opts.reuseCertified ? certifiedOptimum(model, X, Y, beta, modes, cert) : null) ?? squaredOptimum(model, X, Y, beta, modes, settings, cert, computeOracle, stage))
      : // certify on a network its certificate proved optimal: that network is its own optimum (no second search)
        classificationOptimum(cert, model, X, Y, loss.name as Exclude<LossName, 'squared'>, beta, modes, settings, computeOracle, stage, {
          search: !(opts.reuseCertified && cert.verdict === 'certified'),
        });
    if (opt) {
      warnings.push(...opt.warnings);
      // every loss: the optimum's sound bound and concrete network refine the certificate (same rules)
      cert = refineCertificate(cert, {
        lowerBound: opt.lowerBound,
        network: opt.network,
        value: opt.value,
        oracle: opt.lastOracle,
        description: `optimum column generation (${opt.json.method}), objective recomputed from the weights`,
      });
    }
    lap('optimum');
    check();
  }

  // ---- closed form (MATH.md §5)
  const closedForm: ClosedFormJson | null = closedFormJson(cert) ?? (squared ? guarded('closed-form detection', () => convexClosedForm(X, Y, beta, modes)) : null);

  // ---- interpretation (MATH.md §6)
  let trainedReadings: NeuronInterpretationJson[] | null = null;
  let optimalReadings: NeuronInterpretationJson[] | undefined;
  if (opts.interpret !== false) {
    stage('interpretation');
    const I = interpret;
    const dualDirection = squared ? undefined : dualDirectionFor(losses.lossOf(loss.name, settings), forward(model, X), Y);
    trainedReadings = guarded('interpretation', () => I.interpretNeurons(model, X, Y, beta, modes, dualDirection ? { dualDirection } : {}));
    if (opt) {
      const on = opt.network;
      const od = squared ? undefined : dualDirectionFor(losses.lossOf(loss.name, settings), forward(on, X), Y);
      optimalReadings = guarded('interpretation of the optimum', () => I.interpretNeurons(on, X, Y, beta, modes, od ? { dualDirection: od } : {})) ?? undefined;
      const matches = guarded('neuron matching', () => I.matchNeurons(model, on, X, modes)) ?? [];
      for (const mt of matches) {
        const tr = trainedReadings?.find((r) => r.index === mt.trained);
        const op = optimalReadings?.find((r) => r.index === mt.optimal);
        if (tr) Object.assign(tr, { match: mt.optimal, matchCosine: mt.cosine });
        if (op) Object.assign(op, { match: mt.trained, matchCosine: mt.cosine });
      }
    }
    lap('interpretation');
    check();
  }

  // ---- diagnosis (MATH.md §7)
  let diagnosis: DiagnosisJson | null = null;
  if (opts.interpret !== false && squared) {
    stage('diagnosis');
    const dInp = { net: model, X, Y, beta, modes, cert, pstarUpper: opt ? opt.value : Infinity, settings, oracle: computeOracle };
    if (Y.cols === 1) diagnosis = guarded('diagnosis', () => diagnose(dInp));
    else {
      // vector outputs (MATH.md §7 by own-cone column generation): never fatal — a failure is a warning
      try {
        diagnosis = diagnoseVector(dInp);
      } catch (e) {
        if (isCancellation(e, settings.shouldStop)) throw e;
        warnings.push(`diagnosis (vector output, c = ${Y.cols}) failed (${e instanceof Error ? e.message : String(e)}); that part is omitted.`);
        diagnosis = null;
      }
    }
    lap('diagnosis');
    check();
  } else if (opts.interpret !== false && (loss.name === 'hinge' || loss.name === 'logistic') && Y.cols === 1) {
    // classification losses (MATH.md §7 with §8): never fatal — a failure is a warning
    stage('diagnosis');
    try {
      diagnosis = diagnoseClassification({ net: model, X, Y, beta, modes, loss: loss.name, cert, pstarUpper: opt ? opt.value : Infinity, settings, oracle: computeOracle });
    } catch (e) {
      if (isCancellation(e, settings.shouldStop)) throw e;
      warnings.push(`diagnosis (${loss.name} loss) failed (${e instanceof Error ? e.message : String(e)}); that part is omitted.`);
      diagnosis = null;
    }
    lap('diagnosis');
    check();
  } else if (opts.interpret !== false && loss.name === 'cross-entropy') {
    // cross-entropy (MATH.md §7 by the own-cone certificate): never fatal — a failure is a warning
    stage('diagnosis');
    try {
      diagnosis = diagnoseCrossEntropy({ net: model, X, Y, beta, modes, loss: loss.name, cert, pstarUpper: opt ? opt.value : Infinity, settings, oracle: computeOracle });
    } catch (e) {
      if (isCancellation(e, settings.shouldStop)) throw e;
      warnings.push(`diagnosis (cross-entropy loss) failed (${e instanceof Error ? e.message : String(e)}); that part is omitted.`);
      diagnosis = null;
    }
    lap('diagnosis');
    check();
  }

  // ---- geometry (MATH.md §9)
  let geometry: GeometryJson | null = null;
  if (opts.geometry !== false) {
    stage('geometry');
    const I = interpret;
    geometry = guarded('training geometry', () => I.trainingGeometry(model, X, modes, opt ? opt.json.neurons : null, settings.seed));
    lap('geometry');
  }

  cert = {
    ...cert,
    warnings: [...cert.warnings, ...warnings],
    timings: { ...cert.timings, ...timings },
    tolerances: { ...cert.tolerances, ...analysisTolerances() },
  };
  const base = certificateToJson(cert, model, data);
  const neurons = base.neurons.map((n) => {
    const r = trainedReadings?.find((x) => x.index === n.index);
    return r ? { ...r, ...n } : n;
  });
  const json: AnalysisJson = {
    ...base,
    loss,
    closedForm,
    neurons,
    optimum: opt ? opt.json : null,
    ...(optimalReadings ? { optimalNeurons: optimalReadings } : {}),
    diagnosis,
    geometry,
    network: networkToJson(model),
  };
  const exact = opt?.json.exact === true;
  return {
    json,
    optimal: exact ? opt!.network : null,
    witness: opt && !exact ? opt.network : cert.witness ? netOf(cert.witness) : null,
  };
}
