/**
 * `relu-lens optimize` with the classification losses, run as a user would (dist/cli.js; `npm run
 * build` first): on the torch-trained fixtures of test/fixtures/losses (scripts/fixtures/make_losses.py;
 * X and y in case.json, written here as train.csv) the optimum is proven — exit 0, label 'optimum' —
 * for the logistic loss (logistic-2d), the hinge (the same data and model with --loss hinge) and
 * softmax cross-entropy (ce-2d, c = 3); the JSON names the dual point that proved it, and the value is
 * the objective of the written weights, recomputed here with plain loops.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { cli, ROOT } from './helpers';

const LOSSES = path.join(ROOT, 'test', 'fixtures', 'losses');

type Loss = 'hinge' | 'logistic' | 'cross-entropy';

function fixture(name: string) {
  const dir = path.join(LOSSES, name);
  const cs = JSON.parse(readFileSync(path.join(dir, 'case.json'), 'utf8')) as { X: number[][]; y: number[]; beta: number };
  const tmp = mkdtempSync(path.join(tmpdir(), 'rl-optloss-'));
  const csv = path.join(tmp, 'train.csv');
  const d = cs.X[0].length;
  writeFileSync(
    csv,
    [[...Array.from({ length: d }, (_, k) => `x${k + 1}`), 'y'].join(','), ...cs.X.map((x, i) => [...x.map(String), String(cs.y[i])].join(','))].join('\n') +
      '\n',
  );
  return { model: path.join(dir, 'model.onnx'), csv, tmp, cs };
}

interface NetJson {
  W1: number[][];
  b1: number[];
  W2: number[][];
  b2: number[];
}

/** Σℓ + (β/2)‖θ‖² (both biases decayed), plain loops */
function plain(w: NetJson, X: number[][], y: number[], beta: number, loss: Loss): number {
  let s = 0;
  X.forEach((x, i) => {
    const h = w.W1.map((u, j) =>
      Math.max(
        0,
        u.reduce((a, uk, k) => a + uk * x[k], w.b1[j]),
      ),
    );
    const f = w.W2.map((v, k) => v.reduce((a, vj, j) => a + vj * h[j], w.b2[k]));
    if (loss === 'cross-entropy') {
      const mx = Math.max(...f);
      s += mx + Math.log(f.reduce((a, v) => a + Math.exp(v - mx), 0)) - f[y[i]];
    } else {
      const t = (y[i] > 0 ? 1 : -1) * f[0];
      s += loss === 'hinge' ? Math.max(0, 1 - t) : t > 0 ? Math.log1p(Math.exp(-t)) : -t + Math.log1p(Math.exp(t));
    }
  });
  const sq = (a: number[]) => a.reduce((t, v) => t + v * v, 0);
  return s + (beta / 2) * (w.W1.reduce((t, r) => t + sq(r), 0) + sq(w.b1) + w.W2.reduce((t, r) => t + sq(r), 0) + sq(w.b2));
}

for (const [name, loss] of [
  ['logistic-2d', 'logistic'],
  ['logistic-2d', 'hinge'],
  ['ce-2d', 'cross-entropy'],
] as const) {
  test(`optimize ${name} --loss ${loss}: exit 0, a proven optimum, the dual point that proved it in the JSON`, () => {
    const { model, csv, tmp, cs } = fixture(name);
    const out = path.join(tmp, 'optimum.json');
    const r = cli(['optimize', model, '--data', csv, '--beta', String(cs.beta), '--loss', loss, '--json', '--out', out], { timeoutMs: 300_000 });
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal(j.loss.name, loss);
    const o = j.optimum;
    assert.equal(o.label, 'optimum');
    assert.equal(o.exact, true);
    assert.ok(o.relGap <= 1e-6 && o.lowerBound <= o.value, `relative gap ${o.relGap}`);
    // which dual point proved it: its bound is the optimum's lower bound, M̄ ≥ M(Λ0) fixed its scale
    const dp = o.dualPoint;
    assert.ok(dp && typeof dp.description === 'string', 'optimum.dualPoint');
    assert.equal(dp.value, o.lowerBound);
    assert.equal(dp.source, 'optimum-column-generation');
    assert.ok(dp.scale > 0 && dp.scale <= 1 && dp.mUpper * dp.scale <= cs.beta * (1 + 1e-9), `s = ${dp.scale}, M̄ = ${dp.mUpper}`);
    assert.equal(dp.lambda.length, cs.X.length);
    assert.equal(dp.lambda[0].length, loss === 'cross-entropy' ? 3 : 1);
    // the value is the objective of the weights (written file and stdout agree)
    const written = JSON.parse(readFileSync(out, 'utf8'));
    assert.deepEqual(written.network, o.network);
    assert.equal(written.label, 'optimum');
    assert.deepEqual(written.dualPoint, dp);
    const P = plain(o.network, cs.X, cs.y, cs.beta, loss);
    assert.ok(Math.abs(P - o.value) <= 1e-9 * P, `value ${o.value} vs recomputed ${P}`);
    // the certificate of the trained network uses the same interval
    assert.ok(j.pstarInterval[0] <= o.value && j.pstarInterval[1] <= o.value * (1 + 1e-12));
  });
}

test('optimize (human output) with a classification loss names the dual point behind P* ≥ …', () => {
  const { model, csv, cs } = fixture('logistic-2d');
  const r = cli(['optimize', model, '--data', csv, '--beta', String(cs.beta)], { timeoutMs: 300_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Optimal network \(P\*\)/);
  assert.match(r.stdout, /lower bound P\* ≥ [0-9.]+ from the dual point of column-generation iteration \d+ \(oracle exact-[a-z0-9-]+, M̄ = /);
});
