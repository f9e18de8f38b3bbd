import type { CanonicalModel } from './model';
import type { CertifySettings, BetaSpec } from './certify/types';
import { DEFAULT_TOL } from './certify/types';
import { usageError } from './errors';

/**
 * The user's choices (CLI flags, the extension's saved answers) turned into CertifySettings.
 * Bias modes follow the model: a layer without bias is 'none' whatever the user says.
 */
export interface UserOptions {
  beta?: number;
  weightDecay?: number;
  reduction?: 'mean' | 'sum';
  optimizer?: 'sgd' | 'adam' | 'adamw';
  hiddenBias?: 'decayed' | 'free';
  outputBias?: 'decayed' | 'free';
  tol?: number;
  patternBudget?: number;
  maxIterations?: number;
  refineAfterWitness?: number;
  timeBudgetMs?: number;
}

/** Interactive defaults: answer within seconds; the P* interval is refined only briefly after a witness. */
export const INTERACTIVE_DEFAULTS = { maxIterations: 60, refineAfterWitness: 5, timeBudgetMs: 30_000 } as const;

export function settingsFromOptions(model: Pick<CanonicalModel, 'b1' | 'b2'>, o: UserOptions): CertifySettings {
  let beta: BetaSpec;
  if (o.beta !== undefined) beta = { kind: 'direct', beta: o.beta };
  else if (o.weightDecay !== undefined)
    beta = { kind: 'pytorch', weightDecay: o.weightDecay, reduction: o.reduction ?? 'mean', optimizer: o.optimizer };
  else throw usageError('β is missing: give β directly or the weight decay and loss reduction used in training');
  return {
    beta,
    hiddenBias: model.b1 ? (o.hiddenBias ?? 'decayed') : 'none',
    outputBias: model.b2 ? (o.outputBias ?? 'decayed') : 'none',
    tol: o.tol ?? DEFAULT_TOL,
    patternBudget: o.patternBudget ?? 2_000_000,
    maxIterations: o.maxIterations ?? INTERACTIVE_DEFAULTS.maxIterations,
    refineAfterWitness: o.refineAfterWitness ?? INTERACTIVE_DEFAULTS.refineAfterWitness,
    timeBudgetMs: o.timeBudgetMs ?? INTERACTIVE_DEFAULTS.timeBudgetMs,
    seed: 1,
  };
}
