/**
 * Size limits of the data readers. Each is far above any training set a two-layer certificate can
 * work with, and together they keep one read under about 1.5 GB: a table is at most MAX_CELLS
 * float64 values (512 MiB), and no reader holds more than one such table plus one copy while it
 * builds it. A file past a limit is refused with a one-line data error naming the file, the row
 * (and column) where it was hit and the limit; nothing is allocated from a size a file merely
 * claims. There is no setting for these: tests pass smaller values through `limits` (ParseOptions,
 * LoadOptions) to exercise the refusals cheaply.
 */
import { dataError, type ErrorLocation } from '../errors';

export interface DataLimits {
  /** most columns in one row of a text table */
  maxColumns: number;
  /** longest line (record) of a text table, in characters */
  maxLineChars: number;
  /** most cells (rows × columns) in one table or array */
  maxCells: number;
  /** largest .npz member once inflated, in bytes */
  maxMemberBytes: number;
  /** largest JSON data file, in bytes (JSON is parsed as a whole) */
  maxJsonBytes: number;
  /** largest .npy header, in bytes */
  maxNpyHeaderBytes: number;
  /** largest .npy / .npz read from a pipe (no size known in advance), in bytes */
  maxPipedBytes: number;
}

/** Feature counts of real tabular, image and genomics training sets stay well below 10^6. */
export const MAX_COLUMNS = 1_000_000;
/** 64 Mi characters: a row of MAX_COLUMNS full-precision numbers (~25 characters each) fits twice. */
export const MAX_LINE_CHARS = 64 * 1024 * 1024;
/** 2^26 cells = 512 MiB of float64 (MNIST's 60000 × 785 is 47 M); the ONNX reader's MAX_TENSOR_ELEMENTS too. */
export const MAX_CELLS = 2 ** 26;
/** numpy itself refuses headers over 10 000 bytes by default (np.load max_header_size). */
export const MAX_NPY_HEADER_BYTES = 64 * 1024;
/** one float64 array of MAX_CELLS entries with its header */
export const MAX_NPZ_MEMBER_BYTES = MAX_CELLS * 8 + 12 + MAX_NPY_HEADER_BYTES;
/**
 * JSON.parse needs the whole text as one string, and its arrays take up to ~15× the text (a
 * row `[1,2],` is 6 bytes of text, ~60 as a JS array): 64 MiB of JSON can cost ~1 GB parsed.
 */
export const MAX_JSON_BYTES = 64 * 1024 * 1024;
/** a pipe has no size: its bytes are collected, then copied once, so twice this at the peak */
export const MAX_PIPED_BYTES = 512 * 1024 * 1024;

export const DEFAULT_LIMITS: Readonly<DataLimits> = Object.freeze({
  maxColumns: MAX_COLUMNS,
  maxLineChars: MAX_LINE_CHARS,
  maxCells: MAX_CELLS,
  maxMemberBytes: MAX_NPZ_MEMBER_BYTES,
  maxJsonBytes: MAX_JSON_BYTES,
  maxNpyHeaderBytes: MAX_NPY_HEADER_BYTES,
  maxPipedBytes: MAX_PIPED_BYTES,
});

const NAMES: Record<keyof DataLimits, string> = {
  maxColumns: 'MAX_COLUMNS',
  maxLineChars: 'MAX_LINE_CHARS',
  maxCells: 'MAX_CELLS',
  maxMemberBytes: 'MAX_NPZ_MEMBER_BYTES',
  maxJsonBytes: 'MAX_JSON_BYTES',
  maxNpyHeaderBytes: 'MAX_NPY_HEADER_BYTES',
  maxPipedBytes: 'MAX_PIPED_BYTES',
};

export const limitsOf = (given?: Partial<DataLimits>): DataLimits => (given ? { ...DEFAULT_LIMITS, ...given } : DEFAULT_LIMITS);

/** 1234567 → "1,234,567" (no locale data needed). */
export function grouped(x: number): string {
  if (!Number.isSafeInteger(x)) return x.toExponential(3);
  const s = String(Math.abs(x));
  const out = s.replace(/\B(?=(\d{3})+$)/g, ',');
  return x < 0 ? `-${out}` : out;
}

/** Bytes for people: "1.5 GiB", "512 MiB", "300 bytes". */
export function sizeText(bytes: number): string {
  if (!Number.isFinite(bytes)) return 'an unbounded size';
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  if (u === 0) return `${grouped(bytes)} bytes`;
  return `${v.toFixed(1).replace(/\.0$/, '')} ${units[u]} (${grouped(bytes)} bytes)`;
}

/** "(limit MAX_CELLS = 67,108,864 cells)": every limit refusal ends with this. */
export function limitNote(limits: DataLimits, key: keyof DataLimits, unit: string): string {
  return `(limit ${NAMES[key]} = ${grouped(limits[key])} ${unit})`;
}

/** A data error for a limit that was hit, `message` followed by the limit's name and value. */
export function limitError(message: string, limits: DataLimits, key: keyof DataLimits, unit: string, loc: ErrorLocation) {
  return dataError(`${message} ${limitNote(limits, key, unit)}`, loc);
}
