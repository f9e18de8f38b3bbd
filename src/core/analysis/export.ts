/**
 * Exporting a network (the optimum, or a witness) so that it can replace the trained one.
 *
 * - networkToOnnx: a DROP-IN replacement of the original model: same graph input and output names,
 *   the same declared shapes (symbolic batch dims kept; rank ≠ 2 handled with Reshape), the same
 *   element types (float32 model → float32 weights; float16 → float32 weights between Casts) and
 *   the same output head (Softmax / Sigmoid / LogSoftmax). Preprocessing the reader folded into
 *   layer 1 (a Scaler) is already part of W1/b1, so the export takes the same raw inputs.
 * - networkToNpz / networkToNpy: NumPy format 1.0, '<f8', C order, byte-identical to np.save
 *   (checked against a numpy-written fixture, scripts/fixtures/gen_export_npy.py).
 * - networkToCsv: see its comment for the layout. networkToJson: plain arrays.
 */
import { zipSync } from 'fflate';
import type { Mat } from '../linalg/mat';
import type { CanonicalModel } from '../model';
import type { NetworkWeights } from '../problem/network';
import { writeTwoLayerOnnx } from '../onnx/write';
import { modelError, usageError } from '../errors';
import type { NetworkJson } from '../report/analysisJson';
import { networkToJson as toJson } from './networkJson';

function checkShapes(net: NetworkWeights): void {
  const m = net.W1.rows,
    c = net.W2.rows;
  if (net.W2.cols !== m) throw usageError(`export: W2 has ${net.W2.cols} columns but W1 has ${m} rows`);
  if (net.b1 && net.b1.length !== m) throw usageError(`export: b1 has length ${net.b1.length}, expected ${m}`);
  if (net.b2 && net.b2.length !== c) throw usageError(`export: b2 has length ${net.b2.length}, expected ${c}`);
}

export function networkToOnnx(model: CanonicalModel, net: NetworkWeights): Uint8Array {
  checkShapes(net);
  if (net.W1.cols !== model.d || net.W2.rows !== model.c)
    throw usageError(`export: the network is ${net.W1.cols} → ${net.W2.rows} but the model is ${model.d} → ${model.c}`);
  if (model.head.kind === 'sklearn-postprocess')
    throw modelError(
      "the model ends in skl2onnx's label/probability post-processing (ArgMax/ZipMap), which an exported model would not reproduce; export .npz, .json or .csv instead",
      { file: model.file },
    );
  const dtype = model.dtype === 'float64' ? 'float64' : 'float32';
  // b1/b2 absent in the original stay absent unless the new network needs them
  return writeTwoLayerOnnx(net, {
    dtype,
    ioDtype: model.inputDtype,
    inputName: model.input.name,
    outputName: model.output.name,
    inputShape: model.input.shape,
    outputShape: model.output.shape,
    head: model.head.kind,
    headAxis: -1, // the head acts over the c outputs of the 2-D logits, whatever axis the original named
    producer: 'relu-lens',
    docString: `Two-layer ReLU network written by ReLU Lens to replace ${model.file}.`,
    metadata: { ...model.metadata, 'relu-lens:replaces': model.file },
  });
}

/** NumPy .npy format 1.0 of a matrix (2-D) or a vector (1-D), little-endian float64, as np.save writes it. */
export function networkToNpy(a: Mat | Float64Array): Uint8Array {
  const isVec = a instanceof Float64Array;
  const shape = isVec ? `(${a.length},)` : `(${a.rows}, ${a.cols})`;
  const data = isVec ? a : a.data;
  const dict = `{'descr': '<f8', 'fortran_order': False, 'shape': ${shape}, }`;
  // numpy: header padded with spaces and ended by '\n' so the data starts at a multiple of 64
  const hlen = dict.length + 1;
  const pad = 64 - ((10 + hlen) % 64);
  const header = dict + ' '.repeat(pad) + '\n';
  const out = new Uint8Array(10 + header.length + data.length * 8);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  const dv = new DataView(out.buffer);
  dv.setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  const off = 10 + header.length;
  for (let i = 0; i < data.length; i++) dv.setFloat64(off + 8 * i, data[i], true);
  return out;
}

/** .npz (stored zip, like np.savez) with members W1.npy, W2.npy and, when present, b1.npy, b2.npy. */
export function networkToNpz(net: NetworkWeights): Uint8Array {
  checkShapes(net);
  const files: Record<string, Uint8Array> = { 'W1.npy': networkToNpy(net.W1) };
  if (net.b1) files['b1.npy'] = networkToNpy(net.b1);
  files['W2.npy'] = networkToNpy(net.W2);
  if (net.b2) files['b2.npy'] = networkToNpy(net.b2);
  // fixed timestamp: the same network gives the same bytes
  return zipSync(files, { level: 0, mtime: new Date(1980, 0, 1) });
}

/**
 * CSV, one block per tensor, blocks separated by an empty line:
 *   # W1 m×d (row j = input weights of neuron j)      then m rows of d numbers
 *   # b1 m                                            then one row of m numbers ("# b1 absent" when there is none)
 *   # W2 c×m (column j = output weights of neuron j)  then c rows of m numbers
 *   # b2 c                                            then one row of c numbers (or "# b2 absent")
 * Numbers are written with the shortest representation that reads back to the same float64.
 * f(x) = W2 · relu(W1 x + b1) + b2.
 */
/** shortest round-trip text of a float64; keeps the sign of zero */
const num = (v: number) => (Object.is(v, -0) ? '-0' : String(v));

export function networkToCsv(net: NetworkWeights): string {
  checkShapes(net);
  const m = net.W1.rows,
    d = net.W1.cols,
    c = net.W2.rows;
  const rows = (A: Mat) => Array.from({ length: A.rows }, (_, i) => Array.from(A.data.subarray(i * A.cols, (i + 1) * A.cols), num).join(','));
  const blocks = [
    [`# W1 ${m}×${d} (row j = input weights of neuron j)`, ...rows(net.W1)],
    net.b1 ? [`# b1 ${m}`, Array.from(net.b1, num).join(',')] : ['# b1 absent'],
    [`# W2 ${c}×${m} (column j = output weights of neuron j)`, ...rows(net.W2)],
    net.b2 ? [`# b2 ${c}`, Array.from(net.b2, num).join(',')] : ['# b2 absent'],
  ];
  return `# relu-lens network: f(x) = W2 · relu(W1 x + b1) + b2\n\n${blocks.map((b) => b.join('\n')).join('\n\n')}\n`;
}

export function networkToJson(net: NetworkWeights): NetworkJson {
  checkShapes(net);
  return toJson(net);
}
