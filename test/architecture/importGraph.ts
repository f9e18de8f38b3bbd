/**
 * The import graph of src/: every relative import, `export … from`, `import type` and dynamic
 * `import()` edge between .ts files, read with TypeScript's own pre-processor (so a comment or a
 * string that looks like an import is not one). Cycles are reported as the strongly connected
 * components of the graph, each with one concrete cycle through it so the message names files.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

export interface ImportGraph {
  /** repository-relative file → repository-relative files it imports (relative imports only) */
  edges: Map<string, Set<string>>;
  /** repository-relative file → bare module specifiers it imports ('vscode', 'node:fs', …) */
  bare: Map<string, Set<string>>;
}

function listTs(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir).sort()) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) listTs(p, out);
    else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

function resolveRelative(from: string, spec: string): string | null {
  const base = resolve(dirname(from), spec);
  for (const cand of [base, `${base}.ts`, join(base, 'index.ts')]) {
    if (cand.endsWith('.ts') && existsSync(cand) && statSync(cand).isFile()) return cand;
  }
  return null;
}

export function buildImportGraph(root: string, srcDir = 'src'): ImportGraph {
  const edges = new Map<string, Set<string>>();
  const bare = new Map<string, Set<string>>();
  for (const abs of listTs(join(root, srcDir))) {
    const file = relative(root, abs);
    const info = ts.preProcessFile(readFileSync(abs, 'utf8'), true, true);
    const to = new Set<string>();
    const ext = new Set<string>();
    for (const imp of info.importedFiles) {
      const spec = imp.fileName;
      if (spec.startsWith('.')) {
        const target = resolveRelative(abs, spec);
        if (target) to.add(relative(root, target));
      } else ext.add(spec);
    }
    edges.set(file, to);
    bare.set(file, ext);
  }
  return { edges, bare };
}

/** Tarjan's strongly connected components; components of one node without a self-edge are dropped. */
export function cyclicComponents(g: Map<string, Set<string>>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const out: string[][] = [];
  const strong = (v: string): void => {
    idx.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    for (const w of g.get(v) ?? []) {
      if (!idx.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1 || g.get(v)?.has(v)) out.push(comp.sort());
    }
  };
  for (const v of [...g.keys()].sort()) if (!idx.has(v)) strong(v);
  return out.sort((a, b) => a[0].localeCompare(b[0]));
}

/** One shortest cycle through `start` inside `comp` (breadth-first), as a → b → … → a. */
export function cycleThrough(g: Map<string, Set<string>>, comp: string[], start: string): string[] {
  const inComp = new Set(comp);
  const prev = new Map<string, string>();
  const queue = [start];
  const seen = new Set([start]);
  while (queue.length) {
    const v = queue.shift()!;
    for (const w of g.get(v) ?? []) {
      if (!inComp.has(w)) continue;
      if (w === start) {
        const path = [v];
        while (path[0] !== start) path.unshift(prev.get(path[0])!);
        return [...path, start];
      }
      if (!seen.has(w)) {
        seen.add(w);
        prev.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start];
}

/**
 * The folder graph of `prefix` (e.g. 'src/core'): an edge a → b when a file in folder a (at any
 * depth) imports one in folder b. A file directly under `prefix` (errors.ts, model.ts) is a node of
 * its own, so a folder importing model.ts while model.ts imports the folder is a cycle too.
 */
export function folderGraph(g: Map<string, Set<string>>, prefix: string): Map<string, Set<string>> {
  const folder = (f: string): string | null => {
    if (!f.startsWith(`${prefix}/`)) return null;
    const rest = f.slice(prefix.length + 1).split('/');
    return rest[0];
  };
  const out = new Map<string, Set<string>>();
  for (const [from, tos] of g) {
    const a = folder(from);
    if (!a) continue;
    if (!out.has(a)) out.set(a, new Set());
    for (const t of tos) {
      const b = folder(t);
      if (b && b !== a) out.get(a)!.add(b);
    }
  }
  return out;
}
