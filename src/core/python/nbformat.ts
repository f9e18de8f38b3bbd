/**
 * The cells of an .ipynb file, checked against the nbformat 4 shape first:
 * {cells: [{cell_type: 'code' | 'markdown' | 'raw', source: string | string[]}, …], …}.
 * A file of another shape is refused with the place that is wrong (`cells[3].source`), so the
 * user sees what to fix instead of a JavaScript TypeError from deep inside the analysis.
 */
import { dataError } from '../errors';

/** One notebook code cell: its source text and its index among all the notebook's cells. */
export interface CellSource {
  /** index in the notebook's cells (all kinds) */
  index: number;
  source: string;
}

const CELL_TYPES = ['code', 'markdown', 'raw'];

function what(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The code cells (index = position among all cells), or a ReluLensError naming the file and the place. */
export function notebookCells(json: string, file: string): CellSource[] {
  const refuse = (message: string) => dataError(`not a notebook: ${message}`, { file });
  let nb: unknown;
  try {
    nb = JSON.parse(json);
  } catch (e) {
    throw refuse(`invalid JSON (${(e as Error).message})`);
  }
  if (!isObject(nb)) throw refuse(`the JSON is ${what(nb)}; nbformat 4 wants an object with a "cells" list`);
  if (!Array.isArray(nb.cells)) throw refuse(`"cells" is ${nb.cells === undefined ? 'missing' : what(nb.cells)}; nbformat 4 wants a list of cells`);
  const out: CellSource[] = [];
  nb.cells.forEach((c: unknown, index: number) => {
    const at = `cells[${index}]`;
    if (!isObject(c)) throw refuse(`${at} is ${what(c)}; a cell is an object`);
    if (typeof c.cell_type !== 'string' || !CELL_TYPES.includes(c.cell_type))
      throw refuse(
        `${at}.cell_type is ${c.cell_type === undefined ? 'missing' : typeof c.cell_type === 'string' ? JSON.stringify(c.cell_type.slice(0, 40)) : what(c.cell_type)}; nbformat 4 has "code", "markdown", "raw"`,
      );
    const src = c.source;
    if (Array.isArray(src)) {
      const bad = src.findIndex((s) => typeof s !== 'string');
      if (bad >= 0) throw refuse(`${at}.source[${bad}] is ${what(src[bad])}; source lines are strings`);
    } else if (typeof src !== 'string')
      throw refuse(`${at}.source is ${src === undefined ? 'missing' : what(src)}; nbformat 4 wants a string or a list of strings`);
    if (c.cell_type === 'code') out.push({ index, source: Array.isArray(src) ? src.join('') : src });
  });
  return out;
}
