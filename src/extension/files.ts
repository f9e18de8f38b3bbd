import * as vscode from 'vscode';
import { ReluLensError } from '../core/errors';
import {
  MAX_EXTERNAL_BYTES,
  externalError,
  rangeError,
  rangeFits,
  rangeKey,
  safeRelativePath,
  type ExternalEntry,
  type ExternalRange,
} from '../core/io/external';
import { MAX_MODEL_BYTES, ModelFolder, type FileSystem } from '../core/io/files';
import type { Engine } from './engine';
import type { ExportFormat, ModelSource, WorkerRequest, WorkerResponse } from './protocol';
import type { NetworkJson } from '../core/report/analysisJson';

type Final = Exclude<WorkerResponse, { kind: 'progress' }>;
type Req = WorkerRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/** Round trips for external data, at most (the worker lists everything it needs in the first). */
const MAX_EXTERNAL_ROUNDS = 4;

export class FileReadError extends Error {
  constructor(
    readonly uri: vscode.Uri,
    readonly why: string,
  ) {
    super(`cannot read ${vscode.workspace.asRelativePath(uri)}: ${why}`);
  }
}

/** Model and data files larger than this are refused before they are read (the engine's own cap). */
export const MAX_READ_BYTES = MAX_MODEL_BYTES;
/** The setting that raises (or lowers) MAX_READ_BYTES, in MiB (package.json contributes.configuration). */
export const MAX_FILE_SETTING = 'reluLens.maxFileSizeMB';

/** The cap on a model or data file read by the host: the setting when the user set one, else MAX_READ_BYTES. */
export function maxReadBytes(): number {
  const mb = vscode.workspace.getConfiguration?.('reluLens').get<number>('maxFileSizeMB');
  return typeof mb === 'number' && mb > 0 ? Math.floor(mb * 2 ** 20) : MAX_READ_BYTES;
}

const mib = (b: number) => `${(b / 2 ** 20).toFixed(b < 2 ** 20 ? 2 : 0)} MiB`;

export interface ReadOptions {
  /** refused beyond this many bytes (default maxReadBytes()) */
  maxBytes?: number;
  /** a cancelled run stops waiting at once (the bytes of a read under way are dropped) */
  signal?: AbortSignal;
}

/** Thrown by a read whose run was cancelled. */
export class ReadCancelled extends Error {
  constructor() {
    super('cancelled');
  }
}

/** `p`, or ReadCancelled as soon as `signal` aborts. */
export function unlessCancelled<T>(p: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) {
    p.catch(() => undefined); // its outcome no longer matters
    return Promise.reject(new ReadCancelled());
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new ReadCancelled());
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * A model or data file, read whole through workspace.fs once it is known to be a regular file
 * (a FIFO or device would block or never end) no larger than the cap: a larger one is refused
 * before any byte is read, with the cap and the setting that raises it.
 */
export async function readBytes(uri: vscode.Uri, opts: ReadOptions = {}): Promise<Uint8Array> {
  const max = opts.maxBytes ?? maxReadBytes();
  if (opts.signal?.aborted) throw new ReadCancelled();
  try {
    const st = await unlessCancelled(Promise.resolve(vscode.workspace.fs.stat(uri)), opts.signal);
    if (!(st.type & vscode.FileType.File)) throw new FileReadError(uri, 'not a regular file (a FIFO, a device or a directory is never read)');
    if (st.size > max)
      throw new FileReadError(
        uri,
        `${mib(st.size)} (${st.size} bytes), over the ${mib(max)} limit for a model or data file: not read. Raise the setting ${MAX_FILE_SETTING} to read it`,
      );
    return await unlessCancelled(Promise.resolve(vscode.workspace.fs.readFile(uri)), opts.signal);
  } catch (e) {
    if (e instanceof FileReadError || e instanceof ReadCancelled) throw e;
    const why = e instanceof vscode.FileSystemError ? (e.code === 'FileNotFound' ? 'no such file' : e.code || e.message) : String(e);
    throw new FileReadError(uri, why);
  }
}

/** How the host reaches a model's external data: the engine's file layer, or workspace.fs for virtual folders. */
export interface ExternalReader {
  check(e: ExternalEntry): Promise<void>;
  read(r: ExternalRange): Promise<Uint8Array>;
}

/**
 * Local models (file:) go through the engine's file layer (src/core/io/files.ts): realpath
 * containment, regular files only, ranged reads, MAX_EXTERNAL_BYTES. Other schemes have only
 * workspace.fs: no realpath and no ranged read, so a symbolic link (whose target cannot be checked)
 * and anything that is not a plain file are refused, and a file larger than MAX_EXTERNAL_BYTES is
 * refused rather than read whole. `fs` replaces node:fs for local models (tests record what is opened).
 */
