/**
 * The import graph of src/ (issue #19 item 1): no file imports itself through others, no folder of
 * src/core imports itself through others, and src/core stands alone (no `vscode`, nothing from
 * src/cli, src/extension or src/protocol). Type-only imports count: a cycle of types still ties two
 * folders into one unit. The independent oracle is TypeScript's own pre-processor over the files
 * on disk; the graph algorithms are checked on small hand-made graphs first.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { buildImportGraph, cycleThrough, cyclicComponents, folderGraph } from './importGraph';

const ROOT = join(__dirname, '..', '..');

/**
 * Cycles that other work in flight still has, each with what removes it. The list only shrinks:
 * an entry that no longer matches a cycle fails the test, so it is deleted when its cycle goes.
 * A cycle is allowed when its files (folders) are a subset of one entry.
 */
const ALLOWED_FILE_CYCLES: { files: string[]; removedBy: string }[] = [];

/**
 * Folder edges that close a cycle today, each with what removes it. The test drops them and asks
 * for an acyclic rest; an entry whose edge no longer closes a cycle fails the test (delete it).
 */
const ALLOWED_FOLDER_EDGES: { from: string; to: string; removedBy: string }[] = [];

function describeCycles(g: Map<string, Set<string>>, comps: string[][]): string {
  return comps.map((c) => `  {${c.join(', ')}}\n    e.g. ${cycleThrough(g, c, c[0]).join(' → ')}`).join('\n');
}

test('cycle finder: finds exactly the strongly connected parts of a small graph, with a concrete cycle', () => {
  const g = new Map<string, Set<string>>([
    ['a', new Set(['b'])],
    ['b', new Set(['c'])],
    ['c', new Set(['a', 'd'])],
    ['d', new Set(['e'])],
    ['e', new Set()],
    ['f', new Set(['f'])],
  ]);
  assert.deepEqual(cyclicComponents(g), [['a', 'b', 'c'], ['f']]);
  assert.deepEqual(cycleThrough(g, ['a', 'b', 'c'], 'b'), ['b', 'c', 'a', 'b']);
  const acyclic = new Map([...g].filter(([k]) => k !== 'f').map(([k, v]) => [k, new Set([...v].filter((w) => w !== 'a'))]));
  assert.deepEqual(cyclicComponents(acyclic), []);
});

test('folder graph: files directly under the prefix are nodes of their own; other prefixes are ignored', () => {
  const g = new Map<string, Set<string>>([
    ['src/core/a/x.ts', new Set(['src/core/b/y.ts', 'src/core/a/z.ts'])],
    ['src/core/b/y.ts', new Set(['src/core/model.ts'])],
    ['src/core/model.ts', new Set(['src/core/a/deep/w.ts'])],
    ['src/cli/main.ts', new Set(['src/core/a/x.ts'])],
  ]);
  const f = folderGraph(g, 'src/core');
  assert.deepEqual([...f.keys()].sort(), ['a', 'b', 'model.ts']);
  assert.deepEqual(cyclicComponents(f), [['a', 'b', 'model.ts']]);
});

const graph = buildImportGraph(ROOT);

test('the graph reads real imports (type-only and re-exports included)', () => {
  // src/core/certify/index.ts re-exports from ./types and imports ../oracle; a type-only edge:
  const certifyIndex = graph.edges.get(join('src', 'core', 'certify', 'index.ts'));
  assert.ok(certifyIndex, 'src/core/certify/index.ts is in the graph');
  assert.ok(certifyIndex.has(join('src', 'core', 'certify', 'types.ts')));
  assert.ok(certifyIndex.has(join('src', 'core', 'oracle', 'index.ts')));
  assert.ok(graph.edges.size > 100, `only ${graph.edges.size} files read`);
});

test('no file-level import cycle in src/ (beyond the shrinking allow-list)', () => {
  const comps = cyclicComponents(graph.edges);
  if (comps.length) console.log(`file cycles today:\n${describeCycles(graph.edges, comps)}`);
  const bad = comps.filter((c) => !ALLOWED_FILE_CYCLES.some((a) => c.every((f) => a.files.includes(f))));
  assert.deepEqual(bad, [], `file cycles:\n${describeCycles(graph.edges, bad)}`);
  const stale = ALLOWED_FILE_CYCLES.filter((a) => !comps.some((c) => c.some((f) => a.files.includes(f))));
  assert.deepEqual(stale, [], 'allow-listed file cycles that no longer exist: delete them from ALLOWED_FILE_CYCLES');
});

test('no folder-level import cycle inside src/core (beyond the shrinking allow-list of edges)', () => {
  const fg = folderGraph(graph.edges, 'src/core');
  const comps = cyclicComponents(fg);
  if (comps.length) console.log(`src/core folder cycles today:\n${describeCycles(fg, comps)}`);
  const sameComp = (a: string, b: string) => comps.some((c) => c.includes(a) && c.includes(b));
  const stale = ALLOWED_FOLDER_EDGES.filter((e) => !fg.get(e.from)?.has(e.to) || !sameComp(e.from, e.to));
  const rest = new Map([...fg].map(([k, v]) => [k, new Set(v)]));
  for (const e of ALLOWED_FOLDER_EDGES) rest.get(e.from)?.delete(e.to);
  const bad = cyclicComponents(rest);
  assert.deepEqual(bad, [], `folder cycles:\n${describeCycles(rest, bad)}`);
  assert.deepEqual(stale, [], 'allow-listed folder edges that no longer close a cycle: delete them from ALLOWED_FOLDER_EDGES');
});

test('src/core never imports vscode, src/cli, src/extension or src/protocol', () => {
  const bad: string[] = [];
  const core = join('src', 'core') + '/';
  for (const [file, bare] of graph.bare) {
    if (!file.startsWith(core)) continue;
    if (bare.has('vscode')) bad.push(`${file} imports vscode`);
    for (const t of graph.edges.get(file) ?? []) if (!t.startsWith(core)) bad.push(`${file} imports ${t}`);
  }
  assert.deepEqual(bad, []);
});
