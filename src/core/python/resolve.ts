/**
 * A deliberately small constant evaluator: literals, arithmetic, names bound once (module or
 * function scope), dict/list subscripts, os.path.join, f-strings. Anything it cannot pin down comes
 * back with a reason ("command-line option --wd, argparse default 1e-4") so the linter can say what
 * was not resolved instead of guessing.
 */
import { args, assignedValue, dotted, enclosing, findAll, indexedNodes, kids, kwarg, positional, short, stringLiteral, unparen, walk, type Node } from './ast';

export type PyValue = number | string | boolean | null | PyValue[] | { [k: string]: PyValue };
export type Eval = { ok: true; value: PyValue } | { ok: false; why: string };

interface Binding {
  param?: { fn: Node; index: number; def: Node | null };
  name: string;
  value: Node | null; // null: bound by something the evaluator does not follow
  why?: string;
  scope: Node;
  pos: number;
  conditional: boolean;
}

const SCOPES = ['function_definition', 'class_definition', 'module'];
const CONDITIONAL = ['if_statement', 'for_statement', 'while_statement', 'try_statement', 'with_statement', 'match_statement'];
const MAX_DEPTH = 24;

const ok = (value: PyValue): Eval => ({ ok: true, value });
const no = (why: string): Eval => ({ ok: false, why });

export class Resolver {
  private bindings = new Map<string, Binding[]>();
  constructor(readonly root: Node) {
    const pre = indexedNodes();
    if (pre) for (const n of pre) this.collect(n);
    else walk(root, (n) => this.collect(n));
  }

  private scopeOf(n: Node): Node {
    return enclosing(n, SCOPES) ?? this.root;
  }

  private isConditional(n: Node, scope: Node): boolean {
    for (let p = n.parent; p && p.id !== scope.id; p = p.parent) if (CONDITIONAL.includes(p.type)) return true;
    return false;
  }

  private add(name: string, node: Node, value: Node | null, why?: string, param?: Binding['param']): void {
    const scope = this.scopeOf(node);
    const b: Binding = { name, value, why, scope, pos: node.startIndex, conditional: this.isConditional(node, scope), param };
    const list = this.bindings.get(name) ?? [];
    list.push(b);
    this.bindings.set(name, list);
  }

  private collect(n: Node): void {
    if (n.type === 'assignment') {
      const left = n.childForFieldName('left');
      const right = assignedValue(n);
      // A bare annotation (`lr: float`) binds nothing; an earlier `lr = …` stays visible.
      if (!left || !right) return;
      if (left.type === 'identifier') this.add(left.text, n, right);
      else if (['pattern_list', 'tuple_pattern', 'list_pattern'].includes(left.type)) {
        const names = kids(left);
        const vals = ['expression_list', 'tuple', 'list'].includes(right.type) ? kids(right) : null;
        names.forEach((t, i) => {
          if (t.type !== 'identifier') return;
          if (vals && vals.length === names.length) this.add(t.text, n, vals[i]);
          else this.add(t.text, n, null, `'${t.text}' is unpacked from ${short(right)}`);
        });
      }
    } else if (n.type === 'named_expression') {
      const name = n.childForFieldName('name');
      if (name) this.add(name.text, n, n.childForFieldName('value'));
    } else if (n.type === 'augmented_assignment') {
      const left = n.childForFieldName('left');
      if (left?.type === 'identifier') this.add(left.text, n, null, `'${left.text}' is changed by '${short(n)}'`);
    } else if (n.type === 'for_statement' || n.type === 'for_in_clause') {
      const left = n.childForFieldName('left');
      const right = n.childForFieldName('right');
      if (left)
        for (const id of left.type === 'identifier' ? [left] : findAll(left, 'identifier'))
          this.add(id.text, n, null, `'${id.text}' is a loop variable (over ${right ? short(right, 40) : '…'})`);
    } else if (n.type === 'function_definition') {
      const fname = n.childForFieldName('name')?.text ?? 'a function';
      const params = n.childForFieldName('parameters');
      const body = n.childForFieldName('body');
      let index = -1;
      for (const p of params ? kids(params) : []) {
        index++;
        const id = p.type === 'identifier' ? p : (p.childForFieldName('name') ?? kids(p).find((k) => k.type === 'identifier'));
        if (!id || id.text === 'self') continue;
        const def = p.childForFieldName('value');
        const why = `'${id.text}' is a parameter of ${fname}()` + (def ? ` (default ${short(def, 30)})` : '');
        // Parameters live in the function's own scope: anchor them inside the body.
        if (body) this.add(id.text, body, null, why, { fn: n, index, def: def ?? null });
      }
    } else if (n.type === 'as_pattern' || n.type === 'with_item') {
      for (const t of findAll(n, 'as_pattern_target')) {
        const id = kids(t)[0];
        if (id?.type === 'identifier') this.add(id.text, n, null, `'${id.text}' is bound by '${short(n, 40)}'`);
      }
    }
  }

