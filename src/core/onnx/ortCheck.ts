/**
 * Cross-check against onnxruntime: run the original file and compare its output with the canonical
 * network (forward + head) on the same inputs. This is what guarantees that the weights the
 * certificate talks about are the weights of the user's model (a misread transB, a missed Scaler or
 * an ignored attribute shows up here, not as a wrong certificate).
 * onnxruntime-node is loaded lazily so importing the reader (and activating the extension) stays cheap.
 */
import { makeRng } from '../random';
import { ReluLensError, dataError, modelError } from '../errors';
import { applyHead, forward, type CanonicalModel } from '../model';
import type { Mat } from '../linalg/mat';
import { decodeModelProto, encodeModelProto, type ModelProto } from './proto';
import { DT, externalRange, halfToDouble } from './tensor';
import { callbackSource, type ExternalSource } from '../io/external';
import { hasExternalLeft, listExternal } from './external';

/**
 * Agreement required between onnxruntime and the float64 canonical network. The tolerance depends
 * on the element type onnxruntime computes in (the coarsest of the weights' and the input's, see
 * checkPrecision) and is scaled to the size of the numbers involved, never absolute: a misread
 * weight (transB, a missed Scaler, an ignored alpha) is off by O(output), which every bound below
 * rejects, while onnxruntime's own rounding stays well inside it. crossToleranceFor() applies them;
 * the result reports the tolerance and the rule that gave it (CrossCheckResult.toleranceRule).
 *
 * "Accumulated size" = max(max |output|, magnitude), where magnitude bounds
 * |W2|·(|W1|·|x| + |b1|) + |b2| over the inputs checked: no partial sum onnxruntime forms is larger,
 * so every rounding it makes is at most one ulp of it.
 */

/**
 * float64: relative to the accumulated size. onnxruntime's float64 rounding is ~1e-16·√(d+m), far
 * below; a reader that silently narrowed float64 weights to float32 (~6e-8 relative) is still caught.
 */
export const FLOAT64_RELATIVE_TOLERANCE = 1e-9;

/**
 * float32: ulps (2^-23) of the accumulated size. Measured with onnxruntime 1.30: ≤ 3 ulps of the
 * largest output on the real fixtures, and 4.2 ulps of the accumulated size in the worst case tried
 * (784-wide layer, all weights and inputs positive, so no partial sum cancels); 16 leaves room for
 * other kernels' summation orders while staying ~1e-6 relative.
 */
export const FLOAT32_TOLERANCE_ULPS = 16;

/**
 * float16: ulps (2^-10; the float16 ulp at magnitude x is about x·2^-10) of the largest output.
 * Measured with onnxruntime 1.30's CPU provider on float16 copies of the real fixtures (784 wide
 * included): ≤ 0.5 ulp, i.e. the graph is computed in float32 and only the output is rounded to
 * float16. 8 leaves room for kernels that also round the hidden layer or accumulate in float16,
 * while an error of 0.1 of the output (~100 ulps) is rejected. The float32 term
 * (FLOAT32_TOLERANCE_ULPS of the accumulated size) is added for the float32 computation underneath,
 * so strong cancellation there is not mistaken for a misread weight.
 */
export const FLOAT16_TOLERANCE_ULPS = 8;

/** Distance from 1 to the next representable number (one ulp at magnitude 1), per element type. */
export const ULP_AT_ONE = { float16: 2 ** -10, float32: 2 ** -23, float64: 2 ** -52 } as const;

/**
 * Smallest normal number per element type: the accumulated size never counts as less, so outputs
 * that are all (almost) zero get a tolerance of a few subnormal ulps instead of exactly 0.
 */
export const SMALLEST_NORMAL = { float16: 2 ** -14, float32: 2 ** -126, float64: 2 ** -1022 } as const;

export type CheckPrecision = keyof typeof ULP_AT_ONE;

