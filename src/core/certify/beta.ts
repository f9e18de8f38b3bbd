/**
 * β from the user's description of training (MATH.md §1).
 *
 *   direct                          β as given
 *   PyTorch MSELoss(reduction=mean) β = n·c·wd/2   (loss = SSE/(n·c); decay adds (wd/2)‖θ‖² to it)
 *   PyTorch MSELoss(reduction=sum)  β = wd/2       (loss = SSE; the certificate's loss is ½·SSE)
 *   explicit μ‖θ‖² on 0.5·SSE       β = 2μ
 *   AdamW                           decoupled decay has no single β — nominal value + warning;
 *                                   certifyNetwork adds the implied β (§3.8).
 *
 * β = 0 (or negative, or not finite) is refused: without weight decay the problem the certificate
 * is about does not exist (P* is then the interpolation infimum, not a regularized optimum).
 */
import { usageError } from '../errors';
import type { BetaInfo, BetaSpec } from './types';
import { betaFromSklearnAlpha } from './sklearnBeta';
import { fmtTerm as fmt } from '../format/numbers';

function requirePositive(value: number, what: string): void {
  if (!Number.isFinite(value)) throw usageError(`${what} must be a finite number (got ${value}).`, 'beta');
  if (value < 0) throw usageError(`${what} must be non-negative (got ${value}).`, 'beta');
  if (value === 0)
    throw usageError(
      `${what} is 0, so β = 0: without weight decay there is no regularized training problem to certify ` +
        `(the certificate is about min ½‖F−Y‖² + (β/2)‖θ‖² with β > 0).`,
      'beta',
    );
}

/** β for data with n samples and c outputs (n is the whole training set; minibatches do not change it). */
export function betaFromSpec(spec: BetaSpec, n: number, c: number): BetaInfo {
  const warnings: string[] = [];
  switch (spec.kind) {
    case 'direct': {
      requirePositive(spec.beta, 'β');
      return { beta: spec.beta, derivation: `β = ${fmt(spec.beta)} (given directly)`, warnings };
    }
    case 'penalty': {
      requirePositive(spec.mu, 'The penalty coefficient μ');
      const beta = 2 * spec.mu;
      return {
        beta,
        derivation: `β = 2μ = 2·${fmt(spec.mu)} = ${fmt(beta)} (explicit μ‖θ‖² added to 0.5·SSE)`,
        warnings,
      };
    }
    case 'sklearn':
      return betaFromSklearnAlpha(spec.alpha, 'squared');
    case 'pytorch': {
      requirePositive(spec.weightDecay, 'weight_decay');
      const wd = spec.weightDecay;
      const opt = spec.optimizer;
      const optName = opt === 'adamw' ? 'AdamW' : opt === 'adam' ? 'Adam' : opt === 'sgd' ? 'SGD' : 'SGD/Adam';
      let beta: number;
      let derivation: string;
      if (spec.reduction === 'mean') {
        beta = (n * c * wd) / 2;
        derivation = `β = n·c·wd/2 = ${n}·${c}·${fmt(wd)}/2 = ${fmt(beta)} (MSELoss mean, ${optName} weight_decay)`;
      } else {
        beta = wd / 2;
        derivation = `β = wd/2 = ${fmt(wd)}/2 = ${fmt(beta)} (MSELoss sum, ${optName} weight_decay)`;
      }
      if (opt === 'adamw') {
        warnings.push(
          `AdamW decouples weight decay from the gradient (θ ← θ − lr·wd·θ next to Adam's normalized step), ` +
            `so its fixed points do not minimize loss + (β/2)‖θ‖² for any single β. ` +
            `${fmt(beta)} is only the value an Adam/SGD run with the same weight_decay would have; ` +
            `compare with the implied β computed from the trained network.`,
        );
        derivation += ' [nominal: AdamW has no single β]';
      }
      return { beta, derivation, warnings };
    }
  }
}
