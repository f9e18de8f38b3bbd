/**
 * NumPy .npy reader (format versions 1.0, 2.0, 3.0). Numeric dtypes are widened to float64 only
 * when that is exact; the header's size claim is checked against the bytes present before any
 * allocation, so a truncated or hostile file cannot trigger a huge allocation.
 */
import { dataError } from '../errors';
import { DEFAULT_LIMITS, grouped, limitNote, type DataLimits } from './limits';

export interface NdArray {
  /** 1 or 2 entries */
  shape: number[];
  /** row-major (C order) float64 */
  data: Float64Array;
  /** dtype as written in the header, e.g. '<f4' */
  descr: string;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

export const isNpy = (b: Uint8Array) => b.length >= 6 && MAGIC.every((m, i) => b[i] === m);

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** What an .npy header says, checked against the size of what holds it. */
export interface NpyHeader {
  descr: string;
  dims: number[];
  fortran: boolean;
  dt: DType;
  /** offset of the first data byte */
  dataStart: number;
  /** entries (the product of the shape) */
  count: number;
}

type Fail = (msg: string, row?: number, column?: number) => Error;

export const npyFail =
  (file: string, what: string): Fail =>
  (msg, row, column) =>
    dataError(what ? `${what}: ${msg}` : msg, row === undefined ? { file } : { file, row, column });

/**
 * Reads and checks the header from `prefix`, the first bytes of an .npy of `total` bytes (a file's
 * length, or what an npz member declares). Returns null when the prefix is too short to hold the
 * header (a streamed member: inflate more). Refused before any allocation: a header or data size
 * larger than `total` (truncated or lying), a header over maxNpyHeaderBytes, a shape whose product
 * is over maxCells (or overflows).
 */
export function readNpyHeader(prefix: Uint8Array, total: number, fail: Fail, limits: DataLimits = DEFAULT_LIMITS): NpyHeader | null {
  if (total === 0) throw fail('the file is empty');
  if (prefix.length < Math.min(total, 12)) return null;
  if (!isNpy(prefix)) throw fail('not a .npy file (the \\x93NUMPY magic is missing)');
  if (total < 10) throw fail('truncated .npy file: the header is incomplete');
  const major = prefix[6];
  const dv = new DataView(prefix.buffer, prefix.byteOffset, prefix.byteLength);
  let headerLen: number;
  let headerStart: number;
  if (major === 1) {
    headerLen = dv.getUint16(8, true);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (total < 12) throw fail('truncated .npy file: the header is incomplete');
    headerLen = dv.getUint32(8, true);
    headerStart = 12;
  } else {
    throw fail(`unsupported .npy format version ${major}.${prefix[7]} (versions 1.0, 2.0 and 3.0 are read)`);
  }
  const dataStart = headerStart + headerLen;
  if (dataStart > total) throw fail(`truncated .npy file: the header claims ${headerLen} bytes, only ${total - headerStart} are present`);
  if (headerLen > limits.maxNpyHeaderBytes) {
    throw fail(
      `the .npy header is ${grouped(headerLen)} bytes long; a numeric array's header is a few hundred ${limitNote(limits, 'maxNpyHeaderBytes', 'bytes')}`,
    );
  }
  if (prefix.length < dataStart) return null;
  // version 3.0 allows utf-8 in the header (field names); latin1 before
  const headerText = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(prefix.subarray(headerStart, dataStart));
  let header: unknown;
  try {
    header = parsePyLiteral(headerText);
  } catch (e) {
    throw fail(`unreadable .npy header: ${(e as Error).message}`);
  }
  if (!isRecord(header) || !('descr' in header) || !('shape' in header)) throw fail('unreadable .npy header: descr or shape is missing');
  const { descr, shape } = header;
  const fortran = header['fortran_order'] === true;
  if (typeof descr !== 'string') throw fail('structured arrays (record dtypes) are not supported; save a plain numeric 2-D array');
  // a dimension past 2^53 is no count at all (the digits were rounded)
  if (!Array.isArray(shape) || !shape.every((s) => Number.isSafeInteger(s) && (s as number) >= 0)) throw fail('unreadable .npy header: bad shape');
  const dims = shape as number[];
  const shapeText = `(${dims.join(', ')}${dims.length === 1 ? ',' : ''})`;
  if (dims.length === 0) throw fail('the array is a scalar (shape ()); a 1-D vector or 2-D table is needed');
  if (dims.length > 2) throw fail(`the array has ${dims.length} dimensions (shape ${shapeText}); a 1-D vector or 2-D table (rows × columns) is needed`);

  const dt = dtypeOf(descr);
  if (typeof dt === 'string') throw fail(dt);
  // an empty dimension makes the array empty whatever the other says
  const count = dims.includes(0) ? 0 : dims.reduce((a, b) => a * b, 1);
  const need = count * dt.size;
  const have = total - dataStart;
  if (need > have) {
    const needText = Number.isSafeInteger(need) ? String(need) : `over 2^53`;
    throw fail(`truncated .npy file: the header says shape ${shapeText} of ${descr} (${needText} data bytes) but only ${have} bytes follow`);
  }
  if (count > limits.maxCells) {
    throw fail(`the array has shape ${shapeText}, ${grouped(count)} entries: too many to read ${limitNote(limits, 'maxCells', 'entries')}`);
  }
  return { descr, dims, fortran, dt, dataStart, count };
}

/**
 * @param what how to name this array in messages (an npz member: `member "X.npy"`), else ''.
 * @param owned the bytes are the reader's own (an inflated npz member): native float64 data is
 *   used in place instead of copied, which halves the peak memory of a large member.
 */
export function readNpy(bytes: Uint8Array, file: string, what = '', limits: DataLimits = DEFAULT_LIMITS, owned = false): NdArray {
  const fail = npyFail(file, what);
  if (bytes.length === 0) throw fail('the file is empty');
  if (!isNpy(bytes)) throw fail('not a .npy file (the \\x93NUMPY magic is missing)');
  const h = readNpyHeader(bytes, bytes.length, fail, limits);
  if (!h) throw fail('truncated .npy file: the header is incomplete');
  const { dims, fortran, dt, dataStart, count, descr } = h;
  const flat = decode(bytes, dataStart, count, dt, owned, (i) => {
    const [r, c] = position(i, dims, fortran);
    return fail(`the ${dt.kind === 'i' ? 'int64' : 'uint64'} entry is too large to represent exactly in float64 (|x| > 2^53)`, r, c);
  });
  // Fortran order stores columns contiguously; the engine wants rows
  const data = fortran && dims.length === 2 ? transposeFortran(flat, dims[0], dims[1]) : flat;
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      const r = dims.length === 2 ? Math.floor(i / dims[1]) + 1 : i + 1;
      const c = dims.length === 2 ? (i % dims[1]) + 1 : 1;
      const what = Number.isNaN(data[i]) ? 'NaN' : data[i] > 0 ? 'Infinity' : '-Infinity';
      throw fail(`the entry is ${what}: every entry must be a finite number`, r, c);
    }
  }
  return { shape: dims, data, descr };
}

