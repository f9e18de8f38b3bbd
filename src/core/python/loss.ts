/**
 * The training loss: the tensor `.backward()` is called on, followed back through its
 * assignments (`loss = criterion(out, y)`, `loss = loss + lam * l2`, `loss += …`). Recognized
 * data terms: MSELoss / mse_loss / ((f−y)**2).mean|sum, CrossEntropyLoss, BCEWithLogitsLoss (and
 * SoftMarginLoss, BCELoss after a Sigmoid head), hinge formulas clamp(1 − y·f, min=0); an
 * explicit μ·Σ‖p‖² over model.parameters() is a penalty.
 */
import { assignedValue, calleeLast, dotted, enclosing, findAll, kids, kwarg, positional, rangeOf, short, stringLiteral, unparen, type Node } from './ast';
import { asNumber, type Resolver } from './resolve';
import type { LossFact, ScriptFacts, ScriptLossKind } from './types';

type Unresolved = ScriptFacts['unresolved'];
type Data = { kind: ScriptLossKind; reduction: 'mean' | 'sum' | null; supported: boolean; why?: string; spelling: string; node: Node };

export const SUPPORTED_LOSSES =
  'MSELoss / F.mse_loss / ((f − y)**2).mean() or .sum() (squared loss), CrossEntropyLoss (softmax cross-entropy), ' +
  'BCEWithLogitsLoss or SoftMarginLoss (logistic), clamp(1 − y·f, min=0) (hinge), HuberLoss or SmoothL1Loss (Huber), optionally plus μ·Σ‖p‖² over model.parameters()';

const CLASSES: Record<string, ScriptLossKind> = {
  MSELoss: 'mse',
  mse_loss: 'mse',
  CrossEntropyLoss: 'cross-entropy',
  cross_entropy: 'cross-entropy',
  BCEWithLogitsLoss: 'bce-logits',
  binary_cross_entropy_with_logits: 'bce-logits',
  SoftMarginLoss: 'bce-logits',
  soft_margin_loss: 'bce-logits',
  // SmoothL1Loss(beta=b) = HuberLoss(delta=b)/b: the same loss when b = 1 (both defaults); other b below
  HuberLoss: 'huber',
  huber_loss: 'huber',
  SmoothL1Loss: 'huber',
  smooth_l1_loss: 'huber',
};
const UNSUPPORTED: Record<string, string> = {
  L1Loss: 'the absolute error is not a smooth convex loss with the dual the certificate uses',
  l1_loss: 'the absolute error is not a smooth convex loss with the dual the certificate uses',
  KLDivLoss: 'KL divergence on log-probabilities is not one of the certified losses',
  MultiMarginLoss: 'the multi-class hinge has no implemented dual',
  HingeEmbeddingLoss: 'HingeEmbeddingLoss is not the margin hinge max(0, 1 − y·f)',
  BCELoss: 'BCELoss is on probabilities: certifiable only as the logistic loss of a model ending in Sigmoid',
  binary_cross_entropy: 'binary_cross_entropy is on probabilities: certifiable only as the logistic loss of a model ending in Sigmoid',
  NLLLoss: 'NLLLoss is cross-entropy only after log_softmax',
  nll_loss: 'nll_loss is cross-entropy only after log_softmax',
  PoissonNLLLoss: 'not one of the certified losses',
  GaussianNLLLoss: 'not one of the certified losses',
  CosineEmbeddingLoss: 'not one of the certified losses',
};

function isSquare(n: Node): boolean {
  n = unparen(n);
  if (n.type === 'binary_operator' && n.child(1)?.text === '**' && n.childForFieldName('right')?.text === '2') return true;
  if (n.type === 'call') {
    const last = calleeLast(n);
    if (last === 'pow' || last === 'pow_') return /^2(\.0*)?$/.test(positional(n).slice(-1)[0]?.text ?? '');
    if (last === 'square') return true;
  }
  if (n.type === 'binary_operator' && n.child(1)?.text === '*') {
    const l = n.childForFieldName('left');
    return !!l && l.text === n.childForFieldName('right')?.text;
  }
  return false;
}

