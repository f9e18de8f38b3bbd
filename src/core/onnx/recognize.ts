/**
 * Recognises a two-layer ReLU network in an ONNX graph by following the data flow from the single
 * graph input to the output, matching on op_type only (node names lie: skl2onnx calls a Sigmoid
 * "Relu1"). Accepted shape of the graph:
 *   [front: Flatten/Reshape/Cast/Identity/Squeeze/Unsqueeze/Scaler]* → linear (+bias Adds)
 *   → Relu → linear (+bias Adds) → [head: Softmax | Sigmoid | LogSoftmax | skl2onnx post-processing]
 * with Identity/Dropout anywhere. Everything else is refused with the node and the reason.
 */
import { modelError } from '../errors';
import type { AffineInput, CanonicalModel, HeadKind, OutputHead } from '../model';
import { attr, attrFloats, attrInt, attrInts, GraphIndex, nodeLabel, type NodeRef } from './graph';
import { foldAdd, isLinearOp, readLinear, type Layout, type LinearLayer } from './layers';
import { toNum, type ModelProto, type ValueInfoProto } from './proto';
import { DT, dtypeName, floatDtype, isQuantizedType } from './tensor';
import type { ExternalSource } from '../io/external';

export interface RecognizeOptions {
  file: string;
  /** external data, read range by range as the recognizer needs each tensor */
  external?: ExternalSource;
}

const PASS_THROUGH = new Set(['Identity', 'Dropout']);
const FRONT_OPS = new Set(['Flatten', 'Reshape', 'Cast', 'Squeeze', 'Unsqueeze']);
const HEAD_OPS = new Set(['Softmax', 'Sigmoid', 'LogSoftmax']);
const OTHER_ACTIVATIONS = new Set([
  'Sigmoid',
  'Tanh',
  'LeakyRelu',
  'Elu',
  'Selu',
  'Celu',
  'PRelu',
  'Softplus',
  'Softsign',
  'HardSigmoid',
  'HardSwish',
  'ThresholdedRelu',
  'Gelu',
  'Mish',
  'Clip',
  'Erf',
  'Exp',
  'Abs',
  'Sin',
  'Cos',
  'Softmax',
  'LogSoftmax',
  'Swish',
  'Relu6',
]);
/** Ops that only change the output's shape (torch's .squeeze(), skl2onnx regressors' Reshape). */
const SHAPE_ONLY = new Set(['Reshape', 'Flatten', 'Squeeze', 'Unsqueeze']);
/** At least one of these must be present for trailing ops to count as skl2onnx post-processing. */
const SKLEARN_MARKERS = new Set(['ZipMap', 'ArgMax', 'ArrayFeatureExtractor', 'LabelEncoder']);
/** Ops skl2onnx appends after the network (labels, probability maps): recorded, not modelled. */
const SKLEARN_POST = new Set([
  'ArgMax',
  'ZipMap',
  'ArrayFeatureExtractor',
  'Cast',
  'Reshape',
  'Identity',
  'Softmax',
  'Sigmoid',
  'Concat',
  'Sub',
  'Flatten',
  'Normalizer',
  'LabelEncoder',
  'Shape',
  'Gather',
  'Unsqueeze',
  'Squeeze',
  'Mul',
  'Add',
  'Greater',
  'Where',
  'Less',
  'Equal',
  'Not',
  'Neg',
  'Abs',
  'Div',
  'ReduceSum',
  'Tile',
  'Transpose',
  'ConstantOfShape',
]);
const QUANT_OP = /^(QuantizeLinear|DequantizeLinear|DynamicQuantizeLinear|QLinear.*|MatMulInteger|ConvInteger|MatMulNBits|DynamicQuantize.*|QGemm|QAttention)$/;

const UNSUPPORTED_REASON: Record<string, string> = {
  Conv: 'convolutional layers are not supported (ReLU Lens handles dense two-layer networks)',
  ConvTranspose: 'convolutional layers are not supported',
  BatchNormalization: 'BatchNormalization is not supported (fold it into the neighbouring linear layer before export)',
  LSTM: 'recurrent layers are not supported',
  GRU: 'recurrent layers are not supported',
  RNN: 'recurrent layers are not supported',
  MaxPool: 'pooling layers are not supported',
  AveragePool: 'pooling layers are not supported',
  LayerNormalization: 'normalization layers are not supported',
};

