/** analyzeScript / analyzeNotebook: parse once, run the fact extractors over one tree. */
import { newParser } from './parser';
import { findAll, rangeOf, withIndex, type Node } from './ast';

/** Characters handed to the parser per read. */
const PARSE_CHUNK = 1 << 14;
import { Resolver } from './resolve';
import { findNetwork } from './network';
import { findOptimizer } from './optimizer';
import { findLoss } from './loss';
import { findData, findExports } from './io';
import { findSklearn, findSklearnExports, sklearnNetwork } from './sklearn';
import { notebookCells, type CellSource } from './nbformat';
export type { CellSource } from './nbformat';
import type { ScriptFacts, SrcRange } from './types';

function syntaxErrors(root: Node): SrcRange[] {
  if (!root.hasError) return [];
  const out: SrcRange[] = [];
  for (const e of findAll(root, 'ERROR')) out.push(rangeOf(e));
  const walkMissing = (n: Node) => {
    if (n.isMissing) out.push(rangeOf(n));
    for (const c of n.children) if (c && c.hasError) walkMissing(c);
  };
  walkMissing(root);
  return out.slice(0, 20);
}

export async function analyzeScript(source: string, file: string): Promise<ScriptFacts> {
  const parser = await newParser();
  // Chunks: given a string, web-tree-sitter hands the parser source.slice(i) for every read (quadratic).
  const tree = parser.parse((i: number) => source.slice(i, i + PARSE_CHUNK));
  if (!tree) throw new Error('the Python parser returned no tree');
  try {
    const root = tree.rootNode;
    return withIndex(root, () => extract(root, source, file));
  } finally {
    tree.delete();
    parser.delete();
  }
}

function extract(root: Node, _source: string, file: string): ScriptFacts {
  {
    const r = new Resolver(root);
    const unresolved: ScriptFacts['unresolved'] = [];
    const sklearn = findSklearn(root, r, unresolved);
    const network = sklearn ? sklearnNetwork(sklearn) : findNetwork(root, r, unresolved);
    const optimizer = sklearn ? null : findOptimizer(root, r, unresolved, network?.name ?? null);
    const loss = sklearn ? null : findLoss(root, r, unresolved, network?.head ?? null);
    const exports = [...findExports(root, r, unresolved), ...(sklearn ? findSklearnExports(root, r, unresolved) : [])];
    const data = findData(root, r, unresolved, new Set(exports.map((e) => e.path)));
    const facts: ScriptFacts = { file, network, optimizer, loss, data, exports, unresolved };
    if (sklearn) facts.sklearn = sklearn;
    const errs = syntaxErrors(root);
    if (errs.length) facts.syntaxErrors = errs;
    return facts;
  }
}

/** IPython magics and shell escapes are not Python: blank them to comments, keeping columns. */
function neutralize(cell: string): string {
  const lines = cell.split(/\r?\n/);
  if (/^\s*%%/.test(lines[0] ?? '') && !/^\s*%%(time|timeit|capture)\b/.test(lines[0])) return lines.map((l) => (l.trim() ? '#' + l.slice(1) : l)).join('\n');
  return lines.map((l) => l.replace(/^(\s*)[%!]/, '$1#')).join('\n');
}

/** Code cells share one namespace: analyze them as one program, then map ranges back per cell. */
export async function analyzeCells(cells: CellSource[], file: string): Promise<ScriptFacts> {
  const map: { cell: number; line: number }[] = [];
  const parts: string[] = [];
  for (const c of cells) {
    const lines = neutralize(c.source).split('\n');
    lines.forEach((_, i) => map.push({ cell: c.index, line: i }));
    parts.push(lines.join('\n'));
  }
  const facts = await analyzeScript(parts.join('\n'), file);
  const remap = (o: unknown): void => {
    if (!o || typeof o !== 'object') return;
    if (Array.isArray(o)) return o.forEach(remap);
    const r = o as Record<string, unknown>;
    if (typeof r.line === 'number' && typeof r.endLine === 'number' && typeof r.column === 'number') {
      const s = map[Math.min(r.line, map.length - 1)] ?? { cell: 0, line: 0 };
      const e = map[Math.min(r.endLine as number, map.length - 1)] ?? s;
      r.cellIndex = s.cell;
      r.line = s.line;
      if (e.cell === s.cell) r.endLine = e.line;
      else (r.endLine = s.line), (r.endColumn = 1e4);
      return;
    }
    for (const v of Object.values(r)) remap(v);
  };
  remap(facts);
  return facts;
}

/** .ipynb JSON → facts of the whole notebook (one element: the cells form one program). */
export async function analyzeNotebook(json: string, file: string): Promise<ScriptFacts[]> {
  return [await analyzeCells(notebookCells(json, file), file)];
}
