/**
 * CSV / TSV / whitespace-separated text → numeric table.
 *
 * One pass over the decoded string with charCodeAt: cells are located by index and converted by
 * scanNumber without slicing, so a 10^5 × 10 file costs no per-cell allocation (quoted cells
 * with "" escapes are the exception). Rows in messages are record numbers counted from 1
 * including the header and blank lines — the row a spreadsheet shows.
 */
import { dataError, ReluLensError } from '../errors';
import { looksNumeric, NumberScanner, NumStatus } from './number';
import type { ReadResult, Table } from './types';

const CR = 13;
const LF = 10;
const QUOTE = 34;
const SPACE = 32;
const TAB = 9;
/** hoisted: an imported enum member is a getter call per access under some transpilers */
const OK = NumStatus.Ok;
/** delimiter code meaning "a run of spaces/tabs" (np.savetxt's default output) */
const WHITESPACE = -1;

const enum End {
  Delim,
  Eol,
  Eof,
}

/** Called once the header question is settled; returns the label columns (for early errors and hints). */
export type LabelResolver = (names: string[] | null, k: number) => number[] | undefined;

export function decodeText(bytes: Uint8Array): string {
  // Excel's "Unicode Text" export is UTF-16LE with a BOM; TextDecoder drops the BOM in every case.
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes);
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes);
  return new TextDecoder('utf-8').decode(bytes);
}

export function readDelimited(bytes: Uint8Array, file: string, ext: string, resolve?: LabelResolver): ReadResult {
  const s = decodeText(bytes);
  if (s.trim() === '') throw dataError('the file is empty', { file });
  const preferred = ext === 'tsv' || ext === 'tab' ? TAB : 44;
  const delim = sniffDelimiter(s, preferred);
  return new TextReader(s, file, delim).read(resolve, delim !== preferred);
}

/**
 * Picks the delimiter from the first lines: a candidate counts when it occurs (outside quotes)
 * the same non-zero number of times on every sampled line. The extension's delimiter wins when
 * it qualifies; `;` files with decimal commas are why consistency, not frequency, decides.
 */
function sniffDelimiter(s: string, preferred: number): number {
  const lines = s.slice(0, 65536).split('\n');
  if (lines.length > 1 && s.length > 65536) lines.pop(); // possibly cut mid-line
  const sample = lines.filter((l) => l.trim() !== '').slice(0, 10);
  const candidates = [44, TAB, 59, 124]; // , \t ; |
  const counts = candidates.map((ch) => sample.map((l) => countOutsideQuotes(l, ch)));
  const consistent = (i: number) => counts[i][0] > 0 && counts[i].every((x) => x === counts[i][0]);
  const p = candidates.indexOf(preferred);
  if (consistent(p)) return preferred;
  let best = -1;
  for (let i = 0; i < candidates.length; i++) if (consistent(i) && (best < 0 || counts[i][0] > counts[best][0])) best = i;
  if (best >= 0) return candidates[best];
  // inconsistent but present: keep it so the ragged-row error names the offending row
  if (counts[p][0] > 0) return preferred;
  // whitespace-separated only when every sampled line splits into the same number (≥ 2) of
  // fields, so a one-column file with a header like "petal length" stays one column
  const fields = sample.map((l) => l.trim().split(/[ \t]+/).length);
  if (sample.length > 1 && fields[0] > 1 && fields.every((f) => f === fields[0])) return WHITESPACE;
  return preferred;
}

function countOutsideQuotes(line: string, ch: number): number {
  let inQ = false;
  let n = 0;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === QUOTE) inQ = !inQ;
    else if (c === ch && !inQ) n++;
  }
  return n;
}

class TextReader {
  private pos = 0;
  /** record number of the record being read (1-based) */
  private row = 0;
  private names: string[] | null = null;
  /** header cells that were empty: messages locate those columns by number */
  private unnamed: boolean[] = [];
  private labelCols: number[] | undefined;
  // the cell just lexed: s[a, b) when text is null, else the unescaped quoted text
  private a = 0;
  private b = 0;
  private text: string | null = null;
  private end: End = End.Eof;

  constructor(
    private readonly s: string,
    private readonly file: string,
    private readonly delim: number,
  ) {}

