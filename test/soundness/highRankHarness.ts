/**
 * Shared pieces of the rank 5–9 soundness suite (highRank.property.test.ts): a seeded generator of
 * scalar-output instances whose X̃ has rank 5–9, the networks built for each instance, and the
 * checks of a certificate against an independent reference bracket [refLower, refUpper] ∋ P*.
 *
 * The reference is ./refSolver.ts driven by the any-rank brute oracle (all 2^n sign patterns,
 * ../reference/bruteOracleAnyRank.ts, through the adapter ../reference/bruteOracleAnyRankRef.ts):
 * refUpper is the objective of a concrete network (our own forward pass), refLower is D(sΛ0)
 * with s ≤ β/M(Λ0), M bounded above by brute force. Both ends are valid on their own whether or
 * not the solver converged; convergence only makes the checks sharper.
 */
import type { CertificateResult, CertifySettings } from '../../src/core/certify/types';
import type { NetworkWeights } from '../../src/core/problem/network';
import type { Mat } from '../../src/core/linalg/mat';
import type { OracleFn } from '../../src/core/oracle/types';
import { bruteOracleAnyRank, oracleAt } from '../reference/bruteOracleAnyRank';
import { BruteOracleAnyRankRef } from '../reference/bruteOracleAnyRankRef';
import {
  augmented,
  centred,
  objectiveP,
  refForward,
  residual,
  type RefHiddenBias,
  type RefNet,
  type RefOutputBias,
  type RefProblem,
} from '../reference/objective';
import { solveReference } from '../reference/refSolver';
import { gauss, mkMat, normv, rng } from '../reference/small';
import { TOL, settingsFor, toWeights, type Violation } from './harness';

/** the certificate's tolerance: the same as the small-rank harness's */
export { TOL };
/** Largest n the generator produces (2^n patterns per brute-force call). */
export const MAX_N_HIGH = 12;

export type HighDataKind = 'random' | 'duplicates' | 'grid' | 'scaled';
const KINDS: HighDataKind[] = ['random', 'random', 'duplicates', 'grid', 'scaled'];

export interface HighInstance {
  seed: number;
  dataKind: HighDataKind;
  /** numerical rank of X̃ (5…9): singular values above RANK_REL·σ_max (one-sided Jacobi, test-only) */
  rank: number;
  prob: RefProblem;
}

