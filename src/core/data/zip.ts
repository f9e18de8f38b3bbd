/**
 * The zip container of an .npz, read from its central directory (ZIP64 included: np.savez writes
 * ZIP64 local headers). Nothing is inflated to list the members, and a member is inflated in small
 * pushes into a buffer of the size the archive declares, so a member that inflates past that size
 * (a zip bomb, a corrupt archive) is stopped there: memory never exceeds the declared size (itself
 * capped by the caller) plus one push's output.
 */
import { Inflate } from 'fflate';
import { concatBytes, readUpTo, type ByteSource } from './source';

export interface ZipEntry {
  name: string;
  /** 0 stored, 8 deflated */
  method: number;
  flags: number;
  compressedSize: number;
  /** uncompressed size as the central directory declares it */
  size: number;
  localOffset: number;
}

/** Thrown for an archive that is not a readable zip; the caller words it for the user. */
export class ZipFormatError extends Error {}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const U32 = 0xffffffff;

const bad = (msg: string) => new ZipFormatError(msg);

function u64(dv: DataView, at: number): number {
  const v = dv.getBigUint64(at, true);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw bad('a ZIP64 size or offset is beyond 2^53');
  return Number(v);
}

const view = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);

function readExact(src: ByteSource, offset: number, length: number, what: string): Uint8Array {
  const b = readUpTo(src, offset, length);
  if (b.length !== length) throw bad(`${what} runs past the end of the file`);
  return b;
}

/** The members listed in the central directory, in order. */
export function listZip(src: ByteSource): ZipEntry[] {
  const size = src.size ?? 0;
  if (size < 22) throw bad('the end-of-central-directory record is missing');
  const tailLen = Math.min(size, 22 + 0xffff);
  const tail = readUpTo(src, size - tailLen, tailLen);
  const tv = view(tail);
  let at = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tv.getUint32(i, true) === EOCD && i + 22 + tv.getUint16(i + 20, true) <= tail.length) {
      at = i;
      break;
    }
  }
  if (at < 0) throw bad('the end-of-central-directory record is missing');
  let count = tv.getUint16(at + 10, true);
  let cdSize = tv.getUint32(at + 12, true);
  let cdOffset = tv.getUint32(at + 16, true);
  const eocdPos = size - tailLen + at;
  if (count === 0xffff || cdSize === U32 || cdOffset === U32) {
    if (eocdPos < 20) throw bad('the ZIP64 end-of-central-directory locator is missing');
    const loc = view(readExact(src, eocdPos - 20, 20, 'the ZIP64 locator'));
    if (loc.getUint32(0, true) !== ZIP64_LOCATOR) throw bad('the ZIP64 end-of-central-directory locator is missing');
    const recAt = u64(loc, 8);
    const rec = view(readExact(src, recAt, 56, 'the ZIP64 end-of-central-directory record'));
    if (rec.getUint32(0, true) !== ZIP64_EOCD) throw bad('the ZIP64 end-of-central-directory record is missing');
    count = u64(rec, 32);
    cdSize = u64(rec, 40);
    cdOffset = u64(rec, 48);
  }
  if (cdOffset + cdSize > size) throw bad('the central directory runs past the end of the file');
  if (count * 46 > cdSize) throw bad(`the central directory is too short for ${count} entries`);
  const cd = readExact(src, cdOffset, cdSize, 'the central directory');
  const dv = view(cd);
  const entries: ZipEntry[] = [];
  let p = 0;
  for (let e = 0; e < count; e++) {
    if (p + 46 > cd.length || dv.getUint32(p, true) !== CENTRAL) throw bad(`central directory entry ${e + 1} is damaged`);
    const flags = dv.getUint16(p + 8, true);
    const method = dv.getUint16(p + 10, true);
    let compressedSize = dv.getUint32(p + 20, true);
    let usize = dv.getUint32(p + 24, true);
    const nameLen = dv.getUint16(p + 28, true);
    const extraLen = dv.getUint16(p + 30, true);
    const commentLen = dv.getUint16(p + 32, true);
    let localOffset = dv.getUint32(p + 42, true);
    const end = p + 46 + nameLen + extraLen + commentLen;
    if (end > cd.length) throw bad(`central directory entry ${e + 1} is damaged`);
    const nameBytes = cd.subarray(p + 46, p + 46 + nameLen);
    // bit 11: UTF-8 names; numpy's names are ASCII either way
    const name = new TextDecoder(flags & 0x800 ? 'utf-8' : 'latin1').decode(nameBytes);
    const z64 = zip64Extra(cd.subarray(p + 46 + nameLen, p + 46 + nameLen + extraLen));
    if (z64) {
      let q = 0;
      const need = (v: number) => {
        if (v !== U32) return v;
        if (q + 8 > z64.byteLength) throw bad(`member "${name}": its ZIP64 sizes are missing`);
        const x = u64(z64, q);
        q += 8;
        return x;
      };
      usize = need(usize);
      compressedSize = need(compressedSize);
      localOffset = need(localOffset);
    } else if (usize === U32 || compressedSize === U32 || localOffset === U32) {
      throw bad(`member "${name}": its ZIP64 sizes are missing`);
    }
    entries.push({ name, method, flags, compressedSize, size: usize, localOffset });
    p = end;
  }
  return entries;
}

