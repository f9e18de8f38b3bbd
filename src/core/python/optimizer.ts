/**
 * The optimizer and its weight decay: SGD/Adam (coupled: the fixed points minimize
 * loss + (wd/2)‖θ‖²), AdamW (decoupled), parameter groups that take the biases out of the decay.
 */
import { args, calleeLast, calleeNode, dotted, kids, kwarg, kwargNode, positional, rangeOf, short, stringLiteral, unparen, findAll, type Node } from './ast';
import { asNumber, type Resolver } from './resolve';
import type { OptimizerFact, OptimizerKind, ScriptFacts } from './types';

type Unresolved = ScriptFacts['unresolved'];

/** PyTorch's defaults for weight_decay (torch 2.x docs). */
export const DEFAULT_WEIGHT_DECAY: Record<string, number> = { AdamW: 0.01 };
const OPTIMIZERS = new Set(['SGD', 'Adam', 'AdamW', 'NAdam', 'RAdam', 'RMSprop', 'Adagrad', 'Adadelta', 'Adamax', 'LBFGS', 'SparseAdam', 'ASGD', 'Rprop']);
/** Optimizers whose weight_decay is added to the gradient (coupled), so the usual β mapping holds. */
const COUPLED = new Set(['SGD', 'Adam', 'NAdam', 'RAdam', 'RMSprop', 'Adagrad', 'Adadelta', 'Adamax', 'ASGD']);

function kindOf(name: string, decoupled: boolean): OptimizerKind {
  if (name === 'AdamW' || decoupled) return 'adamw';
  return name === 'SGD' ? 'sgd' : name === 'Adam' ? 'adam' : 'other';
}

/** Does a parameter-group expression select the biases (or 1-d tensors)? */
function selectsBiases(n: Node): boolean {
  return /bias|ndim\s*[<=]=?\s*1|\.dim\(\)\s*[<=]=?\s*1|len\([^)]*shape\)\s*[<=]=?\s*1|no_decay/.test(n.text);
}

/** The parameters an optimizer is given, as written (`model.parameters()`). */
const paramsText = (c: Node) => (positional(c)[0] ?? kwarg(c, 'params'))?.text ?? null;

/**
 * A polish: an L-BFGS created after the main optimizer on the same parameters (Adam, then L-BFGS
 * to converge tightly). It is recognised, not a second unknown optimizer; lint says what it
 * must minimise for the main optimizer's β to hold.
 */
function polishOf(calls: Node[], pick: Node): Node | null {
  const p = paramsText(pick);
  return calls.find((c) => c !== pick && calleeLast(c) === 'LBFGS' && c.startIndex > pick.startIndex && p !== null && paramsText(c) === p) ?? null;
}

/**
 * Which optimizer call is read: a script may build several (a polish, one per model); the one
 * given the network's parameters wins, and the others are reported rather than silently ignored.
 */
function pickOptimizer(root: Node, un: Unresolved, netName: string | null): { pick: Node; polish: Node | null } | null {
  const calls = findAll(root, 'call').filter((c) => {
    const last = calleeLast(c) ?? '';
    if (!OPTIMIZERS.has(last)) return false;
    const full = dotted(c.childForFieldName('function')) ?? '';
    return full === last || /(^|\.)optim\./.test(full);
  });
  if (!calls.length) return null;
  // L-BFGS (no weight_decay of its own) is the usual polish after Adam/SGD: the main optimizer is the other one
  const main = calls.filter((c) => calleeLast(c) !== 'LBFGS');
  const pool = main.length ? main : calls;
  const pick = (netName && pool.find((c) => (positional(c)[0]?.text ?? '').includes(netName))) || pool[0];
  const polish = polishOf(calls, pick);
  const others = calls.filter((c) => c !== pick && c !== polish);
  if (others.length)
    un.push({ what: `${calls.length} optimizers are created; the one at line ${pick.startPosition.row + 1} is read`, range: rangeOf(others[0]) });
  return { pick, polish };
}

