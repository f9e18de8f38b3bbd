/**
 * The PyTorch snippet (issue #18 item 4): its weights, parsed back (not run — tests need no
 * Python), equal the JSON weights bit for bit, and its nn.Linear shapes and bias flags match.
 * Also through the CLI: `optimize --out FILE.py` beside the same run's --json.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { torchSnippet } from '../../src/core/report/torch';
import type { NetworkJson } from '../../src/core/report/analysisJson';
import { cli, ROOT } from '../cli/helpers';

/** The snippet's arrays (JSON literals are Python literals) and its module line. */
function parse(py: string) {
  const arr = (name: string) => {
    const m = new RegExp(`^${name} = (.*?)(  # .*)?$`, 'm').exec(py);
    assert.ok(m, `${name} missing`);
    return JSON.parse(m[1]);
  };
  const seq =
    /^model = nn\.Sequential\(nn\.Linear\((\d+), (\d+), bias=(True|False)\), nn\.ReLU\(\), nn\.Linear\((\d+), (\d+), bias=(True|False)\)\)\.double\(\)$/m.exec(
      py,
    );
  assert.ok(seq, 'nn.Sequential line');
  return {
    W1: arr('W1'),
    b1: arr('b1'),
    W2: arr('W2'),
    b2: arr('b2'),
    d: +seq[1],
    m: +seq[2],
    bias1: seq[3] === 'True',
    m2: +seq[4],
    c: +seq[5],
    bias2: seq[6] === 'True',
  };
}

test('the snippet holds exactly the JSON weights (awkward doubles included) and the right shapes', () => {
  const net: NetworkJson = {
    W1: [
      [0.1, -1 / 3],
      [1e-300, 5e-324],
      [-0, 123456789.12345679],
    ],
    b1: [Math.PI, -Math.E, 2 ** -40],
    W2: [
      [1 / 7, -2 / 9, 1e22],
      [0, 1, -1],
    ],
    b2: [0.30000000000000004, -7e-17],
  };
  const s = parse(torchSnippet(net, { label: 'optimum' }));
  assert.deepEqual({ W1: s.W1, b1: s.b1, W2: s.W2, b2: s.b2 }, { ...net, W1: net.W1.map((r) => r.map((x) => (Object.is(x, -0) ? 0 : x))) });
  assert.deepEqual([s.d, s.m, s.m2, s.c, s.bias1, s.bias2], [2, 3, 3, 2, true, true]);
  // no biases: bias=False, and no copy into a missing bias
  const nb = torchSnippet({ ...net, b1: null, b2: null });
  assert.deepEqual([parse(nb).bias1, parse(nb).bias2], [false, false]);
  assert.ok(!/\.bias\.copy_/.test(nb));
  // a head is named, not silently applied
  assert.match(torchSnippet(net, { head: 'sigmoid' }), /# model\.append\(nn\.Sigmoid\(\)\)/);
});

test('optimize --out FILE.py: the weights of the optimum of the same run', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rl-torch-'));
  const out = path.join(dir, 'optimum.py');
  const fx = path.join(ROOT, 'test', 'fixtures', 'trained', 'converged-1d');
  const r = cli(['optimize', path.join(fx, 'model.onnx'), '--data', path.join(fx, 'train.csv'), '--weight-decay', '0.01', '--out', out, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  const s = parse(readFileSync(out, 'utf8'));
  assert.deepEqual({ W1: s.W1, b1: s.b1, W2: s.W2, b2: s.b2 }, j.optimum.network);
  assert.equal(s.m, j.optimum.network.W1.length);
});
