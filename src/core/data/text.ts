/**
 * CSV / TSV / whitespace-separated text → numeric table.
 *
 * The bytes are decoded a chunk at a time into a window string, and one pass over the window
 * with charCodeAt locates cells by index and converts them with scanNumber without slicing, so a
 * 10^5 × 10 file costs no per-cell allocation (quoted cells with "" escapes are the exception).
 * A record cut by the window's end is lexed again once the window holds more. Memory is bounded
 * whatever the file holds: a line past maxLineChars, a row past maxColumns cells and a table past
 * maxCells cells are refused where they are met (see limits.ts). Rows in messages are record
 * numbers counted from 1 including the header and blank lines — the row a spreadsheet shows.
 */
import { dataError, type ReluLensError } from '../errors';
import { DEFAULT_LIMITS, grouped, limitError, type DataLimits } from './limits';
import { isHeaderRow, type HeaderlessLabels } from './header';
import { looksNumeric, NumberScanner, NumStatus } from './number';
import { bytesSource, readUpTo, type ByteSource } from './source';
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

const isUtf16 = (b: Uint8Array) => (b[0] === 0xff && b[1] === 0xfe) || (b[0] === 0xfe && b[1] === 0xff);

/** Excel's "Unicode Text" export is UTF-16LE with a BOM; TextDecoder drops the BOM in every case. */
const decoderFor = (b: Uint8Array) => new TextDecoder(b[0] === 0xff && b[1] === 0xfe ? 'utf-16le' : b[0] === 0xfe && b[1] === 0xff ? 'utf-16be' : 'utf-8');

export function decodeText(bytes: Uint8Array): string {
  return decoderFor(bytes).decode(bytes);
}

/**
 * Where to cut UTF-8 bytes so that no character is split: before the last character's lead byte
 * when its continuation bytes are not all there, else at the end.
 */
function utf8Cut(b: Uint8Array): number {
  const n = b.length;
  let i = n - 1;
  while (i >= 0 && i > n - 4 && (b[i] & 0xc0) === 0x80) i--;
  if (i < 0) return n;
  const lead = b[i];
  const len = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return i + len > n ? i : n;
}

/** Bytes decoded per step. */
const CHUNK_BYTES = 1 << 20;
/** The delimiter is sniffed from this much text. */
const SNIFF_CHARS = 65536;

/**
 * The decoded text seen through a window: `s` holds a stretch of it, refilled chunk by chunk.
 * Positions are indices into `s`; `more(keep)` drops s[0, keep) and appends the next chunk.
 */
class TextWindow {
  s = '';
  eof = false;
  private offset = 0;
  private chars = 0;
  /** UTF-16 (with a BOM): a streaming decoder; UTF-8: whole characters per chunk, decoded at once */
  private readonly utf16: TextDecoder | null;
  private readonly utf8 = new TextDecoder('utf-8', { ignoreBOM: true });
  /** the start of a UTF-8 character cut by the last chunk's end */
  private carry: Uint8Array | null = null;
  constructor(private readonly src: ByteSource) {
    const start = readUpTo(src, 0, 3);
    this.utf16 = isUtf16(start) ? decoderFor(start) : null;
    // a UTF-8 BOM is not text
    if (!this.utf16 && start[0] === 0xef && start[1] === 0xbb && start[2] === 0xbf) this.offset = 3;
  }

  /** Drops s[0, keep) and appends at least one character (unless at the end) from ≥ `bytes` more bytes. */
  more(keep: number, bytes = CHUNK_BYTES): void {
    let add = '';
    while (!this.eof && add === '') {
      const chunk = this.src.read(this.offset, bytes);
      this.offset += chunk.length;
      const last = chunk.length === 0 || (this.src.size !== undefined && this.offset >= this.src.size);
      if (last) this.eof = true;
      add += this.decode(chunk, last);
    }
    this.chars += add.length;
    const kept = keep === 0 ? this.s : this.s.slice(keep);
    // join, not +: it builds one flat string, where + makes a rope that every charCodeAt unwraps
    this.s = kept === '' ? add : add === '' ? kept : [kept, add].join('');
  }