/** 1-based (row, column) of storage index i. */
function position(i: number, dims: number[], fortran: boolean): [number, number] {
  if (dims.length === 1) return [i + 1, 1];
  const [r, c] = dims;
  return fortran ? [(i % r) + 1, Math.floor(i / r) + 1] : [Math.floor(i / c) + 1, (i % c) + 1];
}

export interface DType {
  kind: 'f' | 'i' | 'u' | 'b';
  size: number;
  little: boolean;
}

/** The dtype, or the message refusing it. */
function dtypeOf(descr: string): DType | string {
  const m = /^([<>|=]?)([a-zA-Z])(\d*)$/.exec(descr);
  if (!m) return `unsupported dtype ${JSON.stringify(descr)}`;
  const [, order, kind, sizeText] = m;
  const size = Number(sizeText);
  const little = order === '>' ? false : order === '=' ? LITTLE_ENDIAN_HOST : true;
  const ok: Record<string, number[]> = { f: [2, 4, 8], i: [1, 2, 4, 8], u: [1, 2, 4, 8], b: [1] };
  if (kind === 'O') return 'object arrays (dtype=object, stored as a Python pickle) are not supported; save a numeric array, e.g. arr.astype(np.float64)';
  if (kind === 'U' || kind === 'S') return `string arrays (dtype ${descr}) are not supported; the data must be numeric`;
  if (kind === 'c') return `complex arrays (dtype ${descr}) are not supported`;
  if (ok[kind]?.includes(size)) return { kind: kind as DType['kind'], size, little };
  return `unsupported dtype ${descr} (float16/32/64, int8–64, uint8–64 and bool are read)`;
}

