/**
 * β implied by what the script does (MATH.md §1). The squared loss goes through
 * certify/beta.ts's betaFromSpec so the CLI, the panel and the linter print the same derivation.
 * Other losses (derived, MATH.md §8 objective Σ_i ℓ(f(x_i), y_i) + (β/2)‖θ‖²): a mean over N
 * entries with coupled weight_decay wd is (1/N)·[Σℓ + (N·wd/2)‖θ‖²] ⇒ β = N·wd; a sum ⇒ β = wd.
 * An explicit μ‖θ‖² added to the loss acts like weight_decay 2μ (its gradient is 2μθ).
 */
import { betaFromSpec } from '../certify/beta';
import { betaFromSklearnAlpha } from '../certify/sklearnBeta';
import { fmtTerm as fmt } from '../format/numbers';
import type { LossFact, OptimizerFact, ScriptFacts } from './types';

export interface ScriptBeta {
  /** null when not determined (n unknown, weight_decay unresolved, unsupported loss) */
  beta: number | null;
  /** β divided by n, when β is proportional to n and n is unknown */
  perSample: number | null;
  /** total decay acting like coupled weight_decay (optimizer wd + 2μ) */
  weightDecay: number | null;
  derivation: string;
  warnings: string[];
  /** why β is 0 (no regularized problem) — set only then */
  zero?: string;
}

const ADAMW_NOTE =
  'AdamW decouples weight decay from the gradient, so its fixed points do not minimize loss + (β/2)‖θ‖² for any single β; ' +
  'the value shown is what Adam/SGD with the same weight_decay would imply — the certificate also reports the implied β of the trained network (MATH.md §3.8).';

function totalDecay(opt: OptimizerFact | null, loss: LossFact | null): { wd: number | null; parts: string[]; unknown?: string } {
  const parts: string[] = [];
  let wd = 0;
  if (opt) {
    if (opt.weightDecay === null) return { wd: null, parts, unknown: 'weight_decay is not resolved' };
    wd += opt.weightDecay;
    parts.push(`${opt.className ?? opt.kind} weight_decay = ${fmt(opt.weightDecay)}${opt.weightDecayDefault ? ' (PyTorch default)' : ''}`);
  }
  if (loss?.kind === 'penalty') {
    if (loss.penaltyMu == null) return { wd: null, parts, unknown: 'the penalty coefficient μ is not resolved' };
    wd += 2 * loss.penaltyMu;
    parts.push(`explicit μ‖θ‖² with μ = ${fmt(loss.penaltyMu)} acts like weight_decay 2μ = ${fmt(2 * loss.penaltyMu)}`);
  }
  return { wd, parts };
}

