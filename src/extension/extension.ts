import * as vscode from 'vscode';
import { Engine } from './engine';
import { Sessions } from './session';
import { Views, ModelEditorProvider, PANEL_VIEW_TYPE, EDITOR_VIEW_TYPE } from './views';
import { StatusBar } from './statusBar';
import { runExport, type ExportKind } from './exports';
import { configUri } from './settingsStore';
import { CONFIG_FILE, emptyConfig, serializeWorkspaceConfig } from '../core/config/workspaceConfig';
import type { PanelAction } from '../protocol/panel';
import { makeScriptHost } from './scriptHost';
import { registerScriptSupport } from './python';

/**
 * Activation stays cheap (measured in test/extension/activation.test.ts): objects and
 * registrations only. The engine thread starts on the first analysis; onnxruntime-node is loaded
 * in that thread only; the Python reader on the first look for a training script.
 */
export function activate(context: vscode.ExtensionContext) {
  const engine = new Engine(vscode.Uri.joinPath(context.extensionUri, 'dist', 'worker.js').fsPath);
  const sessions = new Sessions(engine);
  const views = new Views(context, sessions, (uri, action) => void onAction(uri, action));
  const status = new StatusBar(sessions);
  let lastModel: vscode.Uri | undefined;
  context.subscriptions.push({ dispose: () => engine.dispose() }, sessions, views, status);
  context.subscriptions.push(
    views.onDidActivate((uri) => {
      lastModel = uri;
      status.setActive(uri);
    }),
  );

  const certify = async (uri: vscode.Uri, ask?: 'all' | 'beta' | 'data') => {
    lastModel = uri;
    status.setActive(uri);
    views.show(uri);
    await sessions.certify(uri, { interactive: true, ask, force: !!ask });
  };

  const exportCmd = async (uri: vscode.Uri, kind: ExportKind) => {
    const s = sessions.get(uri);
    if (!s.result) await certify(uri);
    if (s.result) await runExport(engine, s, kind);
  };

  async function onAction(uri: vscode.Uri, action: PanelAction) {
    switch (action) {
      case 'certify':
        return certify(uri);
      case 'setTrainingData':
        return certify(uri, 'all');
      case 'setBeta':
        return certify(uri, 'beta');
      case 'openSettingsFile':
        return openSettingsFile(uri);
      case 'cancel':
        return void sessions.cancel(uri);
      default:
        return runExport(engine, sessions.get(uri), action);
    }
  }

  const cmd = (id: string, f: (uri: vscode.Uri) => unknown) =>
    vscode.commands.registerCommand(id, async (arg?: unknown) => {
      const uri = await pickModel(arg, lastModel);
      if (uri) await f(uri);
    });

  context.subscriptions.push(
    cmd('reluLens.analyzeModel', (uri) => certify(uri)),
    cmd('reluLens.certify', (uri) => certify(uri)),
    cmd('reluLens.setTrainingData', (uri) => certify(uri, 'all')),
    cmd('reluLens.openPanel', (uri) => {
      lastModel = uri;
      views.show(uri);
      return sessions.showPending(uri);
    }),
    cmd('reluLens.exportOptimalModel', (uri) => exportCmd(uri, 'exportOptimalOnnx')),
    cmd('reluLens.exportCertificate', async (uri) => {
      const kind = await pickCertificateKind();
      if (kind) await exportCmd(uri, kind);
    }),
    cmd('reluLens.showOptimal', async (uri) => {
      const s = sessions.get(uri);
      if (!s.result) await certify(uri);
      if (!s.result) return;
      // the panel's own tab: the optimum (or why there is none) beside the trained network
      views.showTab(uri, 'optimal');
    }),
    vscode.window.registerCustomEditorProvider(EDITOR_VIEW_TYPE, new ModelEditorProvider(views, sessions), {
      webviewOptions: { retainContextWhenHidden: false },
      supportsMultipleEditorsPerDocument: true,
    }),
    vscode.window.registerWebviewPanelSerializer(PANEL_VIEW_TYPE, views.serializer()),
    watchSettingsFile(sessions),
  );

  const host = makeScriptHost(sessions, certify, (uri) => {
    views.show(uri);
    return sessions.showPending(uri);
  });
  try {
    registerScriptSupport(context, host);
  } catch (e) {
    // script support is an extra: a failure there must not take the certificate down with it
    console.error('ReLU Lens: script support failed to start', e);
  }
}

/** The model a palette command means: the argument, the active .onnx tab, the focused ReLU Lens view. */
function activeModel(arg: unknown, lastModel: vscode.Uri | undefined): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg;
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  if ((input instanceof vscode.TabInputCustom || input instanceof vscode.TabInputText) && input.uri.path.endsWith('.onnx')) return input.uri;
  return lastModel;
}

/** activeModel, else the workspace's only .onnx file, else the user's pick among them. */
async function pickModel(arg: unknown, lastModel: vscode.Uri | undefined): Promise<vscode.Uri | undefined> {
  const a = activeModel(arg, lastModel);
  if (a) return a;
  const found = await vscode.workspace.findFiles('**/*.onnx', '**/node_modules/**', 500);
  if (!found.length) {
    void vscode.window.showErrorMessage('ReLU Lens: no .onnx model in this workspace.');
    return undefined;
  }
  if (found.length === 1) return found[0];
  const items = found.map((u) => ({ label: vscode.workspace.asRelativePath(u, false), uri: u })).sort((x, y) => x.label.localeCompare(y.label));
  return (await vscode.window.showQuickPick(items, { title: 'ReLU Lens: which model?', placeHolder: 'a two-layer ReLU network (.onnx)' }))?.uri;
}

async function pickCertificateKind(): Promise<'exportCertificateJson' | 'exportReportMarkdown' | undefined> {
  const pick = await vscode.window.showQuickPick(
    [
      { label: 'Certificate (JSON)', description: 'the full analysis, as `relu-lens certify --json` prints it', exportKind: 'exportCertificateJson' as const },
      { label: 'Report (Markdown)', description: 'a readable summary for a pull request or notebook', exportKind: 'exportReportMarkdown' as const },
    ],
    { title: 'ReLU Lens: export certificate' },
  );
  return pick?.exportKind;
}

/** Settings file edited by hand → re-certify the models on screen. */
function watchSettingsFile(sessions: Sessions): vscode.Disposable {
  const w = vscode.workspace.createFileSystemWatcher(`**/${CONFIG_FILE}`);
  const changed = () => sessions.all().forEach((s) => s.views > 0 && sessions.fileChanged(s));
  w.onDidChange(changed);
  w.onDidCreate(changed);
  return w;
}

async function openSettingsFile(uri: vscode.Uri) {
  const folder = vscode.workspace.getWorkspaceFolder(uri);
  if (!folder) return void vscode.window.showErrorMessage(`ReLU Lens: ${CONFIG_FILE} lives in a workspace folder; open the model's folder first.`);
  const file = configUri(folder);
  try {
    await vscode.workspace.fs.stat(file);
  } catch {
    // opening it must not create it: show what a new file would contain, unsaved
    const doc = await vscode.workspace.openTextDocument(file.with({ scheme: 'untitled' }));
    const edit = new vscode.WorkspaceEdit();
    edit.insert(doc.uri, new vscode.Position(0, 0), serializeWorkspaceConfig(emptyConfig()));
    await vscode.workspace.applyEdit(edit);
    return void vscode.window.showTextDocument(doc);
  }
  await vscode.window.showTextDocument(file);
}

export function deactivate() {}
