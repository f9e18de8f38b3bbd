/**
 * β from scikit-learn's `alpha` (MLPClassifier / MLPRegressor), derived from sklearn 1.9's
 * neural_network/_multilayer_perceptron.py (_backprop, _compute_loss_grad) and _base.py:
 *
 *   gradient sklearn follows: ∂/∂coefs = (Hᵀ·Δ + alpha·coefs)/n, ∂/∂intercepts = 1ᵀΔ/n, with
 *   Δ = activations[-1] − y at the output (the loss-link pairs identity+squared, sigmoid+binary
 *   log-loss, softmax+log-loss), i.e. Δ = ∇_F ℓ(F) per sample, summed over the outputs.
 *   That is the gradient of (1/n)·Σ_i ℓ_i + (alpha/(2n))·‖W‖²_F with ℓ_i = ½‖f(x_i) − y_i‖²
 *   (regressor) or the logistic / softmax cross-entropy loss on the logits (classifier); the
 *   intercepts are not decayed.
 *   (The loss VALUE sklearn reports for a regressor with c > 1 outputs also divides by c —
 *   squared_loss averages over the outputs — but the gradient does not, so Adam/SGD fixed points,
 *   and L-BFGS's when it gets there, are those of the objective above.)
 *
 * MATH.md §1/§8 certifies P = Σ_i ℓ_i + (β/2)‖θ‖². Multiplying by n (same minimisers):
 *   n·(objective above) = Σ_i ℓ_i + (alpha/2)‖W‖²  ⇒  β = alpha, both biases free,
 * for classifiers and regressors alike, any c. Minibatches do not change it: sklearn divides the
 * penalty by the batch size as it divides the loss. test/onnx/sklearn-beta.test.ts checks this
 * against the implied β (MATH.md §3.8) of sklearn's own fitted networks (c·alpha, the value the
 * reported loss would suggest for c = 2, is rejected there).
 */
import { usageError } from '../errors';
import type { BetaInfo } from './types';

/** `lossWords`: the certified loss, to warn when sklearn has no such loss. */
export function betaFromSklearnAlpha(alpha: number, lossWords: string): BetaInfo {
  if (!Number.isFinite(alpha) || alpha <= 0)
    throw usageError(
      `scikit-learn's alpha must be a positive finite number (got ${alpha}); with alpha = 0 there is no regularized problem to certify.`,
      'beta',
    );
  const known = lossWords === 'squared' || lossWords === 'logistic' || lossWords === 'cross-entropy';
  return {
    beta: alpha,
    derivation: `β = alpha = ${alpha} (scikit-learn MLP: loss and penalty (alpha/2n)‖W‖² both averaged over the n samples; biases free)`,
    warnings: known ? [] : [`scikit-learn's MLP has no ${lossWords} loss: β = alpha assumes the loss is averaged over the n samples as sklearn's losses are.`],
  };
}

/** The bias modes sklearn trains with: neither intercept is decayed. */
export const SKLEARN_BIAS_MODES = { hiddenBias: 'free', outputBias: 'free' } as const;

/** Where the suggestion is read: the CLI names its flag, the editor its β prompt's choice. */
const SKLEARN_HOW = {
  cli: "Rerun with --sklearn-alpha ALPHA (the estimator's alpha, 0.0001 by default), which sets β = alpha, --hidden-bias free and --output-bias free",
  editor:
    "Run 'ReLU Lens: Set training data…' and pick the β prompt's \"scikit-learn MLP: β = alpha, both biases free\" (the estimator's alpha, 0.0001 by default)",
} as const;

/**
 * What to suggest for a model skl2onnx exported, unless the user already certifies sklearn's
 * problem (alpha given, or β with both biases free): suggested, never applied — the producer says
 * only who converted the model, not that an MLP's alpha trained it.
 */
export function sklearnSuggestion(
  model: { producer: { name: string }; foldedPreprocessing: readonly unknown[] },
  o: { sklearnAlpha?: number; beta?: number; hiddenBias?: string; outputBias?: string },
  frontEnd: keyof typeof SKLEARN_HOW = 'cli',
): string | null {
  const folded = model.foldedPreprocessing.length
    ? " The graph's Scaler is folded into layer 1, so the penalty here acts on the folded weights, not on the ones sklearn decayed."
    : '';
  if (o.sklearnAlpha !== undefined) return folded ? `--sklearn-alpha:${folded}` : null;
  if (model.producer.name !== 'skl2onnx') return null;
  if (o.beta !== undefined && o.hiddenBias === 'free' && o.outputBias === 'free') return folded ? folded.trim() : null;
  return (
    'exported by skl2onnx: if a scikit-learn MLPClassifier/MLPRegressor trained it, its problem is β = alpha with both biases free ' +
    `(sklearn decays neither intercept). ${SKLEARN_HOW[frontEnd]}; this run uses the β and bias modes given.` +
    folded
  );
}
