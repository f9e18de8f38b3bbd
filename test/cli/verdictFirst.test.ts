/**
 * The verdict first (issue #18 item 2): `certify` prints its verdict as soon as the certificate has
 * it, before the optimum search; the search after it is bounded by a work budget
 * (--optimum-iterations), so the same inputs give the same numbers. The ORDER of events and output
 * is tested, never the wall-clock time.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { cli } from './helpers';
import { regression100 } from '../report/problems';
import { readModelBytes } from '../../src/core/onnx';
import { parseDataset } from '../../src/core/data';
import { analysisPlan, analyze } from '../../src/core/analysis';
import { settingsFromOptions } from '../../src/core/config/options';

const p = regression100();
const dir = mkdtempSync(path.join(tmpdir(), 'rl-first-'));
const modelPath = path.join(dir, 'model.onnx');
const dataPath = path.join(dir, 'train.csv');
writeFileSync(modelPath, p.onnx);
writeFileSync(dataPath, p.csv);
const model = readModelBytes(p.onnx, { file: modelPath });
const data = parseDataset(new TextEncoder().encode(p.csv), { file: dataPath, expectD: 2, expectC: 1 });

async function run(optimumIterations: number) {
  const events: string[] = [];
  const settings = settingsFromOptions(model, { beta: p.beta, optimumIterations });
  settings.onStage = (stage) => events.push(`stage:${stage}`);
  const out = await analyze(model, data, settings, { ...analysisPlan('certify'), onVerdict: (v) => events.push(`verdict:${v.verdict}`) });
  return { events, json: out.json };
}

/** The JSON without its wall-clock fields. */
const numbers = (j: object) => JSON.stringify(j, (k, v) => (k === 'timings' ? undefined : v));

test('the verdict is known before the optimum search starts; the search is bounded by its work budget and deterministic', async () => {
  const a = await run(4);
  const iVerdict = a.events.findIndex((e) => e.startsWith('verdict:'));
  const iOptimum = a.events.indexOf('stage:optimum');
  assert.ok(iVerdict >= 0 && iOptimum > iVerdict, a.events.join(', '));
  assert.equal(a.events.filter((e) => e.startsWith('verdict:')).length, 1);
  const o = a.json.optimum!;
  assert.ok(o.iterations! <= 4, `iterations ${o.iterations}`);
  assert.doesNotMatch(String(o.stopReason), /wall|time|safety/);
  // the same inputs and budget: the same numbers, to the last bit
  const b = await run(4);
  assert.equal(numbers(b.json), numbers(a.json));
  // the budget is what stopped it: a larger one goes further (or converges)
  const c = await run(8);
  assert.ok(
    c.json.optimum!.iterations! > o.iterations! || /converged|certified|gap/.test(String(c.json.optimum!.stopReason)),
    String(c.json.optimum!.stopReason),
  );
  assert.ok(c.json.optimum!.value <= o.value + 1e-12 * Math.abs(o.value));
});

test('certify prints the verdict block first, the optimum after it; a refinement is printed as such', () => {
  const r = cli(['certify', modelPath, '--data', dataPath, '--beta', String(p.beta), '--optimum-iterations', '3']);
  assert.equal(r.code, 10, r.stderr);
  const lines = r.stdout.split('\n');
  assert.match(lines[0], /^NOT OPTIMAL — a better network exists {2}\(tolerance 0\.01%\)$/);
  const iPstar = lines.findIndex((l) => /^ {2}P\* ∈ \[/.test(l));
  assert.ok(iPstar > 0 && iPstar <= 8, r.stdout);
  const iOpt = lines.findIndex((l) => /^ {2}(Optimal network|Best network found)/.test(l));
  const iBeta = lines.findIndex((l) => l.startsWith('  β = '));
  assert.ok(iOpt > iBeta && iBeta > iPstar, r.stdout);
  // refined verdict blocks are labelled; the first block is never repeated unchanged
  const firstBlock = lines.slice(0, iPstar + 1).join('\n');
  assert.equal(r.stdout.split(firstBlock).length, 2, 'the verdict block is printed once');
  const iRef = lines.indexOf('Refined by the optimum search:');
  if (iRef >= 0) assert.ok(iRef < iBeta);
  // --json: one JSON document, nothing printed early
  const j = cli(['certify', modelPath, '--data', dataPath, '--beta', String(p.beta), '--optimum-iterations', '3', '--json']);
  assert.equal(j.stdout.trim().split('\n').length, 1);
  assert.equal(JSON.parse(j.stdout).verdict, 'not-optimal');
});

test('--no-optimum: the verdict and no optimum search; --optimum-iterations is a whole number', () => {
  const r = cli(['certify', modelPath, '--data', dataPath, '--beta', String(p.beta), '--no-optimum', '--json']);
  assert.equal(r.code, 10, r.stderr);
  assert.equal(JSON.parse(r.stdout).optimum, null);
  const bad = cli(['certify', modelPath, '--data', dataPath, '--beta', String(p.beta), '--optimum-iterations', '2.5']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--optimum-iterations must be a whole number/);
});
