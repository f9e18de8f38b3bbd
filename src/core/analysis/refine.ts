/**
 * The optimum's column generation (MATH.md §4) usually finds a better dual point than the
 * certificate's own run (which stops as soon as a verdict is reached or its budget ends) and
 * always a concrete network. Both are folded back into the certificate here, under the same
 * soundness rules (MATH.md §3):
 *  - a dual bound is taken only as computed by bestScale from an oracle UPPER bound;
 *  - 'not optimal' only from a network whose objective was recomputed from its weights.
 */
import type { CertificateResult, NetworkWeights } from '../certify/types';
import type { OracleResult } from '../oracle/types';
import { fmt, pct } from '../report/numbers';

export interface OptimumBounds {
  lowerBound: number;
  /** the network and its objective recomputed from its weights */
  network: NetworkWeights;
  value: number;
  oracle: OracleResult | null;
  description: string;
}

export function refineCertificate(cert: CertificateResult, o: OptimumBounds): CertificateResult {
  // a certificate that already found an unsound oracle bound claims nothing; do not build on it
  if (cert.warnings.some((w) => w.startsWith('Internal inconsistency'))) return cert;
  const r: CertificateResult = { ...cert, warnings: [...cert.warnings] };
  const P = r.primal;
  let changed = false;
  if (Number.isFinite(o.lowerBound) && o.lowerBound > r.dualBound) {
    r.dualBound = o.lowerBound;
    r.dualPoint = 'optimum-column-generation';
    if (o.oracle) r.oracle = { ...o.oracle, notes: [...o.oracle.notes, 'dual point from the optimum column generation (analysis)'] };
    changed = true;
  }
  const upper = Math.min(r.pstarInterval[1], Number.isFinite(o.value) ? o.value : Infinity);
  if (upper < r.pstarInterval[1] || r.dualBound > r.pstarInterval[0]) {
    r.pstarInterval = [Math.max(r.pstarInterval[0], r.dualBound), upper];
    changed = true;
  }
  if (!changed) return cert;
  r.gap = P - r.dualBound;
  r.relGap = P > 0 ? r.gap / P : r.gap <= 0 ? 0 : Infinity;
  if (r.dualBound > upper * (1 + 1e-9) + 1e-300) {
    r.warnings.push(`Internal inconsistency: dual bound ${fmt(r.dualBound)} exceeds a network's objective ${fmt(upper)}; no verdict is claimed.`);
    r.verdict = 'inconclusive';
    return r;
  }
  if (r.gap <= r.tol * P) r.verdict = 'certified';
  else if (o.value < P * (1 - r.tol)) {
    r.verdict = 'not-optimal';
    if (!r.witness || o.value < r.witness.objective) r.witness = { ...o.network, objective: o.value, description: o.description };
  }
  const betaStr = `β = ${fmt(r.beta)}`;
  if (r.verdict === 'certified')
    r.summary =
      r.gap <= 0
        ? `The network is a globally optimal two-layer ReLU network of any width for this data and weight decay (${betaStr}), to rounding: P_bal = ${fmt(P)} ≤ P* bound ${fmt(r.dualBound)}.`
        : `The network is within ${pct(r.relGap)} of the best two-layer ReLU network of any width for this data and weight decay (${betaStr}): ` +
          `objective ${fmt(P)}, P* ≥ ${fmt(r.dualBound)} (dual point: ${r.dualPoint}).`;
  else if (r.verdict === 'not-optimal' && r.witness)
    r.summary =
      `A better network exists: objective ${fmt(r.witness.objective)} < ${fmt(P)} (this network, rebalanced), ` +
      `${pct((P - r.witness.objective) / P)} lower; P* ∈ [${fmt(r.pstarInterval[0])}, ${fmt(r.pstarInterval[1])}].`;
  else
    r.summary =
      `Could not decide: P* ∈ [${fmt(r.pstarInterval[0])}, ${fmt(r.pstarInterval[1])}] and this network's objective is ${fmt(P)}; ` +
      `the proven gap ${pct(r.relGap)} exceeds the tolerance ${pct(r.tol)} and no network better by more than the tolerance was found.`;
  return r;
}
