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
import type { Dataset } from '../data';
import type { CertifySettings } from '../certify/types';
import type { LossName } from '../problem/loss';
import * as interpret from '../interpret';
import { DIAGNOSIS_POLISH_ROUNDS, DIAGNOSIS_MAX_ITERATIONS } from './diagnosis';
import { DIAGNOSIS_LOSS_MAX_ITERATIONS } from './diagnosisLoss';
import {
  DIAGNOSIS_VECTOR_REL_TOL,
  DIAGNOSIS_VECTOR_MAX_ITERATIONS,
  DIAGNOSIS_VECTOR_WIDE_MAX_ITERATIONS,
  DIAGNOSIS_VECTOR_FINAL_CALL_EVALS,
} from './diagnosisVector';
import { DIAGNOSIS_CE_REL_TOL, DIAGNOSIS_CE_MAX_ITERATIONS, DIAGNOSIS_CE_TOL_SHARE } from './diagnosisCrossEntropy';
import { OWN_INTERVAL_WIDE_WORK, OWN_INTERVAL_WIDE_MIN_ITERATIONS } from './ownInterval';
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
import { OWN_WIDE_CALL_EVALS, OWN_WIDE_ASCENT_STEPS } from '../oracle/ownOracle';
import { SPHERE_REL_TOL, SPHERE_MAX_EVALS, SPHERE_MAX_BLOCK_DOUBLES, SPHERE_MAX_C, SPHERE_COVER_SLACK, ZSPHERE_MAX_P } from '../oracle/ownSphere';
import {
  type AnalysisOutcome,
  type AnalyzeOptions,
  assemble,
  certificateStage,
  closedFormStage,
  diagnosisStage,
  geometryStage,
  interpretationStage,
  optimumStage,
  startRun,
} from './stages';

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
export type { AnalysisOutcome, AnalyzeOptions } from './stages';

export { lossFromHead, LOSS_NAMES } from './loss';
export { networkToJson } from './networkJson';

type Tolerances = Record<string, { value: number; meaning: string }>;

/**
 * The analysis' own named tolerances and those of the modules it used (reported with the
 * certificate's), in groups by stage; the JSON lists them in this order.
 */
export function analysisTolerances(): Tolerances {
  return { ...optimumTolerances(), ...diagnosisTolerances(), ...ownConeTolerances(), ...convex.convexTolerances(), ...interpret.interpretTolerances() };
}

/** The optimum's column generation (every loss), its dual point in the JSON, and the closed form's vectors. */
function optimumTolerances(): Tolerances {
  return {
    optimumRelTol: {
      value: OPTIMUM_REL_TOL,
      meaning: "the optimum's column generation stops when its certified relative gap (value − lower bound)/value is at most this",
    },
    optimumExactRelTol: {
      value: OPTIMUM_EXACT_REL_TOL,
      meaning:
        'the optimum is labelled exact when its certified relative gap is at most this (or an exact oracle gave M ≤ β(1 + optimalM) at the restricted optimum)',
    },
    lossOptimumRelTol: {
      value: LOSS_OPTIMUM_REL_TOL,
      meaning: "hinge/logistic/cross-entropy: the optimum's column generation stops when its certified relative gap is at most this",
    },
    lossOptimumLassoRelTol: {
      value: LOSS_OPTIMUM_LASSO_REL_TOL,
      meaning: "hinge/logistic/cross-entropy: the optimum's restricted problems are solved to this relative restricted duality gap",
    },
    lossOptimumHingeSmoothing: {
      value: LOSS_OPTIMUM_HINGE_SMOOTHING_REL,
      meaning: "hinge: the optimum's restricted solves smooth the hinge until n·μ/2 ≤ this × objective, then solve it exactly from its optimality conditions",
    },
    lossOptimumSlideSteps: {
      value: LOSS_OPTIMUM_SLIDE_STEPS,
      meaning: 'logistic/cross-entropy: Newton steps of one slide of the neurons (activation patterns held) per column-generation round',
    },
    slideFaceTol: { value: SLIDE_FACE_TOL, meaning: "|x̃_iᵀw| ≤ this·‖x̃_i‖‖w‖: sample i is on the neuron's kink while the neurons slide" },
    slideReleaseTol: { value: SLIDE_RELEASE_TOL, meaning: "a sample leaves a neuron's kink when its one-sided derivative is below −this × max(1, |P|)" },
    hingeKktSupportRel: {
      value: HINGE_KKT_SUPPORT_REL,
      meaning: 'hinge: |z_k| ≤ this × max|z| counts as out of the support when the optimality conditions are solved',
    },
    hingeKktRounds: { value: HINGE_KKT_ROUNDS, meaning: 'hinge: active-set correction rounds per margin threshold when the optimality conditions are solved' },
    dualPointMaxEntries: { value: DUAL_POINT_MAX_ENTRIES, meaning: "the optimum's proving dual point Λ is written to the JSON when n·c is at most this" },
    sampledPatterns: {
      value: SAMPLED_PATTERNS,
      meaning: 'activation patterns sampled for the convex program when the oracle is not exact (a witness, not P*)',
    },
    closedFormMaxVector: { value: CLOSED_FORM_MAX_VECTOR, meaning: 'vector ingredients of a closed form longer than this are left out of the JSON' },
  };
}

