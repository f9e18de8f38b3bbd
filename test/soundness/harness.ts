/**
 * Shared pieces of the soundness suite: seeded problem generator, the networks built for each
 * problem, certify settings, and the property checks (a)–(f). See certify.property.test.ts.
 */
import type { CertificateResult, CertifySettings } from '../../src/core/certify/types';
import type { NetworkWeights } from '../../src/core/problem/network';
import type { Mat } from '../../src/core/linalg/mat';
import type { RefSolution } from '../reference/refSolver';
import { objectiveBal, objectiveP, type RefHiddenBias, type RefNet, type RefOutputBias, type RefProblem } from '../reference/objective';
import { gauss, mkMat, rng } from '../reference/small';

export const TOL = 1e-4;

export type DataKind = 'random' | 'duplicates' | 'collinear' | 'zero-labels' | 'beta-huge' | 'beta-tiny' | 'grid' | 'scaled' | 'zero-x';
const DATA_KINDS: DataKind[] = ['random', 'random', 'random', 'duplicates', 'collinear', 'zero-labels', 'beta-huge', 'beta-tiny', 'grid', 'scaled', 'zero-x'];

export interface Instance {
  seed: number;
  dataKind: DataKind;
  prob: RefProblem;
}

/** A problem (data, labels, β, bias modes) from its seed — reproducible. */
export function makeProblem(seed: number): Instance {
  const R = rng(seed);
  const dataKind = DATA_KINDS[Math.floor(R() * DATA_KINDS.length)];
  const d = 1 + Math.floor(R() * 2);
  const c = R() < 0.65 ? 1 : 2;
  const hiddenBias: RefHiddenBias = R() < 0.6 ? 'decayed' : 'none';
  const outputBias: RefOutputBias = (['decayed', 'free', 'none'] as const)[Math.floor(R() * 3)];
  let n = 3 + Math.floor(R() * 13);
  if (dataKind === 'beta-tiny') n = Math.min(n, 7);
  const X = mkMat(n, d);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < d; k++) X.data[i * d + k] = gauss(R);
    if (dataKind === 'duplicates' && i > 0 && R() < 0.4) {
      const j = Math.floor(R() * i);
      for (let k = 0; k < d; k++) X.data[i * d + k] = X.data[j * d + k];
    }
    if (dataKind === 'collinear') {
      // all points on one line through a random offset (rank ≤ 2 with the bias column)
      const t = gauss(R);
      X.data[i * d] = 0.4 + t;
      if (d === 2) X.data[i * d + 1] = -0.7 + 1.5 * t;
    }
    if (dataKind === 'grid') for (let k = 0; k < d; k++) X.data[i * d + k] = Math.round(2 * X.data[i * d + k]) / 2;
  }
  const Y = mkMat(n, c);
  if (dataKind !== 'zero-labels') {
    for (let i = 0; i < n; i++)
      for (let q = 0; q < c; q++) {
        const xi = X.data[i * d];
        Y.data[i * c + q] = (q === 0 ? Math.sin(2 * xi) : Math.abs(xi) - 0.5) + 0.3 * gauss(R);
      }
  }
  if (dataKind === 'zero-x') X.data.fill(0); // X̃ of rank ≤ 1 (only the bias column), or 0
  let beta = Math.exp(Math.log(0.03) + R() * Math.log(3 / 0.03));
  if (dataKind === 'scaled') {
    // far-from-unit magnitudes stress rounding allowances; β scales with ‖X‖·‖Y‖ so the
    // problem stays non-trivial
    const sx = R() < 0.5 ? 1e3 : 1e-3,
      sy = R() < 0.5 ? 1e2 : 1e-2;
    X.data.forEach((x, i) => (X.data[i] = x * sx));
    Y.data.forEach((y, i) => (Y.data[i] = y * sy));
    beta *= (hiddenBias === 'decayed' ? Math.max(sx, 1) : sx) * sy;
  }
  if (dataKind === 'beta-huge') beta = 1e4 * (1 + R());
  if (dataKind === 'beta-tiny') beta = 1e-3 * (1 + R());
  return { seed, dataKind, prob: { X, Y, beta, hiddenBias, outputBias } };
}

// ---------------------------------------------------------------- networks

function cloneNet(net: RefNet): RefNet {
  return {
    W1: mkMat(net.W1.rows, net.W1.cols, net.W1.data),
    b1: net.b1 ? Float64Array.from(net.b1) : null,
    W2: mkMat(net.W2.rows, net.W2.cols, net.W2.data),
    b2: net.b2 ? Float64Array.from(net.b2) : null,
  };
}