/** The ZIP64 extended-information field (id 0x0001) of an extra block, if any. */
function zip64Extra(extra: Uint8Array): DataView | null {
  const dv = view(extra);
  for (let p = 0; p + 4 <= extra.length; ) {
    const id = dv.getUint16(p, true);
    const len = dv.getUint16(p + 2, true);
    if (id === 1) return new DataView(extra.buffer, extra.byteOffset + p + 4, Math.min(len, extra.length - p - 4));
    p += 4 + len;
  }
  return null;
}

/** Where the member's data starts, after checking its local header against the central directory. */
export function dataOffset(src: ByteSource, e: ZipEntry): number {
  const lh = view(readExact(src, e.localOffset, 30, `member "${e.name}"'s local header`));
  if (lh.getUint32(0, true) !== LOCAL) throw bad(`member "${e.name}": its local header is missing`);
  const method = lh.getUint16(8, true);
  let csize = lh.getUint32(18, true);
  let usize = lh.getUint32(22, true);
  const nameLen = lh.getUint16(26, true);
  const extraLen = lh.getUint16(28, true);
  if (method !== e.method) throw bad(`member "${e.name}": the local header and the central directory disagree on the compression method`);
  // sizes in a data descriptor after the data (bit 3): the central directory's are the ones
  if (!(e.flags & 8) || csize !== 0 || usize !== 0) {
    if (csize === U32 || usize === U32) {
      const extra = readExact(src, e.localOffset + 30 + nameLen, extraLen, `member "${e.name}"'s local header`);
      const z64 = zip64Extra(extra);
      if (!z64 || z64.byteLength < 16) throw bad(`member "${e.name}": its ZIP64 sizes are missing`);
      usize = u64(z64, 0);
      csize = u64(z64, 8);
    }
    if (usize !== e.size || csize !== e.compressedSize) {
      throw bad(
        `member "${e.name}": the local header declares ${usize} bytes (${csize} compressed), the central directory ${e.size} (${e.compressedSize} compressed)`,
      );
    }
  }
  const start = e.localOffset + 30 + nameLen + extraLen;
  if (start + e.compressedSize > (src.size ?? 0)) throw bad(`member "${e.name}": its data runs past the end of the file`);
  return start;
}

/** Compressed bytes pushed per step: deflate expands at most ~1032×, so one push yields ≤ ~17 MiB. */
export const INFLATE_PUSH_BYTES = 16 * 1024;

