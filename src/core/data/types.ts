import type { Mat } from '../linalg/mat';
import type { DataLimits } from './limits';

export type DataFormat = 'csv' | 'tsv' | 'npy' | 'npz' | 'json';

/** Label column choice: names (header / field / member names) or 0-based column indices. */
export type LabelSpec = (string | number)[];

/**
 * Optional preprocessing the model does not contain (a scaler fitted before training), applied
 * to every feature row as x ↦ (x − mean) / scale — sklearn StandardScaler's convention
 * (`scale` is the standard deviation, not its inverse).
 */
export interface AffineSpec {
  mean: number[];
  scale: number[];
}

export interface LoadOptions {
  labels?: LabelSpec;
  labelFile?: string;
  /** the model's input dimension; a different feature count is refused */
  expectD?: number;
  /** the model's output count: without a `labels` option, c > 1 takes columns y1…yc or the last c */
  expectC?: number;
  affine?: AffineSpec;
  /** the readers' size limits, DEFAULT_LIMITS where not given (tests pass smaller ones) */
  limits?: Partial<DataLimits>;
  /** the model's classes (text tables): label cells are read as their classes' positions 0…c−1 */
  labelClasses?: readonly (number | string)[];
}

export interface ParseOptions extends LoadOptions {
  /** path or name as the user gave it; used for format detection and in every message */
  file: string;
  /** labels in a separate source (e.g. y.npy next to X.npy); `labels` then picks among its columns */
  labelBytes?: Uint8Array;
}

export interface Dataset {
  /** n×d features, after the affine map when one was given */
  X: Mat;
  /** n×c labels */
  Y: Mat;
  n: number;
  d: number;
  c: number;
  featureNames: string[];
  labelNames: string[];
  source: { file: string; format: DataFormat; labelFile?: string };
  /** the preprocessing applied to X, so reports can say so */
  affine: null | { mean: Float64Array; scale: Float64Array };
  /** human-readable remarks on how the file was read (delimiter, header, label choice, …) */
  notes: string[];
  /** the labels are positions of the model's classes already (the reader mapped `labelClasses`) */
  classMapped?: boolean;
}

/** A numeric table as a reader produced it, before label columns are separated. */
export interface Table {
  /** column names from a header / field names, or null when the source has none */
  names: string[] | null;
  n: number;
  k: number;
  /** row-major n×k */
  data: Float64Array;
}

/**
 * What a reader found: either one table whose columns still have to be split into features and
 * labels, or features and labels already separate (npz members X/y, JSON {"X","y"}).
 */
export type Source = { kind: 'table'; table: Table } | { kind: 'xy'; X: Table; y: Table | null; xName: string; yName: string | null };

export interface ReadResult {
  source: Source;
  format: DataFormat;
  notes: string[];
  /** the `labels` option named a member/key and is used up (npz, JSON object) */
  labelsUsed?: boolean;
  /** the label cells were read as positions of `labelClasses` (text tables) */
  classMapped?: boolean;
}
