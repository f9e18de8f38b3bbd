/**
 * Work budgets on the command line (issue #16 item 6): --max-iterations and --solver-iterations
 * reach the engine's settings, bad values are refused, and the wall-clock limit (--time-budget)
 * defaults to the 10-minute safety stop. Parsed from source (no dist/ needed); no timing asserted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseCli, USAGE, type CertifyArgs } from '../../src/cli/args';
import { CERTIFY_TIME_BUDGET_S, OPTIMIZE_TIME_BUDGET_S } from '../../src/cli/certify';
import { INTERACTIVE_DEFAULTS, SAFETY_TIME_LIMIT_MS, settingsFromOptions } from '../../src/core/config/options';
import { ReluLensError } from '../../src/core/errors';

// a folder with no .vscode/relu-lens.json above it, so only the flags count
const dir = mkdtempSync(path.join(tmpdir(), 'relu-lens-budgets-'));
const model = path.join(dir, 'm.onnx');
const base = ['certify', model, '--data', path.join(dir, 'd.csv'), '--beta', '0.1'];

test('--max-iterations and --solver-iterations are parsed as whole numbers and reach the settings', () => {
  const a = parseCli([...base, '--max-iterations', '7', '--solver-iterations', '500', '--time-budget', '5']) as CertifyArgs;
  assert.equal(a.maxIterations, 7);
  assert.equal(a.solverIterations, 500);
  assert.equal(a.timeBudgetSeconds, 5);
  const s = settingsFromOptions({ b1: new Float32Array(1), b2: null } as never, {
    beta: 0.1,
    maxIterations: a.maxIterations,
    solverIterations: a.solverIterations,
  });
  assert.equal(s.maxIterations, 7);
  assert.equal(s.solverIterations, 500);
  // --max-iterations 0 is allowed (residual dual point only)
  assert.equal((parseCli([...base, '--max-iterations', '0']) as CertifyArgs).maxIterations, 0);
  // not given: the engine's defaults
  const d = parseCli(base) as CertifyArgs;
  assert.equal(d.maxIterations, undefined);
  assert.equal(d.solverIterations, undefined);
  const sd = settingsFromOptions({ b1: null, b2: null } as never, { beta: 0.1 });
  assert.equal(sd.maxIterations, INTERACTIVE_DEFAULTS.maxIterations);
  assert.equal('solverIterations' in sd, false);
});

test('bad budgets are refused with the flag named', () => {
  for (const [flag, v] of [
    ['--max-iterations', '1.5'],
    ['--max-iterations', '-1'],
    ['--max-iterations', 'many'],
    ['--solver-iterations', '0'],
    ['--solver-iterations', '2.5'],
  ]) {
    assert.throws(
      () => parseCli([...base, `${flag}=${v}`]),
      (e: unknown) => e instanceof ReluLensError && e.message.includes(flag) && /must be a whole number|expects a number/.test(e.message),
      `${flag} ${v}`,
    );
  }
});

test('the wall clock is only a safety limit: 10 minutes by default, for certify, optimize and the engine settings', () => {
  assert.equal(SAFETY_TIME_LIMIT_MS, 600_000);
  assert.equal(CERTIFY_TIME_BUDGET_S * 1000, SAFETY_TIME_LIMIT_MS);
  assert.equal(OPTIMIZE_TIME_BUDGET_S * 1000, SAFETY_TIME_LIMIT_MS);
  assert.equal(settingsFromOptions({ b1: null, b2: null } as never, { beta: 0.1 }).timeBudgetMs, SAFETY_TIME_LIMIT_MS);
  assert.match(USAGE, /--max-iterations N/);
  assert.match(USAGE, /--solver-iterations N/);
  assert.match(USAGE, /--time-budget SECONDS\s+wall-clock SAFETY limit only/);
});
