/** Small helpers over tree-sitter-python nodes. */
import type { Node } from 'web-tree-sitter';
import type { SrcRange } from './types';

export type { Node };

export function rangeOf(n: Node): SrcRange {
  return { line: n.startPosition.row, column: n.startPosition.column, endLine: n.endPosition.row, endColumn: n.endPosition.column };
}

export function kids(n: Node): Node[] {
  return n.namedChildren.filter((c): c is Node => c !== null && c.type !== 'comment');
}

/** Depth-first, pre-order. Return false from fn to skip a subtree. */
export function walk(n: Node, fn: (n: Node) => boolean | void): void {
  if (fn(n) === false) return;
  for (const c of n.namedChildren) if (c) walk(c, fn);
}

/**
 * One cursor pass over the tree collects the node types the extractors ask for, so the many
 * findAll calls filter a list instead of re-walking the tree through the wasm boundary
 * (namedChildren is expensive). Extraction is synchronous, so a module-level index is safe.
 */
const INDEXED = new Set([
  'call',
  'assignment',
  'augmented_assignment',
  'for_statement',
  'for_in_clause',
  'function_definition',
  'class_definition',
  'as_pattern',
  'with_item',
  'named_expression',
  'ERROR',
]);
let index: { root: number; byType: Map<string, Node[]>; all: Node[] } | null = null;

export function withIndex<T>(root: Node, fn: () => T): T {
  const byType = new Map<string, Node[]>();
  const all: Node[] = [];
  const c = root.walk();
  try {
    for (;;) {
      if (INDEXED.has(c.nodeType)) {
        const n = c.currentNode;
        all.push(n);
        const l = byType.get(n.type) ?? [];
        l.push(n);
        byType.set(n.type, l);
      }
      if (c.gotoFirstChild()) continue;
      let up = false;
      while (!c.gotoNextSibling())
        if (!c.gotoParent()) {
          up = true;
          break;
        }
      if (up) break;
    }
  } finally {
    c.delete();
  }
  index = { root: root.id, byType, all };
  try {
    return fn();
  } finally {
    index = null;
  }
}

/** Indexed nodes (pre-order) of the types the index holds; null when no index is active. */
export function indexedNodes(): Node[] | null {
  return index ? index.all : null;
}

export function findAll(n: Node, type: string | string[]): Node[] {
  const types = typeof type === 'string' ? [type] : type;
  if (index && types.every((t) => INDEXED.has(t))) {
    const src = types.length === 1 ? (index.byType.get(types[0]) ?? []) : index.all.filter((x) => types.includes(x.type));
    if (n.id === index.root) return src;
    const a = n.startIndex;
    const b = n.endIndex;
    return src.filter((x) => x.startIndex >= a && x.endIndex <= b && (x.startIndex > a || x.endIndex < b || x.id === n.id || isInside(x, n)));
  }
  const out: Node[] = [];
  walk(n, (x) => {
    if (types.includes(x.type)) out.push(x);
  });
  return out;
}

/** `torch.nn.Linear` → "torch.nn.Linear"; anything that is not a plain dotted name → null. */
export function dotted(n: Node | null): string | null {
  if (!n) return null;
  if (n.type === 'identifier') return n.text;
  if (n.type === 'attribute') {
    const o = dotted(n.childForFieldName('object'));
    const a = n.childForFieldName('attribute');
    return o && a ? `${o}.${a.text}` : null;
  }
  return null;
}

/** Last component of what is called: `nn.Linear(...)` → "Linear"; `x.clamp(...)` → "clamp". */
export function calleeLast(call: Node): string | null {
  const f = call.childForFieldName('function');
  if (!f) return null;
  if (f.type === 'identifier') return f.text;
  if (f.type === 'attribute') return f.childForFieldName('attribute')?.text ?? null;
  return null;
}

export function calleeNode(call: Node): Node | null {
  const f = call.childForFieldName('function');
  if (!f) return null;
  return f.type === 'attribute' ? f.childForFieldName('attribute') : f;
}

export function args(call: Node): Node[] {
  const a = call.childForFieldName('arguments');
  return a && a.type === 'argument_list' ? kids(a) : [];
}

export function positional(call: Node): Node[] {
  return args(call).filter((a) => !['keyword_argument', 'list_splat', 'dictionary_splat'].includes(a.type));
}

export function kwarg(call: Node, name: string): Node | null {
  for (const a of args(call)) if (a.type === 'keyword_argument' && a.childForFieldName('name')?.text === name) return a.childForFieldName('value');
  return null;
}

/** The whole `name=value` node, for ranges. */
export function kwargNode(call: Node, name: string): Node | null {
  for (const a of args(call)) if (a.type === 'keyword_argument' && a.childForFieldName('name')?.text === name) return a;
  return null;
}

/** Argument by position or keyword (Python's binding for a simple signature). */
export function arg(call: Node, index: number, name: string): Node | null {
  return kwarg(call, name) ?? positional(call)[index] ?? null;
}

export function unparen(n: Node): Node {
  while (n.type === 'parenthesized_expression' && kids(n).length === 1) n = kids(n)[0];
  return n;
}

/**
 * What an (augmented) assignment stores: through chains (`a = b = v` gives v to both names); null
 * for a bare annotation (`x: int`), which binds nothing in Python.
 */
export function assignedValue(a: Node): Node | null {
  let v = a.childForFieldName('right');
  while (v?.type === 'assignment') v = v.childForFieldName('right');
  return v;
}

export function enclosing(n: Node, types: string[]): Node | null {
  for (let p = n.parent; p; p = p.parent) if (types.includes(p.type)) return p;
  return null;
}

/** Text of a string literal without interpolations; null otherwise. */
export function stringLiteral(n: Node): string | null {
  if (n.type !== 'string') return null;
  if (kids(n).some((k) => k.type === 'interpolation')) return null;
  return kids(n)
    .filter((k) => k.type === 'string_content' || k.type === 'escape_sequence')
    .map((k) => (k.type === 'escape_sequence' ? unescape(k.text) : k.text))
    .join('');
}

function unescape(s: string): string {
  const m: Record<string, string> = { '\\n': '\n', '\\t': '\t', '\\\\': '\\', "\\'": "'", '\\"': '"' };
  return m[s] ?? s;
}

export function short(n: Node, max = 60): string {
  const t = n.text.replace(/\s+/g, ' ');
  return t.length > max ? t.slice(0, max - 1) + '…' : t;
}

/** Same span: x is inside n when n is an ancestor (or n itself). */
function isInside(x: Node, n: Node): boolean {
  for (let p: Node | null = x; p; p = p.parent) if (p.id === n.id) return true;
  return false;
}
