import { test } from 'node:test';
import assert from 'node:assert/strict';
import { betaFromSpec } from '../../src/core/certify/beta';
import { ReluLensError } from '../../src/core/errors';

test('β: direct', () => {
  const b = betaFromSpec({ kind: 'direct', beta: 0.37 }, 10, 2);
  assert.equal(b.beta, 0.37);
  assert.deepEqual(b.warnings, []);
  assert.match(b.derivation, /0\.37/);
});

test('β: PyTorch MSELoss mean ⇒ n·c·wd/2 (hand: 100·1·1e-3/2 = 0.05; 50·3·2e-4/2 = 0.015)', () => {
  assert.equal(betaFromSpec({ kind: 'pytorch', weightDecay: 1e-3, reduction: 'mean' }, 100, 1).beta, 0.05);
  assert.ok(Math.abs(betaFromSpec({ kind: 'pytorch', weightDecay: 2e-4, reduction: 'mean', optimizer: 'adam' }, 50, 3).beta - 0.015) < 1e-17);
  assert.match(betaFromSpec({ kind: 'pytorch', weightDecay: 1e-3, reduction: 'mean' }, 100, 1).derivation, /n·c·wd\/2/);
});

test('β: PyTorch MSELoss sum ⇒ wd/2; explicit μ‖θ‖² ⇒ 2μ', () => {
  assert.equal(betaFromSpec({ kind: 'pytorch', weightDecay: 0.01, reduction: 'sum' }, 100, 4).beta, 0.005);
  assert.equal(betaFromSpec({ kind: 'penalty', mu: 0.25 }, 7, 1).beta, 0.5);
});

test('β mapping agrees with the gradients of the PyTorch objectives (independent numeric check)', () => {
  // L_mean(θ) = SSE/(nc) with decay gradient wd·θ, vs P = ½SSE + (β/2)‖θ‖²: gradients must be proportional.
  // For a 1-parameter model f = θ·x: SSE(θ) = Σ(θx_i − y_i)²,  SSE' = 2Σ x_i(θx_i − y_i).
  const x = [0.3, -1.2, 2.0, 0.7],
    y = [1.0, 0.5, -0.3, 2.2];
  const n = x.length,
    c = 1,
    wd = 3e-3,
    theta = 0.41;
  const sseGrad = 2 * x.reduce((s, xi, i) => s + xi * (theta * xi - y[i]), 0);
  const gMean = sseGrad / (n * c) + wd * theta; // torch: grad of mean loss + wd·θ
  const beta = betaFromSpec({ kind: 'pytorch', weightDecay: wd, reduction: 'mean' }, n, c).beta;
  const gP = 0.5 * sseGrad + beta * theta;
  assert.ok(Math.abs((gMean * (n * c)) / 2 - gP) < 1e-14);
  const gSum = sseGrad + wd * theta;
  const betaS = betaFromSpec({ kind: 'pytorch', weightDecay: wd, reduction: 'sum' }, n, c).beta;
  assert.ok(Math.abs(gSum / 2 - (0.5 * sseGrad + betaS * theta)) < 1e-14);
  const mu = 0.02; // ½SSE + μθ² ⇒ gradient ½SSE' + 2μθ
  const betaP = betaFromSpec({ kind: 'penalty', mu }, n, c).beta;
  assert.ok(Math.abs(0.5 * sseGrad + 2 * mu * theta - (0.5 * sseGrad + betaP * theta)) < 1e-15);
});

test('β: AdamW warns that decoupled decay has no single β', () => {
  const b = betaFromSpec({ kind: 'pytorch', weightDecay: 1e-2, reduction: 'mean', optimizer: 'adamw' }, 20, 1);
  assert.equal(b.beta, 0.1);
  assert.equal(b.warnings.length, 1);
  assert.match(b.warnings[0], /AdamW/);
  assert.match(b.warnings[0], /implied β/);
});

test('β = 0, negative or non-finite is refused with a ReluLensError', () => {
  assert.throws(() => betaFromSpec({ kind: 'pytorch', weightDecay: 0, reduction: 'mean' }, 10, 1), ReluLensError);
  assert.throws(() => betaFromSpec({ kind: 'direct', beta: 0 }, 10, 1), /β = 0/);
  assert.throws(() => betaFromSpec({ kind: 'direct', beta: -1 }, 10, 1), ReluLensError);
  assert.throws(() => betaFromSpec({ kind: 'direct', beta: NaN }, 10, 1), ReluLensError);
  assert.throws(() => betaFromSpec({ kind: 'penalty', mu: 0 }, 10, 1), ReluLensError);
});