/** A 32-bit integer hash (murmur3's finaliser) so that nearby seeds give unrelated streams. */
function scramble(seed: number): number {
  let h = (seed ^ 0x2c1b3c6d) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Singular values below this fraction of the largest count as zero in rankOf (the product's rankTol is 1e-10). */
const RANK_REL = 1e-9;

/**
 * Numerical rank of X̃ from its singular values by one-sided Jacobi on the columns (accurate to a
 * few ulps of σ_max; the Gram eigenvalues of reduceRows square the conditioning, so an exactly
 * singular integer-grid X̃ showed σ_min/σ_max ≈ 2e-9 there and counted as full rank).
 */
function rankOf(Xt: Mat): number {
  const n = Xt.rows,
    p = Xt.cols;
  const cols = Array.from({ length: p }, (_, j) => Array.from({ length: n }, (_, i) => Xt.data[i * p + j]));
  for (let sweep = 0; sweep < 60; sweep++) {
    let rotated = false;
    for (let a = 0; a < p; a++)
      for (let b = a + 1; b < p; b++) {
        const x = cols[a],
          y = cols[b];
        let alpha = 0,
          beta = 0,
          gamma = 0;
        for (let i = 0; i < n; i++) {
          alpha += x[i] * x[i];
          beta += y[i] * y[i];
          gamma += x[i] * y[i];
        }
        if (gamma === 0 || Math.abs(gamma) <= 1e-15 * Math.sqrt(alpha * beta)) continue;
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = Math.sign(zeta || 1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t),
          sn = c * t;
        for (let i = 0; i < n; i++) {
          const xi = x[i],
            yi = y[i];
          x[i] = c * xi - sn * yi;
          y[i] = sn * xi + c * yi;
        }
      }
    if (!rotated) break;
  }
  const sv = cols.map((col) => normv(col));
  const top = Math.max(...sv, 0);
  return top > 0 ? sv.filter((x) => x > RANK_REL * top).length : 0;
}

/**
 * A rank 5–9 instance from its seed (reproducible): target rank r = 5 + (seed mod 5); decayed hidden bias
 * with d = r − 1 (X̃ = [X, 1]) or no hidden bias with d = r; n ∈ [r, maxN] (maxN ≤ 12); scalar
 * labels; output bias decayed / free / none; β log-uniform in [0.01, 3] (scaled with the data for
 * 'scaled'). Data kinds: Gaussian; duplicates (the first r rows distinct, later rows copies with
 * probability ½); a coarse integer grid {−2,…,2}^d (many ties, many points on shared hyperplanes);
 * far-from-unit magnitudes. A draw whose X̃ falls below rank 5 (possible on the grid) is redrawn
 * from the same stream with the next target rank, so the seed still determines the instance.
 */
export function makeHighRankProblem(seed: number, maxN = MAX_N_HIGH): HighInstance {
  // mulberry32 streams of consecutive seeds are visibly correlated in their first outputs (the
  // second draw of seeds 91000…91029 was mostly > 0.8): scramble the seed first
  const R = rng(scramble(seed));
  const dataKind = KINDS[Math.floor(R() * KINDS.length)];
  for (let attempt = 0; ; attempt++) {
    // the target rank cycles with the seed, so any 5 consecutive seeds cover ranks 5…9
    const r = 5 + ((((seed + attempt) % 5) + 5) % 5);
    const hiddenBias: RefHiddenBias = R() < 0.6 ? 'decayed' : 'none';
    const outputBias: RefOutputBias = (['decayed', 'free', 'none'] as const)[Math.floor(R() * 3)];
    const d = hiddenBias === 'decayed' ? r - 1 : r;
    const lo = Math.min(r, maxN),
      hi = Math.max(lo, maxN);
    const n = lo + Math.floor(R() * (hi - lo + 1));
    const X = mkMat(n, d);
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < d; k++) X.data[i * d + k] = gauss(R);
      if (dataKind === 'grid') for (let k = 0; k < d; k++) X.data[i * d + k] = Math.max(-2, Math.min(2, Math.round(X.data[i * d + k])));
      if (dataKind === 'duplicates' && i >= r && R() < 0.5) {
        const j = Math.floor(R() * i);
        for (let k = 0; k < d; k++) X.data[i * d + k] = X.data[j * d + k];
      }
    }
    const Y = mkMat(n, 1);
    for (let i = 0; i < n; i++) {
      const x0 = X.data[i * d],
        x1 = X.data[i * d + 1];
      Y.data[i] = Math.sin(2 * x0) + 0.5 * Math.abs(x1) - 0.3 + 0.3 * gauss(R);
    }
    let beta = Math.exp(Math.log(0.01) + R() * Math.log(3 / 0.01));
    if (dataKind === 'scaled') {
      const sx = R() < 0.5 ? 1e3 : 1e-3,
        sy = R() < 0.5 ? 1e2 : 1e-2;
      X.data.forEach((x, i) => (X.data[i] = x * sx));
      Y.data.forEach((y, i) => (Y.data[i] = y * sy));
      // keeps the problem non-trivial: the bias column of X̃ is not scaled
      beta *= (hiddenBias === 'decayed' ? Math.max(sx, 1) : sx) * sy;
    }
    const prob: RefProblem = { X, Y, beta, hiddenBias, outputBias };
    const rank = rankOf(augmented(X, hiddenBias));
    if ((rank >= 5 && rank <= 9) || attempt >= 20) return { seed, dataKind, rank, prob };
  }
}

// ---------------------------------------------------------------- networks

export function cloneNet(net: RefNet): RefNet {
  return {
    W1: mkMat(net.W1.rows, net.W1.cols, net.W1.data),
    b1: net.b1 ? Float64Array.from(net.b1) : null,
    W2: mkMat(net.W2.rows, net.W2.cols, net.W2.data),
    b2: net.b2 ? Float64Array.from(net.b2) : null,
  };
}

export function fromWeights(w: NetworkWeights): RefNet {
  return cloneNet({ W1: w.W1, b1: w.b1, W2: w.W2, b2: w.b2 });
}

/** Multiplicative perturbation w ← w(1 + s·g) plus a small additive part so zeros move too. */
export function perturb(net: RefNet, s: number, R: () => number): RefNet {
  const out = cloneNet(net);
  for (const a of [out.W1.data, out.W2.data, out.b1, out.b2]) if (a) for (let i = 0; i < a.length; i++) a[i] = a[i] * (1 + s * gauss(R)) + 0.1 * s * gauss(R);
  return out;
}

