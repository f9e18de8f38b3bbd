import type { Mat } from '../linalg/mat';
import type { HiddenBiasMode } from '../problem/network';

/**
 * The oracle value M(Λ) = max_{‖u‖≤1} ‖Λᵀ(X̃u)_+‖₂ (MATH.md §2–§3). Everything the certificate
 * claims rests on `upper` being a true upper bound, so it includes a named rounding allowance.
 */

export interface OracleOptions {
  /**
   * How the hidden bias enters. 'decayed' and 'none': the caller passes X̃ (with the ones column
   * for 'decayed'); 'free': the caller passes X without the ones column and the oracle maximizes
   * over (u, b) with ‖u‖ ≤ 1, b unconstrained (finite only when Λᵀ1 = 0).
   */
  hiddenBias: HiddenBiasMode;
  /** Largest number of activation patterns (cells) to enumerate before giving up exactness. */
  patternBudget: number;
  /**
   * Nodes the anytime global search (rank ≥ 5 beyond enumeration, spatialSearch.ts / globalSearch.ts) may evaluate:
   * work, not time, so the same inputs give the same bound on any machine. 0 turns it off.
   */
  nodeBudget: number;
  /**
   * The global search may drop regions whose bound is at most this (e.g. β: a dual point only needs
   * M̄ ≤ β); `upper` stays sound, but is then only "≤ stopBelow" there, not the exact maximum.
   */
  stopBelow?: number;
  /**
   * Besides the argmax, return up to this many other directions met whose value exceeds stopBelow
   * (scalar exact-vertex enumeration; default 0): column generation adds them as columns at once.
   */
  candidates?: number;
  /**
   * The caller needs a direction with ‖Λᵀ(X̃u)_+‖ > `above` more than the exact maximum (e.g. column
   * generation's intermediate rounds): once one is attained and the work is spent — `nodes` of the
   * global searches, `projections` (cone projections) of the exact-vertex enumeration; a unit left
   * out never stops early — the call stops; `upper` stays sound (the largest bound left), `exact` false.
   */
  earlyDirection?: { above: number; nodes?: number; projections?: number };
  /** Relative singular-value threshold for the numerical rank of X̃ (σ_k ≤ rankTol·σ_1 ⇒ dropped). */
  rankTol: number;
  /** Extra directions (rows, in X̃'s column space) evaluated for the lower bound: the network's own neurons. */
  hints?: Mat;
  /** Random directions for the lower bound when enumeration is not possible. */
  samples: number;
  seed: number;
  /** Optional cancellation: checked between patterns; throws when it returns true. */
  shouldStop?: () => boolean;
  /**
   * The column-generation run this call belongs to (any object, one per run). The exact-vertex
   * enumeration keeps each pattern's last face for the run's next dual point; a call of another run
   * (or without a scope) starts cold, so a run's numbers never depend on earlier runs in the process.
   */
  warmScope?: object;
}

/**
 * Default nodes of the global search per oracle call (OracleOptions.nodeBudget, `--node-budget`,
 * reluLens.oracleNodeBudget): enough to close the final, proving call of the rank 5–9, n ≤ 30 bench
 * cases (issue #16: the sign search closed rank 7, n = 30 at 3,476 nodes and rank 9 at 1,038 with the
 * threshold β(1 + tol); 1,000 stopped it first). Column generation's intermediate calls stop much
 * earlier (OracleOptions.earlyDirection), so the budget is spent where the proof needs it.
 */
export const DEFAULT_NODE_BUDGET = 5_000;

/**
 * The optimum searches (certify/optimum.ts, analysis/optimum.ts) re-ask a global search that did not
 * close and found no violating direction while its M̄ is still above β(1 + tol), at the same dual
 * point, with the node budget ×OPTIMUM_ESCALATION_FACTOR up to this cap (nodes: work, so the same
 * inputs stop at the same place on any machine; one schedule for both, certify/optimumRounds.ts
 * escalationSchedule, whose last step is also their final call at the best dual point). Measured at the iris-like optimize output (n = 150,
 * rank 5, c = 3): 10⁵ nodes 4.1 s CPU found M = 1.06·β that 5·10³ missed; 10⁶ took 29 s and 1.1 GB
 * RSS, too much per call for a column generation that may escalate on several rounds.
 */
