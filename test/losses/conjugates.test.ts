/**
 * The conjugates of MATH.md §8 against brute force: for λ in the domain,
 * G(λ) = −ℓ*(−λ) = min_F ℓ(F) + ⟨λ, F⟩, the minimum found by a generic search over F written
 * here (grid + golden section for scalar outputs, gradient descent for cross-entropy). Outside the
 * domain the brute-force infimum is unbounded below and G must be −∞.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dualObjective, lossValue, negGradient, labelsForLoss } from '../../src/core/losses';
import { mat, minScalar, refSampleLoss, rng } from './helpers';

/** min over f ∈ R^c of lse(f) − ⟨y, f⟩ + ⟨λ, f⟩ by gradient descent (convex, 1-smooth) */
function minCE(y: number[], lam: number[]): number {
  const c = y.length;
  const f = new Array(c).fill(0);
  const obj = (ff: number[]) => refSampleLoss('cross-entropy', ff, y) + ff.reduce((s, v, k) => s + lam[k] * v, 0);
  for (let it = 0; it < 60000; it++) {
    const mx = Math.max(...f);
    const e = f.map((v) => Math.exp(v - mx));
    const s = e.reduce((a, b) => a + b, 0);
    for (let k = 0; k < c; k++) f[k] -= 1.0 * (e[k] / s - y[k] + lam[k]);
  }
  return obj(f);
}

test('hinge conjugate: G(λ) = Σ yλ on 0 ≤ yλ ≤ 1 equals min_f max(0, 1 − yf) + λf', () => {
  const R = rng(11);
  for (let trial = 0; trial < 30; trial++) {
    const y = R.u() < 0.5 ? -1 : 1;
    const p = trial === 0 ? 0 : trial === 1 ? 1 : R.u();
    const lam = y * p;
    const brute = minScalar((f) => Math.max(0, 1 - y * f) + lam * f);
    const G = dualObjective(
      mat(1, 1, () => lam),
      mat(1, 1, () => y),
      'hinge',
    );
    assert.ok(Math.abs(G - brute) < 1e-9, `y=${y} λ=${lam}: G=${G} brute=${brute}`);
  }
  // outside the domain the infimum is −∞ (the search hits its box and keeps decreasing)
  for (const [y, lam] of [
    [1, 1.3],
    [1, -0.2],
    [-1, 0.4],
    [-1, -1.5],
  ]) {
    const brute = minScalar((f) => Math.max(0, 1 - y * f) + lam * f);
    assert.ok(brute < -5, `outside: brute ${brute}`);
    assert.equal(
      dualObjective(
        mat(1, 1, () => lam),
        mat(1, 1, () => y),
        'hinge',
      ),
      -Infinity,
    );
  }
});

test('logistic conjugate: G(λ) = H(yλ) (binary entropy, nats) equals min_f log(1 + e^{−yf}) + λf', () => {
  const R = rng(12);
  for (let trial = 0; trial < 30; trial++) {
    const y = R.u() < 0.5 ? -1 : 1;
    const p = 0.001 + 0.998 * R.u();
    const lam = y * p;
    const brute = minScalar((f) => Math.log1p(Math.exp(-y * f)) + lam * f);
    const G = dualObjective(
      mat(1, 1, () => lam),
      mat(1, 1, () => y),
      'logistic',
    );
    assert.ok(Math.abs(G - brute) < 1e-8, `y=${y} p=${p}: G=${G} brute=${brute}`);
  }
  for (const [y, lam] of [
    [1, 1.2],
    [1, -0.1],
    [-1, 0.3],
  ]) {
    const brute = minScalar((f) => Math.log1p(Math.exp(-y * f)) + lam * f);
    assert.ok(brute < -5);
    assert.equal(
      dualObjective(
        mat(1, 1, () => lam),
        mat(1, 1, () => y),
        'logistic',
      ),
      -Infinity,
    );
  }
});

