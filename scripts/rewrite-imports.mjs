// Points every import of a moved name at its new home (issue #19 item 1: core/problem and the JSON
// contract in core/report), so the thin re-export modules left behind can be deleted.
// Usage: node scripts/rewrite-imports.mjs [--write] [--drop-shims] [--root DIR] [path ...]
//   default paths: src test bench webview scripts; without --write it only lists the changes.
//   --drop-shims (with --write, after every importer is rewritten): deletes the SHIMS files and, in
//   SHIM_LINES files, each `// moved: …` marker with the one-line `export … from` under it.
// Reads declarations with TypeScript's parser (import, import type, export … from); a namespace or
// default import of a moved module is listed as "manual" and left alone. Re-export shims (the
// MOVED keys' files) are skipped: delete them after the rewrite.
import { existsSync, readdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

const PROBLEM_NETWORK = 'src/core/problem/network';
const PROBLEM_OBJECTIVE = 'src/core/problem/objective';
const PROBLEM_FEATURES = 'src/core/problem/features';
const PROBLEM_LOSS = 'src/core/problem/loss';
const CONTRACT = 'src/core/report/analysisJson';

const objectiveNames = {
  CertifyModes: PROBLEM_NETWORK,
  resolveModes: PROBLEM_OBJECTIVE,
  networkObjective: PROBLEM_OBJECTIVE,
  neuronInfos: PROBLEM_OBJECTIVE,
  rebalance: PROBLEM_OBJECTIVE,
  impliedBeta: PROBLEM_OBJECTIVE,
  neuronDirections: PROBLEM_OBJECTIVE,
  ObjectiveParts: PROBLEM_OBJECTIVE,
  NeuronInfo: PROBLEM_OBJECTIVE,
  Rebalanced: PROBLEM_OBJECTIVE,
  buildXt: PROBLEM_FEATURES,
  featureDim: PROBLEM_FEATURES,
  featureActivation: PROBLEM_FEATURES,
};
const weightNames = { NetworkWeights: PROBLEM_NETWORK, OutputBiasMode: PROBLEM_NETWORK };
const contractNames = Object.fromEntries(
  ['NetworkJson', 'LossJson', 'OptimumJson', 'ClosedFormJson', 'NeuronInterpretationJson', 'DiagnosisJson', 'GeometryJson', 'AnalysisJson'].map((n) => [
    n,
    CONTRACT,
  ]),
);

/** old module (repo-relative, no extension) → exported name → new module */
export const MOVED = {
  'src/core/certify/objective': objectiveNames,
  'src/core/certify/types': weightNames,
  'src/core/certify/index': { ...weightNames, ...objectiveNames },
  'src/core/oracle/types': { HiddenBiasMode: PROBLEM_NETWORK },
  'src/core/oracle/index': { HiddenBiasMode: PROBLEM_NETWORK },
  'src/core/analysis/types': { LossName: PROBLEM_LOSS, ...contractNames },
};
/** files that are nothing but re-exports of moved names: skipped, the lead deletes them */
export const SHIMS = ['src/core/certify/objective.ts', 'src/core/analysis/types.ts'];
/** files that keep their own content but carry one-line `// moved:` re-exports */
export const SHIM_LINES = ['src/core/certify/types.ts', 'src/core/oracle/types.ts'];

function dropShims(root) {
  for (const f of SHIMS) {
    const p = resolve(root, f);
    if (existsSync(p)) {
      unlinkSync(p);
      console.log(`deleted ${f}`);
    }
  }
  for (const f of SHIM_LINES) {
    const p = resolve(root, f);
    if (!existsSync(p)) continue;
    const lines = readFileSync(p, 'utf8').split('\n');
    const out = [];
    for (let i = 0; i < lines.length; i++) {
      if (lines[i].startsWith('// moved:') && /^export .* from '/.test(lines[i + 1] ?? '')) {
        i++;
        continue;
      }
      out.push(lines[i]);
    }
    if (out.length !== lines.length) {
      writeFileSync(p, out.join('\n'));
      console.log(`dropped re-exports in ${f}`);
    }
  }
}

function listTs(p, out) {
  if (!existsSync(p)) return out;
  if (statSync(p).isDirectory()) {
    for (const e of readdirSync(p).sort()) if (e !== 'node_modules' && e !== 'dist') listTs(join(p, e), out);
  } else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) out.push(p);
  return out;
}

/** repository-relative module id (no extension, index spelled out) of a relative specifier, or null */
function moduleId(root, fromFile, spec) {
  if (!spec.startsWith('.')) return null;
  const base = resolve(dirname(fromFile), spec);
  for (const [cand, id] of [
    [`${base}.ts`, base],
    [join(base, 'index.ts'), join(base, 'index')],
  ]) {
    if (existsSync(cand)) return relative(root, id).split(sep).join('/');
  }
  return null;
}

function specifierFor(root, fromFile, id) {
  let rel = relative(dirname(fromFile), join(root, id)).split(sep).join('/');
  if (rel.endsWith('/index')) rel = rel.slice(0, -'/index'.length);
  return rel.startsWith('.') ? rel : `./${rel}`;
}

