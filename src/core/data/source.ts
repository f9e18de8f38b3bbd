/**
 * Where a reader's bytes come from: bytes already in memory (the extension reads through VS Code's
 * fs) or a file read piece by piece (the CLI), so that a text table is streamed and an .npz only
 * has its directory and the members used read — never the whole file just to refuse it.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { dataError } from '../errors';

export interface ByteSource {
  /** total length when known (bytes in memory, a regular file); undefined for a pipe */
  readonly size: number | undefined;
  /**
   * Bytes [offset, offset + length), empty only past the end; never changed afterwards by the
   * source. The zip and .npy readers count on full reads before the end (readUpTo loops), the text
   * reader takes any length. A source without a size (a pipe) serves its first HEAD_BYTES again,
   * and otherwise only increasing offsets.
   */
  read(offset: number, length: number): Uint8Array;
}

export const bytesSource = (b: Uint8Array): ByteSource => ({
  size: b.length,
  read: (offset, length) => b.subarray(Math.min(offset, b.length), Math.min(b.length, offset + length)),
});

/** Up to n bytes from offset, however many reads that takes (fewer only at the end). */
export function readUpTo(src: ByteSource, offset: number, n: number): Uint8Array {
  if (src.size !== undefined) n = Math.max(0, Math.min(n, src.size - offset));
  const first = src.read(offset, n);
  if (first.length === n || first.length === 0) return first;
  const out = new Uint8Array(n);
  out.set(first);
  let got = first.length;
  while (got < n) {
    const piece = src.read(offset + got, n - got);
    if (piece.length === 0) break;
    out.set(piece, got);
    got += piece.length;
  }
  return out.subarray(0, got);
}

/** The first bytes, for format detection. */
export const head = (src: ByteSource, n = 64): Uint8Array => readUpTo(src, 0, n);

/**
 * All of the source's bytes, refused past `cap`: from the size, before anything is read, where
 * it is known; else (a pipe) once more than `cap` bytes have come (tooBig gets that lower bound).
 */
export function readAll(src: ByteSource, cap: number, tooBig: (size: number, exact: boolean) => Error): Uint8Array {
  if (src.size !== undefined) {
    if (src.size > cap) throw tooBig(src.size, true);
    return readUpTo(src, 0, src.size);
  }
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const piece = src.read(total, 1 << 20);
    if (piece.length === 0) break;
    total += piece.length;
    if (total > cap) throw tooBig(total, false);
    parts.push(piece);
  }
  return concatBytes(parts, total);
}

/** The pieces one after another in a fresh buffer of `total` bytes (their summed length). */
export function concatBytes(parts: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export const HEAD_BYTES = 64 * 1024;

export interface FileSource extends ByteSource {
  close(): void;
}

/** A file on disk read on demand (positional reads), or a pipe read once front to back. */
export function fileSource(path: string): FileSource {
  const cannot = (e: unknown) => {
    const err = e as NodeJS.ErrnoException;
    const why = err.code === 'ENOENT' ? 'no such file' : err.code === 'EISDIR' ? 'it is a directory' : err.message;
    return dataError(`cannot read the file: ${why}`, { file: path });
  };
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw cannot(e);
  }
  const close = () => closeSync(fd);
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw dataError('cannot read the file: it is a directory', { file: path });
    const fill = (buf: Uint8Array, position: number | null): number => {
      let got = 0;
      while (got < buf.length) {
        let n: number;
        try {
          n = readSync(fd, buf, got, buf.length - got, position === null ? null : position + got);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === 'EAGAIN') continue;
          throw cannot(e);
        }
        if (n === 0) break;
        got += n;
      }
      return got;
    };
    if (st.isFile()) {
      const size = st.size;
      return {
        size,
        read(offset, length) {
          const n = Math.max(0, Math.min(length, size - offset));
          const buf = new Uint8Array(n);
          return buf.subarray(0, fill(buf, offset));
        },
        close,
      };
    }
    // a FIFO, /dev/stdin, a character device: one pass front to back
    const first = new Uint8Array(HEAD_BYTES);
    const headBytes = first.subarray(0, fill(first, null));
    let consumed = headBytes.length;
    return {
      size: undefined,
      read(offset, length) {
        if (offset < headBytes.length) return headBytes.subarray(offset, Math.min(headBytes.length, offset + length));
        if (offset !== consumed) throw dataError('cannot read the file: it is not a regular file and cannot be read out of order', { file: path });
        const buf = new Uint8Array(length);
        const n = fill(buf, null);
        consumed += n;
        return buf.subarray(0, n);
      },
      close,
    };
  } catch (e) {
    close();
    throw e;
  }
}
