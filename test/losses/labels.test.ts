/**
 * Label conversion (labelsForLoss), the head → loss default and the β mapping for classification
 * losses. Errors must be ReluLensError with the 1-based row and column of the first bad entry.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReluLensError } from '../../src/core/errors';
import { betaForLoss, defaultLossForHead, labelsForLoss } from '../../src/core/losses';
import { mat } from './helpers';

const rows = (r: number[][]) => mat(r.length, r[0].length, (i, j) => r[i][j]);

function throwsAt(f: () => unknown, row: number, column: number, re: RegExp): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof ReluLensError, 'a ReluLensError');
    assert.equal(e.location.row, row);
    assert.equal(e.location.column, column);
    assert.match(e.message, re);
    assert.match(e.describe(), new RegExp(`row ${row}, column ${column}`));
    return true;
  });
}

test('binary labels: 0/1 map to −1/+1, ±1 stay, per column', () => {
  assert.deepEqual(Array.from(labelsForLoss(rows([[0], [1], [1]]), 'logistic', 1).data), [-1, 1, 1]);
  assert.deepEqual(Array.from(labelsForLoss(rows([[-1], [1], [1]]), 'hinge', 1).data), [-1, 1, 1]);
  assert.deepEqual(
    Array.from(
      labelsForLoss(
        rows([
          [0, 1],
          [1, 0],
        ]),
        'logistic',
        2,
      ).data,
    ),
    [-1, 1, 1, -1],
  );
  // idempotent: converted labels convert to themselves
  const once = labelsForLoss(rows([[0], [1]]), 'hinge', 1);
  assert.deepEqual(Array.from(labelsForLoss(once, 'hinge', 1).data), Array.from(once.data));
});

test('binary labels: bad entries are refused with row and column', () => {
  throwsAt(() => labelsForLoss(rows([[0], [1], [2]]), 'logistic', 1), 3, 1, /0\/1 or −1\/\+1, found 2/);
  throwsAt(() => labelsForLoss(rows([[-1], [0], [1]]), 'hinge', 1), 2, 1, /−1\/\+1/);
  throwsAt(
    () =>
      labelsForLoss(
        rows([
          [0, 1],
          [1, 0.5],
        ]),
        'logistic',
        2,
      ),
    2,
    2,
    /found 0.5/,
  );
  throwsAt(() => labelsForLoss(rows([[0], [NaN]]), 'logistic', 1), 2, 1, /finite/);
  assert.throws(() => labelsForLoss(rows([[0, 1]]), 'logistic', 1), /one label column per model output/);
});

test('cross-entropy labels: class indices → one-hot with c = model outputs; one-hot rows checked', () => {
  const Y = labelsForLoss(rows([[2], [0], [1]]), 'cross-entropy', 3);
  assert.deepEqual(Array.from(Y.data), [0, 0, 1, 1, 0, 0, 0, 1, 0]);
  assert.equal(Y.cols, 3);
  const oh = labelsForLoss(
    rows([
      [0, 1],
      [1, 0],
    ]),
    'cross-entropy',
    2,
  );
  assert.deepEqual(Array.from(oh.data), [0, 1, 1, 0]);
  throwsAt(() => labelsForLoss(rows([[0], [3]]), 'cross-entropy', 3), 2, 1, /0\.\.2/);
  throwsAt(() => labelsForLoss(rows([[0], [1.5]]), 'cross-entropy', 3), 2, 1, /not an integer/);
  throwsAt(() => labelsForLoss(rows([[0], [-1]]), 'cross-entropy', 2), 2, 1, /Class index -1/);
  throwsAt(
    () =>
      labelsForLoss(
        rows([
          [1, 0, 0],
          [0, 2, 0],
        ]),
        'cross-entropy',
        3,
      ),
    2,
    2,
    /0 or 1, found 2/,
  );
  throwsAt(
    () =>
      labelsForLoss(
        rows([
          [1, 0, 0],
          [1, 1, 0],
        ]),
        'cross-entropy',
        3,
      ),
    2,
    1,
    /exactly one 1; this row has 2/,
  );
  throwsAt(() => labelsForLoss(rows([[0, 0, 0]]), 'cross-entropy', 3), 1, 1, /this row has 0/);
  assert.throws(() => labelsForLoss(rows([[0, 1]]), 'cross-entropy', 3), /one-hot rows with 3 columns/);
  assert.throws(() => labelsForLoss(rows([[0]]), 'cross-entropy', 1), /at least 2 model outputs/);
});

test('defaultLossForHead: Sigmoid → logistic, Softmax/LogSoftmax → cross-entropy, none → squared', () => {
  assert.equal(defaultLossForHead('sigmoid').loss, 'logistic');
  assert.equal(defaultLossForHead('softmax').loss, 'cross-entropy');
  assert.equal(defaultLossForHead('logsoftmax').loss, 'cross-entropy');
  assert.equal(defaultLossForHead('none').loss, 'squared');
  assert.equal(defaultLossForHead('sklearn-postprocess').loss, 'squared');
  for (const h of ['sigmoid', 'softmax', 'logsoftmax', 'none', 'sklearn-postprocess'] as const) assert.ok(defaultLossForHead(h).reason.length > 10);
});

test('β for classification losses: BCE mean β = n·c·wd, CE mean β = n·wd, sum β = wd, penalty β = 2μ', () => {
  assert.equal(betaForLoss({ kind: 'pytorch', weightDecay: 1e-3, reduction: 'mean' }, 50, 1, 'logistic').beta, 0.05);
  assert.equal(betaForLoss({ kind: 'pytorch', weightDecay: 1e-3, reduction: 'mean' }, 50, 2, 'logistic').beta, 0.1);
  assert.equal(betaForLoss({ kind: 'pytorch', weightDecay: 1e-3, reduction: 'mean' }, 50, 3, 'cross-entropy').beta, 0.05);
  assert.equal(betaForLoss({ kind: 'pytorch', weightDecay: 1e-3, reduction: 'sum' }, 50, 3, 'cross-entropy').beta, 1e-3);
  assert.equal(betaForLoss({ kind: 'penalty', mu: 0.25 }, 50, 1, 'hinge').beta, 0.5);
  assert.equal(betaForLoss({ kind: 'direct', beta: 0.7 }, 50, 1, 'hinge').beta, 0.7);
  const aw = betaForLoss({ kind: 'pytorch', weightDecay: 1e-3, reduction: 'mean', optimizer: 'adamw' }, 10, 1, 'logistic');
  assert.equal(aw.warnings.length, 1);
  assert.throws(() => betaForLoss({ kind: 'direct', beta: 0 }, 5, 1, 'logistic'), ReluLensError);
});