export function randomNet(prob: RefProblem, m: number, R: () => number, scale = 1): RefNet {
  const d = prob.X.cols;
  const xs = Math.max(...Array.from(prob.X.data, Math.abs), 1e-300);
  const ys = Math.max(...Array.from(prob.Y.data, Math.abs), 1e-300);
  // weights in the data's units so 'scaled' instances get a non-trivial random network
  return {
    W1: mkMat(
      m,
      d,
      Array.from({ length: m * d }, () => (scale * gauss(R)) / xs),
    ),
    b1: prob.hiddenBias === 'decayed' ? Float64Array.from({ length: m }, () => scale * gauss(R)) : null,
    W2: mkMat(
      1,
      m,
      Array.from({ length: m }, () => scale * ys * gauss(R)),
    ),
    b2: prob.outputBias === 'none' ? null : Float64Array.from([0.1 * ys * gauss(R)]),
  };
}

/**
 * The network plus one neuron that is dead on every sample (≤ 0 everywhere) but carries weight,
 * so P(θ) pays its penalty β/2(‖ũ‖² + ‖v‖²) while the predictions are unchanged.
 * Decayed hidden bias: u = small random, bias = −(1 + max |x_iᵀu|); otherwise u = 0 (the
 * pre-activation is exactly 0, not > 0: dead). Output weight chosen so the penalty is ~1% of P.
 */
export function withDeadNeuron(net: RefNet, prob: RefProblem, R: () => number): RefNet {
  const d = prob.X.cols,
    n = prob.X.rows,
    m = net.W1.rows + 1;
  const u = new Array<number>(d).fill(0);
  let b = 0;
  if (prob.hiddenBias === 'decayed') {
    const xs = Math.max(...Array.from(prob.X.data, Math.abs), 1e-300);
    for (let k = 0; k < d; k++) u[k] = (0.1 * gauss(R)) / xs;
    let mx = 0;
    for (let i = 0; i < n; i++) {
      let z = 0;
      for (let k = 0; k < d; k++) z += u[k] * prob.X.data[i * d + k];
      mx = Math.max(mx, Math.abs(z));
    }
    b = -(1 + mx);
  }
  const P = objectiveP(net, prob);
  const v = Math.sqrt((0.02 * Math.max(P, 1e-300)) / prob.beta) * (R() < 0.5 ? 1 : -1);
  const W1 = mkMat(m, d);
  W1.data.set(net.W1.data);
  W1.data.set(u, (m - 1) * d);
  const b1 = prob.hiddenBias === 'decayed' ? new Float64Array(m) : null;
  if (b1) {
    b1.set(net.b1 ?? new Float64Array(m - 1));
    b1[m - 1] = b;
  }
  const W2 = mkMat(1, m);
  W2.data.set(net.W2.data);
  W2.data[m - 1] = v;
  return { W1, b1, W2, b2: net.b2 ? Float64Array.from(net.b2) : null };
}

/**
 * The output bias moved by δ = −ȳ (0.1·rms(Y) if ȳ ≈ 0): the residual is then far from mean zero.
 * With a free b2 the dual needs Λᵀ1 = 0; an uncentred residual R* + ȳ1 has ⟨Λ,Y⟩ larger by nȳ², so
 * a certificate that forgot the projection can report D > P* on this network.
 */
export function withShiftedOutputBias(net: RefNet, prob: RefProblem): RefNet {
  const out = cloneNet(net);
  if (!out.b2) return out;
  const n = prob.Y.rows;
  let mean = 0,
    ss = 0;
  for (let i = 0; i < n; i++) {
    mean += prob.Y.data[i] / n;
    ss += prob.Y.data[i] ** 2 / n;
  }
  const delta = Math.abs(mean) > 0.05 * Math.sqrt(ss) ? -mean : -0.1 * Math.sqrt(ss);
  out.b2[0] += delta;
  return out;
}