  /** The binding of `name` visible at `use` (Python's function-then-module rule, textually last before use). */
  private lookup(name: string, use: Node): Binding | { why: string } | null {
    const all = this.bindings.get(name);
    if (!all) return null;
    let scope: Node | null = this.scopeOf(use);
    while (scope) {
      const sc: Node = scope;
      const here = all.filter((b) => b.scope.id === sc.id);
      if (here.length && !(sc.type === 'class_definition' && sc.id !== this.scopeOf(use).id)) {
        const before = here.filter((b) => b.pos < use.startIndex);
        const pick = (before.length ? before : here)[(before.length ? before : here).length - 1];
        if (pick.conditional && here.length > 1) {
          const vals = new Set(here.map((b) => (b.value ? b.value.text : `?${b.pos}`)));
          if (vals.size > 1) return { why: `'${name}' is assigned different values on different paths` };
        }
        return pick;
      }
      scope = sc.type === 'module' ? null : sc.parent ? this.scopeOf(sc) : null;
    }
    return null;
  }

  /** Node the name is bound to (for structural matching: `opt = AdamW(...)`, `groups = [...]`). */
  valueNode(name: string, use: Node): Node | null {
    const b = this.lookup(name, use);
    return b && 'value' in b ? b.value : null;
  }

  evaluate(n: Node | null, depth = 0): Eval {
    if (!n) return no('nothing to evaluate');
    if (depth > MAX_DEPTH) return no(`'${short(n)}' is defined in terms of itself`);
    n = unparen(n);
    const ev = (x: Node | null) => this.evaluate(x, depth + 1);
    switch (n.type) {
      case 'integer':
        return ok(parseIntLiteral(n.text));
      case 'float':
        return ok(Number(n.text.replace(/_/g, '').replace(/[jJ]$/, '')));
      case 'true':
        return ok(true);
      case 'false':
        return ok(false);
      case 'none':
        return ok(null);
      case 'string': {
        const s = stringLiteral(n);
        if (s !== null) return ok(s);
        // f-string: evaluate every interpolation
        let out = '';
        for (const k of kids(n)) {
          if (k.type === 'string_content') out += k.text;
          else if (k.type === 'interpolation') {
            const e = ev(k.childForFieldName('expression'));
            if (!e.ok) return e;
            out += String(e.value);
          }
        }
        return ok(out);
      }
      case 'concatenated_string': {
        let out = '';
        for (const k of kids(n)) {
          const e = ev(k);
          if (!e.ok) return e;
          out += String(e.value);
        }
        return ok(out);
      }
      case 'unary_operator': {
        const e = ev(n.childForFieldName('argument'));
        if (!e.ok) return e;
        if (typeof e.value !== 'number') return no(`'${short(n)}' is not a number`);
        const op = n.child(0)?.text;
        return ok(op === '-' ? -e.value : op === '+' ? e.value : ~e.value);
      }
      case 'binary_operator':
        return this.binary(n, depth);
      case 'identifier': {
        // paths written relative to the script (HERE = os.path.dirname(os.path.abspath(__file__))):
        // __file__ stands for the script itself, so dirname gives '' = the script's folder
        if (n.text === '__file__') return ok(SCRIPT_SELF);
        const b = this.lookup(n.text, n);
        if (!b) return no(`'${n.text}' is not assigned in this file`);
        if (!('value' in b)) return no(b.why);
        if (b.param) return this.param(b, depth);
        if (!b.value) return no(b.why ?? `'${n.text}' is not a constant`);
        const e = ev(b.value);
        return e.ok ? e : no(e.why);
      }
      case 'list':
      case 'tuple':
      case 'expression_list': {
        const out: PyValue[] = [];
        for (const k of kids(n)) {
          const e = ev(k);
          if (!e.ok) return e;
          out.push(e.value);
        }
        return ok(out);
      }
      case 'dictionary': {
        const out: { [k: string]: PyValue } = {};
        for (const p of kids(n)) {
          if (p.type !== 'pair') return no(`'${short(n)}' is not a literal dict`);
          const k = ev(p.childForFieldName('key'));
          if (!k.ok) return k;
          const v = ev(p.childForFieldName('value'));
          out[String(k.value)] = v.ok ? v.value : (null as PyValue);
          if (!v.ok) unresolvedEntries.set(out, { ...(unresolvedEntries.get(out) ?? {}), [String(k.value)]: v.why });
        }
        return ok(out);
      }
      case 'named_expression':
        return ev(n.childForFieldName('value'));
      case 'subscript':
        return this.subscript(n, depth);
      case 'attribute':
        return this.attribute(n, depth);
      case 'call':
        return this.call(n, depth);
      default:
        return no(`'${short(n)}' is computed at run time`);
    }
  }

