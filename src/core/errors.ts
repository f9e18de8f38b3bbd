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

export class ReluLensError extends Error {
  readonly kind: ErrorKind;
  readonly location: ErrorLocation;
  constructor(kind: ErrorKind, message: string, location: ErrorLocation = {}) {
    super(message);
    this.name = 'ReluLensError';
    this.kind = kind;
    this.location = location;
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

export const modelError = (message: string, location: ErrorLocation = {}) =>
  new ReluLensError('model', message, location);
export const dataError = (message: string, location: ErrorLocation = {}) =>
  new ReluLensError('data', message, location);
export const usageError = (message: string) => new ReluLensError('usage', message);
