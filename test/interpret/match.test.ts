/**
 * matchNeurons: recovers a known permutation of a perturbed copy; the Hungarian assignment equals
 * the brute-force minimum over all permutations.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchNeurons, hungarian } from '../../src/core/interpret';
import type { NetworkWeights } from '../../src/core/problem/network';
import { mat, rng } from '../certify/helpers';

function permutations(k: number): number[][] {
  if (k === 0) return [[]];
  return permutations(k - 1).flatMap((p) => Array.from({ length: k }, (_, i) => [...p.slice(0, i), k - 1, ...p.slice(i)]));
}

test('hungarian equals the brute-force minimum-cost assignment (square and rectangular)', () => {
  const r = rng(3);
  for (let trial = 0; trial < 40; trial++) {
    const nr = 2 + (trial % 4),
      nc = nr + (trial % 3);
    const C = Array.from({ length: nr }, () => Array.from({ length: nc }, () => Math.floor(r.u() * 20) / 4));
    const ans = hungarian(C);
    assert.equal(new Set(ans).size, nr);
    const got = ans.reduce((s, j, i) => s + C[i][j], 0);
    let best = Infinity;
    // choose nr of the nc columns in every order: permutations of nc, first nr entries
    for (const p of permutations(nc))
      best = Math.min(
        best,
        p.slice(0, nr).reduce((s, j, i) => s + C[i][j], 0),
      );
    assert.ok(Math.abs(got - best) < 1e-12, `trial ${trial}: ${got} vs ${best}`);
  }
});

test('matchNeurons recovers a known permutation of a perturbed copy (pattern first, then direction)', () => {
  const r = rng(17);
  const n = 40,
    d = 3,
    m = 7;
  const X = mat(n, d, () => r.normal());
  const net: NetworkWeights = {
    W1: mat(m, d, () => r.normal()),
    b1: Float64Array.from({ length: m }, () => r.normal()),
    W2: mat(1, m, () => r.normal()),
    b2: null,
  };
  const perm = [3, 0, 6, 1, 5, 2, 4]; // optimal neuron t = trained neuron perm[t]
  const eps = 1e-7;
  const opt: NetworkWeights = {
    W1: mat(m, d, (t, k) => net.W1.data[perm[t] * d + k] * 1.7 + eps * r.normal()),
    b1: Float64Array.from({ length: m }, (_, t) => net.b1![perm[t]] * 1.7 + eps * r.normal()),
    W2: mat(1, m, (_, t) => net.W2.data[perm[t]] / 1.7),
    b2: null,
  };
  const pairs = matchNeurons(net, opt, X, { hiddenBias: 'decayed', outputBias: 'none' });
  assert.equal(pairs.length, m);
  for (const p of pairs) {
    assert.equal(perm[p.optimal], p.trained);
    assert.ok(p.cosine > 1 - 1e-10);
    assert.equal(p.samePattern, true);
  }
  // a surplus trained neuron (not in the optimum) stays unmatched; a dead one takes no part
  const extra: NetworkWeights = {
    W1: mat(m + 1, d, (j, k) => (j < m ? net.W1.data[j * d + k] : 0)),
    b1: Float64Array.from({ length: m + 1 }, (_, j) => (j < m ? net.b1![j] : -1)),
    W2: mat(1, m + 1, (_, j) => (j < m ? net.W2.data[j] : 1)),
    b2: null,
  };
  const sub: NetworkWeights = {
    W1: mat(m - 2, d, (t, k) => opt.W1.data[t * d + k]),
    b1: opt.b1!.slice(0, m - 2),
    W2: mat(1, m - 2, (_, t) => opt.W2.data[t]),
    b2: null,
  };
  const p2 = matchNeurons(extra, sub, X, { hiddenBias: 'decayed', outputBias: 'none' });
  assert.equal(p2.length, m - 2);
  for (const p of p2) assert.equal(perm[p.optimal], p.trained);
});

test('pattern outranks direction: the same-pattern neuron wins over a closer direction with another pattern', () => {
  const X = mat(5, 1, (i) => [0, 1, 1.5001, 3, 4][i]);
  const t: NetworkWeights = { W1: mat(1, 1, () => 1), b1: Float64Array.of(-1.5), W2: mat(1, 1, () => 1), b2: null };
  // optimal 0: kink 1.1 (same pattern {2,3,4}); optimal 1: kink 1.5002 (pattern {3,4}) but a closer direction
  const o: NetworkWeights = { W1: mat(2, 1, () => 1), b1: Float64Array.from([-1.1, -1.5002]), W2: mat(1, 2, () => 1), b2: null };
  const dir = (b: number) => [1 / Math.hypot(1, b), b / Math.hypot(1, b)];
  const cos = (a: number[], b: number[]) => a[0] * b[0] + a[1] * b[1];
  assert.ok(cos(dir(-1.5), dir(-1.5002)) > cos(dir(-1.5), dir(-1.1)), 'setup: the other-pattern neuron is closer in direction');
  const p = matchNeurons(t, o, X, { hiddenBias: 'decayed', outputBias: 'none' });
  assert.equal(p.length, 1);
  assert.equal(p[0].optimal, 0);
  assert.equal(p[0].samePattern, true);
});

test('applyMatches fills match/matchCosine on both sides and leaves unmatched neurons null', async () => {
  const { applyMatches } = await import('../../src/core/interpret');
  const blank = (index: number) => ({
    index,
    activeCount: 1,
    kinkSamples: [],
    dualScore: 1,
    alignment: 1,
    extremePoint: true,
    duplicateGroup: null,
    autoencoder: { samples: [], anchor: null, residual: 0 },
    match: null,
    matchCosine: null,
  });
  const { trained, optimal } = applyMatches([blank(0), blank(1)], [blank(0)], [{ trained: 1, optimal: 0, cosine: 0.9, samePattern: true }]);
  assert.equal(trained[0].match, null);
  assert.equal(trained[1].match, 0);
  assert.equal(trained[1].matchCosine, 0.9);
  assert.equal(optimal[0].match, 1);
});
