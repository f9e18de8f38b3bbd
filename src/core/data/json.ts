/**
 * JSON data: an array of rows `[[…], …]`, an array of records `[{"x1": …, "y": …}, …]`, an
 * object of arrays `{"X": [[…]], "y": […]}`, or an object of columns `{"x1": […], "y": […]}`.
 * Rows in messages are 1-based positions in the array; columns are field names or 1-based.
 */
import { dataError } from '../errors';
import { DEFAULT_LIMITS, grouped, limitError, sizeText, type DataLimits } from './limits';
import { X_NAMES, pickMembers, type Role } from './members';
import { NumberScanner, NumStatus } from './number';
import { readAll, bytesSource, type ByteSource } from './source';
import { decodeText } from './text';
import type { LabelSpec, ReadResult, Table } from './types';

const num = new NumberScanner();

/**
 * JSON is parsed as a whole (JSON.parse of one string), so the file's size is capped before a
 * byte of it is decoded, and every table's cell count before its array is allocated.
 */
export function readJson(
  input: Uint8Array | ByteSource,
  file: string,
  labels: LabelSpec | undefined,
  role: Role,
  limits: DataLimits = DEFAULT_LIMITS,
): ReadResult {
  const bytes = readAll(input instanceof Uint8Array ? bytesSource(input) : input, limits.maxJsonBytes, (size, exact) =>
    limitError(
      `the JSON file is ${exact ? '' : 'over '}${sizeText(size)}, too large to parse; save large data as .npy, .npz or CSV`,
      limits,
      'maxJsonBytes',
      'bytes',
      { file },
    ),
  );
  const cells = (n: number, k: number, where: string) => {
    if (n * k > limits.maxCells) {
      throw limitError(`${where}the table has too many cells: ${grouped(n)} rows × ${grouped(k)} columns`, limits, 'maxCells', 'cells', { file });
    }
  };
  const text = decodeText(bytes);
  if (text.trim() === '') throw dataError('the file is empty', { file });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw dataError(jsonSyntaxMessage(text, (e as Error).message), { file });
  }
  const notes: string[] = [];
  if (Array.isArray(value)) {
    const table = tableFromArray(value, file, '', cells);
    notes.push(`read as JSON (${table.names ? 'array of records' : 'array of rows'})`);
    return { source: { kind: 'table', table }, format: 'json', notes };
  }
  if (typeof value !== 'object' || value === null) {
    throw dataError('expected an array of rows, an array of records, or an object such as {"X": [[…]], "y": […]}', { file });
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  // an object of equal-length number columns is a table, unless it names X explicitly
  const isColumns =
    role !== 'labels' &&
    !X_NAMES.some((k) => k in obj) &&
    keys.length > 1 &&
    keys.every((k) => Array.isArray(obj[k]) && !(obj[k] as unknown[]).some((v) => Array.isArray(v) || (typeof v === 'object' && v !== null)));
  if (isColumns) {
    notes.push('read as JSON (object of columns)');
    return { source: { kind: 'table', table: tableFromColumns(obj, keys, file, cells) }, format: 'json', notes };
  }
  const choice = pickMembers(keys, labels, role, file, 'key');
  const array = (key: string): Table => {
    const v = obj[key];
    if (!Array.isArray(v)) throw dataError(`"${key}" must be an array`, { file });
    return tableFromArray(v, file, key, cells);
  };
  notes.push(`read as JSON (keys ${keys.map((k) => `"${k}"`).join(', ')})`);
  if (choice.note) notes.push(choice.note);
  if (choice.mode === 'table') return { source: { kind: 'table', table: array(choice.key) }, format: 'json', notes, labelsUsed: choice.labelsUsed };
  return {
    source: { kind: 'xy', X: array(choice.xKey), y: choice.yKey ? array(choice.yKey) : null, xName: choice.xKey, yName: choice.yKey },
    format: 'json',
    notes,
    labelsUsed: choice.labelsUsed,
  };
}

