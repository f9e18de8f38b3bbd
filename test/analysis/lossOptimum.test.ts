/**
 * The proven optimum for the classification losses (issue #16 item 4): analyze() (what `optimize`
 * and the panel run) ends with label 'optimum' for hinge, logistic and softmax cross-entropy when
 * the oracle is exact, and the JSON names the dual point that proved it.
 *
 * Independent references (test/analysis/lossOptimumReference.ts, nothing from src/core):
 *  - hinge and logistic: the convex program of MATH.md §4 over ALL activation patterns, solved by a
 *    dense log-barrier interior-point method;
 *  - every loss: the bracket [D(sΛ), P] computed here — P from the optimum's weights with plain
 *    loops, D from the JSON's dual point Λ with this file's own conjugates and its own exact
 *    oracle M (s = min(1, β/M)); weak duality puts P* inside it, so its width bounds how far the
 *    reported value can be from P*.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { readModelFile } from '../../src/core/onnx';
import { loadDataset } from '../../src/core/data';
import { analyze } from '../../src/core/analysis';
import { settingsFromOptions } from '../../src/core/config/options';
import { smallProblem, train, writeCase, plainObjective, type Loss, type Net } from './lossOptimumData';
import { centreRows, denseSolve, independentLowerBound, withOnes } from './lossOptimumReference';

const BETA = 0.1;

async function optimumOf(loss: Loss, n: number, d: number, seed: number) {
  const c = loss === 'cross-entropy' ? 3 : 1;
  const pb = smallProblem(n, d, c, seed);
  const net = train(pb, 8, BETA, loss, 500, seed + 1, 0.05);
  const dir = mkdtempSync(path.join(tmpdir(), 'rl-lossopt-'));
  const f = writeCase(dir, net, pb, loss);
  const { model } = await readModelFile(f.model);
  const data = await loadDataset(f.data, { expectD: d, expectC: 1 });
  const settings = settingsFromOptions(model, { beta: BETA, timeBudgetMs: 120_000 });
  const { json, optimal } = await analyze(model, data, settings, { loss, interpret: false, geometry: false });
  return { pb, json, optimal, c };
}

const cases: { loss: Loss; n: number; d: number; seed: number; dense: boolean }[] = [
  { loss: 'logistic', n: 10, d: 1, seed: 11, dense: true },
  { loss: 'hinge', n: 10, d: 1, seed: 11, dense: true },
  { loss: 'logistic', n: 6, d: 2, seed: 11, dense: true },
  { loss: 'hinge', n: 6, d: 2, seed: 11, dense: true },
  { loss: 'hinge', n: 12, d: 2, seed: 11, dense: false },
  { loss: 'cross-entropy', n: 10, d: 2, seed: 11, dense: false },
  { loss: 'cross-entropy', n: 12, d: 1, seed: 5, dense: false },
];

for (const { loss, n, d, seed, dense } of cases) {
  test(`${loss}, n = ${n}, d = ${d}: the optimum is proven (label 'optimum') and equals the independent reference to 1e-6`, async (t) => {
    const { pb, json, optimal, c } = await optimumOf(loss, n, d, seed);
    const o = json.optimum! as typeof json.optimum & {
      dualPoint: { value: number; lambda?: number[][]; source: string; oracleMethod: string; mUpper: number | null; scale: number | null } | null;
    };
    assert.ok(o, 'an optimum is reported');
    assert.equal(o.label, 'optimum', `relative gap ${o.relGap}, ${o.stopReason}`);
    assert.equal(o.exact, true);
    assert.ok(o.relGap <= 1e-6, `relative gap ${o.relGap}`);
    assert.ok(optimal, 'analyze returns the optimal network');
    // the value is the objective of the reported weights (plain loops here)
    const w = o.network as unknown as Net;
    const P = plainObjective({ W1: w.W1, b1: w.b1!, W2: w.W2, b2: w.b2! }, pb, BETA, loss);
    assert.ok(Math.abs(P - o.value) <= 1e-9 * P, `value ${o.value} vs recomputed ${P}`);
    // the dual point that proved it is in the JSON, and it proves it here too (own conjugate, own oracle)
    const dp = o.dualPoint!;
    assert.ok(dp, 'the JSON names the dual point');
    assert.equal(dp.value, o.lowerBound);
    assert.ok(dp.lambda && dp.lambda.length === n && dp.lambda[0].length === c);
    const L = loss === 'cross-entropy' ? centreRows(dp.lambda!) : dp.lambda!;
    const ind = independentLowerBound(withOnes(pb.X), L, pb.y, c, BETA, loss);
    assert.ok(ind.value <= P * (1 + 1e-12), `independent dual ${ind.value} above the primal ${P}`);
    assert.ok((P - ind.value) / P <= 1e-6, `independent bracket [${ind.value}, ${P}] (M/β = ${ind.M / BETA})`);
    // the certificate is refined with the optimum's bound (one interval for the whole report)
    assert.ok(json.dualBound >= o.lowerBound - 1e-12 * Math.abs(o.lowerBound));
    assert.ok(json.pstarInterval[1] <= o.value + 1e-12 * o.value);
    if (dense) {
      const ref = denseSolve(pb.X, pb.y, BETA, loss as 'hinge' | 'logistic');
      t.diagnostic(`${loss} n=${n} d=${d}: optimum ${o.value}, dense all-pattern reference ${ref.value} (${ref.cells} cells, ${ref.newtonSteps} Newton steps)`);
      assert.ok(Math.abs(ref.value - o.value) <= 1e-6 * o.value, `optimum ${o.value} vs dense reference ${ref.value}`);
    } else t.diagnostic(`${loss} n=${n} d=${d}: optimum ${o.value}, independent bracket [${ind.value}, ${P}]`);
  });
}