const NUMBER_WORDS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten'];
const words = (n: number) => NUMBER_WORDS[n] ?? String(n);

type Phase = 'front' | 'layer1' | 'relu' | 'layer2' | 'head' | 'done';

function shapeOf(v: ValueInfoProto | undefined): (number | string | null)[] {
  const dims = v?.type?.tensor_type?.shape?.dim ?? [];
  return dims.map((d) => (d.dim_param ? d.dim_param : d.dim_value !== undefined && d.dim_value !== null && toNum(d.dim_value) > 0 ? toNum(d.dim_value) : null));
}

/** The walk along the data path: where it is, and what it has read so far. */
interface Walk {
  g: GraphIndex;
  file: string;
  opset: number;
  /** the tensor the walk stands on */
  cur: string;
  dataType: number;
  rank: number | null;
  phase: Phase;
  scalers: { ref: NodeRef; offset: number[]; scale: number[] }[];
  nodeMap: CanonicalModel['nodeMap'];
  layer1: LinearLayer | null;
  layer2: LinearLayer | null;
  reluRef: NodeRef | null;
  headKind: HeadKind;
  headAxis: number | undefined;
  /** the Sigmoid/Softmax on the logits in front of skl2onnx's post-processing (a classifier's head) */
  probability: OutputHead['probability'];
  lastLayer2Out: string;
  squeezed: boolean;
  /** skl2onnx's class labels, when its post-processing names them */
  classes?: (number | string)[];
}

/** The graph's one data input, checked. */
interface GraphInput {
  input: ValueInfoProto;
  elemType: number;
  inputDtype: NonNullable<ReturnType<typeof floatDtype>>;
  inputShape: (number | string | null)[];
}

/**
 * The canonical model of a two-layer ReLU network, in stages: readInput (the one float data
 * input) → walkDataPath (one handler per phase: front, layer1, relu, layer2, head) → buildModel.
 */
export function recognize(model: ModelProto, opts: RecognizeOptions): CanonicalModel {
  const file = opts.file;
  const graph = model.graph;
  if (!graph || graph.node.length === 0) throw modelError('not an ONNX model: it contains no graph nodes', { file });
  const g = new GraphIndex(graph, file, opts.external);
  const opsetEntry = model.opset_import.filter((o) => o.domain === '' || o.domain === 'ai.onnx');
  const opset = opsetEntry.length ? Math.max(...opsetEntry.map((o) => toNum(o.version))) : 1;

  graph.node.forEach((node, index) => {
    if (QUANT_OP.test(node.op_type)) throw modelError(`quantized network (${node.op_type}): ReLU Lens reads float networks only`, g.loc({ node, index }));
  });
  const gi = readInput(g, model, file);
  const outputNames = new Set(graph.output.map((o) => o.name));
  const w: Walk = {
    g,
    file,
    opset,
    cur: gi.input.name,
    dataType: gi.elemType,
    rank: gi.input.type?.tensor_type?.shape ? gi.inputShape.length : null,
    phase: 'front',
    scalers: [],
    nodeMap: { preprocess: [], layer1: [], relu: [], layer2: [], head: [] },
    layer1: null,
    layer2: null,
    reluRef: null,
    headKind: 'none',
    headAxis: undefined,
    probability: undefined,
    lastLayer2Out: '',
    squeezed: false,
  };
  walkDataPath(w, outputNames);
  return buildModel(model, w, gi, outputNames);
}

function readInput(g: GraphIndex, model: ModelProto, file: string): GraphInput {
  const graph = model.graph!;
  // Old IR versions list every initializer in graph.input too: only the rest is real input.
  const inputs = graph.input.filter((v) => !g.isConst(v.name));
  // graph-level problems are reported at the first node that reads the offending input
  const firstUser = (name: string) => {
    const u = g.consumers.get(name)?.[0];
    return u ? g.loc(u) : { file };
  };
  if (inputs.length !== 1)
    throw modelError(
      inputs.length === 0
        ? 'the graph has no data input'
        : `the graph has ${inputs.length} data inputs (${inputs.map((v) => `'${v.name}'`).join(', ')}); a two-layer network has one`,
      inputs.length ? firstUser(inputs[1].name) : g.loc({ node: graph.node[0], index: 0 }),
    );
  const input = inputs[0];
  const elemType = input.type?.tensor_type?.elem_type ?? 0;
  const inputDtype = floatDtype(elemType);
  if (!inputDtype)
    throw modelError(
      isQuantizedType(elemType)
        ? `graph input '${input.name}' is ${dtypeName(elemType)}: quantized networks are not supported`
        : `graph input '${input.name}' has element type ${dtypeName(elemType)}; a float tensor is expected`,
      firstUser(input.name),
    );
  return { input, elemType, inputDtype, inputShape: shapeOf(input) };
}

