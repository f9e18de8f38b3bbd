/**
 * What the two ±1-label losses (hinge, logistic) share: the label form y ∈ {−1, +1} and the
 * conjugate's domain in the coordinate p = y·λ ∈ [0, 1] (MATH.md §8; ./conjugates.ts header).
 * Labels written as 0/1 are mapped 0 → −1, 1 → +1 (so BCEWithLogitsLoss's target t gives
 * y = 2t − 1 and log(1 + e^{−yf}) is its loss). A column per output: c > 1 means independent
 * binary problems (multi-label). Anything else is refused with the 1-based row and column.
 */
import { dataError, usageError } from '../errors';
import { type Mat, zeros } from '../linalg/mat';
import { DOMAIN_MARGIN } from './loss';

export function binaryLabels(Y: Mat, loss: string, c: number): Mat {
  if (Y.cols !== c)
    throw usageError(`The ${loss} loss needs one label column per model output: the labels have ${Y.cols} column(s), the model ${c} output(s).`);
  // the format is decided by the whole matrix: any −1 ⇒ ±1 labels, else 0/1 labels
  let hasMinus = false;
  for (let i = 0; i < Y.data.length; i++) if (Y.data[i] === -1) hasMinus = true;
  const out = zeros(Y.rows, Y.cols);
  for (let i = 0; i < Y.rows; i++)
    for (let j = 0; j < Y.cols; j++) {
      const v = Y.data[i * Y.cols + j];
      const ok = hasMinus ? v === -1 || v === 1 : v === 0 || v === 1;
      if (!ok) {
        const what = hasMinus ? `the labels use −1/+1 (a −1 appears elsewhere) but this entry is ${v}` : `binary labels must be 0/1 or −1/+1, found ${v}`;
        throw dataError(`Label not usable for the ${loss} loss: ${what}.`, { row: i + 1, column: j + 1 });
      }
      out.data[i * Y.cols + j] = hasMinus ? v : 2 * v - 1;
    }
  return out;
}

/** p = yλ clamped into [DOMAIN_MARGIN, 1 − DOMAIN_MARGIN] */
function clampBinary(L: Mat, Y: Mat): void {
  for (let i = 0; i < L.data.length; i++) {
    const y = Y.data[i];
    const p = Math.min(1 - DOMAIN_MARGIN, Math.max(DOMAIN_MARGIN, y * L.data[i]));
    L.data[i] = y * p;
  }
}

/** Per column: scale the larger of Σ_{y=+1} p and Σ_{y=−1} p down to the smaller (keeps p ∈ [0, 1]). */
function balanceBinary(L: Mat, Y: Mat): boolean {
  const n = L.rows,
    c = L.cols;
  for (let k = 0; k < c; k++) {
    let sp = 0,
      sm = 0;
    for (let i = 0; i < n; i++) {
      const v = L.data[i * c + k];
      if (Y.data[i * c + k] > 0) sp += v;
      else sm -= v;
    }
    if (!(sp > 0 && sm > 0)) return false; // one class only: Λᵀ1 = 0 forces Λ = 0 in this column
    const shrinkPos = sp > sm;
    const ratio = shrinkPos ? sm / sp : sp / sm;
    for (let i = 0; i < n; i++) if (Y.data[i * c + k] > 0 === shrinkPos) L.data[i * c + k] *= ratio;
  }
  return true;
}

/** Loss.intoDomain for p = yλ ∈ [0, 1] */
export function binaryIntoDomain(L: Mat, Y: Mat, meanZero: boolean): boolean {
  clampBinary(L, Y);
  return !meanZero || balanceBinary(L, Y);
}

/** Loss.domainMargin for p = yλ ∈ [0, 1] */
export function binaryMargin(L: Mat, Y: Mat): number {
  let m = Infinity;
  for (let i = 0; i < L.data.length; i++) {
    const p = Y.data[i] * L.data[i];
    m = Math.min(m, p, 1 - p);
  }
  return m;
}
