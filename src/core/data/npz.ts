/**
 * NumPy .npz (a zip of .npy members, stored or deflated) via fflate. Member names are listed
 * first without inflating anything, so only the arrays actually used are decompressed.
 */
import { unzipSync } from 'fflate';
import { dataError } from '../errors';
import { readNpy, type NdArray } from './npy';
import { pickMembers, type Role } from './members';
import type { LabelSpec, ReadResult, Table } from './types';

export const isZip = (b: Uint8Array) => b.length >= 4 && b[0] === 0x50 && b[1] === 0x4b && (b[2] === 3 || b[2] === 5) && (b[3] === 4 || b[3] === 6);

export function readNpz(bytes: Uint8Array, file: string, labels: LabelSpec | undefined, role: Role): ReadResult {
  if (bytes.length === 0) throw dataError('the file is empty', { file });
  const unzip = (want: (name: string) => boolean) => {
    try {
      return unzipSync(bytes, { filter: (f) => want(f.name) });
    } catch (e) {
      throw dataError(`not a readable .npz (zip) archive: ${(e as Error).message}`, { file });
    }
  };
  const names: string[] = [];
  unzip((name) => {
    names.push(name);
    return false;
  });
  // np.savez names members "<key>.npy"
  const keys = names.filter((n) => !n.endsWith('/')).map((n) => n.replace(/\.npy$/, ''));
  const choice = pickMembers(keys, labels, role, file, 'member');
  const wanted = choice.mode === 'table' ? [choice.key] : [choice.xKey, choice.yKey].filter((k): k is string => k !== null);
  const members = unzip((name) => wanted.includes(name.replace(/\.npy$/, '')));
  const array = (key: string): Table => {
    const entry = members[`${key}.npy`] ?? members[key];
    return tableOf(readNpy(entry, file, `member "${key}"`));
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

/** A 1-D array is one column. */
export function tableOf(a: NdArray): Table {
  const n = a.shape[0];
  const k = a.shape.length === 2 ? a.shape[1] : 1;
  return { names: null, n, k, data: a.data };
}