/** Counts linear layers and ReLUs further down a simple chain, for the depth message. */
function countAhead(g: GraphIndex, from: string) {
  let lin = 0,
    relu = 0,
    t = from;
  let firstLinear: NodeRef | null = null;
  const seen = new Set<number>();
  for (;;) {
    const cs = g.consumers.get(t) ?? [];
    if (cs.length !== 1 || seen.has(cs[0].index)) break;
    seen.add(cs[0].index);
    const op = cs[0].node.op_type;
    if (isLinearOp(op)) {
      lin++;
      firstLinear ??= cs[0];
    } else if (op === 'Relu') relu++;
    t = cs[0].node.output[0];
    if (!t) break;
  }
  return { lin, relu, firstLinear };
}

/** Names the third linear layer: the first node that makes the network deeper than two layers. */
function depthError(g: GraphIndex, ref: NodeRef, after: string) {
  const ahead = countAhead(g, after);
  const isLin = isLinearOp(ref.node.op_type);
  const lin = 2 + ahead.lin + (isLin ? 1 : 0);
  const relu = 1 + ahead.relu + (ref.node.op_type === 'Relu' ? 1 : 0);
  const culprit = isLin ? ref : (ahead.firstLinear ?? ref);
  return modelError(
    `the network has ${words(lin)} linear layers and ${words(relu)} hidden ReLU layers; ReLU Lens handles two-layer networks only (one hidden ReLU layer between two linear layers)`,
    g.loc(culprit),
  );
}

const layout = (w: Walk): Layout | null => (w.rank === 1 ? 'vector' : w.rank === null ? null : 'row');

/**
 * One phase's handling of the next node `ref` on the data path (output `out`). Returns false when
 * the walk stays on the current tensor (it ended in skl2onnx's post-processing).
 */
type PhaseHandler = (w: Walk, ref: NodeRef, out: string, ml: boolean) => boolean;

const onFront: PhaseHandler = (w, ref, _out, ml) => {
  const { g } = w;
  const op = ref.node.op_type;
  if (isLinearOp(op)) {
    w.layer1 = readLinear(g, ref, w.cur, w.dataType, layout(w));
    w.rank = layout(w) === 'vector' ? 1 : 2;
    w.phase = 'layer1';
  } else if (ml && op === 'Scaler') {
    w.scalers.push({ ref, offset: attrFloats(ref, 'offset') ?? [], scale: attrFloats(ref, 'scale') ?? [] });
    w.dataType = DT.FLOAT; // Scaler always outputs float
    w.nodeMap.preprocess.push(nodeLabel(ref));
  } else if (FRONT_OPS.has(op) && !ml) {
    ({ rank: w.rank, dataType: w.dataType } = frontOp(g, ref, w.rank, w.dataType));
    w.squeezed ||= op === 'Squeeze' || op === 'Unsqueeze';
    w.nodeMap.preprocess.push(nodeLabel(ref));
  } else if (op === 'Relu') {
    throw modelError('ReLU applied to the raw input, before the first linear layer: not a two-layer ReLU network', g.loc(ref));
  } else throw unsupported(g, ref, 'before the first linear layer');
  return true;
};

const onLayer1: PhaseHandler = (w, ref, out, ml) => {
  const { g } = w;
  const op = ref.node.op_type;
  if (op === 'Add' && !ml) {
    foldAdd(g, ref, w.cur, w.dataType, w.layer1!, layout(w));
    return true;
  }
  if (op === 'Relu') {
    w.reluRef = ref;
    w.phase = 'relu';
  } else if (OTHER_ACTIVATIONS.has(op)) {
    const ahead = countAhead(g, out);
    throw modelError(
      ahead.lin > 0 ? `hidden activation is ${op}, ReLU Lens handles ReLU only` : `only one linear layer, followed by ${op}: not a two-layer ReLU network`,
      g.loc(ref),
    );
  } else if (isLinearOp(op)) {
    throw modelError('no nonlinearity between the linear layers (a ReLU is expected here): the network is linear', g.loc(ref));
  } else throw unsupported(g, ref, 'after the first linear layer');
  return true;
};

