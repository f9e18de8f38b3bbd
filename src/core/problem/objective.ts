/**
 * The training objective as trained, rebalancing, dead neurons and the implied β (MATH.md §1–§3).
 *
 * Glossary: ũ_j = [u_j; b1_j] when the hidden bias is decayed, u_j otherwise (the penalized part
 * of neuron j's input weights); v_j = column j of W2; X̃ = [X, 1] when the hidden bias is decayed,
 * X otherwise.
 */
import { type Mat, zeros } from '../linalg/mat';
import { forward } from '../model';
import { usageError } from '../errors';
import { featureDim } from './features';
import type { CertifyModes, NetworkWeights } from './network';

function allZero(a: Float64Array | null): boolean {
  if (!a) return true;
  for (let i = 0; i < a.length; i++) if (a[i] !== 0) return false;
  return true;
}

/**
 * The modes that actually apply: a network without a hidden (output) bias forces 'none'. A mode
 * 'none' with a nonzero bias present is refused (the objective would not describe the network).
 */
export function resolveModes(net: NetworkWeights, requested: CertifyModes): { modes: CertifyModes; warnings: string[] } {
  const warnings: string[] = [];
  let hiddenBias = requested.hiddenBias;
  let outputBias = requested.outputBias;
  if (!net.b1 && hiddenBias !== 'none') {
    warnings.push(`The network has no hidden bias; hidden-bias mode '${hiddenBias}' replaced by 'none'.`);
    hiddenBias = 'none';
  } else if (net.b1 && hiddenBias === 'none' && !allZero(net.b1)) {
    throw usageError("Hidden-bias mode 'none' was chosen but the network has a nonzero hidden bias b1.");
  }
  if (!net.b2 && outputBias !== 'none') {
    warnings.push(`The network has no output bias; output-bias mode '${outputBias}' replaced by 'none'.`);
    outputBias = 'none';
  } else if (net.b2 && outputBias === 'none' && !allZero(net.b2)) {
    throw usageError("Output-bias mode 'none' was chosen but the network has a nonzero output bias b2.");
  }
  return { modes: { hiddenBias, outputBias }, warnings };
}

function sumSq(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return s;
}

export interface ObjectiveParts {
  objective: number;
  loss: number; // ½‖F − Y‖²
  penalty: number; // (β/2)(…)
  F: Mat;
  R: Mat; // Y − F
}

/**
 * P(θ) exactly as trained, recomputed from the weights by forward():
 * ½‖F−Y‖² + (β/2)(‖W1‖² + ‖b1‖²[hidden decayed] + ‖W2‖² + ‖b2‖²[output decayed]).
 */
export function networkObjective(net: NetworkWeights, X: Mat, Y: Mat, beta: number, modes: CertifyModes): ObjectiveParts {
  const F = forward(net, X);
  if (F.rows !== Y.rows || F.cols !== Y.cols) throw usageError(`Labels are ${Y.rows}×${Y.cols} but the network outputs ${F.rows}×${F.cols}.`);
  const R = zeros(Y.rows, Y.cols);
  let loss = 0;
  for (let i = 0; i < R.data.length; i++) {
    const r = Y.data[i] - F.data[i];
    R.data[i] = r;
    loss += r * r;
  }
  loss *= 0.5;
  let pen = sumSq(net.W1.data) + sumSq(net.W2.data);
  if (modes.hiddenBias === 'decayed' && net.b1) pen += sumSq(net.b1);
  if (modes.outputBias === 'decayed' && net.b2) pen += sumSq(net.b2);
  const penalty = 0.5 * beta * pen;
  return { objective: loss + penalty, loss, penalty, F, R };
}

export interface NeuronInfo {
  index: number;
  /** ‖ũ_j‖ */
  inNorm: number;
  /** ‖v_j‖ */
  outNorm: number;
  /** (x_iᵀu_j + b1_j)_+ over the data (length n) */
  activation: Float64Array;
  active: number;
  /** zero on all data, or v_j = 0: contributes nothing to F */
  dead: boolean;
  /** ‖Rᵀ(X̃ũ_j)_+‖ / (β‖ũ_j‖); 0 for a dead neuron */
  dualScore: number;
}

/** Per-neuron facts of the network as trained (rescaling-invariant except the norms). */
export function neuronInfos(net: NetworkWeights, X: Mat, R: Mat, beta: number, modes: CertifyModes): NeuronInfo[] {
  const n = X.rows,
    d = X.cols,
    m = net.W1.rows,
    c = net.W2.rows;
  const out: NeuronInfo[] = [];
  for (let j = 0; j < m; j++) {
    const u = net.W1.data.subarray(j * d, (j + 1) * d);
    const b = net.b1 ? net.b1[j] : 0;
    let in2 = sumSq(u);
    if (modes.hiddenBias === 'decayed') in2 += b * b;
    let out2 = 0;
    for (let k = 0; k < c; k++) out2 += net.W2.data[k * m + j] ** 2;
    const act = new Float64Array(n);
    let active = 0;
    for (let i = 0; i < n; i++) {
      let z = b;
      for (let k = 0; k < d; k++) z += X.data[i * d + k] * u[k];
      if (z > 0) {
        act[i] = z;
        active++;
      }
    }
    const dead = active === 0 || out2 === 0;
    const inNorm = Math.sqrt(in2);
    let dualScore = 0;
    if (active > 0 && inNorm > 0) {
      const g = new Float64Array(c);
      for (let i = 0; i < n; i++) if (act[i] > 0) for (let k = 0; k < c; k++) g[k] += R.data[i * c + k] * act[i];
      dualScore = Math.sqrt(sumSq(g)) / (beta * inNorm);
    } else if (active > 0) {
      // free hidden bias with u = 0: a constant neuron of vanishing cost; its score is finite only when Rᵀ1 = 0
      let g2 = 0;
      for (let k = 0; k < c; k++) {
        let s = 0;
        for (let i = 0; i < n; i++) s += R.data[i * c + k];
        g2 += s * s;
      }
      dualScore = Math.sqrt(g2) <= 1e-12 * (1 + Math.sqrt(sumSq(R.data))) ? 0 : Infinity;
    }
    out.push({ index: j, inNorm, outNorm: Math.sqrt(out2), activation: act, active, dead, dualScore });
  }
  return out;
}

