/**
 * Output files (--out, --report) written so that a failure never costs the user their previous
 * file (issue #17): the bytes go to a temporary file in the target's own folder (same file system,
 * so the final rename is atomic), are fsynced, and only then renamed over the target. The target is
 * checked before any work starts too, so a typo in a path costs no minutes of analysis.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { ReluLensError, usageError } from '../errors';

/** The file-system calls a write makes: a test replaces one to make the write fail midway (no root tricks). */
export interface WriteIo {
  openSync(file: string, flags: string, mode: number): number;
  writeSync(fd: number, data: Uint8Array, offset: number, length: number): number;
  fsyncSync(fd: number): void;
  fchmodSync(fd: number, mode: number): void;
  closeSync(fd: number): void;
  renameSync(from: string, to: string): void;
  linkSync(existing: string, created: string): void;
  unlinkSync(file: string): void;
}

export const nodeIo: WriteIo = {
  openSync: (f, flags, mode) => fs.openSync(f, flags, mode),
  writeSync: (fd, d, o, l) => fs.writeSync(fd, d, o, l),
  fsyncSync: (fd) => fs.fsyncSync(fd),
  fchmodSync: (fd, mode) => fs.fchmodSync(fd, mode),
  closeSync: (fd) => fs.closeSync(fd),
  renameSync: (a, b) => fs.renameSync(a, b),
  linkSync: (a, b) => fs.linkSync(a, b),
  unlinkSync: (f) => fs.unlinkSync(f),
};

export interface OutputTarget {
  /** The file the bytes replace: `file` itself, or the regular file a symbolic link at `file` points to. */
  path: string;
  exists: boolean;
  /** Permission bits of the file being replaced (kept: a rename would otherwise reset them to the umask's). */
  mode?: number;
}

const code = (e: unknown) => (e as NodeJS.ErrnoException)?.code;

function notRegular(st: fs.Stats): string | undefined {
  if (st.isFile()) return undefined;
  if (st.isDirectory()) return 'is a directory, not a file';
  if (st.isFIFO()) return 'is a named pipe (FIFO), not a regular file';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'is a device, not a regular file';
  if (st.isSocket()) return 'is a socket, not a regular file';
  return 'is not a regular file';
}

/** Where a write to `file` would land, or a usage error (one line naming `flag` and `file`). */
export function checkOutputPath(flag: string, file: string, force: boolean): OutputTarget {
  const refuse = (why: string) => usageError(`${flag}: ${file} ${why}`);
  let st: fs.Stats | undefined;
  let target = file;
  try {
    st = fs.lstatSync(file);
  } catch (e) {
    // ENOENT/ENOTDIR: nothing there yet; the folder check below says what is wrong with the folder
    if (code(e) !== 'ENOENT' && code(e) !== 'ENOTDIR') throw refuse(`cannot be examined (${code(e)})`);
  }
  if (st?.isSymbolicLink()) {
    // A dangling link used to be followed, silently creating a file wherever it pointed.
    try {
      st = fs.statSync(file);
    } catch (e) {
      if (code(e) === 'ENOENT') throw refuse(`is a dangling symbolic link (to ${fs.readlinkSync(file)}); remove it or choose another path`);
      throw refuse(`is a symbolic link that cannot be followed (${code(e)})`);
    }
    target = fs.realpathSync(file);
  }
  if (st) {
    const why = notRegular(st);
    if (why) throw refuse(why);
    if (!force) throw refuse('already exists; add --force to overwrite it');
  }
  const dir = path.dirname(target);
  let dst: fs.Stats;
  try {
    dst = fs.statSync(dir);
  } catch (e) {
    throw usageError(`${flag}: cannot write ${file}: folder ${dir} ${code(e) === 'ENOENT' ? 'does not exist' : `cannot be examined (${code(e)})`}`);
  }
  if (!dst.isDirectory()) throw usageError(`${flag}: cannot write ${file}: ${dir} is not a folder`);
  try {
    fs.accessSync(dir, fs.constants.W_OK | fs.constants.X_OK);
  } catch (e) {
    throw usageError(`${flag}: cannot write ${file}: folder ${dir} is not writable (${code(e)})`);
  }
  return { path: target, exists: !!st, mode: st ? st.mode & 0o7777 : undefined };
}

/**
 * Write `data` to `file` atomically: afterwards `file` holds either all of `data` or exactly what it
 * held before. Without `force` an existing file is never replaced, even one that appeared while the
 * analysis ran (hard link + EEXIST, where the file system has hard links).
 */
export function writeFileAtomic(flag: string, file: string, data: string | Uint8Array, force: boolean, io: WriteIo = nodeIo): void {
  const t = checkOutputPath(flag, file, force); // again: the folder or file may have changed during the analysis
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const dir = path.dirname(t.path);
  const tmp = path.join(dir, `.${path.basename(t.path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let fd: number | undefined;
  try {
    fd = io.openSync(tmp, 'wx', t.mode ?? 0o666); // 'wx': never follow or reuse anything already named tmp
    if (t.mode !== undefined) io.fchmodSync(fd, t.mode);
    for (let off = 0; off < bytes.length; ) off += io.writeSync(fd, bytes, off, bytes.length - off);
    io.fsyncSync(fd); // the data is on disk before the name points at it (no empty file after a crash)
    io.closeSync(fd);
    fd = undefined;
    if (force) io.renameSync(tmp, t.path);
    else publishNew(flag, file, tmp, t.path, io);
  } catch (e) {
    if (fd !== undefined) ignore(() => io.closeSync(fd!));
    ignore(() => io.unlinkSync(tmp));
    if (e instanceof ReluLensError) throw e;
    // Not the user's arguments nor their model or data: exit 1, but one line that says what happened.
    const kept = t.exists ? 'the previous file is unchanged' : 'nothing was written';
    throw new ReluLensError('internal', `${flag}: could not write ${file} (${(e as Error)?.message ?? String(e)}); ${kept}`);
  }
  // Best effort: makes the rename itself durable; not every platform can open a folder (Windows).
  ignore(() => {
    const dfd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(dfd);
    } finally {
      fs.closeSync(dfd);
    }
  });
}

/** Give tmp the name `target` only if nothing has that name (rename would silently replace it). */
function publishNew(flag: string, file: string, tmp: string, target: string, io: WriteIo): void {
  try {
    io.linkSync(tmp, target);
  } catch (e) {
    if (code(e) === 'EEXIST') throw usageError(`${flag}: ${file} appeared while the analysis ran; add --force to overwrite it`);
    if (!['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS'].includes(code(e) ?? '')) throw e;
    // no hard links on this file system (e.g. FAT): the check-then-rename window is all we can do
    if (fs.existsSync(target)) throw usageError(`${flag}: ${file} appeared while the analysis ran; add --force to overwrite it`);
    io.renameSync(tmp, target);
    return;
  }
  ignore(() => io.unlinkSync(tmp)); // the file is in place: failing to drop the temporary name only leaves a stray hidden file
}

function ignore(f: () => void): void {
  try {
    f();
  } catch {
    /* best effort */
  }
}