const onRelu: PhaseHandler = (w, ref) => {
  const { g } = w;
  const op = ref.node.op_type;
  if (isLinearOp(op)) {
    const layer2 = readLinear(g, ref, w.cur, w.dataType, layout(w));
    w.layer2 = layer2;
    if (layer2.W.cols !== w.layer1!.W.rows)
      throw modelError(`the output layer expects ${layer2.W.cols} inputs but the hidden layer has ${w.layer1!.W.rows} neurons`, g.loc(ref));
    w.phase = 'layer2';
  } else if (op === 'Relu') {
    throw modelError('two ReLUs in a row; expected the output linear layer after the hidden ReLU', g.loc(ref));
  } else if (OTHER_ACTIVATIONS.has(op)) {
    throw modelError(`${op} after the hidden ReLU is not supported`, g.loc(ref));
  } else throw unsupported(g, ref, 'after the hidden ReLU');
  return true;
};

const onLayer2: PhaseHandler = (w, ref, out, ml) => {
  const { g } = w;
  const op = ref.node.op_type;
  if (op === 'Add' && !ml) {
    foldAdd(g, ref, w.cur, w.dataType, w.layer2!, layout(w));
    return true;
  }
  w.lastLayer2Out = w.cur;
  if (op === 'Relu' || isLinearOp(op)) {
    const ahead = countAhead(g, out);
    if (op === 'Relu' && ahead.lin === 0) throw modelError('ReLU on the network output is not supported (the output layer must be linear)', g.loc(ref));
    throw depthError(g, ref, out);
  }
  if (HEAD_OPS.has(op) && !ml) {
    w.headKind = op === 'Softmax' ? 'softmax' : op === 'Sigmoid' ? 'sigmoid' : 'logsoftmax';
    if (op !== 'Sigmoid') w.headAxis = softmaxAxis(g, ref, w.opset, w.rank);
    w.nodeMap.head.push(nodeLabel(ref));
    w.phase = 'head';
  } else if (SKLEARN_POST.has(op)) {
    w.headKind = sklearnHead(g, w.cur, w.nodeMap.head, w);
    w.phase = 'done';
    return false;
  } else if (OTHER_ACTIVATIONS.has(op)) {
    throw modelError(`output activation ${op} is not supported (Softmax, Sigmoid or LogSoftmax only)`, g.loc(ref));
  } else throw unsupported(g, ref, 'after the output layer');
  return true;
};

const onHead: PhaseHandler = (w, ref) => {
  const { g } = w;
  const op = ref.node.op_type;
  if (SKLEARN_POST.has(op)) {
    w.probability = probabilityOf(w.headKind);
    w.headKind = sklearnHead(g, w.cur, w.nodeMap.head, w);
    w.phase = 'done';
    return false;
  }
  if (isLinearOp(op) || op === 'Relu') throw modelError(`${op} after the output ${w.nodeMap.head[0]}: not a two-layer network`, g.loc(ref));
  throw unsupported(g, ref, 'in the output head');
};

const PHASE_HANDLERS: Record<Exclude<Phase, 'done'>, PhaseHandler> = {
  front: onFront,
  layer1: onLayer1,
  relu: onRelu,
  layer2: onLayer2,
  head: onHead,
};

