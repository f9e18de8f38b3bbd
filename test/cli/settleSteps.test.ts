// Issue #18: what would settle an inconclusive verdict is a kind in core's result; the CLI names
// its flag for it (the panel its setting: test/webview/settleSteps.test.ts; the report both).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { cli, ROOT } from './helpers';
import { formatVerdict } from '../../src/cli/format';
import { settleStepsText } from '../../src/core/report/settleSteps';
import { inconclusiveJson, SETTLE_FACTS } from '../report/settleCases';

const FLAG: Record<string, RegExp> = {
  'raise-iterations': /Raise --max-iterations \(now 3\)\./,
  'allow-iterations': /Raise --max-iterations \(now 0\) so column generation can improve the dual bound\./,
  'raise-solver-iterations': /Raise --solver-iterations \(now 500\)/,
  'raise-pattern-budget': /Raise --pattern-budget \(now 1,234\) so the oracle can enumerate/,
  'tol-would-certify': /A tolerance of [\d.e-]+ \(--tol\) would certify it\./,
  'tol-would-decide': /A tolerance of [\d.e-]+ \(--tol\) would decide\./,
};

test('certify prints each settle step with its flag, in the verdict block', () => {
  for (const [name, facts] of Object.entries(SETTLE_FACTS)) {
    const j = inconclusiveJson(facts);
    const block = formatVerdict(j).join('\n');
    for (const s of j.inconclusiveReason!.steps) assert.match(block, FLAG[s.kind], `${name}: ${block}`);
    // the report, read by users of both front ends, names the flag and, where one exists, the setting
    const report = settleStepsText(j.inconclusiveReason, 'report')!;
    for (const s of j.inconclusiveReason!.steps)
      assert.match(report, new RegExp(FLAG[s.kind].source.split(' \\(now')[0].split(' \\(--tol')[0]), `${name}: ${report}`);
    if (j.inconclusiveReason!.steps.some((s) => s.kind === 'raise-pattern-budget'))
      assert.match(report, /--pattern-budget \(CLI\) or reluLens\.patternBudget \(editor\)/);
  }
});

test('relu-lens certify names the flag on a real inconclusive run (no column generation allowed)', () => {
  const dir = path.join(ROOT, 'test/fixtures/trained/converged-2d');
  const kase = JSON.parse(readFileSync(path.join(dir, 'case.json'), 'utf8'));
  const args = [
    'certify',
    path.join(dir, 'model.onnx'),
    '--data',
    path.join(dir, 'train.csv'),
    '--weight-decay',
    String(kase.weightDecay),
    '--reduction',
    kase.reduction,
    '--max-iterations',
    '0',
    '--no-optimum',
  ];
  const r = cli(args);
  assert.equal(r.code, 11, r.stdout + r.stderr);
  assert.match(
    r.stdout.split('\n')[1],
    /Column generation did not run \(iteration budget 0\).* Raise --max-iterations \(now 0\) so column generation can improve the dual bound\./,
  );
  // the JSON carries the kind, not the flag
  const j = JSON.parse(cli([...args, '--json']).stdout);
  assert.deepEqual(j.inconclusiveReason.steps, [{ kind: 'allow-iterations', now: 0 }]);
  assert.doesNotMatch(j.summary, /--[a-z]/);
});
