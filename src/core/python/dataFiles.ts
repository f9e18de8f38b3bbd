/**
 * Reading the data files a script names, for their row count (n). The path comes from the script,
 * so it can name anything: /dev/zero (reading never ends), a FIFO (opening blocks), a 50 GB dump,
 * or a symlink out of the project. Lint is offline and fast, so a file is read only when it is a
 * regular file, inside the script's folder or the workspace root after symlinks are resolved,
 * and at most MAX_DATA_FILE_BYTES — all checked before the first byte is read. A refused file
 * becomes an "unresolved" note with the reason, never a hang or a crash.
 */
import { closeSync, constants, fstatSync, openSync, readSync, realpathSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { countSamples } from './samples';
import type { LintContext } from './lint';
import type { ScriptFacts } from './types';

/** Larger data files are not read just to count their rows. */
export const MAX_DATA_FILE_BYTES = 64 * 1024 * 1024;

export type DataRead = { ok: true; file: string; bytes: Uint8Array } | { ok: false; why: string } | { ok: false; missing: true };

const realOrNull = (p: string): string | null => {
  try {
    return realpathSync(p);
  } catch {
    return null;
  }
};

function inside(file: string, dir: string): boolean {
  const rel = path.relative(dir, file);
  return rel !== '' && rel !== '..' && !rel.startsWith('..' + path.sep) && !path.isAbsolute(rel);
}

const mb = (bytes: number) => `${Math.ceil(bytes / (1024 * 1024))} MB`;

/**
 * The bytes of `written` as the script would open it (relative: against the script's folder, then
 * the workspace root), or why it is not read. A missing file is not a refusal: the data may simply
 * not be generated yet.
 */
export function readDataFile(written: string, scriptFile: string, workspaceRoot?: string): DataRead {
  const scriptDir = path.dirname(path.resolve(scriptFile));
  const bases = [scriptDir, ...(workspaceRoot ? [path.resolve(workspaceRoot)] : [])];
  const candidates = path.isAbsolute(written) ? [written] : bases.map((b) => path.join(b, written));
  const real = candidates.map(realOrNull).find((p): p is string => p !== null);
  if (!real) return { ok: false, missing: true };
  const roots = bases.map(realOrNull).filter((p): p is string => p !== null);
  if (!roots.some((r) => inside(real, r))) return { ok: false, why: `${real} is outside the script's folder${workspaceRoot ? ' and the workspace root' : ''}` };
  const st = statSync(real);
  if (!st.isFile()) return { ok: false, why: `${real} is not a regular file` };
  if (st.size > MAX_DATA_FILE_BYTES) return { ok: false, why: `${real} is ${mb(st.size)}, over the ${mb(MAX_DATA_FILE_BYTES)} read to count rows` };
  // O_NONBLOCK: if the file was swapped for a FIFO since the stat, open must not wait for a writer.
  const fd = openSync(real, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  try {
    const now = fstatSync(fd);
    if (!now.isFile() || now.ino !== st.ino || now.dev !== st.dev) return { ok: false, why: `${real} changed while it was being read` };
    const bytes = new Uint8Array(Math.min(now.size, MAX_DATA_FILE_BYTES));
    let got = 0;
    while (got < bytes.length) {
      const k = readSync(fd, bytes, got, bytes.length - got, got);
      if (k === 0) break;
      got += k;
    }
    return { ok: true, file: real, bytes: bytes.subarray(0, got) };
  } finally {
    closeSync(fd);
  }
}

/**
 * n from the first data file that states it, and a note for every file that was refused: the
 * part of a LintContext that comes from data on disk (the CLI merges it into its context).
 */
export function dataContextFromDisk(facts: ScriptFacts, scriptFile: string, workspaceRoot?: string): Pick<LintContext, 'n' | 'unresolved'> {
  const out: Pick<LintContext, 'n' | 'unresolved'> = { unresolved: [] };
  if (!facts.data || facts.data.n !== null) return out;
  for (const d of facts.data.paths) {
    let r: DataRead;
    try {
      r = readDataFile(d.path, scriptFile, workspaceRoot);
    } catch (e) {
      r = { ok: false, why: `${d.path} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` };
    }
    if (!r.ok) {
      if ('why' in r) out.unresolved!.push({ what: `number of samples in the data file '${d.path}': not read, ${r.why}`, range: d.range });
      continue;
    }
    const n = countSamples(d.path, r.bytes);
    if (n !== null) {
      out.n = n;
      break;
    }
  }
  return out;
}
