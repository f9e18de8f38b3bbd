/**
 * Seeded mutators for the fuzz harness (issue #17 item 6). Each takes the case's PRNG, so a case is
 * reproduced from (seed, index) alone. Sizes stay small on purpose: a mutant claims a huge size in
 * a header or a varint, it never is huge itself (the readers must refuse the claim before
 * allocating it), except the zip bomb, whose inflated size is the point.
 */
import { deflateRawSync } from 'node:zlib';
import { buildZip, deflatedZeros, npyHeader, type ZipMember } from '../data/zipBuild';

export type Rng = () => number;

export const pick = (rnd: Rng, n: number) => Math.floor(rnd() * n);
export const choose = <T>(rnd: Rng, xs: readonly T[]): T => xs[pick(rnd, xs.length)];

/** Values a size, a dimension or an offset field is set to. */
export const HOSTILE_INTS = [0, -1, 1, 2, 3, 255, 65535, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 40, 2 ** 53, 2 ** 53 + 2, 1e6] as const;

/** Byte-level damage: bit flips (mostly in the structural head), overwrites, truncation. */
export function mutateBytes(src: Uint8Array, rnd: Rng): Uint8Array {
  const b = Uint8Array.from(src);
  if (!b.length) return b;
  switch (pick(rnd, 4)) {
    case 0: {
      const flips = 1 + pick(rnd, 8);
      for (let i = 0; i < flips; i++) b[rnd() < 0.7 ? pick(rnd, Math.min(b.length, 512)) : pick(rnd, b.length)] ^= 1 << pick(rnd, 8);
      return b;
    }
    case 1: {
      const at = pick(rnd, b.length);
      for (let i = at; i < Math.min(b.length, at + 1 + pick(rnd, 16)); i++) b[i] = pick(rnd, 256);
      return b;
    }
    case 2:
      return b.slice(0, pick(rnd, b.length));
    default: {
      // a block copied elsewhere (repeated structure: nested messages, duplicated rows)
      const from = pick(rnd, b.length),
        len = 1 + pick(rnd, Math.min(64, b.length - from)),
        to = pick(rnd, b.length);
      const out = new Uint8Array(b.length + len);
      out.set(b.subarray(0, to));
      out.set(b.subarray(from, from + len), to);
      out.set(b.subarray(to), to + len);
      return out;
    }
  }
}

