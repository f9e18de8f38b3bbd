/** Data the script reads (paths, the number of samples when visible) and the files it exports. */
import { calleeLast, dotted, enclosing, findAll, kids, kwarg, positional, rangeOf, short, stringLiteral, unparen, type Node } from './ast';
import { asNumber, type Resolver } from './resolve';
import type { DataFact, ExportFact, ScriptFacts } from './types';

type Unresolved = ScriptFacts['unresolved'];

const READERS = /^(np|numpy)\.(load|loadtxt|genfromtxt|fromfile)$|^(pd|pandas)\.read_(csv|parquet|table|json|excel|feather|pickle)$|^torch\.load$/;
/** Calls that generate N samples: name → which argument is N. */
const GENERATORS: Record<string, { pos: number; kw?: string; shape?: string; def?: number }> = {
  'torch.randn': { pos: 0 },
  'torch.rand': { pos: 0 },
  'np.random.randn': { pos: 0 },
  'np.random.rand': { pos: 0 },
  'numpy.random.randn': { pos: 0 },
  'numpy.random.rand': { pos: 0 },
  'np.random.normal': { pos: 2, kw: 'size', shape: 'size' },
  'np.random.uniform': { pos: 2, kw: 'size', shape: 'size' },
  'rng.normal': { pos: 2, kw: 'size', shape: 'size' },
  'rng.uniform': { pos: 2, kw: 'size', shape: 'size' },
  'rng.standard_normal': { pos: 0, kw: 'size', shape: 'size' },
  'np.linspace': { pos: 2, kw: 'num', def: 50 },
  'torch.linspace': { pos: 2, kw: 'steps' },
  make_moons: { pos: 0, kw: 'n_samples', def: 100 },
  make_circles: { pos: 0, kw: 'n_samples', def: 100 },
  make_classification: { pos: 0, kw: 'n_samples', def: 100 },
  make_regression: { pos: 0, kw: 'n_samples', def: 100 },
  make_blobs: { pos: 0, kw: 'n_samples', def: 100 },
  make_friedman1: { pos: 0, kw: 'n_samples', def: 100 },
};
const X_NAME = /^[Xx](_\w+)?$|^(inputs?|features|data)$/;

function generatorKey(call: Node): string | null {
  const full = dotted(call.childForFieldName('function')) ?? '';
  if (full in GENERATORS) return full;
  const last = calleeLast(call) ?? '';
  if (/^make_/.test(last) && last in GENERATORS) return last;
  if (/\.(normal|uniform|standard_normal)$/.test(full)) return `rng.${last}`;
  return null;
}

function samplesOf(call: Node, key: string, r: Resolver): { n: number | null; why?: string } {
  const g = GENERATORS[key];
  const a = (g.kw ? kwarg(call, g.kw) : null) ?? positional(call)[g.pos] ?? null;
  if (!a) return g.def !== undefined ? { n: g.def } : { n: null, why: `${short(call)} has no sample count` };
  const e = r.evaluate(a);
  if (!e.ok) return { n: null, why: e.why };
  const v = Array.isArray(e.value) ? e.value[0] : e.value;
  return typeof v === 'number' ? { n: v } : { n: null, why: `'${short(a)}' is not a count` };
}

function findN(root: Node, r: Resolver, un: Unresolved): Pick<DataFact, 'n' | 'nRange' | 'nSource'> {
  const cands: { call: Node; key: string; target: string | null }[] = [];
  for (const c of findAll(root, 'call')) {
    const key = generatorKey(c);
    if (!key) continue;
    const asg = enclosing(c, ['assignment']);
    const left = asg?.childForFieldName('left');
    const target = left ? (left.type === 'identifier' ? left.text : (left.namedChildren[0]?.text ?? null)) : null;
    cands.push({ call: c, key, target });
  }
  const pick = cands.find((c) => c.key.startsWith('make_') || (c.target && X_NAME.test(c.target))) ?? null;
  if (!pick) return { n: null };
  const s = samplesOf(pick.call, pick.key, r);
  if (s.n === null) {
    un.push({ what: `number of samples: ${s.why}`, range: rangeOf(pick.call) });
    return { n: null };
  }
  // X_train = X[:k] / X[k:]: a slice of the generated data is what is trained on.
  if (pick.target) {
    for (const a of findAll(root, 'assignment')) {
      const right = a.childForFieldName('right');
      const left = a.childForFieldName('left')?.text ?? '';
      if (right?.type !== 'subscript' || right.childForFieldName('value')?.text !== pick.target || !X_NAME.test(left)) continue;
      const sl = right.childForFieldName('subscript');
      if (sl?.type !== 'slice') continue;
      const parts = sl.text.split(':');
      const lo = parts[0].trim() ? asNumber(r.evaluate(kids(sl)[0])) : 0;
      const hiNode = parts[0].trim() ? kids(sl)[1] : kids(sl)[0];
      const hi = parts[1]?.trim() ? (hiNode ? asNumber(r.evaluate(hiNode)) : null) : s.n;
      if (lo === null || hi === null || parts.length > 2) {
        un.push({ what: `number of training samples: '${short(a)}' keeps a slice of the ${s.n} samples`, range: rangeOf(a) });
        return { n: null };
      }
      const norm = (v: number) => Math.max(0, Math.min(s.n!, v < 0 ? s.n! + v : v));
      return { n: norm(hi) - norm(lo), nRange: rangeOf(a), nSource: `${short(right, 30)} of ${short(pick.call, 30)}` };
    }
  }
  // train_test_split(X, y, test_size=t): sklearn keeps N − ceil(t·N) for training.
  const split = findAll(root, 'call').find((c) => calleeLast(c) === 'train_test_split');
  if (split) {
    const ts = kwarg(split, 'test_size');
    const t = ts ? asNumber(r.evaluate(ts)) : 0.25;
    const tr = kwarg(split, 'train_size');
    if (tr || t === null) {
      un.push({ what: `number of training samples: train_test_split(${short(split, 40)}) keeps a part of the ${s.n} samples`, range: rangeOf(split) });
      return { n: null };
    }
    const nTest = t < 1 ? Math.ceil(t * s.n) : t;
    return {
      n: s.n - nTest,
      nRange: rangeOf(split),
      nSource: `${s.n} samples from ${short(pick.call, 40)}, minus test_size=${t} (${nTest}) in train_test_split`,
    };
  }
  return { n: s.n, nRange: rangeOf(pick.call), nSource: short(pick.call, 50) };
}