/** Why training stopped (MATH.md §7): the convex programs over the network's own patterns and their budgets. */
function diagnosisTolerances(): Tolerances {
  return {
    diagnosisPolishRounds: {
      value: DIAGNOSIS_POLISH_ROUNDS,
      meaning: "work budget: Newton-polish rounds of the convex program over the network's own patterns (MATH.md §7)",
    },
    diagnosisMaxIterations: { value: DIAGNOSIS_MAX_ITERATIONS, meaning: "work budget: FISTA iterations of the convex program over the network's own patterns" },
    diagnosisLossMaxIterations: {
      value: DIAGNOSIS_LOSS_MAX_ITERATIONS,
      meaning: "hinge/logistic: work budget (iterations) of the classification program over the network's own patterns",
    },
    diagnosisVectorWideMaxIterations: {
      value: DIAGNOSIS_VECTOR_WIDE_MAX_ITERATIONS,
      meaning: 'c > 3 outputs: iteration cap (work budget) of the own-cone column generation for P_own',
    },
    diagnosisVectorFinalCallEvals: {
      value: DIAGNOSIS_VECTOR_FINAL_CALL_EVALS,
      meaning: 'c > 3 outputs: evaluation budget of the final own-cone oracle call at the last residual',
    },
    sampledProgramPolishRounds: {
      value: SAMPLED_PROGRAM_POLISH_ROUNDS,
      meaning: 'work budget: Newton-polish rounds of the convex program over sampled patterns (optimum witness)',
    },
    safetyTimeLimitMs: {
      value: SAFETY_TIME_LIMIT_MS,
      meaning: 'default wall-clock SAFETY limit (ms; --time-budget): the only clock-based stop; when it fires the result says it depends on machine speed',
    },
    diagnosisVectorRelTol: {
      value: DIAGNOSIS_VECTOR_REL_TOL,
      meaning: 'vector outputs: the own-cone column generation for P_own stops at this certified relative gap (MATH.md §7)',
    },
    diagnosisVectorMaxIterations: {
      value: DIAGNOSIS_VECTOR_MAX_ITERATIONS,
      meaning: 'vector outputs: iteration cap of the own-cone column generation for P_own',
    },
    diagnosisCrossEntropyRelTol: {
      value: DIAGNOSIS_CE_REL_TOL,
      meaning: 'cross-entropy: tol of the own-cone (restricted-oracle) certificate that brackets P_own (MATH.md §7)',
    },
    diagnosisCrossEntropyMaxIterations: {
      value: DIAGNOSIS_CE_MAX_ITERATIONS,
      meaning: 'cross-entropy: iteration cap of the own-cone column generation for P_own',
    },
    diagnosisCrossEntropyTolShare: {
      value: DIAGNOSIS_CE_TOL_SHARE,
      meaning:
        "cross-entropy: P_own is bracketed to max(diagnosisCrossEntropyRelTol, this × the verdict's tol); the diagnosis compares its gaps with tol·P_bal, so a finer bracket cannot change its conclusion",
    },
  };
}

/** The own-cone column generation and the vector-output oracles behind P_own (c ≥ 2 outputs). */
function ownConeTolerances(): Tolerances {
  return {
    ownIntervalWideMinIterations: {
      value: OWN_INTERVAL_WIDE_MIN_ITERATIONS,
      meaning: 'c ≥ 2 outputs: the fewest iterations of the own-cone column generation, whatever ownIntervalWideWork allows',
    },
    ownIntervalWideWork: {
      value: OWN_INTERVAL_WIDE_WORK,
      meaning:
        'c ≥ 2 outputs: work budget (samples × own patterns × classes, summed over iterations) of the own-cone column generation; its iteration cap is this over n·patterns·c, within [2, 200]',
    },
    ownWideCallEvals: { value: OWN_WIDE_CALL_EVALS, meaning: 'c > 3 outputs: work budget (branch-and-bound evaluations) of one own-cone oracle call' },
    ownWideAscentSteps: { value: OWN_WIDE_ASCENT_STEPS, meaning: 'c > 3 outputs: ascent steps polishing the own-cone argmax (lower bound only)' },
    sphereRelTol: {
      value: SPHERE_REL_TOL,
      meaning: 'c > 3 outputs: the sphere branch and bound stops at this relative upper − best gap (its upper bound is sound at any stop)',
    },
    sphereMaxEvals: { value: SPHERE_MAX_EVALS, meaning: 'c > 3 outputs: evaluation cap of one sphere branch and bound' },
    sphereMaxBlockDoubles: { value: SPHERE_MAX_BLOCK_DOUBLES, meaning: 'c > 3 outputs: memory cap (doubles) of the stored per-block vertex values' },
    sphereMaxC: { value: SPHERE_MAX_C, meaning: 'largest c for which the output-sphere branch and bound runs (beyond: the spectral bound alone)' },
    sphereCoverSlack: {
      value: SPHERE_COVER_SLACK,
      meaning: "relative slack on the sphere branch and bound's upper bound covering rounding slivers between cells",
    },
    zSphereMaxP: { value: ZSPHERE_MAX_P, meaning: 'c > 3 outputs: largest column count of X̃ for which the neuron-sphere branch and bound is used' },
  };
}

/**
 * The analysis as its named stages (./stages.ts). Asynchronous: the optimum's and the diagnosis'
 * convex programs multiply through the product kernel chosen by size (onnxruntime above
 * convex/kernelChoice.ts ORT_MIN_FLOPS), in the CLI and the panel alike.
 */
export async function analyze(model: CanonicalModel, data: Dataset, settings: CertifySettings, opts: AnalyzeOptions = {}): Promise<AnalysisOutcome> {
  const run = startRun(model, data, settings, opts);
  const { cert, opt } = await optimumStage(run, certificateStage(run));
  const closedForm = await closedFormStage(run, cert);
  const readings = await interpretationStage(run, cert, opt);
  const diagnosis = await diagnosisStage(run, cert, opt);
  const geometry = await geometryStage(run, cert, opt);
  return assemble(run, cert, { opt, closedForm, readings, diagnosis, geometry }, analysisTolerances());
}