/** Neuron j (the largest) rescaled: ũ_j ← t·ũ_j, v_j ← v_j/t. Same predictions; P(θ) grows unless t = 1 on a balanced neuron. */
export function withRescaledNeuron(net: RefNet, t: number): RefNet {
  const out = cloneNet(net);
  const d = net.W1.cols,
    m = net.W1.rows;
  if (!m) return out;
  let j = 0,
    best = -1;
  for (let k = 0; k < m; k++) {
    const a = Math.abs(net.W2.data[k]);
    if (a > best) {
      best = a;
      j = k;
    }
  }
  for (let k = 0; k < d; k++) out.W1.data[j * d + k] *= t;
  if (out.b1) out.b1[j] *= t;
  out.W2.data[j] /= t;
  return out;
}

// ---------------------------------------------------------------- checks

export type HighViolation = Violation;

/**
 * The small-rank harness's settings plus the CLI's and the extension's refinement after a witness
 * (config/options.ts INTERACTIVE_DEFAULTS); no time budget, so a verdict does not depend on the
 * machine's speed.
 */
export function settingsForHigh(prob: RefProblem, seed: number): CertifySettings {
  return { ...settingsFor(prob, seed), refineAfterWitness: 5 };
}

/** max |F_a − F_b| over samples, relative to max |F_a| (+ tiny): "same predictions". */
export function predictionDiff(a: RefNet, b: RefNet, X: Mat): number {
  const Fa = refForward(a, X),
    Fb = refForward(b, X);
  let diff = 0,
    scale = 1e-300;
  for (let i = 0; i < Fa.data.length; i++) {
    diff = Math.max(diff, Math.abs(Fa.data[i] - Fb.data[i]));
    scale = Math.max(scale, Math.abs(Fa.data[i]));
  }
  return diff / scale;
}

/**
 * The certificate of `net` (weights as given) against the reference bracket and every network we
 * evaluated ourselves (`knownUpper`: the smallest P of any concrete network we hold — an upper
 * bound on P* that needs no convergence). Returns the violations; 'e' is completeness only.
 *  (f) primalAsTrained = our P(θ);  gap = P(θ) − dualBound;
 *  (a) certified ⇒ P(θ) − min(refUpper, knownUpper) ≤ tol·P(θ) (a network better by more than
 *      tol would make the certificate false) and P(θ) − dualBound ≤ tol·P(θ) (the rule itself);
 *  (b) dualBound ≤ min(refUpper, knownUpper)·(1 + 1e-9): a real lower bound on P*;
 *  (c) pstarInterval ∩ [refLower, refUpper] ≠ ∅ (1e-9 relative): lower end ≤ refUpper, upper end ≥ refLower;
 *  (d) not-optimal ⇒ a witness whose P, recomputed by OUR forward pass, matches the reported one,
 *      is < P(θ)(1 − tol) and ≥ refLower (no network beats P*); 'rebalance/prune' ⇒ same predictions;
 *  (e) inconclusive with an exact oracle (completeness, reported separately).
 */
