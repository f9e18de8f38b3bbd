/**
 * The engine's one way into the files a model names (its external data) and into the model file
 * itself, on Node. Used by the ONNX reader (readModelFile), the onnxruntime cross-check, the CLI,
 * and the extension host for local (file:) models.
 *
 * Rules, in the order they are applied (each refusal is a ReluLensError naming the file, the
 * tensor and the reason):
 *   1. the location is relative and stays in the model's folder as written (./external.ts);
 *   2. its realpath stays in the realpath of the model's folder (a symlink leading out is refused,
 *      before the target is ever opened);
 *   3. it is a regular file by stat() (FIFOs, devices, sockets, directories are refused without being
 *      opened), then opened with O_NONBLOCK | O_NOFOLLOW and checked again with fstat(), the same
 *      file (device and inode) as the one stat()ed, and on Linux /proc/self/fd says it still lies in
 *      the folder (a swap between the check and the open is refused);
 *   4. offset + length lies within the file's size, and the total read stays within
 *      MAX_EXTERNAL_BYTES, both BEFORE the buffer is allocated;
 *   5. only those bytes are read (positioned reads), each range once (cached).
 */
import * as nodeFs from 'node:fs';
import * as nodePath from 'node:path';
import { modelError } from '../errors';
import {
  MAX_EXTERNAL_BYTES,
  externalError,
  rangeError,
  rangeFits,
  rangeKey,
  safeRelativePath,
  type ExternalEntry,
  type ExternalRange,
  type ExternalSource,
} from './external';

/**
 * Largest model file read (the protobuf itself). Twice the largest weights the reader accepts
 * (MAX_EXTERNAL_BYTES); anything bigger cannot be a network the reader would take.
 */
export const MAX_MODEL_BYTES = 2 ** 30;

/** The node:fs calls the layer makes; tests inject a recording wrapper, production uses node:fs. */
export type FileSystem = Pick<typeof nodeFs, 'realpathSync' | 'statSync' | 'openSync' | 'fstatSync' | 'readSync' | 'read' | 'closeSync' | 'readlinkSync'>;

const C = nodeFs.constants;
/** O_NONBLOCK: opening a FIFO never waits for a writer; O_NOFOLLOW: the checked path must not have become a symlink. */
const OPEN_FLAGS = C.O_RDONLY | (C.O_NONBLOCK ?? 0) | (C.O_NOFOLLOW ?? 0);

const errCode = (e: unknown) => (e as NodeJS.ErrnoException)?.code ?? String(e);