  read(resolve: LabelResolver | undefined, sniffed: boolean): ReadResult {
    const notes: string[] = [];
    const delimName = this.delim === WHITESPACE ? 'spaces' : this.delim === TAB ? 'tab' : `"${String.fromCharCode(this.delim)}"`;
    const format = this.delim === TAB ? 'tsv' : 'csv';

    const first = this.firstRecord();
    const k = first.cells.length;
    const header = first.cells.some((c) => c.trim() !== '' && !looksNumeric(c));
    if (header) {
      this.names = first.cells.map((c, j) => c.trim() || `column ${j + 1}`);
      this.unnamed = first.cells.map((c) => c.trim() === '');
      const numericNames = this.names.filter((c) => looksNumeric(c));
      notes.push(`row ${first.row} read as a header: ${this.names.join(', ')}`);
      if (numericNames.length) notes.push(`the header row also contains number-like names (${numericNames.join(', ')})`);
      const dup = this.names.filter((c, j) => this.names!.indexOf(c) !== j);
      if (dup.length) notes.push(`duplicate column names: ${[...new Set(dup)].join(', ')}`);
    } else {
      // parse the first record again as data
      this.pos = first.start;
      this.row = first.row - 1;
      if (k > 1 && first.cells.every((c, j) => c.trim() === String(j))) {
        notes.push(`row ${first.row} (0, 1, …, ${k - 1}) was read as data; if it is a pandas column header, rename the columns`);
      }
    }
    notes.unshift(`read as ${format.toUpperCase()} (delimiter ${delimName}${sniffed ? ', sniffed from the content' : ''})${header ? '' : ', no header row'}`);
    this.labelCols = resolve?.(this.names, k);

    const { n, data, blank } = this.body(k);
    if (n === 0) throw dataError('the file has a header row but no data rows', { file: this.file });
    if (blank) notes.push(`${blank} blank line${blank === 1 ? '' : 's'} skipped`);
    const table: Table = { names: this.names, n, k, data };
    return { source: { kind: 'table', table }, format, notes };
  }

  /** First non-blank record as trimmed strings. */
  private firstRecord(): { cells: string[]; row: number; start: number } {
    for (;;) {
      const start = this.pos;
      this.row++;
      const cells: string[] = [];
      for (;;) {
        this.lex(cells.length);
        cells.push(this.text ?? this.s.slice(this.a, this.b).trim());
        if (this.end !== End.Delim) break;
      }
      const blank = cells.length === 1 && cells[0] === '' && this.text === null;
      if (!blank) return { cells, row: this.row, start };
      if (this.end === End.Eof) throw dataError('the file is empty', { file: this.file });
    }
  }

  private body(k: number): { n: number; data: Float64Array; blank: number } {
    const s = this.s;
    let cap = estimateRows(s, this.pos) * k;
    let data = new Float64Array(cap);
    const num = new NumberScanner();
    let n = 0;
    let blank = 0;
    let pendingBlank = 0; // blank lines are only worth a note when data follows them
    while (this.pos < s.length) {
      this.row++;
      if ((n + 1) * k > cap) {
        cap *= 2;
        const grown = new Float64Array(cap);
        grown.set(data);
        data = grown;
      }
      const base = n * k;
      let j = 0;
      for (;;) {
        this.lex(j);
        if (j === 0 && this.end !== End.Delim && this.text === null && isBlank(s, this.a, this.b)) break;
        if (j < k) {
          const v = this.text === null ? num.scan(s, this.a, this.b) : num.scan(this.text, 0, this.text.length);
          if (num.status !== OK) throw this.cellError(j, num.status);
          data[base + j] = v;
        }
        j++;
        if (this.end !== End.Delim) break;
      }
      if (j === 0) {
        pendingBlank++;
        continue;
      }
      blank += pendingBlank;
      pendingBlank = 0;
      if (j !== k) {
        throw dataError(`expected ${k} cells, found ${j}`, { file: this.file, row: this.row, column: this.colName(Math.min(j, k)) });
      }
      n++;
    }
    return { n, data: data.slice(0, n * k), blank };
  }