function jsonSyntaxMessage(text: string, raw: string): string {
  let msg = `invalid JSON: ${raw}`;
  const pos = /position (\d+)/.exec(raw);
  if (pos) {
    const before = text.slice(0, Number(pos[1]));
    const line = before.split('\n').length;
    const col = before.length - before.lastIndexOf('\n');
    msg = `invalid JSON at line ${line}, character ${col}: ${raw.replace(/ in JSON at position \d+.*$/, '')}`;
  }
  // Python's json.dumps writes these by default; they are not JSON
  if (/(^|[\s,[:])-?(NaN|Infinity)\b/.test(text)) msg += ' (the file contains NaN or Infinity, which are not valid JSON and not allowed as data)';
  return msg;
}

/** One cell → number, or a message saying why not. */
function cellValue(v: unknown): number | string {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v === null) return 'null is not a number (a missing value; pandas writes NaN as null)';
  if (typeof v === 'string') {
    const x = num.scan(v, 0, v.length);
    const st = num.status;
    if (st === NumStatus.Ok) return x;
    if (st === NumStatus.NaN) return `${JSON.stringify(v)} is NaN: every cell must hold a finite number`;
    if (st === NumStatus.Inf || st === NumStatus.Overflow) return `${JSON.stringify(v)} is not finite: every cell must hold a finite number`;
    return `${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)} is not a number`;
  }
  return `${Array.isArray(v) ? 'an array' : 'an object'} is not a number`;
}

type CellCheck = (n: number, k: number, where: string) => void;

function tableFromArray(rows: unknown[], file: string, key: string, cells: CellCheck): Table {
  const where = key ? `"${key}": ` : '';
  if (rows.length === 0) throw dataError(`${where}the array is empty (no data rows)`, { file });
  const first = rows[0];
  const records = typeof first === 'object' && first !== null && !Array.isArray(first);
  const names = records ? Object.keys(first as object) : null;
  const k = names ? names.length : Array.isArray(first) ? first.length : 1;
  if (k === 0) throw dataError(`${where}the first row is empty`, { file, row: 1 });
  cells(rows.length, k, where);
  const data = new Float64Array(rows.length * k);
  const put = (i: number, j: number, v: unknown) => {
    const x = cellValue(v);
    if (typeof x === 'string') throw dataError(where + x, { file, row: i + 1, column: names ? names[j] : j + 1 });
    data[i * k + j] = x;
  };
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    if (names) {
      if (typeof r !== 'object' || r === null || Array.isArray(r)) throw dataError(`${where}expected a record {…} like the first row`, { file, row: i + 1 });
      const rec = r as Record<string, unknown>;
      for (let j = 0; j < k; j++) {
        if (!(names[j] in rec)) throw dataError(`${where}missing field "${names[j]}"`, { file, row: i + 1, column: names[j] });
        put(i, j, rec[names[j]]);
      }
      const extra = Object.keys(rec).find((f) => !names.includes(f));
      if (extra !== undefined)
        throw dataError(`${where}unexpected field "${extra}" (the first record has ${names.join(', ')})`, { file, row: i + 1, column: extra });
    } else if (Array.isArray(first)) {
      if (!Array.isArray(r)) throw dataError(`${where}expected a row [...] like the first row`, { file, row: i + 1 });
      if (r.length !== k) throw dataError(`${where}expected ${k} cells, found ${r.length}`, { file, row: i + 1, column: Math.min(r.length, k) + 1 });
      for (let j = 0; j < k; j++) put(i, j, r[j]);
    } else {
      put(i, 0, r);
    }
  }
  return { names, n: rows.length, k, data };
}

function tableFromColumns(obj: Record<string, unknown>, keys: string[], file: string, cells: CellCheck): Table {
  const cols = keys.map((key) => obj[key] as unknown[]);
  const n = cols[0].length;
  const k = keys.length;
  if (n === 0) throw dataError(`column "${keys[0]}" is empty (no data rows)`, { file });
  cells(n, k, '');
  const data = new Float64Array(n * k);
  for (let j = 0; j < k; j++) {
    if (cols[j].length !== n) throw dataError(`column "${keys[j]}" has ${cols[j].length} entries, column "${keys[0]}" has ${n}`, { file, column: keys[j] });
    for (let i = 0; i < n; i++) {
      const x = cellValue(cols[j][i]);
      if (typeof x === 'string') throw dataError(x, { file, row: i + 1, column: keys[j] });
      data[i * k + j] = x;
    }
  }
  return { names: keys, n, k, data };
}