/** Multiplicative perturbation w ← w(1 + s·g) plus a small additive part so zeros move too. */
function perturb(net: RefNet, s: number, R: () => number): RefNet {
  const out = cloneNet(net);
  const arrs = [out.W1.data, out.W2.data, out.b1, out.b2].filter((a): a is Float64Array => a !== null);
  for (const a of arrs) for (let i = 0; i < a.length; i++) a[i] = a[i] * (1 + s * gauss(R)) + 0.1 * s * gauss(R);
  return out;
}

function randomNet(prob: RefProblem, m: number, R: () => number, scale = 1): RefNet {
  const d = prob.X.cols,
    c = prob.Y.cols;
  return {
    W1: mkMat(
      m,
      d,
      Array.from({ length: m * d }, () => scale * gauss(R)),
    ),
    b1: prob.hiddenBias === 'decayed' ? Float64Array.from({ length: m }, () => scale * gauss(R)) : null,
    W2: mkMat(
      c,
      m,
      Array.from({ length: c * m }, () => scale * gauss(R)),
    ),
    b2: prob.outputBias === 'none' ? null : Float64Array.from({ length: c }, () => 0.1 * gauss(R)),
  };
}

/** Plain full-batch gradient descent on P(θ) (all present parameters per the decay modes). */
function trainGD(prob: RefProblem, m: number, steps: number, R: () => number): RefNet {
  let net = randomNet(prob, m, R, 0.5);
  const { X, Y, beta } = prob;
  const n = X.rows,
    d = X.cols,
    c = Y.cols;
  let lr = 0.05;
  let cur = objectiveP(net, prob);
  for (let step = 0; step < steps; step++) {
    const g = cloneNet(net);
    [g.W1.data, g.W2.data, g.b1, g.b2].forEach((a) => a?.fill(0));
    for (let i = 0; i < n; i++) {
      const h = new Array<number>(m).fill(0);
      for (let j = 0; j < m; j++) {
        let z = net.b1 ? net.b1[j] : 0;
        for (let k = 0; k < d; k++) z += net.W1.data[j * d + k] * X.data[i * d + k];
        h[j] = z;
      }
      const r = new Array<number>(c).fill(0); // F − Y
      for (let q = 0; q < c; q++) {
        let f = net.b2 ? net.b2[q] : 0;
        for (let j = 0; j < m; j++) if (h[j] > 0) f += net.W2.data[q * m + j] * h[j];
        r[q] = f - Y.data[i * c + q];
        if (g.b2) g.b2[q] += r[q];
      }
      for (let j = 0; j < m; j++) {
        if (!(h[j] > 0)) continue;
        let dz = 0;
        for (let q = 0; q < c; q++) {
          g.W2.data[q * m + j] += r[q] * h[j];
          dz += r[q] * net.W2.data[q * m + j];
        }
        for (let k = 0; k < d; k++) g.W1.data[j * d + k] += dz * X.data[i * d + k];
        if (g.b1) g.b1[j] += dz;
      }
    }
    const add = (ga: Float64Array | null, a: Float64Array | null, decayed: boolean) => {
      if (ga && a && decayed) for (let i = 0; i < a.length; i++) ga[i] += beta * a[i];
    };
    add(g.W1.data, net.W1.data, true);
    add(g.W2.data, net.W2.data, true);
    add(g.b1, net.b1, prob.hiddenBias === 'decayed');
    add(g.b2, net.b2, prob.outputBias === 'decayed');
    const next = cloneNet(net);
    const pairs: [Float64Array | null, Float64Array | null][] = [
      [next.W1.data, g.W1.data],
      [next.W2.data, g.W2.data],
      [next.b1, g.b1],
      [next.b2, g.b2],
    ];
    for (const [a, ga] of pairs) if (a && ga) for (let i = 0; i < a.length; i++) a[i] -= lr * ga[i];
    const val = objectiveP(next, prob);
    if (val <= cur) {
      net = next;
      cur = val;
      lr *= 1.1;
    } else lr /= 2;
  }
  return net;
}

/** A neuron whose kink passes exactly through sample 0 (bias = −x_0ᵀu), added to a network. */
function withKinkNeuron(net: RefNet, prob: RefProblem, R: () => number): RefNet {
  if (prob.hiddenBias !== 'decayed') return net;
  const d = prob.X.cols,
    c = prob.Y.cols,
    m = net.W1.rows + 1;
  const u = Array.from({ length: d }, () => gauss(R));
  let b = 0;
  for (let k = 0; k < d; k++) b -= u[k] * prob.X.data[k];
  const W1 = mkMat(m, d);
  W1.data.set(net.W1.data);
  W1.data.set(u, (m - 1) * d);
  const b1 = new Float64Array(m);
  b1.set(net.b1 ?? new Float64Array(m - 1));
  b1[m - 1] = b;
  const W2 = mkMat(c, m);
  for (let q = 0; q < c; q++) {
    for (let j = 0; j < m - 1; j++) W2.data[q * m + j] = net.W2.data[q * (m - 1) + j];
    W2.data[q * m + m - 1] = 0.3 * gauss(R);
  }
  return { W1, b1, W2, b2: net.b2 ? Float64Array.from(net.b2) : null };
}

