/**
 * Tensor payloads → float64. Every way real exporters store numbers is handled here: raw_data
 * (little-endian, often at an unaligned offset inside the file, so it is read through a DataView
 * and never viewed as a typed array), float_data/double_data/int32_data(float16 bits)/int64_data,
 * and external data files (exactly the byte range a tensor needs, through an ExternalSource). Sizes
 * are checked against the bytes actually present BEFORE anything is allocated, so a corrupted or
 * hostile dim cannot make the reader allocate gigabytes.
 */
import { ReluLensError, modelError, type ErrorLocation } from '../errors';
import { thousands } from '../format/numbers';
import { safeRelativePath, tensorLabel, type ExternalEntry, type ExternalRange, type ExternalSource } from '../io/external';
import { has, toNum, type TensorProto } from './proto';

/** ONNX TensorProto.DataType values the reader needs to name. */
export const DT = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
  COMPLEX64: 14,
  COMPLEX128: 15,
  BFLOAT16: 16,
} as const;

const DT_NAMES: Record<number, string> = {
  0: 'UNDEFINED',
  1: 'float32',
  2: 'uint8',
  3: 'int8',
  4: 'uint16',
  5: 'int16',
  6: 'int32',
  7: 'int64',
  8: 'string',
  9: 'bool',
  10: 'float16',
  11: 'float64',
  12: 'uint32',
  13: 'uint64',
  14: 'complex64',
  15: 'complex128',
  16: 'bfloat16',
  17: 'float8e4m3fn',
  18: 'float8e4m3fnuz',
  19: 'float8e5m2',
  20: 'float8e5m2fnuz',
  21: 'uint4',
  22: 'int4',
  23: 'float4e2m1',
};
export const dtypeName = (t: number): string => DT_NAMES[t] ?? `type ${t}`;

export type FloatDtype = 'float32' | 'float64' | 'float16';
export const floatDtype = (t: number): FloatDtype | null => (t === DT.FLOAT ? 'float32' : t === DT.DOUBLE ? 'float64' : t === DT.FLOAT16 ? 'float16' : null);

/** Types that only appear in quantized networks: refused with a message saying so. */
export const isQuantizedType = (t: number): boolean => t === DT.INT8 || t === DT.UINT8 || (t >= 17 && t <= 23);

/**
 * Largest number of weights the reader will materialise (per tensor and in total). 2^26 float64
 * values are 512 MiB, already more than a certificate can work with; two-layer networks that can
 * be certified are far smaller. Anything bigger is almost surely a corrupted dim or not a
 * two-layer network, and refusing early keeps the extension host's memory bounded.
 */
export const MAX_TENSOR_ELEMENTS = 2 ** 26;

export interface Tensor {
  name: string;
  dims: number[];
  dataType: number;
  /** every element widened exactly to float64 (int64 beyond 2^53 would round; only shapes use ints) */
  values: Float64Array;
}

export interface TensorContext {
  loc: ErrorLocation;
  /** where external data is read from (exactly the range a tensor needs; see src/core/io) */
  external?: ExternalSource;
}

const BYTES: Record<number, number> = {
  [DT.FLOAT]: 4,
  [DT.DOUBLE]: 8,
  [DT.FLOAT16]: 2,
  [DT.INT64]: 8,
  [DT.INT32]: 4,
  [DT.INT16]: 2,
  [DT.UINT16]: 2,
  [DT.UINT32]: 4,
  [DT.UINT64]: 8,
  [DT.BOOL]: 1,
  [DT.INT8]: 1,
  [DT.UINT8]: 1,
  [DT.BFLOAT16]: 2,
};

/** IEEE half → double; exact because every half is representable in float64. */
export function halfToDouble(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >> 10) & 0x1f;
  const frac = bits & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

function checkedDims(t: TensorProto, ctx: TensorContext): { dims: number[]; count: number } {
  const label = t.name ? `tensor '${t.name}'` : 'an unnamed tensor';
  const dims = t.dims.map(toNum);
  let count = 1;
  for (const d of dims) {
    if (!Number.isSafeInteger(d) || d < 0) throw modelError(`${label} has an invalid dimension (${Number.isNaN(d) ? 'beyond 2^53' : d})`, ctx.loc);
    count *= d;
    // checked on every step so the product itself cannot overflow into nonsense
    if (count > MAX_TENSOR_ELEMENTS)
      throw modelError(
        `${label} claims ${dims.join('×')} elements, more than the reader's limit of ${thousands(MAX_TENSOR_ELEMENTS)} weights (corrupted file, or not a small two-layer network)`,
        ctx.loc,
      );
  }
  return { dims, count };
}

