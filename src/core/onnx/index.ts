/**
 * Public API of the ONNX reader. `readModelBytes` never touches the file system (the extension
 * hands it bytes read through VS Code's fs, and external data through a callback); `readModelFile`
 * and `externalDataReader` are the Node conveniences used by the CLI, the worker and the tests.
 */
import { ReluLensError, modelError } from '../errors';
import type { CanonicalModel } from '../model';
import { decodeModelProto, type ModelProto } from './proto';
import { recognize } from './recognize';
import * as fs from 'node:fs';
import * as nodePath from 'node:path';

export { crossCheck, type CrossCheckResult, type CrossCheckOptions } from './ortCheck';
export { safeRelativePath } from './tensor';

export interface ReadBytesOptions {
  /** path shown in messages */
  file: string;
  /** the model's folder, for messages only */
  dir?: string;
  /** bytes of an external data file, path relative to the model's folder (already checked not to escape it) */
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
  if (!model.graph || !model.graph.node?.length)
    throw modelError('not an ONNX model: no graph found (is this an .onnx file?)', { file });
  return model;
}

export function readModelBytes(bytes: Uint8Array, opts: ReadBytesOptions): CanonicalModel {
  const model = decodeModel(bytes, opts.file);
  try {
    return recognize(model, { file: opts.file, readExternal: opts.readExternal });
  } catch (e) {
    if (e instanceof ReluLensError) throw e;
    // a corrupted file can break invariants the recognizer relies on; never leak a raw TypeError
    const why = e instanceof Error ? e.message : String(e);
    throw modelError(`the model is malformed and cannot be read (${why})`, { file: opts.file });
  }
}

export async function readModelFile(path: string): Promise<{ model: CanonicalModel; bytes: Uint8Array }> {
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(path);
  } catch (e) {
    throw modelError(`cannot read the model file (${(e as NodeJS.ErrnoException).code ?? String(e)})`, { file: path });
  }
  const dir = nodePath.dirname(nodePath.resolve(path));
  const readExternal = externalDataReader(dir, path);
  const model = readModelBytes(bytes, { file: path, dir, readExternal });
  return { model, bytes };
}

/**
 * Reads external-data files named by a model in `dir`, refusing any that resolve outside it
 * (also through symlinks). Shared by the CLI and the extension's worker.
 */
export function externalDataReader(dir: string, file: string): (rel: string) => Uint8Array {
  const path = file;
  let realDir: string;
  try {
    realDir = fs.realpathSync(dir);
  } catch {
    throw modelError(`the model's folder cannot be read`, { file });
  }
  const cache = new Map<string, Uint8Array>();
  const readExternal = (rel: string): Uint8Array => {
    const hit = cache.get(rel);
    if (hit) return hit;
    const full = nodePath.resolve(dir, rel);
    let real: string;
    try {
      real = fs.realpathSync(full);
    } catch {
      throw modelError(`external data file '${rel}' was not found next to the model`, { file: path });
    }
    // a symlink inside the folder must not lead outside it either
    if (real !== realDir && !real.startsWith(realDir + nodePath.sep))
      throw modelError(`external data file '${rel}' resolves outside the model's folder: refused`, { file: path });
    const data = fs.readFileSync(real);
    cache.set(rel, data);
    return data;
  };
  return readExternal;
}