/** What a non-regular file is, in words. */
function kindOf(st: nodeFs.Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  if (st.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}

const inside = (real: string, dir: string) => real.startsWith(dir.endsWith(nodePath.sep) ? dir : dir + nodePath.sep);

interface Resolved {
  real: string;
  size: number;
  dev: number;
  ino: number;
}

/**
 * External data of one model file, read from its folder under the rules above. One instance per
 * model read: it counts the bytes read against `maxBytes` and caches each range, so the reader and
 * the cross-check share what was read.
 */
export class ModelFolder implements ExternalSource {
  /** the folder as the model path names it (ONNX resolves locations against it) */
  readonly dir: string;
  private realDir?: string;
  private readonly fs: FileSystem;
  private readonly maxBytes: number;
  private readonly resolved = new Map<string, Resolved>();
  private readonly cache = new Map<string, Uint8Array>();
  /** bytes read from external files so far (each cached range once) */
  bytesRead = 0;
  /** number of positioned reads made (for tests: a range is never read twice) */
  reads = 0;

  constructor(
    readonly modelFile: string,
    opts: { fs?: FileSystem; maxBytes?: number } = {},
  ) {
    this.dir = nodePath.dirname(nodePath.resolve(modelFile));
    this.fs = opts.fs ?? nodeFs;
    this.maxBytes = opts.maxBytes ?? MAX_EXTERNAL_BYTES;
  }

  private folder(): string {
    if (this.realDir === undefined) {
      try {
        this.realDir = this.fs.realpathSync(this.dir);
      } catch (e) {
        throw modelError(`the model's folder cannot be read (${errCode(e)})`, { file: this.modelFile });
      }
    }
    return this.realDir;
  }

  /** Rules 1–3 up to stat(): the file's real path, size and identity, without opening it. */
  private resolve(e: { location: string; tensor: string; used?: boolean }): Resolved {
    const rel = safeRelativePath(e.location);
    if (!rel) throw externalError(e, `is outside the model's folder (absolute, or leaves it with '..'): refused`);
    const hit = this.resolved.get(rel);
    if (hit) return hit;
    const realDir = this.folder();
    let real: string;
    try {
      real = this.fs.realpathSync(nodePath.join(this.dir, ...rel.split('/')));
    } catch (err) {
      const code = errCode(err);
      if (code === 'ENOENT' || code === 'ENOTDIR') throw externalError(e, `was not found next to the model`);
      if (code === 'ELOOP') throw externalError(e, `is a symbolic link loop: refused`);
      throw externalError(e, `cannot be read (${code})`);
    }
    // a symlink inside the folder must not lead outside it; the target is never opened
    if (!inside(real, realDir)) throw externalError(e, `resolves outside the model's folder (through a symbolic link): refused`);
    let st: nodeFs.Stats;
    try {
      st = this.fs.statSync(real);
    } catch (err) {
      throw externalError(e, `cannot be read (${errCode(err)})`);
    }
    if (!st.isFile()) throw externalError(e, `is ${kindOf(st)}, not a regular file: refused`);
    const r = { real, size: st.size, dev: st.dev, ino: st.ino };
    this.resolved.set(rel, r);
    return r;
  }

  /** Refuses an entry that could never be read safely (rules 1–4), without opening the file. */
  check(e: ExternalEntry): void {
    const r = this.resolve(e);
    if (!rangeFits(e, r.size)) throw rangeError(e, r.size);
  }

  /** Rules 1–4, then opens and re-checks the file; the caller reads and closes. */
  private open(range: ExternalRange): { fd: number; key: string } {
    const r = this.resolve(range);
    if (!rangeFits(range, r.size)) throw rangeError(range, r.size);
    if (this.bytesRead + range.length > this.maxBytes)
      throw externalError(
        range,
        `would take the external data read for this model to ${this.bytesRead + range.length} bytes, beyond the limit of ${this.maxBytes} (MAX_EXTERNAL_BYTES): refused`,
      );
    let fd: number;
    try {
      fd = this.fs.openSync(r.real, OPEN_FLAGS);
    } catch (err) {
      const code = errCode(err);
      throw externalError(range, code === 'ELOOP' ? `became a symbolic link while being read: refused` : `cannot be opened (${code})`);
    }
    try {
      const st = this.fs.fstatSync(fd);
      if (!st.isFile()) throw externalError(range, `is ${kindOf(st)}, not a regular file: refused`);
      if (st.dev !== r.dev || st.ino !== r.ino) throw externalError(range, `was replaced while being read: refused`);
      if (!rangeFits(range, st.size)) throw rangeError(range, st.size);
      this.checkOpened(fd, range);
    } catch (err) {
      this.fs.closeSync(fd);
      throw err;
    }
    return { fd, key: rangeKey(range) };
  }

  /** Linux: the open file's own path must still be inside the folder (a parent swapped for a symlink). */
  private checkOpened(fd: number, range: ExternalRange) {
    if (process.platform !== 'linux') return;
    let now: string;
    try {
      now = this.fs.readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      return; // no /proc: rules 2–3 stand
    }
    if (!inside(now, this.folder())) throw externalError(range, `resolves outside the model's folder: refused`);
  }

  private done(key: string, buf: Uint8Array): Uint8Array {
    this.bytesRead += buf.length;
    this.cache.set(key, buf);
    return buf;
  }

  /**
   * The read loop of read() and readAsync(): a buffer sized by the checked range (never by the file), filled by as
   * many reads as the file system needs; each yield asks for one read into `buf` at `got` and takes the bytes read.
   */
  private *fill(range: ExternalRange, key: string): Generator<{ buf: Uint8Array; got: number }, Uint8Array, number> {
    const buf = new Uint8Array(range.length);
    let got = 0;
    while (got < range.length) {
      this.reads++;
      const n = yield { buf, got };
      if (n === 0) throw externalError(range, `ended early while being read (truncated meanwhile?)`);
      got += n;
    }
    return this.done(key, buf);
  }

  /** Exactly the bytes of `range` (synchronous: the reader and the worker). */
  read(range: ExternalRange): Uint8Array {
    const hit = this.cache.get(rangeKey(range));
    if (hit) return hit;
    const { fd, key } = this.open(range);
    try {
      const steps = this.fill(range, key);
      let step = steps.next(0);
      while (!step.done) {
        const { buf, got } = step.value;
        step = steps.next(this.fs.readSync(fd, buf, got, range.length - got, range.offset + got));
      }
      return step.value;
    } finally {
      this.fs.closeSync(fd);
    }
  }

  /** Same as read(), without blocking the thread on the read itself (the extension host). */
  async readAsync(range: ExternalRange): Promise<Uint8Array> {
    const hit = this.cache.get(rangeKey(range));
    if (hit) return hit;
    const { fd, key } = this.open(range);
    try {
      const steps = this.fill(range, key);
      let step = steps.next(0);
      while (!step.done) {
        const { buf, got } = step.value;
        step = steps.next(
          await new Promise<number>((res, rej) =>
            this.fs.read(fd, buf, got, range.length - got, range.offset + got, (err, bytes) => (err ? rej(err) : res(bytes))),
          ),
        );
      }
      return step.value;
    } finally {
      this.fs.closeSync(fd);
    }
  }
}

/**
 * A whole file the user named (the model): a regular file (a FIFO or device is refused without
 * blocking), at most `maxBytes`, its size known before the buffer is allocated.
 */
export function readRegularFile(path: string, opts: { what?: string; maxBytes?: number; fs?: FileSystem } = {}): Uint8Array {
  const fs = opts.fs ?? nodeFs;
  const what = opts.what ?? 'the file';
  const maxBytes = opts.maxBytes ?? MAX_MODEL_BYTES;
  const fail = (why: string) => modelError(`cannot read ${what} (${why})`, { file: path });
  let st: nodeFs.Stats;
  try {
    st = fs.statSync(path);
  } catch (e) {
    throw fail(errCode(e));
  }
  if (!st.isFile()) throw fail(`it is ${kindOf(st)}, not a regular file`);
  let fd: number;
  try {
    fd = fs.openSync(path, C.O_RDONLY | (C.O_NONBLOCK ?? 0));
  } catch (e) {
    throw fail(errCode(e));
  }
  try {
    const fst = fs.fstatSync(fd);
    if (!fst.isFile()) throw fail(`it is ${kindOf(fst)}, not a regular file`);
    if (fst.size > maxBytes) throw fail(`it has ${fst.size} bytes, more than the limit of ${maxBytes}`);
    const buf = new Uint8Array(fst.size);
    let got = 0;
    while (got < buf.length) {
      const n = fs.readSync(fd, buf, got, buf.length - got, got);
      if (n === 0) break;
      got += n;
    }
    return got === buf.length ? buf : buf.subarray(0, got);
  } finally {
    fs.closeSync(fd);
  }
}
