/**
 * Cross-check against onnxruntime: run the original file and compare its output with the canonical
 * network (forward + head) on the same inputs. This is what guarantees that the weights the
 * certificate talks about are the weights of the user's model (a misread transB, a missed Scaler or
 * an ignored attribute shows up here, not as a wrong certificate).
 * onnxruntime-node is loaded lazily so importing the reader (and activating the extension) stays cheap.
 */
import { makeRng } from '../random';
import { dataError } from '../errors';
import { applyHead, forward, type CanonicalModel } from '../model';
import type { Mat } from '../linalg/mat';
import { decodeModelProto, encodeModelProto, type ModelProto } from './proto';
import { DT, halfToDouble, safeRelativePath } from './tensor';

/**
 * Agreement required between onnxruntime and the float64 canonical network, per element type of
 * the computation:
 *   tolerance = max(ORT_RELATIVE_TOLERANCE[t] · (1 + max|output|), 2·u[t]·√(d+m) · magnitude)
 * The first term is the everyday one (float32: 1e-4 relative to the output size). The second
 * covers wide layers whose terms cancel: magnitude bounds |W2|·(|W1|·|x| + |b1|) + |b2|, the size
 * of what onnxruntime accumulates, and √(d+m)·u is the typical growth of rounding error in sums of
 * that length (u = unit roundoff). A misread weight (transB, a missed Scaler) is off by O(1).
 */
export const ORT_RELATIVE_TOLERANCE = { float16: 1e-2, float32: 1e-4, float64: 1e-9 } as const;
const UNIT_ROUNDOFF = { float16: 2 ** -11, float32: 2 ** -24, float64: 2 ** -53 } as const;

/** Rows of user data fed to onnxruntime at most: the check is about the weights, not the data. */
export const MAX_CHECK_ROWS = 256;
const GENERATED_ROWS = 64;

export interface CrossCheckOptions {
  /** model file on disk: external data files are read from its folder (default: model.file) */
  modelPath?: string;
  /** bytes of an external data file, path relative to the model's folder (preferred over modelPath) */
  readExternal?: (relPath: string) => Uint8Array;
  seed?: number;
  maxRows?: number;
  /** onnxruntime module to use instead of loading onnxruntime-node; null behaves as if it failed to load */
  ort?: Ort | null;
}

/**
 * ok:false with a number in maxAbsDiff: the extracted weights do not reproduce the model.
 * ok:false with maxAbsDiff null: onnxruntime could not run it (see warning), nothing was compared.
 * ok:true with maxAbsDiff null: onnxruntime-node is unavailable, the check was skipped (warning).
 */
export interface CrossCheckResult {
  ok: boolean;
  maxAbsDiff: number | null;
  /** the bound maxAbsDiff had to stay within (see ORT_RELATIVE_TOLERANCE) */
  tolerance: number;
  inputs: 'data' | 'generated';
  warning?: string;
}

type Ort = typeof import('onnxruntime-node');

function loadOrt(): Ort | null {
  try {
    return require('onnxruntime-node') as Ort;
  } catch {
    return null;
  }
}

/**
 * double → IEEE half bits, rounding to nearest even via float32 (for float16 inputs). Both sides of
 * the cross-check use this same rounding, so its rare double-rounding ties cannot cause a mismatch.
 */
export function doubleToHalfBits(v: number): number {
  const f32 = new Float32Array(1);
  const u32 = new Uint32Array(f32.buffer);
  f32[0] = v;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half++;
  return sign | half;
}

/** Rounds inputs to what onnxruntime will actually receive, so both sides see identical numbers. */
function roundTo(dtype: CanonicalModel['inputDtype'], X: Mat): Mat {
  const data = new Float64Array(X.data.length);
  for (let i = 0; i < data.length; i++) {
    const v = X.data[i];
    data[i] = dtype === 'float32' ? Math.fround(v) : dtype === 'float16' ? halfToDouble(doubleToHalfBits(v)) : v;
  }
  return { rows: X.rows, cols: X.cols, data };
}

