import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { cli, ROOT } from '../cli/helpers';
import { analyzeScript, lintScript, CODES } from '../../src/core/python';

/**
 * The real pipeline on the two torch-trained examples: `relu-lens certify --json` (the built CLI)
 * produces the verdict, lintScript puts it on the export line of the script that trained the model.
 */
const S = path.join(ROOT, 'test', 'fixtures', 'scripts');

async function exportDiagnostics(dir: string, wd: string) {
  const r = cli(['certify', `${dir}/model.onnx`, '--data', `${dir}/data.csv`, '--weight-decay', wd, '--reduction', 'sum', '--json'], { cwd: S });
  const json = JSON.parse(r.stdout);
  const facts = await analyzeScript(readFileSync(path.join(S, dir, 'train.py'), 'utf8'), `${dir}/train.py`);
  const ds = lintScript(facts, { scriptMtime: 1, verdictsKnown: true, exports: { 'model.onnx': { exists: true, mtime: 2, verdict: json, verdictAt: 3 } } });
  return { code: r.code, json, ds };
}

test('trained-example: certified, shown as Information at torch.onnx.export; the script β is the certificate β', async () => {
  const { code, json, ds } = await exportDiagnostics('trained-example', '2e-2');
  assert.equal(code, 0);
  assert.equal(json.verdict, 'certified');
  const [v] = ds.filter((d) => d.code === CODES.verdict);
  assert.equal(v.severity, 'information');
  assert.equal(v.range.line, 36);
  assert.match(v.message, /certified globally optimal/);
  assert.equal(ds.filter((d) => d.code === CODES.betaMismatch || d.code === CODES.shapeMismatch).length, 0);
  const beta = ds.find((d) => d.code === CODES.beta)!;
  assert.equal(beta.related?.beta, json.beta);
});

test('trained-not-optimal: Warning with the witness objective and the gap', async () => {
  const { code, json, ds } = await exportDiagnostics('trained-not-optimal', '1e-3');
  assert.equal(code, 10);
  assert.equal(json.verdict, 'not-optimal');
  const [v] = ds.filter((d) => d.code === CODES.verdict);
  assert.equal(v.severity, 'warning');
  assert.ok(
    v.message.includes(`objective ${Number(json.witness.objective.toPrecision(6))} < P(θ) = ${Number(json.primalAsTrained.toPrecision(6))}`),
    v.message,
  );
  const w = ds.find((d) => d.code === CODES.width)!;
  if (json.optimum?.neurons) assert.match(w.message, new RegExp(`the optimum uses ${json.optimum.neurons} neurons`));
});