export function networksFor(inst: Instance, ref: RefSolution): { kind: string; net: RefNet }[] {
  const R = rng(inst.seed ^ 0x5bd1e995);
  const out: { kind: string; net: RefNet }[] = [];
  const opt = ref.net;
  out.push({ kind: 'ref-optimum', net: opt });
  for (const s of [1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7]) out.push({ kind: `perturbed-${s.toExponential(0)}`, net: perturb(opt, s, R) });
  out.push({ kind: 'random', net: randomNet(inst.prob, 1 + Math.floor(R() * 5), R) });
  out.push({ kind: 'trained-gd', net: trainGD(inst.prob, 2 + Math.floor(R() * 6), 300, R) });
  if (inst.prob.hiddenBias === 'decayed') out.push({ kind: 'kink-neuron', net: withKinkNeuron(opt, inst.prob, R) });
  // the zero network (no neurons at all is not representable: one neuron with zero weights)
  const zero = randomNet(inst.prob, 1, R, 0);
  if (zero.b2) zero.b2.fill(0);
  out.push({ kind: 'zero', net: zero });
  return out;
}

// ---------------------------------------------------------------- checks

export interface Violation {
  property: string;
  seed: number;
  dataKind: string;
  netKind: string;
  detail: string;
}

export function toWeights(net: RefNet): NetworkWeights {
  return { W1: net.W1 as Mat, b1: net.b1, W2: net.W2 as Mat, b2: net.b2 };
}

export function settingsFor(prob: RefProblem, seed: number): CertifySettings {
  return {
    beta: { kind: 'direct', beta: prob.beta },
    hiddenBias: prob.hiddenBias,
    outputBias: prob.outputBias,
    tol: TOL,
    patternBudget: 2_000_000,
    // fewer column-generation rounds than the product default (60) keep the worst c = 2 cases
    // inside the budget; soundness must hold for any iteration count
    maxIterations: 25,
    seed,
  };
}

/** Every property (a)–(f) for one result; returns the violations (empty when sound). */
export function checkOne(inst: Instance, netKind: string, net: RefNet, res: CertificateResult, ref: RefSolution): Violation[] {
  const v: Violation[] = [];
  const { prob } = inst;
  const Pbal = objectiveBal(net, prob);
  // the verdict is about the weights as given (MATH.md §3.1): P(θ), dead neurons and unbalanced norms included
  const P = objectiveP(net, prob);
  const up = ref.upper,
    lo = ref.lower;
  const push = (property: string, detail: string) => v.push({ property, seed: inst.seed, dataKind: inst.dataKind, netKind, detail });
  const tol = res.tol;
  // (a) no false certificate about the weights as given: P(θ) − P* ≥ P(θ) − upper must stay within tol·P(θ)
  if (res.verdict === 'certified' && P - up > tol * P + 1e-12 * P + 1e-15)
    push('a', `certified but P(θ)=${P} − P*_upper=${up} = ${P - up} > tol·P(θ)=${tol * P} (rel gap ${(P - up) / P})`);
  // (b) dual bound is a lower bound on P*
  if (res.dualBound > up * (1 + 1e-9) + 1e-12) push('b', `dualBound=${res.dualBound} > P*_upper=${up}`);
  // (c) interval contains P*
  if (res.pstarInterval[0] > up * (1 + 1e-9) + 1e-12) push('c', `pstarInterval[0]=${res.pstarInterval[0]} > P*_upper=${up}`);
  if (res.pstarInterval[1] < lo * (1 - 1e-9) - 1e-12) push('c', `pstarInterval[1]=${res.pstarInterval[1]} < P*_lower=${lo}`);
  // (d) witness recomputed independently
  if (res.verdict === 'not-optimal') {
    const w = res.witness;
    if (!w) push('d', 'not-optimal without a witness');
    else {
      const wn: RefNet = { W1: w.W1, b1: w.b1, W2: w.W2, b2: w.b2 };
      const pw = objectiveP(wn, prob);
      if (!(Math.abs(pw - w.objective) <= 1e-9 * Math.abs(pw) + 1e-12)) push('d', `witness objective reported ${w.objective}, recomputed ${pw}`);
      if (!(pw < P * (1 - tol) + 1e-12 * P)) push('d', `witness ${pw} not below P(θ)(1−tol) = ${P * (1 - tol)}`);
      if (pw < lo * (1 - 1e-9) - 1e-12) push('d', `witness ${pw} below P*_lower ${lo}: impossible network objective`);
    }
  }
  // (e) completeness: inconclusive only without an exact oracle
  // — except in the gray zone the verdict about the weights as given leaves: P(θ) − P* ≈ tol·P(θ), where
  // neither a certificate nor a witness better by tol can exist; the interval must then be narrower than tol·P(θ)
  if (res.verdict === 'inconclusive' && res.oracle.exact) {
    const [dl, dh] = res.pstarInterval;
    if (dh < P * (1 - tol) * (1 - 1e-12)) push('e', `inconclusive although a network better by tol is known (P* ≤ ${dh} < P(θ)(1−tol) = ${P * (1 - tol)})`);
    else if (dh - dl > tol * P)
      push('e', `inconclusive with an exact oracle (${res.oracle.method}); P* ∈ [${dl}, ${dh}] wider than tol·P(θ); P(θ) ${P}; reference P* ∈ [${lo}, ${up}]`);
  }
  // (f) the certificate is about our P(θ), and its P_bal is ours
  if (!(Math.abs(res.primal - Pbal) <= 1e-9 * Math.abs(Pbal) + 1e-12)) push('f', `reported primal ${res.primal} ≠ recomputed P_bal ${Pbal}`);
  if (!(Math.abs(res.primalAsTrained - P) <= 1e-9 * Math.abs(P) + 1e-12)) push('f', `reported P(θ) ${res.primalAsTrained} ≠ recomputed ${P}`);
  return v;
}