  /**
   * A parameter is pinned down only when every call site in the file passes the same constant
   * (one `Net(2, 64)`, or `make_model(hidden=64)`); otherwise the reason names the parameter.
   */
  private param(b: Binding, depth: number): Eval {
    const p = b.param!;
    const fname = p.fn.childForFieldName('name')?.text ?? '';
    const cls = enclosing(p.fn, ['class_definition']);
    const isInit = fname === '__init__' && cls && enclosing(p.fn, SCOPES)?.id === cls.id;
    const callee = isInit ? (cls!.childForFieldName('name')?.text ?? '') : fname;
    const paramList = p.fn.childForFieldName('parameters');
    const params = paramList ? kids(paramList) : [];
    const hasSelf = params[0]?.text === 'self' || params[0]?.text === 'cls';
    const posIndex = p.index - (hasSelf ? 1 : 0);
    const sites = findAll(this.root, 'call').filter((c) => {
      const f = c.childForFieldName('function');
      return f && (f.type === 'identifier' ? f.text : f.childForFieldName('attribute')?.text) === callee;
    });
    if (!sites.length) return no(b.why + ' and it is never called in this file');
    let first: Eval | null = null;
    for (const c of sites) {
      const a = kwarg(c, b.name) ?? positional(c)[posIndex] ?? p.def;
      const e = a ? this.evaluate(a, depth + 1) : no(`${callee}() is called without '${b.name}'`);
      if (!e.ok) return no(`${b.why}; at the call ${short(c, 40)}: ${e.why}`);
      if (first && first.ok && JSON.stringify(first.value) !== JSON.stringify(e.value))
        return no(`${b.why}, called with different values (${JSON.stringify(first.value)}, ${JSON.stringify(e.value)})`);
      first = e;
    }
    return first!;
  }

  private binary(n: Node, depth: number): Eval {
    const a = this.evaluate(n.childForFieldName('left'), depth + 1);
    if (!a.ok) return a;
    const b = this.evaluate(n.childForFieldName('right'), depth + 1);
    if (!b.ok) return b;
    const op = n.childForFieldName('operator')?.text ?? n.child(1)?.text;
    const x = a.value;
    const y = b.value;
    if (typeof x === 'string' && typeof y === 'string' && op === '+') return ok(x + y);
    if (typeof x === 'string' && op === '/' && typeof y === 'string') return ok(joinPath(x, y)); // pathlib
    if (typeof x !== 'number' || typeof y !== 'number') return no(`'${short(n)}' is not arithmetic on numbers`);
    switch (op) {
      case '+':
        return ok(x + y);
      case '-':
        return ok(x - y);
      case '*':
        return ok(x * y);
      case '/':
        return ok(x / y);
      case '//':
        return ok(Math.floor(x / y));
      case '%':
        return ok(x - Math.floor(x / y) * y);
      case '**':
        return ok(x ** y);
      default:
        return no(`operator ${op} in '${short(n)}'`);
    }
  }

