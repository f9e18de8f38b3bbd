/**
 * The oracle M(Λ) = max_{‖u‖≤1} ‖Λᵀ(X̃u)_+‖ (MATH.md §2, §3.5–3.7).
 *
 * `upper` is always a sound upper bound (rounding allowance included); `lower` is recomputed
 * directly at `argmax` (and `argmaxBias` for a free hidden bias); `exact` means
 * upper − lower ≤ roundingAllowance.
 *
 * Methods (see the files for the derivations and allowances):
 * - noBias.ts: row-space reduction, whitened closed form, dispatch by rank r and outputs c;
 * - sweep.ts: exact scalar enumeration for r ≤ 3 (and r = 4 within options.patternBudget);
 * - vector.ts: c = 2, 3 by branch and bound over the output sphere;
 * - spatialSearch.ts / globalSearch.ts: rank ≥ 5 beyond enumeration, anytime searches within options.nodeBudget;
 * - freeBias.ts: free hidden bias reduced to n shifted bias-free oracles;
 * - bounds.ts: sound bounds for any r, c and lower bounds by search;
 * - common.ts: the floating-point allowance.
 */
import type { Mat } from '../linalg/mat';
import { DEFAULT_ORACLE_OPTIONS } from './types';
import type { OracleFn, OracleOptions, OracleResult } from './types';
import { noBiasOracle } from './noBias';
import { freeBiasOracle } from './freeBias';

export type { OracleFn, OracleOptions, OracleResult, OracleMethod } from './types';
export type { HiddenBiasMode } from '../problem/network';
export { DEFAULT_ORACLE_OPTIONS } from './types';
export { FP_ALLOWANCE_REL, FP_ALLOWANCE_PER_TERM, fpRel } from './common';
export { PARALLEL_TOL } from './sweep';
export { BB_REL_TOL, BB_MAX_EVALS } from './vector';
export { WHITEN_TOL } from './noBias';
export { FREE_BIAS_SUM_TOL } from './freeBias';

function allFinite(a: Float64Array): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return false;
  return true;
}

export const computeOracle: OracleFn = (X: Mat, Lambda: Mat, options?: Partial<OracleOptions>): OracleResult => {
  // an option passed as undefined (e.g. a setting left unset) keeps its default
  const given = Object.fromEntries(Object.entries(options ?? {}).filter(([, v]) => v !== undefined)) as Partial<OracleOptions>;
  const opts: OracleOptions = { ...DEFAULT_ORACLE_OPTIONS, ...given };
  if (Lambda.rows !== X.rows) throw new RangeError(`computeOracle: X has ${X.rows} rows, Lambda has ${Lambda.rows}`);
  if (X.data.length !== X.rows * X.cols || Lambda.data.length !== Lambda.rows * Lambda.cols) throw new RangeError('computeOracle: malformed matrix');
  if (!allFinite(X.data) || !allFinite(Lambda.data)) {
    const u = new Float64Array(X.cols);
    if (X.cols) u[0] = 1;
    return {
      exact: false,
      method: 'bounds',
      upper: Infinity,
      lower: 0,
      argmax: u,
      argmaxBias: 0,
      outputDir: new Float64Array(Lambda.cols),
      patterns: 0,
      rank: 0,
      roundingAllowance: 0,
      notes: ['non-finite entries in X or Λ: no bound'],
    };
  }
  const { computed: _c, ...res } = opts.hiddenBias === 'free' ? { computed: 0, ...freeBiasOracle(X, Lambda, opts) } : noBiasOracle(X, Lambda, opts);
  void _c;
  return res;
};