function decode(bytes: Uint8Array, start: number, count: number, dt: DType, owned: boolean, tooBig: (i: number) => Error): Float64Array {
  const { kind, size, little } = dt;
  if (owned && kind === 'f' && size === 8 && little === LITTLE_ENDIAN_HOST && (bytes.byteOffset + start) % 8 === 0) {
    return new Float64Array(bytes.buffer, bytes.byteOffset + start, count);
  }
  // native-order float64/float32: a copy gives an aligned buffer for a typed-array view
  if (kind === 'f' && little === LITTLE_ENDIAN_HOST && size !== 2) {
    const copy = bytes.slice(start, start + count * size);
    return size === 8 ? new Float64Array(copy.buffer) : Float64Array.from(new Float32Array(copy.buffer));
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset + start, count * size);
  const out = new Float64Array(count);
  for (let i = 0, o = 0; i < count; i++, o += size) {
    let v: number;
    if (kind === 'f') v = size === 8 ? dv.getFloat64(o, little) : size === 4 ? dv.getFloat32(o, little) : halfToFloat(dv.getUint16(o, little));
    else if (kind === 'b') v = dv.getUint8(o) ? 1 : 0;
    else if (size === 8) {
      const big = kind === 'i' ? dv.getBigInt64(o, little) : dv.getBigUint64(o, little);
      v = Number(big);
      if (BigInt(v) !== big) throw tooBig(i);
    } else if (kind === 'i') v = size === 1 ? dv.getInt8(o) : size === 2 ? dv.getInt16(o, little) : dv.getInt32(o, little);
    else v = size === 1 ? dv.getUint8(o) : size === 2 ? dv.getUint16(o, little) : dv.getUint32(o, little);
    out[i] = v;
  }
  return out;
}

/** IEEE binary16 → number (exact). */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return sign * f * 2 ** -24;
  if (e === 31) return f ? NaN : sign * Infinity;
  return sign * (1 + f / 1024) * 2 ** (e - 15);
}

function transposeFortran(flat: Float64Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(flat.length);
  for (let j = 0; j < cols; j++) for (let i = 0; i < rows; i++) out[i * cols + j] = flat[j * rows + i];
  return out;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The header is a Python dict literal (`{'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), }`).
 * This reads exactly that subset — strings, ints, True/False/None, tuples, lists, dicts — and
 * never evaluates anything.
 */
export function parsePyLiteral(src: string): unknown {
  let i = 0;
  const ws = () => {
    while (i < src.length && /\s/.test(src[i])) i++;
  };
  const value = (): unknown => {
    ws();
    const ch = src[i];
    if (ch === '{' || ch === '(' || ch === '[') {
      const close = ch === '{' ? '}' : ch === '(' ? ')' : ']';
      i++;
      const items: unknown[] = [];
      const obj: Record<string, unknown> = {};
      for (;;) {
        ws();
        if (src[i] === close) {
          i++;
          break;
        }
        const v = value();
        if (ch === '{') {
          ws();
          if (src[i++] !== ':') throw new Error(`expected ':' at offset ${i - 1}`);
          obj[String(v)] = value();
        } else items.push(v);
        ws();
        if (src[i] === ',') i++;
        else if (src[i] !== close) throw new Error(`expected ',' or '${close}' at offset ${i}`);
      }
      return ch === '{' ? obj : items;
    }
    if (ch === "'" || ch === '"') {
      const end = src.indexOf(ch, i + 1);
      if (end < 0) throw new Error('unterminated string');
      const s = src.slice(i + 1, end);
      i = end + 1;
      return s;
    }
    // Python 2 wrote long shapes as `3L`
    const m = /^(?:(-?\d+)L?|True|False|None)/.exec(src.slice(i, i + 32));
    if (!m) throw new Error(`unexpected ${JSON.stringify(src.slice(i, i + 10))}`);
    i += m[0].length;
    return m[1] !== undefined ? Number(m[1]) : m[0] === 'True' ? true : m[0] === 'False' ? false : null;
  };
  const v = value();
  return v;
}