test('cross-entropy conjugate: G(λ) = H(y − λ) (Shannon entropy on the simplex) equals min_f lse(f) − ⟨y, f⟩ + ⟨λ, f⟩', () => {
  const R = rng(13);
  for (let trial = 0; trial < 12; trial++) {
    const c = 2 + (trial % 3);
    const cls = Math.floor(R.u() * c);
    const y = Array.from({ length: c }, (_, k) => (k === cls ? 1 : 0));
    // q = y − λ a random interior point of the simplex
    const w = Array.from({ length: c }, () => 0.05 + R.u());
    const s = w.reduce((a, b) => a + b, 0);
    const q = w.map((v) => v / s);
    const lam = y.map((v, k) => v - q[k]);
    const brute = minCE(y, lam);
    const G = dualObjective(
      mat(1, c, (_, k) => lam[k]),
      mat(1, c, (_, k) => y[k]),
      'cross-entropy',
    );
    assert.ok(Math.abs(G - brute) < 1e-7, `c=${c}: G=${G} brute=${brute}`);
  }
  // off the simplex (row sum ≠ 0 or a negative q) the infimum is −∞
  const y = [1, 0, 0];
  for (const lam of [
    [0.2, -0.1, -0.2],
    [-0.2, 0.3, -0.1],
  ]) {
    const c = 3;
    const f = [0, 0, 0];
    // walk along the direction that makes the objective decrease without bound
    const sum = lam.reduce((a, b) => a + b, 0);
    // Σλ ≠ 0: move f along ±1 (lse − ⟨y,f⟩ is constant there); q_k = y_k − λ_k < 0: send f_k → −∞
    const dir = Math.abs(sum) > 1e-12 ? [-Math.sign(sum), -Math.sign(sum), -Math.sign(sum)] : y.map((v, k) => (v - lam[k] < 0 ? -1 : 0));
    const at = (t: number) =>
      refSampleLoss(
        'cross-entropy',
        f.map((v, k) => v + t * dir[k]),
        y,
      ) + lam.reduce((s2, v, k) => s2 + v * t * dir[k], 0);
    assert.ok(at(1000) < at(10) - 50, 'unbounded below');
    void c;
    assert.equal(
      dualObjective(
        mat(1, 3, (_, k) => lam[k]),
        mat(1, 3, (_, k) => y[k]),
        'cross-entropy',
      ),
      -Infinity,
    );
  }
});

test('−∇ℓ(F) is the gradient of ℓ (finite differences) and lies in the domain; scaling by s ∈ [0,1] stays there', () => {
  const R = rng(14);
  for (const loss of ['logistic', 'cross-entropy', 'hinge'] as const) {
    const n = 5,
      c = loss === 'cross-entropy' ? 3 : 1;
    const F = mat(n, c, () => 3 * R.normal());
    const Y = labelsForLoss(
      mat(n, 1, (i) => (loss === 'cross-entropy' ? i % 3 : i % 2)),
      loss,
      c,
    );
    const L = negGradient(F, Y, loss);
    if (loss !== 'hinge')
      for (let i = 0; i < n * c; i++) {
        const h = 1e-6;
        const Fp = { ...F, data: Float64Array.from(F.data) };
        const Fm = { ...F, data: Float64Array.from(F.data) };
        Fp.data[i] += h;
        Fm.data[i] -= h;
        const fd = (lossValue(Fp, Y, loss) - lossValue(Fm, Y, loss)) / (2 * h);
        assert.ok(Math.abs(-fd - L.data[i]) < 1e-7, `${loss} entry ${i}: ${-fd} vs ${L.data[i]}`);
      }
    for (const s of [0, 0.3, 1]) {
      const S = { ...L, data: L.data.map((v) => s * v) };
      assert.ok(Number.isFinite(dualObjective(S, Y, loss)), `${loss} s=${s} in the domain`);
    }
    // the sample losses agree with the definitions
    let ref = 0;
    for (let i = 0; i < n; i++) ref += refSampleLoss(loss, Array.from(F.data.subarray(i * c, i * c + c)), Array.from(Y.data.subarray(i * c, i * c + c)));
    assert.ok(Math.abs(ref - lossValue(F, Y, loss)) < 1e-12 * (1 + ref));
  }
});

test('Fenchel–Young: ℓ(F) ≥ G(λ) − ⟨λ, F⟩ for random F and λ in the domain, equality at λ = −∇ℓ(F)', () => {
  const R = rng(15);
  for (const loss of ['logistic', 'cross-entropy', 'hinge'] as const) {
    for (let trial = 0; trial < 20; trial++) {
      const n = 4,
        c = loss === 'cross-entropy' ? 3 : 1;
      const F = mat(n, c, () => 2 * R.normal());
      const Y = labelsForLoss(
        mat(n, 1, () => Math.floor(R.u() * (loss === 'cross-entropy' ? 3 : 2))),
        loss,
        c,
      );
      const L = negGradient(
        mat(n, c, () => 2 * R.normal()),
        Y,
        loss,
      );
      const inner = L.data.reduce((s, v, i) => s + v * F.data[i], 0);
      assert.ok(lossValue(F, Y, loss) >= dualObjective(L, Y, loss) - inner - 1e-12);
      if (loss !== 'hinge') {
        const L0 = negGradient(F, Y, loss);
        const in0 = L0.data.reduce((s, v, i) => s + v * F.data[i], 0);
        assert.ok(Math.abs(lossValue(F, Y, loss) - (dualObjective(L0, Y, loss) - in0)) < 1e-10);
      }
    }
  }
});