export const OPTIMUM_ESCALATION_MAX_NODES = 100_000;
/** Each escalation step multiplies the node budget and the oracle's random samples by this (certify/optimumRounds.ts escalationSchedule). */
export const OPTIMUM_ESCALATION_FACTOR = 10;
/** Largest number of random directions of the oracle's lower-bound search on an escalated re-ask (OracleOptions.samples; work units, like the nodes). */
export const OPTIMUM_ESCALATION_MAX_SAMPLES = 200_000;
/**
 * The optimum searches' final call at the best network's dual point, after rounds whose own calls found
 * no new violating direction (certify/optimumRounds.ts finalStep, finalFor), goes past the re-asks' cap: OPTIMUM_ESCALATION_FINAL_WORK / n nodes (a node's work grows
 * with the samples n), at least the schedule's last step, at most OPTIMUM_ESCALATION_FINAL_MAX_NODES.
 * One call per search (and per resumption), so it may cost what a re-ask on every round may not.
 * Measured at the iris-like optimize's final dual point (n = 150, rank 5, c = 3): 10⁵ nodes, 4.2 s CPU,
 * M̄ = 1.158·β and nothing violated found; 6.7·10⁵ nodes (this work), 18 s CPU, 514 MB, M̄ = 1.038·β and
 * a direction at 1.017·β (10⁶: 28 s, M̄ = 1.035·β, the same direction). At n = 1000 (teacher d = 5)
 * 10⁵ nodes already cost 15 s CPU: the work cap keeps the final call there.
 */
export const OPTIMUM_ESCALATION_FINAL_WORK = 1e8;
export const OPTIMUM_ESCALATION_FINAL_MAX_NODES = 1_000_000;
/**
 * Resumptions of the optimum's rounds (certify/optimumRounds.ts FinalResume): when the rounds stopped
 * because their own calls found no new violating direction and the final call found one, it becomes a
 * column and the rounds go on, at most this many times (work: each resumption ends with one final call).
 */
export const OPTIMUM_ESCALATION_RESUMES = 2;

export const DEFAULT_ORACLE_OPTIONS: OracleOptions = {
  hiddenBias: 'decayed',
  patternBudget: 2_000_000,
  nodeBudget: DEFAULT_NODE_BUDGET,
  rankTol: 1e-10,
  samples: 2000,
  seed: 1,
};

export type OracleMethod =
  | 'exact-rank1' // two directions ±v
  | 'exact-circle' // rank 2: sweep on the circle
  | 'exact-sphere' // rank 3: sweeps on great circles + cell interiors
  | 'exact-rank4' // rank 4: recursive enumeration within the pattern budget
  | 'exact-vertex' // rank ≥ 5: patterns from the arrangement's vertices, when their count fits the pattern budget
  | 'exact-search' // rank ≥ 5 beyond enumeration: an anytime branch and bound closed within its node budget (spatial, spatialSearch.ts, c ≤ 3; or over sign fixings, globalSearch.ts)
  | 'exact-whitened' // X̃X̃ᵀ = I: M = max(‖λ+‖, ‖λ−‖)
  | 'exact-free-bias' // free hidden bias reduced to bias-free oracles (MATH.md derivation in oracle/freeBias.ts)
  | 'bounds'; // not exact: sound upper bound and best lower bound found

export interface OracleResult {
  /** true when upper − lower ≤ the rounding allowance (M is known to rounding). */
  exact: boolean;
  method: OracleMethod;
  /** Sound upper bound M̄ ≥ M(Λ), rounding allowance included. May be Infinity (free bias, Λᵀ1 ≠ 0). */
  upper: number;
  /** ‖Λᵀ(X̃u)_+‖ at `argmax`, recomputed directly: a lower bound on M(Λ). */
  lower: number;
  /** Unit vector u (length X̃.cols; for free bias, X.cols) attaining `lower`. */
  argmax: Float64Array;
  /** For free hidden bias: the bias b paired with argmax (else 0). */
  argmaxBias: number;
  /**
   * Output direction: for c = 1, the sign s ∈ {+1, −1} with s·λᵀ(X̃u)_+ = lower, as a length-1
   * array; for c > 1, the unit vector Λᵀ(X̃u)_+/‖·‖.
   */
  outputDir: Float64Array;
  /** Activation patterns (cells) enumerated; 0 when none. */
  patterns: number;
  /** Numerical rank of X̃ used. */
  rank: number;
  /** Allowance added to `upper` for rounding and for the singular values dropped by the rank cut. */
  roundingAllowance: number;
  /** Other directions (unit, like argmax) with their values ‖Λᵀ(X̃u)_+‖ recomputed, best first, when options.candidates > 0. */
  candidates?: { u: Float64Array; value: number }[];
  /** Human-readable notes (which bound was tightest, budget hit, …). */
  notes: string[];
}

/** Signature implemented by src/core/oracle/index.ts. X is n×d̃ (X̃, or X for free bias), Lambda is n×c. */
export type OracleFn = (X: Mat, Lambda: Mat, options?: Partial<OracleOptions>) => OracleResult;
