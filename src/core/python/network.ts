/**
 * The two-layer ReLU network in a script: nn.Sequential(Linear, ReLU, Linear[, head]) in its
 * common spellings, or an nn.Module subclass with two nn.Linear layers and a ReLU in forward.
 */
import { calleeLast, dotted, enclosing, findAll, kids, kwarg, positional, rangeOf, short, unparen, type Node } from './ast';
import { asNumber, type Resolver } from './resolve';
import type { NetworkFact, ScriptFacts } from './types';

type Unresolved = ScriptFacts['unresolved'];
type Layer = { kind: 'linear' | 'relu' | 'head' | 'skip' | 'other'; node: Node; head?: string };

const HEADS: Record<string, string> = { Sigmoid: 'sigmoid', Softmax: 'softmax', LogSoftmax: 'log-softmax' };
const SKIP = new Set(['Flatten', 'Identity', 'Dropout']);
const RELU_FUNCS = /^(F\.relu|torch\.relu|torch\.nn\.functional\.relu|nn\.functional\.relu|relu|F\.relu_|torch\.relu_)$/;

function classify(n: Node, r: Resolver, depth = 0): Layer {
  n = unparen(n);
  if (n.type === 'identifier' && depth < 3) {
    const v = r.valueNode(n.text, n);
    if (v) return { ...classify(v, r, depth + 1), node: n };
  }
  if (n.type !== 'call') return { kind: 'other', node: n };
  const last = calleeLast(n) ?? '';
  if (last === 'Linear') return { kind: 'linear', node: n };
  if (last === 'ReLU') return { kind: 'relu', node: n };
  if (last in HEADS) return { kind: 'head', node: n, head: HEADS[last] };
  if (SKIP.has(last)) return { kind: 'skip', node: n };
  return { kind: 'other', node: n };
}

/** Linear(in, out, bias=…): widths through the resolver, unresolved ones reported. */
function linearShape(call: Node, r: Resolver, un: Unresolved, role: string) {
  const pos = positional(call);
  const inN = kwarg(call, 'in_features') ?? pos[0] ?? null;
  const outN = kwarg(call, 'out_features') ?? pos[1] ?? null;
  const biasN = kwarg(call, 'bias') ?? pos[2] ?? null;
  const num = (n: Node | null, what: string): number | null => {
    if (!n) return null;
    const e = r.evaluate(n);
    const v = asNumber(e);
    if (v === null) un.push({ what: `${what} of the ${role} layer: ${e.ok ? `'${short(n)}' is not a number` : e.why}`, range: rangeOf(n) });
    return v;
  };
  const inF = num(inN, 'in_features');
  const outF = num(outN, 'out_features');
  let bias = true;
  if (biasN) {
    const e = r.evaluate(biasN);
    if (e.ok) bias = Boolean(e.value);
    else un.push({ what: `bias of the ${role} layer: ${e.why} (assuming bias=True)`, range: rangeOf(biasN) });
  }
  return { inF, outF, bias };
}

function bindingName(n: Node): string | null {
  const a = enclosing(n, ['assignment']);
  const left = a?.childForFieldName('left');
  return left ? left.text : null;
}

function fromLayers(layers: Layer[], whole: Node, style: string, r: Resolver, un: Unresolved): NetworkFact | null {
  const core = layers.filter((l) => l.kind !== 'skip');
  const head = core.length === 4 && core[3].kind === 'head' ? core[3].head! : null;
  const body = head ? core.slice(0, 3) : core;
  if (body.length !== 3 || body[0].kind !== 'linear' || body[1].kind !== 'relu' || body[2].kind !== 'linear') return null;
  const l1 = unparenCall(body[0].node, r);
  const l2 = unparenCall(body[2].node, r);
  if (!l1 || !l2) return null;
  return {
    ...twoLinears(l1, l2, r, un),
    style,
    range: rangeOf(whole),
    hiddenRange: rangeOf(l1),
    head,
    name: bindingName(whole),
  };
}

/** d, m, c and the biases of hidden nn.Linear(d, m) then output nn.Linear(m, c); m from whichever call states it. */
function twoLinears(l1: Node, l2: Node, r: Resolver, un: Unresolved) {
  const a = linearShape(l1, r, un, 'hidden');
  const b = linearShape(l2, r, un, 'output');
  return { d: a.inF, m: a.outF ?? b.inF, c: b.outF, hiddenBias: a.bias, outputBias: b.bias };
}

function unparenCall(n: Node, r: Resolver): Node | null {
  n = unparen(n);
  if (n.type === 'identifier') {
    const v = r.valueNode(n.text, n);
    return v?.type === 'call' ? v : null;
  }
  return n.type === 'call' ? n : null;
}

function sequentialLayers(call: Node, r: Resolver): { layers: Layer[]; style: string } {
  const pos = positional(call);
  // nn.Sequential(OrderedDict([('fc1', nn.Linear(…)), …]))
  if (pos.length === 1 && unparen(pos[0]).type === 'call' && calleeLast(unparen(pos[0])) === 'OrderedDict') {
    const inner = positional(unparen(pos[0]))[0];
    const items = inner && ['list', 'tuple'].includes(inner.type) ? kids(inner) : [];
    return { layers: items.map((t) => classify(kids(t)[1] ?? t, r)), style: 'sequential-ordereddict' };
  }
  // nn.Sequential(*layers) with layers a literal list
  const argList = call.childForFieldName('arguments');
  const all = argList ? kids(argList) : [];
  if (all.length === 1) {
    const only = all[0];
    if (only.type === 'list_splat') {
      const target = kids(only)[0];
      const v = target?.type === 'identifier' ? r.valueNode(target.text, target) : target;
      if (v && ['list', 'tuple'].includes(v.type)) return { layers: kids(v).map((k) => classify(k, r)), style: 'sequential-list' };
    }
  }
  return { layers: pos.map((p) => classify(p, r)), style: 'sequential' };
}

