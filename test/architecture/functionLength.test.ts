/**
 * Issue #19 item 7: no function in src/ or webview/ is over MAX_FUNCTION_LINES lines, so each can be
 * read in one sitting. Lengths come from TypeScript's own parser over the files on disk (every
 * function declaration, method, arrow function and function expression, nested ones included); the
 * measure is checked first on a hand-made source whose lengths are known.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

const ROOT = join(__dirname, '..', '..');
export const MAX_FUNCTION_LINES = 100;

function functionLengths(file: string, text: string): { name: string; line: number; lines: number }[] {
  const src = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const out: { name: string; line: number; lines: number }[] = [];
  const visit = (node: ts.Node): void => {
    if (
      ts.isFunctionDeclaration(node) ||
      ts.isMethodDeclaration(node) ||
      ts.isArrowFunction(node) ||
      ts.isFunctionExpression(node) ||
      ts.isConstructorDeclaration(node)
    ) {
      const a = src.getLineAndCharacterOfPosition(node.getStart()).line;
      const b = src.getLineAndCharacterOfPosition(node.getEnd()).line;
      const name = 'name' in node && node.name ? node.name.getText(src) : '(anonymous)';
      out.push({ name, line: a + 1, lines: b - a + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(src);
  return out;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p));
    else if (/\.tsx?$/.test(e) && !e.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

test('the measure: lengths of nested functions, methods and arrows in a known source', () => {
  const body = (k: number) => Array.from({ length: k }, (_, i) => `  const v${i} = ${i};`).join('\n');
  const text = `function outer() {\n${body(3)}\n  const inner = () => {\n${body(2)}\n  };\n}\nclass C {\n  m() {\n${body(4)}\n  }\n}\n`;
  const got = functionLengths('x.ts', text).map((f) => [f.name, f.lines]);
  assert.deepEqual(got, [
    ['outer', 9],
    ['(anonymous)', 4],
    ['m', 6],
  ]);
});

test(`no function in src/ or webview/ is over ${MAX_FUNCTION_LINES} lines`, () => {
  const long: string[] = [];
  let count = 0;
  for (const dir of ['src', 'webview'])
    for (const f of sourceFiles(join(ROOT, dir)))
      for (const fn of functionLengths(f, readFileSync(f, 'utf8'))) {
        count++;
        if (fn.lines > MAX_FUNCTION_LINES) long.push(`${relative(ROOT, f)}:${fn.line} ${fn.name} (${fn.lines} lines)`);
      }
  assert.ok(count > 1000, `only ${count} functions found: the walk missed the sources`);
  assert.deepEqual(long, [], `split these into named steps:\n${long.join('\n')}`);
});