/** `x.mean()`, `torch.mean(x)`, `x.sum()`, `torch.sum(x)`: the reduced tensor and the reduction. */
function reduced(n: Node): { inner: Node; reduction: 'mean' | 'sum' } | null {
  n = unparen(n);
  if (n.type !== 'call') return null;
  const last = calleeLast(n);
  if (last !== 'mean' && last !== 'sum') return null;
  const fn = n.childForFieldName('function');
  const full = dotted(fn);
  const inner = full === `torch.${last}` || full === `np.${last}` ? positional(n)[0] : fn?.type === 'attribute' ? fn.childForFieldName('object') : null;
  return inner ? { inner: unparen(inner), reduction: last } : null;
}

function isHinge(inner: Node, r?: Resolver): boolean {
  if (inner.type !== 'call') return false;
  const last = calleeLast(inner) ?? '';
  const fn = inner.childForFieldName('function');
  let arg: Node | null = null;
  if (fn && (last === 'relu' || last === 'clamp' || last === 'clip' || last === 'clamp_min')) {
    arg =
      fn.type === 'attribute' && !/^(torch|F|np|nn\.functional|torch\.nn\.functional)$/.test(dotted(fn.childForFieldName('object')) ?? '')
        ? fn.childForFieldName('object')
        : (positional(inner)[0] ?? null);
  }
  if (!arg) return false;
  arg = unparen(arg);
  if (arg.type === 'identifier' && r) arg = r.valueNode(arg.text, arg) ?? arg;
  const one = arg.childForFieldName('left');
  const rightN = arg.childForFieldName('right');
  if (arg.type !== 'binary_operator' || arg.child(1)?.text !== '-' || !one || !rightN || !/^1(\.0*)?$/.test(one.text)) return false;
  let right = unparen(rightN);
  // margin = y * model(X); clamp(1 - margin, min=0)
  if (right.type === 'identifier' && r) right = r.valueNode(right.text, right) ?? right;
  return /\*/.test(right.text);
}