/** Follows the single data path from the input until the network's output (or skl2onnx's post-processing). */
function walkDataPath(w: Walk, outputNames: Set<string>): void {
  const { g, file, nodeMap } = w;
  const visited = new Set<number>();
  while (w.phase !== 'done') {
    const { phase, cur } = w;
    const all = g.consumers.get(cur) ?? [];
    // a Shape node reading the data only computes a Reshape target (old torch Flatten): not data flow
    const consumers = phase === 'front' ? all.filter((c) => c.node.op_type !== 'Shape') : all;
    if (consumers.length === 0) {
      const producer = g.producer.get(cur);
      const where = producer ? g.loc(producer) : { file };
      if (!outputNames.has(cur))
        throw modelError(producer ? `the output '${cur}' of this node is neither used nor a graph output` : `graph input '${cur}' is not used`, where);
      if (phase === 'front') throw modelError('the graph has no linear layer on its data path', where);
      if (phase === 'layer1') throw modelError('only one linear layer and no ReLU: not a two-layer ReLU network', g.loc(w.layer1!.nodes[0]));
      if (phase === 'relu')
        throw modelError('the ReLU is the last operation: there is only one linear layer, so this is not a two-layer network', g.loc(w.reluRef!));
      break;
    }
    if (consumers.length > 1) {
      if (phase === 'layer2' || phase === 'head') {
        w.probability = probabilityOf(w.headKind);
        w.headKind = sklearnHead(g, cur, nodeMap.head, w);
        break;
      }
      throw modelError(
        `the data flow branches at tensor '${cur}' (used by ${consumers.map(nodeLabel).join(' and ')}): not a plain two-layer network`,
        // point at the node that merges paths (a skip connection) rather than the ordinary next layer
        g.loc(consumers.find((c) => c.node.input.filter((i) => i && !g.isConst(i)).length > 1) ?? consumers[0]),
      );
    }
    const ref = consumers[0];
    if (visited.has(ref.index)) throw modelError('the graph contains a cycle', g.loc(ref));
    visited.add(ref.index);
    const n = ref.node;
    const op = n.op_type;
    const ml = n.domain === 'ai.onnx.ml';
    const out = n.output[0];
    if (!out) throw modelError('node has no output', g.loc(ref));
    const dataInputs = n.input.filter((i, k) => i && !g.isConst(i) && !(k > 0 && op === 'Reshape'));
    if (dataInputs.some((i) => i !== cur) && !(op === 'Add' || op === 'MatMul' || op === 'Gemm'))
      throw modelError(`${op} combines the data with another computed tensor: not a plain two-layer network`, g.loc(ref));

    if (PASS_THROUGH.has(op) && !ml) {
      (phase === 'front' ? nodeMap.preprocess : phase === 'head' ? nodeMap.head : []).push(nodeLabel(ref));
      w.cur = out;
      continue;
    }
    // after the output layer, a lone reshape (or float Cast) leaves the values as they are
    const reshapeOnly = SHAPE_ONLY.has(op) || (op === 'Cast' && floatDtype(attrInt(ref, 'to', 0)) !== null);
    if ((phase === 'layer2' || phase === 'head') && !ml && reshapeOnly && (g.consumers.get(out)?.length ?? 0) <= 1) {
      if (phase === 'layer2') w.lastLayer2Out = cur;
      if (op === 'Cast') w.dataType = attrInt(ref, 'to', 0);
      w.rank = null;
      nodeMap.head.push(nodeLabel(ref));
      w.cur = out;
      continue;
    }
    if (PHASE_HANDLERS[phase](w, ref, out, ml)) w.cur = out;
  }
  if (!w.lastLayer2Out) w.lastLayer2Out = w.cur;
}

/** The canonical model from what the walk read: layers, folded scalers, head, the tensor to compare. */
function buildModel(model: ModelProto, w: Walk, gi: GraphInput, outputNames: Set<string>): CanonicalModel {
  const { g, file, nodeMap, headKind, cur } = w;
  const graph = model.graph!;
  const { input, inputShape } = gi;
  const L1 = w.layer1!,
    L2 = w.layer2!;
  nodeMap.layer1 = L1.nodes.map(nodeLabel);
  nodeMap.layer2 = L2.nodes.map(nodeLabel);
  nodeMap.relu = [nodeLabel(w.reluRef!)];
  const folded = foldScalers(g, w.scalers, L1);
  checkInputWidth(g, inputShape, L1, input.name, w.squeezed);

  const dtype = floatDtype(L1.weightType) ?? 'float32';
  // OutputHead.nodes uses `op_type:name`; nodeMap keeps the `OpType 'name'` form of messages
  const headNodes = nodeMap.head.map((s) => s.replace(/^(\S+) '(.*)'$/, '$1:$2'));
  const sklearn = headKind === 'sklearn-postprocess';
  // onnxruntime cannot hand back ZipMap's seq(map): compare the logits instead
  const compareName = sklearn ? w.lastLayer2Out : cur;
  const outName = outputNames.has(compareName) ? compareName : (graph.output[0]?.name ?? compareName);
  const outInfo = graph.output.find((o) => o.name === outName);
  const metadata: Record<string, string> = {};
  for (const p of model.metadata_props) metadata[p.key] = p.value;

  return {
    file,
    d: L1.W.cols,
    m: L1.W.rows,
    c: L2.W.rows,
    W1: L1.W,
    b1: L1.b,
    W2: L2.W,
    b2: L2.b,
    head: {
      kind: headKind,
      nodes: headNodes,
      ...(w.headAxis !== undefined ? { axis: w.headAxis } : {}),
      ...(sklearn && w.probability ? { probability: w.probability } : {}),
      ...(sklearn && w.classes ? { classes: w.classes } : {}),
    },
    foldedPreprocessing: folded,
    dtype,
    inputDtype: gi.inputDtype,
    producer: { name: model.producer_name ?? '', version: model.producer_version ?? '' },
    opset: w.opset,
    irVersion: toNum(model.ir_version),
    input: { name: input.name, shape: inputShape },
    output: { name: outName, shape: shapeOf(outInfo) },
    compareTensor: { name: compareName, afterHead: !sklearn && headKind !== 'none' },
    nodeMap,
    metadata,
  };
}

