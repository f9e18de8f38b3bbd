import * as vscode from 'vscode';
import { getPanelHtml } from './panelHtml';
import { unreachable, type HostToPanel, type PanelAction, type PanelTab, type PanelToHost, type UiState } from '../protocol/panel';
import { savePlot } from './exports';
import type { Session, SessionEvent, Sessions } from './session';

export const PANEL_VIEW_TYPE = 'reluLens.panel';
export const EDITOR_VIEW_TYPE = 'reluLens.modelView';
const OPEN_PANELS_KEY = 'reluLens.openPanels';

/**
 * Every webview that shows a model's analysis — the panels beside the editor (one per model) and
 * the custom editor — gets the same state messages (src/protocol/panel.ts). The panel is restored after
 * a reload by the serializer; the webview keeps `modelUri` in its saved state, and the host also
 * remembers the open panels' models in workspaceState as a fallback.
 */
export class Views implements vscode.Disposable {
  private panels = new Map<string, vscode.WebviewPanel>();
  private webviews = new Map<vscode.Webview, Session>();
  private readonly active = new vscode.EventEmitter<vscode.Uri>();
  /** a view of this model became the active editor/panel */
  readonly onDidActivate = this.active.event;
  private subs: vscode.Disposable[] = [];
  /** the last UI state each model's webview reported (uiState), for a webview that comes back without its own */
  private uiByModel = new Map<string, UiState>();
  /** a tab to bring to the front once the model's webview is ready ("Show optimal weights") */
  private pendingTab = new Map<string, PanelTab>();

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly sessions: Sessions,
    private readonly onAction: (uri: vscode.Uri, action: PanelAction) => void,
  ) {
    this.subs.push(
      sessions.onDidChange((ev) => {
        const msg = panelMessage(ev);
        for (const [w, s] of this.webviews) if (s === ev.session) void w.postMessage(msg);
      }),
    );
  }

  webviewOptions(): vscode.WebviewOptions {
    const root = this.context.extensionUri;
    return { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(root, 'media'), vscode.Uri.joinPath(root, 'dist')] };
  }

  /** Connects a webview (panel or custom editor) to the model's session. */
  attach(host: vscode.WebviewPanel, uri: vscode.Uri): void {
    const s = this.sessions.get(uri);
    const webview = host.webview;
    webview.options = this.webviewOptions();
    this.webviews.set(webview, s);
    s.views++;
    const subs = [
      webview.onDidReceiveMessage((m: PanelToHost) => this.receive(s, webview, m)),
      host.onDidChangeViewState((e) => e.webviewPanel.active && this.active.fire(s.uri)),
    ];
    host.onDidDispose(() => {
      subs.forEach((d) => d.dispose());
      this.webviews.delete(webview);
      s.views--;
    });
    webview.html = getPanelHtml(webview, this.context.extensionUri, vscode.env.language);
    if (host.active) this.active.fire(s.uri);
  }

  private receive(s: Session, from: vscode.Webview, m: PanelToHost) {
    if (!m || typeof m !== 'object') return;
    const key = s.uri.toString();
    const send = (msg: HostToPanel) => void from.postMessage(msg);
    switch (m.type) {
      case 'ready': {
        send({ type: 'state', state: s.state });
        const ui = this.uiByModel.get(key);
        if (ui) send({ type: 'restoreUi', ui });
        const tab = this.pendingTab.get(key);
        if (tab) {
          this.pendingTab.delete(key);
          send({ type: 'showTab', tab });
        }
        return;
      }
      case 'action':
        if (m.action === 'cancel') void this.sessions.cancel(s.uri);
        else this.onAction(s.uri, m.action);
        return;
      case 'selectNeuron':
        // keep the panel and the custom editor of the same model on the same neuron
        for (const [w, other] of this.webviews)
          if (other === s && w !== from) void w.postMessage({ type: 'selectNeuron', index: m.index } satisfies HostToPanel);
        return;
      case 'uiState':
        this.uiByModel.set(key, m.ui);
        return;
      case 'copy':
        void vscode.env.clipboard.writeText(m.text).then(() => vscode.window.setStatusBarMessage(`ReLU Lens: copied ${m.what}`, 3000));
        return;
      case 'savePlot':
        void savePlot(s.uri, m.format, m.name, m.data);
        return;
      default:
        unreachable(m);
    }
  }

  /** Show the model's panel on `tab` (the webview may still be loading: it gets the tab when ready). */
  showTab(uri: vscode.Uri, tab: PanelTab): void {
    const open = this.panels.get(uri.toString());
    if (open) {
      open.reveal(open.viewColumn, false);
      void open.webview.postMessage({ type: 'showTab', tab } satisfies HostToPanel);
      return;
    }
    this.pendingTab.set(uri.toString(), tab);
    this.show(uri);
  }

  /** The panel beside the editor: one per model, revealed when already open. */
  show(uri: vscode.Uri, column = vscode.ViewColumn.Beside): vscode.WebviewPanel {
    const k = uri.toString();
    const open = this.panels.get(k);
    if (open) {
      open.reveal(column, false);
      return open;
    }
    const panel = vscode.window.createWebviewPanel(PANEL_VIEW_TYPE, title(uri), { viewColumn: column, preserveFocus: false }, this.webviewOptions());
    this.adopt(panel, uri);
    return panel;
  }

  private adopt(panel: vscode.WebviewPanel, uri: vscode.Uri) {
    const k = uri.toString();
    this.panels.set(k, panel);
    panel.title = title(uri);
    void this.remember();
    panel.onDidDispose(() => {
      if (this.panels.get(k) === panel) this.panels.delete(k);
      void this.remember();
    });
    this.attach(panel, uri);
  }

  private remember() {
    return this.context.workspaceState.update(OPEN_PANELS_KEY, [...this.panels.keys()]);
  }

  serializer(): vscode.WebviewPanelSerializer {
    return {
      deserializeWebviewPanel: async (panel, state: unknown) => {
        // the webview saves {ui, last: PanelState} (webview/main.ts); PanelState carries modelUri
        const st = state as { modelUri?: string; last?: { modelUri?: string }; state?: { modelUri?: string } } | undefined;
        let uriText = st?.modelUri ?? st?.last?.modelUri ?? st?.state?.modelUri;
        if (!uriText) {
          const remembered = this.context.workspaceState.get<string[]>(OPEN_PANELS_KEY, []);
          uriText = remembered.find((u) => !this.panels.has(u));
        }
        if (!uriText) {
          panel.dispose();
          return;
        }
        const uri = vscode.Uri.parse(uriText);
        if (this.panels.has(uri.toString())) {
          panel.dispose();
          return;
        }
        this.adopt(panel, uri);
        // show the last result again (from the cache when nothing changed) without asking anything
        void this.sessions.showPending(uri);
      },
    };
  }

  panelFor(uri: vscode.Uri): vscode.WebviewPanel | undefined {
    return this.panels.get(uri.toString());
  }

  dispose() {
    this.subs.forEach((d) => d.dispose());
    this.active.dispose();
  }
}

const title = (uri: vscode.Uri) => `ReLU Lens: ${uri.path.split('/').pop()}`;

/** The custom editor: opening a .onnx with "ReLU Lens" shows its analysis in the editor area. */
export class ModelEditorProvider implements vscode.CustomReadonlyEditorProvider {
  constructor(
    private readonly views: Views,
    private readonly sessions: Sessions,
  ) {}

  openCustomDocument(uri: vscode.Uri): vscode.CustomDocument {
    return { uri, dispose: () => undefined };
  }

  resolveCustomEditor(document: vscode.CustomDocument, webviewPanel: vscode.WebviewPanel): void {
    this.views.attach(webviewPanel, document.uri);
    void this.sessions.showPending(document.uri);
  }
}

/** A session event as the panel message that shows it (every kind handled: a new one is a compile error). */
export function panelMessage(ev: SessionEvent): HostToPanel {
  switch (ev.kind) {
    case 'state':
      return { type: 'state', state: ev.session.state };
    case 'progress':
      return { type: 'progress', stage: ev.stage, detail: ev.detail };
    case 'verdict':
      return { type: 'verdict', verdict: ev.verdict };
    default:
      return unreachable(ev);
  }
}
