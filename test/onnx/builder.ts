/**
 * Minimal ONNX model builder for tests: plain objects encoded with the reader's own schema, so every
 * storage quirk (raw_data, float_data, double_data, float16 bits in int32_data, external data,
 * Constant nodes) can be produced on purpose.
 */
import { modelProtoType } from '../../src/core/onnx/proto';
import { doubleToHalfBits } from '../../src/core/onnx/ortCheck';

export const FLOAT = 1,
  INT8 = 3,
  INT64 = 7,
  FLOAT16 = 10,
  DOUBLE = 11;

export type Storage = 'raw' | 'float_data' | 'double_data' | 'int32_f16' | 'int64_data';

export interface TensorObj {
  name: string;
  dims: number[];
  data_type: number;
  raw_data?: Uint8Array;
  float_data?: number[];
  double_data?: number[];
  int32_data?: number[];
  int64_data?: number[];
  data_location?: number;
  external_data?: { key: string; value: string }[];
}

/** Little-endian bytes of `values` in `dataType`. */
export function leBytes(values: number[], dataType: number): Uint8Array {
  const size = dataType === DOUBLE || dataType === INT64 ? 8 : dataType === FLOAT16 ? 2 : dataType === INT8 ? 1 : 4;
  const out = new Uint8Array(values.length * size);
  const dv = new DataView(out.buffer);
  values.forEach((v, i) => {
    if (dataType === DOUBLE) dv.setFloat64(8 * i, v, true);
    else if (dataType === INT64) dv.setBigInt64(8 * i, BigInt(v), true);
    else if (dataType === FLOAT16) dv.setUint16(2 * i, doubleToHalfBits(v), true);
    else if (dataType === INT8) dv.setInt8(i, v);
    else dv.setFloat32(4 * i, v, true);
  });
  return out;
}

export function tensor(name: string, dims: number[], values: number[], dataType = FLOAT, storage: Storage = 'raw'): TensorObj {
  const t: TensorObj = { name, dims, data_type: dataType };
  if (storage === 'raw') t.raw_data = leBytes(values, dataType);
  else if (storage === 'float_data') t.float_data = values;
  else if (storage === 'double_data') t.double_data = values;
  else if (storage === 'int64_data') t.int64_data = values;
  else t.int32_data = values.map(doubleToHalfBits);
  return t;
}

/** A tensor whose bytes live in an external file at `offset`. */
export function externalTensor(name: string, dims: number[], location: string, offset: number, length: number): TensorObj {
  return {
    name,
    dims,
    data_type: FLOAT,
    data_location: 1,
    external_data: [
      { key: 'location', value: location },
      { key: 'offset', value: String(offset) },
      { key: 'length', value: String(length) },
    ],
  };
}

type AttrValue = number | number[] | string | TensorObj | { ints: number[] } | { int: number } | { f: number };

function attribute(name: string, v: AttrValue): object {
  if (typeof v === 'string') return { name, type: 3, s: new TextEncoder().encode(v) };
  if (typeof v === 'number')
    return Number.isInteger(v) && !name.startsWith('alpha') && !name.startsWith('beta') && !name.startsWith('value_float')
      ? { name, type: 2, i: v }
      : { name, type: 1, f: v };
  if (Array.isArray(v)) return { name, type: 6, floats: v };
  if ('ints' in v) return { name, type: 7, ints: v.ints };
  if ('int' in v) return { name, type: 2, i: v.int };
  if ('f' in v) return { name, type: 1, f: v.f };
  return { name, type: 4, t: v };
}

export interface NodeObj {
  op_type: string;
  input: string[];
  output: string[];
  name: string;
  domain: string;
  attribute: object[];
}

export function node(op: string, input: string[], output: string[], attrs: Record<string, AttrValue> = {}, name = '', domain = ''): NodeObj {
  return { op_type: op, input, output, name, domain, attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)) };
}

export interface IO {
  name: string;
  elemType?: number;
  shape?: (number | string)[] | null;
  rawType?: object;
}

function valueInfo(v: IO): object {
  if (v.rawType) return { name: v.name, type: v.rawType };
  const tensorType: Record<string, unknown> = { elem_type: v.elemType ?? FLOAT };
  if (v.shape !== null && v.shape !== undefined) tensorType.shape = { dim: v.shape.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) };
  return { name: v.name, type: { tensor_type: tensorType } };
}

export interface ModelSpec {
  nodes: NodeObj[];
  inits?: TensorObj[];
  inputs: IO[];
  outputs: IO[];
  opset?: number;
  irVersion?: number;
  mlOpset?: number;
  producer?: string;
  metadata?: Record<string, string>;
}

export function buildModel(spec: ModelSpec): Uint8Array {
  const opsets: object[] = [{ domain: '', version: spec.opset ?? 13 }];
  if (spec.mlOpset) opsets.push({ domain: 'ai.onnx.ml', version: spec.mlOpset });
  const obj = {
    ir_version: spec.irVersion ?? 7,
    producer_name: spec.producer ?? 'relu-lens-test',
    producer_version: '0',
    opset_import: opsets,
    metadata_props: Object.entries(spec.metadata ?? {}).map(([key, value]) => ({ key, value })),
    graph: {
      name: 'g',
      node: spec.nodes,
      initializer: spec.inits ?? [],
      input: spec.inputs.map(valueInfo),
      output: spec.outputs.map(valueInfo),
    },
  };
  const T = modelProtoType();
  return T.encode(T.fromObject(obj)).finish();
}

/** Deterministic pseudo-random values in [-1, 1) for weights. */
export function rand(n: number, seed: number): number[] {
  let a = seed >>> 0;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out.push((((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1);
  }
  return out;
}

/** Values rounded to float32, so expected float64 weights compare exactly. */
export const f32 = (v: number[]) => v.map(Math.fround);
