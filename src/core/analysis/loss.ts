/**
 * Which loss the network was trained with (MATH.md §8): from the output head unless the user
 * says otherwise. The head is only a hint — a Sigmoid head may sit on a network trained with MSE
 * on probabilities — so the reason is always shown and the user can override it. The reason names
 * no front end's control: each front end adds its own (format/lossControl.ts lossOverride).
 */
import type { HeadKind, OutputHead } from '../model';
import { ReluLensError } from '../errors';
import type { Mat } from '../linalg/mat';
import { negGradient } from '../losses/conjugates';
import { LOSS_NAMES, type LossRef } from '../losses/registry';
import type { LossJson } from '../report/analysisJson';
import type { LossName } from '../problem/loss';

export { LOSS_NAMES };

/** `head` as the model has it: an skl2onnx classifier head decides by the Sigmoid/Softmax inside it. */
export function lossFromHead(outputHead: HeadKind | OutputHead, user?: LossName): LossJson {
  const head = typeof outputHead === 'string' ? outputHead : outputHead.kind;
  if (user) return { name: user, source: 'user', reason: `${user} loss as requested (output head: ${head})` };
  const sk = typeof outputHead === 'string' ? undefined : outputHead.probability;
  if (head === 'sklearn-postprocess' && sk === 'sigmoid')
    return {
      name: 'logistic',
      source: 'head',
      reason: "scikit-learn classifier head (Sigmoid + skl2onnx's label/probability ops) → logistic loss, MLPClassifier's log-loss, on labels in {0,1}",
    };
  if (head === 'sklearn-postprocess' && sk)
    return {
      name: 'cross-entropy',
      source: 'head',
      reason:
        "scikit-learn classifier head (Softmax + skl2onnx's label/probability ops) → softmax cross-entropy, MLPClassifier's log-loss, on class indices 0…c−1",
    };
  if (head === 'sklearn-postprocess')
    return { name: 'squared', source: 'default', reason: 'scikit-learn post-processing head: the logits are certified with the squared loss' };
  if (head === 'sigmoid') return { name: 'logistic', source: 'head', reason: 'Sigmoid head → logistic loss on labels in {0,1} or {±1}' };
  if (head === 'softmax' || head === 'logsoftmax')
    return { name: 'cross-entropy', source: 'head', reason: `${head === 'softmax' ? 'Softmax' : 'LogSoftmax'} head → softmax cross-entropy on class labels` };
  return { name: 'squared', source: 'default', reason: 'no output head → squared loss ½‖F − Y‖²' };
}

/**
 * Appended to a label/shape refusal when the loss was not asked for: the labels were read for the
 * loss the head implied, and the fix is often another loss (a classifier's logits certified with
 * the squared loss want one column per output). Empty when the user chose the loss. It names no
 * control: the refusal carries code 'loss' and each front end adds how to name the loss
 * (format/lossControl.ts lossChoiceAdvice).
 */
export function lossHint(loss: LossJson): string {
  if (loss.source === 'user') return '';
  return (
    ` — the labels were read for the ${loss.name} loss, chosen ${loss.source === 'head' ? "from the model's output head" : 'by default (no classifier head found)'}; ` +
    `training may have used another (${LOSS_NAMES.join(', ')}: class indices 0…c−1 need cross-entropy, 0/1 labels logistic).`
  );
}

/** Rethrows a data refusal from `f` with lossHint appended (location kept) and code 'loss'. */
export function withLossHint<T>(loss: LossJson, f: () => T): T {
  try {
    return f();
  } catch (e) {
    const hint = lossHint(loss);
    if (!(e instanceof ReluLensError) || e.kind === 'usage' || e.kind === 'internal' || !hint) throw e;
    throw new ReluLensError(e.kind, e.message + hint, e.location, 'loss');
  }
}

/**
 * The dual candidate Λ = −∇ℓ(F) of MATH.md §8 (squared: the residual Y − F). Labels as
 * labelsForLoss returns them: ±1 for hinge/logistic, one-hot for cross-entropy. Hinge: the
 * subgradient y·1[yF < 1]. `loss` by name, or an instance with its parameters (Huber's δ).
 */
export function dualDirectionFor(loss: LossRef, F: Mat, Y: Mat): Mat {
  return negGradient(F, Y, loss);
}
