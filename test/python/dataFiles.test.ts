import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { analyzeScript, dataContextFromDisk, lintScript, MAX_DATA_FILE_BYTES } from '../../src/core/python';

/**
 * Issue #17: lint read whatever file a script names (np.loadtxt("/dev/zero") hung). A data file
 * is read only when it is a regular file inside the script's folder or the workspace root
 * (after symlinks) and at most MAX_DATA_FILE_BYTES; otherwise it is reported as unresolved.
 */
const script = (dataPath: string) => `import numpy as np\nimport torch\nfrom torch import nn\nX = np.loadtxt(${JSON.stringify(dataPath)})
model = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 1))
opt = torch.optim.SGD(model.parameters(), lr=0.1, weight_decay=1e-3)
loss = nn.MSELoss()(model(X), X)
loss.backward()
`;
const CSV = 'a,b\n1,2\n3,4\n5,6\n';

function project(): { root: string; sub: string; done: () => void } {
  const root = mkdtempSync(path.join(tmpdir(), 'rl-data-'));
  const sub = path.join(root, 'scripts');
  mkdirSync(sub);
  return { root, sub, done: () => rmSync(root, { recursive: true, force: true }) };
}

async function fromDisk(dataPath: string, scriptDir: string, root?: string) {
  const file = path.join(scriptDir, 'train.py');
  writeFileSync(file, script(dataPath));
  const facts = await analyzeScript(script(dataPath), file);
  const ctx = dataContextFromDisk(facts, file, root);
  return { ctx, lint: lintScript(facts, ctx) };
}

test('a regular file in the script folder or the workspace root is read for n', async () => {
  const p = project();
  try {
    writeFileSync(path.join(p.sub, 'train.csv'), CSV);
    writeFileSync(path.join(p.root, 'all.csv'), CSV + '7,8\n');
    assert.deepEqual((await fromDisk('train.csv', p.sub, p.root)).ctx, { n: 3, unresolved: [] });
    assert.deepEqual((await fromDisk(path.join(p.sub, 'train.csv'), p.sub)).ctx, { n: 3, unresolved: [] });
    assert.deepEqual((await fromDisk('all.csv', p.sub, p.root)).ctx, { n: 4, unresolved: [] });
    assert.deepEqual((await fromDisk('../all.csv', p.sub, p.root)).ctx, { n: 4, unresolved: [] });
    // not there yet (the script generates it): nothing to say
    assert.deepEqual((await fromDisk('later.csv', p.sub, p.root)).ctx, { unresolved: [] });
  } finally {
    p.done();
  }
});

test('refused before reading: outside both folders, a symlink out, a directory, over the size cap', async () => {
  const p = project();
  const outside = mkdtempSync(path.join(tmpdir(), 'rl-out-'));
  try {
    writeFileSync(path.join(outside, 'secret.csv'), CSV);
    symlinkSync(path.join(outside, 'secret.csv'), path.join(p.sub, 'link.csv'));
    mkdirSync(path.join(p.sub, 'dir.csv'));
    writeFileSync(path.join(p.sub, 'huge.csv'), '');
    truncateSync(path.join(p.sub, 'huge.csv'), MAX_DATA_FILE_BYTES + 1); // sparse: no disk used
    const cases: [string, RegExp][] = [
      [path.join(outside, 'secret.csv'), /is outside the script's folder and the workspace root/],
      ['../../' + path.basename(outside) + '/secret.csv', /is outside the script's folder/],
      ['link.csv', /secret\.csv is outside the script's folder/],
      ['dir.csv', /is not a regular file/],
      ['huge.csv', /is 65 MB, over the 64 MB read to count rows/],
    ];
    for (const [written, why] of cases) {
      const { ctx, lint } = await fromDisk(written, p.sub, p.root);
      assert.equal(ctx.n, undefined, written);
      assert.equal(ctx.unresolved?.length, 1, written);
      assert.match(ctx.unresolved![0].what, why);
      const d = lint.find((x) => x.code === 'RL020' && x.message.includes('data file'));
      assert.ok(d, `${written}: lint reports the refused file`);
      assert.match(d.message, why);
      assert.equal(d.range.line, 3, 'at the np.loadtxt call');
    }
  } finally {
    p.done();
    rmSync(outside, { recursive: true, force: true });
  }
});

/**
 * Devices and FIFOs never end or never open: run in a child with a timeout, so a regression fails
 * this test instead of hanging the whole run.
 */
function inChild(dataPath: string, scriptDir: string): { hung: boolean; out: string } {
  const mod = path.resolve(__dirname, '..', '..', 'src', 'core', 'python', 'index.ts');
  const code = `const m = require(${JSON.stringify(mod)});
const file = ${JSON.stringify(path.join(scriptDir, 'train.py'))};
m.analyzeScript(${JSON.stringify(script(dataPath))}, file).then((facts) => console.log(JSON.stringify(m.dataContextFromDisk(facts, file))));`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', code], { encoding: 'utf8', timeout: 20_000 });
  return { hung: r.status === null, out: r.stdout + r.stderr };
}

test('/dev/zero, a symlink to it and a FIFO beside the script: reported, not read (no hang)', { skip: process.platform === 'win32' }, () => {
  const p = project();
  try {
    symlinkSync('/dev/zero', path.join(p.sub, 'zero.csv'));
    const fifo = spawnSync('mkfifo', [path.join(p.sub, 'pipe.csv')]).status === 0;
    const cases: [string, RegExp][] = [
      ['/dev/zero', /outside the script's folder/],
      ['zero.csv', /\/dev\/zero is outside/],
    ];
    if (fifo) cases.push(['pipe.csv', /pipe\.csv is not a regular file/]);
    for (const [written, why] of cases) {
      const r = inChild(written, p.sub);
      assert.ok(!r.hung, `${written}: lint hung reading it`);
      const ctx = JSON.parse(r.out.trim().split('\n').pop()!);
      assert.equal(ctx.n, undefined);
      assert.match(ctx.unresolved[0].what, why);
    }
  } finally {
    p.done();
  }
});