/** The probability activation that precedes skl2onnx's post-processing, if the head so far is one. */
function probabilityOf(kind: HeadKind): OutputHead['probability'] {
  return kind === 'sigmoid' || kind === 'softmax' || kind === 'logsoftmax' ? kind : undefined;
}

function unsupported(g: GraphIndex, ref: NodeRef, where: string) {
  const op = ref.node.op_type;
  const reason = UNSUPPORTED_REASON[op] ?? `operator ${op}${ref.node.domain ? ` (${ref.node.domain})` : ''} is not recognised ${where}`;
  return modelError(reason, g.loc(ref));
}

/** Flatten/Reshape/Cast/Squeeze/Unsqueeze in front of layer 1: track rank and element type. */
function frontOp(g: GraphIndex, ref: NodeRef, rank: number | null, dataType: number): { rank: number | null; dataType: number } {
  const op = ref.node.op_type;
  if (op === 'Cast') {
    const to = attrInt(ref, 'to', 0);
    if (!floatDtype(to)) throw modelError(`Cast to ${dtypeName(to)} in front of the network: a float input is expected`, g.loc(ref));
    return { rank, dataType: to };
  }
  if (op === 'Flatten') {
    const axis = attrInt(ref, 'axis', 1);
    // axis 0 folds the batch into one row: the layer would see all samples at once
    if (axis === 0 && rank !== 1) throw modelError('Flatten(axis=0) merges the batch into a single row; expected Flatten(axis=1)', g.loc(ref));
    return { rank: 2, dataType };
  }
  if (op === 'Reshape') {
    const target = ref.node.input[1];
    if (target && g.isConst(target)) {
      const shape = g.constant(target, ref);
      return { rank: shape.values.length, dataType };
    }
    const attrShape = attrInts(ref, 'shape'); // opset < 5 keeps the shape in an attribute
    return { rank: attrShape ? attrShape.length : 2, dataType };
  }
  // Squeeze/Unsqueeze: the exact rank only matters for 1-D inputs, where it is rarely used
  return { rank: null, dataType };
}

function softmaxAxis(g: GraphIndex, ref: NodeRef, opset: number, rank: number | null): number {
  // the default axis changed from 1 to -1 in opset 13
  const axis = attrInt(ref, 'axis', opset >= 13 ? -1 : 1);
  const r = rank ?? 2;
  const norm = axis < 0 ? axis + r : axis;
  if (norm !== r - 1) throw modelError(`${ref.node.op_type} over axis ${axis} does not act on the class axis of the [batch, classes] output`, g.loc(ref));
  return axis;
}

/**
 * skl2onnx post-processing after the output layer (ArgMax → ArrayFeatureExtractor → labels,
 * ZipMap → probabilities). It is recorded, not modelled; only known post-processing ops are allowed.
 */
