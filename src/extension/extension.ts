import * as vscode from 'vscode';
import { Engine } from './engine';

// Activation stays cheap: no engine, no onnxruntime until a command runs.
export function activate(context: vscode.ExtensionContext) {
  const engine = new Engine(context.extensionPath);
  context.subscriptions.push({ dispose: () => engine.dispose() });
  context.subscriptions.push(
    vscode.commands.registerCommand('reluLens.analyzeModel', async (uri?: vscode.Uri) => {
      const target = uri ?? vscode.window.activeTextEditor?.document.uri;
      if (!target || !target.path.endsWith('.onnx')) {
        void vscode.window.showErrorMessage('ReLU Lens: choose a .onnx model (right-click it in the explorer).');
        return;
      }
      const bytes = await vscode.workspace.fs.readFile(target);
      const dir = target.scheme === 'file' ? vscode.Uri.joinPath(target, '..').fsPath : undefined;
      const res = await engine.request({ kind: 'inspect', file: vscode.workspace.asRelativePath(target), bytes, dir });
      if (!res.ok) {
        void vscode.window.showErrorMessage(`ReLU Lens: ${res.error}`);
        return;
      }
      const s = res.summary;
      void vscode.window.showInformationMessage(
        `ReLU Lens: ${s.file}: two-layer ReLU network ${s.d} → ${s.m} → ${s.c}, head ${s.head}, ${s.dtype}, ${s.producer.name} ${s.producer.version} opset ${s.opset}`,
      );
    }),
  );
}

export function deactivate() {}