/** The rewritten text of one file, or null when nothing in it moved. `manual` collects what needs a person. */
export function rewriteSource(root, file, text, manual = []) {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const edits = [];
  for (const st of sf.statements) {
    const isImport = ts.isImportDeclaration(st);
    const isExport = ts.isExportDeclaration(st);
    if ((!isImport && !isExport) || !st.moduleSpecifier || !ts.isStringLiteral(st.moduleSpecifier)) continue;
    const id = moduleId(root, file, st.moduleSpecifier.text);
    const moves = id && MOVED[id];
    if (!moves) continue;
    const quote = st.moduleSpecifier.getText()[0];
    let elements,
      typeOnly,
      keyword,
      defaultPart = '';
    if (isImport) {
      const clause = st.importClause;
      if (!clause) continue;
      if (clause.namedBindings && ts.isNamespaceImport(clause.namedBindings)) {
        manual.push(`${relative(root, file)}: namespace import of ${id}`);
        continue;
      }
      if (clause.name) defaultPart = clause.name.getText();
      elements = clause.namedBindings ? clause.namedBindings.elements : [];
      typeOnly = clause.isTypeOnly;
      keyword = 'import';
    } else {
      if (!st.exportClause || !ts.isNamedExports(st.exportClause)) {
        manual.push(`${relative(root, file)}: export * from ${id}`);
        continue;
      }
      elements = st.exportClause.elements;
      typeOnly = st.isTypeOnly;
      keyword = 'export';
    }
    const stay = [];
    const go = new Map();
    for (const el of elements) {
      const name = (el.propertyName ?? el.name).text;
      const target = moves[name];
      if (!target) stay.push(el.getText());
      else {
        if (!go.has(target)) go.set(target, []);
        go.get(target).push(el.getText());
      }
    }
    if (!go.size) continue;
    const kw = typeOnly ? `${keyword} type` : keyword;
    const lines = [];
    if (stay.length || defaultPart) {
      const named = stay.length ? `{ ${stay.join(', ')} }` : '';
      const what = [defaultPart, named].filter(Boolean).join(', ');
      lines.push(`${kw} ${what} from ${st.moduleSpecifier.getText()};`);
    }
    for (const [target, names] of go) {
      // `import { type A, type B }` of a module is written `import type { A, B }` (useImportType)
      const allTypes = !typeOnly && names.every((t) => t.startsWith('type '));
      const list = allTypes ? names.map((t) => t.slice('type '.length)) : names;
      lines.push(`${allTypes ? `${keyword} type` : kw} { ${list.join(', ')} } from ${quote}${specifierFor(root, file, target)}${quote};`);
    }
    edits.push({ start: st.getStart(sf), end: st.getEnd(), text: lines.join('\n') });
  }
  if (!edits.length) return null;
  let out = text;
  for (const e of edits.sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return mergeImports(out, new Set(Object.values(MOVED).flatMap((m) => Object.values(m))));
}

/**
 * Merges one-line imports of the same new home (`import type { A } from '../problem/network';`
 * twice → one line), so a file the rewrite touched has one import per module and kind.
 */
export function mergeImports(text, targets) {
  const lines = text.split('\n');
  const first = new Map();
  const keep = [];
  for (const line of lines) {
    const m = /^import (type )?\{ ([^}]*) \} from (['"])([^'"]+)\3;$/.exec(line);
    const target = m && [...targets].some((t) => m[4].endsWith(t.slice(t.lastIndexOf('/', t.lastIndexOf('/') - 1))));
    if (!m || !target) {
      keep.push(line);
      continue;
    }
    const key = `${m[1] ?? ''}|${m[4]}`;
    const at = first.get(key);
    if (at === undefined) {
      first.set(key, {
        index: keep.length,
        names: m[2]
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean),
        head: m,
      });
      keep.push(line);
      continue;
    }
    for (const n of m[2]
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean))
      if (!at.names.includes(n)) at.names.push(n);
    const h = at.head;
    keep[at.index] = `import ${h[1] ?? ''}{ ${at.names.join(', ')} } from ${h[3]}${h[4]}${h[3]};`;
  }
  return keep.join('\n');
}

function main() {
  const args = process.argv.slice(2);
  const write = args.includes('--write');
  const ri = args.indexOf('--root');
  const root = resolve(ri >= 0 ? args[ri + 1] : '.');
  const paths = args.filter((a, i) => !a.startsWith('--') && (ri < 0 || i !== ri + 1));
  const roots = (paths.length ? paths : ['src', 'test', 'bench', 'webview', 'scripts']).map((p) => resolve(root, p));
  const shims = new Set(SHIMS.map((s) => resolve(root, s)));
  const manual = [];
  let changed = 0;
  for (const file of roots.flatMap((r) => listTs(r, []))) {
    if (shims.has(file)) continue;
    const text = readFileSync(file, 'utf8');
    const out = rewriteSource(root, file, text, manual);
    if (out === null) continue;
    changed++;
    console.log(`${write ? 'rewrote' : 'would rewrite'} ${relative(root, file)}`);
    if (write) writeFileSync(file, out);
  }
  for (const m of manual) console.log(`manual: ${m}`);
  console.log(`${changed} file(s) ${write ? 'rewritten' : 'to rewrite'}; ${manual.length} manual`);
  if (write && args.includes('--drop-shims')) dropShims(root);
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) main();