function sklearnHead(g: GraphIndex, from: string, names: string[], out: Pick<Walk, 'classes'>): HeadKind {
  const queue = [from];
  const seen = new Set<number>();
  const found: NodeRef[] = [];
  while (queue.length) {
    const t = queue.shift()!;
    for (const ref of g.consumers.get(t) ?? []) {
      if (seen.has(ref.index)) continue;
      seen.add(ref.index);
      if (!SKLEARN_POST.has(ref.node.op_type))
        throw modelError(`operator ${ref.node.op_type} after the output layer is not recognised as output post-processing`, g.loc(ref));
      names.push(nodeLabel(ref));
      found.push(ref);
      for (const o of ref.node.output) if (o) queue.push(o);
    }
  }
  // without skl2onnx's label/probability ops, trailing arithmetic would change the network's
  // output while the comparison (made at the logits) could not notice: refuse it
  if (!found.some((r) => SKLEARN_MARKERS.has(r.node.op_type))) {
    const culprit = found.find((r) => !SHAPE_ONLY.has(r.node.op_type) && !HEAD_OPS.has(r.node.op_type) && r.node.op_type !== 'Identity') ?? found[0];
    throw modelError(
      `${culprit.node.op_type} after the output layer changes the network's output; supported heads are Softmax, Sigmoid, LogSoftmax and skl2onnx post-processing`,
      g.loc(culprit),
    );
  }
  out.classes = sklearnClasses(g, found);
  return 'sklearn-postprocess';
}

/** The classes skl2onnx writes: ZipMap's classlabels, else the `classes` constant its ArrayFeatureExtractor indexes. */
function sklearnClasses(g: GraphIndex, found: NodeRef[]): (number | string)[] | undefined {
  for (const ref of found) {
    if (ref.node.op_type !== 'ZipMap') continue;
    const ints = attr(ref, 'classlabels_int64s');
    if (ints?.ints.length) return ints.ints.map(toNum);
    const strs = attr(ref, 'classlabels_strings');
    if (strs?.strings.length) return strs.strings.map((b) => new TextDecoder().decode(b));
  }
  for (const ref of found) {
    const name = ref.node.op_type === 'ArrayFeatureExtractor' ? ref.node.input[0] : undefined;
    if (!name || !g.isConst(name)) continue;
    return g.constStrings(name) ?? Array.from(g.constant(name, ref).values);
  }
  return undefined;
}

/** Folds skl2onnx Scalers, y = (x − offset)·scale, into layer 1 so the network acts on raw inputs. */
function foldScalers(g: GraphIndex, scalers: { ref: NodeRef; offset: number[]; scale: number[] }[], L1: LinearLayer): AffineInput[] {
  const d = L1.W.cols,
    m = L1.W.rows;
  const out: AffineInput[] = [];
  // innermost (closest to layer 1) first
  for (let s = scalers.length - 1; s >= 0; s--) {
    const { ref, offset, scale } = scalers[s];
    const expand = (v: number[], dflt: number, what: string) => {
      if (v.length === 0) return new Float64Array(d).fill(dflt);
      if (v.length === 1) return new Float64Array(d).fill(v[0]);
      if (v.length !== d) throw modelError(`Scaler ${what} has ${v.length} entries but layer 1 has ${d} inputs`, g.loc(ref));
      return Float64Array.from(v);
    };
    const off = expand(offset, 0, 'offset'),
      sc = expand(scale, 1, 'scale');
    const b = L1.b ?? new Float64Array(m);
    for (let j = 0; j < m; j++) {
      let shift = 0;
      for (let k = 0; k < d; k++) {
        L1.W.data[j * d + k] *= sc[k];
        shift += L1.W.data[j * d + k] * off[k];
      }
      b[j] -= shift;
    }
    if (L1.b || off.some((v) => v !== 0)) L1.b = b;
    out.unshift({ offset: off, scale: sc, source: `onnx:Scaler:${ref.node.name}` });
  }
  return out;
}

/** A clear error when the declared input size cannot feed layer 1 (instead of a later ORT failure). */
function checkInputWidth(g: GraphIndex, shape: (number | string | null)[], L1: LinearLayer, name: string, squeezed: boolean) {
  // Squeeze/Unsqueeze may turn a batch of scalars into a column: the batch dim is then not shape[0]
  if (shape.length === 0 || squeezed) return;
  const feat = shape.length === 1 ? shape : shape.slice(1);
  if (!feat.every((v): v is number => typeof v === 'number')) return;
  const width = feat.reduce((a, b) => a * b, 1);
  if (width !== L1.W.cols)
    throw modelError(`graph input '${name}' has ${width} features per sample but the first layer expects ${L1.W.cols}`, g.loc(L1.nodes[0]));
}