/** Concrete input dims for `rows` samples, honouring 1-D inputs, image shapes and fixed batch dims. */
function feedShape(model: CanonicalModel, rows: number, vectorIfUnknown: boolean): { dims: number[]; batch: number | null } {
  const s = model.input.shape;
  if (s.length === 0) return vectorIfUnknown ? { dims: [model.d], batch: 1 } : { dims: [rows, model.d], batch: null };
  if (s.length === 1) return { dims: [model.d], batch: 1 };
  const feat = s.slice(1);
  const known = feat.reduce<number>((a, v) => (typeof v === 'number' ? a * v : a), 1);
  let filled = false;
  const dims = feat.map((v) => {
    if (typeof v === 'number') return v;
    // the first symbolic feature dim takes what is left of d; later ones are 1
    if (!filled) { filled = true; return Math.max(1, Math.round(model.d / known)); }
    return 1;
  });
  const batch = typeof s[0] === 'number' ? s[0] : null;
  return { dims: [batch ?? rows, ...dims], batch };
}

function magnitude(model: CanonicalModel, X: Mat): number {
  const { W1, b1, W2, b2, m, d, c } = model;
  let mag = 0;
  const h = new Float64Array(m);
  for (let i = 0; i < X.rows; i++) {
    for (let j = 0; j < m; j++) {
      let s = b1 ? Math.abs(b1[j]) : 0;
      for (let k = 0; k < d; k++) s += Math.abs(W1.data[j * d + k] * X.data[i * d + k]);
      h[j] = s;
    }
    for (let k = 0; k < c; k++) {
      let s = b2 ? Math.abs(b2[k]) : 0;
      for (let j = 0; j < m; j++) s += Math.abs(W2.data[k * m + j]) * h[j];
      mag = Math.max(mag, s);
    }
  }
  return mag;
}

const ELEM: Record<string, number> = { float32: DT.FLOAT, float64: DT.DOUBLE, float16: DT.FLOAT16 };

/**
 * The bytes onnxruntime will load: the original model, plus the compare tensor as a graph output
 * when it is an intermediate tensor. Also lists the external data files the model refers to, which
 * are handed to onnxruntime in memory (it refuses to resolve paths for a model given as bytes).
 */
function prepareModel(bytes: Uint8Array, model: CanonicalModel): { bytes: Uint8Array; externalFiles: string[] } {
  const proto: ModelProto = decodeModelProto(bytes);
  const g = proto.graph!;
  const externalFiles = new Set<string>();
  for (const t of g.initializer)
    if (t.data_location === 1) {
      const loc = t.external_data.find((e) => e.key === 'location')?.value;
      if (loc) externalFiles.add(loc);
    }
  if (g.output.some((o) => o.name === model.compareTensor.name)) return { bytes, externalFiles: [...externalFiles] };
  g.output.push({ name: model.compareTensor.name, type: { tensor_type: { elem_type: ELEM[model.dtype] } } });
  return { bytes: encodeModelProto(proto), externalFiles: [...externalFiles] };
}

async function externalData(files: string[], opts: CrossCheckOptions, modelFile: string): Promise<{ path: string; data: Uint8Array }[] | string> {
  const out: { path: string; data: Uint8Array }[] = [];
  const modelPath = opts.modelPath ?? modelFile;
  for (const loc of files) {
    const rel = safeRelativePath(loc);
    if (!rel) return `external data path '${loc}' leaves the model's folder`;
    if (opts.readExternal) {
      out.push({ path: loc, data: opts.readExternal(rel) });
      continue;
    }
    const fs = await import('node:fs');
    const path = await import('node:path');
    const full = modelPath ? path.join(path.dirname(modelPath), rel) : '';
    if (!full || !fs.existsSync(full))
      return `the model keeps weights in external file '${rel}', which was not found: pass modelPath or readExternal`;
    out.push({ path: loc, data: fs.readFileSync(full) });
  }
  return out;
}

