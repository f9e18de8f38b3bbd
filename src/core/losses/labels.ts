/**
 * Labels in the form each loss's formulas use (MATH.md §8):
 *  - squared: as given (n×c reals);
 *  - hinge, logistic: y ∈ {−1, +1}. Labels written as 0/1 are mapped 0 → −1, 1 → +1 (so
 *    BCEWithLogitsLoss's target t gives y = 2t − 1 and log(1 + e^{−yf}) is its loss). A column
 *    per output: c > 1 means independent binary problems (multi-label);
 *  - cross-entropy: one-hot rows (n×c), or class indices (n×1 integers in 0..c−1) converted to
 *    one-hot with c = the model's number of outputs.
 * Anything else is refused with the 1-based row and column of the first bad entry.
 */
import { dataError, usageError } from '../errors';
import { type Mat, zeros } from '../linalg/mat';
import type { LossName } from '../analysis/types';

function at(Y: Mat, i: number, j: number): number {
  return Y.data[i * Y.cols + j];
}

function binaryLabels(Y: Mat, loss: LossName, c: number): Mat {
  if (Y.cols !== c)
    throw usageError(`The ${loss} loss needs one label column per model output: the labels have ${Y.cols} column(s), the model ${c} output(s).`);
  // the format is decided by the whole matrix: any −1 ⇒ ±1 labels, else 0/1 labels
  let hasMinus = false;
  for (let i = 0; i < Y.data.length; i++) if (Y.data[i] === -1) hasMinus = true;
  const out = zeros(Y.rows, Y.cols);
  for (let i = 0; i < Y.rows; i++)
    for (let j = 0; j < Y.cols; j++) {
      const v = at(Y, i, j);
      const ok = hasMinus ? v === -1 || v === 1 : v === 0 || v === 1;
      if (!ok) {
        const what = hasMinus
          ? `the labels use −1/+1 (a −1 appears elsewhere) but this entry is ${v}`
          : `binary labels must be 0/1 or −1/+1, found ${v}`;
        throw dataError(`Label not usable for the ${loss} loss: ${what}.`, { row: i + 1, column: j + 1 });
      }
      out.data[i * Y.cols + j] = hasMinus ? v : 2 * v - 1;
    }
  return out;
}

function crossEntropyLabels(Y: Mat, c: number): Mat {
  if (c < 2) throw usageError(`The cross-entropy loss needs at least 2 model outputs (classes); the model has ${c}.`);
  const n = Y.rows;
  const out = zeros(n, c);
  if (Y.cols === 1) {
    // class indices
    for (let i = 0; i < n; i++) {
      const v = Y.data[i];
      if (!Number.isInteger(v) || v < 0 || v >= c)
        throw dataError(`Class index ${v} is not an integer in 0..${c - 1} (the model has ${c} outputs).`, { row: i + 1, column: 1 });
      out.data[i * c + v] = 1;
    }
    return out;
  }
  if (Y.cols !== c)
    throw usageError(`Cross-entropy labels must be class indices (one column) or one-hot rows with ${c} columns; got ${Y.cols} columns.`);
  for (let i = 0; i < n; i++) {
    let ones = 0;
    for (let j = 0; j < c; j++) {
      const v = at(Y, i, j);
      if (v !== 0 && v !== 1)
        throw dataError(`One-hot labels must be 0 or 1, found ${v}.`, { row: i + 1, column: j + 1 });
      ones += v;
      out.data[i * c + j] = v;
    }
    if (ones !== 1)
      throw dataError(`A one-hot label row must contain exactly one 1; this row has ${ones}.`, { row: i + 1, column: 1 });
  }
  return out;
}

/**
 * Labels converted for `loss` (see the header). c = the model's number of outputs. Throws
 * ReluLensError (kind 'data', with row/column) on a bad entry.
 */
export function labelsForLoss(Y: Mat, loss: LossName, c: number): Mat {
  for (let i = 0; i < Y.data.length; i++)
    if (!Number.isFinite(Y.data[i]))
      throw dataError(`Label is not a finite number (${Y.data[i]}).`, { row: Math.floor(i / Y.cols) + 1, column: (i % Y.cols) + 1 });
  switch (loss) {
    case 'squared':
      if (Y.cols !== c) throw usageError(`The labels have ${Y.cols} column(s) but the model has ${c} output(s).`);
      return { rows: Y.rows, cols: Y.cols, data: new Float64Array(Y.data) };
    case 'hinge':
    case 'logistic':
      return binaryLabels(Y, loss, c);
    case 'cross-entropy':
      return crossEntropyLabels(Y, c);
  }
}
