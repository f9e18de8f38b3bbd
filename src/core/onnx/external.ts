/**
 * Every external-data reference in a model, found before anything is read: graph initializers
 * (used by a node or not), sparse initializers, tensors in node attributes (Constant values),
 * subgraphs and model-local functions. The reader checks them all up front through the file layer
 * (src/core/io) so a model pointing at /dev/zero, a FIFO or a file outside its folder is refused
 * before a byte is read, whether or not a node uses the tensor; the cross-check inlines the ranges
 * onnxruntime needs and drops the initializers no node uses.
 */
import { ReluLensError, modelError, type ErrorLocation } from '../errors';
import { MAX_EXTERNAL_BYTES, type ExternalEntry, type ExternalSource } from '../io/external';
import { nodeId } from './graph';
import type { AttributeProto, GraphProto, ModelProto, NodeProto, TensorProto } from './proto';
import { externalEntry, externalRange } from './tensor';

export interface ExternalTensor {
  proto: TensorProto;
  /** false only for an initializer (or sparse initializer) of its graph that no node there reads */
  used: boolean;
  /** the graph whose initializer list holds it (undefined: inside a node attribute) */
  graph?: GraphProto;
  sparse?: boolean;
  /** where a refusal points: the first node that reads it (or holds it), else the file */
  loc: ErrorLocation;
}

const isExternal = (t: TensorProto | undefined | null): t is TensorProto => !!t && (t.data_location === 1 || (t.external_data?.length ?? 0) > 0);

/** Names read by the graph's nodes, including nodes of nested subgraphs (outer-scope references). */
function consumedNames(g: GraphProto, out = new Set<string>()): Set<string> {
  for (const n of g.node ?? []) {
    for (const i of n.input) if (i) out.add(i);
    for (const a of n.attribute ?? []) for (const sub of subgraphs(a)) consumedNames(sub, out);
  }
  for (const o of g.output ?? []) if (o.name) out.add(o.name);
  return out;
}

function subgraphs(a: AttributeProto): GraphProto[] {
  const gs = (a as { graphs?: GraphProto[] }).graphs ?? [];
  return [...(a.g ? [a.g as GraphProto] : []), ...gs];
}

type SparseProto = { values?: TensorProto; indices?: TensorProto };

function attributeTensors(a: AttributeProto): TensorProto[] {
  const x = a as AttributeProto & { tensors?: TensorProto[]; sparse_tensors?: SparseProto[] };
  const sparse = [...(a.sparse_tensor ? [a.sparse_tensor as SparseProto] : []), ...(x.sparse_tensors ?? [])];
  return [...(a.t ? [a.t] : []), ...(x.tensors ?? []), ...sparse.flatMap((s) => [s.values, s.indices].filter((t): t is TensorProto => !!t))];
}

/** All external tensors of the model, main graph first. */
export function listExternal(model: ModelProto, file: string): ExternalTensor[] {
  const out: ExternalTensor[] = [];
  const nodeLoc = (node: NodeProto, index: number): ErrorLocation => ({ file, node: nodeId({ node, index }) });
  const inNodes = (nodes: NodeProto[]) =>
    nodes.forEach((node, index) => {
      for (const a of node.attribute ?? []) {
        for (const t of attributeTensors(a)) if (isExternal(t)) out.push({ proto: t, used: true, loc: nodeLoc(node, index) });
        for (const sub of subgraphs(a)) inGraph(sub);
      }
    });
  const inGraph = (g: GraphProto) => {
    const used = consumedNames(g);
    const firstUser = new Map<string, ErrorLocation>();
    (g.node ?? []).forEach((node, index) => {
      for (const i of node.input) if (i && !firstUser.has(i)) firstUser.set(i, nodeLoc(node, index));
    });
    const loc = (name: string) => firstUser.get(name) ?? { file };
    for (const t of g.initializer ?? []) if (isExternal(t)) out.push({ proto: t, used: used.has(t.name), graph: g, loc: loc(t.name) });
    for (const sp of (g.sparse_initializer ?? []) as SparseProto[]) {
      const name = sp?.values?.name ?? '';
      for (const t of [sp?.values, sp?.indices]) if (isExternal(t)) out.push({ proto: t, used: used.has(name), graph: g, sparse: true, loc: loc(name) });
    }
    inNodes(g.node ?? []);
  };
  if (model.graph) inGraph(model.graph);
  for (const f of (model.functions ?? []) as { node?: NodeProto[] }[]) inNodes(f.node ?? []);
  const training = (model as { training_info?: { initialization?: GraphProto; algorithm?: GraphProto }[] }).training_info ?? [];
  for (const ti of training) for (const g of [ti.initialization, ti.algorithm]) if (g) inGraph(g);
  return out;
}

/**
 * The entries of every external tensor, checked through `source` (when it can check) before
 * anything is read: syntax, containment, regular file, range within the file; the bytes the used
 * ones declare must fit MAX_EXTERNAL_BYTES. Refusals name the node that reads the tensor.
 */
export function checkExternal(list: ExternalTensor[], source: ExternalSource | undefined, file: string): ExternalEntry[] {
  const entries: ExternalEntry[] = [];
  let declared = 0;
  for (const x of list) {
    const e = externalEntry(x.proto, x.used, x.loc);
    entries.push(e);
    if (x.used) declared += e.length ?? 0;
    if (declared > MAX_EXTERNAL_BYTES)
      throw modelError(
        `the model's external data adds up to more than ${MAX_EXTERNAL_BYTES} bytes (MAX_EXTERNAL_BYTES) at tensor '${e.tensor}' in '${e.location}': refused`,
        x.loc,
      );
    if (!source?.check) continue;
    try {
      source.check(e);
    } catch (err) {
      if (err instanceof ReluLensError) throw new ReluLensError(err.kind, err.message, { ...err.location, ...x.loc, file });
      throw err;
    }
  }
  return entries;
}

/**
 * What a model needs from its folder, for a reader that cannot reach the files itself (the
 * extension's worker asks the host for exactly these): used tensors with the exact length their
 * dims give, unused initializers as declared (the host checks them, reads nothing).
 */
export function externalNeeds(model: ModelProto, file: string): ExternalEntry[] {
  return listExternal(model, file).map((x) => (x.used ? { ...externalRange(x.proto, x.loc), used: true } : externalEntry(x.proto, false, x.loc)));
}

/** True when any tensor anywhere in the (decoded) model still refers to external data. */
export function hasExternalLeft(value: unknown, seen = new Set<object>()): boolean {
  if (!value || typeof value !== 'object' || ArrayBuffer.isView(value) || seen.has(value)) return false;
  seen.add(value);
  const o = value as Record<string, unknown>;
  if (o.data_location === 1 || (Array.isArray(o.external_data) && o.external_data.length > 0)) return true;
  for (const v of Array.isArray(value) ? value : Object.values(o)) if (hasExternalLeft(v, seen)) return true;
  return false;
}