export function scriptBeta(facts: ScriptFacts, n: number | null): ScriptBeta {
  if (facts.sklearn) return sklearnBeta(facts.sklearn.alpha);
  const { optimizer: opt, loss } = facts;
  const c = facts.network?.c ?? null;
  const base = loss ? (loss.kind === 'penalty' ? (loss.base ?? 'mse') : loss.kind) : 'mse';
  const reduction = loss?.reduction ?? 'mean';
  const scale = loss?.scale ?? 1;
  const dec = totalDecay(opt, loss);
  const out: ScriptBeta = { beta: null, perSample: null, weightDecay: dec.wd, derivation: '', warnings: [] };
  if (opt?.kind === 'adamw') out.warnings.push(ADAMW_NOTE);
  if (dec.wd === null) {
    out.derivation = `β unknown: ${dec.unknown}`;
    return out;
  }
  if (dec.wd <= 0) {
    out.beta = 0;
    out.zero =
      (opt
        ? `${opt.className ?? opt.kind} has weight_decay = 0${opt.weightDecayDefault ? ' (not written: PyTorch default)' : ''}`
        : 'no weight decay and no penalty') +
      ', so β = 0: without weight decay the regularized problem min loss + (β/2)‖θ‖² that the certificate is about does not exist ' +
      '(P* would be the interpolation infimum). Set weight_decay > 0 (e.g. 1e-4) in the optimizer, or add μ·Σ‖p‖² to the loss.';
    out.derivation = 'β = 0';
    return out;
  }
  if (base === 'other' || (loss && !loss.supported)) {
    out.derivation = `β not derived: the loss ${loss?.spelling ?? ''} is not one the certificate supports`;
    return out;
  }
  const wd = dec.wd;
  const via = dec.parts.join('; ');
  // Entries the reduction averages over: n·c for elementwise losses, n for cross-entropy (one term per sample).
  const perEntries = base === 'cross-entropy' ? 1 : c;
  if (base === 'mse' && scale === 1 && reduction === 'sum') {
    const b = betaFromSpec({ kind: 'pytorch', weightDecay: wd, reduction: 'sum', optimizer: optKind(opt) }, n ?? 1, c ?? 1);
    return { ...out, beta: b.beta, derivation: `${b.derivation}; ${via}` };
  }
  if (base === 'mse' && scale === 0.5 && reduction === 'sum' && !opt && loss?.kind === 'penalty') {
    const b = betaFromSpec({ kind: 'penalty', mu: loss.penaltyMu! }, n ?? 1, c ?? 1);
    return { ...out, beta: b.beta, derivation: b.derivation };
  }
  if (base === 'mse' && scale === 1 && reduction === 'mean' && n !== null && c !== null) {
    const b = betaFromSpec({ kind: 'pytorch', weightDecay: wd, reduction: 'mean', optimizer: optKind(opt) }, n, c);
    return { ...out, beta: b.beta, derivation: `${b.derivation}; ${via}` };
  }
  // General form: loss = s·(Σ over entries)/N  ⇒  β = k·N·wd/s, k = ½ for the squared loss (its certificate term is ½·SSE).
  const k = base === 'mse' ? 0.5 : 1;
  const kTxt = base === 'mse' ? '/2' : '';
  const sTxt = scale === 1 ? '' : `/s (s = ${fmt(scale)} multiplies the loss)`;
  const what =
    base === 'mse'
      ? 'squared loss'
      : base === 'cross-entropy'
        ? 'cross-entropy'
        : base === 'hinge'
          ? 'hinge loss'
          : base === 'huber'
            ? 'Huber loss'
            : 'logistic loss';
  if (reduction === 'sum') {
    out.beta = (k * wd) / scale;
    out.derivation = `β = wd${kTxt}${sTxt} = ${fmt(out.beta)} (${what}, reduction sum; ${via})`;
    return out;
  }
  const entries = base === 'cross-entropy' ? 'n' : 'n·c';
  if (perEntries === null) {
    out.derivation = `β = ${entries}·wd${kTxt}${sTxt} with c unknown (the output width is not resolved); ${via}`;
    return out;
  }
  const per = (k * perEntries * wd) / scale;
  out.perSample = per;
  const cTxt = base === 'cross-entropy' ? '' : `·${perEntries}`;
  if (n === null) {
    out.derivation = `β = ${entries}·wd${kTxt}${sTxt} = n${cTxt}·${fmt(wd)}${kTxt} = ${fmt(per)}·n — n unknown (the number of training samples is not visible), so β = ${fmt(per)} per training sample (${what}, reduction mean; ${via})`;
    return out;
  }
  out.beta = per * n;
  out.derivation = `β = ${entries}·wd${kTxt}${sTxt} = ${n}${cTxt}·${fmt(wd)}${kTxt} = ${fmt(out.beta)} (${what}, reduction mean; ${via})`;
  return out;
}

function optKind(opt: OptimizerFact | null): 'sgd' | 'adam' | 'adamw' | undefined {
  return opt && opt.kind !== 'other' ? opt.kind : undefined;
}

/** A scikit-learn MLP: β = alpha whatever n and c (certify/sklearnBeta.ts). */
function sklearnBeta(alpha: number | null): ScriptBeta {
  const none = { perSample: null, weightDecay: null, warnings: [] };
  if (alpha === null) return { ...none, beta: null, derivation: 'alpha is not resolved, so β = alpha is unknown' };
  if (alpha === 0) return { ...none, beta: 0, derivation: 'β = alpha = 0', zero: 'alpha = 0: no weight decay, so β = 0' };
  const b = betaFromSklearnAlpha(alpha, 'squared');
  return { ...none, beta: b.beta, derivation: b.derivation };
}
