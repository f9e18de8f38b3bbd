/**
 * Training data → Dataset (X n×d, Y n×c as float64), from CSV/TSV, .npy, .npz or JSON, with the
 * label columns chosen by name or index and an optional user scaler applied to X.
 *
 * parseDataset works on bytes (the extension reads files through VS Code's fs); loadDataset is
 * the node:fs wrapper the CLI uses: it streams text tables and reads only an .npz's directory and
 * the members used, so memory follows what is kept, not the file's size. Size limits (limits.ts)
 * bound what any file can make a reader allocate. Every refusal is a ReluLensError of kind 'data'
 * (or 'usage' for a malformed affine option) carrying file, row and column where they exist:
 *   - text: row = record number counted from 1 including the header and blank lines (the row a
 *     spreadsheet shows); column = the header name, or the 1-based number without a header;
 *   - .npy/.npz: row, column = 1-based array indices (the npz member is named in the message);
 *   - JSON: row = 1-based position in the array; column = field name or 1-based position.
 *
 * Labels: `labels` lists column names or 0-based indices (several → Y has several columns).
 * Default: the column named `y` (any case), else the last column. With a separate label source
 * all main-file columns are features and `labels` picks among the label source's columns
 * (default: all of them). In an npz / JSON object a single name may also name the label array.
 */
import { dataError, usageError } from '../errors';
import { readJson } from './json';
import { gather, genericNames, resolveLabelColumns, type LabelChoice } from './labels';
import { limitsOf, limitNote, sizeText, type DataLimits } from './limits';
import type { Role } from './members';
import { isNpy, npyFail, readNpy, readNpyHeader } from './npy';
import { isZip, readNpz, tableOf } from './npz';
import { bytesSource, fileSource, head, readAll, readUpTo, type ByteSource, type FileSource } from './source';
import { readDelimited } from './text';
import type { HeaderlessLabels } from './header';
import type { AffineSpec, Dataset, LabelSpec, LoadOptions, ParseOptions, ReadResult, Table } from './types';

export type { AffineSpec, Dataset, DataFormat, LabelSpec, LoadOptions, ParseOptions } from './types';
export type { DataLimits } from './limits';
export { DEFAULT_LIMITS } from './limits';

export function parseDataset(bytes: Uint8Array, opts: ParseOptions): Dataset {
  return build(bytesSource(bytes), opts.labelBytes !== undefined ? bytesSource(opts.labelBytes) : undefined, opts);
}

function build(mainSrc: ByteSource, labelSrc: ByteSource | undefined, opts: Omit<ParseOptions, 'labelBytes'>): Dataset {
  const { file, labels } = opts;
  const limits = limitsOf(opts.limits);
  const separate = labelSrc !== undefined;
  const labelFile = opts.labelFile ?? 'labels';
  const main = readSource(
    mainSrc,
    file,
    separate ? undefined : labels,
    separate ? 'features' : 'both',
    limits,
    opts.expectC,
    separate ? undefined : opts.labelClasses,
  );
  const notes = [...main.notes];
  // a label spec that named the npz member / JSON key holding the labels is used up
  const rest = main.labelsUsed ? undefined : labels;
  let split: Split;
  let labSource: Source | undefined;
  if (separate) {
    const lab = (labSource = readSource(labelSrc, labelFile, labels, 'labels', limits, 1, opts.labelClasses));
    split = withLabelSource(main, lab, labels, file, labelFile, notes);
  } else if (main.source.kind === 'table') {
    const t = main.source.table;
    split = splitTable(t, main.choice ?? resolveLabelColumns(t.names, t.k, rest, file, opts.expectC), file, notes);
  } else {
    split = fromXY(main.source, rest, file, notes);
  }
  const { X, Y } = split;

  const n = X.n;
  const d = X.k;
  if (n === 0) throw dataError('the data has no rows', { file });
  if (opts.expectD !== undefined && d !== opts.expectD) {
    throw dataError(
      `data has ${d} feature column${d === 1 ? '' : 's'}, the model expects ${opts.expectD} (features: ${shortList(split.featureNames)}; labels: ${shortList(split.labelNames)})`,
      { file },
    );
  }
  const affine = opts.affine ? applyAffine(X.data, d, opts.affine) : null;
  if (affine) notes.push('preprocessing applied to the features: x ↦ (x − mean) / scale');

  return {
    X: { rows: n, cols: d, data: X.data },
    Y: { rows: n, cols: Y.k, data: Y.data },
    n,
    d,
    c: Y.k,
    featureNames: split.featureNames,
    labelNames: split.labelNames,
    source: separate ? { file, format: main.format, labelFile } : { file, format: main.format },
    affine,
    notes,
    ...((separate ? labSource?.classMapped : main.classMapped) ? { classMapped: true } : {}),
  };
}

