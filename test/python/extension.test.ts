import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import Module from 'node:module';

/**
 * registerScriptSupport against a stub of the vscode API (test/python/vscodeStub.ts) over real
 * files: diagnostics per document and per notebook cell, hovers, CodeLens arguments, the quick
 * fix's edit, and the refresh when the host reports a new verdict.
 */
const STUB = path.join(__dirname, 'vscodeStub.ts');
const M = Module as unknown as { _resolveFilename: (req: string, ...rest: unknown[]) => string };
const orig = M._resolveFilename;
M._resolveFilename = (req: string, ...rest: unknown[]) => (req === 'vscode' ? STUB : orig(req, ...rest));

// eslint-disable-next-line @typescript-eslint/no-require-imports
const vs = require('./vscodeStub') as typeof import('./vscodeStub');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { registerScriptSupport } = require('../../src/extension/python') as typeof import('../../src/extension/python');

const ROOT = path.resolve(__dirname, '..', '..');
const S = path.join(ROOT, 'test', 'fixtures', 'scripts');

async function until<T>(f: () => T | undefined, ms = 10_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = f();
    if (v !== undefined) return v;
    if (Date.now() - t0 > ms) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('script support in an editor: diagnostics, hover, CodeLens, quick fix, verdict refresh', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rl-ext-'));
  try {
    cpSync(path.join(S, 'trained-example'), dir, { recursive: true });
    cpSync(path.join(S, '03_adamw_clamp_nobias.py'), path.join(dir, 'adamw.py'));
    const now = Date.now() / 1000;
    utimesSync(path.join(dir, 'train.py'), now - 100, now - 100);
    utimesSync(path.join(dir, 'model.onnx'), now, now);
    const train = vs.textDocument(path.join(dir, 'train.py'));
    vs.workspace.textDocuments.push(train);

    const verdictChanged = new vs.EventEmitter<any>();
    let verdict: any;
    const host = {
      verdictFor: (u: any) => (u.toString() === vs.Uri.file(path.join(dir, 'model.onnx')).toString() ? verdict : undefined),
      onDidChangeVerdict: verdictChanged.event,
      certify: async () => {},
      openPanel: async () => {},
    };
    const ctx = { subscriptions: [] as { dispose(): void }[], extensionUri: vs.Uri.file(ROOT) };
    registerScriptSupport(ctx as any, host as any);
    const coll = vs.collections[vs.collections.length - 1];

    const diags = await until(() => coll.get(train.uri.toString()));
    const codes = diags.map((d) => d.code);
    assert.ok(codes.includes('RL002') && codes.includes('RL013'), codes.join(','));
    const beta = diags.find((d) => d.code === 'RL002')!;
    assert.equal(beta.severity, vs.DiagnosticSeverity.Information);
    assert.equal(beta.source, 'relu-lens');
    // the editor names its own controls, never a CLI flag (format/certifyControls.ts)
    const lossRead = diags.find((d) => d.code === 'RL005')!;
    assert.match(lossRead.message, /Certify with "loss": "[a-z-]+" in \.vscode\/relu-lens\.json\.$/);
    for (const d of diags) assert.doesNotMatch(d.message, / --[a-z]/, d.message);

    // Hover at weight_decay shows the derivation
    const hover = vs.providers.hover[0].provideHover(train, new vs.Position(beta.range.start.line, beta.range.start.character + 3));
    assert.match(hover.contents.value, /β = wd\/2 = 0\.02\/2 = 0\.01/);

    // CodeLens over the export: certify + open panel, argument = the model file next to the script
    const lenses = vs.providers.lens[0].provideCodeLenses(train);
    assert.deepEqual(
      lenses.map((l: any) => l.command.command),
      ['reluLens.certify', 'reluLens.openPanel'],
    );
    assert.equal(lenses[0].command.arguments[0].toString(), vs.Uri.file(path.join(dir, 'model.onnx')).toString());
    assert.equal(lenses[0].range.start.line, 36);

    // The host certifies: the export line shows the verdict
    verdict = {
      json: {
        verdict: 'certified',
        summary: 's',
        model: { d: 2, m: 16, c: 1 },
        data: { n: 40 },
        beta: 0.01,
        betaDerivation: 'β = wd/2',
        primal: 0.0263,
        dualBound: 0.0263,
        gap: 4.6e-7,
        relGap: 1.8e-5,
        pstarInterval: [0.0263, 0.0263],
        tol: 1e-4,
        witness: null,
        optimum: { neurons: 15 },
      },
      computedAt: Date.now() + 1000,
    };
    verdictChanged.fire(vs.Uri.file(path.join(dir, 'model.onnx')));
    const after = await until(() => coll.get(train.uri.toString())?.find((d) => d.code === 'RL010'));
    assert.equal(after.severity, vs.DiagnosticSeverity.Information);
    assert.match(after.message, /certified globally optimal/);
    const width = coll.get(train.uri.toString())!.find((d) => d.code === 'RL006')!;
    assert.match(width.message, /the optimum uses 15 neurons/);

    // AdamW quick fix
    const adamw = vs.textDocument(path.join(dir, 'adamw.py'));
    vs.events.openText.fire(adamw);
    const w = await until(() => coll.get(adamw.uri.toString())?.find((d) => d.code === 'RL003'));
    const actions = vs.providers.action[0].provideCodeActions(adamw, w.range);
    assert.equal(actions.length, 1);
    assert.match(actions[0].title, /Switch AdamW to Adam/);
    const [edit] = actions[0].edit.edits;
    const line = readFileSync(path.join(dir, 'adamw.py'), 'utf8').split('\n')[edit.range.start.line];
    assert.equal(line.slice(edit.range.start.character, edit.range.end.character), 'AdamW');
    assert.equal(edit.newText, 'Adam');

    // Closing the document clears its diagnostics
    vs.events.closeText.fire(adamw);
    assert.equal(coll.get(adamw.uri.toString()), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('notebook: diagnostics land on the cell documents', async () => {
  const file = path.join(S, '17_notebook_adamw_ce.ipynb');
  const nbJson = JSON.parse(readFileSync(file, 'utf8'));
  const nbUri = vs.Uri.file(file);
  const cells = nbJson.cells.map((c: any, index: number) => ({
    index,
    kind: c.cell_type === 'code' ? vs.NotebookCellKind.Code : vs.NotebookCellKind.Markup,
    document: { uri: vs.Uri.joinPath(nbUri, `#cell${index}`), languageId: c.cell_type === 'code' ? 'python' : 'markdown', getText: () => c.source.join('') },
  }));
  const nb = { uri: nbUri, getCells: () => cells };
  (cells[0].document.uri as any).scheme = 'vscode-notebook-cell';
  for (const c of cells) Object.defineProperty(c.document.uri, 'scheme', { value: 'vscode-notebook-cell' });
  vs.workspace.notebookDocuments.push(nb);
  vs.events.openNb.fire(nb);
  const coll = vs.collections[vs.collections.length - 1];
  const cellDiags = await until(() => coll.get(cells[2].document.uri.toString()));
  assert.ok(cellDiags.some((d) => d.code === 'RL003' && d.range.start.line === 10));
  assert.equal(coll.get(nbUri.toString()), undefined);
  const lenses = vs.providers.lens[0].provideCodeLenses(cells[4].document);
  assert.deepEqual(
    lenses.map((l: any) => l.command.command),
    ['reluLens.certify', 'reluLens.openPanel'],
  );
  assert.deepEqual(vs.providers.lens[0].provideCodeLenses(cells[2].document), []);
});
