/**
 * Linear-layer extraction: Gemm / MatMul (weight on either side) and bias Adds, each converted to
 * the canonical out×in weight matrix in float64. ONNX attribute defaults are applied explicitly
 * (alpha = beta = 1, transA = transB = 0) because old exporters omit them.
 */
import { modelError } from '../errors';
import type { Mat } from '../linalg/mat';
import { attrFloat, attrInt, nodeLabel, type GraphIndex, type NodeRef } from './graph';
import { dtypeName, isQuantizedType, type Tensor } from './tensor';

export interface LinearLayer {
  /** out×in, row-major */
  W: Mat;
  b: Float64Array | null;
  nodes: NodeRef[];
  /** element type of the weight as stored */
  weightType: number;
}

/** 'row': [batch, features]; 'vector': a single 1-D sample (nnet2onnx writes MatMul(W, x) on it). */
export type Layout = 'row' | 'vector';

export function isLinearOp(op: string): boolean {
  return op === 'Gemm' || op === 'MatMul';
}

/** Refuses a constant whose element type differs from the data's: onnxruntime rejects such graphs. */
function checkType(g: GraphIndex, ref: NodeRef, constName: string, dataType: number): void {
  const t = g.constType(constName);
  if (t !== undefined && isQuantizedType(t)) throw modelError(`weight '${constName}' is ${dtypeName(t)}: quantized networks are not supported`, g.loc(ref));
  if (t !== undefined && t !== dataType)
    throw modelError(
      `type-invalid graph: the data reaching this node is ${dtypeName(dataType)} but '${constName}' is ${dtypeName(t)} (onnxruntime refuses such a model)`,
      g.loc(ref),
    );
}

/** NaN/Infinity weights make every later number meaningless: refuse them where they are read. */
function checkFinite(t: Tensor, g: GraphIndex, ref: NodeRef): Tensor {
  for (let i = 0; i < t.values.length; i++)
    if (!Number.isFinite(t.values[i])) throw modelError(`'${t.name}' contains ${t.values[i]} at element ${i}: the weights are not finite numbers`, g.loc(ref));
  return t;
}

function matrixOf(t: Tensor, g: GraphIndex, ref: NodeRef): { rows: number; cols: number; data: Float64Array } {
  checkFinite(t, g, ref);
  if (t.dims.length === 2 && (t.dims[0] === 0 || t.dims[1] === 0)) throw modelError(`weight '${t.name}' is empty (shape [${t.dims.join(', ')}])`, g.loc(ref));
  if (t.dims.length !== 2) throw modelError(`weight '${t.name}' has shape [${t.dims.join(', ')}]; a dense layer needs a matrix`, g.loc(ref));
  return { rows: t.dims[0], cols: t.dims[1], data: t.values };
}

function transposed(a: { rows: number; cols: number; data: Float64Array }, scale = 1): Mat {
  const out = new Float64Array(a.data.length);
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < a.cols; j++) out[j * a.rows + i] = scale * a.data[i * a.cols + j];
  return { rows: a.cols, cols: a.rows, data: out };
}

function scaled(a: { rows: number; cols: number; data: Float64Array }, scale: number): Mat {
  const data = scale === 1 ? Float64Array.from(a.data) : a.data.map((v) => scale * v);
  return { rows: a.rows, cols: a.cols, data };
}

