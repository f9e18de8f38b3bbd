import { ReluLensError, type ErrorCode } from '../core/errors';
import { entryMissing, type ModelEntry } from '../core/config/workspaceConfig';
import { unreachable, type PanelError } from '../protocol/panel';
import type { WorkerErrorKind } from './protocol';
import { lossChoiceAdvice } from '../core/format/lossControl';

/** Errors as the panel shows them: the message and the action that fixes it (no vscode here). */
export const errText = (e: unknown) => (e instanceof ReluLensError ? e.describe() : e instanceof Error ? e.message : String(e));

export function missingError(e: Partial<ModelEntry> | undefined): PanelError {
  return entryMissing(e) === 'data'
    ? {
        kind: 'data',
        message: 'Which data was this model trained on? Set the training data (and β) to certify it.',
        action: { label: 'Set training data…', action: 'setTrainingData' },
      }
    : {
        kind: 'beta-missing',
        message: 'β is missing: give β directly or the weight decay and loss reduction used in training.',
        action: { label: 'Set β…', action: 'setBeta' },
      };
}

/** A worker error as the panel shows it, with the action that fixes it: chosen by kind and code, never by the message's words. */
export function errorFor(kind: WorkerErrorKind, message: string, code?: ErrorCode): PanelError {
  switch (kind) {
    case 'cancelled':
      return { kind: 'cancelled', message: 'Cancelled.', action: { label: 'Certify again', action: 'certify' } };
    case 'data':
    case 'model':
      // labels read for a loss core chose: the editor's way to name the loss is the settings file
      if (code === 'loss')
        return { kind, message: message + lossChoiceAdvice('editor'), action: { label: 'Open .vscode/relu-lens.json', action: 'openSettingsFile' } };
      return kind === 'data' ? { kind: 'data', message, action: { label: 'Set training data…', action: 'setTrainingData' } } : { kind: 'model', message };
    case 'usage':
      return code === 'beta'
        ? { kind: 'beta-missing', message, action: { label: 'Set β…', action: 'setBeta' } }
        : { kind: 'usage', message, action: { label: 'Set training data…', action: 'setTrainingData' } };
    case 'need-external':
    case 'internal':
      return { kind: 'internal', message, action: { label: 'Try again', action: 'certify' } };
    default:
      return unreachable(kind);
  }
}