export function checkHigh(
  inst: HighInstance,
  netKind: string,
  net: RefNet,
  res: CertificateResult,
  ref: { lower: number; upper: number },
  knownUpper: number,
): HighViolation[] {
  const v: HighViolation[] = [];
  const { prob } = inst;
  const push = (property: string, detail: string) => v.push({ property, seed: inst.seed, dataKind: inst.dataKind, netKind, detail });
  const P = objectiveP(net, prob);
  const tol = res.tol;
  const rnd = 1e-12 * Math.abs(P) + 1e-300;
  const up = Math.min(ref.upper, knownUpper),
    lo = ref.lower;
  if (!(Math.abs(res.primalAsTrained - P) <= 1e-9 * Math.abs(P) + 1e-300)) push('f', `reported P(θ) ${res.primalAsTrained} ≠ recomputed ${P}`);
  if (!(Math.abs(res.gap - (res.primalAsTrained - res.dualBound)) <= 1e-12 * Math.abs(P) + 1e-300))
    push('f', `gap ${res.gap} ≠ P(θ) − D = ${res.primalAsTrained - res.dualBound}`);
  if (res.verdict === 'certified') {
    if (P - up > tol * P + rnd) push('a', `certified but P(θ)=${P} − P*_upper=${up} = ${P - up} > tol·P(θ)=${tol * P} (rel ${(P - up) / P})`);
    if (P - res.dualBound > tol * P + rnd) push('a', `certified but P(θ) − D = ${P - res.dualBound} > tol·P(θ) = ${tol * P}`);
  }
  if (res.dualBound > up * (1 + 1e-9) + 1e-300) push('b', `dualBound=${res.dualBound} > P*_upper=${up} (ref ${ref.upper}, known ${knownUpper})`);
  if (res.pstarInterval[0] > up * (1 + 1e-9) + 1e-300) push('c', `pstarInterval[0]=${res.pstarInterval[0]} > P*_upper=${up}`);
  if (res.pstarInterval[1] < lo * (1 - 1e-9) - 1e-300) push('c', `pstarInterval[1]=${res.pstarInterval[1]} < P*_lower=${lo}`);
  if (res.verdict === 'not-optimal') {
    const w = res.witness;
    if (!w) push('d', 'not-optimal without a witness');
    else {
      const wn: RefNet = { W1: w.W1, b1: w.b1, W2: w.W2, b2: w.b2 };
      const pw = objectiveP(wn, prob);
      if (!(Math.abs(pw - w.objective) <= 1e-9 * Math.abs(pw) + 1e-300)) push('d', `witness (${w.kind}) objective reported ${w.objective}, recomputed ${pw}`);
      if (!(pw < P * (1 - tol))) push('d', `witness (${w.kind}) ${pw} not below P(θ)(1−tol) = ${P * (1 - tol)}`);
      if (pw < lo * (1 - 1e-9)) push('d', `witness (${w.kind}) ${pw} below P*_lower ${lo}: impossible network objective`);
      if (w.kind === 'rebalance/prune') {
        const pd = predictionDiff(net, wn, prob.X);
        if (pd > 1e-9) push('d', `rebalance/prune witness changes the predictions (rel ${pd})`);
      }
    }
  }
  if (res.verdict === 'inconclusive' && res.oracle.exact)
    push('e', `inconclusive with an exact oracle (${res.oracle.method}); relGap ${res.relGap}; P(θ) ${P}; P* ∈ [${lo}, ${up}]`);
  return v;
}

// ---------------------------------------------------------------- runners (shared by the test and its mutation checks)

export interface HighRef {
  lower: number;
  upper: number;
  converged: boolean;
  iterations: number;
  net: RefNet;
  ms: number;
}

const refCache = new Map<string, HighRef>();

/** The reference bracket of an instance (refSolver + any-rank brute oracle), cached per seed and size. */
export function referenceFor(inst: HighInstance, maxN: number): HighRef {
  const key = `${inst.seed}/${maxN}`;
  const hit = refCache.get(key);
  if (hit) return hit;
  const t0 = performance.now();
  const r = solveReference(inst.prob, { maxIterations: 30, makeOracle: (Xt) => new BruteOracleAnyRankRef(Xt) });
  const out: HighRef = { lower: r.lower, upper: r.upper, converged: r.converged, iterations: r.iterations, net: r.net, ms: performance.now() - t0 };
  refCache.set(key, out);
  return out;
}

function valueAtU(Xt: Mat, L: Mat, u: ArrayLike<number>): number {
  return oracleAt(Xt, L.data, u);
}

export interface OracleRunStats {
  instances: number;
  calls: number;
  exact: number;
  methods: Record<string, number>;
  byRank: Record<number, { calls: number; exact: number }>;
  /** max over calls of (M_brute − upper)/M_brute: must stay ≤ 1e-12 */
  worstUpper: number;
  /** max over exact calls of (upper − lower)/roundingAllowance */
  worstExactSpread: number;
  /** max (value − attained)/value of the brute force itself */
  worstBruteBracket: number;
  ms: number;
  bruteMs: number;
}

/**
 * Property A: the oracle against all-2^n brute force on Λ at and near the reference optimum's
 * residual (M = β attained on several patterns at once), random Gaussian Λ, random signs (ties)
 * and the labels. Returns the violations and the counts.
 */
