/**
 * NumPy .npz (a zip of .npy members, stored or deflated). Member names come from the central
 * directory without inflating anything, so only the arrays actually used are read. Each used
 * member is checked before its data is: the size the archive declares against maxMemberBytes,
 * then — as soon as its first bytes are inflated — the .npy header's shape × dtype against that
 * declared size and against maxCells; while inflating, output past the declared size stops it
 * (a zip bomb costs at most the declared size, not what it would inflate to), and a member that
 * ends short of it is refused too.
 */
import { dataError } from '../errors';
import { DEFAULT_LIMITS, limitNote, sizeText, type DataLimits } from './limits';
import { npyFail, readNpy, readNpyHeader, type NdArray } from './npy';
import { pickMembers, type Role } from './members';
import { readAll, type ByteSource, bytesSource } from './source';
import type { LabelSpec, ReadResult, Table } from './types';
import { listZip, readMember, SizeMismatch, ZipFormatError, type ZipEntry } from './zip';

export const isZip = (b: Uint8Array) => b.length >= 4 && b[0] === 0x50 && b[1] === 0x4b && (b[2] === 3 || b[2] === 5) && (b[3] === 4 || b[3] === 6);

export function readNpz(
  input: Uint8Array | ByteSource,
  file: string,
  labels: LabelSpec | undefined,
  role: Role,
  limits: DataLimits = DEFAULT_LIMITS,
): ReadResult {
  let src = input instanceof Uint8Array ? bytesSource(input) : input;
  if (src.size === 0) throw dataError('the file is empty', { file });
  if (src.size === undefined) {
    // a pipe: the directory is at the end, so the archive has to be in memory
    src = bytesSource(
      readAll(src, limits.maxPipedBytes, (n) =>
        dataError(`the .npz archive read from a pipe is over ${sizeText(n)}; give it as a regular file ${limitNote(limits, 'maxPipedBytes', 'bytes')}`, {
          file,
        }),
      ),
    );
  }
  const unreadable = (e: unknown) => {
    if (e instanceof ZipFormatError) return dataError(`not a readable .npz (zip) archive: ${e.message}`, { file });
    return e;
  };
  let entries: ZipEntry[];
  try {
    entries = listZip(src);
  } catch (e) {
    throw unreadable(e);
  }
  const names = entries.map((e) => e.name);
  // np.savez names members "<key>.npy"
  const keys = names.filter((n) => !n.endsWith('/')).map((n) => n.replace(/\.npy$/, ''));
  const choice = pickMembers(keys, labels, role, file, 'member');
  const array = (key: string): Table => {
    const entry = entries.find((e) => e.name === `${key}.npy`) ?? entries.find((e) => e.name === key)!;
    try {
      // an inflated member is ours: its float64 data is used in place
      return tableOf(readNpy(member(src, entry, key, file, limits), file, `member "${key}"`, limits, entry.method === 8));
    } catch (e) {
      throw unreadable(e);
    }
  };
  const notes = [`read as NumPy .npz (members ${keys.map((k) => `"${k}"`).join(', ')})`];
  if (choice.note) notes.push(choice.note);
  if (choice.mode === 'table') {
    if (keys.length > 1) notes.push(`using member "${choice.key}"`);
    return { source: { kind: 'table', table: array(choice.key) }, format: 'npz', notes, labelsUsed: choice.labelsUsed };
  }
  return {
    source: { kind: 'xy', X: array(choice.xKey), y: choice.yKey ? array(choice.yKey) : null, xName: choice.xKey, yName: choice.yKey },
    format: 'npz',
    notes,
    labelsUsed: choice.labelsUsed,
  };
}

/** The member's .npy bytes, every size claim checked before it costs memory. */
function member(src: ByteSource, entry: ZipEntry, key: string, file: string, limits: DataLimits): Uint8Array {
  const what = `member "${key}"`;
  const fail = npyFail(file, what);
  if (entry.size > limits.maxMemberBytes) {
    throw fail(`the archive declares ${sizeText(entry.size)} uncompressed, more than one array may take ${limitNote(limits, 'maxMemberBytes', 'bytes')}`);
  }
  try {
    // shape × dtype against the declared size and maxCells, from the first inflated bytes; only
    // the bytes the header describes are kept
    return readMember(src, entry, (prefix) => {
      const h = readNpyHeader(prefix, entry.size, fail, limits);
      return h && h.dataStart + h.count * h.dt.size;
    });
  } catch (e) {
    if (e instanceof SizeMismatch) {
      throw fail(
        e.more
          ? `inflates to more than the ${sizeText(e.declared)} the archive declares; inflating was stopped there (a corrupt archive or a zip bomb)`
          : `inflates to ${sizeText(e.actual)}, but the archive declares ${sizeText(e.declared)} (a corrupt archive)`,
      );
    }
    throw e;
  }
}

/** A 1-D array is one column. */
export function tableOf(a: NdArray): Table {
  const n = a.shape[0];
  const k = a.shape.length === 2 ? a.shape[1] : 1;
  return { names: null, n, k, data: a.data };
}
