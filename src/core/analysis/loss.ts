/**
 * Which loss the network was trained with (MATH.md §8): from the output head unless the user
 * says otherwise. The head is only a hint — a Sigmoid head may sit on a network trained with MSE
 * on probabilities — so the reason is always shown and `--loss` overrides it.
 */
import type { HeadKind } from '../model';
import type { Mat } from '../linalg/mat';
import { zeros } from '../linalg/mat';
import type { LossJson, LossName } from './types';

export const LOSS_NAMES: readonly LossName[] = ['squared', 'hinge', 'logistic', 'cross-entropy'];

export function lossFromHead(head: HeadKind, user?: LossName): LossJson {
  if (user) return { name: user, source: 'user', reason: `${user} loss as requested (output head: ${head})` };
  if (head === 'sklearn-postprocess')
    return { name: 'squared', source: 'default', reason: 'scikit-learn post-processing head: the logits are certified with the squared loss (override with --loss)' };
  if (head === 'sigmoid') return { name: 'logistic', source: 'head', reason: 'Sigmoid head → logistic loss on labels in {0,1} or {±1} (override with --loss)' };
  if (head === 'softmax' || head === 'logsoftmax')
    return { name: 'cross-entropy', source: 'head', reason: `${head === 'softmax' ? 'Softmax' : 'LogSoftmax'} head → softmax cross-entropy on class labels (override with --loss)` };
  return { name: 'squared', source: 'default', reason: 'no output head → squared loss ½‖F − Y‖² (override with --loss)' };
}

/**
 * The dual candidate Λ = −∇ℓ(F) of MATH.md §8 (squared: the residual Y − F). Labels as
 * labelsForLoss returns them: ±1 for hinge/logistic, one-hot for cross-entropy.
 */
export function dualDirectionFor(loss: LossName, F: Mat, Y: Mat): Mat {
  const L = zeros(F.rows, F.cols);
  const c = F.cols;
  for (let i = 0; i < F.rows; i++) {
    if (loss === 'cross-entropy') {
      let mx = -Infinity;
      for (let k = 0; k < c; k++) mx = Math.max(mx, F.data[i * c + k]);
      let s = 0;
      for (let k = 0; k < c; k++) s += Math.exp(F.data[i * c + k] - mx);
      for (let k = 0; k < c; k++) L.data[i * c + k] = Y.data[i * c + k] - Math.exp(F.data[i * c + k] - mx) / s;
      continue;
    }
    for (let k = 0; k < c; k++) {
      const o = i * c + k, y = Y.data[o], f = F.data[o];
      if (loss === 'squared') L.data[o] = y - f;
      else if (loss === 'logistic') L.data[o] = y / (1 + Math.exp(y * f)); // y·σ(−yf)
      else L.data[o] = y * f < 1 ? y : 0; // hinge: a subgradient
    }
  }
  return L;
}
