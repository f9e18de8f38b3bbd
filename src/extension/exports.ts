import * as vscode from 'vscode';
import { renderMarkdown } from '../core/report/render';
import type { NetworkJson } from '../core/analysis/types';
import type { Engine } from './engine';
import type { ExportFormat } from './protocol';
import type { Session } from './session';
import { lightWithModel, modelSource } from './files';

/**
 * Exports go through the save dialog only: the dialog itself asks before replacing a file, and we
 * never write anywhere the user did not choose. Files are written with workspace.fs.
 */
export type ExportKind =
  | 'exportCertificateJson'
  | 'exportReportMarkdown'
  | 'exportOptimalOnnx'
  | 'exportWitnessOnnx'
  | 'exportWeightsCsv'
  | 'exportWeightsNpy';

const SPEC: Record<ExportKind, { ext: string; filter: string; suffix: string }> = {
  exportCertificateJson: { ext: 'json', filter: 'Certificate JSON', suffix: '.certificate' },
  exportReportMarkdown: { ext: 'md', filter: 'Markdown report', suffix: '.certificate' },
  exportOptimalOnnx: { ext: 'onnx', filter: 'ONNX model', suffix: '.optimal' },
  exportWitnessOnnx: { ext: 'onnx', filter: 'ONNX model', suffix: '.witness' },
  exportWeightsCsv: { ext: 'csv', filter: 'CSV weights', suffix: '.optimal-weights' },
  exportWeightsNpy: { ext: 'npz', filter: 'NumPy .npz (W1, b1, W2, b2)', suffix: '.optimal-weights' },
};

/** The network an export of weights means: the optimum when computed exactly, else the witness. */
export function exportedNetwork(s: Session, kind: ExportKind): { net: NetworkJson; label: string } | undefined {
  const r = s.result;
  if (!r) return undefined;
  if (kind === 'exportWitnessOnnx') return r.witness ? { net: r.witness, label: 'witness' } : undefined;
  if (r.optimal) return { net: r.optimal, label: r.json.optimum?.label ?? 'optimum' };
  if (r.json.optimum?.network) return { net: r.json.optimum.network, label: r.json.optimum.label };
  return r.witness ? { net: r.witness, label: 'witness' } : undefined;
}

export async function runExport(engine: Engine, s: Session, kind: ExportKind): Promise<vscode.Uri | undefined> {
  if (!s.result) {
    void vscode.window.showWarningMessage(`ReLU Lens: certify ${s.loc.key} first — there is nothing to export yet.`);
    return undefined;
  }
  const spec = SPEC[kind];
  let bytes: Uint8Array;
  let what = '';
  if (kind === 'exportCertificateJson') bytes = enc(JSON.stringify(s.result.json, null, 2) + '\n');
  else if (kind === 'exportReportMarkdown') bytes = enc(renderMarkdown(s.result.json));
  else {
    const pick = exportedNetwork(s, kind);
    if (!pick) {
      const why = kind === 'exportWitnessOnnx' ? 'no witness network was found (the model was not shown to be suboptimal)' : 'no optimal network or witness was computed for this model';
      void vscode.window.showWarningMessage(`ReLU Lens: nothing to export: ${why}.`);
      return undefined;
    }
    what = pick.label;
    const format: ExportFormat = kind.endsWith('Onnx') ? 'onnx' : kind === 'exportWeightsCsv' ? 'csv' : 'npz';
    const res =
      format === 'onnx'
        ? await lightWithModel(engine, s.uri, await modelSource(s.uri), { kind: 'export', format, net: pick.net })
        : await engine.request({ kind: 'export', format, net: pick.net });
    if (!res.ok || res.kind !== 'export') {
      void vscode.window.showErrorMessage(`ReLU Lens: export failed: ${res.ok ? 'unexpected answer' : res.error}`);
      return undefined;
    }
    bytes = res.bytes;
  }
  const base = s.uri.path.split('/').pop()!.replace(/\.onnx$/i, '');
  const suffix = what === 'witness' ? '.witness' : spec.suffix;
  const target = await vscode.window.showSaveDialog({
    defaultUri: vscode.Uri.joinPath(s.uri, '..', `${base}${suffix}.${spec.ext}`),
    filters: { [spec.filter]: [spec.ext] },
    saveLabel: 'Export',
    title: `ReLU Lens: ${spec.filter}${what ? ` (${what})` : ''}`,
  });
  if (!target) return undefined;
  await vscode.workspace.fs.writeFile(target, bytes);
  void vscode.window.showInformationMessage(`ReLU Lens: wrote ${vscode.workspace.asRelativePath(target)}`);
  return target;
}

const enc = (s: string) => new TextEncoder().encode(s);
