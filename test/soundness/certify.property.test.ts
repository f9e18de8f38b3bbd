/**
 * Soundness property test of certifyNetwork against the independent reference
 * (test/reference: brute oracle + column generation with its own lasso and Newton polish).
 *
 * For every seeded random small instance (n ≤ 15, d ≤ 2, biases on/off, c = 1 or 2) and every
 * network we build for it (the reference optimum, perturbations of it at 1e-2 … 1e-7, random
 * weights, a few hundred steps of gradient descent, a neuron placed exactly on a data point's
 * kink) we check, with P*_ref ∈ [lower, upper]:
 *  (a) certified ⇒ P_bal − upper ≤ tol·P_bal (+ rounding): no false certificate;
 *  (b) dualBound ≤ upper·(1+1e-9) + 1e-12: the dual bound is a real lower bound;
 *  (c) pstarInterval[0] ≤ upper(1+1e-9) and pstarInterval[1] ≥ lower(1−1e-9);
 *  (d) not-optimal ⇒ a witness whose objective, recomputed by OUR forward pass, matches the
 *      reported one, is < P_bal(1 − tol) and is not below P*;
 *  (e) inconclusive only when the oracle used was not exact (a completeness property);
 *  (f) the reported primal equals our own P_bal (the certificate is about the right number).
 * Violations are collected (seed, kind, numbers) and printed; a summary table of verdicts by
 * category is always printed. Each problem yields ~11–12 networks; how many problems run is set
 * below (RELU_LENS_SOUNDNESS_N, a fixed count: the same seeds on every machine).
 * (e) is a completeness property: it is reported by its own todo test, not as a soundness failure.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { certifyNetwork } from '../../src/core/certify';
import type { CertificateResult } from '../../src/core/certify/types';
import type { Mat } from '../../src/core/linalg/mat';
import { solveReference } from '../reference/refSolver';
import { checkFree, checkOne, freeProblem, makeProblem, networksFor, settingsFor, toWeights, type Violation } from './harness';
import { objectiveBal } from '../reference/objective';
import { sized } from '../slow';

/**
 * Problem count: exactly N_PROBLEMS problems, seeds SEED0, SEED0+1, … — never "as many as fit in
 * a time budget", so a run checks the same instances on every machine and a failure reproduces.
 * The default is a slice for `npm test` (≈ 0.7 s a problem on a loaded 2-core machine): the first
 * 100 seeds; `npm run test:slow` runs 600 (the same seeds first). Every seed is reproducible on its
 * own: RELU_LENS_SOUNDNESS_SEED=s RELU_LENS_SOUNDNESS_N=1.
 */
const DEFAULT_N = sized(100, 600);
const N_PROBLEMS = process.env.RELU_LENS_SOUNDNESS_N !== undefined ? Number(process.env.RELU_LENS_SOUNDNESS_N) : DEFAULT_N;
if (!Number.isSafeInteger(N_PROBLEMS) || N_PROBLEMS < 1)
  throw new Error(`RELU_LENS_SOUNDNESS_N must be a positive integer (got ${process.env.RELU_LENS_SOUNDNESS_N})`);
const SEED0 = Number(process.env.RELU_LENS_SOUNDNESS_SEED ?? 20261123);
// ---------------------------------------------------------------- the test

/** (e) findings of the main run, asserted by the todo test below (completeness, not soundness). */
let incompleteFound: Violation[] = [];

