/**
 * The training objective with a classification loss (MATH.md §1, §8):
 *   P(θ) = ℓ(f(X)) + (β/2)(‖W1‖² + ‖b1‖²[hidden decayed] + ‖W2‖² + ‖b2‖²[output decayed]),
 * ℓ summed over samples (and outputs), recomputed from the weights by forward() — the only way a
 * witness's value is ever obtained. β from PyTorch's settings (derived):
 *   BCEWithLogitsLoss(reduction='mean') averages over the N = n·c entries and SGD/Adam
 *   weight_decay=wd adds wd·θ to the gradient, i.e. trains (1/N)Σℓ + (wd/2)‖θ‖²; multiplying by N
 *   gives Σℓ + (N·wd/2)‖θ‖², so β = N·wd = n·c·wd (no ½ here, unlike MSELoss whose ½ is inside
 *   the certificate's ½‖·‖²). CrossEntropyLoss('mean') averages over the n samples: β = n·wd.
 *   Hinge (mean of the elementwise hinge over n·c entries): β = n·c·wd. reduction='sum': β = wd.
 *   Explicit μ‖θ‖² added to the summed loss: β = 2μ. scripts/fixtures/make_losses.py checks the
 *   BCE and CE mappings against torch's own gradients.
 */
import { usageError } from '../errors';
import type { Mat } from '../linalg/mat';
import { forward } from '../model';
import type { CertifyModes } from '../certify/objective';
import type { BetaInfo, BetaSpec, NetworkWeights } from '../certify/types';
import type { LossName } from '../analysis/types';
import { lossValue, negGradient } from './conjugates';

function fmt(x: number): string {
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e-3 && a < 1e6) return String(Number(x.toPrecision(6)));
  return x.toExponential(4);
}

function positive(v: number, what: string): void {
  if (!Number.isFinite(v) || v <= 0)
    throw usageError(`${what} must be a positive finite number (got ${v}); without weight decay there is no regularized problem to certify.`);
}

const TORCH_NAME: Record<LossName, string> = {
  squared: 'MSELoss',
  logistic: 'BCEWithLogitsLoss',
  'cross-entropy': 'CrossEntropyLoss',
  hinge: 'elementwise hinge',
};

/** β for the summed-loss form of `loss` (see the header). */
export function betaForLoss(spec: BetaSpec, n: number, c: number, loss: Exclude<LossName, 'squared'>): BetaInfo {
  const warnings: string[] = [];
  if (spec.kind === 'direct') {
    positive(spec.beta, 'β');
    return { beta: spec.beta, derivation: `β = ${fmt(spec.beta)} (given directly; objective Σℓ + (β/2)‖θ‖²)`, warnings };
  }
  if (spec.kind === 'penalty') {
    positive(spec.mu, 'The penalty coefficient μ');
    return { beta: 2 * spec.mu, derivation: `β = 2μ = ${fmt(2 * spec.mu)} (explicit μ‖θ‖² added to the summed ${loss} loss)`, warnings };
  }
  positive(spec.weightDecay, 'weight_decay');
  const wd = spec.weightDecay;
  const name = TORCH_NAME[loss];
  let beta: number, derivation: string;
  if (spec.reduction === 'sum') {
    beta = wd;
    derivation = `β = wd = ${fmt(wd)} (${name} sum, weight_decay)`;
  } else if (loss === 'cross-entropy') {
    beta = n * wd;
    derivation = `β = n·wd = ${n}·${fmt(wd)} = ${fmt(beta)} (${name} mean over n samples, weight_decay)`;
  } else {
    beta = n * c * wd;
    derivation = `β = n·c·wd = ${n}·${c}·${fmt(wd)} = ${fmt(beta)} (${name} mean over n·c entries, weight_decay)`;
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

export interface LossObjectiveParts {
  objective: number;
  loss: number;
  penalty: number;
  F: Mat;
  /** −∇ℓ(F): the residual's role for a general loss (hinge: the subgradient y·1[yF < 1]) */
  R: Mat;
}

function sumSq(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return s;
}

/** P(θ) exactly as trained, with the loss, recomputed from the weights by forward(). Y in the loss's label form. */
export function lossObjective(net: NetworkWeights, X: Mat, Y: Mat, beta: number, modes: CertifyModes, loss: LossName): LossObjectiveParts {
  const F = forward(net, X);
  if (F.rows !== Y.rows || F.cols !== Y.cols)
    throw usageError(`Labels are ${Y.rows}×${Y.cols} but the network outputs ${F.rows}×${F.cols}.`);
  const lv = lossValue(F, Y, loss);
  let pen = sumSq(net.W1.data) + sumSq(net.W2.data);
  if (modes.hiddenBias === 'decayed' && net.b1) pen += sumSq(net.b1);
  if (modes.outputBias === 'decayed' && net.b2) pen += sumSq(net.b2);
  const penalty = 0.5 * beta * pen;
  return { objective: lv + penalty, loss: lv, penalty, F, R: negGradient(F, Y, loss) };
}
