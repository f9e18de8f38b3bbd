/**
 * A hostile workspace made at run time for the fuzz harness: a model folder whose neighbours are
 * the files an attacker would name (a FIFO, symlinks to /dev/zero, to a file outside the folder and
 * to nothing, a directory, a 3 GiB sparse file), and a file outside the folder that must never be
 * opened. Made once per process; every case writes its own model or data file into it.
 */
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mkfifo } from '../io/helpers';

export interface HostileWorkspace {
  root: string;
  /** the model's folder: every read must stay inside it */
  ws: string;
  /** a file outside `ws` that holds a secret */
  outside: string;
  /** names inside `ws`, each hostile in its own way (see make()) */
  names: string[];
  /** 64 bytes of float32 weights, a regular file inside ws */
  weights: string;
  done(): void;
}

/** A sparse file this large costs no disk and no memory unless someone reads it whole. */
const SPARSE_BYTES = 3 * 2 ** 30;

export function hostileWorkspace(prefix = 'relu-lens-fuzz-'): HostileWorkspace {
  const root = fs.realpathSync(fs.mkdtempSync(join(tmpdir(), prefix)));
  const ws = join(root, 'ws');
  const out = join(root, 'outside');
  fs.mkdirSync(ws);
  fs.mkdirSync(out);
  const outside = join(out, 'secret.bin');
  fs.writeFileSync(outside, new Uint8Array(64).fill(0x41));
  const weights = join(ws, 'weights.bin');
  const w = new Float32Array(16).map((_, i) => (i % 5) / 4 - 0.5);
  fs.writeFileSync(weights, new Uint8Array(w.buffer));
  const names = ['weights.bin'];
  const add = (name: string, make: (p: string) => void) => {
    try {
      make(join(ws, name));
      names.push(name);
    } catch {
      /* a machine that forbids it (no mkfifo): the other hostile files remain */
    }
  };
  add('fifo', mkfifo);
  add('fifo.csv', mkfifo);
  add('link-zero', (p) => fs.symlinkSync('/dev/zero', p));
  add('zero.npy', (p) => fs.symlinkSync('/dev/zero', p));
  add('link-out', (p) => fs.symlinkSync(outside, p));
  add('link-out.csv', (p) => fs.symlinkSync(outside, p));
  add('link-in', (p) => fs.symlinkSync('weights.bin', p));
  add('dangling', (p) => fs.symlinkSync(join(ws, 'nothing-here'), p));
  add('subdir', (p) => fs.mkdirSync(p));
  add('sparse.bin', (p) => {
    fs.writeFileSync(p, new Uint8Array(0));
    fs.truncateSync(p, SPARSE_BYTES);
  });
  add('sparse.csv', (p) => fs.symlinkSync('sparse.bin', p));
  return { root, ws, outside, names, weights, done: () => fs.rmSync(root, { recursive: true, force: true }) };
}
