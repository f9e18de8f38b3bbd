/**
 * The own-cone oracle (ownOracle.ts) reuses work across and within calls: the last answer is kept for
 * a repeated Λ, each block's NNLS starts from its last face, and a direction g the output-sphere
 * branch and bound meets twice is evaluated once. None of that may change what the oracle proves.
 * Independent checks, c = 2 and 3 with a decayed hidden bias (p = 3):
 *  - upper ≥ a brute force over unit ũ on a Fibonacci grid of S² kept only when (2D − I)X̃ũ ≥ 0 holds
 *    for an own pattern (tested directly); the argmax lies in an own cone and attains the bound to 1e-6;
 *  - a repeated Λ (a fresh copy) gives the same answer; a changed Λ — a new Mat, or the SAME Mat
 *    mutated in place — is not answered from the kept one: M is positively homogeneous, so 2Λ gives
 *    2·M within the branch and bound's tolerance;
 *  - an oracle that has seen other Λ first (warm faces, kept answers) proves the same bound as a fresh one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendOnes, fromRows, type Mat } from '../../src/core/linalg/mat';
import { makeRng, gaussian } from '../../src/core/random';
import { ownPatterns } from '../../src/core/convex/patterns';
import { makeOwnOracle } from '../../src/core/oracle/ownOracle';
import { BB_REL_TOL } from '../../src/core/oracle/vector';
import type { CertifyModes, NetworkWeights } from '../../src/core/problem/network';
import { bruteForceOnS2, inOwnCone, valueAt } from './ownConeBrute';

const DEC: CertifyModes = { hiddenBias: 'decayed', outputBias: 'decayed' };

function randMat(rows: number, cols: number, rng: () => number, scale = 1): Mat {
  return fromRows(Array.from({ length: rows }, () => Array.from({ length: cols }, () => scale * gaussian(rng))));
}

test('own oracle, c = 2, 3: kept answers, warm faces and shared sphere vertices prove the same sound bound', () => {
  const rows: string[] = [];
  for (const c of [2, 3]) {
    for (const seed of [1, 2, 3]) {
      const rng = makeRng(900 + 10 * c + seed);
      const n = 12,
        d = 2;
      const X = randMat(n, d, rng);
      const Xt = appendOnes(X);
      const net: NetworkWeights = {
        W1: randMat(4, d, rng),
        b1: Float64Array.from({ length: 4 }, () => 0.7 * gaussian(rng)),
        W2: randMat(c, 4, rng, 0.5),
        b2: new Float64Array(c),
      };
      const pats = ownPatterns(net, X, DEC);
      const L = randMat(n, c, rng);
      const other = randMat(n, c, rng);
      const bf = bruteForceOnS2(Xt, pats, L);
      const tag = `c=${c} seed ${seed}`;

      const oracle = makeOwnOracle(pats);
      const r1 = oracle(Xt, L, { hiddenBias: 'decayed' });
      rows.push(`${tag}: upper ${r1.upper}, lower ${r1.lower}, brute ${bf}; ${r1.notes[0]}`);
      assert.ok(r1.upper >= bf, `unsound: ${tag}: upper ${r1.upper} < brute force ${bf}`);
      // tight: the argmax (checked here to lie in an own cone) attains the bound; the grid can miss a thin cone
      assert.ok(r1.upper <= r1.lower * (1 + 1e-6), `loose: ${tag}`);
      assert.ok(inOwnCone(Xt, pats, r1.argmax, 1e-12), `argmax outside the own cones: ${tag}`);
      assert.ok(r1.lower >= bf * (1 - 1e-3), `lower far below the brute force: ${tag}`);
      assert.ok(Math.abs(valueAt(Xt, L, r1.argmax) - r1.lower) <= 1e-12 * (1 + r1.lower), `argmax value: ${tag}`);

      // the same values in a fresh Mat: the kept answer, as a copy the caller may modify
      const again = oracle(Xt, fromRows(Array.from({ length: n }, (_, i) => Array.from(L.data.subarray(i * c, (i + 1) * c)))), {
        hiddenBias: 'decayed',
        seed: 7,
      });
      assert.equal(again.upper, r1.upper);
      assert.deepEqual(Array.from(again.argmax), Array.from(r1.argmax));
      again.argmax.fill(0);
      assert.ok(
        oracle(Xt, L, { hiddenBias: 'decayed' }).argmax.some((x) => x !== 0),
        `${tag}: the kept answer was modified through a returned copy`,
      );

      // a changed Λ is recomputed: M(2Λ) = 2M(Λ)
      const L2: Mat = { rows: n, cols: c, data: L.data.map((x) => 2 * x) };
      const r2 = oracle(Xt, L2, { hiddenBias: 'decayed' });
      assert.ok(Math.abs(r2.upper - 2 * r1.upper) <= 4 * BB_REL_TOL * r2.upper + 1e-12, `${tag}: M(2Λ) ${r2.upper} vs 2M(Λ) ${2 * r1.upper}`);
      // …also when the caller mutates the same Mat in place
      const Lm: Mat = { rows: n, cols: c, data: Float64Array.from(L.data) };
      const rm1 = oracle(Xt, Lm, { hiddenBias: 'decayed' });
      for (let i = 0; i < Lm.data.length; i++) Lm.data[i] *= 3;
      const rm3 = oracle(Xt, Lm, { hiddenBias: 'decayed' });
      assert.ok(
        Math.abs(rm3.upper - 3 * rm1.upper) <= 4 * BB_REL_TOL * rm3.upper + 1e-12,
        `${tag}: in-place change answered from the kept call: ${rm3.upper} vs ${3 * rm1.upper}`,
      );

      // an oracle warmed on another Λ proves the same bound as a fresh one
      const warmed = makeOwnOracle(pats);
      warmed(Xt, other, { hiddenBias: 'decayed' });
      const rw = warmed(Xt, L, { hiddenBias: 'decayed' });
      assert.ok(rw.upper >= bf, `unsound after warm start: ${tag}`);
      assert.ok(Math.abs(rw.upper - r1.upper) <= 4 * BB_REL_TOL * r1.upper + 1e-12, `${tag}: warm ${rw.upper} vs fresh ${r1.upper}`);
    }
  }
  console.log(rows.join('\n'));
});
