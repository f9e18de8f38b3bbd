/**
 * Analysis of one Python file or notebook: facts, diagnostics and where each diagnostic lives
 * (notebook diagnostics are per cell document). Files are read through vscode.workspace.fs.
 */
import * as vscode from 'vscode';
import {
  analyzeCells,
  analyzeScript,
  countSamples,
  dataContextFromDisk,
  lintScript,
  MAX_DATA_FILE_BYTES,
  type LintContext,
  type ScriptDiagnostic,
  type ScriptFacts,
  type SrcRange,
} from '../../core/python';
import type { ScriptHost } from './host';

export interface Entry {
  /** the .py document or the notebook */
  uri: vscode.Uri;
  facts: ScriptFacts;
  diagnostics: ScriptDiagnostic[];
  /** export path as written → the model file it names */
  models: Map<string, vscode.Uri>;
  /** notebook only: cell index → cell document uri */
  cells?: Map<number, vscode.Uri>;
}

export function toRange(r: SrcRange): vscode.Range {
  return new vscode.Range(r.line, r.column, r.endLine, r.endColumn);
}

async function stat(uri: vscode.Uri): Promise<vscode.FileStat | null> {
  try {
    return await vscode.workspace.fs.stat(uri);
  } catch {
    return null;
  }
}

/** Python opens relative paths against its working directory: the script's folder, else the workspace root. */
async function locate(written: string, script: vscode.Uri): Promise<{ uri: vscode.Uri; stat: vscode.FileStat | null }> {
  const isAbs = written.startsWith('/') || /^[a-zA-Z]:[\\/]/.test(written);
  if (isAbs) {
    const uri = vscode.Uri.file(written);
    return { uri, stat: await stat(uri) };
  }
  const cands = [vscode.Uri.joinPath(script, '..', written)];
  const folder = vscode.workspace.getWorkspaceFolder(script);
  if (folder) cands.push(vscode.Uri.joinPath(folder.uri, written));
  for (const uri of cands) {
    const s = await stat(uri);
    if (s) return { uri, stat: s };
  }
  return { uri: cands[0], stat: null };
}

async function context(facts: ScriptFacts, script: vscode.Uri, host: ScriptHost, models: Map<string, vscode.Uri>): Promise<LintContext> {
  const s = await stat(script);
  const ctx: LintContext = { scriptMtime: s?.mtime, exports: {}, verdictsKnown: true };
  for (const e of facts.exports) {
    if (e.kind === 'torch-save') continue;
    const { uri, stat: st } = await locate(e.path, script);
    models.set(e.path, uri);
    const v = st ? host.verdictFor(uri) : undefined;
    ctx.exports![e.path] = st ? { exists: true, mtime: st.mtime, verdict: v?.json, verdictAt: v?.computedAt } : { exists: false };
  }
  if (facts.data && facts.data.n === null) {
    if (script.scheme === 'file') {
      // local files: the engine's guarded reader (regular files inside the script's folder or the
      // workspace, size capped before reading: /dev/zero or a FIFO named by a script cannot hang us)
      const folder = vscode.workspace.getWorkspaceFolder(script);
      Object.assign(ctx, dataContextFromDisk(facts, script.fsPath, folder?.uri.fsPath));
    } else
      for (const d of facts.data.paths) {
        const { uri, stat: st } = await locate(d.path, script);
        // a plain file only (no symbolic link, device or folder), under the cap
        if (!st || st.type !== vscode.FileType.File || st.size > MAX_DATA_FILE_BYTES) continue;
        try {
          const n = countSamples(d.path, await vscode.workspace.fs.readFile(uri));
          if (n !== null) {
            ctx.n = n;
            break;
          }
        } catch {
          /* unreadable: n stays unknown */
        }
      }
  }
  return ctx;
}

export async function analyzeDocument(doc: vscode.TextDocument, host: ScriptHost): Promise<Entry> {
  const facts = await analyzeScript(doc.getText(), vscode.workspace.asRelativePath(doc.uri));
  const models = new Map<string, vscode.Uri>();
  const diagnostics = lintScript(facts, await context(facts, doc.uri, host, models));
  return { uri: doc.uri, facts, diagnostics, models };
}

export function pythonCells(nb: vscode.NotebookDocument): vscode.NotebookCell[] {
  return nb.getCells().filter((c) => c.kind === vscode.NotebookCellKind.Code && c.document.languageId === 'python');
}

export async function analyzeNotebookDocument(nb: vscode.NotebookDocument, host: ScriptHost): Promise<Entry> {
  const cells = pythonCells(nb);
  const facts = await analyzeCells(
    cells.map((c) => ({ index: c.index, source: c.document.getText() })),
    vscode.workspace.asRelativePath(nb.uri),
  );
  const models = new Map<string, vscode.Uri>();
  const diagnostics = lintScript(facts, await context(facts, nb.uri, host, models));
  return { uri: nb.uri, facts, diagnostics, models, cells: new Map(cells.map((c) => [c.index, c.document.uri])) };
}

/** The document a range lives in: the script itself, or the notebook cell it names. */
export function docUriOf(e: Entry, r: SrcRange): vscode.Uri | undefined {
  if (!e.cells) return e.uri;
  return r.cellIndex !== undefined ? e.cells.get(r.cellIndex) : undefined;
}
