/**
 * Hand-built zip archives for the npz limit tests: sizes declared at will (a lying archive), a
 * deflate stream of any length of zeros in O(length / 1000) bytes (a zip bomb), and numpy's own
 * layout (ZIP64 local headers with 0xFFFFFFFF sizes) by default.
 */
import { constants, deflateRawSync } from 'node:zlib';

export interface ZipMember {
  name: string;
  /** the member's bytes as they are in the archive (deflated when method is 8) */
  stored: Uint8Array;
  method: 0 | 8;
  /** uncompressed size the central directory declares */
  size: number;
  /** uncompressed size the local header declares (default: size) */
  localSize?: number;
  /** local sizes as numpy writes them: 0xFFFFFFFF plus a ZIP64 extra field (default true) */
  zip64Local?: boolean;
}

export function buildZip(members: ZipMember[]): Uint8Array {
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  const enc = new TextEncoder();
  for (const m of members) {
    const name = enc.encode(m.name);
    const z64 = m.zip64Local ?? true;
    const localSize = m.localSize ?? m.size;
    const extra = new Uint8Array(z64 ? 20 : 0);
    if (z64) {
      const ev = new DataView(extra.buffer);
      ev.setUint16(0, 1, true);
      ev.setUint16(2, 16, true);
      ev.setBigUint64(4, BigInt(localSize), true);
      ev.setBigUint64(12, BigInt(m.stored.length), true);
    }
    const lh = new Uint8Array(30);
    const lv = new DataView(lh.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(4, z64 ? 45 : 20, true);
    lv.setUint16(8, m.method, true);
    lv.setUint16(12, 0x21, true);
    lv.setUint32(18, z64 ? 0xffffffff : m.stored.length, true);
    lv.setUint32(22, z64 ? 0xffffffff : localSize, true);
    lv.setUint16(26, name.length, true);
    lv.setUint16(28, extra.length, true);
    parts.push(lh, name, extra, m.stored);

    const ch = new Uint8Array(46);
    const cv = new DataView(ch.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, 45, true);
    cv.setUint16(6, 45, true);
    cv.setUint16(10, m.method, true);
    cv.setUint16(14, 0x21, true);
    cv.setUint32(20, m.stored.length, true);
    cv.setUint32(24, m.size, true);
    cv.setUint16(28, name.length, true);
    cv.setUint32(42, offset, true);
    central.push(ch, name);
    offset += lh.length + name.length + extra.length + m.stored.length;
  }
  const cdSize = central.reduce((a, p) => a + p.length, 0);
  const eocd = new Uint8Array(22);
  const ev = new DataView(eocd.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, members.length, true);
  ev.setUint16(10, members.length, true);
  ev.setUint32(12, cdSize, true);
  ev.setUint32(16, offset, true);
  return concat([...parts, ...central, eocd]);
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Raw deflate of `data` ending with a sync flush (byte-aligned, not final): streams of these
 * concatenate. zlib's, because fflate's flush(true) output does not always continue cleanly.
 */
function syncSegment(data: Uint8Array): Uint8Array {
  return new Uint8Array(deflateRawSync(data, { level: 6, finishFlush: constants.Z_SYNC_FLUSH }));
}

const SEGMENT = 16 * 1024 * 1024;
let zeroSegment: Uint8Array | null = null;

/**
 * A raw deflate stream that inflates to `prefix` followed by `zeros` zero bytes, built from one
 * deflated 16 MiB block of zeros repeated (~16 KB each: 1.5 GiB of zeros is ~1.6 MB).
 */
export function deflatedZeros(prefix: Uint8Array, zeros: number): Uint8Array {
  zeroSegment ??= syncSegment(new Uint8Array(SEGMENT));
  const parts: Uint8Array[] = [];
  if (prefix.length) parts.push(syncSegment(prefix));
  for (let left = zeros; left > 0; left -= SEGMENT) parts.push(left >= SEGMENT ? zeroSegment : syncSegment(new Uint8Array(left)));
  parts.push(new Uint8Array([0x03, 0x00])); // an empty final block
  return concat(parts);
}

/** A version-1.0 .npy header (magic through padding), for members whose data is generated. */
export function npyHeader(descr: string, shapeText: string): Uint8Array {
  const header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const text = header + ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const bytes = new Uint8Array(10 + text.length);
  bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, text.length & 0xff, text.length >> 8]);
  bytes.set(new TextEncoder().encode(text), 10);
  return bytes;
}
