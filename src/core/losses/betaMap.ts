/**
 * β from PyTorch's settings for a loss summed over samples (MATH.md §1, §8; derived):
 *   a loss with reduction='mean' averages over N terms (N = n·c entries for elementwise losses,
 *   n samples for cross-entropy) and SGD/Adam weight_decay=wd adds wd·θ to the gradient, i.e.
 *   trains (1/N)Σℓ + (wd/2)‖θ‖²; multiplying by N gives Σℓ + (N·wd/2)‖θ‖², so β = N·wd·scale
 *   (no ½ here, unlike MSELoss whose ½ is inside the certificate's ½‖·‖²). reduction='sum':
 *   β = wd·scale. Explicit μ‖θ‖² added to the summed loss: β = 2μ·scale. scikit-learn's alpha:
 *   certify/sklearnBeta.ts. `scale` is 1 except for a loss
 *   the framework defines as a multiple of the certified one (SmoothL1Loss(beta=b) =
 *   HuberLoss(delta=b)/b: scale b, see ./huber.ts).
 *   scripts/fixtures/make_losses.py checks the BCE and CE mappings against torch's own gradients.
 */
import { usageError } from '../errors';
import type { BetaInfo, BetaSpec } from '../certify/types';
import { betaFromSklearnAlpha } from '../certify/sklearnBeta';
import { fmtTerm as fmt } from '../format/numbers';

function positive(v: number, what: string): void {
  if (!Number.isFinite(v) || v <= 0)
    throw usageError(`${what} must be a positive finite number (got ${v}); without weight decay there is no regularized problem to certify.`, 'beta');
}

export interface TorchMeanForm {
  /** the framework loss named in the derivation ("BCEWithLogitsLoss") */
  torchName: string;
  /** the loss's words for the penalty form ("logistic") */
  words: string;
  /** reduction='mean' averages over the n samples (cross-entropy) rather than the n·c entries */
  meanOverSamples: boolean;
  /** β's factor for a framework loss defined as (certified loss)/scale, e.g. SmoothL1Loss(beta=b) = HuberLoss(b)/b (default 1) */
  scale?: number;
}

/** β for the summed-loss form (see the header). */
export function betaFromFramework(spec: BetaSpec, n: number, c: number, form: TorchMeanForm): BetaInfo {
  const warnings: string[] = [];
  if (spec.kind === 'direct') {
    positive(spec.beta, 'β');
    return { beta: spec.beta, derivation: `β = ${fmt(spec.beta)} (given directly; objective Σℓ + (β/2)‖θ‖²)`, warnings };
  }
  const k = form.scale ?? 1;
  if (spec.kind === 'penalty') {
    positive(spec.mu, 'The penalty coefficient μ');
    const beta = 2 * spec.mu * k;
    return { beta, derivation: `β = 2μ${k === 1 ? '' : '·b'} = ${fmt(beta)} (explicit μ‖θ‖² added to the summed ${form.words} loss)`, warnings };
  }
  if (spec.kind === 'sklearn') return betaFromSklearnAlpha(spec.alpha, form.words);
  positive(spec.weightDecay, 'weight_decay');
  const wd = spec.weightDecay;
  const name = form.torchName;
  // the factor b of a loss defined as (certified loss)/b, written only when it is not 1
  const b = k === 1 ? '' : `·b`,
    bv = k === 1 ? '' : `·${fmt(k)}`;
  let beta: number, derivation: string;
  if (spec.reduction === 'sum') {
    beta = wd * k;
    derivation = `β = wd${b} = ${fmt(wd)}${bv}${k === 1 ? '' : ` = ${fmt(beta)}`} (${name} sum, weight_decay)`;
  } else if (form.meanOverSamples) {
    beta = n * wd * k;
    derivation = `β = n·wd${b} = ${n}·${fmt(wd)}${bv} = ${fmt(beta)} (${name} mean over n samples, weight_decay)`;
  } else {
    beta = n * c * wd * k;
    derivation = `β = n·c·wd${b} = ${n}·${c}·${fmt(wd)}${bv} = ${fmt(beta)} (${name} mean over n·c entries, weight_decay)`;
  }
  if (spec.optimizer === 'adamw') {
    warnings.push(
      `AdamW decouples weight decay from the gradient, so its fixed points do not minimize loss + (β/2)‖θ‖² for any single β; ` +
        `${fmt(beta)} is the value an SGD/Adam run with the same weight_decay would have — compare with the implied β.`,
    );
    derivation += ' [nominal: AdamW has no single β]';
  }
  return { beta, derivation, warnings };
}
