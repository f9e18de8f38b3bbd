/**
 * The oracle's node budget on the command line and in the settings (issue #16 item 6): --node-budget
 * and reluLens.oracleNodeBudget reach CertifySettings; unset, the oracle keeps its default (an
 * option passed as undefined does not erase it); bad values are refused with the flag named.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseCli, USAGE, type CertifyArgs } from '../../src/cli/args';
import { settingsFromOptions } from '../../src/core/config/options';
import { resolveEntry, BUILTIN_DEFAULTS } from '../../src/core/config/resolve';
import { ReluLensError } from '../../src/core/errors';
import { computeOracle } from '../../src/core/oracle';
import type { Mat } from '../../src/core/linalg/mat';
import { gauss, rng } from '../reference/small';

const dir = mkdtempSync(path.join(tmpdir(), 'relu-lens-nodes-'));
const base = ['certify', path.join(dir, 'm.onnx'), '--data', path.join(dir, 'd.csv'), '--beta', '0.1'];

test('--node-budget is parsed, documented and reaches the settings', () => {
  const a = parseCli([...base, '--node-budget', '5000']) as CertifyArgs;
  assert.equal(a.nodeBudget, 5000);
  assert.equal(settingsFromOptions({ b1: null, b2: null } as never, { beta: 0.1, nodeBudget: a.nodeBudget }).nodeBudget, 5000);
  assert.equal((parseCli(base) as CertifyArgs).nodeBudget, undefined);
  assert.equal('nodeBudget' in settingsFromOptions({ b1: null, b2: null } as never, { beta: 0.1 }), false);
  assert.ok(USAGE.includes('--node-budget N'));
  for (const v of ['1.5', '-1', 'many'])
    assert.throws(
      () => parseCli([...base, `--node-budget=${v}`]),
      (e: unknown) => e instanceof ReluLensError && e.message.includes('--node-budget'),
    );
  const r = resolveEntry({ data: 'd.csv', beta: 0.1 } as never, { kind: 'config-file' }, { ...BUILTIN_DEFAULTS, oracleNodeBudget: 77 });
  assert.equal(r.options.nodeBudget, 77);
  assert.equal('nodeBudget' in resolveEntry({ data: 'd.csv', beta: 0.1 } as never, { kind: 'config-file' }, BUILTIN_DEFAULTS).options, false);
});

test('an undefined node budget keeps the default; a given one bounds the search', () => {
  const R = rng(5);
  const n = 200,
    p = 6;
  const X: Mat = { rows: n, cols: p, data: Float64Array.from({ length: n * p }, (_, k) => (k % p === p - 1 ? 1 : gauss(R))) };
  const L: Mat = { rows: n, cols: 1, data: Float64Array.from({ length: n }, () => gauss(R)) };
  const a = computeOracle(X, L, { patternBudget: 1000, nodeBudget: undefined });
  const b = computeOracle(X, L, { patternBudget: 1000 });
  assert.deepEqual([a.upper, a.patterns, a.method], [b.upper, b.patterns, b.method]);
  assert.ok(a.patterns > 0, a.notes.join('; '));
  const c = computeOracle(X, L, { patternBudget: 1000, nodeBudget: 50 });
  assert.ok(c.patterns <= Math.max(50, 4 * p), `${c.patterns} nodes`);
  assert.ok(c.upper >= b.lower * (1 - 1e-12), 'UNSOUND under a small node budget');
});
