import * as vscode from 'vscode';
import type { Session, Sessions } from './session';

const VERDICT_WORD: Record<string, [string, string]> = {
  certified: ['Certified', '$(pass)'],
  'not-optimal': ['Not optimal', '$(error)'],
  inconclusive: ['Inconclusive', '$(question)'],
};

/**
 * Status bar text per state; starts with "ReLU Lens:" (the E2E tests read it). The verdict shows as
 * soon as the running analysis has it (state.early, before its optimum search), with a spinner
 * until the result is final.
 */
export function statusText(s: Session): { text: string; tooltip: string } {
  const st = s.state;
  if (st.status === 'running' && st.early) {
    const [word, icon] = VERDICT_WORD[st.early.verdict] ?? ['Inconclusive', '$(question)'];
    return {
      text: `ReLU Lens: ${word} ${icon} $(sync~spin)`,
      tooltip: `${s.loc.key}: ${word.toLowerCase()}; refining the optimal network…\nClick to open the panel.`,
    };
  }
  if (st.status === 'running') return { text: 'ReLU Lens: Certifying… $(sync~spin)', tooltip: `${s.loc.key}: ${st.stage?.name ?? 'running'}` };
  if (st.status === 'error') {
    const k = st.error?.kind;
    const word = k === 'cancelled' ? 'Cancelled' : k === 'model' ? 'Model refused $(error)' : k === 'internal' ? 'Error $(error)' : 'Needs input $(warning)';
    return { text: `ReLU Lens: ${word}`, tooltip: `${s.loc.key}: ${st.error?.message ?? 'error'}` };
  }
  const v = st.result?.verdict;
  if (st.status === 'done' && v) {
    const [word, icon] = VERDICT_WORD[v] ?? ['Inconclusive', '$(question)'];
    return { text: `ReLU Lens: ${word} ${icon}`, tooltip: `${s.loc.key}: ${st.result!.summary}\nClick to open the panel.` };
  }
  return { text: 'ReLU Lens: Not certified yet', tooltip: `${s.loc.key}: click to open the panel` };
}

/**
 * The last verdict of the active model: the model of the focused ReLU Lens editor or panel, or the
 * selected .onnx file. Hidden when no model has been active.
 */
export class StatusBar implements vscode.Disposable {
  readonly item = vscode.window.createStatusBarItem('reluLens.status', vscode.StatusBarAlignment.Left, 100);
  private current: vscode.Uri | undefined;
  private subs: vscode.Disposable[] = [];

  constructor(private readonly sessions: Sessions) {
    this.item.name = 'ReLU Lens';
    this.subs.push(
      // 'verdict': the early verdict of a running analysis (kept in state.early) shows at once
      sessions.onDidChange((e) => (e.kind === 'state' || e.kind === 'verdict') && this.current?.toString() === e.session.uri.toString() && this.render()),
      vscode.window.tabGroups.onDidChangeTabs(() => this.fromTabs()),
      vscode.window.onDidChangeActiveTextEditor(() => this.fromTabs()),
    );
    this.fromTabs();
  }

  setActive(uri: vscode.Uri) {
    this.current = uri;
    this.render();
  }

  private fromTabs() {
    const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
    if (input instanceof vscode.TabInputCustom && input.uri.path.endsWith('.onnx')) this.setActive(input.uri);
    else if (input instanceof vscode.TabInputText && input.uri.path.endsWith('.onnx')) this.setActive(input.uri);
  }

  private render() {
    if (!this.current) return this.item.hide();
    const s = this.sessions.get(this.current);
    const { text, tooltip } = statusText(s);
    this.item.text = text;
    this.item.tooltip = tooltip;
    this.item.command = { title: 'Open panel', command: 'reluLens.openPanel', arguments: [this.current] };
    this.item.show();
  }

  dispose() {
    this.subs.forEach((d) => d.dispose());
    this.item.dispose();
  }
}