interface Split {
  X: Table;
  Y: Table;
  featureNames: string[];
  labelNames: string[];
}

/** One table: the label columns are Y, all others X. */
function splitTable(t: Table, choice: LabelChoice, file: string, notes: string[]): Split {
  notes.push(choice.note);
  const fcols = range(t.k).filter((j) => !choice.cols.includes(j));
  if (fcols.length === 0) {
    throw dataError(
      t.k === 1
        ? 'the data has a single column, which is taken as the labels, so no feature columns are left'
        : `no feature columns are left: all ${t.k} columns are labels`,
      { file },
    );
  }
  return {
    X: select(t, fcols),
    Y: select(t, choice.cols),
    featureNames: t.names ? fcols.map((j) => t.names![j]) : genericNames('x', fcols.length),
    labelNames: t.names ? choice.cols.map((j) => t.names![j]) : genericNames('y', choice.cols.length),
  };
}

/** Features and labels already separate in one file (npz members, JSON keys). */
function fromXY(src: Extract<ReadResult['source'], { kind: 'xy' }>, labels: LabelSpec | undefined, file: string, notes: string[]): Split {
  if (!src.y) throw dataError('no labels found', { file });
  const X = src.X;
  const choice = labelColumnsOf(src.y, labels, file);
  const Y = choice ? select(src.y, choice.cols) : src.y;
  notes.push(`features: "${src.xName}", labels: "${src.yName}"${choice ? `, ${choice.note}` : ''}`);
  if (X.n !== Y.n) throw dataError(`"${src.xName}" has ${X.n} rows but "${src.yName}" has ${Y.n}`, { file });
  return { X, Y, featureNames: X.names ?? genericNames('x', X.k), labelNames: Y.names ?? genericNames('y', Y.k) };
}

/** Labels from their own file: every column of the main source is a feature. */
function withLabelSource(main: Source, lab: Source, labels: LabelSpec | undefined, file: string, labelFile: string, notes: string[]): Split {
  let X: Table;
  if (main.source.kind === 'table') X = main.source.table;
  else {
    X = main.source.X;
    notes.push(`features: "${main.source.xName}"`);
  }
  notes.push(...lab.notes.map((s) => `label file: ${s}`));
  const lt = lab.source.kind === 'table' ? lab.source.table : (lab.source.y ?? lab.source.X);
  const choice = lab.choice ?? labelColumnsOf(lt, lab.labelsUsed ? undefined : labels, labelFile);
  if (choice) notes.push(`label file: ${choice.note}`);
  const Y = choice ? select(lt, choice.cols) : lt;
  if (X.n !== Y.n) throw dataError(`the features (${file}) have ${X.n} rows but the labels (${labelFile}) have ${Y.n}`, { file: labelFile });
  return { X, Y, featureNames: X.names ?? genericNames('x', X.k), labelNames: Y.names ?? genericNames('y', Y.k) };
}

export async function loadDataset(path: string, opts: LoadOptions = {}): Promise<Dataset> {
  const opened: FileSource[] = [];
  try {
    const main = fileSource(path);
    opened.push(main);
    const lab = opts.labelFile !== undefined ? fileSource(opts.labelFile) : undefined;
    if (lab) opened.push(lab);
    return build(main, lab, { ...opts, file: path });
  } finally {
    for (const f of opened) f.close();
  }
}

type Source = ReadResult & { choice?: LabelChoice };

/**
 * Which columns of a text table would hold labels were its first row data, for the header question (header.ts):
 * the same choice resolveLabelColumns makes without names. An index out of range is refused
 * later by that call, with its own message; here it only drops out.
 */
function headerlessLabels(role: Role, labels: LabelSpec | undefined, k: number, file: string, defaultCount: number): HeaderlessLabels {
  if (role === 'features') return [];
  if (!labels?.length) return role === 'labels' ? 'all' : resolveLabelColumns(null, k, undefined, file, defaultCount).cols;
  if (labels.some((s) => typeof s === 'string')) return 'named';
  return labels.filter((s): s is number => typeof s === 'number');
}

