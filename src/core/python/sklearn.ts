/**
 * scikit-learn MLPClassifier / MLPRegressor in a script (issue #18 item 5): the estimator's
 * arguments with sklearn's defaults (1.x: hidden_layer_sizes=(100,), activation='relu',
 * solver='adam', alpha=0.0001, max_iter=200, tol=1e-4), the network they build, and the ONNX file
 * a skl2onnx conversion is written to. Diagnostics: ./sklearnLint.ts.
 */
import { calleeLast, calleeNode, dotted, enclosing, findAll, kwarg, kwargNode, positional, rangeOf, short, stringLiteral, type Node } from './ast';
import { asNumber, type Resolver } from './resolve';
import type { ExportFact, NetworkFact, ScriptFacts, SklearnFact } from './types';

type Unresolved = ScriptFacts['unresolved'];

export const SKLEARN_DEFAULTS = { hiddenLayerSizes: [100], activation: 'relu', solver: 'adam', alpha: 1e-4, maxIter: 200, tol: 1e-4 } as const;
const ESTIMATORS = new Set(['MLPClassifier', 'MLPRegressor']);

/** sklearn's signature order (the arguments a user may pass by position). */
const POSITION = ['hidden_layer_sizes', 'activation', 'solver', 'alpha'];

function argOf(call: Node, name: string): Node | null {
  const i = POSITION.indexOf(name);
  return kwarg(call, name) ?? (i >= 0 ? (positional(call)[i] ?? null) : null);
}

export function findSklearn(root: Node, r: Resolver, un: Unresolved): SklearnFact | null {
  const calls = findAll(root, 'call').filter((c) => {
    const last = calleeLast(c) ?? '';
    if (!ESTIMATORS.has(last)) return false;
    const full = dotted(c.childForFieldName('function')) ?? '';
    return full === last || /(^|\.)neural_network\./.test(full);
  });
  if (!calls.length) return null;
  const call = calls[0];
  if (calls.length > 1)
    un.push({ what: `${calls.length} scikit-learn MLPs are created; the one at line ${call.startPosition.row + 1} is read`, range: rangeOf(calls[1]) });
  const estimator = calleeLast(call) as SklearnFact['estimator'];
  const fact: SklearnFact = {
    estimator,
    range: rangeOf(call),
    hiddenLayerSizes: [...SKLEARN_DEFAULTS.hiddenLayerSizes],
    activation: SKLEARN_DEFAULTS.activation,
    solver: SKLEARN_DEFAULTS.solver,
    alpha: SKLEARN_DEFAULTS.alpha,
    maxIter: SKLEARN_DEFAULTS.maxIter,
    tol: SKLEARN_DEFAULTS.tol,
    defaults: [],
  };
  const nameNode = calleeNode(call);
  if (nameNode) fact.nameRange = rangeOf(nameNode);
  const read = (name: string, key: keyof SklearnFact & ('alpha' | 'maxIter' | 'tol' | 'activation' | 'solver' | 'hiddenLayerSizes')) => {
    const v = argOf(call, name);
    if (!v) {
      fact.defaults.push(name);
      return;
    }
    const at = kwargNode(call, name) ?? v;
    fact.ranges = { ...fact.ranges, [name]: rangeOf(at) };
    const e = r.evaluate(v);
    const why = !e.ok
      ? e.why
      : `'${short(v)}' is not ${key === 'activation' || key === 'solver' ? 'a string' : key === 'hiddenLayerSizes' ? 'a list of sizes' : 'a number'}`;
    let value: unknown = null;
    if (e.ok) {
      if (key === 'activation' || key === 'solver') value = typeof e.value === 'string' ? e.value : null;
      else if (key === 'hiddenLayerSizes') {
        const raw = Array.isArray(e.value) ? e.value : [e.value];
        value = raw.every((x) => typeof x === 'number' && Number.isInteger(x)) ? (raw as number[]) : null;
      } else value = asNumber(e);
    }
    if (value === null) un.push({ what: `${estimator} ${name}: ${why}`, range: rangeOf(v) });
    (fact as unknown as Record<string, unknown>)[key] = value;
  };
  read('hidden_layer_sizes', 'hiddenLayerSizes');
  read('activation', 'activation');
  read('solver', 'solver');
  read('alpha', 'alpha');
  read('max_iter', 'maxIter');
  read('tol', 'tol');
  const asg = enclosing(call, ['assignment']);
  const left = asg?.childForFieldName('left');
  if (left?.type === 'identifier') fact.name = left.text;
  return fact;
}

/** The two-layer ReLU network the estimator builds: one hidden layer of ReLUs, both biases present. */
export function sklearnNetwork(f: SklearnFact): NetworkFact | null {
  if (f.activation !== 'relu' || f.hiddenLayerSizes?.length !== 1) return null;
  return {
    d: null,
    m: f.hiddenLayerSizes[0],
    c: null,
    hiddenBias: true,
    outputBias: true,
    style: 'sklearn',
    range: f.range,
    hiddenRange: f.ranges?.hidden_layer_sizes ?? f.range,
    head: null,
    name: f.name ?? null,
  };
}

/**
 * The ONNX file a skl2onnx conversion is written to: `onx = to_onnx(est, X)` (or convert_sklearn)
 * then `open("model.onnx", "wb").write(onx.SerializeToString())`, or onnx.save_model(onx, path).
 */
export function findSklearnExports(root: Node, r: Resolver, un: Unresolved): ExportFact[] {
  const converts = findAll(root, 'call').filter((c) => ['to_onnx', 'convert_sklearn'].includes(calleeLast(c) ?? ''));
  if (!converts.length) return [];
  const out: ExportFact[] = [];
  for (const c of findAll(root, 'call')) {
    const full = dotted(c.childForFieldName('function')) ?? '';
    let pathNode: Node | null = null;
    if (full === 'open') {
      const mode = positional(c)[1] ?? kwarg(c, 'mode');
      if (!mode || !/w/.test(stringLiteral(mode) ?? '')) continue;
      pathNode = positional(c)[0] ?? kwarg(c, 'file');
    } else if (/(^|\.)(save_model|save)$/.test(full) && /^onnx\./.test(full)) pathNode = positional(c)[1] ?? kwarg(c, 'f');
    if (!pathNode) continue;
    const e = r.evaluate(pathNode);
    if (!e.ok || typeof e.value !== 'string') {
      if (/onnx/.test(pathNode.text)) un.push({ what: `export path: ${e.ok ? `'${short(pathNode)}' is not a string` : e.why}`, range: rangeOf(pathNode) });
      continue;
    }
    if (!/\.onnx$/i.test(e.value)) continue;
    out.push({ path: e.value, kind: 'onnx', range: rangeOf(c) });
  }
  if (!out.length) un.push({ what: `the file the skl2onnx model is written to is not visible`, range: rangeOf(converts[0]) });
  return out;
}
