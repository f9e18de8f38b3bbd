import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { cli, ROOT } from './helpers';

/**
 * Networks trained with the real torch (test/fixtures/trained, made by
 * scripts/fixtures/train_cases.py). The independent oracle is numpy: P_bal of the weights as
 * stored in the ONNX file and a reference P* interval, both computed in Python.
 */
const TRAINED = path.join(ROOT, 'test', 'fixtures', 'trained');
interface Case {
  case: string;
  model: string;
  data: string;
  weightDecay: number;
  reduction: 'mean' | 'sum';
  beta: number;
  P_bal: number;
  pstar: number;
  pstarRelAccuracy: number;
  expectedVerdict: string;
  labels?: string[];
}
const cases: Case[] = existsSync(path.join(TRAINED, 'manifest.json')) ? JSON.parse(readFileSync(path.join(TRAINED, 'manifest.json'), 'utf8')) : [];

/** Independent forward pass + objective for a witness (plain arrays, nothing from src/). */
function objective(w: { W1: number[][]; b1: number[] | null; W2: number[][]; b2: number[] | null }, X: number[][], Y: number[][], beta: number) {
  let loss = 0;
  for (let i = 0; i < X.length; i++) {
    const h = w.W1.map((u, j) =>
      Math.max(
        0,
        u.reduce((s, uk, k) => s + uk * X[i][k], w.b1 ? w.b1[j] : 0),
      ),
    );
    for (let k = 0; k < Y[0].length; k++) {
      const f = w.W2[k].reduce((s, v, j) => s + v * h[j], w.b2 ? w.b2[k] : 0);
      loss += (f - Y[i][k]) ** 2;
    }
  }
  const sq = (a: number[] | number[][] | null): number =>
    a ? (a as (number | number[])[]).reduce<number>((s, x) => s + (Array.isArray(x) ? sq(x) : x * x), 0) : 0;
  return 0.5 * loss + (beta / 2) * (sq(w.W1) + sq(w.b1) + sq(w.W2) + sq(w.b2));
}

/** ½‖R‖² + β Σ_alive ‖[u_j; b1_j]‖‖v_j‖ + (β/2)‖b2‖²: hidden and output bias decayed. */
function balancedObjective(
  w: { W1: number[][]; b1: number[] | null; W2: number[][]; b2: number[] | null },
  data: { X: number[][]; Y: number[][] },
  beta: number,
) {
  const { X, Y } = data;
  let loss = 0;
  const alive = w.W1.map(() => false);
  for (let i = 0; i < X.length; i++) {
    const h = w.W1.map((u, j) =>
      Math.max(
        0,
        u.reduce((s, uk, k) => s + uk * X[i][k], w.b1 ? w.b1[j] : 0),
      ),
    );
    h.forEach((v, j) => (alive[j] ||= v > 0));
    for (let k = 0; k < Y[0].length; k++) loss += (w.W2[k].reduce((s, v, j) => s + v * h[j], w.b2 ? w.b2[k] : 0) - Y[i][k]) ** 2;
  }
  let pen = 0;
  w.W1.forEach((u, j) => {
    if (!alive[j]) return;
    const un = Math.hypot(...u, w.b1 ? w.b1[j] : 0);
    const vn = Math.hypot(...w.W2.map((r) => r[j]));
    pen += un * vn;
  });
  const b2 = w.b2 ? w.b2.reduce((s, x) => s + x * x, 0) : 0;
  return 0.5 * loss + beta * pen + (beta / 2) * b2;
}

function readCsv(file: string, c: number) {
  const lines = readFileSync(file, 'utf8').trim().split(/\r?\n/).slice(1);
  const rows = lines.map((l) => l.split(',').map(Number));
  return { X: rows.map((r) => r.slice(0, r.length - c)), Y: rows.map((r) => r.slice(r.length - c)) };
}

