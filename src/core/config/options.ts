import type { CanonicalModel } from '../model';
import type { CertifySettings, BetaSpec } from '../certify/types';
import { DEFAULT_TOL } from '../certify/types';
import { usageError } from '../errors';
import { SKLEARN_BIAS_MODES } from '../certify/sklearnBeta';

/**
 * The user's choices (CLI flags, the extension's saved answers) turned into CertifySettings.
 * Bias modes follow the model: a layer without bias is 'none' whatever the user says.
 */
export interface UserOptions {
  beta?: number;
  weightDecay?: number;
  reduction?: 'mean' | 'sum';
  optimizer?: 'sgd' | 'adam' | 'adamw';
  /** scikit-learn MLP's alpha: sets β (certify/sklearnBeta.ts) and, unless given, both biases free */
  sklearnAlpha?: number;
  hiddenBias?: 'decayed' | 'free';
  outputBias?: 'decayed' | 'free';
  tol?: number;
  patternBudget?: number;
  /** nodes of the oracle's global search (undefined: the oracle's default) */
  nodeBudget?: number;
  maxIterations?: number;
  /** work budget of each restricted solve (undefined: the engine's default for the loss) */
  solverIterations?: number;
  /** Huber threshold δ (loss 'huber'; undefined: PyTorch's default 1) */
  huberDelta?: number;
  refineAfterWitness?: number;
  /** column-generation rounds of the optimum search after the verdict (undefined: OPTIMUM_MAX_ITERATIONS) */
  optimumIterations?: number;
  /** wall-clock safety limit (ms); the work budgets are the primary stops */
  timeBudgetMs?: number;
}

/** Oracle pattern budget by default (a work unit: activation patterns enumerated for an exact M). */
export const DEFAULT_PATTERN_BUDGET = 2_000_000;
/**
 * Wall-clock safety limit by default: 10 min. Only an outer stop — the work budgets (column-generation
 * iterations, oracle patterns, solver iterations) end the analysis first, so the same inputs give
 * the same numbers on any machine; when this one fires the result says so.
 */
export const SAFETY_TIME_LIMIT_MS = 600_000;

/**
 * Interactive defaults, in work units: column-generation iterations, and the iterations that refine
 * the P* interval after a witness; the wall clock only as the safety limit.
 */
export const INTERACTIVE_DEFAULTS = { maxIterations: 60, refineAfterWitness: 5, timeBudgetMs: SAFETY_TIME_LIMIT_MS } as const;

export function settingsFromOptions(model: Pick<CanonicalModel, 'b1' | 'b2'>, o: UserOptions): CertifySettings {
  let beta: BetaSpec;
  if (o.sklearnAlpha !== undefined) beta = { kind: 'sklearn', alpha: o.sklearnAlpha };
  else if (o.beta !== undefined) beta = { kind: 'direct', beta: o.beta };
  else if (o.weightDecay !== undefined) beta = { kind: 'pytorch', weightDecay: o.weightDecay, reduction: o.reduction ?? 'mean', optimizer: o.optimizer };
  else throw usageError('β is missing: give β directly or the weight decay and loss reduction used in training', 'beta');
  const sk = o.sklearnAlpha !== undefined;
  return {
    beta,
    hiddenBias: model.b1 ? (o.hiddenBias ?? (sk ? SKLEARN_BIAS_MODES.hiddenBias : 'decayed')) : 'none',
    outputBias: model.b2 ? (o.outputBias ?? (sk ? SKLEARN_BIAS_MODES.outputBias : 'decayed')) : 'none',
    tol: o.tol ?? DEFAULT_TOL,
    patternBudget: o.patternBudget ?? DEFAULT_PATTERN_BUDGET,
    ...(o.nodeBudget !== undefined ? { nodeBudget: o.nodeBudget } : {}),
    maxIterations: o.maxIterations ?? INTERACTIVE_DEFAULTS.maxIterations,
    ...(o.solverIterations !== undefined ? { solverIterations: o.solverIterations } : {}),
    ...(o.huberDelta !== undefined ? { huberDelta: o.huberDelta } : {}),
    refineAfterWitness: o.refineAfterWitness ?? INTERACTIVE_DEFAULTS.refineAfterWitness,
    ...(o.optimumIterations !== undefined ? { optimumIterations: o.optimumIterations } : {}),
    timeBudgetMs: o.timeBudgetMs ?? INTERACTIVE_DEFAULTS.timeBudgetMs,
    seed: 1,
  };
}
