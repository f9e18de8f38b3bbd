/**
 * ReLU Lens in Python training scripts and notebooks (issue #6): diagnostics in the Problems
 * panel (collection 'relu-lens'), hovers at weight_decay and the hidden nn.Linear, CodeLens over
 * torch.onnx.export, and the AdamW → Adam quick fix. Everything is computed by
 * src/core/python (lintScript); this file only schedules and maps to the editor.
 *
 * Updated on open, on save, on edits (debounced), when a verdict changes (host.onDidChangeVerdict)
 * and when an .onnx file changes on disk.
 */
import * as vscode from 'vscode';
import { loadPython, isTrainingScript } from '../../core/python';
import type { ScriptHost } from './host';
import { analyzeDocument, analyzeNotebookDocument, docUriOf, pythonCells, type Entry } from './state';
import { ScriptCodeActionProvider, ScriptCodeLensProvider, ScriptHoverProvider, toVsDiagnostic, type Lookup } from './providers';

export type { ScriptHost } from './host';

/** Edits are re-read after this quiet period (ms). */
export const EDIT_DEBOUNCE_MS = 600;
/** Larger Python files are not hand-written training scripts; they are not read. */
export const MAX_SCRIPT_CHARS = 1_000_000;

const isCell = (uri: vscode.Uri) => uri.scheme === 'vscode-notebook-cell';

export function registerScriptSupport(context: vscode.ExtensionContext, host: ScriptHost): void {
  const collection = vscode.languages.createDiagnosticCollection('relu-lens');
  const entries = new Map<string, Entry>(); // key: script or notebook uri
  const timers = new Map<string, ReturnType<typeof setTimeout>>();
  const generation = new Map<string, number>();
  const ensureParser = parserLoader(context);
  const lookup = lookupIn(entries);
  const lenses = new ScriptCodeLensProvider(lookup);
  const publish = (key: string, e: Entry | undefined, old: Entry | undefined) => publishEntry(collection, entries, lenses, key, e, old);
  /** A closed script or notebook: results still in flight are dropped, its diagnostics removed. */
  const forget = (key: string) => {
    generation.set(key, (generation.get(key) ?? 0) + 1);
    publish(key, undefined, entries.get(key));
  };

  async function run(key: string, work: () => Promise<Entry>): Promise<void> {
    const gen = (generation.get(key) ?? 0) + 1;
    generation.set(key, gen);
    try {
      await ensureParser();
      const e = await work();
      if (generation.get(key) === gen) publish(key, e, entries.get(key));
    } catch (err) {
      // A script we cannot read is not the user's problem to see in the Problems panel; log it.
      console.error(`ReLU Lens: reading ${key} failed: ${(err as Error).message}`);
    }
  }

  const refreshDoc = (doc: vscode.TextDocument) => {
    if (doc.languageId !== 'python' || isCell(doc.uri) || !['file', 'untitled', 'vscode-remote', 'vscode-vfs'].includes(doc.uri.scheme)) return;
    // Library sources opened by "Go to Definition" are not the user's training scripts.
    if (/[\\/](site-packages|dist-packages|\.venv|venv)[\\/]/.test(doc.uri.path) || doc.getText().length > MAX_SCRIPT_CHARS) return;
    void run(doc.uri.toString(), () => analyzeDocument(doc, host));
  };
  const refreshNotebook = (nb: vscode.NotebookDocument) => {
    if (!pythonCells(nb).length) return;
    void run(nb.uri.toString(), () => analyzeNotebookDocument(nb, host));
  };
  const later = (key: string, fn: () => void) => {
    clearTimeout(timers.get(key));
    timers.set(
      key,
      setTimeout(() => (timers.delete(key), fn()), EDIT_DEBOUNCE_MS),
    );
  };
  /** Re-lint every open script/notebook that exports `model` (or all when undefined). */
  const refreshExporters = (model?: vscode.Uri) => {
    for (const [key, e] of entries) {
      if (model && ![...e.models.values()].some((u) => u.toString() === model.toString())) continue;
      const nb = e.cells ? vscode.workspace.notebookDocuments.find((n) => n.uri.toString() === key) : undefined;
      const doc = e.cells ? undefined : vscode.workspace.textDocuments.find((d) => d.uri.toString() === key);
      if (nb) refreshNotebook(nb);
      else if (doc) refreshDoc(doc);
    }
  };

  const selector: vscode.DocumentSelector = [{ language: 'python' }];
  const watcher = vscode.workspace.createFileSystemWatcher('**/*.onnx');
  context.subscriptions.push(
    collection,
    lenses,
    watcher,
    vscode.languages.registerHoverProvider(selector, new ScriptHoverProvider(lookup)),
    vscode.languages.registerCodeLensProvider(selector, lenses),
    vscode.languages.registerCodeActionsProvider(selector, new ScriptCodeActionProvider(lookup), { providedCodeActionKinds: ScriptCodeActionProvider.kinds }),
    vscode.workspace.onDidOpenTextDocument(refreshDoc),
    vscode.workspace.onDidSaveTextDocument(refreshDoc),
    vscode.workspace.onDidChangeTextDocument((ev) => {
      if (ev.document.languageId !== 'python' || !ev.contentChanges.length) return;
      if (isCell(ev.document.uri)) {
        const nb = notebookOf(ev.document.uri);
        if (nb) later(nb.uri.toString(), () => refreshNotebook(nb));
      } else later(ev.document.uri.toString(), () => refreshDoc(ev.document));
    }),
    vscode.workspace.onDidCloseTextDocument((doc) => {
      if (!isCell(doc.uri)) forget(doc.uri.toString());
    }),
    vscode.workspace.onDidOpenNotebookDocument(refreshNotebook),
    vscode.workspace.onDidSaveNotebookDocument(refreshNotebook),
    vscode.workspace.onDidChangeNotebookDocument((ev) => {
      if (ev.contentChanges.length) later(ev.notebook.uri.toString(), () => refreshNotebook(ev.notebook));
    }),
    vscode.workspace.onDidCloseNotebookDocument((nb) => forget(nb.uri.toString())),
    watcher.onDidChange((u) => refreshExporters(u)),
    watcher.onDidCreate((u) => refreshExporters(u)),
    watcher.onDidDelete((u) => refreshExporters(u)),
    host.onDidChangeVerdict((u) => refreshExporters(u)),
    { dispose: () => timers.forEach((t) => clearTimeout(t)) },
  );
  for (const doc of vscode.workspace.textDocuments) refreshDoc(doc);
  for (const nb of vscode.workspace.notebookDocuments) refreshNotebook(nb);
}

