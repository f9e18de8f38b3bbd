/**
 * Public API of the ONNX reader. `readModelBytes` never touches the file system (the extension
 * hands it bytes read through VS Code's fs, and external data through an ExternalSource);
 * `readModelFile` is the Node convenience used by the CLI and the tests: the model and its external
 * data go through the engine's file layer (src/core/io/files.ts).
 */
import { ReluLensError, modelError } from '../errors';
import type { CanonicalModel } from '../model';
import { callbackSource, type ExternalEntry, type ExternalSource } from '../io/external';
import { ModelFolder, readRegularFile, type FileSystem } from '../io/files';
import { decodeModelProto, type ModelProto } from './proto';
import { recognize } from './recognize';
import { checkExternal, listExternal } from './external';

export { crossCheck, type CrossCheckResult, type CrossCheckOptions } from './ortCheck';
export { safeRelativePath } from '../io/external';

export interface ReadBytesOptions {
  /** path shown in messages */
  file: string;
  /** the model's folder, for messages only */
  dir?: string;
  /**
   * External data, range by range (preferred): every entry of the model is checked through it
   * before anything is read (when it can check), then only the ranges the recognizer needs are read.
   */
  external?: ExternalSource;
  /** older form: bytes of a whole external data file, path relative to the model's folder (already checked not to escape it) */
  readExternal?: (relPath: string) => Uint8Array;
}

/** Decodes the protobuf, turning any decoder failure into a clear "not an ONNX model" error. */
export function decodeModel(bytes: Uint8Array, file: string): ModelProto {
  if (bytes.length === 0) throw modelError('not an ONNX model: the file is empty', { file });
  let model: ModelProto;
  try {
    model = decodeModelProto(bytes);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw modelError(`not an ONNX model: the protobuf data is corrupt or truncated (${why})`, { file });
  }
  if (!model.graph || !model.graph.node?.length) throw modelError('not an ONNX model: no graph found (is this an .onnx file?)', { file });
  return model;
}

/** The external entries of a decoded model, each checked through `external` (see ./external.ts). */
export function checkModelExternal(model: ModelProto, file: string, external?: ExternalSource): ExternalEntry[] {
  return checkExternal(listExternal(model, file), external, file);
}

export function readModelBytes(bytes: Uint8Array, opts: ReadBytesOptions): CanonicalModel {
  return readDecodedModel(decodeModel(bytes, opts.file), opts);
}

/** readModelBytes for a model already decoded with decodeModel (the worker looks at its external entries first). */
export function readDecodedModel(model: ModelProto, opts: ReadBytesOptions): CanonicalModel {
  const external = opts.external ?? (opts.readExternal ? callbackSource(opts.readExternal) : undefined);
  try {
    // before anything is read: an unused initializer pointing at /dev/zero is refused here too
    checkModelExternal(model, opts.file, external);
    return recognize(model, { file: opts.file, external });
  } catch (e) {
    if (e instanceof ReluLensError) throw e;
    // a corrupted file can break invariants the recognizer relies on; never leak a raw TypeError
    const why = e instanceof Error ? e.message : String(e);
    throw modelError(`the model is malformed and cannot be read (${why})`, { file: opts.file });
  }
}

export interface ReadFileOptions {
  /** file-system calls to use instead of node:fs (tests record what is opened) */
  fs?: FileSystem;
  /** cap on the external bytes read (default MAX_EXTERNAL_BYTES) */
  maxExternalBytes?: number;
}

/**
 * Reads a model file and, through one ModelFolder, the external data it needs. `external` is that
 * folder: pass it to crossCheck so onnxruntime gets the very bytes the reader read (no second read).
 */
export async function readModelFile(path: string, opts: ReadFileOptions = {}): Promise<{ model: CanonicalModel; bytes: Uint8Array; external: ModelFolder }> {
  const bytes = readRegularFile(path, { what: 'the model file', fs: opts.fs });
  const external = new ModelFolder(path, { fs: opts.fs, maxBytes: opts.maxExternalBytes });
  const model = readModelBytes(bytes, { file: path, dir: external.dir, external });
  return { model, bytes, external };
}
