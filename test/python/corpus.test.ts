import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import * as path from 'node:path';
import { analyzeNotebook, analyzeScript, lintScript, scriptBeta, type ScriptFacts } from '../../src/core/python';
import { certifyWithWords } from '../../src/core/format/certifyControls';

/**
 * The corpus (test/fixtures/scripts): realistic training scripts in different styles, each with
 * NAME.expected.json — the facts, β, and the exact set of diagnostics (code, severity, 1-based
 * position) with phrases the message must contain. β is also checked against HAND_BETA below,
 * computed by hand from MATH.md §1 / §8 (not by the code under test).
 */
const DIR = path.resolve(__dirname, '..', 'fixtures', 'scripts');

/** β by hand: MSE mean n·c·wd/2, MSE sum wd/2, CE mean n·wd, logistic/hinge mean n·c·wd, μ‖θ‖² on ½SSE 2μ. */
const HAND_BETA: Record<string, { beta: number | null; perSample?: number }> = {
  '01_sequential_mse_mean.py': { beta: (200 * 1 * 1e-4) / 2 },
  '02_module_relu_sum.py': { beta: 5e-3 / 2 },
  '03_adamw_clamp_nobias.py': { beta: (128 * 1e-3) / 2 }, // nominal (AdamW)
  '04_adamw_default_decay.py': { beta: (50 * 0.01) / 2 }, // AdamW default weight_decay 0.01
  '05_param_groups_pandas_dynamo.py': { beta: null, perSample: 2e-4 / 2 },
  '06_cross_entropy_moons.py': { beta: (400 - Math.ceil(0.25 * 400)) * 1e-3 },
  '07_bce_ordereddict.py': { beta: null, perSample: 1e-4 },
  '08_hinge_formula.py': { beta: 300 * 1e-3 },
  '09_explicit_penalty.py': { beta: 2 * 5e-4 },
  '10_no_weight_decay.py': { beta: 0 },
  '11_argparse.py': { beta: null },
  '12_config_file.py': { beta: null },
  '13_l1_loss.py': { beta: null }, // unsupported loss: no β
  '15_module_act_attr_loadtxt.py': { beta: null, perSample: 1e-5 / 2 },
  '16_notebook_sequential.ipynb': { beta: (120 * 3e-4) / 2 },
  '17_notebook_adamw_ce.ipynb': { beta: 250 * 5e-4 },
  // scikit-learn: β = alpha (src/core/certify/sklearnBeta.ts; sklearn's default alpha 1e-4)
  '18_sklearn_classifier.py': { beta: 1e-3 },
  '19_sklearn_regressor_defaults.py': { beta: 1e-4 },
  '20_sklearn_deep_tanh.py': { beta: 0 },
  'trained-example/train.py': { beta: 2e-2 / 2 },
  'trained-not-optimal/train.py': { beta: 1e-3 / 2 },
};

async function facts(rel: string): Promise<ScriptFacts> {
  const src = readFileSync(path.join(DIR, rel), 'utf8');
  return rel.endsWith('.ipynb') ? (await analyzeNotebook(src, rel))[0] : analyzeScript(src, rel);
}

const scripts = [...readdirSync(DIR).filter((f) => /\.(py|ipynb)$/.test(f)), 'trained-example/train.py', 'trained-not-optimal/train.py'];

test('the corpus has at least 12 scripts and 2 notebooks, each with expectations', () => {
  assert.ok(scripts.filter((s) => s.endsWith('.py')).length >= 12);
  assert.ok(scripts.filter((s) => s.endsWith('.ipynb')).length >= 2);
  for (const s of scripts) assert.ok(existsSync(path.join(DIR, s.replace(/\.(py|ipynb)$/, '.expected.json'))), s);
});

