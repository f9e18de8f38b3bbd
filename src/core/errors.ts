/**
 * Every refusal the engine makes is a ReluLensError: a message a user can act on, plus where the
 * problem is. The CLI prints `file: [node …] message`; the extension shows the same text. Nothing
 * else (no stack trace) reaches the user for bad input.
 */
export interface ErrorLocation {
  file?: string;
  /** ONNX node: op_type and name as written in the file. */
  node?: { opType: string; name: string };
  /** Data file position, 1-based as a spreadsheet shows it. */
  row?: number;
  column?: number | string;
}

export type ErrorKind = 'model' | 'data' | 'usage' | 'internal';

/**
 * What, within a kind, the user has to change — set where the error is raised, so a UI picks its
 * fix-it action from it (never from the message's words). 'beta': β or the training settings that
 * give it (weight decay, reduction) are missing or invalid. 'loss': the labels do not fit the loss
 * they were read for, which core chose (not the user) — naming the training loss may fix it; each
 * front end says how in its words (format/lossControl.ts).
 */
export type ErrorCode = 'beta' | 'loss';

export class ReluLensError extends Error {
  readonly kind: ErrorKind;
  readonly location: ErrorLocation;
  readonly code?: ErrorCode;
  constructor(kind: ErrorKind, message: string, location: ErrorLocation = {}, code?: ErrorCode) {
    super(message);
    this.name = 'ReluLensError';
    this.kind = kind;
    this.location = location;
    if (code) this.code = code;
  }

  /** One line: `file: node Gemm 'fc1': message` / `file: row 3, column 2: message`. */
  describe(): string {
    const parts: string[] = [];
    const loc = this.location;
    if (loc.file) parts.push(loc.file);
    if (loc.node) parts.push(`node ${loc.node.opType} '${loc.node.name}'`);
    const rc: string[] = [];
    if (loc.row !== undefined) rc.push(`row ${loc.row}`);
    if (loc.column !== undefined) rc.push(`column ${loc.column}`);
    if (rc.length) parts.push(rc.join(', '));
    return parts.length ? `${parts.join(': ')}: ${this.message}` : this.message;
  }
}

export const modelError = (message: string, location: ErrorLocation = {}) => new ReluLensError('model', message, location);
export const dataError = (message: string, location: ErrorLocation = {}) => new ReluLensError('data', message, location);
export const usageError = (message: string, code?: ErrorCode) => new ReluLensError('usage', message, {}, code);

/**
 * A stop the caller asked for (settings.shouldStop() returned true): not a failure, so it is never
 * reported as an internal error or swallowed into a warning. Thrown by the oracles and between the
 * analysis' stages; recognised by class (`instanceof`), never by message.
 */
export class CancelledError extends Error {
  /** `what` names the computation that stopped: 'oracle', 'analysis', … */
  constructor(what = 'analysis') {
    super(`${what} cancelled`);
    this.name = 'CancelledError';
  }
}

/**
 * Whether a thrown `e` means "stop": a CancelledError, or anything thrown once `shouldStop()` holds
 * (an oracle injected by a test or a caller may signal the stop with its own error).
 */
export function isCancellation(e: unknown, shouldStop?: () => boolean): boolean {
  return e instanceof CancelledError || shouldStop?.() === true;
}
