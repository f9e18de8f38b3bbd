/**
 * Labels in the form each loss's formulas use (MATH.md §8; Loss.labels in each loss's file):
 *  - squared, Huber: as given (n×c reals);
 *  - hinge, logistic: y ∈ {−1, +1}; 0/1 labels are mapped 0 → −1, 1 → +1 (./binary.ts);
 *  - cross-entropy: one-hot rows (n×c), or class indices (n×1 integers in 0..c−1) (./crossEntropy.ts).
 * Anything else is refused with the 1-based row and column of the first bad entry.
 */
import { dataError } from '../errors';
import type { Mat } from '../linalg/mat';
import { lossOf, type LossRef } from './registry';

/**
 * Labels converted for `loss` (see the header). c = the model's number of outputs. Throws
 * ReluLensError (kind 'data', with row/column) on a bad entry.
 */
export function labelsForLoss(Y: Mat, loss: LossRef, c: number): Mat {
  for (let i = 0; i < Y.data.length; i++)
    if (!Number.isFinite(Y.data[i]))
      throw dataError(`Label is not a finite number (${Y.data[i]}).`, { row: Math.floor(i / Y.cols) + 1, column: (i % Y.cols) + 1 });
  return lossOf(loss).labels(Y, c);
}
