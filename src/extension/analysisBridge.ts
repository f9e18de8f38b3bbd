/**
 * The one place the worker calls the engine's analysis (src/core/analysis analyze()) and export
 * functions (src/core/analysis/export.ts), so the worker protocol does not depend on their details.
 */
import { analyze } from '../core/analysis';
import { networkToCsv, networkToNpz, networkToOnnx } from '../core/analysis/export';
import type { CertifySettings, NetworkWeights } from '../core/certify/types';
import type { CanonicalModel } from '../core/model';
import type { Dataset } from '../core/data';
import type { AnalysisJson, LossName } from '../core/analysis/types';
import type { ExportFormat } from './protocol';

export interface BridgeOutcome {
  json: AnalysisJson;
  optimal: NetworkWeights | null;
  witness: NetworkWeights | null;
  engine: 'analyze' | 'certify';
}

export function runAnalysis(model: CanonicalModel, data: Dataset, settings: CertifySettings, loss?: LossName): BridgeOutcome {
  const out = analyze(model, data, settings, { loss });
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