  /**
   * UTF-8 is decoded chunk by chunk without TextDecoder's streaming mode (which leaves Node's
   * fast UTF-8 path): each chunk is cut after its last whole character, the rest carried over.
   */
  private decode(chunk: Uint8Array, last: boolean): string {
    if (this.utf16) return last ? this.utf16.decode(chunk) : this.utf16.decode(chunk, { stream: true });
    let b = chunk;
    if (this.carry) {
      b = new Uint8Array(this.carry.length + chunk.length);
      b.set(this.carry);
      b.set(chunk, this.carry.length);
      this.carry = null;
    }
    const cut = last ? b.length : utf8Cut(b);
    if (cut < b.length) this.carry = b.slice(cut);
    return this.utf8.decode(b.subarray(0, cut));
  }

  /** Characters from s[from] to the end of the text: exact at the end, else extrapolated from the bytes left. */
  charsLeft(from: number): number {
    const inWindow = this.s.length - from;
    if (this.eof || this.src.size === undefined) return inWindow;
    return inWindow + (this.src.size - this.offset) * (this.chars / Math.max(1, this.offset));
  }
}

/** Without a caller's word on labels, a headerless table's label is its last column (resolveLabelColumns' default). */
const LAST_COLUMN = (k: number): HeaderlessLabels => [k - 1];

/**
 * Reads a delimited text table from bytes in memory or a source read chunk by chunk.
 * @param limits the readers' size limits (DEFAULT_LIMITS; tests pass smaller ones)
 * @param headerless which columns would hold labels were the first row data: the header question asks the others (header.ts)
 */
export function readDelimited(
  input: Uint8Array | ByteSource,
  file: string,
  ext: string,
  resolve?: LabelResolver,
  limits: DataLimits = DEFAULT_LIMITS,
  labelClasses?: readonly (number | string)[],
  headerless: (k: number) => HeaderlessLabels = LAST_COLUMN,
): ReadResult {
  const w = new TextWindow(input instanceof Uint8Array ? bytesSource(input) : input);
  // enough text to sniff from; more than SNIFF_CHARS tells that the sample may end mid-line
  while (!w.eof && w.s.length <= SNIFF_CHARS) w.more(0);
  if (w.eof && w.s.trim() === '') throw dataError('the file is empty', { file });
  const preferred = ext === 'tsv' || ext === 'tab' ? TAB : 44;
  const delim = sniffDelimiter(w.s, preferred);
  return new TextReader(w, file, delim, limits, labelClasses).read(resolve, delim !== preferred, headerless);
}

/**
 * Picks the delimiter from the first lines: a candidate counts when it occurs (outside quotes)
 * the same non-zero number of times on every sampled line. The extension's delimiter wins when
 * it qualifies; `;` files with decimal commas are why consistency, not frequency, decides.
 */
