/**
 * Is a text table's first row a header? One rule for the table reader (text.ts) and the lint's
 * row count (python/samples.ts), so the two never disagree about n.
 *
 * The FEATURE cells decide: a data row's features are numbers, while its label may be a class
 * name ("setosa"), so a text label alone must not make the first sample a header. A file of labels
 * only has no feature cells to ask: there a text cell is a header unless it names a class.
 */
import { looksNumeric } from './number';

/**
 * The columns that would hold labels were the first row data: 'all' for a file of labels only;
 * 'named' when labels are chosen by column name, which only a header can supply.
 */
export type HeaderlessLabels = readonly number[] | 'all' | 'named';

const isText = (cell: string) => cell.trim() !== '' && !looksNumeric(cell);

/** @param isClass a label cell that names one of the model's classes is data, not a column name */
export function isHeaderRow(cells: readonly string[], labels: HeaderlessLabels, isClass?: (cell: string) => boolean): boolean {
  if (!cells.some(isText)) return false;
  if (labels === 'named') return true;
  const features = labels === 'all' ? [] : cells.filter((_, j) => !labels.includes(j));
  if (features.length) return features.some(isText);
  return cells.some((c) => isText(c) && !isClass?.(c.trim()));
}
