/**
 * The CLI on hostile data files, as a user runs it: one line on stderr naming the file, the row
 * and the limit, exit 3. Each run is a child process with a generous timeout, so a reader that
 * hangs or swells (the old zip-bomb behaviour: 3 GB and minutes) fails the test instead of
 * stalling the suite; no time is asserted.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, ftruncateSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { fixture } from './helpers';
import { buildZip, deflatedZeros, npyHeader } from './zipBuild';

const ROOT = resolve(__dirname, '..', '..');
const MODEL = join(ROOT, 'examples', 'two-moons', 'model.onnx');
const dir = mkdtempSync(join(tmpdir(), 'relu-lens-cli-limits-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The CLI from source (no build needed); 3 minutes before a run counts as hung. */
function cli(data: string): { code: number | null; stderr: string; signal: NodeJS.Signals | null } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'cli', 'main.ts'), 'inspect', MODEL, '--data', data], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 180_000,
    maxBuffer: 1 << 20,
  });
  return { code: r.status, stderr: r.stderr, signal: r.signal };
}

function refusedWith(file: string, pattern: RegExp) {
  const r = cli(file);
  assert.equal(r.signal, null, `the CLI was killed (${r.signal}): it hung or ran out of memory`);
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  assert.equal(lines.length, 1, `one line on stderr, got:\n${r.stderr}`);
  assert.match(lines[0], pattern);
  assert.equal(r.code, 3, r.stderr);
}

test('CLI: a zip-bomb .npz whose member declares its 1.5 GiB honestly is refused before inflating, exit 3', () => {
  const n = (1.5 * 1024 ** 3) / 8;
  const header = npyHeader('<f8', `(${n},)`);
  const y = fixture('y_f8_1d.npy');
  const z = buildZip([
    { name: 'X.npy', stored: deflatedZeros(header, 1.5 * 1024 ** 3), method: 8, size: header.length + 1.5 * 1024 ** 3 },
    { name: 'y.npy', stored: y, method: 0, size: y.length },
  ]);
  const file = join(dir, 'honest-bomb.npz');
  writeFileSync(file, z);
  refusedWith(
    file,
    /^relu-lens: .*honest-bomb\.npz: member "X": the archive declares 1\.5 GiB \(1,610,612,864 bytes\) uncompressed, more than one array may take \(limit MAX_NPZ_MEMBER_BYTES = [\d,]+ bytes\)$/,
  );
});

test('CLI: a zip-bomb .npz (1.5 GiB of zeros declared as 928 bytes) is refused, exit 3', () => {
  const header = npyHeader('<f8', '(100,)');
  const y = fixture('y_f8_1d.npy');
  const z = buildZip([
    { name: 'X.npy', stored: deflatedZeros(header, 1.5 * 1024 ** 3), method: 8, size: header.length + 800 },
    { name: 'y.npy', stored: y, method: 0, size: y.length },
  ]);
  const file = join(dir, 'bomb.npz');
  writeFileSync(file, z);
  refusedWith(file, /^relu-lens: .*bomb\.npz: member "X": inflates to more than the 928 bytes the archive declares; inflating was stopped there/);
});

test('CLI: a CSV with 10^7 columns is refused at the column limit, exit 3', () => {
  const file = join(dir, 'wide.csv');
  const fd = openSync(file, 'w');
  const piece = '0,'.repeat(1e6);
  for (let i = 0; i < 10; i++) writeSync(fd, i < 9 ? piece : piece.slice(0, -1) + '\n');
  closeSync(fd);
  refusedWith(file, /^relu-lens: .*wide\.csv: row 1, column 1000001: the row has too many cells \(limit MAX_COLUMNS = 1,000,000 columns\)$/);
});

test('CLI: a CSV with a 1 GiB line is refused at the line limit, exit 3', () => {
  const file = join(dir, 'long.csv');
  const fd = openSync(file, 'w');
  writeSync(fd, 'x1,x2,y\n0.5,');
  ftruncateSync(fd, 1024 ** 3);
  writeSync(fd, '1\n', 1024 ** 3);
  closeSync(fd);
  refusedWith(file, /^relu-lens: .*long\.csv: row 2: the line is too long to read \(limit MAX_LINE_CHARS = 67,108,864 characters\)$/);
});