/** Detects the format (magic bytes first, then extension, then content) and reads. */
function readSource(
  src: ByteSource,
  file: string,
  labels: LabelSpec | undefined,
  role: Role,
  limits: DataLimits,
  defaultCount = 1,
  labelClasses?: readonly (number | string)[],
): Source {
  const ext = /\.([^./\\]+)$/.exec(file)?.[1]?.toLowerCase() ?? '';
  const start = head(src);
  if (isNpy(start) || (ext === 'npy' && !isZip(start))) {
    const a = readNpy(npyBytes(src, file, limits), file, '', limits);
    const table = tableOf(a);
    const notes = [`read as NumPy .npy (${a.descr}, shape (${a.shape.join(', ')}${a.shape.length === 1 ? ',' : ''}))`];
    return { source: { kind: 'table', table }, format: 'npy', notes };
  }
  if (isZip(start) || ext === 'npz') return readNpz(src, file, labels, role, limits);
  if (ext === 'json' || (!['csv', 'tsv', 'tab', 'txt', 'dat'].includes(ext) && /^\s*[[{]/.test(sniffStart(start)))) {
    return readJson(src, file, labels, role, limits);
  }
  // labels are resolved as soon as the header is known, so a wrong name fails before a long parse
  let choice: LabelChoice | undefined;
  const r = readDelimited(
    src,
    file,
    ext,
    (names, k) => {
      if (role === 'features') return undefined;
      // a labels file: every column is a label, read through the model's classes when it has them
      if (role === 'labels' && !labels?.length) return labelClasses ? range(k) : undefined;
      choice = resolveLabelColumns(names, k, labels, file, defaultCount);
      return choice.cols;
    },
    limits,
    labelClasses,
    (k) => headerlessLabels(role, labels, k, file, defaultCount),
  );
  return { ...r, choice };
}

/**
 * The bytes of an .npy: its header is read and checked first (shape against maxCells, data size
 * against the file's), then only the bytes it describes.
 */
function npyBytes(src: ByteSource, file: string, limits: DataLimits): Uint8Array {
  if (src.size === undefined) {
    // a pipe: refuse a wrong magic on its first bytes, not after reading up to the cap (/dev/zero)
    if (!isNpy(head(src))) throw npyFail(file, '')('not a .npy file (the \\x93NUMPY magic is missing)');
    return readAll(src, limits.maxMemberBytes, (n) =>
      dataError(`the .npy read from a pipe is over ${sizeText(n)}, more than one array may take ${limitNote(limits, 'maxMemberBytes', 'bytes')}`, { file }),
    );
  }
  const prefix = readUpTo(src, 0, 12 + limits.maxNpyHeaderBytes);
  if (prefix.length === src.size) return prefix;
  const h = readNpyHeader(prefix, src.size, npyFail(file, ''), limits);
  // null: the prefix holds the largest header allowed, so only a bad magic gets here, which readNpy words
  if (!h) return prefix;
  return readUpTo(src, 0, h.dataStart + h.count * h.dt.size);
}

const sniffStart = (b: Uint8Array) => new TextDecoder().decode(b.subarray(0, 64));

/** Label columns of an array that holds only labels, or null for "all of them". */
function labelColumnsOf(t: Table, labels: LabelSpec | undefined, file: string): LabelChoice | null {
  if (!labels?.length) return null;
  return resolveLabelColumns(t.names, t.k, labels, file);
}

/** Columns `cols` of t as a new table. */
function select(t: Table, cols: number[]): Table {
  return { names: t.names ? cols.map((j) => t.names![j]) : null, n: t.n, k: cols.length, data: gather(t, cols) };
}

/**
 * Validates and applies x ↦ (x − mean) / scale in place (StandardScaler: mean_ and scale_).
 */
function applyAffine(data: Float64Array, d: number, spec: AffineSpec): { mean: Float64Array; scale: Float64Array } {
  const { mean, scale } = spec;
  if (!Array.isArray(mean) || !Array.isArray(scale)) throw usageError('affine preprocessing needs arrays mean and scale');
  if (mean.length !== d) throw usageError(`affine preprocessing: mean has ${mean.length} entries, the data has ${d} feature columns`);
  if (scale.length !== d) throw usageError(`affine preprocessing: scale has ${scale.length} entries, the data has ${d} feature columns`);
  mean.forEach((m, j) => {
    if (typeof m !== 'number' || !Number.isFinite(m)) throw usageError(`affine preprocessing: mean[${j}] = ${m} is not a finite number`);
  });
  scale.forEach((s, j) => {
    if (typeof s !== 'number' || !Number.isFinite(s) || !(s > 0)) {
      throw usageError(`affine preprocessing: scale[${j}] = ${s}; every scale entry must be a finite number > 0 (x ↦ (x − mean) / scale)`);
    }
  });
  const mu = Float64Array.from(mean);
  const sc = Float64Array.from(scale);
  for (let i = 0; i < data.length; i += d) for (let j = 0; j < d; j++) data[i + j] = (data[i + j] - mu[j]) / sc[j];
  return { mean: mu, scale: sc };
}

const range = (k: number) => Array.from({ length: k }, (_, j) => j);
const shortList = (names: string[]) => (names.length <= 6 ? names.join(', ') : `${names.slice(0, 5).join(', ')}, … (${names.length})`);
