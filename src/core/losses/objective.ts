/**
 * The training objective with a classification loss (MATH.md §1, §8):
 *   P(θ) = ℓ(f(X)) + (β/2)(‖W1‖² + ‖b1‖²[hidden decayed] + ‖W2‖² + ‖b2‖²[output decayed]),
 * ℓ summed over samples (and outputs), recomputed from the weights by forward() — the only way a
 * witness's value is ever obtained. β from the framework's settings: each loss's `beta` (./betaMap.ts).
 */
import { usageError } from '../errors';
import type { Mat } from '../linalg/mat';
import { forward } from '../model';
import type { CertifyModes, NetworkWeights } from '../problem/network';
import type { BetaInfo, BetaSpec } from '../certify/types';
import { lossValue, negGradient } from './conjugates';
import { lossOf, type LossRef } from './registry';

/** β for the summed-loss form of `loss` (Loss.beta; ./betaMap.ts). */
export function betaForLoss(spec: BetaSpec, n: number, c: number, loss: LossRef): BetaInfo {
  return lossOf(loss).beta(spec, n, c);
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
export function lossObjective(net: NetworkWeights, X: Mat, Y: Mat, beta: number, modes: CertifyModes, loss: LossRef): LossObjectiveParts {
  const F = forward(net, X);
  if (F.rows !== Y.rows || F.cols !== Y.cols) throw usageError(`Labels are ${Y.rows}×${Y.cols} but the network outputs ${F.rows}×${F.cols}.`);
  const lv = lossValue(F, Y, loss);
  let pen = sumSq(net.W1.data) + sumSq(net.W2.data);
  if (modes.hiddenBias === 'decayed' && net.b1) pen += sumSq(net.b1);
  if (modes.outputBias === 'decayed' && net.b2) pen += sumSq(net.b2);
  const penalty = 0.5 * beta * pen;
  return { objective: lv + penalty, loss: lv, penalty, F, R: negGradient(F, Y, loss) };
}