/** Reads the linear node itself (not the following Adds). `data` is the tensor carrying the data. */
export function readLinear(g: GraphIndex, ref: NodeRef, data: string, dataType: number, layout: Layout | null): LinearLayer {
  const n = ref.node;
  const ins = n.input;
  if (n.op_type === 'MatMul') {
    if (ins.length !== 2) throw modelError('MatMul needs two inputs', g.loc(ref));
    const [a, b] = ins;
    if (a === data && g.isConst(b)) {
      checkType(g, ref, b, dataType);
      const w = g.constant(b, ref);
      // x·B with B d×m: the canonical W is Bᵀ
      return { W: transposed(matrixOf(w, g, ref)), b: null, nodes: [ref], weightType: w.dataType };
    }
    if (b === data && g.isConst(a)) {
      if (layout !== 'vector')
        throw modelError(
          'MatMul with the weight on the left of a batched input (column layout) is not supported; only a 1-D input may be multiplied as MatMul(W, x)',
          g.loc(ref),
        );
      checkType(g, ref, a, dataType);
      const w = g.constant(a, ref);
      return { W: scaled(matrixOf(w, g, ref), 1), b: null, nodes: [ref], weightType: w.dataType };
    }
    throw modelError('MatMul multiplies two data tensors; a dense layer needs one constant weight', g.loc(ref));
  }
  // Gemm: Y = alpha·A'·B' + beta·C
  if (ins.length < 2) throw modelError('Gemm needs at least two inputs', g.loc(ref));
  if (ins[0] !== data) throw modelError('Gemm takes the data as its second operand; only Gemm(x, W[, b]) is supported', g.loc(ref));
  if (!g.isConst(ins[1])) throw modelError(`Gemm weight '${ins[1]}' is not a constant`, g.loc(ref));
  if (attrInt(ref, 'transA', 0) !== 0) throw modelError('Gemm has transA=1 on the data (features along the batch axis): not supported', g.loc(ref));
  const alpha = attrFloat(ref, 'alpha', 1);
  const beta = attrFloat(ref, 'beta', 1);
  if (!Number.isFinite(alpha) || !Number.isFinite(beta)) throw modelError(`Gemm has alpha=${alpha}, beta=${beta}: not finite numbers`, g.loc(ref));
  checkType(g, ref, ins[1], dataType);
  const wt = g.constant(ins[1], ref);
  const B = matrixOf(wt, g, ref);
  const W = attrInt(ref, 'transB', 0) ? scaled(B, alpha) : transposed(B, alpha);
  let bias: Float64Array | null = null;
  if (ins[2]) {
    if (!g.isConst(ins[2])) throw modelError(`Gemm bias '${ins[2]}' is not a constant`, g.loc(ref));
    checkType(g, ref, ins[2], dataType);
    bias = biasVector(g, ref, g.constant(ins[2], ref), W.rows, 'row');
    if (beta !== 1) for (let i = 0; i < bias.length; i++) bias[i] *= beta;
  }
  return { W, b: bias, nodes: [ref], weightType: wt.dataType };
}

/**
 * A constant added after a linear layer, as a per-neuron bias of length `m`. It may be [m], [1,m]
 * or a broadcast scalar; anything else would add different values per sample and is refused.
 */
export function biasVector(g: GraphIndex, ref: NodeRef, t: Tensor, m: number, layout: Layout | null): Float64Array {
  checkFinite(t, g, ref);
  const dims = t.dims;
  const lead = dims.slice(0, -1);
  const okLead = lead.every((d) => d === 1);
  const last = dims.length ? dims[dims.length - 1] : 1;
  if (okLead && last === m) return Float64Array.from(t.values);
  if (okLead && last === 1) return new Float64Array(m).fill(t.values[0]);
  const hint = layout === 'vector' ? '' : ' per sample';
  throw modelError(`${nodeLabel(ref)} adds a constant of shape [${dims.join(', ')}], which is not a bias of size ${m}${hint}`, g.loc(ref));
}

/** Folds `Add(data, c)` / `Add(c, data)` into the layer's bias. */
export function foldAdd(g: GraphIndex, ref: NodeRef, data: string, dataType: number, layer: LinearLayer, layout: Layout | null): void {
  const [a, b] = ref.node.input;
  const c = a === data ? b : b === data ? a : undefined;
  if (c === undefined || !g.isConst(c) || ref.node.input.length !== 2)
    throw modelError('Add combines two data tensors (a skip connection?): not a two-layer network', g.loc(ref));
  checkType(g, ref, c, dataType);
  const v = biasVector(g, ref, g.constant(c, ref), layer.W.rows, layout);
  if (!layer.b) layer.b = v;
  else for (let i = 0; i < v.length; i++) layer.b[i] += v[i];
  layer.nodes.push(ref);
}