/** The element type onnxruntime computes in: the coarsest of the weights' and the input's. */
export function checkPrecision(model: Pick<CanonicalModel, 'dtype' | 'inputDtype'>): CheckPrecision {
  if (model.dtype === 'float16' || model.inputDtype === 'float16') return 'float16';
  return model.dtype === 'float64' && model.inputDtype === 'float64' ? 'float64' : 'float32';
}

const fmt = (v: number) => v.toPrecision(3);

/**
 * The tolerance for a check in `precision` whose largest |output| is maxOut and whose accumulated
 * terms are bounded by magnitude (see above), with the rule in words for the user.
 */
export function crossToleranceFor(precision: CheckPrecision, maxOut: number, magnitude: number): { tolerance: number; rule: string } {
  const accumulated = Math.max(maxOut, magnitude, SMALLEST_NORMAL[precision]);
  const f32 = FLOAT32_TOLERANCE_ULPS * ULP_AT_ONE.float32 * Math.max(accumulated, SMALLEST_NORMAL.float32);
  const f32Rule = `${FLOAT32_TOLERANCE_ULPS} float32 ulps of the accumulated size ${fmt(accumulated)}`;
  if (precision === 'float64')
    return {
      tolerance: FLOAT64_RELATIVE_TOLERANCE * accumulated,
      rule: `float64: ${FLOAT64_RELATIVE_TOLERANCE} × the accumulated size ${fmt(accumulated)}`,
    };
  if (precision === 'float32') return { tolerance: f32, rule: `float32: ${f32Rule}` };
  const out = Math.max(maxOut, SMALLEST_NORMAL.float16);
  return {
    tolerance: FLOAT16_TOLERANCE_ULPS * ULP_AT_ONE.float16 * out + f32,
    rule: `float16: ${FLOAT16_TOLERANCE_ULPS} float16 ulps of the largest output ${fmt(out)} + ${f32Rule}`,
  };
}

/** Rows of user data fed to onnxruntime at most: the check is about the weights, not the data. */
export const MAX_CHECK_ROWS = 256;
const GENERATED_ROWS = 64;

export interface CrossCheckOptions {
  /**
   * External data, range by range (preferred; readModelFile returns the one it read through, so
   * nothing is read twice). Only the ranges of tensors some node uses are read.
   */
  external?: ExternalSource;
  /** model file on disk: external data is read from its folder through the file layer (default: model.file) */
  modelPath?: string;
  /** older form: bytes of a whole external data file, path relative to the model's folder (preferred over modelPath) */
  readExternal?: (relPath: string) => Uint8Array;
  seed?: number;
  maxRows?: number;
  /** onnxruntime module to use instead of loading onnxruntime-node; null behaves as if it failed to load */
  ort?: Ort | null;
}

/**
 * ok:false with a number in maxAbsDiff: the extracted weights do not reproduce the model.
 * ok:false with maxAbsDiff null: nothing was compared; ortError holds onnxruntime's own error text
 * when it could not load or run the model, warning says what went wrong in every case.
 * ok:true with maxAbsDiff null: onnxruntime-node is unavailable, the check was skipped (warning).
 * crossCheckRefusal() turns a failed result into the one-line error the CLI and the extension show.
 */
export interface CrossCheckResult {
  ok: boolean;
  maxAbsDiff: number | null;
  /** the bound maxAbsDiff had to stay within (see crossToleranceFor) */
  tolerance: number;
  /** how tolerance was set, in words, e.g. "float16: 8 float16 ulps of the largest output 2.70 + …" */
  toleranceRule: string;
  /** the element type onnxruntime computes in, which chose the rule */
  precision: CheckPrecision;
  inputs: 'data' | 'generated';
  warning?: string;
  /** onnxruntime's error message (on one line) when it could not load or run the model */
  ortError?: string;
}

/**
 * The error to refuse the model with when the check failed (null when it passed or was skipped):
 * one line, onnxruntime's own words when it could not run the model, never a "differs by null".
 */
