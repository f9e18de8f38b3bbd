/**
 * The labels stage for classifiers whose classes are not 0…c−1 (skl2onnx's `classes`, e.g.
 * [1, 2, 3] or ["no", "yes"]; OutputHead.classes): the classification losses read a label as the
 * position of its class in the model's output (MATH.md §8), so each label is mapped through the
 * model's classes and the result says how. Text tables are mapped by their reader (the file's own
 * row numbers in a refusal); other formats (numbers only: .npy, .npz, JSON) here, by array row. A
 * label that is not one of the classes is refused with the file, row and column.
 */
import { dataError } from '../errors';
import type { Dataset } from '../data';
import type { CanonicalModel } from '../model';
import type { LossName } from '../problem/loss';

/** The losses whose labels name classes (MATH.md §8). */
const CLASS_LOSSES: ReadonlySet<LossName> = new Set<LossName>(['logistic', 'cross-entropy', 'hinge']);

/** The model's classes when the labels must be mapped through them: not 0…c−1, and a class-label loss. */
export function classesToMap(model: Pick<CanonicalModel, 'head'>, loss: LossName): (number | string)[] | null {
  const cls = model.head.classes;
  if (!cls?.length || !CLASS_LOSSES.has(loss)) return null;
  return cls.every((k, i) => k === i) ? null : cls;
}

/**
 * Maps one label column of class values to their positions, in place, unless the reader did
 * (data.classMapped); a value that is not a class is refused (row = the array row, 1-based; column =
 * the label column's name). Returns the note the result carries.
 */
export function mapLabelsThroughClasses(data: Dataset, classes: (number | string)[], file: string): string {
  const shown = classes.map((k) => (typeof k === 'string' ? JSON.stringify(k) : String(k)));
  const mapping = shown.map((k, i) => `${k} → ${i}`).join(', ');
  const note = `labels are the model's classes (skl2onnx classes_ [${shown.join(', ')}]), read as the output positions ${mapping}`;
  if (data.c !== 1 || data.classMapped) return note;
  const at = new Map(classes.map((k, i) => [k as number, i]));
  const Y = data.Y.data;
  for (let i = 0; i < Y.length; i++) {
    // a class name cannot be in a numeric array: every label is refused then
    const k = at.get(Y[i]);
    if (k === undefined)
      throw dataError(`label ${Y[i]} is not one of the model's classes (${shown.join(', ')})`, { file, row: i + 1, column: data.labelNames[0] ?? 1 });
    Y[i] = k;
  }
  return note;
}
