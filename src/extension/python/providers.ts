/** Hovers (β derivation, width), CodeLens over exports, the AdamW → Adam quick fix. */
import * as vscode from 'vscode';
import { CODES, type ScriptDiagnostic } from '../../core/python';
import { certifyWithWords } from '../../core/format/certifyControls';
import { docUriOf, toRange, type Entry } from './state';

export type Lookup = (doc: vscode.TextDocument) => { entry: Entry; cellIndex?: number } | undefined;

/** Our diagnostics that live in this document (a script, or one notebook cell). */
function inDoc(entry: Entry, doc: vscode.TextDocument): ScriptDiagnostic[] {
  return entry.diagnostics.filter((d) => docUriOf(entry, d.range)?.toString() === doc.uri.toString());
}

export class ScriptHoverProvider implements vscode.HoverProvider {
  constructor(private readonly lookup: Lookup) {}
  provideHover(doc: vscode.TextDocument, pos: vscode.Position): vscode.Hover | undefined {
    const hit = this.lookup(doc);
    if (!hit) return undefined;
    const ds = inDoc(hit.entry, doc).filter((d) => d.related && ['weight-decay', 'width', 'export'].includes(d.related.kind) && toRange(d.range).contains(pos));
    if (!ds.length) return undefined;
    const md = new vscode.MarkdownString();
    for (const d of ds) {
      const title =
        d.related!.kind === 'weight-decay' ? 'β from this script' : d.related!.kind === 'width' ? 'Hidden width' : 'Certificate of the exported model';
      md.appendMarkdown(`**ReLU Lens — ${title}**\n\n`);
      for (const l of d.related!.lines ?? [d.message]) md.appendMarkdown(`- ${escape(l)}\n`);
      md.appendMarkdown('\n');
    }
    return new vscode.Hover(md, toRange(ds[0].range));
  }
}

function escape(s: string): string {
  return s.replace(/([\\`*_{}[\]<>#|])/g, '\\$1');
}

export class ScriptCodeLensProvider implements vscode.CodeLensProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  constructor(private readonly lookup: Lookup) {}
  refresh(): void {
    this.changed.fire();
  }
  dispose(): void {
    this.changed.dispose();
  }
  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    const hit = this.lookup(doc);
    if (!hit) return [];
    const out: vscode.CodeLens[] = [];
    for (const e of hit.entry.facts.exports) {
      if (e.kind === 'torch-save') continue;
      if (docUriOf(hit.entry, e.range)?.toString() !== doc.uri.toString()) continue;
      const model = hit.entry.models.get(e.path);
      if (!model) continue;
      const range = toRange(e.range);
      out.push(
        new vscode.CodeLens(range, { title: 'Certify optimality', command: 'reluLens.certify', arguments: [model], tooltip: `ReLU Lens: certify ${e.path}` }),
      );
      out.push(
        new vscode.CodeLens(range, {
          title: 'Open ReLU Lens panel',
          command: 'reluLens.openPanel',
          arguments: [model],
          tooltip: `ReLU Lens: open the panel for ${e.path}`,
        }),
      );
    }
    return out;
  }
}

export class ScriptCodeActionProvider implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];
  constructor(private readonly lookup: Lookup) {}
  provideCodeActions(doc: vscode.TextDocument, range: vscode.Range | vscode.Selection): vscode.CodeAction[] {
    const hit = this.lookup(doc);
    if (!hit) return [];
    const out: vscode.CodeAction[] = [];
    for (const d of inDoc(hit.entry, doc)) {
      if (!d.fix || d.code !== CODES.adamw || !toRange(d.range).intersection(range)) continue;
      const a = new vscode.CodeAction(d.fix.title, vscode.CodeActionKind.QuickFix);
      a.edit = new vscode.WorkspaceEdit();
      for (const e of d.fix.edits) a.edit.replace(doc.uri, toRange(e.range), e.newText);
      a.isPreferred = true;
      a.diagnostics = [toVsDiagnostic(d)];
      out.push(a);
    }
    return out;
  }
}

const SEVERITY: Record<string, vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  information: vscode.DiagnosticSeverity.Information,
  hint: vscode.DiagnosticSeverity.Hint,
};

export function toVsDiagnostic(d: ScriptDiagnostic): vscode.Diagnostic {
  const v = new vscode.Diagnostic(toRange(d.range), d.message + certifyWithWords('editor', d.certifyWith), SEVERITY[d.severity]);
  v.source = 'relu-lens';
  v.code = d.code;
  return v;
}