export function crossCheckRefusal(r: CrossCheckResult, file: string): ReluLensError | null {
  if (r.ok) return null;
  if (r.maxAbsDiff !== null)
    return modelError(
      `the extracted weights do not reproduce the model: onnxruntime differs by ${r.maxAbsDiff.toPrecision(3)} ` +
        `(tolerance ${r.tolerance.toPrecision(3)}, ${r.toleranceRule}) on ${r.inputs} inputs`,
      { file },
    );
  if (r.ortError !== undefined)
    return modelError(`onnxruntime could not run the model, so the extracted weights could not be cross-checked: ${r.ortError}`, { file });
  return modelError(`the extracted weights could not be cross-checked against onnxruntime: ${r.warning ?? 'no reason given'}`, { file });
}

/**
 * onnxruntime's message on one line: whitespace runs collapsed, and the C++ source location it
 * prefixes to some errors ("/onnxruntime_src/…/model.cc:202 onnxruntime::Model::Model(…) ") dropped.
 * Everything after that is onnxruntime's own text, unchanged.
 */
export function ortMessage(e: unknown): string {
  let s = (e instanceof Error ? e.message : String(e)).replace(/\s+/g, ' ').trim();
  const loc = /^\S+\.(?:cc|cpp|cxx|h|hpp):\d+ (?:[\w:~<>,*&]+\([^()]*\)(?: const)? )?/.exec(s);
  if (loc && loc[0].length < s.length) s = s.slice(loc[0].length);
  return s || 'no message';
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
  const e = exp - 127 + 15;
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
function roundTo(dtype: CheckPrecision, X: Mat): Mat {
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
    if (!filled) {
      filled = true;
      return Math.max(1, Math.round(model.d / known));
    }
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
 * when it is an intermediate tensor, with every external reference resolved here, never by
 * onnxruntime:
 *   - a tensor some node uses gets its bytes inlined as raw_data, read through `external` (the file
 *     layer: contained, regular file, exactly its range, within MAX_EXTERNAL_BYTES);
 *   - an initializer no node uses is dropped (with its graph input, old-IR style), never read;
 *     onnxruntime would drop it too ("Removing initializer … not used by any node").
 * What onnxruntime receives therefore names no file at all (checked: anything still external is
 * refused), so its own path handling never comes into play. Loaded from bytes it refuses external
 * paths anyway ("model_path must not be empty", onnxruntime 1.30), but the original code handed it
 * every file the initializers named, read whole and without containment.
 */
function prepareModel(bytes: Uint8Array, model: CanonicalModel, src: ExternalSource | string): Uint8Array | string {
  const proto: ModelProto = decodeModelProto(bytes);
  const g = proto.graph!;
  const list = listExternal(proto, model.file);
  let changed = false;
  const drop = new Set<object>();
  for (const x of list) {
    changed = true;
    if (!x.used && x.graph) {
      drop.add(x.proto);
      continue;
    }
    if (typeof src === 'string') return src;
    const range = externalRange(x.proto, x.loc);
    let data: Uint8Array;
    try {
      data = src.read(range);
    } catch (e) {
      if (e instanceof ReluLensError) throw new ReluLensError(e.kind, e.message, { ...e.location, ...x.loc });
      throw e;
    }
    if (data.length !== range.length) throw modelError(`external data for tensor '${range.tensor}' has ${data.length} bytes, expected ${range.length}`, x.loc);
    x.proto.raw_data = data;
    x.proto.data_location = 0;
    x.proto.external_data = [];
  }
  if (drop.size) {
    for (const gr of new Set(list.filter((x) => drop.has(x.proto)).map((x) => x.graph!))) {
      const names = new Set(gr.initializer.filter((t) => drop.has(t)).map((t) => t.name));
      gr.initializer = gr.initializer.filter((t) => !drop.has(t));
      type Sparse = { values?: object; indices?: object };
      gr.sparse_initializer = (gr.sparse_initializer as Sparse[]).filter((sp) => {
        const gone = (sp.values && drop.has(sp.values)) || (sp.indices && drop.has(sp.indices));
        if (gone) names.add((sp.values as { name?: string })?.name ?? '');
        return !gone;
      });
      gr.input = gr.input.filter((v) => !names.has(v.name));
    }
  }
  if (changed && hasExternalLeft(proto))
    throw modelError('the model keeps data externally in a place the reader does not resolve: refused', { file: model.file });
  if (!g.output.some((o) => o.name === model.compareTensor.name))
    g.output.push({ name: model.compareTensor.name, type: { tensor_type: { elem_type: ELEM[model.dtype] } } });
  else if (!changed) return bytes;
  return encodeModelProto(proto);
}

/** Where the cross-check reads external data from: the caller's source, else the model's folder on disk. */
async function externalSource(opts: CrossCheckOptions, modelFile: string): Promise<ExternalSource | string> {
  if (opts.external) return opts.external;
  if (opts.readExternal) return callbackSource(opts.readExternal);
  const modelPath = opts.modelPath ?? modelFile;
  if (!modelPath) return 'the model keeps weights in external files, which cannot be read: pass external or modelPath';
  const { ModelFolder } = await import('../io/files');
  return new ModelFolder(modelPath);
}

export async function crossCheck(model: CanonicalModel, bytes: Uint8Array, X?: Mat, opts: CrossCheckOptions = {}): Promise<CrossCheckResult> {
  const precision = checkPrecision(model);
  const inputs: CrossCheckResult['inputs'] = X ? 'data' : 'generated';
  if (X && X.cols !== model.d) throw dataError(`the data has ${X.cols} columns but the model expects ${model.d} inputs`);
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
  // the first layer sees the input in the coarser of its own and the weights' type (a Cast in the
  // graph): rounding to that here makes every Cast exact, so both sides start from the same numbers
  Xin = roundTo(precision, Xin);
  let expected = forward(model, Xin);
  if (model.compareTensor.afterHead) expected = applyHead(model.head, expected);
  let maxOut = 0;
  for (const v of expected.data) maxOut = Math.max(maxOut, Math.abs(v));
  const { tolerance, rule: toleranceRule } = crossToleranceFor(precision, maxOut, magnitude(model, Xin));
  const base = { tolerance, toleranceRule, precision, inputs };

  const ort = opts.ort !== undefined ? opts.ort : loadOrt();
  if (!ort) return { ok: true, maxAbsDiff: null, ...base, warning: 'onnxruntime-node could not be loaded: the extracted weights were not cross-checked' };

  const why = (e: unknown) =>
    e instanceof ReluLensError
      ? `${e.location.node ? `node ${e.location.node.opType} '${e.location.node.name}': ` : ''}${e.message}`
      : e instanceof Error
        ? e.message
        : String(e);
  let prepared: Uint8Array | string;
  const source = await externalSource(opts, model.file);
  try {
    prepared = prepareModel(bytes, model, source);
  } catch (e) {
    const what = e instanceof ReluLensError ? `the model's external data could not be read` : `the model could not be prepared for onnxruntime`;
    return { ok: false, maxAbsDiff: null, ...base, warning: `${what}: ${why(e)}` };
  }
  if (typeof prepared === 'string') return { ok: false, maxAbsDiff: null, ...base, warning: prepared };
  let got: Float64Array;
  try {
    // no externalData option: nothing in `prepared` refers to a file
    const session = await ort.InferenceSession.create(prepared);
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
    const ortError = ortMessage(e);
    return { ok: false, maxAbsDiff: null, ...base, ortError, warning: `onnxruntime could not run the model: ${ortError}` };
  }
  if (got.length !== expected.data.length)
    return {
      ok: false,
      maxAbsDiff: null,
      ...base,
      warning: `onnxruntime returned ${got.length} values for '${model.compareTensor.name}', expected ${expected.rows}×${expected.cols}`,
    };
  let maxAbsDiff = 0;
  for (let i = 0; i < got.length; i++) {
    const diff = Math.abs(got[i] - expected.data[i]);
    // NaN on either side is a disagreement, never silently "0 difference"
    maxAbsDiff = Number.isNaN(diff) ? Infinity : Math.max(maxAbsDiff, diff);
  }
  return { ok: maxAbsDiff <= tolerance, maxAbsDiff, ...base };
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