export async function crossCheck(
  model: CanonicalModel,
  bytes: Uint8Array,
  X?: Mat,
  opts: CrossCheckOptions = {},
): Promise<CrossCheckResult> {
  const coarse = model.dtype === 'float16' || model.inputDtype === 'float16' ? 'float16' : model.dtype === 'float64' && model.inputDtype === 'float64' ? 'float64' : 'float32';
  const rel = ORT_RELATIVE_TOLERANCE[coarse];
  const inputs: CrossCheckResult['inputs'] = X ? 'data' : 'generated';
  if (X && X.cols !== model.d)
    throw dataError(`the data has ${X.cols} columns but the model expects ${model.d} inputs`);
  let Xin: Mat;
  if (X) {
    const n = Math.min(X.rows, opts.maxRows ?? MAX_CHECK_ROWS);
    Xin = { rows: n, cols: X.cols, data: X.data.slice(0, n * X.cols) };
  } else {
    const rnd = makeRng(opts.seed ?? 12345);
    const data = new Float64Array(GENERATED_ROWS * model.d);
    for (let i = 0; i < data.length; i++) data[i] = 4 * rnd() - 2;
    Xin = { rows: GENERATED_ROWS, cols: model.d, data };
  }
  Xin = roundTo(model.inputDtype, Xin);
  let expected = forward(model, Xin);
  if (model.compareTensor.afterHead) expected = applyHead(model.head, expected);
  let maxOut = 0;
  for (const v of expected.data) maxOut = Math.max(maxOut, Math.abs(v));
  const tolerance = Math.max(
    rel * (1 + maxOut),
    2 * UNIT_ROUNDOFF[coarse] * Math.sqrt(model.d + model.m) * magnitude(model, Xin),
  );

  const ort = opts.ort !== undefined ? opts.ort : loadOrt();
  if (!ort)
    return { ok: true, maxAbsDiff: null, tolerance, inputs, warning: 'onnxruntime-node could not be loaded: the extracted weights were not cross-checked' };

  let got: Float64Array;
  try {
    const prepared = prepareModel(bytes, model);
    const ext = prepared.externalFiles.length ? await externalData(prepared.externalFiles, opts, model.file) : [];
    if (typeof ext === 'string') return { ok: false, maxAbsDiff: null, tolerance, inputs, warning: ext };
    const session = await ort.InferenceSession.create(prepared.bytes, ext.length ? { externalData: ext } : {});
    try {
      try {
        got = await runAll(ort, session, model, Xin);
      } catch (e) {
        // no declared input shape: [batch, d] failed, so try single 1-D samples (nnet-style graphs)
        if (model.input.shape.length !== 0) throw e;
        got = await runAll(ort, session, model, Xin, true);
      }
    } finally {
      await session.release();
    }
  } catch (e) {
    return { ok: false, maxAbsDiff: null, tolerance, inputs, warning: `onnxruntime could not run the model: ${e instanceof Error ? e.message : String(e)}` };
  }
  if (got.length !== expected.data.length)
    return {
      ok: false, maxAbsDiff: null, tolerance, inputs,
      warning: `onnxruntime returned ${got.length} values for '${model.compareTensor.name}', expected ${expected.rows}×${expected.cols}`,
    };
  let maxAbsDiff = 0;
  for (let i = 0; i < got.length; i++) {
    const diff = Math.abs(got[i] - expected.data[i]);
    // NaN on either side is a disagreement, never silently "0 difference"
    maxAbsDiff = Number.isNaN(diff) ? Infinity : Math.max(maxAbsDiff, diff);
  }
  return { ok: maxAbsDiff <= tolerance, maxAbsDiff, tolerance, inputs };
}

/** Runs all rows, in one batch when the batch dim is free, else in chunks of the fixed batch size. */
async function runAll(
  ort: Ort,
  session: import('onnxruntime-node').InferenceSession,
  model: CanonicalModel,
  X: Mat,
  vectorIfUnknown = false,
): Promise<Float64Array> {
  const { dims, batch } = feedShape(model, X.rows, vectorIfUnknown);
  const chunk = batch ?? X.rows;
  const out = new Float64Array(X.rows * model.c);
  for (let start = 0; start < X.rows; start += chunk) {
    const rows = Math.min(chunk, X.rows - start);
    const n = chunk * model.d;
    const src = new Float64Array(n);
    // a short last chunk is padded by repeating its last row; the padded outputs are dropped
    for (let r = 0; r < chunk; r++) {
      const from = (start + Math.min(r, rows - 1)) * model.d;
      src.set(X.data.subarray(from, from + model.d), r * model.d);
    }
    const tensor =
      model.inputDtype === 'float64'
        ? new ort.Tensor('float64', src, dims)
        : model.inputDtype === 'float16'
          ? new ort.Tensor('float16', Uint16Array.from(src, doubleToHalfBits), dims)
          : new ort.Tensor('float32', Float32Array.from(src), dims);
    const res = await session.run({ [model.input.name]: tensor }, [model.compareTensor.name]);
    const t = res[model.compareTensor.name];
    const vals = t.type === 'float16' ? Array.from(t.data as Uint16Array, halfToDouble) : Array.from(t.data as ArrayLike<number>);
    if (vals.length !== chunk * model.c) return Float64Array.from(vals); // size mismatch reported by the caller
    out.set(vals.slice(0, rows * model.c), start * model.c);
  }
  return out;
}