export function findOptimizer(root: Node, r: Resolver, un: Unresolved, netName: string | null): OptimizerFact | null {
  const picked = pickOptimizer(root, un, netName);
  if (!picked) return null;
  const { pick, polish } = picked;
  const name = calleeLast(pick) ?? '';
  const decN = kwarg(pick, 'decoupled_weight_decay');
  const decoupled = !!decN && r.evaluate(decN).ok && (r.evaluate(decN) as { value: unknown }).value === true;
  const fact: OptimizerFact = {
    kind: kindOf(name, decoupled),
    className: name,
    weightDecay: null,
    range: rangeOf(pick),
    biasDecay: true,
  };
  if (polish) fact.polish = { className: calleeLast(polish) ?? 'LBFGS', range: rangeOf(polish) };
  const nameNode = calleeNode(pick);
  if (nameNode) fact.nameRange = rangeOf(nameNode);
  const lastArg = args(pick).slice(-1)[0];
  if (lastArg)
    fact.argsEnd = {
      line: lastArg.endPosition.row,
      column: lastArg.endPosition.column,
      endLine: lastArg.endPosition.row,
      endColumn: lastArg.endPosition.column,
    };
  if (!COUPLED.has(name) && name !== 'AdamW' && !decoupled) {
    // LBFGS, SparseAdam, Rprop have no weight_decay argument.
    if (['LBFGS', 'SparseAdam', 'Rprop'].includes(name)) {
      fact.weightDecay = 0;
      fact.weightDecayDefault = true;
      return fact;
    }
  }
  const wdArg = kwargNode(pick, 'weight_decay');
  let topWd: number | null = DEFAULT_WEIGHT_DECAY[name] ?? (decoupled ? 0.01 : 0);
  const v = wdArg?.childForFieldName('value');
  if (wdArg && v) {
    const e = r.evaluate(v);
    topWd = asNumber(e);
    fact.weightDecayRange = rangeOf(wdArg);
    if (topWd === null) un.push({ what: `weight_decay: ${e.ok ? `'${short(v)}' is not a number` : e.why}`, range: rangeOf(v) });
  } else fact.weightDecayDefault = true;
  fact.weightDecay = topWd;
  readParamGroups(pick, r, un, fact, topWd);
  return fact;
}

/**
 * Parameter groups: [{'params': …, 'weight_decay': …}, …] written inline or bound to a name.
 * They override the top-level weight_decay and decide whether the biases escape the decay, so
 * they are read into `fact` after it; groups default to `topWd`, as in PyTorch.
 */
function readParamGroups(pick: Node, r: Resolver, un: Unresolved, fact: OptimizerFact, topWd: number | null): void {
  let params = positional(pick)[0] ?? kwarg(pick, 'params');
  if (params && unparen(params).type === 'identifier') params = r.valueNode(unparen(params).text, params) ?? params;
  if (params && ['list', 'tuple'].includes(unparen(params).type) && kids(unparen(params)).some((k) => k.type === 'dictionary')) {
    const groups = kids(unparen(params)).filter((k) => k.type === 'dictionary');
    const parsed = groups.map((g) => {
      const pairs = kids(g).filter((p) => p.type === 'pair');
      const get = (key: string) =>
        pairs.find((p) => {
          const k = p.childForFieldName('key');
          return !!k && stringLiteral(k) === key;
        });
      const wdPair = get('weight_decay');
      const wdVal = wdPair?.childForFieldName('value') ?? null;
      const e = wdVal ? r.evaluate(wdVal) : null;
      const wd = e ? asNumber(e) : topWd;
      if (wdVal && wd === null) un.push({ what: `weight_decay of a parameter group: ${e && !e.ok ? e.why : short(wdVal)}`, range: rangeOf(wdVal) });
      const p = get('params')?.childForFieldName('value') ?? g;
      return { wd, pair: wdPair, biases: selectsBiases(p), text: short(p, 50) };
    });
    const decayed = parsed.filter((g) => g.wd !== 0);
    const undecayed = parsed.filter((g) => g.wd === 0);
    const weights = parsed.find((g) => !g.biases && g.wd !== 0) ?? decayed[0] ?? parsed[0];
    fact.weightDecay = weights.wd;
    if (weights.pair) {
      fact.weightDecayRange = rangeOf(weights.pair);
      fact.weightDecayDefault = false;
    }
    if (undecayed.length && undecayed.every((g) => g.biases)) fact.biasDecay = false;
    else if (undecayed.length) {
      fact.biasDecay = 'unknown';
      un.push({
        what: `a parameter group with weight_decay=0 holds '${undecayed[0].text}': which parameters escape the decay is not visible`,
        range: fact.range,
      });
    }
    const wds = new Set(decayed.map((g) => g.wd));
    if (wds.size > 1) {
      fact.biasDecay = 'unknown';
      un.push({ what: `parameter groups use different weight_decay values (${[...wds].join(', ')}): no single β`, range: fact.range });
    }
  } else if (params && /named_parameters|bias/.test(params.text) && params.type !== 'call') {
    fact.biasDecay = 'unknown';
    un.push({
      what: `the optimizer's parameters '${short(params)}' are built at run time: whether the biases are decayed is not visible`,
      range: rangeOf(params),
    });
  }
}