export function runOracleProperty(
  oracle: OracleFn,
  seeds: number[],
  maxN: number,
  progress?: (line: string) => void,
): { bad: string[]; stats: OracleRunStats } {
  const bad: string[] = [];
  const stats: OracleRunStats = {
    instances: 0,
    calls: 0,
    exact: 0,
    methods: {},
    byRank: {},
    worstUpper: -Infinity,
    worstExactSpread: 0,
    worstBruteBracket: 0,
    ms: 0,
    bruteMs: 0,
  };
  const t0 = performance.now();
  for (const seed of seeds) {
    if (progress && stats.instances && stats.instances % 100 === 0)
      progress(
        `oracle: ${stats.instances}/${seeds.length} instances, ${stats.calls} calls, ${stats.exact} exact, ${bad.length} violations, ${((performance.now() - t0) / 1000).toFixed(0)} s`,
      );
    const inst = makeHighRankProblem(seed, maxN);
    const { prob } = inst;
    stats.instances++;
    const Xt = augmented(prob.X, prob.hiddenBias);
    const ref = referenceFor(inst, maxN);
    const R0 = residual(ref.net, prob);
    const base = prob.outputBias === 'free' ? centred(R0) : R0;
    const R = rng(seed ^ 0x7f4a7c15);
    const n = prob.X.rows;
    const lams: [string, Mat][] = [
      ['residual-at-optimum', base],
      [
        'residual+1e-6',
        mkMat(
          n,
          1,
          Array.from(base.data, (x) => x + 1e-6 * gauss(R) * (Math.abs(x) + 1e-3 * Math.max(...Array.from(base.data, Math.abs)))),
        ),
      ],
      [
        'random',
        mkMat(
          n,
          1,
          Array.from({ length: n }, () => gauss(R)),
        ),
      ],
      [
        'signs',
        mkMat(
          n,
          1,
          Array.from({ length: n }, () => (R() < 0.5 ? -1 : 1)),
        ),
      ],
    ];
    for (const [kind, L] of lams) {
      stats.calls++;
      const tb = performance.now();
      const b = bruteOracleAnyRank(Xt, L.data);
      stats.bruteMs += performance.now() - tb;
      const Mhi = b.value,
        Mlo = b.attained;
      const res = oracle(Xt, L, { hiddenBias: prob.hiddenBias, seed: 1 });
      stats.methods[res.method] = (stats.methods[res.method] ?? 0) + 1;
      const rk = (stats.byRank[inst.rank] ??= { calls: 0, exact: 0 });
      rk.calls++;
      if (res.exact) {
        stats.exact++;
        rk.exact++;
      }
      const where = `seed ${seed} (${inst.dataKind}, n=${n}, d=${prob.X.cols}, rank=${inst.rank}, hb=${prob.hiddenBias}) Λ=${kind} [${res.method}${res.exact ? ', exact' : ''}]`;
      const ulp = 1e-14 * normv(L.data) * normv(Xt.data);
      if (Mhi > 0) {
        stats.worstUpper = Math.max(stats.worstUpper, (Mhi - res.upper) / Mhi);
        stats.worstBruteBracket = Math.max(stats.worstBruteBracket, (Mhi - Mlo) / Mhi);
      }
      if (b.nnlsNotConverged) bad.push(`${where}: reference NNLS did not converge on ${b.nnlsNotConverged} patterns`);
      // the reference solver's pruned adapter must agree with the full enumeration (it supplies refLower in B)
      const pr = new BruteOracleAnyRankRef(Xt).evaluate(L);
      if (!(pr.value >= Mlo * (1 - 1e-12) && Math.abs(pr.attained - Mlo) <= 1e-12 * Mhi + ulp))
        bad.push(`${where}: pruned reference [${pr.attained}, ${pr.value}] disagrees with full brute force [${Mlo}, ${Mhi}]`);
      if (Mhi - Mlo > 1e-9 * Mhi + ulp) bad.push(`${where}: reference bracket open: attained ${Mlo} < value ${Mhi}`);
      if (!(res.upper >= Mhi * (1 - 1e-12) - ulp)) bad.push(`${where}: upper ${res.upper} < brute M ${Mhi} (rel ${(Mhi - res.upper) / Mhi})`);
      if (!(res.lower <= Mhi * (1 + 1e-12) + ulp)) bad.push(`${where}: lower ${res.lower} > brute M ${Mhi}`);
      if (res.lower > 0) {
        const at = valueAtU(Xt, L, res.argmax);
        if (!(Math.abs(at - res.lower) <= 1e-9 * Math.max(at, res.lower) + ulp)) bad.push(`${where}: lower ${res.lower} not attained at argmax (${at})`);
      }
      if (res.exact) {
        const spread = res.upper - res.lower;
        if (res.roundingAllowance > 0) stats.worstExactSpread = Math.max(stats.worstExactSpread, spread / res.roundingAllowance);
        if (!(spread <= res.roundingAllowance * (1 + 1e-9) + 1e-300))
          bad.push(`${where}: exact but upper − lower = ${spread} > roundingAllowance ${res.roundingAllowance}`);
        if (!(Mlo <= res.upper * (1 + 1e-9) + ulp && Mhi >= res.lower * (1 - 1e-9) - ulp))
          bad.push(`${where}: exact but brute [${Mlo}, ${Mhi}] outside [${res.lower}, ${res.upper}]`);
      }
    }
  }
  stats.ms = performance.now() - t0;
  return { bad, stats };
}

