import * as vscode from 'vscode';
import { renderMarkdown, type ReportOptions } from '../core/report/render';
import { fromRows } from '../core/linalg/mat';
import type { NetworkJson } from '../core/report/analysisJson';
import type { Engine } from './engine';
import type { ExportFormat } from './protocol';
import type { Session } from './session';
import { lightWithModel, modelSource } from './files';
import { writeFileAtomic } from '../core/io/atomicWrite';
import { ReluLensError } from '../core/errors';
import type { PlotData, PlotFormat } from '../protocol/panel';

/**
 * Exports go through the save dialog only: the dialog itself asks before replacing a file, and we
 * never write anywhere the user did not choose. Files are written with workspace.fs.
 */
export type ExportKind = 'exportCertificateJson' | 'exportReportMarkdown' | 'exportOptimalOnnx' | 'exportWitnessOnnx' | 'exportWeightsCsv' | 'exportWeightsNpy';

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
  else if (kind === 'exportReportMarkdown') bytes = enc(renderMarkdown(s.result.json, reportOptions(s.result.plot)));
  else {
    const pick = exportedNetwork(s, kind);
    if (!pick) {
      const why =
        kind === 'exportWitnessOnnx'
          ? 'no witness network was found (the model was not shown to be suboptimal)'
          : 'no optimal network or witness was computed for this model';
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
  const base = s.uri.path
    .split('/')
    .pop()!
    .replace(/\.onnx$/i, '');
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

/** The report as the CLI writes it: the panel's plot rows for the plots, VS Code's display language for numbers and the date. */
function reportOptions(plot: PlotData | undefined): ReportOptions {
  const data = plot && plot.X.length ? { X: fromRows(plot.X), Y: fromRows(plot.Y) } : undefined;
  return { data, locale: vscode.env.language, date: new Date() };
}

/**
 * A plot from the panel, saved where the user says. The save dialog asks before it replaces a file
 * (desktop and web alike); the bytes then go through the atomic write (a temporary file renamed
 * over the target), so a failed write never leaves half a file where the old one was.
 */
export async function savePlot(model: vscode.Uri, format: PlotFormat, name: string, data: string): Promise<vscode.Uri | undefined> {
  const bytes = format === 'svg' ? enc(data) : Uint8Array.from(Buffer.from(data, 'base64'));
  const base = model.path
    .split('/')
    .pop()!
    .replace(/\.onnx$/i, '');
  const safe = name.replace(/[^\w.-]+/g, '-');
  const target = await vscode.window.showSaveDialog({
    defaultUri: vscode.Uri.joinPath(model, '..', `${base}.${safe}.${format}`),
    filters: format === 'svg' ? { 'SVG image': ['svg'] } : { 'PNG image': ['png'] },
    saveLabel: 'Save plot',
    title: `ReLU Lens: save the ${safe} plot as ${format.toUpperCase()}`,
  });
  if (!target) return undefined;
  try {
    if (target.scheme === 'file') writeFileAtomic('save plot', target.fsPath, bytes, true);
    else await vscode.workspace.fs.writeFile(target, bytes);
  } catch (e) {
    void vscode.window.showErrorMessage(
      `ReLU Lens: ${e instanceof ReluLensError ? e.message : `could not save the plot: ${(e as Error)?.message ?? String(e)}`}`,
    );
    return undefined;
  }
  void vscode.window.showInformationMessage(`ReLU Lens: wrote ${vscode.workspace.asRelativePath(target)}`);
  return target;
}
