/**
 * Inconclusive results whose advice asks for a budget or the tolerance, one per way column
 * generation can end (core's explainInconclusive, the function every loss's certificate calls),
 * on one inconclusive verdict block: what the CLI, panel and report tests word per front end.
 */
import { explainInconclusive, type InconclusiveFacts } from '../../src/core/certify/certify';
import type { CertificateJson } from '../../src/core/report/json';

const P = 2,
  DUAL = 1.9,
  TOL = 1e-4;

const base: InconclusiveFacts = {
  primal: P,
  tol: TOL,
  dualBound: DUAL,
  bestPrimal: P,
  beta: 0.05,
  oracle: { exact: true, upper: 0.05, lower: 0.05, method: 'exact-sphere', patterns: 120 },
  inconsistent: false,
  cg: {
    ran: true,
    iterations: 3,
    stopKind: 'iteration-budget',
    stopReason: 'iteration limit (3) reached',
    solverBudgetHits: 0,
  },
  budgets: { maxIterations: 3, patternBudget: 1234, solverIterations: 500 },
};

/** name → the facts; together they produce every step kind (see STEP_KINDS). */
export const SETTLE_FACTS: Record<string, InconclusiveFacts> = {
  'iteration budget + solver budget': { ...base, cg: { ...base.cg, solverBudgetHits: 2 } },
  'not run': {
    ...base,
    cg: { ...base.cg, ran: false, iterations: 0, stopKind: 'not-run' },
    budgets: { ...base.budgets, maxIterations: 0 },
  },
  'oracle bounds only': {
    ...base,
    oracle: { exact: false, upper: 0.08, lower: 0.05, method: 'bounds', patterns: 1234 },
  },
  'on the tolerance line': {
    ...base,
    cg: { ...base.cg, stopKind: 'optimal' },
    dualBound: P * (1 - 1.5 * TOL),
    bestPrimal: P * (1 - 0.5 * TOL),
  },
  stalled: { ...base, cg: { ...base.cg, stopKind: 'stalled', stopReason: 'no progress' } },
};

export const STEP_KINDS = ['raise-iterations', 'raise-solver-iterations', 'allow-iterations', 'raise-pattern-budget', 'tol-would-certify', 'tol-would-decide'];

/** An inconclusive verdict block carrying the reason, as core's certificate JSON would. */
export function inconclusiveJson(f: InconclusiveFacts): CertificateJson {
  const reason = explainInconclusive(f);
  const relGap = (f.primal - f.dualBound) / f.primal;
  return {
    verdict: 'inconclusive',
    summary: `Inconclusive: the gap is above the tolerance. ${reason.advice}`,
    tol: f.tol,
    relGap,
    relGapBalanced: relGap,
    primalAsTrained: f.primal,
    primal: f.primal,
    dualBound: f.dualBound,
    dualPoint: 'column-generation',
    gap: f.primal - f.dualBound,
    gapBalanced: f.primal - f.dualBound,
    pstarInterval: [f.dualBound, f.bestPrimal],
    inconclusiveReason: reason,
    warnings: [],
    witness: null,
    rebalanced: { dropped: 0 },
    safetyLimit: null,
  } as unknown as CertificateJson;
}
