/**
 * scikit-learn users on the CLI (issue #18 item 5), on the real skl2onnx fixtures of
 * test/fixtures/sklearn: the classifier head picks the classification loss, --sklearn-alpha sets
 * β = alpha with both biases free, a skl2onnx model run otherwise gets the suggestion (not the
 * settings), a label-shape refusal without --loss names --loss, a negative implied β names the
 * data and its preprocessing. The implied β sklearn's own fitted weights give is the oracle for β.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, ROOT } from './helpers';

const F = join(ROOT, 'test/fixtures/sklearn');
const ALPHA = 0.05; // every fixture but the Scaler pipeline was fitted with it (see its .json)
/** the fixtures are within 1% of sklearn's stationary point (test/onnx/sklearn-beta.test.ts) */
const STATIONARY_REL = 0.01;

const run = (name: string, extra: string[]) => cli(['certify', join(F, `${name}.onnx`), '--data', join(F, `${name}.csv`), '--no-optimum', '--json', ...extra]);

for (const [name, loss, labels] of [
  ['mlpc_binary', 'logistic', []],
  ['mlpc_3class', 'cross-entropy', []],
  ['mlpr_2out', 'squared', ['--label', 'y1', '--label', 'y2']],
] as const) {
  test(`--sklearn-alpha on ${name}: β = alpha, biases free, the head's loss, no suggestion`, () => {
    // what is checked is the settings (β, biases, loss, suggestion), not how far the analysis gets:
    // one column-generation iteration (a work budget) is enough
    const r = run(name, ['--sklearn-alpha', String(ALPHA), '--max-iterations', '1', ...labels]);
    assert.ok([0, 10, 11].includes(r.code), r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal(j.loss.name, loss);
    assert.equal(j.beta, ALPHA);
    assert.match(j.betaDerivation, /alpha/);
    assert.deepEqual([j.hiddenBias, j.outputBias], ['free', 'free']);
    assert.ok(Math.abs(j.impliedBeta - ALPHA) <= STATIONARY_REL * ALPHA, `implied β ${j.impliedBeta}`);
    assert.ok(!j.warnings.some((w: string) => /--sklearn-alpha/.test(w)), 'no suggestion when alpha is given');
    // a "not optimal" verdict stands on a concrete better network
    if (j.verdict === 'not-optimal') assert.ok(j.witness.objective < j.primalAsTrained);
  });
}

test('skl2onnx model with --beta: the alpha/free-bias setting is suggested, not applied', () => {
  const r = run('mlpc_binary', ['--beta', String(ALPHA)]);
  const j = JSON.parse(r.stdout);
  assert.deepEqual([j.hiddenBias, j.outputBias], ['decayed', 'decayed']);
  assert.ok(
    j.warnings.some((w: string) => /skl2onnx/.test(w) && /--sklearn-alpha/.test(w) && /biases? free/.test(w)),
    j.warnings.join('\n'),
  );
  // the decayed biases move the stationary point's implied β off alpha: the suggestion matters
  assert.ok(Math.abs(j.impliedBeta - ALPHA) > 10 * STATIONARY_REL * ALPHA);
});

test('a classifier whose labels do not fit the head-chosen loss: the refusal names --loss', () => {
  const dir = mkdtempSync(join(tmpdir(), 'relu-lens-sk-'));
  // two label columns for a 3-output model read as cross-entropy (one class-index column or one-hot)
  const rows = readFileSync(join(F, 'mlpc_3class.csv'), 'utf8').trim().split('\n');
  const csv = ['x1,x2,y,z', ...rows.slice(1).map((l) => `${l},0`)].join('\n');
  writeFileSync(join(dir, 'two.csv'), csv);
  const r = cli([
    'certify',
    join(F, 'mlpc_3class.onnx'),
    '--data',
    join(dir, 'two.csv'),
    '--label',
    'y',
    '--label',
    'z',
    '--sklearn-alpha',
    '0.05',
    '--no-optimum',
  ]);
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /--loss/);
  // core's refusal (code 'loss') with the CLI's wording: its flag, not the editor's settings file (#18)
  assert.match(r.stderr, /the labels were read for the cross-entropy loss.*Name the loss training used with --loss\./);
  assert.doesNotMatch(r.stderr, /relu-lens\.json/);
  // class labels 1/2 for a binary (0/1) classifier
  const bin = readFileSync(join(F, 'mlpc_binary.csv'), 'utf8').trim().split('\n');
  writeFileSync(join(dir, 'shifted.csv'), [bin[0], ...bin.slice(1).map((l) => l.replace(/,([01])\.0$/, (_, y) => `,${Number(y) + 1}`))].join('\n'));
  const r2 = cli(['certify', join(F, 'mlpc_binary.onnx'), '--data', join(dir, 'shifted.csv'), '--sklearn-alpha', '0.05', '--no-optimum']);
  assert.equal(r2.code, 3, r2.stderr);
  assert.match(r2.stderr, /--loss/);
  // with --loss given the user chose: no hint
  const r3 = cli(['certify', join(F, 'mlpc_binary.onnx'), '--data', join(dir, 'shifted.csv'), '--sklearn-alpha', '0.05', '--no-optimum', '--loss', 'logistic']);
  assert.equal(r3.code, 3);
  assert.doesNotMatch(r3.stderr, /--loss/);
});

test('labels flipped (data not as in training): the negative implied β says to check the data and its preprocessing', () => {
  const dir = mkdtempSync(join(tmpdir(), 'relu-lens-sk-'));
  const bin = readFileSync(join(F, 'mlpc_binary.csv'), 'utf8').trim().split('\n');
  writeFileSync(join(dir, 'flipped.csv'), [bin[0], ...bin.slice(1).map((l) => l.replace(/,([01])\.0$/, (_, y) => `,${1 - Number(y)}`))].join('\n'));
  const r = cli(['certify', join(F, 'mlpc_binary.onnx'), '--data', join(dir, 'flipped.csv'), '--sklearn-alpha', '0.05', '--no-optimum', '--json']);
  const j = JSON.parse(r.stdout);
  assert.ok(j.impliedBeta < 0, `implied β ${j.impliedBeta}`);
  assert.ok(
    j.warnings.some((w: string) => /negative/.test(w) && /check the data and its preprocessing/i.test(w)),
    j.warnings.join('\n'),
  );
});

test('--sklearn-alpha: one β source only, positive, listed in the usage', () => {
  const both = run('mlpc_binary', ['--sklearn-alpha', '0.05', '--beta', '0.05']);
  assert.equal(both.code, 2);
  assert.match(both.stderr, /--sklearn-alpha/);
  const zero = run('mlpc_binary', ['--sklearn-alpha', '0']);
  assert.equal(zero.code, 2);
  assert.match(cli(['--help']).stdout, /--sklearn-alpha A .*β = A/s);
});

test('a Pipeline(StandardScaler, MLP): the folded Scaler is named, since sklearn decayed the unfolded weights', () => {
  const r = run('mlpc_binary_scaler', ['--sklearn-alpha', '0.1']);
  const j = JSON.parse(r.stdout);
  assert.ok(
    j.warnings.some((w: string) => /Scaler is folded into layer 1/.test(w)),
    j.warnings.join('\n'),
  );
  // and that is why the implied β of sklearn's stationary point is not alpha here
  assert.ok(Math.abs(j.impliedBeta - 0.1) > 10 * STATIONARY_REL * 0.1, `implied β ${j.impliedBeta}`);
});