export interface Rebalanced {
  /** the rebalanced network without dead neurons (F unchanged) */
  net: NetworkWeights;
  /** indices (into the original network) of the neurons kept */
  kept: number[];
  /** Σ_j ‖ũ_j‖‖v_j‖ over the kept neurons */
  pathNorm: number;
  /** P_bal = ½‖R‖² + β Σ‖ũ_j‖‖v_j‖ + (β/2)‖b2‖² (decayed) */
  objective: number;
}

/**
 * Rebalance every live neuron so that ‖ũ_j‖ = ‖v_j‖ ((ũ, v) → (αũ, v/α), the hidden bias scaled
 * with u in every mode), and drop dead neurons. F is unchanged and P never rises.
 * A free-hidden-bias neuron with u_j = 0 is a constant; its balanced penalty is 0 (an infimum,
 * approached by b → ∞, v → 0), so it is kept unscaled and counted with ‖ũ_j‖ = 0.
 */
export function rebalance(net: NetworkWeights, infos: NeuronInfo[], loss: number, beta: number, modes: CertifyModes): Rebalanced {
  const d = net.W1.cols,
    c = net.W2.rows,
    m = net.W1.rows;
  const kept = infos.filter((s) => !s.dead).map((s) => s.index);
  const mk = kept.length;
  const W1 = zeros(mk, d);
  const W2 = zeros(c, mk);
  const b1 = net.b1 ? new Float64Array(mk) : null;
  let pathNorm = 0;
  kept.forEach((j, t) => {
    const s = infos[j];
    const alpha = s.inNorm > 0 ? Math.sqrt(s.outNorm / s.inNorm) : 1;
    for (let k = 0; k < d; k++) W1.data[t * d + k] = net.W1.data[j * d + k] * alpha;
    if (b1 && net.b1) b1[t] = net.b1[j] * alpha;
    for (let k = 0; k < c; k++) W2.data[k * mk + t] = net.W2.data[k * m + j] / alpha;
    pathNorm += s.inNorm * s.outNorm;
  });
  const b2 = net.b2 ? new Float64Array(net.b2) : null;
  let objective = loss + beta * pathNorm;
  if (modes.outputBias === 'decayed' && b2) objective += 0.5 * beta * sumSq(b2);
  return { net: { W1, b1, W2, b2 }, kept, pathNorm, objective };
}

/**
 * Implied β (MATH.md §3.8, derived): at a stationary point each live neuron satisfies
 * ⟨R, (X̃ũ_j)_+ v_jᵀ⟩ = β‖v_j‖² (∂P/∂v_j = 0) and ‖ũ_j‖ = ‖v_j‖ (the rescaling direction), so
 * ⟨R, F_hidden⟩ = β Σ_j ‖ũ_j‖‖v_j‖ with F_hidden = F − 1b2ᵀ. The output bias is left out: with b2
 * free Rᵀ1 = 0 so it adds nothing; with b2 decayed it satisfies Rᵀ1 = βb2 separately (reported as
 * `fromOutputBias`, a second estimate when b2 ≠ 0). Uses the as-trained norms.
 */
export function impliedBeta(
  R: Mat,
  F: Mat,
  b2: Float64Array | null,
  infos: NeuronInfo[],
  modes: CertifyModes,
): { beta: number | null; fromOutputBias: number | null } {
  const n = R.rows,
    c = R.cols;
  let num = 0;
  for (let i = 0; i < n; i++) for (let k = 0; k < c; k++) num += R.data[i * c + k] * (F.data[i * c + k] - (b2 ? b2[k] : 0));
  let den = 0;
  for (const s of infos) if (!s.dead) den += s.inNorm * s.outNorm;
  const beta = den > 0 ? num / den : null;
  let fromOutputBias: number | null = null;
  if (modes.outputBias === 'decayed' && b2) {
    const bb = sumSq(b2);
    if (bb > 0) {
      let s = 0;
      for (let k = 0; k < c; k++) {
        let colSum = 0;
        for (let i = 0; i < n; i++) colSum += R.data[i * c + k];
        s += colSum * b2[k];
      }
      fromOutputBias = s / bb;
    }
  }
  return { beta, fromOutputBias };
}

/**
 * Unit feature directions of the live neurons (de-duplicated later): decayed: ũ/‖ũ‖ = [u; b]/‖[u; b]‖;
 * none: u/‖u‖; free: [u; b]/‖u‖ (unit in the penalized part). Constant neurons (free, u = 0) are skipped.
 */
export function neuronDirections(net: NetworkWeights, infos: NeuronInfo[], modes: CertifyModes): Float64Array[] {
  const d = net.W1.cols;
  const dd = featureDim(d, modes.hiddenBias);
  const dirs: Float64Array[] = [];
  for (const s of infos) {
    if (s.dead || !(s.inNorm > 0)) continue;
    const v = new Float64Array(dd);
    for (let k = 0; k < d; k++) v[k] = net.W1.data[s.index * d + k] / s.inNorm;
    if (dd > d) v[d] = (net.b1 ? net.b1[s.index] : 0) / s.inNorm;
    dirs.push(v);
  }
  return dirs;
}