/** Reads `count` little-endian elements of `dataType` from bytes at any alignment. */
function fromLittleEndian(bytes: Uint8Array, dataType: number, count: number): Float64Array {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float64Array(count);
  switch (dataType) {
    case DT.FLOAT:
      for (let i = 0; i < count; i++) out[i] = dv.getFloat32(4 * i, true);
      break;
    case DT.DOUBLE:
      for (let i = 0; i < count; i++) out[i] = dv.getFloat64(8 * i, true);
      break;
    case DT.FLOAT16:
      for (let i = 0; i < count; i++) out[i] = halfToDouble(dv.getUint16(2 * i, true));
      break;
    case DT.BFLOAT16:
      for (let i = 0; i < count; i++) out[i] = bf16(dv.getUint16(2 * i, true));
      break;
    case DT.INT64:
      for (let i = 0; i < count; i++) out[i] = Number(dv.getBigInt64(8 * i, true));
      break;
    case DT.UINT64:
      for (let i = 0; i < count; i++) out[i] = Number(dv.getBigUint64(8 * i, true));
      break;
    case DT.INT32:
      for (let i = 0; i < count; i++) out[i] = dv.getInt32(4 * i, true);
      break;
    case DT.UINT32:
      for (let i = 0; i < count; i++) out[i] = dv.getUint32(4 * i, true);
      break;
    case DT.INT16:
      for (let i = 0; i < count; i++) out[i] = dv.getInt16(2 * i, true);
      break;
    case DT.UINT16:
      for (let i = 0; i < count; i++) out[i] = dv.getUint16(2 * i, true);
      break;
    case DT.INT8:
      for (let i = 0; i < count; i++) out[i] = dv.getInt8(i);
      break;
    case DT.UINT8:
    case DT.BOOL:
      for (let i = 0; i < count; i++) out[i] = dv.getUint8(i);
      break;
  }
  return out;
}

function bf16(bits: number): number {
  const dv = new DataView(new ArrayBuffer(4));
  dv.setUint32(0, bits << 16);
  return dv.getFloat32(0);
}

/** Decodes a TensorProto into float64 values, refusing anything inconsistent with a clear message. */
export function readTensor(t: TensorProto, ctx: TensorContext): Tensor {
  const label = t.name ? `tensor '${t.name}'` : 'an unnamed tensor';
  const dt = t.data_type;
  if (isQuantizedType(dt)) throw modelError(`${label} is ${dtypeName(dt)}: quantized networks are not supported (export the float model)`, ctx.loc);
  const size = BYTES[dt];
  if (!size) throw modelError(`${label} has element type ${dtypeName(dt)}, which the reader does not support`, ctx.loc);
  if (t.segment) throw modelError(`${label} is segmented, which the reader does not support`, ctx.loc);
  const { dims, count } = checkedDims(t, ctx);
  const mismatch = (have: number, where: string) =>
    modelError(`${label} has dims [${dims.join(', ')}] (${count} elements) but ${where} holds ${have}`, ctx.loc);

  if (t.data_location === 1) {
    const bytes = externalBytes(t, ctx);
    return { name: t.name, dims, dataType: dt, values: fromLittleEndian(bytes, dt, count) };
  }
  if (has(t, 'raw_data') && t.raw_data.length > 0) {
    if (t.raw_data.length !== count * size) throw mismatch(t.raw_data.length, `raw_data (bytes, ${size} per element)`);
    return { name: t.name, dims, dataType: dt, values: fromLittleEndian(t.raw_data, dt, count) };
  }
  const values = typedField(t, dt);
  if (values.length !== count) throw mismatch(values.length, 'its data field');
  const out = new Float64Array(count);
  if (dt === DT.FLOAT16) for (let i = 0; i < count; i++) out[i] = halfToDouble((values[i] as number) & 0xffff);
  else if (dt === DT.BFLOAT16) for (let i = 0; i < count; i++) out[i] = bf16((values[i] as number) & 0xffff);
  else if (dt === DT.FLOAT) for (let i = 0; i < count; i++) out[i] = Math.fround(values[i] as number);
  else for (let i = 0; i < count; i++) out[i] = typeof values[i] === 'number' ? (values[i] as number) : toNum(values[i] as never);
  return { name: t.name, dims, dataType: dt, values: out };
}

