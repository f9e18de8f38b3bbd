import { ReluLensError } from '../core/errors';
import { entryMissing, type ModelEntry } from '../core/config/workspaceConfig';
import type { PanelError } from './panelProtocol';

/** Errors as the panel shows them: the message and the action that fixes it (no vscode here). */
export const errText = (e: unknown) => (e instanceof ReluLensError ? e.describe() : e instanceof Error ? e.message : String(e));

export function missingError(e: Partial<ModelEntry> | undefined): PanelError {
  return entryMissing(e) === 'data'
    ? { kind: 'data', message: 'Which data was this model trained on? Set the training data (and β) to certify it.', action: { label: 'Set training data…', action: 'setTrainingData' } }
    : { kind: 'beta-missing', message: 'β is missing: give β directly or the weight decay and loss reduction used in training.', action: { label: 'Set β…', action: 'setBeta' } };
}

/** A worker error as the panel shows it, with the action that fixes it. */
export function errorFor(kind: string, message: string): PanelError {
  if (kind === 'cancelled') return { kind: 'cancelled', message: 'Cancelled.', action: { label: 'Certify again', action: 'certify' } };
  if (kind === 'data') return { kind: 'data', message, action: { label: 'Set training data…', action: 'setTrainingData' } };
  if (kind === 'model') return { kind: 'model', message };
  if (kind === 'usage' && /β|beta|weight decay/i.test(message)) return { kind: 'beta-missing', message, action: { label: 'Set β…', action: 'setBeta' } };
  if (kind === 'usage') return { kind: 'usage', message, action: { label: 'Set training data…', action: 'setTrainingData' } };
  return { kind: 'internal', message, action: { label: 'Try again', action: 'certify' } };
}
