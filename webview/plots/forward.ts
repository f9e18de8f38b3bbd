// f(x) = W2 relu(W1 x + b1) + b2 from the NetworkJson the engine sends (MATH.md §1), evaluated in
// the webview so the plots need no extra host round trip.
import type { NetworkJson } from '../../src/core/report/analysisJson';

export function forward(net: NetworkJson, x: ArrayLike<number>): number[] {
  const m = net.W1.length;
  // an empty network (the optimum can have no neurons) may come as W2 = [] with b2 = [c]
  const c = Math.max(net.W2.length, net.b2?.length ?? 0, 1);
  const out = new Array<number>(c).fill(0);
  if (net.b2) net.b2.forEach((b, o) => (out[o] = b));
  for (let j = 0; j < m; j++) {
    const u = net.W1[j];
    let z = net.b1 ? net.b1[j] : 0;
    for (let k = 0; k < u.length; k++) z += u[k] * x[k];
    if (z <= 0) continue;
    for (let o = 0; o < net.W2.length; o++) out[o] += net.W2[o][j] * z;
  }
  return out;
}

/** Neurons that contribute at all (nonzero input and output weights). */
export function liveNeurons(net: NetworkJson): number[] {
  const live: number[] = [];
  for (let j = 0; j < net.W1.length; j++) {
    const uz = net.W1[j].every((w) => w === 0) && (!net.b1 || net.b1[j] === 0);
    const vz = net.W2.every((row) => row[j] === 0);
    if (!uz && !vz) live.push(j);
  }
  return live;
}

/** 1-D kink of neuron j: u x + b = 0 ⇒ x = −b/u (null when u = 0). */
export function kink1d(net: NetworkJson, j: number): number | null {
  const u = net.W1[j][0];
  if (u === 0) return null;
  return -(net.b1 ? net.b1[j] : 0) / u;
}

/** The decision threshold a plot colours around: 0 for classification losses (f is a logit/score), else mid-label. */
export function threshold(Y: number[][], loss: string | undefined): number {
  if (loss && loss !== 'squared') return 0;
  let lo = Infinity,
    hi = -Infinity;
  for (const y of Y) {
    if (y[0] < lo) lo = y[0];
    if (y[0] > hi) hi = y[0];
  }
  return Number.isFinite(lo) ? (lo + hi) / 2 : 0;
}

/** The network to compare against: the §4 optimum/witness, else the certificate's witness. */
export function comparisonNetwork(r: {
  optimum?: { network: NetworkJson; label: string } | null;
  witness?: { W1: number[][]; b1: number[] | null; W2: number[][]; b2: number[] | null } | null;
}): { net: NetworkJson; label: string } | null {
  if (r.optimum?.network) return { net: r.optimum.network, label: r.optimum.label === 'optimum' ? 'optimal' : 'witness' };
  if (r.witness) return { net: { W1: r.witness.W1, b1: r.witness.b1, W2: r.witness.W2, b2: r.witness.b2 }, label: 'witness' };
  return null;
}