/** A protobuf varint made to claim something enormous (a length or a count), inserted or overwritten. */
export function mutateVarint(src: Uint8Array, rnd: Rng): Uint8Array {
  const junk = choose(rnd, [
    [0xff, 0xff, 0xff, 0xff, 0x0f],
    [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
    [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80], // never terminates within 10 bytes
    [0xfe, 0xff, 0xff, 0xff, 0x07],
  ]);
  const at = pick(rnd, Math.min(src.length, 4096) + 1);
  const drop = pick(rnd, 3);
  const out = new Uint8Array(src.length - Math.min(drop, src.length - at) + junk.length);
  out.set(src.subarray(0, at));
  out.set(junk, at);
  out.set(src.subarray(Math.min(src.length, at + drop)), at + junk.length);
  return out;
}

/** External-data locations an attacker writes (relative to the model's folder unless absolute). */
export function hostileLocation(rnd: Rng, names: string[], outside: string): string {
  return choose(rnd, [
    ...names,
    '../outside/secret.bin',
    outside,
    '/dev/zero',
    '/etc/passwd',
    'subdir/../weights.bin',
    './weights.bin',
    'weights.bin/..',
    '',
    '.',
    '..',
    'a\u0000b',
    '%2e%2e/outside/secret.bin',
    'C:\\Windows\\win.ini',
    '\\\\server\\share',
    'subdir/../../outside/secret.bin',
    'missing.bin',
    'x'.repeat(5000),
  ]);
}

const OFFSET_TEXT = ['0', '8', '16', '-5', 'abc', '1e3', '999999999', String(2 ** 31), String(2 ** 53), String(2 ** 60), '0x10', ' 4', '4 '];

/** An external_data key/value list mutated: location, offset, length, checksum, duplicated keys. */
export function mutateExternalKv(kv: { key: string; value: string }[], rnd: Rng, names: string[], outside: string): void {
  const what = pick(rnd, 5);
  if (what === 0 || !kv.length) kv.push({ key: 'location', value: hostileLocation(rnd, names, outside) });
  else if (what === 1) kv[pick(rnd, kv.length)].value = choose(rnd, OFFSET_TEXT);
  else if (what === 2) kv[pick(rnd, kv.length)].key = choose(rnd, ['location', 'offset', 'length', 'checksum', 'LOCATION', '']);
  else if (what === 3) kv.splice(pick(rnd, kv.length), 1);
  else for (const e of kv) if (e.key === 'location') e.value = hostileLocation(rnd, names, outside);
}

/** Dimensions made huge, negative, zero or longer. */
export function mutateDims(dims: number[], rnd: Rng): number[] {
  const out = dims.length ? [...dims] : [1];
  const k = pick(rnd, 3);
  if (k === 0) out[pick(rnd, out.length)] = choose(rnd, HOSTILE_INTS);
  else if (k === 1) out.push(choose(rnd, HOSTILE_INTS));
  else if (out.length) out.splice(pick(rnd, out.length), 1);
  return out;
}

const DESCRS = ['<f8', '<f4', '>f8', '<f2', '|u1', '<i8', '>i4', '|b1', '|O', '<U10', '<c16', '<M8[ns]', 'f8', '', "<f8', 'x': '1", '|V8'];
const SHAPES = [
  '(3, 2)',
  '(3,)',
  '()',
  '(0, 2)',
  '(-1, 2)',
  '(4294967296, 2)',
  '(2**40,)',
  '(1, 1, 1, 1)',
  '(3, 2, 1)',
  '(1e3,)',
  '(3 2)',
  '',
  '(' + '1, '.repeat(40) + ')',
  '(9007199254740993, 1)',
];

/** A .npy: header fields (descr, order, shape, version, header length) and data damaged. */
export function mutateNpy(rnd: Rng): Uint8Array {
  // a third of the headers are valid, so the damage further on (data, version, length) is reached too
  const valid = rnd() < 0.33;
  const descr = valid ? choose(rnd, ['<f8', '<f4', '>f8']) : choose(rnd, DESCRS);
  const shape = valid ? choose(rnd, ['(3, 2)', '(6,)', '(2, 3)']) : choose(rnd, SHAPES);
  let head = npyHeader(descr, shape);
  if (rnd() < 0.2) {
    const text = new TextDecoder().decode(head.subarray(10));
    const swapped = text
      .replace('False', choose(rnd, ['True', 'None', '0', 'Fals']))
      .replace("'shape'", choose(rnd, ["'shape'", "'shap'", "'shape': (1,), 'shape'"]));
    head = Uint8Array.from([...head.subarray(0, 10), ...new TextEncoder().encode(swapped)]);
  }
  if (rnd() < 0.15) head[6] = choose(rnd, [0, 2, 3, 4, 255]); // version
  if (rnd() < 0.15) {
    head[8] = pick(rnd, 256);
    head[9] = pick(rnd, 256);
  }
  const data = new Uint8Array(pick(rnd, 4) === 0 ? pick(rnd, 7) : 48);
  for (let i = 0; i < data.length; i++) data[i] = rnd() < 0.8 ? 0 : pick(rnd, 256);
  const out = new Uint8Array(head.length + data.length);
  out.set(head);
  out.set(data, head.length);
  return rnd() < 0.2 ? mutateBytes(out, rnd) : out;
}

/** A small valid .npy of shape (n, k) float64, for zip members and seeds. */
export function npyOf(n: number, k: number, rnd: Rng): Uint8Array {
  const head = npyHeader('<f8', k === 1 ? `(${n},)` : `(${n}, ${k})`);
  const v = new Float64Array(n * k).map(() => Math.round(rnd() * 100) / 10 - 5);
  const out = new Uint8Array(head.length + v.byteLength);
  out.set(head);
  out.set(new Uint8Array(v.buffer), head.length);
  return out;
}

/**
 * An .npz: member names, methods, declared sizes (lying in the local header, the central directory
 * or both), members that are damaged .npy files, and now and then a deflate bomb whose declared size
 * is small and whose inflated size is up to 1.5 GiB.
 */
export function mutateNpz(rnd: Rng): Uint8Array {
  const n = 1 + pick(rnd, 6);
  const members: ZipMember[] = [];
  const count = 1 + pick(rnd, 3);
  for (let i = 0; i < count; i++) {
    const name = choose(rnd, ['X.npy', 'y.npy', 'X.npy', 'y.npy', 'inputs.npy', 'arr_0.npy', '../X.npy', 'X', 'X.npy\u0000.txt', '']);
    let raw = rnd() < 0.6 ? npyOf(n, name.startsWith('y') ? 1 : 2, rnd) : mutateNpy(rnd);
    let method: 0 | 8 = rnd() < 0.5 ? 0 : 8;
    let stored = method === 8 ? deflateRawSync(raw) : raw;
    let size = raw.length;
    if (rnd() < 0.05) {
      // the bomb: a valid header, then zeros far past what the header says
      // (not 2^28 honest: a legitimate 256 MiB array, seconds to inflate, tests nothing new)
      const zeros = choose(rnd, [2 ** 20, 1.5 * 2 ** 30]);
      raw = npyHeader('<f8', `(${Math.floor(zeros / 16)}, 2)`);
      method = 8;
      stored = deflatedZeros(raw, zeros);
      size = rnd() < 0.5 ? raw.length + zeros : pick(rnd, 1000);
    }
    const lie = pick(rnd, 4);
    members.push({
      name,
      stored: rnd() < 0.1 ? mutateBytes(stored, rnd) : stored,
      method,
      size: lie === 1 ? choose(rnd, HOSTILE_INTS) : size,
      localSize: lie === 2 ? choose(rnd, HOSTILE_INTS) : undefined,
      zip64Local: rnd() < 0.5,
    });
  }
  const zip = buildZip(members);
  return rnd() < 0.2 ? mutateBytes(zip, rnd) : zip;
}

const CELL_TOKENS = [
  'nan',
  'NaN',
  'inf',
  '-inf',
  '1e309',
  '-1e309',
  '0x10',
  '',
  '"1,2"',
  '1.2.3',
  '\u22121',
  '1_000',
  '+',
  '-',
  '.',
  'e5',
  '"',
  "'",
  '#',
  'TRUE',
  '1' + '0'.repeat(400),
  '\u0000',
  '\ufeff',
  ' ',
  '\t',
  '1,',
  '1;2',
];

/** CSV/TSV text damaged at the token level: cells, delimiters, line ends, ragged rows, headers. */
export function mutateDelimited(src: string, rnd: Rng): string {
  const lines = src.split('\n');
  const ops = 1 + pick(rnd, 3);
  for (let o = 0; o < ops; o++) {
    const li = pick(rnd, lines.length);
    const cells = lines[li].split(',');
    switch (pick(rnd, 9)) {
      case 0:
        cells[pick(rnd, cells.length)] = choose(rnd, CELL_TOKENS);
        break;
      case 1:
        cells.push(choose(rnd, CELL_TOKENS));
        break;
      case 2:
        cells.pop();
        break;
      case 3:
        lines.splice(li, 0, ','.repeat(pick(rnd, 3) === 0 ? 20_000 : pick(rnd, 50)));
        break; // many columns (bounded)
      case 4:
        lines[li] = lines[li].replace(/,/g, choose(rnd, ['\t', ';', ' ', '  ', '|']));
        continue;
      case 5:
        lines.splice(li, 1);
        continue;
      case 6:
        lines[li] = lines[li] + '\r';
        continue;
      case 7:
        lines.splice(li, 0, 'x'.repeat(pick(rnd, 3) === 0 ? 200_000 : 100));
        continue; // a long line (bounded)
      default:
        lines[li] = choose(rnd, ['y,y,y', '', '#comment', 'x1,x2,y', '\ufeffx1,y', '"x1","y"']);
        continue;
    }
    lines[li] = cells.join(',');
  }
  const text = lines.join(rnd() < 0.1 ? '\r\n' : '\n');
  return rnd() < 0.1 ? text.slice(0, pick(rnd, text.length)) : text;
}

const JSON_VALUES = [
  'null',
  'true',
  '"1"',
  '[]',
  '{}',
  '1e309',
  '-0',
  'NaN',
  '[[1,2],[3]]',
  '{"X":1}',
  '"X"',
  '['.repeat(100) + ']'.repeat(100),
  '['.repeat(5000),
];

/** JSON damaged at the token level: a number or bracket replaced by another value, keys renamed. */
export function mutateJson(src: string, rnd: Rng): string {
  let s = src;
  const ops = 1 + pick(rnd, 3);
  for (let o = 0; o < ops; o++) {
    const tokens = [...s.matchAll(/-?\d+(\.\d+)?([eE][+-]?\d+)?|"[^"]*"|[[\]{}]/g)];
    if (!tokens.length) break;
    const t = tokens[pick(rnd, tokens.length)];
    const repl = t[0].startsWith('"') && rnd() < 0.5 ? choose(rnd, ['"X"', '"y"', '"data"', '"columns"', '"labels"', '""']) : choose(rnd, JSON_VALUES);
    s = s.slice(0, t.index!) + (rnd() < 0.15 ? '' : repl) + s.slice(t.index! + t[0].length);
  }
  return s;
}

const PY_SNIPPETS = [
  'loss: float',
  'loss: float = 0.0',
  'loss:loss.backward()',
  'x: "torch.Tensor" = model(X)',
  '(y := model(X))',
  'X = np.loadtxt("/dev/zero")',
  'X = np.loadtxt("fifo")',
  'X = np.load("zero.npy")',
  'X = np.loadtxt("link-out.csv")',
  'X = pd.read_csv("sparse.csv")',
  'X = np.loadtxt("../outside/secret.bin")',
  'X = np.load("subdir")',
  'match x:\n    case [a, *rest]: pass\n    case {"k": v}: pass',
  'async def f():\n    async with a as b: await b',
  'lambda *a, **k: (yield)',
  '@torch.no_grad()\ndef g(): return',
  'print(f"{x!r:>{w}}")',
  'x = [*a, *b]',
  'del model',
  'global opt',
  'opt = torch.optim.SGD(model.parameters(), lr=0.1, weight_decay=)',
  'nn.Sequential(*[nn.ReLU()] * 3)',
  'torch.onnx.export(model, x, "../outside/m.onnx")',
  'optimizer = AdamW(params=p, weight_decay=1e400)',
  'x = ' + '('.repeat(60) + ')'.repeat(60),
  'x = ' + '['.repeat(40),
  '\u00e9t\u00e9 = 1',
  'type X = int',
  'class M(nn.Module):\n    def forward(self, x): return self.l(x)',
  'for loss in range(3): loss.backward()',
  'with torch.no_grad(): loss = crit(out, y)',
  'try:\n    pass\nexcept* ValueError:\n    pass',
];

/** Python source damaged line by line: lines dropped, duplicated, re-indented, snippets inserted, truncated. */
export function mutatePython(src: string, rnd: Rng): string {
  const lines = src.split('\n');
  const ops = 1 + pick(rnd, 4);
  for (let o = 0; o < ops; o++) {
    const li = pick(rnd, lines.length + 1);
    switch (pick(rnd, 6)) {
      case 0:
        lines.splice(li, 0, ...choose(rnd, PY_SNIPPETS).split('\n'));
        break;
      case 1:
        lines.splice(li, 1);
        break;
      case 2:
        lines.splice(li, 0, lines[pick(rnd, lines.length)] ?? '');
        break;
      case 3:
        lines[li % lines.length] = '    ' + (lines[li % lines.length] ?? '');
        break;
      case 4: {
        const l = lines[li % lines.length] ?? '';
        const at = pick(rnd, l.length + 1);
        lines[li % lines.length] =
          l.slice(0, at) + choose(rnd, ['(', ')', ':', '=', ',', '"', "'''", '\\', '#', ' ', '\t', '**', 'lambda', 'None']) + l.slice(at);
        break;
      }
      default:
        lines.splice(
          li,
          0,
          `${choose(rnd, ['loss', 'model', 'opt', 'X', 'crit'])}: ${choose(rnd, ['float', 'int', 'nn.Module', 'loss.backward()', '"x"', 'None'])}${choose(rnd, ['', ' = 1', ' = model(X)'])}`,
        );
    }
  }
  const text = lines.join('\n');
  return rnd() < 0.1 ? text.slice(0, pick(rnd, text.length)) : text;
}

const NB_VALUES: unknown[] = [
  null,
  0,
  1.5,
  'x',
  true,
  [],
  {},
  [null],
  [1, 2],
  { source: 1 },
  { cell_type: 'code', source: null },
  { cell_type: 'code', source: ['x = 1\n', 2] },
];

/** A notebook with its JSON shape damaged: any node replaced by null, a number, a string, an array or an object. */
export function mutateNotebook(src: string, rnd: Rng): string {
  let nb: unknown;
  try {
    nb = JSON.parse(src);
  } catch {
    return src;
  }
  const ops = 1 + pick(rnd, 3);
  for (let o = 0; o < ops; o++) {
    // a random path from the root
    let parent: unknown = null;
    let key: string | number | null = null;
    let node: unknown = nb;
    for (let depth = 0; depth < 1 + pick(rnd, 5); depth++) {
      if (node === null || typeof node !== 'object') break;
      const keys = Object.keys(node as object);
      if (!keys.length) break;
      const k = choose(rnd, keys);
      parent = node;
      key = Array.isArray(node) ? Number(k) : k;
      node = (node as Record<string, unknown>)[k];
    }
    const v = structuredClone(choose(rnd, NB_VALUES));
    if (parent === null) nb = v;
    else if (pick(rnd, 4) === 0 && typeof node === 'string') (parent as Record<string | number, unknown>)[key!] = mutatePython(node, rnd);
    else (parent as Record<string | number, unknown>)[key!] = v;
  }
  const text = JSON.stringify(nb);
  return rnd() < 0.1 ? text.slice(0, pick(rnd, text.length)) : text;
}