export type CertifyFn = (net: NetworkWeights, X: Mat, Y: Mat, settings: CertifySettings) => CertificateResult;

export interface CertRunStats {
  instances: number;
  calls: number;
  refConverged: number;
  verdicts: Record<string, Record<string, number>>;
  exactOracle: number;
  methods: Record<string, number>;
  witnessKinds: Record<string, number>;
  /** completeness notes: a dead / clearly rescaled network not called not-optimal, an optimum not certified */
  expectations: string[];
  refMs: number;
  certMs: number;
  msByKind: Record<string, number>;
  ms: number;
  slow: string[];
}

/**
 * Property B: certificates of networks built per instance, checked by checkHigh against the
 * reference bracket and every concrete network we hold. Networks: random; the reference optimum;
 * it perturbed at 1e-2 and 1e-3; it with one neuron rescaled so that P(θ) − P_bal ≈ 0.3·tol·P
 * and ≈ 3·tol·P (the verdict is about the weights as given); it plus a dead neuron; it with the
 * output bias shifted (residual far from mean zero: the free-b2 dual's Λᵀ1 = 0); the engine's
 * own network (the 'better-network' witness it returned for the random network) as given, and
 * that network plus a dead neuron and with a neuron rescaled by 2. With allNetworks = false (the CI
 * slice) only two of the five costly kinds (perturbed ×2, engine ×3) run per instance, by seed.
 */
