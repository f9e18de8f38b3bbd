/**
 * The slice of the 'vscode' API src/extension/python uses, over the real file system, so the
 * editor glue runs under node:test. The real editor is exercised by the E2E suite.
 */
import * as fs from 'node:fs';
import * as nodePath from 'node:path';

export class Uri {
  private constructor(
    readonly scheme: string,
    readonly path: string,
  ) {}
  static file(p: string) {
    return new Uri('file', nodePath.resolve(p));
  }
  static joinPath(u: Uri, ...segs: string[]) {
    return new Uri(u.scheme, nodePath.posix.join(u.path, ...segs));
  }
  get fsPath() {
    return this.path;
  }
  toString() {
    return `${this.scheme}://${this.path}`;
  }
}
export class Position {
  constructor(
    readonly line: number,
    readonly character: number,
  ) {}
}
export class Range {
  readonly start: Position;
  readonly end: Position;
  constructor(l: number, c: number, el: number, ec: number) {
    this.start = new Position(l, c);
    this.end = new Position(el, ec);
  }
  contains(p: Position) {
    const after = p.line > this.start.line || (p.line === this.start.line && p.character >= this.start.character);
    const before = p.line < this.end.line || (p.line === this.end.line && p.character <= this.end.character);
    return after && before;
  }
  intersection(r: Range) {
    return this.contains(r.start) || this.contains(r.end) || r.contains(this.start) ? this : undefined;
  }
}
export enum DiagnosticSeverity {
  Error = 0,
  Warning = 1,
  Information = 2,
  Hint = 3,
}
export enum NotebookCellKind {
  Markup = 1,
  Code = 2,
}
export class Diagnostic {
  source?: string;
  code?: string;
  constructor(
    readonly range: Range,
    readonly message: string,
    readonly severity: DiagnosticSeverity,
  ) {}
}
export class MarkdownString {
  value = '';
  appendMarkdown(s: string) {
    this.value += s;
    return this;
  }
}
export class Hover {
  constructor(
    readonly contents: MarkdownString,
    readonly range?: Range,
  ) {}
}
export class CodeLens {
  constructor(
    readonly range: Range,
    readonly command?: { title: string; command: string; arguments?: unknown[] },
  ) {}
}
export class CodeActionKind {
  static QuickFix = new CodeActionKind('quickfix');
  constructor(readonly value: string) {}
}
export class WorkspaceEdit {
  edits: { uri: Uri; range: Range; newText: string }[] = [];
  replace(uri: Uri, range: Range, newText: string) {
    this.edits.push({ uri, range, newText });
  }
}
export class CodeAction {
  edit?: WorkspaceEdit;
  isPreferred?: boolean;
  diagnostics?: Diagnostic[];
  constructor(
    readonly title: string,
    readonly kind: CodeActionKind,
  ) {}
}
export class EventEmitter<T> {
  private ls: ((e: T) => void)[] = [];
  event = (l: (e: T) => void) => {
    this.ls.push(l);
    return { dispose: () => (this.ls = this.ls.filter((x) => x !== l)) };
  };
  fire(e: T) {
    for (const l of this.ls) l(e);
  }
  dispose() {
    this.ls = [];
  }
}

export const collections: Map<string, Diagnostic[]>[] = [];
export const providers: { hover: any[]; lens: any[]; action: any[] } = { hover: [], lens: [], action: [] };
export const languages = {
  createDiagnosticCollection(_name: string) {
    const m = new Map<string, Diagnostic[]>();
    collections.push(m);
    return {
      set: (u: Uri, d: Diagnostic[]) => m.set(u.toString(), d),
      delete: (u: Uri) => m.delete(u.toString()),
      get: (u: Uri) => m.get(u.toString()),
      dispose: () => m.clear(),
    };
  },
  registerHoverProvider: (_s: unknown, p: unknown) => (providers.hover.push(p), { dispose() {} }),
  registerCodeLensProvider: (_s: unknown, p: unknown) => (providers.lens.push(p), { dispose() {} }),
  registerCodeActionsProvider: (_s: unknown, p: unknown) => (providers.action.push(p), { dispose() {} }),
};

export const events = {
  openText: new EventEmitter<any>(),
  saveText: new EventEmitter<any>(),
  changeText: new EventEmitter<any>(),
  closeText: new EventEmitter<any>(),
  openNb: new EventEmitter<any>(),
  saveNb: new EventEmitter<any>(),
  changeNb: new EventEmitter<any>(),
  closeNb: new EventEmitter<any>(),
  fsChange: new EventEmitter<Uri>(),
  fsCreate: new EventEmitter<Uri>(),
  fsDelete: new EventEmitter<Uri>(),
};
export const workspace = {
  textDocuments: [] as any[],
  notebookDocuments: [] as any[],
  fs: {
    async stat(u: Uri) {
      const s = fs.statSync(u.fsPath);
      return { mtime: s.mtimeMs, size: s.size, ctime: s.ctimeMs, type: 1 };
    },
    async readFile(u: Uri) {
      return new Uint8Array(fs.readFileSync(u.fsPath));
    },
  },
  getWorkspaceFolder: (_u: Uri) => undefined,
  asRelativePath: (u: Uri) => nodePath.basename(u.path),
  createFileSystemWatcher: () => ({ onDidChange: events.fsChange.event, onDidCreate: events.fsCreate.event, onDidDelete: events.fsDelete.event, dispose() {} }),
  onDidOpenTextDocument: events.openText.event,
  onDidSaveTextDocument: events.saveText.event,
  onDidChangeTextDocument: events.changeText.event,
  onDidCloseTextDocument: events.closeText.event,
  onDidOpenNotebookDocument: events.openNb.event,
  onDidSaveNotebookDocument: events.saveNb.event,
  onDidChangeNotebookDocument: events.changeNb.event,
  onDidCloseNotebookDocument: events.closeNb.event,
};

/** A text document over a file (or given text). */
export function textDocument(file: string, text?: string, languageId = 'python') {
  const uri = Uri.file(file);
  return { uri, languageId, getText: () => text ?? fs.readFileSync(file, 'utf8') };
}
