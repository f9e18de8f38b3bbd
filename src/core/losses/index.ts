/**
 * The losses other than the squared one (MATH.md §8): hinge, logistic, softmax cross-entropy,
 * Huber — each in its own file behind the Loss interface (./loss.ts, ./registry.ts). The certificate
 * (certifyClassification binds the project's oracle; certifyClassificationWith takes one), label
 * conversion, loss values, the conjugates and the head → loss default.
 */
import type { Mat } from '../linalg/mat';
import type { HeadKind } from '../model';
import type { OracleFn } from '../oracle/types';
import { computeOracle } from '../oracle';
import type { CertifySettings } from '../certify/types';
import type { NetworkWeights } from '../problem/network';
import type { LossName } from '../problem/loss';
import { certifyClassificationWith, type ClassificationResult } from './certify';
import type { Loss } from './loss';

export { labelsForLoss } from './labels';
export { lossValue, negGradient, dualObjective, binaryEntropy, softplus, sigmoid, type ClassLoss } from './conjugates';
export {
  dualDirection,
  fixDirection,
  lossBestScale,
  lossDualValue,
  equalityResidue,
  mLipschitz,
  DOMAIN_MARGIN,
  LOSS_DUAL_ROUNDING_PER_TERM,
} from './dualPoint';
export { solveLossLasso, LOSS_LASSO_REL_TOL, HINGE_SMOOTHING_REL, type LossLassoResult } from './solver';
export { betaForLoss, lossObjective } from './objective';
export { lossOf, LOSS_NAMES, type LossRef } from './registry';
export type { Loss, LossParams } from './loss';
export { huberLoss, smoothL1Beta, HUBER_DEFAULT_DELTA } from './huber';
export { certifyClassificationWith, LOSS_DEDUP_TOL, LOSS_OPTIMAL_M_TOL, type ClassificationResult } from './certify';

export function certifyClassification(
  net: NetworkWeights,
  X: Mat,
  Y: Mat,
  loss: Exclude<LossName, 'squared'> | Loss,
  settings: CertifySettings,
  oracle: OracleFn = computeOracle,
): ClassificationResult {
  return certifyClassificationWith(net, X, Y, loss, settings, oracle);
}

/**
 * The loss a model's output head implies: a Sigmoid head is trained with BCEWithLogitsLoss on
 * the logits (logistic), a Softmax/LogSoftmax head with CrossEntropyLoss (cross-entropy); no head
 * (regression, or logits trained with MSE) means squared loss. The hinge is never implied by a
 * head (an SVM-style model has none): the user chooses it.
 */
export function defaultLossForHead(head: HeadKind): { loss: LossName; reason: string } {
  switch (head) {
    case 'sigmoid':
      return { loss: 'logistic', reason: 'Sigmoid head → logistic loss (BCEWithLogitsLoss) on labels in {0,1} (or ±1)' };
    case 'softmax':
      return { loss: 'cross-entropy', reason: 'Softmax head → softmax cross-entropy (CrossEntropyLoss) on class indices or one-hot labels' };
    case 'logsoftmax':
      return { loss: 'cross-entropy', reason: 'LogSoftmax head → softmax cross-entropy (NLLLoss on log-probabilities) on class indices or one-hot labels' };
    case 'sklearn-postprocess':
      return { loss: 'squared', reason: 'scikit-learn post-processing head: the logits are certified with the squared loss unless another loss is chosen' };
    case 'none':
      return { loss: 'squared', reason: 'no output head → squared loss on the raw outputs' };
  }
}
