/**
 * Diagnostics for a scikit-learn MLP script, with the codes torch scripts get (./lint.ts): the
 * architecture (one hidden ReLU layer), β from alpha with both biases free
 * (certify/sklearnBeta.ts), the loss, and whether training is likely to have stopped early.
 */
import { betaFromSklearnAlpha } from '../certify/sklearnBeta';
import { CODES, type ScriptDiagnostic, type Severity } from './diagnostics';
import { FREE_BIASES } from '../format/certifyControls';
import { SKLEARN_DEFAULTS } from './sklearn';
import type { NetworkFact, SklearnFact } from './types';

/**
 * max_iter at or below this, or tol at or above TOL_LOOSE, is flagged: sklearn's defaults (200,
 * 1e-4) end adam/sgd runs on a loss plateau long before the stationary point the certificate
 * compares with (the fixtures in test/fixtures/sklearn needed 1e4+ full-batch Adam steps).
 */
export const MAX_ITER_SHORT = 1000;
export const TOL_LOOSE = 1e-4;

export function sklearnDiagnostics(s: SklearnFact, net: NetworkFact | null, n: number | null, nWhere: string): ScriptDiagnostic[] {
  const out: ScriptDiagnostic[] = [];
  const at = (name: string) => s.ranges?.[name] ?? s.range;
  const est = s.estimator;
  const fatal: Severity = net ? 'error' : 'warning';

  if (s.activation !== null && s.activation !== 'relu')
    out.push({
      code: CODES.noNetwork,
      severity: 'warning',
      range: at('activation'),
      related: { kind: 'network' },
      message: `${est}(activation='${s.activation}'): ReLU Lens certifies two-layer ReLU networks only — activation='relu' (sklearn's default).`,
    });
  if (s.hiddenLayerSizes !== null && s.hiddenLayerSizes.length !== 1)
    out.push({
      code: CODES.noNetwork,
      severity: 'warning',
      range: at('hidden_layer_sizes'),
      related: { kind: 'network' },
      message: `hidden_layer_sizes=(${s.hiddenLayerSizes.join(', ')}) has ${s.hiddenLayerSizes.length} hidden layers: ReLU Lens certifies one hidden layer, hidden_layer_sizes=(m,).`,
    });

  out.push({
    code: CODES.lossReading,
    severity: 'hint',
    range: s.nameRange ?? s.range,
    related: { kind: 'loss' },
    message:
      est === 'MLPClassifier'
        ? "Loss read as MLPClassifier's log-loss: logistic for two classes, softmax cross-entropy for more; the skl2onnx model's Sigmoid/Softmax head selects it."
        : 'Loss read as squared (MLPRegressor, squared_error), the default for a model without a head.',
    certifyWith: est === 'MLPClassifier' ? undefined : [{ setting: 'loss', value: 'squared' }],
  });

  if (s.alpha === 0)
    out.push({
      code: CODES.noWeightDecay,
      severity: fatal,
      range: at('alpha'),
      related: { kind: 'weight-decay', beta: 0 },
      message: `${est}(alpha=0): no weight decay, so β = 0 and there is no regularized problem to certify. Train with alpha > 0 (sklearn's default is ${SKLEARN_DEFAULTS.alpha}).`,
    });
  else if (s.alpha !== null) {
    const b = betaFromSklearnAlpha(s.alpha, est === 'MLPClassifier' ? 'logistic' : 'squared');
    const lines = [b.derivation, ...(n !== null ? [`n = ${n}${nWhere} (β does not depend on it)`] : [])];
    out.push({
      code: CODES.beta,
      severity: 'information',
      range: at('alpha'),
      related: { kind: 'weight-decay', beta: b.beta, derivation: b.derivation, lines },
      message: `β = ${s.alpha}${s.defaults.includes('alpha') ? " (sklearn's default alpha)" : ''}: ${b.derivation}.`,
      certifyWith: [{ setting: 'sklearnAlpha', value: String(s.alpha) }],
    });
  }
  out.push({
    code: CODES.biasesFree,
    severity: 'information',
    range: s.nameRange ?? s.range,
    message: 'scikit-learn decays neither bias (intercepts_); the scikit-learn alpha setting implies this.',
    certifyWith: FREE_BIASES,
  });

  const short = s.maxIter !== null && s.maxIter <= MAX_ITER_SHORT;
  const loose = s.tol !== null && s.tol >= TOL_LOOSE;
  if (short || loose) {
    const what = [
      short ? `max_iter=${s.maxIter}${s.defaults.includes('max_iter') ? " (sklearn's default)" : ''}` : '',
      loose ? `tol=${s.tol}${s.defaults.includes('tol') ? " (sklearn's default)" : ''}` : '',
    ]
      .filter(Boolean)
      .join(' and ');
    out.push({
      code: CODES.trainingStop,
      severity: 'information',
      range: at(short ? 'max_iter' : 'tol'),
      message: `${what} with solver='${s.solver ?? '?'}' usually stops training before a stationary point (sklearn's ConvergenceWarning): the certificate then reports "not optimal" and an implied β off alpha. Train longer (max_iter ≥ ${MAX_ITER_SHORT * 10}, tol ≤ 1e-8) before certifying.`,
    });
  }
  return out;
}
