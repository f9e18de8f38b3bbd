import type * as vscode from 'vscode';
import type { AnalysisJson } from '../../core/report/analysisJson';

/** What the script support needs from the extension host (implemented in src/extension/scriptHost.ts). */
export interface ScriptHost {
  /** the latest verdict of a model, and when it was computed (ms since epoch) */
  verdictFor(modelUri: vscode.Uri): { json: AnalysisJson; computedAt: number } | undefined;
  onDidChangeVerdict: vscode.Event<vscode.Uri>;
  certify(modelUri: vscode.Uri): Thenable<void>;
  openPanel(modelUri: vscode.Uri): Thenable<void>;
}
