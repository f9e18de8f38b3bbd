/**
 * A stand-in `vscode` module for loading the real dist/extension.js under node: every API is a
 * callable that records its calls and returns a disposable-like value. Enough to run activate()
 * and to see what it registered — not a simulation of VS Code.
 */
import Module from 'node:module';
import * as path from 'node:path';

export interface Recorder {
  calls: { path: string; args: unknown[] }[];
}

function deep(rec: Recorder, name: string): unknown {
  const fn = function () {};
  const store = new Map<PropertyKey, unknown>();
  return new Proxy(fn, {
    set(_t, p, v) {
      store.set(p, v);
      return true;
    },
    get(_t, p) {
      if (store.has(p)) return store.get(p);
      if (p === Symbol.hasInstance) return () => false;
      if (p === Symbol.toPrimitive) return () => name;
      if (p === 'then') return undefined; // not a thenable
      if (p === 'dispose') return () => undefined;
      return deep(rec, `${name}.${String(p)}`);
    },
    apply(_t, _this, args) {
      rec.calls.push({ path: name, args });
      return deep(rec, `${name}()`);
    },
    construct(_t, args) {
      rec.calls.push({ path: `new ${name}`, args });
      return deep(rec, `${name}#`) as object;
    },
  });
}

class EventEmitter<T> {
  private listeners: ((e: T) => void)[] = [];
  event = (l: (e: T) => void) => {
    this.listeners.push(l);
    return { dispose: () => (this.listeners = this.listeners.filter((x) => x !== l)) };
  };
  fire(e: T) {
    for (const l of this.listeners) l(e);
  }
  dispose() {
    this.listeners = [];
  }
}

class Uri {
  constructor(
    readonly scheme: string,
    readonly authority: string,
    readonly path: string,
  ) {}
  get fsPath() {
    return this.path;
  }
  static file(p: string) {
    return new Uri('file', '', path.resolve(p));
  }
  static joinPath(u: Uri, ...parts: string[]) {
    return new Uri(u.scheme, u.authority, path.posix.join(u.path, ...parts));
  }
  static parse(s: string) {
    return new Uri('file', '', s.replace(/^file:\/\//, ''));
  }
  with(c: Partial<{ scheme: string; path: string }>) {
    return new Uri(c.scheme ?? this.scheme, this.authority, c.path ?? this.path);
  }
  toString() {
    return `${this.scheme}://${this.path}`;
  }
}

export function fakeVscode(rec: Recorder): Record<string, unknown> {
  const base: Record<string, unknown> = {
    EventEmitter,
    Uri,
    Disposable: class {
      static from() {
        return { dispose() {} };
      }
      dispose() {}
    },
    StatusBarAlignment: { Left: 1, Right: 2 },
    ViewColumn: { Active: -1, Beside: -2, One: 1 },
    ProgressLocation: { Notification: 15, Window: 10 },
  };
  // the bundle copies the module's own properties (esbuild's ESM interop), so list them
  for (const name of API_NAMES) if (!(name in base)) base[name] = deep(rec, name);
  return base;
}

const API_NAMES = [
  'window',
  'workspace',
  'commands',
  'languages',
  'env',
  'extensions',
  'debug',
  'tasks',
  'notebooks',
  'scm',
  'tests',
  'authentication',
  'l10n',
  'comments',
  'FileSystemError',
  'FileType',
  'TabInputCustom',
  'TabInputText',
  'TabInputWebview',
  'TabInputNotebook',
  'RelativePattern',
  'Position',
  'Range',
  'Selection',
  'Location',
  'WorkspaceEdit',
  'TextEdit',
  'CodeLens',
  'Diagnostic',
  'DiagnosticSeverity',
  'DiagnosticRelatedInformation',
  'DiagnosticTag',
  'Hover',
  'MarkdownString',
  'ThemeColor',
  'ThemeIcon',
  'CodeAction',
  'CodeActionKind',
  'CancellationTokenSource',
  'SnippetString',
  'ConfigurationTarget',
  'TreeItem',
  'TreeItemCollapsibleState',
  'InlayHint',
  'InlayHintKind',
  'EndOfLine',
  'TextEditorRevealType',
  'OverviewRulerLane',
  'DecorationRangeBehavior',
  'QuickPickItemKind',
  'UIKind',
  'ExtensionMode',
  'NotebookCellKind',
  'NotebookRange',
];

/** Requires `file` with `vscode` resolved to the fake. */
export function requireWithFake(file: string, rec: Recorder): unknown {
  return requireWithVscode(file, fakeVscode(rec));
}

/** Requires `file` with `vscode` resolved to `fake` (a test that scripts the fake's answers keeps it). */
export function requireWithVscode(file: string, fake: unknown): unknown {
  const M = Module as unknown as { _load: (req: string, parent: unknown, isMain: boolean) => unknown };
  const orig = M._load;
  M._load = function (req, parent, isMain) {
    if (req === 'vscode') return fake;
    return orig.call(this, req, parent, isMain);
  };
  try {
    return require(file);
  } finally {
    M._load = orig;
  }
}

export function fakeContext(extensionPath: string) {
  const state = new Map<string, unknown>();
  return {
    subscriptions: [] as { dispose(): unknown }[],
    extensionUri: Uri.file(extensionPath),
    extensionPath,
    workspaceState: { get: (k: string, d?: unknown) => (state.has(k) ? state.get(k) : d), update: async (k: string, v: unknown) => void state.set(k, v) },
    globalState: { get: (_k: string, d?: unknown) => d, update: async () => undefined, setKeysForSync() {} },
    asAbsolutePath: (p: string) => path.join(extensionPath, p),
  };
}
