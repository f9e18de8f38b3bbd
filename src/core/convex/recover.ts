/**
 * Recovery of a network from a solution of the convex program (MATH.md §4): block z_k ≠ 0 of sign
 * σ gives the neuron ũ = z_k/√‖Pz_k‖ with output σ√‖Pz_k‖ (balanced, so its penalty
 * (β/2)(‖Pũ‖² + v²) = β‖Pz_k‖, and (X̃ũ)_+·v = σD_iX̃z_k on the cone). The offset becomes b2, or a
 * constant neuron when only the hidden bias is free (certify/lasso.ts lassoNetwork does both).
 * With a free hidden bias a block with z_u = 0 can only live on the all-active pattern: it is the
 * constant σ·z_b and joins the offset.
 */
import type { NetworkWeights } from '../problem/network';
import { lassoNetwork } from '../certify/lasso';
import type { Program } from './problem';
import { blockNorm } from './problem';

export function recoverNetwork(pr: Program, Z: Float64Array, b: number): NetworkWeights {
  const { p, P } = pr;
  const dirs: Float64Array[] = [];
  const W: Float64Array[] = [];
  let offset = pr.offset === 'none' ? 0 : b;
  for (let k = 0; k < 2 * P; k++) {
    const z = Z.subarray(k * p, (k + 1) * p);
    const s = k & 1 ? -1 : 1;
    const nz = blockNorm(pr, Z, k);
    if (!(nz > 0)) {
      if (pr.freeBias && z[p - 1] !== 0) {
        let on = 0;
        const d = pr.patterns[k >> 1];
        for (let j = 0; j < d.length; j++) on += d[j];
        if (on === d.length) offset += s * z[p - 1];
      }
      continue;
    }
    dirs.push(Float64Array.from(z, (x) => x / nz));
    W.push(Float64Array.of(s * nz));
  }
  return lassoNetwork(dirs, W, Float64Array.of(offset), pr.X.cols, pr.modes);
}
