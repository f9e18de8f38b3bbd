/**
 * Every registered loss (src/core/losses/registry.ts) against the definitions its interface
 * promises, checked numerically so a new loss is tested by registering it:
 *  - −∇ℓ by central finite differences of ℓ, and the per-sample Hessian by differences of −∇ℓ;
 *  - Fenchel–Young: ℓ(F) ≥ G(Λ) − ⟨Λ, F⟩ for every Λ in the domain, with equality at Λ = −∇ℓ(F)
 *    (weak duality rests on the inequality, the residual candidate on the equality);
 *  - intoDomain lands inside the domain (margin ≥ 0, finite G) and on Λᵀ1 = 0 when asked
 *    (cross-entropy: near it, by Sinkhorn iterations; dualPoint.ts bounds the residue).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LOSS_NAMES, lossOf, type Loss } from '../../src/core/losses';
import type { Mat } from '../../src/core/linalg/mat';
import { mat, rng } from './helpers';

/** labels in each loss's form: reals; ±1; one-hot */
function labelsFor(loss: Loss, n: number, c: number, R: ReturnType<typeof rng>): Mat {
  if (loss.name === 'hinge' || loss.name === 'logistic') return mat(n, c, () => (R.u() < 0.5 ? -1 : 1));
  if (loss.name === 'cross-entropy') {
    const Y = mat(n, c, () => 0);
    for (let i = 0; i < n; i++) Y.data[i * c + (i % c)] = 1;
    return Y;
  }
  return mat(n, c, () => 2 * R.normal());
}

const instances = (): Loss[] => [...LOSS_NAMES.map((n) => lossOf(n)), lossOf('huber', { huberDelta: 0.4 })];
const copy = (A: Mat): Mat => ({ rows: A.rows, cols: A.cols, data: Float64Array.from(A.data) });

test('every loss: −∇ℓ and the Hessian against finite differences', () => {
  const R = rng(77);
  for (const loss of instances()) {
    const n = 6,
      c = 3;
    const Y = labelsFor(loss, n, c, R);
    const F = mat(n, c, () => 1.5 * R.normal());
    const L = mat(n, c, () => 0);
    loss.negGradient(F, Y, 0, L);
    const h = 1e-6;
    for (let i = 0; i < n * c; i++) {
      const Fp = copy(F),
        Fm = copy(F);
      Fp.data[i] += h;
      Fm.data[i] -= h;
      const fd = (loss.value(Fp, Y, 0) - loss.value(Fm, Y, 0)) / (2 * h);
      // the hinge's kink: a subgradient, skip entries within h of it
      if (loss.name === 'hinge' && Math.abs(1 - Y.data[i] * F.data[i]) < 1e-3) continue;
      assert.ok(Math.abs(-L.data[i] - fd) < 1e-5, `${loss.words} entry ${i}: −∇ℓ ${L.data[i]} vs ${-fd}`);
    }
    if (loss.smoothed) continue; // the hinge's Hessian is the smoothed one's
    const H = new Float64Array(c * c);
    for (let i = 0; i < n; i++) {
      loss.sampleHessian(F, Y, i, 0, H);
      for (let k = 0; k < c; k++) {
        const Fp = copy(F),
          Fm = copy(F);
        Fp.data[i * c + k] += h;
        Fm.data[i * c + k] -= h;
        const Lp = mat(n, c, () => 0),
          Lm = mat(n, c, () => 0);
        loss.negGradient(Fp, Y, 0, Lp);
        loss.negGradient(Fm, Y, 0, Lm);
        for (let l = 0; l < c; l++) {
          const fd = -(Lp.data[i * c + l] - Lm.data[i * c + l]) / (2 * h);
          if (loss.name === 'huber' && Math.abs(Math.abs(F.data[i * c + l] - Y.data[i * c + l]) - 0.4) < 1e-3) continue;
          assert.ok(Math.abs(H[l * c + k] - fd) < 1e-5, `${loss.words} sample ${i} (${l},${k}): H ${H[l * c + k]} vs ${fd}`);
        }
      }
    }
  }
});

test('every loss: Fenchel–Young inequality on the domain, equality at Λ = −∇ℓ(F); intoDomain lands inside', () => {
  const R = rng(78);
  for (const loss of instances()) {
    const n = 7,
      c = 3;
    const Y = labelsFor(loss, n, c, R);
    const inner = (A: Mat, B: Mat) => A.data.reduce((s, v, i) => s + v * B.data[i], 0);
    for (let trial = 0; trial < 20; trial++) {
      const F = mat(n, c, () => 2 * R.normal());
      const L0 = mat(n, c, () => 0);
      loss.negGradient(F, Y, 0, L0);
      const lv = loss.value(F, Y, 0);
      const eq = loss.dualValue(L0, Y, 0) - inner(L0, F);
      assert.ok(Math.abs(lv - eq) <= 1e-9 * (1 + Math.abs(lv)), `${loss.words}: ℓ(F) ${lv} vs G(Λ) − ⟨Λ, F⟩ ${eq} at Λ = −∇ℓ(F)`);
      // another point of the domain: a random Λ moved inside
      const L = mat(n, c, () => R.normal());
      for (const meanZero of [false, true]) {
        const Lm = copy(L);
        if (!loss.intoDomain(Lm, Y, meanZero)) continue;
        assert.ok(loss.domainMargin(Lm, Y) >= 0, `${loss.words}: intoDomain left the domain`);
        const G = loss.dualValue(Lm, Y, 0);
        assert.ok(Number.isFinite(G), `${loss.words}: G = ${G} after intoDomain`);
        assert.ok(lv >= G - inner(Lm, F) - 1e-9 * (1 + Math.abs(lv)), `${loss.words}: Fenchel–Young fails, ${lv} < ${G - inner(Lm, F)}`);
        if (meanZero)
          for (let k = 0; k < c; k++) {
            let s = 0;
            for (let i = 0; i < n; i++) s += Lm.data[i * c + k];
            // cross-entropy reaches Λᵀ1 = 0 by Sinkhorn iterations, to a residue dualPoint.ts accounts for
            assert.ok(Math.abs(s) < (loss.rowSumZero ? 1e-2 : 1e-9), `${loss.words}: column ${k} sums to ${s}`);
          }
      }
    }
  }
});