/**
 * Given the member's first bytes, how many of its bytes to keep (the rest is inflated only to be
 * counted), or null to be asked again with more. May throw to stop reading.
 */
export type KeepHook = (prefix: Uint8Array) => number | null;

/** Thrown when the member inflates to more or fewer bytes than the archive declares. */
export class SizeMismatch extends Error {
  constructor(
    readonly declared: number,
    readonly actual: number,
    readonly more: boolean,
  ) {
    super(more ? `inflates to more than the ${declared} bytes the archive declares` : `inflates to ${actual} bytes, the archive declares ${declared}`);
  }
}

/**
 * The member's first `keep` bytes (all of them without a hook): a view (stored, in memory) or a
 * buffer of exactly that size. The caller has checked e.size against its cap. Inflation runs in
 * small pushes and stops as soon as the output passes e.size; output past `keep` is counted, not
 * stored, so memory is what the caller keeps plus one push's output.
 */
export function readMember(src: ByteSource, e: ZipEntry, keepHook?: KeepHook): Uint8Array {
  if (e.flags & 1) throw bad(`member "${e.name}" is encrypted`);
  const start = dataOffset(src, e);
  if (e.method === 0) {
    if (e.compressedSize !== e.size)
      throw bad(`member "${e.name}" is stored uncompressed but declares ${e.compressedSize} stored and ${e.size} uncompressed bytes`);
    const keep = keepHook ? (keepHook(readUpTo(src, start, Math.min(e.size, 1 << 17))) ?? e.size) : e.size;
    return readExact(src, start, Math.min(keep, e.size), `member "${e.name}"`);
  }
  if (e.method !== 8) throw bad(`member "${e.name}" uses compression method ${e.method}; only stored (np.savez) and deflate (np.savez_compressed) are read`);

  // until the hook has decided, output collects in `pending`; then the kept part goes to `out`
  let out: Uint8Array | null = null;
  let keep = e.size;
  let pending: Uint8Array[] = [];
  let pendingLen = 0;
  let produced = 0;
  let over = false;
  const inflater = new Inflate((chunk) => {
    if (over || chunk.length === 0) return;
    if (produced + chunk.length > e.size) {
      over = true;
      // the part within the declared size still goes to the hook: a bad header is the better message
      if (!out) pending.push(chunk.subarray(0, e.size - produced));
      produced += chunk.length;
      return;
    }
    if (out) {
      if (produced < keep) out.set(chunk.subarray(0, keep - produced), produced);
    } else {
      pending.push(chunk);
      pendingLen += chunk.length;
    }
    produced += chunk.length;
  });
  const decide = (atEnd: boolean) => {
    if (out) return;
    const prefix = concat(pending, pendingLen);
    const k = keepHook ? keepHook(prefix) : e.size;
    if (k === null && !atEnd) {
      pending = [prefix];
      return;
    }
    keep = Math.min(k ?? e.size, e.size);
    out = new Uint8Array(keep);
    out.set(prefix.subarray(0, keep));
    pending = [];
  };
  if (e.compressedSize === 0) throw bad(`member "${e.name}": the compressed data is empty`);
  for (let off = 0; off < e.compressedSize; ) {
    const n = Math.min(INFLATE_PUSH_BYTES, e.compressedSize - off);
    const piece = readExact(src, start + off, n, `member "${e.name}"`);
    off += n;
    try {
      inflater.push(piece, off >= e.compressedSize);
    } catch (err) {
      throw bad(`member "${e.name}": ${(err as Error).message}`);
    }
    if (over) {
      if (!out && keepHook) keepHook(concat(pending, e.size));
      throw new SizeMismatch(e.size, produced, true);
    }
    decide(false);
  }
  if (produced !== e.size) throw new SizeMismatch(e.size, produced, false);
  decide(true);
  return out!;
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  return parts.length === 1 ? parts[0] : concatBytes(parts, total);
}
