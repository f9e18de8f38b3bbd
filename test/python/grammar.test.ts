import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { analyzeScript, lintScript, loadPython, type ScriptFacts } from '../../src/core/python';
import { newParser } from '../../src/core/python/parser';
import type { Node } from '../../src/core/python/ast';

/**
 * Issue #17: valid Python the extractors did not expect (`loss: float` then `loss.backward()`)
 * crashed lint with "Cannot read properties of null". Driven by the grammar: every node type the
 * extractors name in src/core/python, and every form the issue lists, has a form in
 * fixtures/grammar/forms.py; each form is linted alone and inside a training script, under each
 * name the extractors follow, and cut short (error-recovery trees have missing children).
 */
const FIX = path.join(__dirname, 'fixtures', 'grammar');
const SRC = path.resolve(__dirname, '..', '..', 'src', 'core', 'python');

/** What the issue names: annotated/plain/augmented assignment, with, for, lambda, walrus, match, … */
const REQUIRED = [
  'assignment',
  'augmented_assignment',
  'with_statement',
  'for_statement',
  'lambda',
  'named_expression',
  'match_statement',
  'decorator',
  'tuple_pattern',
  'list_pattern',
  'list_splat_pattern',
  'comparison_operator',
  'interpolation',
  'type_alias_statement',
  'global_statement',
  'nonlocal_statement',
  'function_definition',
  'type',
];
/** Names the extractors follow through bindings: each form is also tried with `loss` renamed to these. */
const NAMES = ['loss', 'model', 'opt', 'criterion', 'X', 'wd'];

interface Form {
  type: string;
  label: string;
  code: string;
}

const FORMS: Form[] = (() => {
  const parts = readFileSync(path.join(FIX, 'forms.py'), 'utf8').split(/^# form: (.*)\n/m);
  const out: Form[] = [];
  for (let i = 1; i < parts.length; i += 2) out.push({ type: parts[i].split(' ')[0], label: parts[i], code: parts[i + 1] });
  return out;
})();
const SCAFFOLD = readFileSync(path.join(FIX, 'scaffold.py'), 'utf8');

const rename = (code: string, name: string) => code.replace(/\bloss\b/g, name);

/** The scaffold with `code` at a marker, indented to the marker's depth. */
function place(code: string, marker: 'MODULE' | 'LOOP' | 'FORWARD'): string {
  return SCAFFOLD.replace(new RegExp(`^( *)# <${marker}>$`, 'm'), (_, ind: string) => code.replace(/^(?=.)/gm, ind));
}

async function parseTypes(code: string): Promise<{ types: Set<string>; hasError: boolean }> {
  const parser = await newParser();
  const tree = parser.parse(code)!;
  const types = new Set<string>();
  const visit = (n: Node) => {
    types.add(n.type);
    for (const k of n.children) if (k) visit(k);
  };
  visit(tree.rootNode);
  const hasError = tree.rootNode.hasError;
  tree.delete();
  parser.delete();
  return { types, hasError };
}

/** A normal lint result: facts, then diagnostics with numeric ranges — no exception. */
async function lintOk(code: string, what: string): Promise<{ facts: ScriptFacts; codes: string[] }> {
  let facts: ScriptFacts;
  let diags: ReturnType<typeof lintScript>;
  try {
    facts = await analyzeScript(code, 'form.py');
    diags = lintScript(facts, {});
  } catch (e) {
    assert.fail(`${what}: ${(e as Error).stack}\n--- script ---\n${code}`);
  }
  for (const d of diags) assert.ok([d.range.line, d.range.column, d.range.endLine, d.range.endColumn].every(Number.isFinite), `${what}: ${d.code} range`);
  return { facts, codes: diags.map((d) => d.code) };
}

test('every node type the extractors name, and every form the issue lists, has a form that parses to it', async () => {
  const lang = await loadPython();
  const grammar = new Set<string>();
  for (let id = 0; id < lang.nodeTypeCount; id++) if (lang.nodeTypeIsNamed(id)) grammar.add(lang.nodeTypeForId(id) ?? '');
  for (const t of REQUIRED) assert.ok(grammar.has(t), `the Python grammar has no '${t}' any more: update REQUIRED and forms.py`);
  const named = new Set<string>();
  for (const f of readdirSync(SRC).filter((f) => f.endsWith('.ts')))
    for (const m of readFileSync(path.join(SRC, f), 'utf8').matchAll(/'([a-z_]+)'/g)) if (grammar.has(m[1])) named.add(m[1]);
  assert.ok(named.has('assignment') && named.has('call'), 'the scan of src/core/python finds the node types it compares with');

  const covered = new Set<string>();
  for (const f of FORMS) {
    const { types, hasError } = await parseTypes(f.code);
    assert.ok(!hasError, `form '${f.label}' does not parse cleanly`);
    assert.ok(types.has(f.type), `form '${f.label}' has no ${f.type} node`);
    for (const t of types) covered.add(t);
  }
  const missing = [...new Set([...named, ...REQUIRED])].filter((t) => !covered.has(t));
  assert.deepEqual(missing, [], 'node types without a form in fixtures/grammar/forms.py');
});

test('lint gives a normal result for each form: alone, in a training script (module, loop, forward), under each name', async () => {
  for (const f of FORMS)
    for (const name of NAMES) {
      const code = rename(f.code, name);
      await lintOk(code, `'${f.label}' as ${name}`);
      for (const at of ['MODULE', 'LOOP', 'FORWARD'] as const) await lintOk(place(code, at), `'${f.label}' as ${name} at ${at}`);
    }
});

test('forms cut short (parser error recovery, children missing) give a normal result too', async () => {
  for (const f of FORMS) {
    const code = f.code.trimEnd();
    for (const cut of new Set([code.length - 1, Math.floor(code.length / 2), code.indexOf('=') + 1, code.indexOf('(') + 1].filter((k) => k > 0))) {
      await lintOk(code.slice(0, cut), `'${f.label}' cut at ${cut}`);
      await lintOk(place(code.slice(0, cut), 'LOOP'), `'${f.label}' cut at ${cut} in the loop`);
    }
  }
});

test('the two crashes of the issue: `loss: float` then `loss.backward()`, and `loss:loss.backward()`', async () => {
  await lintOk('import torch\nloss: float\nloss.backward()\n', 'annotation, then backward');
  await lintOk('import torch\nloss:loss.backward()\n', 'backward as the annotation');
});

test('a bare annotation binds nothing: the loss and the weight decay read before it still count', async () => {
  const script = place('loss: torch.Tensor\nwd: float', 'LOOP');
  const { facts, codes } = await lintOk(script, 'annotations in the loop');
  assert.equal(facts.loss?.kind, 'mse');
  assert.equal(facts.optimizer?.weightDecay, 1e-4);
  assert.ok(codes.includes('RL002'), 'β is still derived');
});

test('chained assignment and the walrus bind their value', async () => {
  const chained = await lintOk(place('loss = total = criterion(out, y)', 'LOOP'), 'chained');
  assert.equal(chained.facts.loss?.kind, 'mse');
  assert.deepEqual(
    chained.facts.unresolved.filter((u) => /loss/.test(u.what)),
    [],
  );
  const walrus = await lintOk(SCAFFOLD.replace('weight_decay=wd', 'weight_decay=(decay := 3e-4)').replace('# <MODULE>', 'print(decay)'), 'walrus');
  assert.equal(walrus.facts.optimizer?.weightDecay, 3e-4);
});