/** The parser, loaded once (a failed load is retried on the next call). */
function parserLoader(context: vscode.ExtensionContext): () => Promise<unknown> {
  let parserReady: Promise<unknown> | undefined;
  // The parser's wasm ships in dist/ (scripts/build.mjs); read it through workspace.fs so remote and web hosts work too.
  return () =>
    (parserReady ??= (async () => {
      const dist = vscode.Uri.joinPath(context.extensionUri, 'dist');
      const [runtime, grammar] = await Promise.all([
        vscode.workspace.fs.readFile(vscode.Uri.joinPath(dist, 'tree-sitter.wasm')),
        vscode.workspace.fs.readFile(vscode.Uri.joinPath(dist, 'tree-sitter-python.wasm')),
      ]);
      await loadPython({ bytes: { runtime, grammar } });
    })().catch((e) => {
      parserReady = undefined;
      throw e;
    }));
}

function notebookOf(cellUri: vscode.Uri): vscode.NotebookDocument | undefined {
  return vscode.workspace.notebookDocuments.find((n) => n.getCells().some((c) => c.document.uri.toString() === cellUri.toString()));
}

/** The entry of a script, or of the notebook holding a cell (with the cell's index). */
function lookupIn(entries: Map<string, Entry>): Lookup {
  return (doc) => {
    if (!isCell(doc.uri)) {
      const entry = entries.get(doc.uri.toString());
      return entry && { entry };
    }
    const nb = notebookOf(doc.uri);
    const entry = nb && entries.get(nb.uri.toString());
    const cell = nb?.getCells().find((c) => c.document.uri.toString() === doc.uri.toString());
    return entry && { entry, cellIndex: cell?.index };
  };
}

/** Replaces `old`'s diagnostics by `e`'s, grouped per document (a notebook's go to its cells). */
function publishEntry(
  collection: vscode.DiagnosticCollection,
  entries: Map<string, Entry>,
  lenses: ScriptCodeLensProvider,
  key: string,
  e: Entry | undefined,
  old: Entry | undefined,
): void {
  for (const u of old?.cells?.values() ?? []) collection.delete(u);
  if (old) collection.delete(old.uri);
  if (!e || !isTrainingScript(e.facts)) {
    entries.delete(key);
    lenses.refresh();
    return;
  }
  entries.set(key, e);
  const byDoc = new Map<string, { uri: vscode.Uri; list: vscode.Diagnostic[] }>();
  for (const d of e.diagnostics) {
    const uri = docUriOf(e, d.range);
    if (!uri) continue;
    const slot = byDoc.get(uri.toString()) ?? { uri, list: [] };
    slot.list.push(toVsDiagnostic(d));
    byDoc.set(uri.toString(), slot);
  }
  for (const { uri, list } of byDoc.values()) collection.set(uri, list);
  lenses.refresh();
}
