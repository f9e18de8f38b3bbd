import { toRows } from '../linalg/mat';
import type { CertificateResult } from '../certify/types';
import type { CanonicalModel } from '../model';
import type { Dataset } from '../data';

/**
 * The certificate as plain JSON: the CLI's `--json`, the reports and the extension's panel all
 * read this one shape, so a number shown anywhere is the same number.
 */
export function certificateToJson(r: CertificateResult, model: CanonicalModel, data: Dataset) {
  const o = r.oracle;
  return {
    verdict: r.verdict,
    summary: r.summary,
    model: { file: model.file, d: model.d, m: model.m, c: model.c, head: model.head.kind, producer: model.producer, opset: model.opset },
    data: { file: data.source.file, n: data.n, labels: data.labelNames, affine: data.affine !== null },
    beta: r.beta,
    betaDerivation: r.betaInfo.derivation,
    impliedBeta: r.impliedBeta,
    impliedBetaMismatch: r.impliedBetaMismatch,
    hiddenBias: r.hiddenBias,
    outputBias: r.outputBias,
    primal: r.primal,
    primalAsTrained: r.primalAsTrained,
    dualBound: r.dualBound,
    gap: r.gap,
    relGap: r.relGap,
    gapBalanced: r.gapBalanced,
    relGapBalanced: r.relGapBalanced,
    rebalanced: { objective: r.rebalanced.objective, rescaled: r.rebalanced.rescaled, dropped: r.rebalanced.dropped },
    pstarInterval: r.pstarInterval,
    inconclusiveReason: r.verdict === 'inconclusive' ? (r.inconclusiveReason ?? null) : null,
    /** the wall-clock safety limit stopped column generation (a kind: each front end words the advice, report/safetyLimit.ts) */
    safetyLimit: r.safetyLimit ?? null,
    tol: r.tol,
    dualPoint: r.dualPoint,
    oracle: {
      method: o.method,
      exact: o.exact,
      ...(o.exact ? { value: o.upper } : {}),
      upper: o.upper,
      lower: o.lower,
      patterns: o.patterns,
      rank: o.rank,
      roundingAllowance: o.roundingAllowance,
      notes: o.notes,
    },
    closedForm: r.closedForm,
    witness: r.witness
      ? {
          kind: r.witness.kind,
          objective: r.witness.objective,
          description: r.witness.description,
          W1: toRows(r.witness.W1),
          b1: r.witness.b1 ? [...r.witness.b1] : null,
          W2: toRows(r.witness.W2),
          b2: r.witness.b2 ? [...r.witness.b2] : null,
        }
      : null,
    neurons: r.neurons,
    tolerances: r.tolerances,
    warnings: r.warnings,
    timings: r.timings,
  };
}

export type CertificateJson = ReturnType<typeof certificateToJson>;