  /**
   * Lexes the cell starting at pos and leaves pos after its terminator. Surrounding spaces are
   * not part of a cell; a quoted cell is RFC 4180 ("" is a quote, delimiters and line breaks
   * allowed inside).
   */
  private lex(j: number): void {
    const s = this.s;
    const len = s.length;
    const delim = this.delim;
    let i = this.pos;
    let c = 0;
    while (i < len && ((c = s.charCodeAt(i)) === SPACE || (c === TAB && delim !== TAB))) i++;
    this.text = null;
    if (i < len && s.charCodeAt(i) === QUOTE) {
      const open = i;
      let text = '';
      let from = i + 1;
      for (;;) {
        const q = s.indexOf('"', from);
        if (q < 0) {
          throw dataError('a quoted cell is never closed (the opening " is in this row)', {
            file: this.file,
            row: this.row,
            column: this.colName(j),
          });
        }
        text += s.slice(from, q);
        if (s.charCodeAt(q + 1) === QUOTE) {
          text += '"';
          from = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      this.text = text;
      while (i < len && ((c = s.charCodeAt(i)) === SPACE || (c === TAB && delim !== TAB))) i++;
      c = i < len ? s.charCodeAt(i) : -1;
      if (c !== -1 && c !== CR && c !== LF && c !== delim && !(delim === WHITESPACE && (c === SPACE || c === TAB))) {
        throw dataError(`unexpected text after the closing quote of ${shorten(s.slice(open, i + 1))}`, {
          file: this.file,
          row: this.row,
          column: this.colName(j),
        });
      }
    } else {
      this.a = i;
      if (delim === WHITESPACE) {
        while (i < len && (c = s.charCodeAt(i)) !== SPACE && c !== TAB && c !== CR && c !== LF) i++;
      } else {
        while (i < len && (c = s.charCodeAt(i)) !== delim && c !== CR && c !== LF) i++;
      }
      this.b = i;
    }
    // terminator
    if (delim === WHITESPACE) while (i < len && ((c = s.charCodeAt(i)) === SPACE || c === TAB)) i++;
    if (i >= len) {
      this.end = End.Eof;
    } else {
      c = s.charCodeAt(i);
      if (c === LF) {
        this.end = End.Eol;
        i++;
      } else if (c === CR) {
        this.end = End.Eol;
        i++;
        if (i < len && s.charCodeAt(i) === LF) i++;
      } else {
        this.end = End.Delim;
        if (delim !== WHITESPACE) i++;
      }
    }
    this.pos = i;
  }

  /** Where a column is in messages: its header name, or its 1-based number. */
  private colName(j: number): string | number {
    const name = this.names?.[j];
    return name === undefined || this.unnamed[j] ? j + 1 : name;
  }

  private cellError(j: number, st: NumStatus): ReluLensError {
    const raw = (this.text ?? this.s.slice(this.a, this.b)).trim();
    const cell = shorten(JSON.stringify(raw));
    let msg: string;
    switch (st) {
      case NumStatus.Empty:
        msg = 'empty cell: every cell must hold a number (missing values are not supported)';
        if (this.unnamed[j] && j === this.unnamed.length - 1) msg += '; the rows seem to end with a delimiter';
        break;
      case NumStatus.NaN:
        msg = `${cell} is NaN: every cell must hold a finite number`;
        break;
      case NumStatus.Inf:
        msg = `${cell} is ${raw.startsWith('-') ? '-Infinity' : 'Infinity'}: every cell must hold a finite number`;
        break;
      case NumStatus.Overflow:
        msg = `${cell} overflows to ${raw.startsWith('-') ? '-Infinity' : 'Infinity'} in float64`;
        break;
      default:
        msg = `${cell} is not a number`;
        if (/^[+-]?\d+,\d+$/.test(raw)) msg += ' (the decimal separator must be ".")';
        else if (this.labelCols?.includes(j)) msg += ' (this is a label column: encode classes as numbers 0, 1, …)';
    }
    return dataError(msg, { file: this.file, row: this.row, column: this.colName(j) });
  }
}

/**
 * Rows to allocate for: line breaks in the first 64 KB extrapolated to the whole text, with
 * slack. An underestimate only costs a doubling; an overestimate is bounded by the sample.
 */
function estimateRows(s: string, from: number): number {
  const end = Math.min(s.length, from + 65536);
  let breaks = 0;
  const nl = s.indexOf('\n', from) >= 0 ? '\n' : '\r';
  for (let i = s.indexOf(nl, from); i >= 0 && i < end; i = s.indexOf(nl, i + 1)) breaks++;
  const perRow = (end - from) / Math.max(1, breaks);
  return Math.ceil(((s.length - from) / perRow) * 1.05) + 16;
}

function isBlank(s: string, a: number, b: number): boolean {
  for (let i = a; i < b; i++) {
    const c = s.charCodeAt(i);
    if (c !== SPACE && c !== TAB) return false;
  }
  return true;
}

const shorten = (t: string) => (t.length > 42 ? `${t.slice(0, 40)}…` : t);
