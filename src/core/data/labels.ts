import { dataError } from '../errors';
import type { LabelSpec, Table } from './types';

export interface LabelChoice {
  cols: number[];
  note: string;
  /** true when no `labels` option was given and the rule (column `y`, else last) decided */
  byDefault: boolean;
}

const listColumns = (names: string[]) => names.map((s) => `"${s}"`).join(', ');

/**
 * Picks the label columns of a k-column table. Default: the column named `y` (any case), else
 * the last column. Names match exactly first and then case-insensitively when that is unambiguous,
 * because header case is the most common near-miss.
 */
export function resolveLabelColumns(names: string[] | null, k: number, labels: LabelSpec | undefined, file: string, defaultCount = 1): LabelChoice {
  if ((!labels || labels.length === 0) && defaultCount > 1) return defaultVectorLabels(names, k, defaultCount);
  if (!labels || labels.length === 0) {
    const yi = names ? names.findIndex((s) => s.toLowerCase() === 'y') : -1;
    if (yi >= 0) return { cols: [yi], note: `labels: column "${names![yi]}"`, byDefault: true };
    const last = k - 1;
    const what = names ? `"${names[last]}"` : `${last + 1} of ${k}`;
    return { cols: [last], note: `labels: the last column (${what}); no column is named "y"`, byDefault: true };
  }
  const cols: number[] = [];
  for (const spec of labels) {
    let j: number;
    if (typeof spec === 'number') {
      if (!Number.isInteger(spec) || spec < 0 || spec >= k) {
        throw dataError(`label column index ${spec} is out of range: the data has ${k} column${k === 1 ? '' : 's'} (0-based indices 0–${k - 1})`, { file });
      }
      j = spec;
    } else {
      if (!names) {
        throw dataError(`label column "${spec}" not found: the data has no header row, so choose label columns by 0-based index (0–${k - 1})`, { file });
      }
      j = names.indexOf(spec);
      if (j < 0) {
        const lower = spec.toLowerCase();
        const hits = names.flatMap((s, i) => (s.toLowerCase() === lower ? [i] : []));
        if (hits.length === 1) j = hits[0];
      }
      if (j < 0) throw dataError(`label column "${spec}" not found; the columns are ${listColumns(names)}`, { file });
    }
    if (cols.includes(j)) throw dataError(`label column ${describeCol(names, j)} is listed twice`, { file });
    cols.push(j);
  }
  const shown = cols.map((j) => describeCol(names, j)).join(', ');
  return { cols, note: `labels: ${cols.length === 1 ? 'column' : 'columns'} ${shown}`, byDefault: false };
}

/**
 * A model with c > 1 outputs and no label option: columns y1…yc when all are named so, else the
 * last c columns (the feature count check then says clearly if that guess is wrong).
 */
function defaultVectorLabels(names: string[] | null, k: number, c: number): LabelChoice {
  if (names) {
    const lower = names.map((s) => s.toLowerCase());
    const cols = Array.from({ length: c }, (_, i) => lower.indexOf(`y${i + 1}`));
    if (cols.every((j) => j >= 0))
      return { cols, note: `labels: columns ${cols.map((j) => `"${names[j]}"`).join(', ')} (the model has ${c} outputs)`, byDefault: true };
  }
  const first = Math.max(0, k - c);
  const cols = Array.from({ length: Math.min(c, k) }, (_, i) => first + i);
  const shown = cols.map((j) => describeCol(names, j)).join(', ');
  return { cols, note: `labels: the last ${c} columns (${shown}), one per model output`, byDefault: true };
}

const describeCol = (names: string[] | null, j: number) => (names ? `"${names[j]}"` : `${j} (0-based)`);

/** Columns `cols` of t, in that order, as a new row-major n×cols.length array. */
export function gather(t: Table, cols: number[]): Float64Array {
  const { n, k, data } = t;
  const c = cols.length;
  const out = new Float64Array(n * c);
  for (let i = 0; i < n; i++) {
    const src = i * k;
    const dst = i * c;
    for (let j = 0; j < c; j++) out[dst + j] = data[src + cols[j]];
  }
  return out;
}

/** Display names for columns without a header: x1…xd for features, y or y1…yc for labels. */
export function genericNames(prefix: 'x' | 'y', count: number): string[] {
  if (prefix === 'y' && count === 1) return ['y'];
  return Array.from({ length: count }, (_, i) => `${prefix}${i + 1}`);
}
