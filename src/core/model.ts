import { type Mat, zeros } from './linalg/mat';

/**
 * The canonical two-layer ReLU network every reader produces (MATH.md §1):
 *   f(x) = W2 · relu(W1 · pre(x) + b1) + b2, then the output head.
 * W1 is m×d (row j = neuron j's input weights u_j), W2 is c×m (column j = v_j).
 * Weights are float64 copies of what the file stores (float32/float16 widened exactly).
 */
export type HeadKind = 'none' | 'softmax' | 'sigmoid' | 'logsoftmax' | 'sklearn-postprocess';

export interface OutputHead {
  kind: HeadKind;
  /** ONNX node names (op_type:name) that make up the head, in order. */
  nodes: string[];
  /** Softmax/LogSoftmax axis when present. */
  axis?: number;
  /**
   * 'sklearn-postprocess' only: the Sigmoid/Softmax skl2onnx puts on the logits before its
   * label/probability ops (MLPClassifier), which decides the default loss as a plain head would.
   */
  probability?: 'sigmoid' | 'softmax' | 'logsoftmax';
  /**
   * 'sklearn-postprocess' only: the estimator's classes_ in output order (skl2onnx's ZipMap labels
   * or ArrayFeatureExtractor `classes`). Training labels are these values; the loss wants their
   * positions 0…c−1 (the load pipeline maps them, src/core/pipeline/classes.ts).
   */
  classes?: (number | string)[];
}

/** x ↦ (x − offset) ⊙ scale, applied before layer 1 (skl2onnx Scaler, or the user's scaler). */
export interface AffineInput {
  offset: Float64Array;
  scale: Float64Array;
  /** where it came from: 'onnx:Scaler:<name>' or 'user' */
  source: string;
}

export interface CanonicalModel {
  /** path as given by the user */
  file: string;
  d: number;
  m: number;
  c: number;
  W1: Mat;
  b1: Float64Array | null;
  W2: Mat;
  b2: Float64Array | null;
  head: OutputHead;
  /**
   * Preprocessing found in the graph. A Scaler is already folded into W1/b1 (so the canonical
   * network acts on raw inputs); it is recorded here so the UI can say so.
   */
  foldedPreprocessing: AffineInput[];
  /** element type of the weights as stored */
  dtype: 'float32' | 'float64' | 'float16';
  /** element type of the graph input */
  inputDtype: 'float32' | 'float64' | 'float16';
  producer: { name: string; version: string };
  opset: number;
  irVersion: number;
  input: { name: string; shape: (number | string | null)[] };
  output: { name: string; shape: (number | string | null)[] };
  /**
   * Tensor to compare against onnxruntime: the graph output when onnxruntime can return it,
   * else the last tensor before the part it cannot return (e.g. before ZipMap).
   */
  compareTensor: { name: string; afterHead: boolean };
  /** ONNX node names (as `OpType 'name'`) for each part, to point back into the file. */
  nodeMap: { preprocess: string[]; layer1: string[]; relu: string[]; layer2: string[]; head: string[] };
  metadata: Record<string, string>;
}

/** Hidden pre-activations Z = X·W1ᵀ + b1 (n×m). */
export function preActivations(model: Pick<CanonicalModel, 'W1' | 'b1'>, X: Mat): Mat {
  const { W1, b1 } = model;
  const n = X.rows,
    d = X.cols,
    m = W1.rows;
  if (W1.cols !== d) throw new RangeError(`preActivations: data has ${d} columns, W1 expects ${W1.cols}`);
  const Z = zeros(n, m);
  for (let i = 0; i < n; i++) {
    const xo = i * d;
    for (let j = 0; j < m; j++) {
      let s = b1 ? b1[j] : 0;
      const wo = j * d;
      for (let k = 0; k < d; k++) s += X.data[xo + k] * W1.data[wo + k];
      Z.data[i * m + j] = s;
    }
  }
  return Z;
}

/** F = relu(X·W1ᵀ + b1)·W2ᵀ + b2 (n×c), before any output head. */
export function forward(model: Pick<CanonicalModel, 'W1' | 'b1' | 'W2' | 'b2'>, X: Mat): Mat {
  const Z = preActivations(model, X);
  const { W2, b2 } = model;
  const n = X.rows,
    m = W2.cols,
    c = W2.rows;
  const F = zeros(n, c);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < c; k++) {
      let s = b2 ? b2[k] : 0;
      for (let j = 0; j < m; j++) {
        const z = Z.data[i * m + j];
        if (z > 0) s += W2.data[k * m + j] * z;
      }
      F.data[i * c + k] = s;
    }
  }
  return F;
}

/** Apply the output head row-wise (for comparison with onnxruntime, never for the objective). */
export function applyHead(head: OutputHead, F: Mat): Mat {
  const out = zeros(F.rows, F.cols);
  for (let i = 0; i < F.rows; i++) {
    const o = i * F.cols;
    if (head.kind === 'sigmoid') {
      for (let k = 0; k < F.cols; k++) out.data[o + k] = 1 / (1 + Math.exp(-F.data[o + k]));
    } else if (head.kind === 'softmax' || head.kind === 'logsoftmax') {
      let mx = -Infinity;
      for (let k = 0; k < F.cols; k++) mx = Math.max(mx, F.data[o + k]);
      let s = 0;
      for (let k = 0; k < F.cols; k++) s += Math.exp(F.data[o + k] - mx);
      const lse = mx + Math.log(s);
      for (let k = 0; k < F.cols; k++) out.data[o + k] = head.kind === 'softmax' ? Math.exp(F.data[o + k] - lse) : F.data[o + k] - lse;
    } else {
      for (let k = 0; k < F.cols; k++) out.data[o + k] = F.data[o + k];
    }
  }
  return out;
}

/** The architecture facts every front end shows (CLI inspect, the extension, reports). */
export function modelSummary(model: CanonicalModel) {
  return {
    file: model.file,
    d: model.d,
    m: model.m,
    c: model.c,
    hasHiddenBias: model.b1 !== null,
    hasOutputBias: model.b2 !== null,
    head: model.head.kind,
    dtype: model.dtype,
    inputDtype: model.inputDtype,
    producer: model.producer,
    opset: model.opset,
  };
}
export type ModelSummary = ReturnType<typeof modelSummary>;
