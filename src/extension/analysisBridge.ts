/**
 * The one place the worker calls the engine's analysis (src/core/analysis analyze()) and export
 * functions (src/core/analysis/export.ts), so the worker protocol does not depend on their details.
 */
import { analysisPlan, analyze } from '../core/analysis';
import { networkToCsv, networkToNpz, networkToOnnx } from '../core/analysis/export';
import type { CertifySettings } from '../core/certify/types';
import type { NetworkWeights } from '../core/problem/network';
import type { CanonicalModel } from '../core/model';
import type { Dataset } from '../core/data';
import type { AnalysisJson } from '../core/report/analysisJson';
import type { CertificateJson } from '../core/report/json';
import type { LossName } from '../core/problem/loss';
import type { ExportFormat } from './protocol';

export interface BridgeOutcome {
  json: AnalysisJson;
  optimal: NetworkWeights | null;
  witness: NetworkWeights | null;
  engine: 'analyze' | 'certify';
}

export async function runAnalysis(
  model: CanonicalModel,
  data: Dataset,
  settings: CertifySettings,
  loss?: LossName,
  onVerdict?: (verdict: CertificateJson) => void,
): Promise<BridgeOutcome> {
  // the same plan as `relu-lens certify`, so the panel and the CLI show the same numbers (and the
  // verdict as early: onVerdict fires where the CLI prints it)
  const out = await analyze(model, data, settings, { ...analysisPlan('panel', { loss }), onVerdict });
  return { ...out, engine: 'analyze' };
}

export function exportNetwork(format: ExportFormat, net: NetworkWeights, model: CanonicalModel | null): Uint8Array {
  if (format === 'onnx') {
    if (!model) throw new Error('exportNetwork: the model is needed for an ONNX export');
    return networkToOnnx(model, net);
  }
  if (format === 'npz') return networkToNpz(net);
  return new TextEncoder().encode(networkToCsv(net));
}