/** What a data file is called; the extension's settings prefill uses the same test (config/scriptPrefill.ts). */
const DATA_FILE = /\.(csv|tsv|npy|npz|json|txt)$/i;

/**
 * A reader ReLU Lens does not know (`open(path)` + csv.reader in a helper, a path built with
 * os.path.join): the data files named in string literals are where the script reads its data —
 * the same candidates the extension prefills its data setting from, so lint and the panel agree
 * on n. Only names, never code: the file is then read by the guarded reader (./dataFiles.ts).
 */
function quotedDataFiles(root: Node, exportPaths: Set<string>): DataFact['paths'] {
  const out: DataFact['paths'] = [];
  for (const s of findAll(root, 'string')) {
    const v = stringLiteral(s);
    if (!v || !DATA_FILE.test(v) || exportPaths.has(v) || /\s/.test(v) || out.some((o) => o.path === v)) continue;
    // a docstring or comment-like literal mentions files; a path is an expression's operand
    if (s.parent?.type === 'expression_statement') continue;
    out.push({ path: v, range: rangeOf(s), reader: 'named in the script' });
  }
  return out;
}

export function findData(root: Node, r: Resolver, un: Unresolved, exportPaths: Set<string>): DataFact | null {
  const paths: DataFact['paths'] = [];
  for (const c of findAll(root, 'call')) {
    const full = dotted(c.childForFieldName('function')) ?? '';
    if (!READERS.test(full)) continue;
    const a = positional(c)[0] ?? kwarg(c, 'f') ?? kwarg(c, 'fname') ?? kwarg(c, 'filepath_or_buffer') ?? kwarg(c, 'file');
    if (!a) continue;
    const e = r.evaluate(a);
    if (!e.ok || typeof e.value !== 'string') {
      un.push({ what: `data path in ${full}(…): ${e.ok ? 'not a string' : e.why}`, range: rangeOf(a) });
      continue;
    }
    // torch.load of the file the script itself saves is a checkpoint, not data.
    if (full === 'torch.load' && (exportPaths.has(e.value) || (/\.(pt|pth|ckpt)$/.test(e.value) && !/data|train/i.test(e.value)))) continue;
    paths.push({ path: e.value, range: rangeOf(c), reader: full });
  }
  if (!paths.length) paths.push(...quotedDataFiles(root, exportPaths));
  const n = findN(root, r, un);
  if (!paths.length && n.n === null) return null;
  return { paths, ...n };
}

export function findExports(root: Node, r: Resolver, un: Unresolved): ExportFact[] {
  const out: ExportFact[] = [];
  for (const c of findAll(root, 'call')) {
    const full = dotted(c.childForFieldName('function')) ?? '';
    const isOnnx = /(^|\.)onnx\.(export|dynamo_export)$/.test(full);
    const isSave = full === 'torch.save';
    if (!isOnnx && !isSave) continue;
    let pathNode: Node | null = isSave ? (positional(c)[1] ?? kwarg(c, 'f')) : (positional(c)[2] ?? kwarg(c, 'f'));
    let at = c;
    const dyn = kwarg(c, 'dynamo');
    const dynamo = full.endsWith('dynamo_export') || (!!dyn && r.evaluate(dyn).ok && (r.evaluate(dyn) as { value: unknown }).value === true);
    if (isOnnx && !pathNode) {
      // program = torch.onnx.export(model, (x,), dynamo=True); program.save("model.onnx")
      const asg = enclosing(c, ['assignment']);
      const name = asg?.childForFieldName('left')?.text;
      const save = name ? findAll(root, 'call').find((s) => dotted(s.childForFieldName('function')) === `${name}.save`) : null;
      if (save) {
        pathNode = positional(save)[0] ?? null;
        at = c;
      }
    }
    if (!pathNode) {
      un.push({ what: `the file written by ${full}(…) is not visible`, range: rangeOf(c) });
      continue;
    }
    const e = r.evaluate(unparen(pathNode));
    if (!e.ok || typeof e.value !== 'string') {
      un.push({ what: `export path: ${e.ok ? `'${short(pathNode)}' is not a string` : e.why}`, range: rangeOf(pathNode) });
      continue;
    }
    out.push({ path: e.value, kind: isSave ? 'torch-save' : dynamo ? 'onnx-dynamo' : 'onnx', range: rangeOf(at) });
  }
  return out;
}