for (const rel of scripts) {
  test(`corpus: ${rel}`, async () => {
    const exp = JSON.parse(readFileSync(path.join(DIR, rel.replace(/\.(py|ipynb)$/, '.expected.json')), 'utf8'));
    const f = await facts(rel);
    const net = f.network && {
      d: f.network.d,
      m: f.network.m,
      c: f.network.c,
      hiddenBias: f.network.hiddenBias,
      outputBias: f.network.outputBias,
      style: f.network.style,
    };
    assert.deepEqual(net, exp.facts.network, 'network');
    const opt = f.optimizer && { kind: f.optimizer.kind, weightDecay: f.optimizer.weightDecay, biasDecay: f.optimizer.biasDecay };
    assert.deepEqual(opt, exp.facts.optimizer, 'optimizer');
    const loss = f.loss && {
      kind: f.loss.kind,
      reduction: f.loss.reduction,
      supported: f.loss.supported,
      ...(f.loss.base ? { base: f.loss.base, penaltyMu: f.loss.penaltyMu } : {}),
    };
    assert.deepEqual(loss, exp.facts.loss, 'loss');
    assert.equal(f.data?.n ?? null, exp.facts.n, 'n');
    assert.deepEqual(f.data?.paths.map((p) => p.path) ?? [], exp.facts.dataPaths, 'data paths');
    assert.deepEqual(
      f.exports.map((e) => ({
        path: e.path,
        kind: e.kind,
        line: e.range.line + 1,
        ...(e.range.cellIndex !== undefined ? { cell: e.range.cellIndex + 1 } : {}),
      })),
      exp.facts.exports,
      'exports',
    );
    assert.equal(f.unresolved.length, exp.facts.unresolved, `unresolved: ${JSON.stringify(f.unresolved.map((u) => u.what))}`);

    const hand = HAND_BETA[rel];
    if (hand) {
      const b = scriptBeta(f, f.data?.n ?? null);
      if (hand.beta === null) assert.equal(b.beta, null, 'β must stay unknown');
      else assert.ok(b.beta !== null && Math.abs(b.beta - hand.beta) <= 1e-12 * Math.max(1, hand.beta), `β ${b.beta} vs hand ${hand.beta}`);
      if (hand.perSample !== undefined) assert.ok(Math.abs((b.perSample ?? NaN) - hand.perSample) <= 1e-15, `β per sample ${b.perSample}`);
    }

    const got = lintScript(f, {});
    const key = (d: { code: string; severity: string; line: number; column: number; cell?: number }) =>
      `${d.code} ${d.severity} ${d.cell ?? '-'}:${d.line}:${d.column}`;
    assert.deepEqual(
      got.map((d) =>
        key({
          code: d.code,
          severity: d.severity,
          line: d.range.line + 1,
          column: d.range.column + 1,
          cell: d.range.cellIndex !== undefined ? d.range.cellIndex + 1 : undefined,
        }),
      ),
      exp.diagnostics.map(key),
    );
    // the expected words are the CLI's: core's message plus the flags it words from certifyWith
    exp.diagnostics.forEach((e: { includes?: string[] }, i: number) => {
      const message = got[i].message + certifyWithWords('cli', got[i].certifyWith);
      for (const s of e.includes ?? []) assert.ok(message.includes(s), `${got[i].code} message lacks "${s}": ${message}`);
    });
  });
}

test('the positions point at the code they describe', async () => {
  const rel = '01_sequential_mse_mean.py';
  const lines = readFileSync(path.join(DIR, rel), 'utf8').split('\n');
  const f = await facts(rel);
  const at = (r: { line: number; column: number }) => lines[r.line].slice(r.column);
  assert.ok(at(f.optimizer!.weightDecayRange!).startsWith('weight_decay=1e-4'));
  assert.ok(at(f.network!.hiddenRange!).startsWith('nn.Linear(D, HIDDEN)'));
  assert.ok(at(f.exports[0].range).startsWith('torch.onnx.export('));
  assert.ok(at(f.loss!.range).startsWith('criterion(model(X), y)'));
});

test('notebook ranges are per cell: the export is in cell 7, line 1', async () => {
  const rel = '16_notebook_sequential.ipynb';
  const nb = JSON.parse(readFileSync(path.join(DIR, rel), 'utf8'));
  const f = await facts(rel);
  const e = f.exports[0];
  assert.equal(e.range.cellIndex, 6);
  const cellLines = nb.cells[6].source.join('').split('\n');
  assert.ok(cellLines[e.range.line].slice(e.range.column).startsWith('torch.onnx.export('));
  const wd = f.optimizer!.weightDecayRange!;
  assert.ok(nb.cells[wd.cellIndex!].source.join('').split('\n')[wd.line].slice(wd.column).startsWith('weight_decay=3e-4'));
});
