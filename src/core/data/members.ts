/**
 * Choosing arrays by name in containers that hold several (npz members, JSON object keys).
 */
import { dataError } from '../errors';
import type { LabelSpec } from './types';

export const X_NAMES = ['X', 'x', 'inputs'];
export const Y_NAMES = ['y', 'Y', 'labels', 'targets'];

/** 'both': features and labels come from here; 'features'/'labels': a separate label file exists. */
export type Role = 'both' | 'features' | 'labels';

export type MemberChoice =
  /** one array whose columns are split like a table */
  { mode: 'table'; key: string; note?: string; labelsUsed?: boolean } | { mode: 'xy'; xKey: string; yKey: string | null; note?: string; labelsUsed?: boolean };

/**
 * @param labels a single string naming a member picks the label member; other label specs are
 *   left for the caller to apply to the label array's columns.
 */
export function pickMembers(keys: string[], labels: LabelSpec | undefined, role: Role, file: string, word: 'member' | 'key'): MemberChoice {
  const choice = pick(keys, labels, role, file, word);
  const usedKey = choice.mode === 'table' ? choice.key : choice.yKey;
  if (labels?.length === 1 && labels[0] === usedKey) choice.labelsUsed = true;
  return choice;
}

function pick(keys: string[], labels: LabelSpec | undefined, role: Role, file: string, word: 'member' | 'key'): MemberChoice {
  const list = keys.map((k) => `"${k}"`).join(', ');
  const named = labels?.length === 1 && typeof labels[0] === 'string' && keys.includes(labels[0]) ? labels[0] : null;
  const strays = (labels ?? []).filter((l): l is string => typeof l === 'string' && l !== named);
  if (strays.length) throw dataError(`label ${word} "${strays[0]}" not found; the ${word}s are ${list}`, { file });
  if (keys.length === 0) throw dataError(`the file holds no arrays`, { file });

  if (role === 'labels') {
    const key = named ?? Y_NAMES.find((k) => keys.includes(k)) ?? (keys.length === 1 ? keys[0] : null);
    if (!key) throw dataError(`cannot tell which ${word} holds the labels: found ${list}; name it y, Y, labels or targets`, { file });
    return { mode: 'table', key };
  }
  let xKey = X_NAMES.find((k) => keys.includes(k) && k !== named) ?? null;
  const yLike = named ?? Y_NAMES.find((k) => keys.includes(k)) ?? null;
  // with a separate label file, a y member here is ignored
  const yKey = role === 'features' ? null : yLike;
  if (!xKey) {
    if (keys.length === 1) return role === 'features' ? { mode: 'xy', xKey: keys[0], yKey: null } : { mode: 'table', key: keys[0] };
    const others = keys.filter((k) => k !== yLike);
    if (yLike && others.length === 1) {
      xKey = others[0];
      return { mode: 'xy', xKey, yKey, note: `features: ${word} "${xKey}" (the only ${word} besides the labels)` };
    }
    throw dataError(`cannot tell which ${word} holds the features: found ${list}; name it X, x or inputs`, { file });
  }
  if (role === 'features') return { mode: 'xy', xKey, yKey: null };
  if (yKey) return { mode: 'xy', xKey, yKey };
  if (keys.length === 1) return { mode: 'table', key: xKey };
  throw dataError(`no label ${word}: found ${list}; expected one named y, Y, labels or targets (or choose one with labels, or give a separate label file)`, {
    file,
  });
}
