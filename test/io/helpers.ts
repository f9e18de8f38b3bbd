/**
 * Shared by the file-layer tests: a recording stand-in for node:fs (every path the layer stats,
 * opens or reads), hostile files made at test time (symlinks, FIFOs, devices, sparse files), and a
 * child process runner with a timeout and a peak-RSS probe, so a hang or a runaway read fails the
 * test instead of hanging it.
 */
import * as fs from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { FileSystem } from '../../src/core/io/files';

export const REPO = resolve(__dirname, '..', '..');

export interface Call {
  op: 'realpath' | 'stat' | 'open' | 'fstat' | 'read' | 'readlink';
  path: string;
  /** bytes asked for (read) */
  length?: number;
}

/** node:fs with every call the layer makes recorded (paths of fds resolved to what was opened). */
export function recordingFs(over: Partial<FileSystem> = {}): { fs: FileSystem; calls: Call[] } {
  const calls: Call[] = [];
  const fdPath = new Map<number, string>();
  const base: FileSystem = {
    realpathSync: ((p: fs.PathLike) => (calls.push({ op: 'realpath', path: String(p) }), fs.realpathSync(p))) as FileSystem['realpathSync'],
    statSync: ((p: fs.PathLike) => (calls.push({ op: 'stat', path: String(p) }), fs.statSync(p))) as FileSystem['statSync'],
    openSync: ((p: fs.PathLike, flags: number) => {
      calls.push({ op: 'open', path: String(p) });
      const fd = fs.openSync(p, flags);
      fdPath.set(fd, String(p));
      return fd;
    }) as FileSystem['openSync'],
    fstatSync: ((fd: number) => (calls.push({ op: 'fstat', path: fdPath.get(fd) ?? `fd ${fd}` }), fs.fstatSync(fd))) as FileSystem['fstatSync'],
    readSync: ((fd: number, buf: Uint8Array, off: number, len: number, pos: number) => {
      calls.push({ op: 'read', path: fdPath.get(fd) ?? `fd ${fd}`, length: len });
      return fs.readSync(fd, buf, off, len, pos);
    }) as FileSystem['readSync'],
    read: ((fd: number, buf: Uint8Array, off: number, len: number, pos: number, cb: (e: Error | null, n: number) => void) => {
      calls.push({ op: 'read', path: fdPath.get(fd) ?? `fd ${fd}`, length: len });
      return fs.read(fd, buf, off, len, pos, cb);
    }) as FileSystem['read'],
    closeSync: fs.closeSync,
    readlinkSync: ((p: fs.PathLike) => (calls.push({ op: 'readlink', path: String(p) }), fs.readlinkSync(p))) as FileSystem['readlinkSync'],
  };
  return { fs: { ...base, ...over }, calls };
}

/** Calls that touched `path` itself (a stat, an open or a read; realpath of a link to it does not count). */
export const touched = (calls: Call[], path: string) => calls.filter((c) => c.op !== 'realpath' && c.op !== 'readlink' && c.path === path);

export function tempDir(prefix = 'relu-lens-io-'): { dir: string; done(): void } {
  const dir = fs.realpathSync(mkdtempSync(join(tmpdir(), prefix)));
  return { dir, done: () => rmSync(dir, { recursive: true, force: true }) };
}

export function mkfifo(path: string): void {
  execFileSync('mkfifo', [path]);
}

/** A character device like /dev/zero at `path`, when this machine lets us (root with CAP_MKNOD). */
export function mkZeroDevice(path: string): boolean {
  try {
    execFileSync('mknod', [path, 'c', '1', '5'], { stdio: 'ignore' });
    return fs.statSync(path).isCharacterDevice();
  } catch {
    return false;
  }
}

/** A sparse file of `size` bytes (truncate) with `data` written at `offset`: no disk, no memory. */
export function sparseFile(path: string, size: number, offset: number, data: Uint8Array): void {
  fs.writeFileSync(path, new Uint8Array(0));
  fs.truncateSync(path, size);
  const fd = fs.openSync(path, 'r+');
  try {
    fs.writeSync(fd, data, 0, data.length, offset);
  } finally {
    fs.closeSync(fd);
  }
}

export interface ChildRun {
  status: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  /** peak resident set size of the child, bytes (from process.resourceUsage at exit; null if it never exited) */
  maxRss: number | null;
  timedOut: boolean;
}

const RSS_HOOK =
  'data:text/javascript,import{writeFileSync}from"node:fs";process.on("exit",()=>{if(process.env.RELU_LENS_TEST_RSS)writeFileSync(process.env.RELU_LENS_TEST_RSS,String(process.resourceUsage().maxRSS))})';

/**
 * Runs node (with tsx, from the repo root) on `args` — a script path or ['-e', code] — killed after
 * `timeoutMs`. A regression towards a hang fails with timedOut instead of hanging the suite.
 */
export function runNode(args: string[], timeoutMs: number, env: Record<string, string> = {}): ChildRun {
  const { dir, done } = tempDir('relu-lens-rss-');
  const rssFile = join(dir, 'rss');
  try {
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--import', RSS_HOOK, ...args], {
      cwd: REPO,
      encoding: 'utf8',
      timeout: timeoutMs,
      killSignal: 'SIGKILL',
      env: { ...process.env, ...env, RELU_LENS_TEST_RSS: rssFile },
      maxBuffer: 1 << 24,
    });
    const rss = fs.existsSync(rssFile) ? Number(fs.readFileSync(rssFile, 'utf8')) * 1024 : null;
    return {
      status: r.status,
      signal: r.signal,
      stdout: r.stdout ?? '',
      stderr: r.stderr ?? '',
      maxRss: rss,
      timedOut: (r.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT',
    };
  } finally {
    done();
  }
}

/** The CLI as a user runs it (from source, so the test sees this tree, not a stale dist/). */
export function runCli(args: string[], timeoutMs = 60_000): ChildRun {
  return runNode([join(REPO, 'src/cli/main.ts'), ...args], timeoutMs);
}

/** strace, when this machine has it and lets it trace (for "the outside file was never opened"). */
export function straceWorks(): boolean {
  try {
    execFileSync('strace', ['-f', '-qq', '-e', 'trace=openat', '-o', '/dev/null', 'true'], { stdio: 'ignore', timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

/** Paths the traced command opened (openat/open/stat-like calls are not opens; only opens count). */
export function openedUnderStrace(args: string[], timeoutMs: number): { run: ChildRun; opened: string[] } {
  const { dir, done } = tempDir('relu-lens-strace-');
  const log = join(dir, 'trace');
  try {
    const r = spawnSync('strace', ['-f', '-qq', '-e', 'trace=open,openat,openat2', '-o', log, process.execPath, '--import', 'tsx', ...args], {
      cwd: REPO,
      encoding: 'utf8',
      timeout: timeoutMs,
      killSignal: 'SIGKILL',
      maxBuffer: 1 << 24,
    });
    const text = fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : '';
    const opened = [...text.matchAll(/\bopen(?:at2?)?\((?:(?:AT_FDCWD|\d+), )?"([^"]*)"/g)].map((m) => m[1]);
    return {
      run: {
        status: r.status,
        signal: r.signal,
        stdout: r.stdout ?? '',
        stderr: r.stderr ?? '',
        maxRss: null,
        timedOut: (r.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT',
      },
      opened,
    };
  } finally {
    done();
  }
}