for (const cs of cases) {
  test(`certify ${cs.case}: verdict ${cs.expectedVerdict}, numbers agree with numpy`, () => {
    const args = [
      'certify',
      path.join(TRAINED, cs.model),
      '--data',
      path.join(TRAINED, cs.data),
      '--weight-decay',
      String(cs.weightDecay),
      '--reduction',
      cs.reduction,
      '--json',
    ];
    const r = cli(args);
    const j = JSON.parse(r.stdout);
    assert.equal(j.verdict, cs.expectedVerdict, `${cs.case}: ${j.summary}`);
    assert.equal(r.code, { certified: 0, 'not-optimal': 10, inconclusive: 11 }[cs.expectedVerdict as string]);
    assert.ok(Math.abs(j.beta - cs.beta) <= 1e-12 * cs.beta, `β ${j.beta} vs ${cs.beta}`);
    const caseJson = JSON.parse(readFileSync(path.join(TRAINED, path.dirname(cs.model), 'case.json'), 'utf8'));
    assert.ok(
      Math.abs(j.primalAsTrained - caseJson.P_asTrained) <= 1e-9 * caseJson.P_asTrained,
      `P as trained ${j.primalAsTrained} vs numpy ${caseJson.P_asTrained}`,
    );
    // P_bal (MATH.md §3.1: rebalanced, dead neurons dropped) recomputed here from the inspected weights
    const w = JSON.parse(cli(['inspect', path.join(TRAINED, cs.model), '--json']).stdout);
    const pBal = balancedObjective(w, readCsv(path.join(TRAINED, cs.data), Y0(cs)), j.beta);
    assert.ok(Math.abs(j.primal - pBal) <= 1e-9 * pBal, `P_bal ${j.primal} vs independent ${pBal}`);
    if (j.neurons.every((n: { dead: boolean }) => !n.dead))
      assert.ok(Math.abs(j.primal - cs.P_bal) <= 1e-9 * cs.P_bal, `P_bal ${j.primal} vs numpy ${cs.P_bal}`);
    // weak duality against the reference: the dual bound can never exceed P* (reference upper end)
    const refUpper = Math.min(cs.pstar * (1 + cs.pstarRelAccuracy), cs.P_bal);
    assert.ok(j.dualBound <= refUpper * (1 + 1e-12), `dual bound ${j.dualBound} above P* ≤ ${refUpper}`);
    assert.ok(j.pstarInterval[0] <= j.pstarInterval[1]);
    if (j.verdict === 'certified') assert.ok(j.relGap <= j.tol);
    if (j.verdict === 'not-optimal') {
      assert.ok(j.witness, 'not optimal needs a witness');
      const { X, Y } = readCsv(path.join(TRAINED, cs.data), Y0(cs));
      const obj = objective(j.witness, X, Y, j.beta);
      assert.ok(Math.abs(obj - j.witness.objective) <= 1e-9 * obj, `witness objective ${j.witness.objective} recomputes to ${obj}`);
      assert.ok(obj < j.primal * (1 - j.tol), `witness ${obj} must beat P_bal ${j.primal} by the tolerance`);
    }
  });
}
function Y0(cs: Case) {
  return cs.labels?.length ?? (cs as unknown as { c: number }).c ?? 1;
}

test('certify --report writes Markdown and HTML, escapes, and never overwrites without --force', () => {
  const cs = cases[0];
  if (!cs) return;
  const dir = mkdtempSync(path.join(tmpdir(), 'rl-report-'));
  const base = ['certify', path.join(TRAINED, cs.model), '--data', path.join(TRAINED, cs.data), '--weight-decay', String(cs.weightDecay)];
  const md = path.join(dir, 'r.md'),
    html = path.join(dir, 'r.html');
  assert.ok([0, 10, 11].includes(cli([...base, '--report', md]).code));
  assert.ok([0, 10, 11].includes(cli([...base, '--report', html]).code));
  assert.match(readFileSync(md, 'utf8'), /^# ReLU Lens certificate/);
  const h = readFileSync(html, 'utf8');
  assert.match(h, /Content-Security-Policy/);
  assert.doesNotMatch(h, /<script/i);
  writeFileSync(md, 'precious');
  const again = cli([...base, '--report', md]);
  assert.equal(again.code, 2);
  assert.match(again.stderr, /already exists/);
  assert.equal(readFileSync(md, 'utf8'), 'precious');
  assert.ok([0, 10, 11].includes(cli([...base, '--report', md, '--force']).code));
  assert.notEqual(readFileSync(md, 'utf8'), 'precious');
});
