/**
 * `relu-lens lint SCRIPT.py|NOTEBOOK.ipynb … [--json]` (issue #6).
 *
 * Prints `file:line:col: severity: message [CODE]` per diagnostic (1-based; a notebook cell is
 * written `file#cellN`, N the 1-based index in the notebook's cells), or with --json an array of
 * {file, line, column, endLine, endColumn, severity, code, message} (+ cell for notebooks).
 * Exit codes: 0 no error-level diagnostic, 1 at least one, 2 usage, 3 unreadable file.
 *
 * Offline and fast on purpose: only what the script says, plus whether each exported model exists
 * and is older than the script, and the row count of a data file the script reads (when the format
 * states it) for n. It never runs the certificate — `relu-lens certify` does that.
 */
import { readFileSync, statSync, existsSync } from 'node:fs';
import * as path from 'node:path';
import { ReluLensError, usageError } from '../core/errors';
import { certifyWithWords } from '../core/format/certifyControls';
import {
  analyzeNotebook,
  analyzeScript,
  dataContextFromDisk,
  isTrainingScript,
  lintScript,
  type LintContext,
  type ScriptDiagnostic,
  type ScriptFacts,
} from '../core/python';

export const LINT_USAGE = `Usage: relu-lens lint SCRIPT.py|NOTEBOOK.ipynb [...] [--json]
  Reads a PyTorch or scikit-learn (MLPClassifier/MLPRegressor) training script and reports what
  the certificate needs: the two-layer ReLU network, the weight decay (alpha) and the β it implies,
  the loss, the data and its n (read from the data file the script names), the export.
  Exit 0: no error-level diagnostic; 1: some; 2: usage; 3: unreadable file.`;

const EXIT_UNREADABLE = 3;

/** An export or data path as Python would open it: relative to the script's folder, else the working directory. */
function locate(p: string, scriptDir: string): string | null {
  for (const c of path.isAbsolute(p) ? [p] : [path.join(scriptDir, p), path.resolve(p)]) if (existsSync(c)) return c;
  return null;
}

export function lintContextFromDisk(facts: ScriptFacts, file: string): LintContext {
  const dir = path.dirname(path.resolve(file));
  const ctx: LintContext = { scriptMtime: statSync(file).mtimeMs, exports: {} };
  for (const e of facts.exports) {
    const p = locate(e.path, dir);
    ctx.exports![e.path] = p ? { exists: true, mtime: statSync(p).mtimeMs } : { exists: false };
  }
  // n from the data files the script names, through the guarded reader (regular files inside the
  // script's folder or the working directory, size capped before reading)
  return { ...ctx, ...dataContextFromDisk(facts, file, process.cwd()) };
}

interface Row {
  file: string;
  cell?: number;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  severity: string;
  code: string;
  message: string;
}

function toRow(file: string, d: ScriptDiagnostic): Row {
  const r = d.range;
  const row: Row = {
    file,
    line: r.line + 1,
    column: r.column + 1,
    endLine: r.endLine + 1,
    endColumn: r.endColumn + 1,
    severity: d.severity,
    code: d.code,
    message: d.message + certifyWithWords('cli', d.certifyWith),
  };
  if (r.cellIndex !== undefined) row.cell = r.cellIndex + 1;
  return row;
}

export async function runLint(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(LINT_USAGE + '\n');
    return 0;
  }
  const json = argv.includes('--json');
  const bad = argv.filter((a) => a.startsWith('-') && a !== '--json');
  if (bad.length) throw usageError(`lint: unknown option ${bad[0]}\n${LINT_USAGE}`);
  const files = argv.filter((a) => !a.startsWith('-'));
  if (!files.length) throw usageError(`lint: name a Python script or notebook\n${LINT_USAGE}`);

  const rows: Row[] = [];
  let unreadable = false;
  for (const file of files) {
    let text: string;
    try {
      if (!statSync(file).isFile()) throw new Error('not a file');
      text = readFileSync(file, 'utf8');
    } catch (e) {
      process.stderr.write(`relu-lens: ${file}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`);
      unreadable = true;
      continue;
    }
    let facts: ScriptFacts;
    try {
      facts = file.endsWith('.ipynb') ? (await analyzeNotebook(text, file))[0] : await analyzeScript(text, file);
    } catch (e) {
      // A missing parser is our fault (exit 1 through main), a notebook that is not JSON is the file's.
      if (e instanceof ReluLensError && e.kind === 'internal') throw e;
      process.stderr.write(`relu-lens: ${file}: ${(e as Error).message}\n`);
      unreadable = true;
      continue;
    }
    if (!isTrainingScript(facts) && !json) process.stderr.write(`relu-lens: ${file}: no PyTorch or scikit-learn training found (nothing to check)\n`);
    for (const d of lintScript(facts, lintContextFromDisk(facts, file))) rows.push(toRow(file, d));
  }
  if (json) process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
  else
    for (const r of rows)
      process.stdout.write(`${r.file}${r.cell !== undefined ? `#cell${r.cell}` : ''}:${r.line}:${r.column}: ${r.severity}: ${r.message} [${r.code}]\n`);
  if (unreadable) return EXIT_UNREADABLE;
  return rows.some((r) => r.severity === 'error') ? 1 : 0;
}