export function runCertifyProperty(
  certify: CertifyFn,
  seeds: number[],
  maxN: number,
  allNetworks = true,
  progress?: (line: string) => void,
): { violations: HighViolation[]; stats: CertRunStats } {
  const violations: HighViolation[] = [];
  const stats: CertRunStats = {
    instances: 0,
    calls: 0,
    refConverged: 0,
    verdicts: {},
    exactOracle: 0,
    methods: {},
    witnessKinds: {},
    expectations: [],
    refMs: 0,
    certMs: 0,
    msByKind: {},
    ms: 0,
    slow: [],
  };
  const t0 = performance.now();
  const bump = (cat: string, verdict: string) => {
    const row = (stats.verdicts[cat] ??= { certified: 0, 'not-optimal': 0, inconclusive: 0, error: 0 });
    row[verdict] = (row[verdict] ?? 0) + 1;
  };
  for (const seed of seeds) {
    if (progress && stats.instances && stats.instances % 100 === 0)
      progress(
        `certify: ${stats.instances}/${seeds.length} instances, ${stats.calls} calls, ${violations.filter((v) => v.property !== 'e').length} violations, ${((performance.now() - t0) / 1000).toFixed(0)} s`,
      );
    const inst = makeHighRankProblem(seed, maxN);
    const { prob } = inst;
    stats.instances++;
    const tr = performance.now();
    const ref = referenceFor(inst, maxN);
    stats.refMs += performance.now() - tr;
    if (ref.converged) stats.refConverged++;
    const R = rng(seed ^ 0x5bd1e995);
    const opt = ref.net;
    const Popt = objectiveP(opt, prob);
    // rescaling the largest neuron by t adds β/2·a²(t − 1/t)² (a = its balanced norm): pick t for a target excess
    const rescaleFor = (excess: number): RefNet | null => {
      const m = opt.W1.rows;
      let a2 = 0;
      for (let j = 0; j < m; j++) a2 = Math.max(a2, Math.abs(opt.W2.data[j]) ** 2);
      if (!(a2 > 0)) return null; // the optimum has no neuron (β large): nothing to rescale
      const s = Math.sqrt((2 * excess) / (prob.beta * a2)); // t − 1/t = s
      return withRescaledNeuron(opt, (s + Math.sqrt(s * s + 4)) / 2);
    };
    // the slice runs every cheap network and two of the five costly ones (rotating with the seed)
    const costly = ['ref-perturbed-1e-2', 'ref-perturbed-1e-3', 'engine-witness', 'engine-witness+dead', 'engine-witness-rescaled-2'];
    const k = ((seed % 5) + 5) % 5;
    const wanted = (kind: string) => allNetworks || !costly.includes(kind) || kind === costly[k] || kind === costly[(k + 2) % 5];
    const nets: { kind: string; net: RefNet | null }[] = [
      { kind: 'random', net: randomNet(prob, 1 + Math.floor(R() * 4), R) },
      { kind: 'ref-optimum', net: opt },
      { kind: 'ref-perturbed-1e-2', net: perturb(opt, 1e-2, R) },
      { kind: 'ref-perturbed-1e-3', net: perturb(opt, 1e-3, R) },
      { kind: 'ref-rescaled-0.3tol', net: rescaleFor(0.3 * TOL * Popt) },
      { kind: 'ref-rescaled-3tol', net: rescaleFor(3 * TOL * Popt) },
      { kind: 'ref-dead', net: withDeadNeuron(opt, prob, R) },
    ];
    if (opt.b2) nets.push({ kind: 'ref-b2-shift', net: withShiftedOutputBias(opt, prob) });
    const results: { kind: string; net: RefNet; res: CertificateResult | null }[] = [];
    const run = (kind: string, net: RefNet | null): CertificateResult | null => {
      if (!net || !wanted(kind)) return null;
      stats.calls++;
      const tc = performance.now();
      let res: CertificateResult | null = null;
      try {
        res = certify(toWeights(net), prob.X, prob.Y, settingsForHigh(prob, seed));
      } catch (e) {
        bump(kind, 'error');
        violations.push({ property: 'throw', seed, dataKind: inst.dataKind, netKind: kind, detail: String(e) });
      }
      const dt = performance.now() - tc;
      stats.certMs += dt;
      stats.msByKind[kind] = (stats.msByKind[kind] ?? 0) + dt;
      if (dt > 5000) stats.slow.push(`seed ${seed} ${kind}: ${(dt / 1000).toFixed(1)} s`);
      if (res) {
        bump(kind, res.verdict);
        bump(`rank ${inst.rank}`, res.verdict);
        if (res.oracle.exact) stats.exactOracle++;
        stats.methods[res.oracle.method] = (stats.methods[res.oracle.method] ?? 0) + 1;
        if (res.witness) stats.witnessKinds[`${kind}:${res.witness.kind}`] = (stats.witnessKinds[`${kind}:${res.witness.kind}`] ?? 0) + 1;
      }
      results.push({ kind, net, res });
      return res;
    };
    for (const { kind, net } of nets) run(kind, net);
    // the engine's own network: the witness it returned for the random network
    const w = results[0].res?.witness;
    if (w && w.kind === 'better-network') {
      const eng = fromWeights(w);
      run('engine-witness', eng);
      run('engine-witness+dead', withDeadNeuron(eng, prob, R));
      if (eng.W2.data.some((x) => x !== 0)) run('engine-witness-rescaled-2', withRescaledNeuron(eng, 2));
    }
    // every concrete network we hold bounds P* from above (objective by our own forward pass)
    let knownUpper = ref.upper;
    for (const { net, res } of results) {
      knownUpper = Math.min(knownUpper, objectiveP(net, prob));
      if (res?.witness) knownUpper = Math.min(knownUpper, objectiveP(fromWeights(res.witness), prob));
    }
    for (const { kind, net, res } of results) {
      if (!res) continue;
      violations.push(...checkHigh(inst, kind, net, res, ref, knownUpper));
      // completeness expectations (reported, not asserted)
      const P = objectiveP(net, prob);
      const clearlyWorse = P - ref.upper > 2 * TOL * P;
      if (clearlyWorse && res.verdict !== 'not-optimal')
        stats.expectations.push(
          `seed ${seed} ${kind}: P(θ) − P*_upper = ${((P - ref.upper) / P).toExponential(2)}·P(θ) but verdict ${res.verdict} (relGap ${res.relGap.toExponential(2)}, ${res.oracle.method})`,
        );
      if (kind === 'ref-optimum' && ref.converged && res.verdict !== 'certified')
        stats.expectations.push(
          `seed ${seed} ${kind}: reference optimum (converged) not certified: ${res.verdict}, relGap ${res.relGap.toExponential(2)}, ${res.oracle.method}`,
        );
    }
  }
  stats.ms = performance.now() - t0;
  return { violations, stats };
}
