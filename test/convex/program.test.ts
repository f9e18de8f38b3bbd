/**
 * solveConvexProgram over ALL patterns against independent oracles: the test reference solver
 * (test/reference/refSolver.ts: column generation with its own brute-force oracle, bracket
 * [lower, upper] ∋ P*) and certifyNetwork's P* interval (exact oracle of src/core/oracle).
 * Also: recovery identity (value from the weights = programValue), soundness of lowerBound at any
 * stopping point, and the scalar-output contract.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { solveConvexProgram, enumeratePatterns } from '../../src/core/convex';
import { buildXt } from '../../src/core/problem/features';
import type { CertifyModes } from '../../src/core/problem/network';
import { certifyNetwork } from '../../src/core/certify';
import { settingsFromOptions } from '../../src/core/config/options';
import { ReluLensError } from '../../src/core/errors';
import { solveReference } from '../reference/refSolver';
import { gauss, mkMat, rng } from '../reference/small';
import type { Mat } from '../../src/core/linalg/mat';

function instance(R: () => number, n: number, d: number) {
  const X = mkMat(
    n,
    d,
    Array.from({ length: n * d }, () => gauss(R)),
  );
  const Y = mkMat(
    n,
    1,
    Array.from({ length: n }, () => gauss(R)),
  );
  return { X, Y };
}

function allPatterns(X: Mat, modes: CertifyModes) {
  const Xt = modes.hiddenBias === 'none' ? X : buildXt(X, 'decayed');
  const en = enumeratePatterns(Xt, 100000);
  assert.ok(en.complete);
  return en.patterns;
}

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);

const FIXED: ['decayed' | 'none', CertifyModes['outputBias']][] = [
  ['decayed', 'decayed'],
  ['decayed', 'free'],
  ['decayed', 'none'],
  ['none', 'none'],
  ['none', 'decayed'],
  ['none', 'free'],
];

test('all patterns: value = P* of the independent reference solver to 1e-7 (hidden bias decayed / none)', () => {
  const R = rng(11);
  let count = 0;
  for (const [hb, ob] of FIXED)
    for (let trial = 0; trial < 3; trial++) {
      const n = 4 + ((trial * 3 + count) % 5),
        d = 1 + ((trial + count) % 2);
      const { X, Y } = instance(R, n, d);
      const beta = [0.04, 0.3, 1.2][trial];
      const modes = { hiddenBias: hb, outputBias: ob };
      const res = solveConvexProgram(X, Y, allPatterns(X, modes), beta, modes);
      const ref = solveReference({ X, Y, beta, hiddenBias: hb, outputBias: ob });
      const label = `${hb}/${ob} trial ${trial} (n=${n}, d=${d}, β=${beta})`;
      assert.ok(ref.converged, `reference did not converge: ${label}`);
      assert.ok(res.converged, `${label}: not converged, relGap ${res.relGap}`);
      assert.ok(rel(res.value, ref.upper) <= 1e-7, `${label}: value ${res.value} vs reference ${ref.upper}`);
      // (b) recovery identity
      assert.ok(rel(res.value, res.programValue) <= 1e-8, `${label}: recovered ${res.value} vs program ${res.programValue}`);
      // (c) bound below the value, and tight at convergence
      assert.ok(res.lowerBound <= res.value, `${label}: lowerBound ${res.lowerBound} > value ${res.value}`);
      assert.ok(res.lowerBound >= res.value * (1 - 1e-7), `${label}: lowerBound ${res.lowerBound} not tight`);
      assert.ok(ref.lower <= res.value * (1 + 1e-9) && res.lowerBound <= ref.upper * (1 + 1e-9), `${label}: brackets disagree`);
      count++;
    }
});

test('all patterns, free hidden bias: value inside certifyNetwork’s P* interval (exact oracle) to 1e-7', () => {
  const R = rng(5);
  for (const ob of ['free', 'decayed'] as const)
    for (let trial = 0; trial < 2; trial++) {
      const n = 5 + trial,
        d = 1;
      const { X, Y } = instance(R, n, d);
      const beta = [0.1, 0.5][trial];
      const modes: CertifyModes = { hiddenBias: 'free', outputBias: ob };
      const res = solveConvexProgram(X, Y, allPatterns(X, modes), beta, modes);
      const label = `free/${ob} trial ${trial}`;
      assert.ok(rel(res.value, res.programValue) <= 1e-8, `${label}: recovery ${res.value} vs ${res.programValue}`);
      assert.ok(res.lowerBound <= res.value, `${label}: bound above value`);
      assert.ok(res.relGap <= 1e-7, `${label}: relGap ${res.relGap}`);
      const st = settingsFromOptions({ b1: new Float64Array(1), b2: new Float64Array(1) }, { beta, hiddenBias: 'free', outputBias: ob, maxIterations: 60 });
      const cert = certifyNetwork(res.network, X, Y, st);
      const [lo, hi] = cert.pstarInterval;
      assert.ok(res.value >= lo * (1 - 1e-7) && res.value <= hi * (1 + 1e-7), `${label}: ${res.value} outside [${lo}, ${hi}]`);
      assert.ok(res.lowerBound <= hi * (1 + 1e-12), `${label}: our bound ${res.lowerBound} above certify's upper ${hi}`);
      assert.ok(hi - lo <= 1e-6 * hi, `${label}: certify interval too wide to compare [${lo}, ${hi}]`);
    }
});

test('lowerBound ≤ value at every stopping point (early stops, sampled patterns)', () => {
  const R = rng(9);
  for (let trial = 0; trial < 6; trial++) {
    const { X, Y } = instance(R, 12, 2);
    const modes: CertifyModes = { hiddenBias: 'decayed', outputBias: trial % 2 ? 'free' : 'decayed' };
    const pats = allPatterns(X, modes);
    for (const maxIterations of [0, 3, 25]) {
      const res = solveConvexProgram(X, Y, pats, 0.2, modes, { maxIterations });
      assert.ok(res.lowerBound <= res.value * (1 + 1e-15), `trial ${trial}, ${maxIterations} its: ${res.lowerBound} > ${res.value}`);
      assert.ok(res.lowerBound <= res.programValue * (1 + 1e-15));
    }
  }
});

test('sampled patterns give an upper bound on P* (a witness) and a bound for the restricted program', () => {
  const R = rng(21);
  for (let trial = 0; trial < 3; trial++) {
    const { X, Y } = instance(R, 8, 2);
    const modes: CertifyModes = { hiddenBias: 'decayed', outputBias: 'decayed' };
    const full = solveConvexProgram(X, Y, allPatterns(X, modes), 0.1, modes);
    const Xt = buildXt(X, 'decayed');
    const some = enumeratePatterns(Xt, 100000).patterns.filter((_, i) => i % 3 === 0);
    const part = solveConvexProgram(X, Y, some, 0.1, modes);
    assert.ok(part.value >= full.value * (1 - 1e-9), `restricted ${part.value} below P* ${full.value}`);
    assert.ok(part.lowerBound <= part.value);
  }
});

test('vector output is refused with a usage error; bad β too', () => {
  const X = mkMat(3, 1, [0, 1, 2]);
  const Y2 = mkMat(3, 2, [1, 0, 0, 1, 1, 1]);
  assert.throws(
    () => solveConvexProgram(X, Y2, [], 0.1, { hiddenBias: 'decayed', outputBias: 'decayed' }),
    (e: unknown) => e instanceof ReluLensError && /scalar output/.test(e.message),
  );
  const Y = mkMat(3, 1, [1, 0, 1]);
  assert.throws(() => solveConvexProgram(X, Y, [], -1, { hiddenBias: 'decayed', outputBias: 'decayed' }), ReluLensError);
});

test('no patterns: the optimum is the best constant, and the bound certifies it', () => {
  const X = mkMat(4, 1, [0, 1, 2, 3]);
  const Y = mkMat(4, 1, [1, 2, 0, 1]);
  const res = solveConvexProgram(X, Y, [], 0.5, { hiddenBias: 'decayed', outputBias: 'free' });
  // ½‖y − ȳ‖² with ȳ = 1
  assert.ok(Math.abs(res.value - 1) <= 1e-12);
  assert.ok(res.converged && res.lowerBound <= res.value);
});

test('async driver: products through onnxruntime float64 give the same optimum as the JS driver', async () => {
  const { solveConvexProgramAsync } = await import('../../src/core/convex');
  const { ortKernel } = await import('../../src/core/onnx/ortKernel');
  const ort = await ortKernel('float64');
  const R = rng(61);
  const { X, Y } = instance(R, 9, 2);
  const modes: CertifyModes = { hiddenBias: 'decayed', outputBias: 'decayed' };
  const pats = allPatterns(X, modes);
  const sync = solveConvexProgram(X, Y, pats, 0.15, modes);
  const viaOrt = await solveConvexProgramAsync(X, Y, pats, 0.15, modes, ort ? { kernel: ort } : {});
  await ort?.dispose?.();
  assert.ok(sync.converged && viaOrt.converged);
  assert.ok(rel(viaOrt.value, sync.value) <= 1e-9, `${viaOrt.value} vs ${sync.value}`);
  assert.ok(viaOrt.lowerBound <= viaOrt.value);
  if (ort) assert.ok((viaOrt.kernelUse['onnxruntime-float64'] ?? 0) > 0, 'the kernel was not used');
});
