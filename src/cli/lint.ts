import { usageError } from '../core/errors';

/** `relu-lens lint SCRIPT.py [--json]` (issue #6). Exit 0 no error-level diagnostic, 1 otherwise, 2 usage, 3 unreadable. */
export async function runLint(argv: string[]): Promise<number> {
  throw usageError(`lint is not implemented yet (${argv.join(' ')})`);
}