export function externalReader(model: vscode.Uri, fs?: FileSystem): ExternalReader {
  if (model.scheme === 'file') {
    const folder = new ModelFolder(model.fsPath, { fs });
    return { check: async (e) => folder.check(e), read: (r) => folder.readAsync(r) };
  }
  let total = 0;
  // the last whole file read (ranges of one file usually come together): at most MAX_EXTERNAL_BYTES
  let last: { path: string; bytes: Uint8Array } | undefined;
  const stat = async (e: ExternalEntry | ExternalRange): Promise<{ uri: vscode.Uri; size: number }> => {
    const rel = safeRelativePath(e.location);
    if (!rel) throw externalError(e, `is outside the model's folder (absolute, or leaves it with '..'): refused`);
    const uri = vscode.Uri.joinPath(model, '..', ...rel.split('/'));
    let st: vscode.FileStat;
    try {
      st = await vscode.workspace.fs.stat(uri);
    } catch {
      throw externalError(e, 'was not found next to the model');
    }
    if (st.type !== vscode.FileType.File)
      throw externalError(
        e,
        `is ${st.type & vscode.FileType.SymbolicLink ? 'a symbolic link' : st.type & vscode.FileType.Directory ? 'a directory' : 'not a regular file'}: refused`,
      );
    if (!rangeFits(e, st.size)) throw rangeError(e, st.size);
    return { uri, size: st.size };
  };
  return {
    check: async (e) => void (await stat(e)),
    async read(r) {
      const { uri, size } = await stat(r);
      if (size > MAX_EXTERNAL_BYTES || total + r.length > MAX_EXTERNAL_BYTES)
        throw externalError(
          r,
          `is too large to read here (${size} bytes; this file system has no ranged reads and the limit is ${MAX_EXTERNAL_BYTES}): refused`,
        );
      const bytes = last?.path === uri.path ? last.bytes : await vscode.workspace.fs.readFile(uri);
      last = { path: uri.path, bytes };
      if (!rangeFits(r, bytes.length)) throw rangeError(r, bytes.length);
      total += r.length;
      return bytes.slice(r.offset, r.offset + r.length);
    },
  };
}

const UNUSED = new Uint8Array(0);

/**
 * Checks every entry through the model's external reader and reads the used ranges into `into`
 * (keyed by rangeKey, an empty array marking an unused initializer that was checked, not read).
 */
export async function readExternalRanges(
  model: vscode.Uri,
  entries: ExternalEntry[],
  into: Record<string, Uint8Array>,
  reader: ExternalReader = externalReader(model),
  signal?: AbortSignal,
): Promise<void> {
  for (const e of entries) await unlessCancelled(reader.check(e), signal);
  for (const e of entries) {
    if (signal?.aborted) throw new ReadCancelled();
    const key = rangeKey(e);
    if (key in into) continue;
    into[key] = e.used && e.length !== undefined ? await reader.read({ location: e.location, offset: e.offset, length: e.length, tensor: e.tensor }) : UNUSED;
  }
}

/**
 * Sends a request that needs the model, adding the external data the worker asks for (checked and
 * read range by range through the engine's file layer, see readExternalRanges) until it answers
 * something else. `send` is the engine call: a light request, or a heavy job whose cancel handle
 * the caller keeps. `entries` (optional) is updated with what the worker asked for, so the next run
 * can read it up front; `reader` replaces externalReader(model) (tests).
 */
export async function withExternals(
  model: vscode.Uri,
  src: ModelSource,
  send: (req: ModelSource) => Promise<Final>,
  entries?: ExternalEntry[],
  reader?: ExternalReader,
): Promise<Final> {
  for (let i = 0; i <= MAX_EXTERNAL_ROUNDS; i++) {
    const res = await send(src);
    if (res.ok || !res.needExternal) return res;
    const asked = res.needRanges ?? [];
    // the host never reads a whole file on a bare path, and never serves the same ranges twice
    if (!asked.length || asked.every((e) => rangeKey(e) in src.externals))
      return {
        ...res,
        needExternal: undefined,
        needRanges: undefined,
        error: `${src.modelName}: external data file '${res.needExternal}' cannot be read`,
        errorKind: 'model',
      };
    try {
      await readExternalRanges(model, asked, src.externals, reader);
    } catch (e) {
      const msg =
        e instanceof ReluLensError ? e.message : `external data file '${res.needExternal}' cannot be read (${e instanceof Error ? e.message : String(e)})`;
      return { id: res.id, ok: false, error: `${src.modelName}: ${msg}`, errorKind: 'model' };
    }
    entries?.splice(0, entries.length, ...asked);
  }
  return { id: 0, ok: false, error: `${src.modelName}: the external data could not be gathered`, errorKind: 'model' };
}

export async function modelSource(engineModel: vscode.Uri, signal?: AbortSignal): Promise<ModelSource> {
  return { modelBytes: await readBytes(engineModel, { signal }), modelName: vscode.workspace.asRelativePath(engineModel, false), externals: {} };
}

/** A light request needing the model (inspect, ONNX export). */
export function lightWithModel(
  engine: Engine,
  model: vscode.Uri,
  src: ModelSource,
  rest: { kind: 'inspect' } | { kind: 'export'; format: ExportFormat; net: NetworkJson },
): Promise<Final> {
  return withExternals(model, src, (s) => engine.request({ ...rest, ...s } as Req));
}
