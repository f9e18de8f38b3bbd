/**
 * Failures the fuzz harness found, kept as regression cases (issue #17 item 6: every failure it
 * finds becomes one). Each names the harness case that found it.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { loadDataset } from '../../src/core/data';
import { ReluLensError } from '../../src/core/errors';
import { hostileWorkspace } from './workspace';

const hw = hostileWorkspace('relu-lens-fuzz-reg-');
after(() => hw.done());

// data-file case 29 of seed 1: an .npy path that is a pipe of zeros (a symlink to /dev/zero) was read
// up to the member cap (512 MiB, seconds) before its missing magic was noticed
test('an .npy that is a pipe without the NumPy magic is refused on its first bytes', {
  skip: process.platform === 'win32',
}, async () => {
  const p = join(hw.ws, 'x.npy');
  symlinkSync('/dev/zero', p);
  await assert.rejects(loadDataset(p), (e: unknown) => e instanceof ReluLensError && /magic is missing/.test(e.message) && e.describe().startsWith(p));
});