/** A data term: constructor/functional loss, or a formula under .mean()/.sum(). */
function dataTerm(n: Node, r: Resolver, head: string | null, depth = 0): Data | null {
  n = unparen(n);
  if (depth > 4) return null;
  if (n.type === 'identifier') {
    const v = r.valueNode(n.text, n);
    return v ? dataTerm(v, r, head, depth + 1) : null;
  }
  const red = reduced(n);
  if (red) {
    const sq = isSquare(red.inner) && /-/.test(red.inner.text);
    if (sq) return { kind: 'mse', reduction: red.reduction, supported: true, spelling: short(n, 50), node: n };
    if (isHinge(red.inner, r)) return { kind: 'hinge', reduction: red.reduction, supported: true, spelling: short(n, 50), node: n };
    if (/softplus\(\s*-|log\(\s*1\s*\+\s*torch\.exp\(\s*-|log1p\(\s*torch\.exp\(\s*-/.test(red.inner.text))
      return { kind: 'bce-logits', reduction: red.reduction, supported: true, spelling: short(n, 50), node: n };
    if (isSquare(red.inner) && isHinge(unparen(red.inner).childForFieldName('left') ?? red.inner, r))
      return { kind: 'other', reduction: red.reduction, supported: false, why: 'the squared hinge has no implemented dual', spelling: short(n, 50), node: n };
    return null;
  }
  const fn = n.type === 'call' ? n.childForFieldName('function') : null;
  if (!fn) return null;
  let ctor: Node = n;
  let last = calleeLast(n) ?? '';
  // criterion(out, y): follow the name to the constructor
  if (fn.type === 'identifier' && !(last in CLASSES) && !(last in UNSUPPORTED)) {
    const v = r.valueNode(fn.text, fn);
    if (v?.type === 'call') {
      ctor = v;
      last = calleeLast(v) ?? '';
    } else if (v && (v.type === 'attribute' || v.type === 'identifier')) {
      // mse = F.mse_loss; mse(out, y): the alias of a functional loss, options at the call
      last = v.type === 'attribute' ? (v.childForFieldName('attribute')?.text ?? '') : v.text;
    } else return null;
  }
  const spelling = dotted(ctor.childForFieldName('function')) ?? last;
  let kind = CLASSES[last];
  let why = UNSUPPORTED[last];
  if (!kind && !why) return null;
  if (/^(BCELoss|binary_cross_entropy)$/.test(last) && head === 'sigmoid') (kind = 'bce-logits'), (why = '');
  if (/^(NLLLoss|nll_loss)$/.test(last) && head === 'log-softmax') (kind = 'cross-entropy'), (why = '');
  if (!kind) return { kind: 'other', reduction: null, supported: false, why, spelling, node: n };
  const redN = kwarg(ctor, 'reduction');
  const redE = redN ? r.evaluate(redN) : null;
  const rd = !redN ? 'mean' : redE && redE.ok ? String(redE.value) : null;
  const d: Data = { kind, reduction: rd === 'sum' ? 'sum' : rd === 'mean' ? 'mean' : null, supported: true, spelling, node: n };
  if (rd !== 'mean' && rd !== 'sum') {
    d.supported = false;
    d.why =
      rd === null
        ? `reduction: ${redE && !redE.ok ? redE.why : 'not visible'}`
        : `reduction='${rd}' leaves a per-sample loss; reduce it with .mean() or .sum()`;
  }
  const b = /^(SmoothL1Loss|smooth_l1_loss)$/.test(last) ? kwarg(ctor, 'beta') : null;
  if (b && !/^1(\.0*)?$/.test(b.text)) {
    d.supported = false;
    d.why = `SmoothL1Loss(beta=b) is HuberLoss(delta=b)/b: certify it as the Huber loss with δ = b and β = b·(the HuberLoss β)`;
  }
  for (const opt of ['weight', 'pos_weight', 'label_smoothing']) {
    const o = kwarg(ctor, opt);
    if (o && !/^(None|0|0\.0)$/.test(o.text)) {
      d.supported = false;
      d.why = `${opt}=${short(o, 20)} changes the loss away from the one the certificate is about`;
    }
  }
  return d;
}

/** μ·Σ‖p‖² over the parameters: returns μ (null when not a number) or undefined when not a penalty. */
function penaltyTerm(n: Node, r: Resolver, depth = 0): { mu: number | null; node: Node; why?: string } | undefined {
  n = unparen(n);
  const looksL2 = (x: Node): boolean => {
    const t = x.type === 'identifier' ? (r.valueNode(x.text, x)?.text ?? '') : x.text;
    return /parameters\(\)|\.weight/.test(t) && /\*\*\s*2|pow\(\s*2|square|norm\(.*\)\s*\*\*\s*2|\bp\s*\*\s*p\b/.test(t);
  };
  const isProduct = n.type === 'binary_operator' && n.child(1)?.text === '*';
  const [a, b] = isProduct ? [n.childForFieldName('left'), n.childForFieldName('right')] : [null, null];
  if (a && b) {
    for (const [coef, term] of [
      [a, b],
      [b, a],
    ] as const) {
      if (looksL2(term) || penaltyTerm(term, r, depth + 1)) {
        const inner = penaltyTerm(term, r, depth + 1);
        const e = r.evaluate(coef);
        const c = asNumber(e);
        const mu = c === null || (inner && inner.mu === null) ? null : c * (inner ? inner.mu! : 1);
        return { mu, node: n, why: c === null ? (e.ok ? short(coef) : e.why) : inner?.why };
      }
    }
  }
  if (n.type === 'identifier' && depth < 3) {
    const v = r.valueNode(n.text, n);
    if (v && !looksL2(n)) {
      const p = penaltyTerm(v, r, depth + 1);
      return p ? { ...p, node: n } : undefined;
    }
  }
  if (looksL2(n)) return { mu: 1, node: n };
  return undefined;
}

function terms(n: Node | null): Node[] {
  if (!n) return [];
  n = unparen(n);
  if (n.type === 'binary_operator' && n.child(1)?.text === '+') return [...terms(n.childForFieldName('left')), ...terms(n.childForFieldName('right'))];
  return [n];
}

/** The expression `.backward()` is called on, with `loss = loss + …` / `loss += …` folded in. */
function backwardTerms(root: Node, r: Resolver): { nodes: Node[]; at: Node } | null {
  const back = findAll(root, 'call').find((c) => calleeLast(c) === 'backward' && c.childForFieldName('function')?.type === 'attribute');
  if (!back) return null;
  const objN = back.childForFieldName('function')?.childForFieldName('object');
  if (!objN) return null;
  const obj = unparen(objN);
  if (obj.type !== 'identifier') return { nodes: terms(obj), at: back };
  const scope = enclosing(back, ['function_definition']) ?? root;
  const name = obj.text;
  const steps = [...findAll(scope, 'assignment'), ...findAll(scope, 'augmented_assignment')]
    .filter((a) => a.childForFieldName('left')?.text === name && a.startIndex < back.startIndex)
    .sort((a, b) => a.startIndex - b.startIndex);
  let out: Node[] = [];
  for (const s of steps) {
    // `loss: float` declares without binding: nothing flows into the loss.
    const right = assignedValue(s);
    if (!right) continue;
    if (s.type === 'augmented_assignment') {
      if (s.child(1)?.text === '+=') out.push(...terms(right));
      continue;
    }
    const ts = terms(right);
    const self = ts.findIndex((t) => t.type === 'identifier' && t.text === name);
    out = self >= 0 ? [...out, ...ts.filter((_, i) => i !== self)] : ts;
  }
  return out.length ? { nodes: out, at: back } : null;
}

export function findLoss(root: Node, r: Resolver, un: Unresolved, head: string | null): LossFact | null {
  const bt = backwardTerms(root, r);
  let data: Data | null = null;
  let pen: ReturnType<typeof penaltyTerm>;
  let scale = 1;
  if (bt) {
    for (let t of bt.nodes) {
      t = unparen(t);
      // data_term = 0.5 * ((f - y) ** 2).sum(); loss = data_term + …: look through the name
      for (let k = 0; k < 3 && t.type === 'identifier' && !penaltyTerm(t, r); k++) {
        const v = r.valueNode(t.text, t);
        if (!v) break;
        t = unparen(v);
      }
      // 0.5 * criterion(out, y): a constant factor on the data term
      let factor = 1;
      const op = t.type === 'binary_operator' ? (t.child(1)?.text ?? '') : '';
      const [a, b] = ['*', '/'].includes(op) ? [t.childForFieldName('left'), t.childForFieldName('right')] : [null, null];
      if (a && b && !penaltyTerm(t, r)) {
        const ca = asNumber(r.evaluate(a));
        const cb = asNumber(r.evaluate(b));
        if (op === '*' && ca !== null) (factor = ca), (t = b);
        else if (cb !== null) (factor = op === '*' ? cb : 1 / cb), (t = a);
      }
      const d: Data | null = !data ? dataTerm(t, r, head) : null;
      if (d) {
        data = d;
        scale = factor;
        continue;
      }
      const p = penaltyTerm(t, r);
      if (p) pen = p;
      else if (!data || t !== data.node) un.push({ what: `a term of the loss is not recognized: '${short(t)}'`, range: rangeOf(t) });
    }
  }
  if (!data) {
    // No backward() (or not followed): the first loss constructor / functional call in the file.
    for (const c of findAll(root, 'call')) {
      const last = calleeLast(c) ?? '';
      if (last in CLASSES || last in UNSUPPORTED) {
        data = dataTerm(c, r, head);
        if (data) break;
      }
    }
  }
  if (!data) return null;
  const fact: LossFact = {
    kind: data.kind,
    reduction: data.reduction,
    supported: data.supported,
    range: rangeOf(data.node),
    spelling: data.spelling,
    scale,
  };
  if (data.why) fact.why = data.why;
  if (pen) {
    fact.base = data.kind;
    fact.kind = 'penalty';
    fact.penaltyMu = pen.mu;
    fact.penaltyRange = rangeOf(pen.node);
    if (pen.mu === null) un.push({ what: `the penalty coefficient: ${pen.why ?? 'not a number'}`, range: rangeOf(pen.node) });
  }
  return fact;
}
