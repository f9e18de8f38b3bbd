import type * as vscode from 'vscode';
import type { Sessions } from './session';
import type { ScriptHost } from './python/host';

/** What the Python script support (src/extension/python) may ask of the host: verdicts by model, certify, open the panel. */

export function makeScriptHost(sessions: Sessions, certify: (uri: vscode.Uri) => Promise<void>, openPanel: (uri: vscode.Uri) => Promise<void>): ScriptHost {
  return {
    verdictFor(uri) {
      const r = sessions.find(uri)?.result;
      return r ? { json: r.json, computedAt: r.computedAt } : undefined;
    },
    onDidChangeVerdict: sessions.onDidChangeVerdict,
    certify,
    openPanel,
  };
}
