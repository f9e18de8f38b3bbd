/**
 * Issue #17 item 3: --out/--report are written atomically (temp file in the target's folder, fsync,
 * rename), a failed write leaves the previous file byte-identical, and bad targets (dangling symbolic
 * link, directory, FIFO, device, missing folder) are refused before any analysis runs.
 * Failures are injected through writeFileAtomic's io parameter, or made real with RLIMIT_FSIZE
 * (EFBIG also hits root, unlike chmod).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { cli, ROOT } from './helpers';
import { nodeIo, writeFileAtomic, type WriteIo } from '../../src/core/io/atomicWrite';
import { ReluLensError } from '../../src/core/errors';

const CASE = path.join(ROOT, 'test', 'fixtures', 'trained', 'converged-1d');
const WD = String(JSON.parse(fs.readFileSync(path.join(CASE, 'case.json'), 'utf8')).weightDecay);
const optimize = (...rest: string[]) => ['optimize', path.join(CASE, 'model.onnx'), '--data', path.join(CASE, 'train.csv'), '--weight-decay', WD, ...rest];
const PREVIOUS = Buffer.from('{"previous": "the user\'s earlier result, which must survive a failed write"}\n'.repeat(50));
const posix = process.platform !== 'win32';

function freshDir(): string {
  return fs.mkdtempSync(path.join(tmpdir(), 'rl-write-'));
}

const fsError = (code: string) => Object.assign(new Error(`${code}: injected failure`), { code });

test('a write that fails midway (ENOSPC after a partial write, or at fsync/close/rename) leaves the previous file byte-identical and no temp file', () => {
  const failures: Record<string, Partial<WriteIo>> = {
    'partial write': {
      writeSync: (fd, data, off, len) => {
        nodeIo.writeSync(fd, data, off, Math.min(len, 7)); // some bytes reach the disk, then the disk is full
        throw fsError('ENOSPC');
      },
    },
    fsync: {
      fsyncSync: () => {
        throw fsError('EIO');
      },
    },
    close: {
      closeSync: (fd) => {
        nodeIo.closeSync(fd);
        throw fsError('EIO');
      },
    },
    rename: {
      renameSync: () => {
        throw fsError('EXDEV');
      },
    },
  };
  for (const [stage, override] of Object.entries(failures)) {
    const dir = freshDir();
    const out = path.join(dir, 'optimal.json');
    fs.writeFileSync(out, PREVIOUS);
    assert.throws(
      () => writeFileAtomic('--out', out, 'the new, complete result\n', true, { ...nodeIo, ...override }),
      (e: unknown) => e instanceof ReluLensError && e.kind === 'internal' && e.message.includes(out) && /previous file is unchanged/.test(e.message),
      stage,
    );
    assert.deepEqual(fs.readFileSync(out), PREVIOUS, `${stage}: previous file changed`);
    assert.deepEqual(fs.readdirSync(dir), ['optimal.json'], `${stage}: temp file left behind`);
  }
});

test('a real EFBIG (RLIMIT_FSIZE) during optimize --out --force: exit 1, one line naming the file, previous file byte-identical', { skip: !posix }, () => {
  const dir = freshDir();
  const out = path.join(dir, 'optimal.json');
  fs.writeFileSync(out, PREVIOUS);
  // 'ulimit -f 0' makes every write to a regular file fail with EFBIG; SIGXFSZ ignored so node sees the error
  const cmd = `trap '' XFSZ; ulimit -f 0; exec "$0" "$@"`;
  const r = spawnSync('bash', ['-c', cmd, process.execPath, path.join(ROOT, 'dist', 'cli.js'), ...optimize('--out', out, '--force')], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.deepEqual(fs.readFileSync(out), PREVIOUS);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /^relu-lens: --out: could not write .*optimal\.json \(EFBIG.*\); the previous file is unchanged\n$/);
  assert.deepEqual(fs.readdirSync(dir), ['optimal.json']);
});

test('--force replaces atomically: a new file is renamed over the old one (a hard link to the old one keeps the old bytes), mode kept, no temp left', {
  skip: !posix,
}, () => {
  const dir = freshDir();
  const out = path.join(dir, 'optimal.json');
  fs.writeFileSync(out, PREVIOUS);
  fs.chmodSync(out, 0o666); // group/other write: bits a typical umask (022) would drop from a new file
  fs.linkSync(out, path.join(dir, 'old-inode.json')); // an in-place write would change this name's bytes too
  const r = cli(optimize('--out', out, '--force', '--json'));
  assert.equal(r.code, 0, r.stderr);
  const written = JSON.parse(fs.readFileSync(out, 'utf8'));
  assert.equal(written.label, 'optimum');
  assert.deepEqual(fs.readFileSync(path.join(dir, 'old-inode.json')), PREVIOUS);
  assert.equal(fs.statSync(out).mode & 0o777, 0o666);
  assert.deepEqual(fs.readdirSync(dir).sort(), ['old-inode.json', 'optimal.json']);
});

test('--force through a symbolic link to a regular file replaces the file it points to and keeps the link', { skip: !posix }, () => {
  const dir = freshDir();
  const real = path.join(dir, 'real.md');
  const link = path.join(dir, 'report.md');
  fs.writeFileSync(real, PREVIOUS);
  fs.symlinkSync('real.md', link);
  const r = cli(['certify', ...optimize('--report', link, '--force').slice(1)]);
  assert.ok([0, 10, 11].includes(r.code), r.stderr);
  assert.ok(fs.lstatSync(link).isSymbolicLink());
  assert.match(fs.readFileSync(real, 'utf8'), /^# /);
  assert.deepEqual(fs.readdirSync(dir).sort(), ['real.md', 'report.md']);
});

test('a dangling symbolic link as --out is refused (with and without --force) and nothing is created where it points', { skip: !posix }, () => {
  const dir = freshDir();
  const dest = path.join(dir, 'elsewhere', 'target.json');
  fs.mkdirSync(path.dirname(dest));
  const link = path.join(dir, 'optimal.json');
  fs.symlinkSync(dest, link);
  for (const force of [[], ['--force']]) {
    const r = cli(optimize('--out', link, ...force));
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr.split('\n')[0], `relu-lens: --out: ${link} is a dangling symbolic link (to ${dest}); remove it or choose another path`);
    assert.equal(fs.existsSync(dest), false);
    assert.ok(fs.lstatSync(link).isSymbolicLink());
  }
});

test('non-regular targets (directory, FIFO, device) are refused before the analysis, even with --force', { skip: !posix }, () => {
  const dir = freshDir();
  const asDir = path.join(dir, 'a-folder.json');
  fs.mkdirSync(asDir);
  const fifo = path.join(dir, 'pipe.json');
  const mk = spawnSync('mkfifo', [fifo]);
  const device = path.join(dir, 'null.json');
  fs.symlinkSync('/dev/null', device);
  const cases: [string, RegExp][] = [
    [asDir, /is a directory, not a file$/],
    [device, /is a device, not a regular file$/],
  ];
  if (mk.status === 0) cases.push([fifo, /is a named pipe \(FIFO\), not a regular file$/]); // an in-place write would block on it
  for (const [target, why] of cases) {
    const r = cli(optimize('--out', target, '--force'), { timeoutMs: 60_000 });
    assert.equal(r.code, 2, `${target}: ${r.stderr}`);
    assert.equal(r.stdout, '');
    const line = r.stderr.split('\n')[0];
    assert.ok(line.startsWith(`relu-lens: --out: ${target} `), line);
    assert.match(line, why);
  }
  assert.ok(fs.statSync(asDir).isDirectory());
  assert.deepEqual(fs.readdirSync(asDir), []);
});

test('a missing output folder is refused before the analysis: the model is never even read', () => {
  const dir = freshDir();
  const missing = path.join(dir, 'no-such-folder');
  // The model and data do not exist: had anything been loaded, the error would name them (exit 3).
  const absent = ['optimize', path.join(dir, 'absent.onnx'), '--data', path.join(dir, 'absent.csv'), '--weight-decay', '1e-3'];
  for (const [flag, file] of [
    ['--out', path.join(missing, 'o.onnx')],
    ['--report', path.join(missing, 'r.html')],
  ]) {
    const r = cli([...absent, flag, file]);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr.split('\n')[0], `relu-lens: ${flag}: cannot write ${file}: folder ${missing} does not exist`);
  }
  // certify --report too, with a real model: no verdict is printed, the folder is not created
  const r = cli(['certify', ...optimize('--report', path.join(missing, 'r.md')).slice(1)]);
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^relu-lens: --report: cannot write .*r\.md: folder .*no-such-folder does not exist\n/);
  assert.equal(fs.existsSync(missing), false);
  // a file where a folder should be
  const notDir = path.join(dir, 'plain.txt');
  fs.writeFileSync(notDir, 'x');
  const f = cli([...absent, '--out', path.join(notDir, 'o.json')]);
  assert.equal(f.code, 2, f.stderr);
  assert.match(f.stderr, /^relu-lens: --out: cannot write .*: .*plain\.txt is not a folder\n/);
});

test('without --force an existing file is never replaced, not even one that appears while the analysis runs', () => {
  const dir = freshDir();
  const out = path.join(dir, 'optimal.json');
  fs.writeFileSync(out, PREVIOUS);
  const r = cli(optimize('--out', out));
  assert.equal(r.code, 2);
  assert.match(r.stderr, /already exists; add --force to overwrite it/);
  assert.deepEqual(fs.readFileSync(out), PREVIOUS);
  // the race: the target is created between the check and the final rename
  const late = path.join(dir, 'late.json');
  const racing: WriteIo = {
    ...nodeIo,
    linkSync: (from, to) => {
      fs.writeFileSync(late, PREVIOUS);
      nodeIo.linkSync(from, to);
    },
    renameSync: (from, to) => {
      fs.writeFileSync(late, PREVIOUS);
      nodeIo.renameSync(from, to);
    },
  };
  assert.throws(() => writeFileAtomic('--out', late, 'new\n', false, racing), /late\.json appeared while the analysis ran; add --force/);
  assert.deepEqual(fs.readFileSync(late), PREVIOUS);
  assert.deepEqual(fs.readdirSync(dir).sort(), ['late.json', 'optimal.json']);
});