  private subscript(n: Node, depth: number): Eval {
    const obj = n.childForFieldName('value');
    const idx = n.childForFieldName('subscript');
    const o = this.evaluate(obj, depth + 1);
    if (!o.ok) return no(this.origin(obj, o.why));
    const k = this.evaluate(idx, depth + 1);
    if (!k.ok) return k;
    const v = o.value;
    if (Array.isArray(v) && typeof k.value === 'number') {
      const i = k.value < 0 ? v.length + k.value : k.value;
      return i >= 0 && i < v.length ? ok(v[i]) : no(`index ${k.value} out of range in '${short(n)}'`);
    }
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const key = String(k.value);
      const why = unresolvedEntries.get(v)?.[key];
      if (why) return no(why);
      return key in v ? ok(v[key]) : no(`'${short(n)}': no key ${JSON.stringify(key)} in the dict`);
    }
    return no(`'${short(n)}' cannot be indexed statically`);
  }

  private attribute(n: Node, depth: number): Eval {
    const obj = n.childForFieldName('object');
    const name = n.childForFieldName('attribute')?.text ?? '';
    const full = dotted(n);
    if (full === 'math.pi') return ok(Math.PI);
    if (full === 'math.e') return ok(Math.E);
    if (name === 'shape' || name === 'size') return no(`'${n.text}' is the shape of an array known only at run time`);
    if (obj?.type === 'identifier') {
      const src = this.valueNode(obj.text, n);
      if (src?.type === 'call' && /parse_args$|parse_known_args$/.test(dotted(src.childForFieldName('function')) ?? '')) {
        const def = this.argparseDefault(name);
        return no(
          `'${n.text}' is a command-line option (--${name.replace(/_/g, '-')}` +
            (def ? `, argparse default ${def}` : '') +
            `); the value used at run time is not visible in the script`,
        );
      }
      if (src?.type === 'call') {
        const o = this.evaluate(obj, depth + 1);
        if (!o.ok) return no(this.origin(obj, o.why));
      }
    }
    return no(`'${n.text}' is an attribute set at run time`);
  }

  /** Say where a container came from when it cannot be evaluated (config files, argparse). */
  private origin(obj: Node | null, why: string): string {
    if (obj?.type !== 'identifier') return why;
    const src = this.valueNode(obj.text, obj);
    const fn = src?.type === 'call' ? (dotted(src.childForFieldName('function')) ?? '') : '';
    if (/(^|\.)(load_config|from_file|read_config)$/.test(fn) || /yaml|json|toml|omegaconf|hydra|configparser/i.test(fn))
      return `'${obj.text}' is read from a config file at run time (${short(src!, 50)})`;
    return why;
  }

  private argparseDefault(dest: string): string | null {
    for (const c of findAll(this.root, 'call')) {
      if (!/add_argument$/.test(dotted(c.childForFieldName('function')) ?? '')) continue;
      const names = positional(c).map((a) => stringLiteral(a) ?? '');
      const d = kwarg(c, 'dest');
      const destName = d
        ? stringLiteral(d)
        : (names
            .find((s) => s.startsWith('--'))
            ?.slice(2)
            .replace(/-/g, '_') ?? names[0]);
      if (destName !== dest) continue;
      const def = kwarg(c, 'default');
      return def ? short(def, 30) : 'None';
    }
    return null;
  }

  private call(n: Node, depth: number): Eval {
    const fn = dotted(n.childForFieldName('function')) ?? '';
    const pos = positional(n);
    const evalAll = (): Eval => {
      const out: PyValue[] = [];
      for (const p of pos) {
        const e = this.evaluate(p, depth + 1);
        if (!e.ok) return e;
        out.push(e.value);
      }
      return ok(out);
    };
    if (['int', 'float'].includes(fn) && pos.length === 1) {
      const e = this.evaluate(pos[0], depth + 1);
      if (!e.ok) return e;
      const v = typeof e.value === 'string' ? Number(e.value) : Number(e.value);
      return Number.isFinite(v) ? ok(fn === 'int' ? Math.trunc(v) : v) : no(`'${short(n)}' is not a number`);
    }
    if (fn === 'str' && pos.length === 1) {
      const e = this.evaluate(pos[0], depth + 1);
      return e.ok ? ok(String(e.value)) : e;
    }
    if (/^(os\.path\.dirname|os\.path\.realpath)$/.test(fn) && pos.length === 1) {
      const e = this.evaluate(pos[0], depth + 1);
      if (!e.ok || typeof e.value !== 'string') return e.ok ? no(`'${short(n)}' is not a path`) : e;
      if (fn.endsWith('realpath')) return e;
      const v = e.value;
      return ok(v === SCRIPT_SELF ? '' : v.includes('/') ? v.slice(0, v.lastIndexOf('/')) : '');
    }
    if (/^(os\.path\.join|posixpath\.join|Path|pathlib\.Path|os\.path\.abspath|str)$/.test(fn)) {
      const parts: string[] = [];
      for (const p of pos) {
        const e = this.evaluate(p, depth + 1);
        if (!e.ok) return e;
        parts.push(String(e.value));
      }
      return ok(parts.reduce((a, b) => joinPath(a, b)));
    }
    if (/^(math\.)?(sqrt|exp|log|pow)$/.test(fn) || fn === 'min' || fn === 'max' || fn === 'abs' || fn === 'round') {
      const list = evalAll();
      if (!list.ok) return list;
      const xs = list.value as PyValue[];
      if (!xs.every((x) => typeof x === 'number')) return no(`'${short(n)}' is not arithmetic on numbers`);
      const v = xs as number[];
      const f = fn.replace('math.', '');
      const r =
        f === 'sqrt'
          ? Math.sqrt(v[0])
          : f === 'exp'
            ? Math.exp(v[0])
            : f === 'log'
              ? Math.log(v[0])
              : f === 'pow'
                ? v[0] ** v[1]
                : f === 'min'
                  ? Math.min(...v)
                  : f === 'max'
                    ? Math.max(...v)
                    : f === 'abs'
                      ? Math.abs(v[0])
                      : Math.round(v[0]);
      return ok(r);
    }
    if (fn === 'len' && pos.length === 1) {
      const e = this.evaluate(pos[0], depth + 1);
      if (e.ok && (Array.isArray(e.value) || typeof e.value === 'string')) return ok(e.value.length);
    }
    if (fn === 'dict') {
      const out: { [k: string]: PyValue } = {};
      for (const a of args(n)) {
        const key = a.childForFieldName('name');
        if (a.type !== 'keyword_argument' || !key) return no(`'${short(n)}' is not a literal dict`);
        const e = this.evaluate(a.childForFieldName('value'), depth + 1);
        if (!e.ok) return e;
        out[key.text] = e.value;
      }
      return ok(out);
    }
    return no(`'${short(n)}' is computed at run time`);
  }
}

/** Keys of a dict literal whose values could not be evaluated, with the reason. */
const unresolvedEntries = new WeakMap<object, Record<string, string>>();

function parseIntLiteral(t: string): number {
  const s = t.replace(/_/g, '').toLowerCase();
  if (s.startsWith('0x')) return parseInt(s.slice(2), 16);
  if (s.startsWith('0o')) return parseInt(s.slice(2), 8);
  if (s.startsWith('0b')) return parseInt(s.slice(2), 2);
  return Number(s);
}

/** The value of `__file__`: only its folder ('' = the script's folder) is meaningful. */
const SCRIPT_SELF = '<this script>';

function joinPath(a: string, b: string): string {
  if (b.startsWith('/')) return b;
  return a === '' ? b : a.endsWith('/') ? a + b : `${a}/${b}`;
}

export function asNumber(e: Eval): number | null {
  return e.ok && typeof e.value === 'number' && Number.isFinite(e.value) ? e.value : null;
}
