/**
 * The optimum's column generation (MATH.md §4) usually finds a better dual point than the
 * certificate's own run (which stops as soon as a verdict is reached or its budget ends) and
 * always a concrete network. Both are folded back into the certificate here, under the same
 * soundness rules (MATH.md §3):
 *  - a dual bound is taken only as computed by bestScale from an oracle UPPER bound;
 *  - 'not optimal' only from a network whose objective was recomputed from its weights.
 */
import type { CertificateResult } from '../certify/types';
import type { NetworkWeights } from '../problem/network';
import type { OracleResult } from '../oracle/types';
import { decideVerdict, fmt, lossWords } from '../certify/verdict';

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
  const prior =
    r.witness && r.witness.kind === 'better-network' ? { net: r.witness, objective: r.witness.objective, description: r.witness.description } : null;
  const cand = Number.isFinite(o.value) ? { net: o.network, objective: o.value, description: o.description } : null;
  const witness = prior && (!cand || prior.objective <= cand.objective) ? prior : cand;
  const v = decideVerdict({
    primalAsGiven: r.primalAsTrained,
    rebalanced: r.rebalanced,
    dualBound: r.dualBound,
    dualPoint: r.dualPoint,
    oracle: r.oracle,
    tol: r.tol,
    witness,
    bestPrimal: upper,
    what: `${lossWords((cert as { loss?: string }).loss)}, β = ${fmt(r.beta)}`,
  });
  if (v.inconsistency) {
    r.warnings.push(v.inconsistency);
    r.verdict = 'inconclusive';
    return r;
  }
  // the same rules on more evidence: a dual bound and a witness only ever improve, so a decided
  // verdict stays decided
  Object.assign(r, {
    verdict: v.verdict,
    summary: v.summary,
    gap: v.gap,
    relGap: v.relGap,
    gapBalanced: v.gapBalanced,
    relGapBalanced: v.relGapBalanced,
    pstarInterval: v.pstarInterval,
  });
  // the advice for an inconclusive verdict stays only while the verdict is still inconclusive
  if (v.verdict !== 'inconclusive') delete r.inconclusiveReason;
  else if (r.inconclusiveReason) r.summary = `${v.summary} ${r.inconclusiveReason.advice}`;
  r.witness = v.witness ? { ...v.witness.net, objective: v.witness.objective, description: v.witness.description, kind: v.witness.kind } : null;
  return r;
}
