/**
 * External data of an ONNX model, as the engine sees it: ranges of files named relative to the
 * model's folder. This module is pure (no node:fs): the byte-level reader, the worker and the
 * onnxruntime cross-check use it with bytes that were read elsewhere. The file system side (realpath
 * containment, regular files only, ranged reads, the byte cap) is ./files.ts.
 */
import { modelError } from '../errors';

/**
 * Most external-data bytes read for one model, in total (the reader's and the cross-check's reads
 * together; a range read twice is counted once). The reader materialises at most
 * MAX_TENSOR_ELEMENTS = 2^26 weights (src/core/onnx/tensor.ts), 8 bytes each at the widest (float64,
 * int64): 2^29 bytes = 512 MiB is the most a model the reader accepts can need. Anything beyond is
 * refused before a byte is read.
 */
export const MAX_EXTERNAL_BYTES = 2 ** 29;

/** Bytes [offset, offset + length) of the file `location` (relative to the model's folder, normalised). */
export interface ExternalRange {
  location: string;
  offset: number;
  length: number;
  /** the tensor that needs them, named in every refusal */
  tensor: string;
}

/**
 * One external_data reference of a model, before anything is read: `length` may be absent (then the
 * tensor's dims give it); `used` is false for an initializer no node uses, which is checked (a model
 * pointing at /dev/zero or outside its folder is refused) but never read.
 */
export interface ExternalEntry {
  location: string;
  offset: number;
  length?: number;
  tensor: string;
  used: boolean;
}

/**
 * Where external bytes come from. `read` returns exactly the range's bytes or throws a
 * ReluLensError naming the file, the tensor and the reason; `check` (optional) refuses an entry
 * that could never be read safely without reading it.
 */
export interface ExternalSource {
  check?(entry: ExternalEntry): void;
  read(range: ExternalRange): Uint8Array;
}

/** "tensor 'W1'" / "initializer 'junk', which no node uses," for messages. */
export function tensorLabel(e: { tensor: string; used?: boolean }): string {
  const name = e.tensor ? `'${e.tensor}'` : '(unnamed)';
  return e.used === false ? `initializer ${name} (used by no node)` : `tensor ${name}`;
}

/** The refusal for an external-data file: `tensor 'W1': external data file 'w.bin' <reason>`. */
export function externalError(e: { tensor: string; used?: boolean; location: string }, reason: string) {
  return modelError(`${tensorLabel(e)}: external data file '${e.location}' ${reason}`);
}

/** "bytes 16…48" message for a range that does not fit in a file of `size` bytes. */
export function rangeError(e: { tensor: string; used?: boolean; location: string; offset: number; length?: number }, size: number) {
  const end = e.length === undefined ? `${e.offset}…` : `${e.offset}…${e.offset + e.length}`;
  return externalError(e, `is read at bytes ${end}, but the file has only ${size} bytes (truncated?)`);
}

/** Checks a range against a file size (and the offset alone when the length is not known yet). */
export function rangeFits(e: { offset: number; length?: number }, size: number): boolean {
  return e.offset <= size && (e.length === undefined || e.offset + e.length <= size);
}

/**
 * Normalises a relative path ('a/./b', 'a\\b') and returns null when it is absolute or climbs out
 * of the model's folder. Pure string logic: symlinks are the file layer's business (./files.ts).
 */
export function safeRelativePath(p: string): string | null {
  if (!p || p.includes('\0')) return null;
  const s = p.replace(/\\/g, '/');
  if (s.startsWith('/') || /^[a-zA-Z]:/.test(s) || s.startsWith('~')) return null;
  const parts: string[] = [];
  for (const seg of s.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (!parts.length) return null;
      parts.pop();
    } else parts.push(seg);
  }
  return parts.length ? parts.join('/') : null;
}

/** Key of a range in an in-memory map (the extension sends ranges to the worker under these keys). */
export function rangeKey(r: { location: string; offset: number; length?: number }): string {
  return JSON.stringify([r.location, r.offset, r.length ?? null]);
}

/**
 * Ranges held in memory: `map` has either exact ranges under rangeKey() or whole files under their
 * relative path (what the byte-level API and older callers pass). Anything else is "not read".
 */
export function memorySource(map: Record<string, Uint8Array | undefined>): ExternalSource & { has(e: ExternalEntry): boolean } {
  const own = (k: string) => (Object.prototype.hasOwnProperty.call(map, k) ? map[k] : undefined);
  return {
    has: (e) => own(rangeKey(e)) !== undefined || own(e.location) !== undefined,
    check(e) {
      const whole = own(e.location);
      if (whole && !rangeFits(e, whole.length)) throw rangeError(e, whole.length);
    },
    read(r) {
      const exact = own(rangeKey(r));
      if (exact && exact.length === r.length) return exact;
      const whole = own(r.location);
      if (!whole) throw externalError(r, 'was not read');
      if (!rangeFits(r, whole.length)) throw rangeError(r, whole.length);
      return whole.subarray(r.offset, r.offset + r.length);
    },
  };
}

/** The older API: a callback returning a whole external file by its relative path. */
export function callbackSource(readWhole: (relPath: string) => Uint8Array): ExternalSource {
  return {
    read(r) {
      const whole = readWhole(r.location);
      if (!rangeFits(r, whole.length)) throw rangeError(r, whole.length);
      return whole.subarray(r.offset, r.offset + r.length);
    },
  };
}