function sniffDelimiter(s: string, preferred: number): number {
  const lines = s.slice(0, SNIFF_CHARS).split('\n');
  if (lines.length > 1 && s.length > SNIFF_CHARS) lines.pop(); // possibly cut mid-line
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
  /** position in the window's text */
  private pos = 0;
  /** where the record being read starts in the window's text */
  private rowStart = 0;
  /** record number of the record being read (1-based) */
  private row = 0;
  private names: string[] | null = null;
  /** header cells that were empty: messages locate those columns by number */
  private unnamed: boolean[] = [];
  private labelCols: number[] | undefined;
  private classIndex: Map<number | string, number> | undefined;
  // the cell just lexed: s[a, b) when text is null, else the unescaped quoted text
  private a = 0;
  private b = 0;
  private text: string | null = null;
  private end: End = End.Eof;
  /** the window's text and whether it reaches the end (copied from w after every refill) */
  private s: string;
  private eof: boolean;

  constructor(
    private readonly w: TextWindow,
    private readonly file: string,
    private readonly delim: number,
    private readonly limits: DataLimits,
    /** the model's classes: a label cell is read as its class's position in this list (pipeline/classes.ts) */
    private readonly labelClasses?: readonly (number | string)[],
  ) {
    this.s = w.s;
    // numeric classes match a cell's value (1 = 1.0), names its text
    if (labelClasses) this.classIndex = new Map(labelClasses.map((c, i) => [typeof c === 'number' ? c : String(c), i]));
    this.eof = w.eof;
  }

  /** Drops the window's text before `keep`, reads more, and moves pos and rowStart along. */
  private more(keep: number, bytes?: number): void {
    this.w.more(keep, bytes);
    this.s = this.w.s;
    this.eof = this.w.eof;
    this.pos -= keep;
    this.rowStart -= keep;
  }

  read(resolve: LabelResolver | undefined, sniffed: boolean, headerless: (k: number) => HeaderlessLabels): ReadResult {
    const notes: string[] = [];
    const delimName = this.delim === WHITESPACE ? 'spaces' : this.delim === TAB ? 'tab' : `"${String.fromCharCode(this.delim)}"`;
    const format = this.delim === TAB ? 'tsv' : 'csv';

    const first = this.firstRecord();
    const k = first.cells.length;
    const header = isHeaderRow(first.cells, headerless(k), (c) => this.classIndex?.has(c) ?? false);
    if (header) {
      this.names = first.cells.map((c, j) => c.trim() || `column ${j + 1}`);
      this.unnamed = first.cells.map((c) => c.trim() === '');
      const numericNames = this.names.filter((c) => looksNumeric(c));
      notes.push(`row ${first.row} read as a header: ${this.names.join(', ')}`);
      if (numericNames.length) notes.push(`the header row also contains number-like names (${numericNames.join(', ')})`);
      const seen = new Set<string>();
      const dup = new Set<string>();
      for (const c of this.names) (seen.has(c) ? dup : seen).add(c);
      if (dup.size) notes.push(`duplicate column names: ${[...dup].join(', ')}`);
    } else {
      // parse the first record again as data (it is still in the window: nothing was read since)
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
    const classMapped = !!this.classIndex && !!this.labelCols?.length;
    return { source: { kind: 'table', table }, format, notes, ...(classMapped ? { classMapped } : {}) };
  }

  /** First non-blank record as trimmed strings. */
  private firstRecord(): { cells: string[]; row: number; start: number } {
    const maxColumns = this.limits.maxColumns;
    for (;;) {
      this.row++;
      let cells: string[];
      for (;;) {
        this.rowStart = this.pos;
        cells = [];
        let complete = true;
        for (;;) {
          if (!this.lex(cells.length)) {
            complete = false;
            break;
          }
          if (cells.length >= maxColumns) {
            throw limitError('the row has too many cells', this.limits, 'maxColumns', 'columns', { file: this.file, row: this.row, column: maxColumns + 1 });
          }
          cells.push(this.text ?? this.s.slice(this.a, this.b).trim());
          if (this.end !== End.Delim) break;
        }
        if (complete) break;
        this.refill();
      }
      this.checkLength();
      const blank = cells.length === 1 && cells[0] === '' && this.text === null;
      if (!blank) return { cells, row: this.row, start: this.rowStart };
      if (this.end === End.Eof) throw dataError('the file is empty', { file: this.file });
    }
  }

  private body(k: number): { n: number; data: Float64Array; blank: number } {
    const maxRows = Math.floor(this.limits.maxCells / k);
    let cap = Math.min(estimateRows(this.w, this.pos), maxRows) * k;
    let data = new Float64Array(cap);
    const num = new NumberScanner();
    let n = 0;
    let blank = 0;
    let pendingBlank = 0; // blank lines are only worth a note when data follows them
    for (;;) {
      if (this.pos >= this.s.length) {
        if (this.eof) break;
        this.more(this.pos);
        continue;
      }
      this.row++;
      if ((n + 1) * k > cap) {
        if (n + 1 > maxRows) {
          throw limitError(`the table has too many cells: ${grouped(n + 1)} rows × ${grouped(k)} columns`, this.limits, 'maxCells', 'cells', {
            file: this.file,
            row: this.row,
          });
        }
        cap = Math.min(Math.max(cap * 2, (n + 1) * k), maxRows * k);
        const grown = new Float64Array(cap);
        grown.set(data);
        data = grown;
      }
      const base = n * k;
      let j = 0;
      for (;;) {
        this.rowStart = this.pos;
        j = 0;
        let complete = true;
        for (;;) {
          if (!this.lex(j)) {
            complete = false;
            break;
          }
          const s = this.s;
          if (j === 0 && this.end !== End.Delim && this.text === null && isBlank(s, this.a, this.b)) break;
          if (j < k) {
            if (this.classIndex && this.labelCols?.includes(j)) data[base + j] = this.classOf(j, num);
            else {
              const v = this.text === null ? num.scan(s, this.a, this.b) : num.scan(this.text, 0, this.text.length);
              if (num.status !== OK) throw this.cellError(j, num.status);
              data[base + j] = v;
            }
          }
          j++;
          if (this.end !== End.Delim) break;
        }
        if (complete) break;
        this.refill();
      }
      this.checkLength();
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
    return { n, data: n * k === data.length ? data : data.slice(0, n * k), blank };
  }

  /**
   * The record being read is cut by the window's end: keep it and read more (at least as much
   * again, so a long line costs linear time), unless it is already over the line limit.
   */
  private refill(): void {
    const partial = this.s.length - this.rowStart;
    const max = this.limits.maxLineChars;
    if (partial > max) throw this.lineTooLong();
    this.more(this.rowStart, Math.max(CHUNK_BYTES, Math.min(partial, max + 1 - partial)));
    this.pos = 0;
  }

  private checkLength(): void {
    if (this.pos - this.rowStart > this.limits.maxLineChars) throw this.lineTooLong();
  }

  private lineTooLong(): ReluLensError {
    return limitError('the line is too long to read', this.limits, 'maxLineChars', 'characters', { file: this.file, row: this.row });
  }

  /**
   * Lexes the cell starting at pos and leaves pos after its terminator. Surrounding spaces are
   * not part of a cell; a quoted cell is RFC 4180 ("" is a quote, delimiters and line breaks
   * allowed inside). Returns false, having changed nothing the caller keeps, when the window ends
   * before the cell and its terminator do and more text follows.
   */
  private lex(j: number): boolean {
    const s = this.s;
    const len = s.length;
    const more = !this.eof;
    const delim = this.delim;
    let i = this.pos;
    let c = 0;
    while (i < len && ((c = s.charCodeAt(i)) === SPACE || (c === TAB && delim !== TAB))) i++;
    if (i >= len && more) return false;
    this.text = null;
    if (i < len && s.charCodeAt(i) === QUOTE) {
      const open = i;
      let text = '';
      let from = i + 1;
      for (;;) {
        const q = s.indexOf('"', from);
        if (q < 0) {
          if (more) return false;
          throw dataError('a quoted cell is never closed (the opening " is in this row)', {
            file: this.file,
            row: this.row,
            column: this.colName(j),
          });
        }
        if (q + 1 >= len && more) return false;
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
      if (i >= len && more) return false;
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
      if (i >= len && more) return false;
      this.b = i;
    }
    // terminator
    if (delim === WHITESPACE) while (i < len && ((c = s.charCodeAt(i)) === SPACE || c === TAB)) i++;
    if (i >= len) {
      if (more) return false;
      this.end = End.Eof;
    } else {
      c = s.charCodeAt(i);
      if (c === LF) {
        this.end = End.Eol;
        i++;
      } else if (c === CR) {
        this.end = End.Eol;
        i++;
        if (i >= len && more) return false;
        if (i < len && s.charCodeAt(i) === LF) i++;
      } else {
        this.end = End.Delim;
        if (delim !== WHITESPACE) i++;
      }
    }
    this.pos = i;
    return true;
  }

  /** Where a column is in messages: its header name, or its 1-based number. */
  private colName(j: number): string | number {
    const name = this.names?.[j];
    return name === undefined || this.unnamed[j] ? j + 1 : name;
  }

  /** A label cell that names one of the model's classes, as its position; anything else is refused here. */
  private classOf(j: number, num: NumberScanner): number {
    const raw = (this.text ?? this.s.slice(this.a, this.b)).trim();
    const numeric = this.labelClasses!.every((c) => typeof c === 'number');
    const v = numeric ? num.scan(raw, 0, raw.length) : NaN;
    const at = this.classIndex!.get(numeric ? (num.status === OK ? v : NaN) : raw);
    if (at !== undefined) return at;
    const names = this.labelClasses!.map((c) => JSON.stringify(c)).join(', ');
    throw dataError(`label ${shorten(JSON.stringify(raw))} is not one of the model's classes (${names})`, {
      file: this.file,
      row: this.row,
      column: this.colName(j),
    });
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
 * slack. An underestimate only costs a doubling; an overestimate is bounded by the sample (and
 * the caller caps it at maxCells).
 */
function estimateRows(w: TextWindow, from: number): number {
  const s = w.s;
  const end = Math.min(s.length, from + 65536);
  let breaks = 0;
  const nl = s.indexOf('\n', from) >= 0 ? '\n' : '\r';
  for (let i = s.indexOf(nl, from); i >= 0 && i < end; i = s.indexOf(nl, i + 1)) breaks++;
  const perRow = Math.max(1, end - from) / Math.max(1, breaks);
  return Math.ceil((w.charsLeft(from) / perRow) * 1.05) + 16;
}

function isBlank(s: string, a: number, b: number): boolean {
  for (let i = a; i < b; i++) {
    const c = s.charCodeAt(i);
    if (c !== SPACE && c !== TAB) return false;
  }
  return true;
}

const shorten = (t: string) => (t.length > 42 ? `${t.slice(0, 40)}…` : t);