test(`certifyNetwork is sound against the independent reference (${N_PROBLEMS} problems)`, () => {
  const counts = new Map<string, Record<string, number>>();
  const bump = (cat: string, verdict: string) => {
    const row = counts.get(cat) ?? { certified: 0, 'not-optimal': 0, inconclusive: 0, error: 0 };
    row[verdict] = (row[verdict] ?? 0) + 1;
    counts.set(cat, row);
  };
  const violations: Violation[] = [];
  let skipped = 0,
    instances = 0;
  const t0 = performance.now();
  let tRef = 0,
    tCert = 0;
  let problems = 0;
  const slow: string[] = [];
  for (let k = 0; k < N_PROBLEMS; k++) {
    problems++;
    const inst = makeProblem(SEED0 + k);
    const tr = performance.now();
    const ref = solveReference(inst.prob, { maxIterations: 30 });
    tRef += performance.now() - tr;
    if (!ref.converged) {
      skipped++;
      continue;
    }
    const nets = networksFor(inst, ref);
    for (const { kind, net } of nets) {
      instances++;
      const tc = performance.now();
      let res: CertificateResult;
      try {
        res = certifyNetwork(toWeights(net), inst.prob.X as Mat, inst.prob.Y as Mat, settingsFor(inst.prob, inst.seed));
      } catch (e) {
        bump(kind, 'error');
        bump(`data:${inst.dataKind}`, 'error');
        violations.push({ property: 'throw', seed: inst.seed, dataKind: inst.dataKind, netKind: kind, detail: String(e) });
        continue;
      } finally {
        const dt = performance.now() - tc;
        tCert += dt;
        if (dt > 3000) slow.push(`seed ${inst.seed} ${kind}: ${(dt / 1000).toFixed(1)}s`);
      }
      bump(kind, res.verdict);
      bump(`data:${inst.dataKind}`, res.verdict);
      bump(`c=${inst.prob.Y.cols} hb=${inst.prob.hiddenBias} ob=${inst.prob.outputBias}`, res.verdict);
      violations.push(...checkOne(inst, kind, net, res, ref));
    }
    // free hidden bias: same data, b1 unpenalised; checked against every network we hold
    if (inst.prob.hiddenBias === 'decayed') {
      const fp = freeProblem(inst.prob);
      const U = Math.min(...nets.map(({ net }) => objectiveBal(net, fp)));
      for (const { kind, net } of nets.filter((x) => ['ref-optimum', 'perturbed-1e-3', 'perturbed-1e-6', 'trained-gd'].includes(x.kind))) {
        instances++;
        const tc = performance.now();
        try {
          const res = certifyNetwork(toWeights(net), inst.prob.X as Mat, inst.prob.Y as Mat, { ...settingsFor(inst.prob, inst.seed), hiddenBias: 'free' });
          bump(`free-b1:${kind}`, res.verdict);
          violations.push(...checkFree(inst, kind, net, res, U));
        } catch (e) {
          bump(`free-b1:${kind}`, 'error');
          violations.push({ property: 'throw', seed: inst.seed, dataKind: inst.dataKind, netKind: `${kind}/free-b1`, detail: String(e) });
        } finally {
          tCert += performance.now() - tc;
        }
      }
    }
  }
  const rows = [...counts.entries()].sort(([a], [b]) => a.localeCompare(b));
  const lines = [
    `soundness: ${problems} problems (seeds ${SEED0}…${SEED0 + problems - 1}), ${skipped} skipped (reference did not converge), ${instances} certify calls; ` +
      `time ${((performance.now() - t0) / 1000) | 0}s (reference ${(tRef / 1000) | 0}s, certify ${(tCert / 1000) | 0}s)`,
    `${'category'.padEnd(34)} ${'certified'.padStart(9)} ${'not-opt'.padStart(8)} ${'inconcl'.padStart(8)} ${'error'.padStart(6)}`,
    ...rows.map(
      ([cat, r]) =>
        `${cat.padEnd(34)} ${String(r.certified).padStart(9)} ${String(r['not-optimal']).padStart(8)} ${String(r.inconclusive).padStart(8)} ${String(r.error).padStart(6)}`,
    ),
  ];
  const byProp = new Map<string, number>();
  for (const v of violations) byProp.set(v.property, (byProp.get(v.property) ?? 0) + 1);
  lines.push(`violations by property: ${[...byProp.entries()].map(([p, n]) => `${p}:${n}`).join(' ') || 'none'}`);
  if (slow.length) lines.push(`slow certify calls (> 3 s): ${slow.length}: ${slow.slice(0, 10).join('; ')}`);
  for (const v of violations.slice(0, 40)) lines.push(`  (${v.property}) seed ${v.seed} data=${v.dataKind} net=${v.netKind}: ${v.detail}`);
  console.log(lines.join('\n'));
  assert.equal(problems, N_PROBLEMS);
  assert.ok(skipped <= 0.02 * problems, `reference did not converge on ${skipped} of ${problems} problems (> 2%)`);
  const sound = violations.filter((v) => v.property !== 'e');
  assert.equal(sound.length, 0, `soundness violations:\n${sound.map((v) => `(${v.property}) seed ${v.seed} ${v.netKind}: ${v.detail}`).join('\n')}`);
  incompleteFound = violations.filter((v) => v.property === 'e');
});

// Completeness (e) is reported separately: a missed certificate is not a false one, but with an
// exact oracle the answer must be decisive (or the gray zone of the verdict about P(θ), narrowly).
test('inconclusive verdicts only without an exact oracle, or in the gray zone (property e)', () => {
  assert.equal(
    incompleteFound.length,
    0,
    `inconclusive with an exact oracle on ${incompleteFound.length} instance(s):\n${incompleteFound.map((v) => `seed ${v.seed} ${v.netKind}: ${v.detail}`).join('\n')}`,
  );
});