/** A ReLU applied in forward(): F.relu, torch.relu, .relu(), .clamp(min=0), torch.clamp(x, min=0), self.act. */
function hasRelu(forward: Node, reluAttrs: Set<string>): boolean {
  return findAll(forward, 'call').some((c) => {
    const fn = c.childForFieldName('function');
    const full = dotted(fn);
    const last = calleeLast(c) ?? '';
    if (full && RELU_FUNCS.test(full)) return true;
    if (full && reluAttrs.has(full)) return true;
    if (fn?.type === 'attribute' && (last === 'relu' || last === 'relu_')) return true;
    if (last === 'clamp' || last === 'clamp_' || last === 'clip') {
      const min = kwarg(c, 'min') ?? (full?.startsWith('torch.') ? positional(c)[1] : positional(c)[0]);
      return !!min && /^0(\.0*)?$/.test(min.text);
    }
    if (last === 'clamp_min' || last === 'clamp_min_') return /^0(\.0*)?$/.test(positional(c)[0]?.text ?? '');
    return false;
  });
}

function moduleNetwork(cls: Node, r: Resolver, un: Unresolved): NetworkFact | null {
  const sup = cls.childForFieldName('superclasses');
  if (!sup || !/Module\b/.test(sup.text)) return null;
  const body = cls.childForFieldName('body');
  if (!body) return null;
  const methods = kids(body)
    .map((k) => (k.type === 'decorated_definition' ? (k.childForFieldName('definition') ?? k) : k))
    .filter((k) => k.type === 'function_definition');
  const init = methods.find((f) => f.childForFieldName('name')?.text === '__init__');
  const forward = methods.find((f) => f.childForFieldName('name')?.text === 'forward');
  if (!init || !forward) return null;
  const linears = new Map<string, Node>();
  const relus = new Set<string>();
  let head: string | null = null;
  for (const a of findAll(init, 'assignment')) {
    const left = dotted(a.childForFieldName('left'));
    const right = a.childForFieldName('right');
    if (!left?.startsWith('self.') || right?.type !== 'call') continue;
    const k = classify(right, r);
    if (k.kind === 'linear') linears.set(left, right);
    else if (k.kind === 'relu') relus.add(left);
    else if (k.kind === 'head') head = k.head!;
    else if (k.kind === 'other' && calleeLast(right) !== 'Sequential') {
      const last = calleeLast(right) ?? '';
      if (/^(Conv|LSTM|GRU|RNN|Embedding|BatchNorm|LayerNorm|Transformer)/.test(last)) return null;
    }
  }
  if (linears.size !== 2 || !hasRelu(forward, relus)) return null;
  // Hidden layer = the one applied first: innermost in a nested call, else textually first.
  const uses = findAll(forward, 'call').filter((c) => linears.has(dotted(c.childForFieldName('function')) ?? ''));
  const names = [...linears.keys()];
  let order = names;
  if (uses.length >= 2) {
    const [u0, u1] = uses;
    const inner = u0.startIndex <= u1.startIndex && u1.endIndex <= u0.endIndex ? u1 : u0;
    const first = dotted(inner.childForFieldName('function')) ?? names[0];
    order = [first, names.find((x) => x !== first) ?? names[1]];
  }
  const l1 = linears.get(order[0]);
  const l2 = linears.get(order[1]);
  if (!l1 || !l2) return null;
  const shape = twoLinears(l1, l2, r, un);
  const cname = cls.childForFieldName('name')?.text ?? null;
  const f = forward.text;
  const fwdHead = /log_softmax/.test(f) ? 'log-softmax' : /softmax/.test(f) ? 'softmax' : /sigmoid/.test(f) ? 'sigmoid' : null;
  head = fwdHead ?? (head && new RegExp(`self\\.\\w+\\(`).test(f) ? head : null);
  return {
    ...shape,
    style: 'module',
    range: rangeOf(cls.childForFieldName('name') ?? cls),
    hiddenRange: rangeOf(l1),
    head,
    name: cname,
  };
}

export function findNetwork(root: Node, r: Resolver, un: Unresolved): NetworkFact | null {
  const found: NetworkFact[] = [];
  for (const c of findAll(root, 'call')) {
    if (calleeLast(c) !== 'Sequential') continue;
    const local: Unresolved = [];
    const { layers, style } = sequentialLayers(c, r);
    const net = fromLayers(layers, c, style, r, local);
    if (net) {
      found.push(net);
      un.push(...local);
    }
  }
  for (const cls of findAll(root, 'class_definition')) {
    const local: Unresolved = [];
    const net = moduleNetwork(cls, r, local);
    if (net && !found.some((f) => f.range.line >= net.range.line && f.range.line <= cls.endPosition.row)) {
      found.push(net);
      un.push(...local);
    }
  }
  found.sort((a, b) => a.range.line - b.range.line);
  if (found.length > 1)
    un.push({
      what: `${found.length} two-layer ReLU networks are defined; the first (line ${found[0].range.line + 1}) is the one read`,
      range: found[1].range,
    });
  return found[0] ?? null;
}
