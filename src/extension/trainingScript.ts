import * as vscode from 'vscode';
import { exportsModelLoosely, prefillFromFacts, scriptPathCandidates as candidatesOf, type FactsLike, type ScriptPrefill } from '../core/config/scriptPrefill';
import { relativePath } from './settingsStore';

/** Python files looked at, at most (a workspace with a virtualenv can have thousands). */
const MAX_SCRIPTS = 300;
/** Bigger files are not training scripts anyone wrote by hand. */
const MAX_SCRIPT_BYTES = 1_000_000;
const EXCLUDE = '{**/node_modules/**,**/.venv/**,**/venv/**,**/site-packages/**,**/.git/**,**/__pycache__/**}';

type Analyzer = (source: string, file: string) => Promise<FactsLike>;
let analyzer: Promise<Analyzer | null> | undefined;

/** The Python reader (tree-sitter, WebAssembly) is loaded on first use only. */
function loadAnalyzer(): Promise<Analyzer | null> {
  analyzer ??= import('../core/python').then((m) => m.analyzeScript as unknown as Analyzer).catch(() => null);
  return analyzer;
}

/**
 * Finds a workspace script that exports this model (torch.onnx.export(…, "model.onnx")) and reads
 * its data path, optimizer and loss. Undefined when none is found or the reader is unavailable.
 */
export async function findTrainingScript(model: vscode.Uri, token?: vscode.CancellationToken): Promise<ScriptPrefill | undefined> {
  const folder = vscode.workspace.getWorkspaceFolder(model);
  if (!folder) return undefined;
  const modelRel = relativePath(folder.uri, model);
  if (!modelRel) return undefined;
  const analyze = await loadAnalyzer();
  if (!analyze) return undefined;
  const files = await vscode.workspace.findFiles(new vscode.RelativePattern(folder, '**/*.py'), EXCLUDE, MAX_SCRIPTS, token);
  // scripts next to the model first: the usual layout is train.py beside model.onnx
  const modelDir = modelRel.includes('/') ? modelRel.slice(0, modelRel.lastIndexOf('/') + 1) : '';
  files.sort((a, b) => score(b) - score(a) || a.path.localeCompare(b.path));
  function score(u: vscode.Uri) {
    const r = relativePath(folder!.uri, u) ?? '';
    return (r.startsWith(modelDir) ? 2 : 0) + (/train/i.test(r) ? 1 : 0);
  }
  for (const f of files) {
    if (token?.isCancellationRequested) return undefined;
    const rel = relativePath(folder.uri, f);
    if (!rel) continue;
    let text: string;
    try {
      const st = await vscode.workspace.fs.stat(f);
      if (st.size > MAX_SCRIPT_BYTES) continue;
      text = new TextDecoder().decode(await vscode.workspace.fs.readFile(f));
    } catch {
      continue;
    }
    if (!/onnx/.test(text)) continue; // cheap filter before parsing
    let facts: FactsLike;
    try {
      facts = await analyze(text, rel);
    } catch {
      continue;
    }
    const hit = exportsModelLoosely(facts, text, rel, modelRel, model.scheme === 'file' ? model.fsPath : undefined);
    if (!hit) continue;
    // a data reader the Python reader does not know: core/python/io.ts already lists the data
    // files the script names (the same candidates lint reads n from)
    const existing = new Set<string>();
    for (const d of facts.data?.paths ?? []) {
      for (const cand of candidatesOf(rel, d.path)) {
        try {
          const st = await vscode.workspace.fs.stat(vscode.Uri.joinPath(folder.uri, ...cand.split('/')));
          if (st.type & vscode.FileType.File) existing.add(cand);
        } catch {
          /* not there */
        }
      }
    }
    return prefillFromFacts(facts, rel, hit.line, (r) => existing.has(r));
  }
  return undefined;
}
