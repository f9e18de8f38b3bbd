/**
 * Graph indexing for the recognizer: which tensors are constants (initializers, Constant nodes),
 * which node produces/consumes each tensor, node attributes with ONNX's defaults, and lazy,
 * size-checked access to constant values. Matching is done on op_type and data flow only.
 */
import { modelError, type ErrorLocation } from '../errors';
import { thousands } from '../format/numbers';
import { has, toNum, type AttributeProto, type GraphProto, type NodeProto, type TensorProto } from './proto';
import { MAX_TENSOR_ELEMENTS, readTensor, type Tensor } from './tensor';
import { callbackSource, type ExternalSource } from '../io/external';

export interface NodeRef {
  node: NodeProto;
  index: number;
}

/** `{opType, name}` for error locations; unnamed nodes (nnet2onnx, old pytorch) get their position. */
export function nodeId(ref: NodeRef): { opType: string; name: string } {
  return { opType: ref.node.op_type || '?', name: ref.node.name || `#${ref.index} (unnamed)` };
}

export function nodeLabel(ref: NodeRef): string {
  const id = nodeId(ref);
  return `${id.opType} '${id.name}'`;
}

export class GraphIndex {
  readonly producer = new Map<string, NodeRef>();
  readonly consumers = new Map<string, NodeRef[]>();
  /** constant tensors by name: initializers and Constant-node outputs */
  private readonly constProtos = new Map<string, { proto?: TensorProto; node?: NodeRef; sparse?: true }>();
  private readonly cache = new Map<string, Tensor>();
  private totalElements = 0;
  private readonly external?: ExternalSource;

  /** `external`: where external data is read from (a whole-file callback is the older form) */
  constructor(
    readonly graph: GraphProto,
    private readonly file: string,
    external?: ExternalSource | ((relPath: string) => Uint8Array),
  ) {
    this.external = typeof external === 'function' ? callbackSource(external) : external;
    for (const t of graph.initializer) this.constProtos.set(t.name, { proto: t });
    // known as constants (so they are not mistaken for data), refused when actually used
    for (const sp of graph.sparse_initializer as { values?: { name?: string } }[]) if (sp?.values?.name) this.constProtos.set(sp.values.name, { sparse: true });
    graph.node.forEach((node, index) => {
      const ref = { node, index };
      for (const o of node.output) if (o) this.producer.set(o, ref);
      for (const i of node.input) {
        if (!i) continue;
        const list = this.consumers.get(i);
        if (list) list.push(ref);
        else this.consumers.set(i, [ref]);
      }
      if (node.op_type === 'Constant' && (node.domain === '' || node.domain === 'ai.onnx') && node.output[0])
        this.constProtos.set(node.output[0], { node: ref });
    });
  }

  loc(ref?: NodeRef): ErrorLocation {
    return ref ? { file: this.file, node: nodeId(ref) } : { file: this.file };
  }

  isConst(name: string): boolean {
    return this.constProtos.has(name);
  }

  /** The constant's element type without decoding its payload. */
  constType(name: string): number | undefined {
    const c = this.constProtos.get(name);
    if (!c) return undefined;
    if (c.proto) return c.proto.data_type;
    const a = c.node?.node.attribute.find((x) => x.name.startsWith('value'));
    if (!a) return undefined;
    if (a.name === 'value') return a.t?.data_type;
    return a.name.startsWith('value_float') ? 1 : a.name.startsWith('value_int') ? 7 : undefined;
  }

  /** A STRING initializer's values (skl2onnx's class names); undefined for anything else. */
  constStrings(name: string): string[] | undefined {
    const p = this.constProtos.get(name)?.proto;
    if (!p || p.data_type !== 8) return undefined;
    const dec = new TextDecoder();
    return p.string_data.map((b) => dec.decode(b));
  }

  /** Decodes a constant; `user` is the node that consumes it, named in any error. */
  constant(name: string, user: NodeRef): Tensor {
    const hit = this.cache.get(name);
    if (hit) return hit;
    const c = this.constProtos.get(name);
    if (!c) throw modelError(`input '${name}' is not a constant`, this.loc(user));
    if (c.sparse) throw modelError(`'${name}' is a sparse initializer, which the reader does not support`, this.loc(user));
    const t = c.proto ? readTensor(c.proto, { loc: this.loc(user), external: this.external }) : constantNodeValue(c.node!, this.loc(c.node), this.external);
    this.totalElements += t.values.length;
    // the per-tensor cap alone would still let many tensors add up
    if (this.totalElements > MAX_TENSOR_ELEMENTS)
      throw modelError(`the model's weights exceed the reader's limit of ${thousands(MAX_TENSOR_ELEMENTS)} in total`, this.loc(user));
    this.cache.set(name, t);
    return t;
  }
}

/** Constant node: `value` tensor, or the scalar/list shorthands added in opset 12. */
function constantNodeValue(ref: NodeRef, loc: ErrorLocation, external?: ExternalSource): Tensor {
  const name = ref.node.output[0];
  for (const a of ref.node.attribute) {
    switch (a.name) {
      case 'value':
        if (!a.t) break;
        return { ...readTensor(a.t, { loc, external }), name };
      case 'value_float':
        return { name, dims: [], dataType: 1, values: Float64Array.of(a.f) };
      case 'value_floats':
        return { name, dims: [a.floats.length], dataType: 1, values: Float64Array.from(a.floats) };
      case 'value_int':
        return { name, dims: [], dataType: 7, values: Float64Array.of(toNum(a.i)) };
      case 'value_ints':
        return { name, dims: [a.ints.length], dataType: 7, values: Float64Array.from(a.ints.map(toNum)) };
      case 'sparse_value':
        throw modelError('sparse Constant values are not supported', loc);
    }
  }
  throw modelError('Constant node has no value the reader understands', loc);
}

export function attr(ref: NodeRef, name: string): AttributeProto | undefined {
  return ref.node.attribute.find((a) => a.name === name);
}

export function attrInt(ref: NodeRef, name: string, dflt: number): number {
  const a = attr(ref, name);
  if (!a) return dflt;
  return has(a, 'i') ? toNum(a.i) : dflt;
}

export function attrFloat(ref: NodeRef, name: string, dflt: number): number {
  const a = attr(ref, name);
  if (!a) return dflt;
  return has(a, 'f') ? a.f : dflt;
}

export function attrFloats(ref: NodeRef, name: string): number[] | undefined {
  const a = attr(ref, name);
  return a ? a.floats.slice() : undefined;
}

export function attrInts(ref: NodeRef, name: string): number[] | undefined {
  const a = attr(ref, name);
  return a ? a.ints.map(toNum) : undefined;
}