/** The repeated field ONNX uses for each type when raw_data is absent. */
function typedField(t: TensorProto, dt: number): ArrayLike<unknown> {
  switch (dt) {
    case DT.FLOAT:
      return t.float_data;
    case DT.DOUBLE:
      return t.double_data;
    case DT.INT64:
      return t.int64_data;
    case DT.UINT32:
    case DT.UINT64:
      return t.uint64_data;
    default:
      return t.int32_data; // int32, int16, uint16, bool, float16/bfloat16 bits
  }
}

/**
 * The external_data entry of a tensor, syntax only (nothing is read): `location` relative to the
 * model's folder (absolute paths and paths leaving the folder are refused: a model file must not
 * make the reader open arbitrary files on the user's machine), offset and length as decimal sizes.
 */
export function externalEntry(t: TensorProto, used: boolean, loc: ErrorLocation): ExternalEntry {
  const label = tensorLabel({ tensor: t.name, used });
  const kv = new Map(t.external_data.map((e) => [e.key, e.value]));
  const location = kv.get('location');
  if (!location) throw modelError(`${label} is stored externally but names no file (external_data has no 'location')`, loc);
  const rel = safeRelativePath(location);
  if (!rel) throw modelError(`${label} points to external file '${location}', outside the model's folder: refused`, loc);
  const offset = parseSize(kv.get('offset') ?? '0');
  const lengthStr = kv.get('length');
  const length = lengthStr === undefined ? undefined : parseSize(lengthStr);
  if (offset === null || length === null) throw modelError(`${label} has an invalid external offset/length ('${kv.get('offset')}', '${lengthStr}')`, loc);
  return { location: rel, offset, length, tensor: t.name, used };
}

/**
 * The exact byte range an external tensor needs: its entry, with the length its dims and element
 * type give (a stated length must agree). Dims are checked against MAX_TENSOR_ELEMENTS first, so the
 * range is never larger than the reader would accept.
 */
export function externalRange(t: TensorProto, loc: ErrorLocation): ExternalRange {
  const label = t.name ? `tensor '${t.name}'` : 'an unnamed tensor';
  const size = BYTES[t.data_type];
  if (!size) throw modelError(`${label} has element type ${dtypeName(t.data_type)}, which the reader does not support`, loc);
  const { count } = checkedDims(t, { loc });
  const expected = count * size;
  const e = externalEntry(t, true, loc);
  const length = e.length ?? expected;
  if (length !== expected) throw modelError(`${label} needs ${expected} bytes but its external data length is ${length}`, loc);
  return { location: e.location, offset: e.offset, length, tensor: t.name };
}

/** Reads an external tensor's bytes through the context's source: exactly the range it needs. */
function externalBytes(t: TensorProto, ctx: TensorContext): Uint8Array {
  const label = t.name ? `tensor '${t.name}'` : 'an unnamed tensor';
  const range = externalRange(t, ctx.loc);
  if (!ctx.external) throw modelError(`${label} is stored in external file '${range.location}', which cannot be read here`, ctx.loc);
  let bytes: Uint8Array;
  try {
    bytes = ctx.external.read(range);
  } catch (e) {
    // keep the source's message (e.g. "not found") but point at the node that needs the tensor
    if (e instanceof ReluLensError) throw new ReluLensError(e.kind, e.message, { ...e.location, ...ctx.loc });
    throw modelError(`cannot read external data file '${range.location}' for ${label} (${e instanceof Error ? e.message : String(e)})`, ctx.loc);
  }
  if (bytes.length !== range.length)
    throw modelError(`${label}: external data file '${range.location}' gave ${bytes.length} bytes instead of ${range.length}`, ctx.loc);
  return bytes;
}

function parseSize(s: string): number | null {
  if (!/^\d{1,16}$/.test(s.trim())) return null;
  const n = Number(s.trim());
  return Number.isSafeInteger(n) ? n : null;
}

/** Kept here for existing importers; the rule lives with the file layer (src/core/io/external.ts). */
export { safeRelativePath };
