/**
 * certifyClassification behaviours: the free hidden bias (checked against a brute-force upper
 * bound over (u, b) with ‖u‖ = 1 and b on a grid plus the kinks), label forms giving the same
 * answer, the result's contract (loss, named tolerances, dual point), and refusals.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { certifyClassification, certifyClassificationWith, dualObjective, lossDualValue } from '../../src/core/losses';
import { computeOracle } from '../../src/core/oracle';
import { ReluLensError } from '../../src/core/errors';
import type { CertifySettings } from '../../src/core/certify/types';
import type { NetworkWeights } from '../../src/core/problem/network';
import { bruteUpper, mat, refObjective, rng, type Loss } from './helpers';
import { labelsForLoss } from '../../src/core/losses';

const base = (beta: number, hb: CertifySettings['hiddenBias'], ob: CertifySettings['outputBias'], maxIterations = 10): CertifySettings => ({
  beta: { kind: 'direct', beta },
  hiddenBias: hb,
  outputBias: ob,
  tol: 1e-4,
  patternBudget: 200_000,
  maxIterations,
  seed: 1,
});

function randomNet(R: ReturnType<typeof rng>, d: number, m: number, c: number): NetworkWeights {
  return {
    W1: mat(m, d, () => R.normal()),
    b1: Float64Array.from({ length: m }, () => R.normal()),
    W2: mat(c, m, () => R.normal()),
    b2: Float64Array.from({ length: c }, () => 0.3 * R.normal()),
  };
}

test('free hidden bias (d = 1): weak duality and no false certificate against a brute force over (u, b)', () => {
  let certified = 0;
  for (let seed = 1; seed <= 9; seed++) {
    const R = rng(500 + seed);
    const loss: Loss = (['logistic', 'hinge', 'cross-entropy'] as const)[seed % 3];
    const c = loss === 'cross-entropy' ? 2 : 1;
    const n = 4 + (seed % 4);
    const beta = 0.05 + R.u();
    const X = mat(n, 1, () => R.normal());
    const raw = mat(n, 1, (i) => (i < 2 ? i : R.u() < 0.5 ? 0 : 1));
    const Y = labelsForLoss(raw, loss, c);
    // dictionary: u = ±1 and b on a grid and at every kink −x_k·u; the bias is unpenalized
    const dirs: Float64Array[] = [];
    for (const u of [1, -1]) {
      for (let k = 0; k <= 120; k++) dirs.push(Float64Array.of(u, -6 + (12 * k) / 120));
      for (let i = 0; i < n; i++) dirs.push(Float64Array.of(u, -X.data[i] * u));
    }
    const brute = bruteUpper(X, Y, beta, loss, 'decayed', 'free', dirs, 700);
    const Pub = refObjective(brute.net, X, Y, beta, loss, 'none', 'free'); // 'none' ⇒ b1 not penalized
    const nets = [randomNet(R, 1, 3, c), brute.net];
    for (const net of nets) {
      if (net.W1.rows === 0) continue;
      const r = certifyClassification(net, X, raw, loss, base(beta, 'free', 'free', 8));
      assert.ok(r.dualBound <= Pub + 1e-9 * Math.max(1, Pub), `seed ${seed} ${loss}: D ${r.dualBound} > P_ub ${Pub}`);
      if (r.verdict === 'certified') {
        certified++;
        assert.ok(r.primal - Pub <= 1e-4 * r.primal + 1e-12, `seed ${seed}: false certificate ${r.primal} vs ${Pub}`);
      }
      if (r.verdict === 'not-optimal') assert.ok(refObjective(r.witness!, X, Y, beta, loss, 'none', 'free') < r.primal * (1 - 1e-4));
      if (r.optimal) {
        const r2 = certifyClassification(r.optimal, X, raw, loss, base(beta, 'free', 'free', 3));
        assert.ok(r2.dualBound <= Pub + 1e-9 * Math.max(1, Pub));
        if (r2.verdict === 'certified') certified++;
      }
    }
  }
  assert.ok(certified >= 3, `certificates exercised (${certified})`);
});

test('cross-entropy: class indices and one-hot labels give the same certificate; the result carries the loss and its dual point', () => {
  const R = rng(77);
  const n = 8,
    c = 3;
  const X = mat(n, 2, () => R.normal());
  const idx = mat(n, 1, (i) => i % 3);
  const onehot = mat(n, 3, (i, k) => (i % 3 === k ? 1 : 0));
  const net = randomNet(R, 2, 4, c);
  const a = certifyClassification(net, X, idx, 'cross-entropy', base(0.3, 'decayed', 'decayed', 3));
  const b = certifyClassification(net, X, onehot, 'cross-entropy', base(0.3, 'decayed', 'decayed', 3));
  assert.equal(a.primal, b.primal);
  assert.equal(a.dualBound, b.dualBound);
  assert.equal(a.loss, 'cross-entropy');
  for (const k of ['tol', 'lossDualRounding', 'domainMargin', 'lossLassoRelGap', 'hingeSmoothing', 'optimalM', 'oracleRounding'])
    assert.ok(a.tolerances[k] && a.tolerances[k].meaning.length > 10, `tolerance ${k} reported`);
  // the dual point reported gives the dual bound (up to the allowance) and lies in the domain
  assert.ok(a.dualLambda);
  const Y = labelsForLoss(idx, 'cross-entropy', c);
  const raw = lossDualValue(a.dualLambda!, Y, 'cross-entropy', a.beta, { hiddenBias: 'decayed', outputBias: 'decayed' });
  assert.ok(raw >= a.dualBound && raw - a.dualBound < 1e-9 * Math.max(1, Math.abs(raw)), `${raw} vs ${a.dualBound}`);
  assert.ok(Number.isFinite(dualObjective(a.dualLambda!, Y, 'cross-entropy')));
});

test('an optimum from column generation is returned and re-certifies; a scaled copy of it is not optimal', () => {
  const R = rng(91);
  const n = 12;
  const X = mat(n, 2, () => R.normal());
  const raw = mat(n, 1, (i) => (X.data[2 * i] * X.data[2 * i + 1] > 0 ? 1 : 0));
  for (const loss of ['logistic', 'hinge'] as const) {
    const r = certifyClassification(randomNet(R, 2, 4, 1), X, raw, loss, base(0.1, 'decayed', 'decayed', 40));
    assert.equal(r.verdict, 'not-optimal', r.summary);
    assert.ok(r.optimal, `${loss}: optimum returned (${r.columnGeneration?.stopReason})`);
    assert.ok(r.columnGeneration?.reachedOptimum, `${loss}: ${r.columnGeneration?.stopReason}`);
    // the dual bound closes on the optimum: P* is known to within tol
    assert.ok(r.pstarInterval[1] - r.pstarInterval[0] <= 1e-4 * r.pstarInterval[1], `${loss}: P* ∈ [${r.pstarInterval}]`);
    const r2 = certifyClassification(r.optimal!, X, raw, loss, base(0.1, 'decayed', 'decayed', 5));
    assert.equal(r2.verdict, 'certified', `${loss}: ${r2.summary}`);
    const scaled = { ...r.optimal!, W2: { ...r.optimal!.W2, data: r.optimal!.W2.data.map((v) => 1.2 * v) } };
    const r3 = certifyClassification(scaled, X, raw, loss, base(0.1, 'decayed', 'decayed', 5));
    assert.equal(r3.verdict, 'not-optimal', `${loss}: ${r3.summary}`);
  }
});

test('refusals: bad labels name row and column; shapes are checked; β must be positive', () => {
  const X = mat(3, 1, (i) => i);
  const net: NetworkWeights = { W1: mat(2, 1, () => 1), b1: new Float64Array(2), W2: mat(1, 2, () => 1), b2: new Float64Array(1) };
  assert.throws(
    () =>
      certifyClassification(
        net,
        X,
        mat(3, 1, (i) => (i === 2 ? 7 : i)),
        'logistic',
        base(0.1, 'decayed', 'decayed'),
      ),
    (e: unknown) => e instanceof ReluLensError && e.location.row === 3 && e.location.column === 1,
  );
  assert.throws(
    () =>
      certifyClassification(
        net,
        X,
        mat(2, 1, () => 0),
        'hinge',
        base(0.1, 'decayed', 'decayed'),
      ),
    /3 samples but the labels have 2 rows/,
  );
  assert.throws(
    () =>
      certifyClassification(
        net,
        X,
        mat(3, 1, () => 0),
        'cross-entropy',
        base(0.1, 'decayed', 'decayed'),
      ),
    /at least 2 model outputs/,
  );
  assert.throws(
    () =>
      certifyClassification(
        net,
        X,
        mat(3, 1, () => 0),
        'logistic',
        base(0, 'decayed', 'decayed'),
      ),
    ReluLensError,
  );
  // a single class with Λᵀ1 = 0 required: no interior dual point, bound 0, no crash
  const r = certifyClassificationWith(
    net,
    X,
    mat(3, 1, () => 1),
    'logistic',
    base(0.1, 'decayed', 'free', 2),
    computeOracle,
  );
  assert.ok(r.dualBound <= r.primal && r.dualBound >= 0);
});