/**
 * Free hidden bias has no reference P* here, but every network we hold gives an upper bound
 * (the checks are about the weights as given, P(θ), as the verdict is):
 * with b1 unpenalised, P_free(θ) = P with hiddenBias 'none' weights-wise (the reference
 * objective excludes b1 from the penalty whenever hiddenBias ≠ 'decayed', and the forward pass
 * always uses b1). So, with U = min over known networks of P_bal,free:
 *  (a') certified ⇒ P_bal − U ≤ tol·P_bal (else a network we hold beats it by more than tol);
 *  (b') dualBound ≤ U(1+1e-9) + 1e-12;  (d') witness recomputed;  (f') primal = our P_bal,free.
 */
export function freeProblem(prob: RefProblem): RefProblem {
  return { ...prob, hiddenBias: 'none' };
}

export function checkFree(inst: Instance, netKind: string, net: RefNet, res: CertificateResult, U: number): Violation[] {
  const v: Violation[] = [];
  const fp = freeProblem(inst.prob);
  const Pbal = objectiveBal(net, fp);
  const P = objectiveP(net, fp);
  const tol = res.tol;
  const push = (property: string, detail: string) => v.push({ property, seed: inst.seed, dataKind: inst.dataKind, netKind: `${netKind}/free-b1`, detail });
  if (res.verdict === 'certified' && P - U > tol * P + 1e-12 * P + 1e-15)
    push("a'", `certified but a known network has P_free = ${U} < P(θ)(1−tol); P(θ) = ${P}`);
  if (res.dualBound > U * (1 + 1e-9) + 1e-12) push("b'", `dualBound ${res.dualBound} > known P_free ${U}`);
  if (res.verdict === 'not-optimal') {
    const w = res.witness;
    if (!w) push("d'", 'not-optimal without a witness');
    else {
      const pw = objectiveP({ W1: w.W1, b1: w.b1, W2: w.W2, b2: w.b2 }, fp);
      if (!(Math.abs(pw - w.objective) <= 1e-9 * Math.abs(pw) + 1e-12)) push("d'", `witness objective reported ${w.objective}, recomputed ${pw}`);
      if (!(pw < P * (1 - tol) + 1e-12 * P)) push("d'", `witness ${pw} not below P(θ)(1−tol) = ${P * (1 - tol)}`);
      if (pw < res.dualBound * (1 - 1e-9) - 1e-12) push("d'", `witness ${pw} below the reported dual bound ${res.dualBound}`);
    }
  }
  if (!(Math.abs(res.primal - Pbal) <= 1e-9 * Math.abs(Pbal) + 1e-12)) push("f'", `reported primal ${res.primal} ≠ recomputed P_bal,free ${Pbal}`);
  return v;
}
