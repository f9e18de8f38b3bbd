import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeOracle } from '../../src/core/oracle/index';
import { brute, instance, lip, value, mat } from './brute';
import type { Mat } from '../../src/core/linalg/mat';
import { sized } from '../slow';

/** Λ with Λᵀ1 = 0 EXACTLY in floating point: entries are multiples of 2⁻²⁰ (sums are exact). */
function center(L: Mat): Mat {
  const { rows, cols } = L;
  const q = 2 ** 20;
  const out = mat(rows, cols, (i, j) => Math.round(Math.max(-1e3, Math.min(1e3, L.data[i * cols + j])) * q) / q);
  for (let j = 0; j < cols; j++) {
    let s = 0;
    for (let i = 0; i < rows - 1; i++) s += out.data[i * cols + j];
    out.data[(rows - 1) * cols + j] = -s;
  }
  return out;
}

test('free bias: Λᵀ1 ≠ 0 ⇒ +∞', () => {
  const X = mat(3, 1, (i) => i);
  const L = mat(3, 1, () => 1);
  const res = computeOracle(X, L, { hiddenBias: 'free' });
  assert.equal(res.upper, Infinity);
  assert.equal(res.exact, false);
});

for (const d of [1, 2, 3]) {
  for (const c of d === 3 ? [1] : [1, 2]) {
    test(`free bias d = ${d}, c = ${c} vs grid over (u, b)`, () => {
      // half the seeds in `npm test`, all in `npm run test:slow` (the grid's 6000 samples dominate)
      const count = sized(d === 3 ? 30 : 60, d === 3 ? 60 : 120);
      let exact = 0,
        worst = 0;
      for (let s = 0; s < count; s++) {
        const seed = 60000 + 1000 * d + 100 * c + s;
        const inst = instance(seed, { d, c, maxN: d === 3 ? 8 : 12 });
        const X = inst.X;
        if (inst.kind === 'x-scale' || inst.kind === 'λ-scale') continue;
        const L = center(inst.L);
        const res = computeOracle(X, L, { hiddenBias: 'free', samples: 50 });
        let R = 0;
        for (let i = 0; i < X.rows; i++) {
          let t = 0;
          for (let q = 0; q < d; q++) t += X.data[i * d + q] ** 2;
          R = Math.max(R, Math.sqrt(t));
        }
        const bf = brute(X, L, { freeBias: true, bRange: R + 0.5, samples: 6000, seed });
        const scale =
          lip(X, L) +
          R *
            lip(
              mat(X.rows, 1, () => 1),
              L,
            );
        const atArg = value(X, L, res.argmax, res.argmaxBias);
        const ctx = `seed ${seed} (${inst.kind}, n=${X.rows}): upper ${res.upper} lower ${res.lower} brute ${bf.max} at ${bf.b} ${res.method} ${res.notes.join('; ')}`;
        assert.ok(Math.abs(atArg - res.lower) <= 1e-11 * scale + 1e-300, `lower not at (argmax, b): ${atArg} ${ctx}`);
        assert.ok(res.lower <= res.upper, ctx);
        assert.ok(bf.max <= res.upper, `UNSOUND by ${bf.max - res.upper}: ${ctx}`);
        if (res.exact) {
          exact++;
          const ref = Math.max(bf.max, atArg);
          worst = Math.max(worst, (res.upper - ref) / Math.max(scale, 1e-300));
          assert.ok(res.upper - ref <= 1e-9 * scale + 2e-9 * ref, `exact far above best: ${ctx}`);
          assert.ok(res.upper - bf.max <= 1e-4 * scale, `grid far below exact: ${ctx}`);
        }
      }
      console.log(`free bias d=${d} c=${c}: exact ${exact}, worst (upper − best)/scale ${worst.toExponential(2)}`);
      assert.ok(exact > 0);
    });
  }
}

test('free bias d = 4: sound bounds', () => {
  for (let s = 0; s < sized(10, 20); s++) {
    const inst = instance(65000 + s, { d: 4, maxN: 10 });
    const L = center(inst.L);
    const res = computeOracle(inst.X, L, { hiddenBias: 'free', samples: 300 });
    const bf = brute(inst.X, L, { freeBias: true, bRange: 4, samples: 6000, seed: s });
    assert.ok(bf.max <= res.upper, `seed ${s}: ${bf.max} > ${res.upper}`);
    assert.ok(res.lower <= res.upper);
  }
});
