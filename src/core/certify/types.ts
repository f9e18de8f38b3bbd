import type { OracleResult } from '../oracle/types';
import type { HiddenBiasMode, NetworkWeights, OutputBiasMode } from '../problem/network';

/** How β was obtained (MATH.md §1): shown to the user next to the number. */
export type BetaSpec =
  | { kind: 'direct'; beta: number }
  | {
      kind: 'pytorch';
      weightDecay: number;
      reduction: 'mean' | 'sum';
      optimizer?: 'sgd' | 'adam' | 'adamw';
    }
  | { kind: 'penalty'; mu: number } // explicit μ‖θ‖² added to 0.5·SSE
  | { kind: 'sklearn'; alpha: number }; // scikit-learn MLP's alpha (./sklearnBeta.ts)

export interface BetaInfo {
  beta: number;
  /** e.g. "β = n·c·wd/2 = 100·1·1e-3/2 (MSELoss mean, SGD/Adam weight_decay)" */
  derivation: string;
  warnings: string[];
}

export interface CertifySettings {
  beta: BetaSpec;
  /** 'none' is forced when the model has no hidden bias. */
  hiddenBias: HiddenBiasMode;
  outputBias: OutputBiasMode;
  /** Relative tolerance of the verdict (default 1e-4). */
  tol: number;
  /**
   * Oracle pattern budget, a work unit (exact enumeration stops here; beyond it the oracle gives
   * bounds only). CLI --pattern-budget.
   */
  patternBudget: number;
  /**
   * Nodes each global search of the oracle may evaluate (rank ≥ 5 beyond enumeration; a work unit,
   * oracle/spatialSearch.ts, oracle/globalSearch.ts); undefined: the oracle's default. CLI --node-budget.
   */
  nodeBudget?: number;
  /** Column-generation iterations allowed to improve the dual point / witness (a work unit). CLI --max-iterations. */
  maxIterations: number;
  /**
   * Work budget of each restricted solve (squared loss: coordinate-descent sweeps, default
   * DEFAULT_LASSO_MAX_SWEEPS; classification losses: FISTA iterations, default
   * DEFAULT_LOSS_SOLVER_ITERATIONS). CLI --solver-iterations.
   */
  solverIterations?: number;
  /**
   * Once a witness proves "not optimal", column generation only narrows the P* interval; it stops
   * after this many further iterations so the answer is not held up by refinement (default: no limit;
   * the CLI and the extension use 5, see settings.ts).
   */
  refineAfterWitness?: number;
  /** Column-generation rounds of the optimum search after the verdict (MATH.md §4; default OPTIMUM_MAX_ITERATIONS). A work budget. */
  optimumIterations?: number;
  /**
   * Wall-clock SAFETY stop for column generation and its solvers, in ms (default none; the CLI and
   * the extension use 10 min). The work budgets above are the primary stops, so the same inputs
   * give the same numbers on any machine; when this one fires the result says so in its warnings
   * ("stopped by the wall-clock safety limit") and the verdict uses what was found.
   */
  timeBudgetMs?: number;
  seed: number;
  /** Huber threshold δ (loss 'huber' only; default 1 as PyTorch's HuberLoss). CLI --huber-delta. */
  huberDelta?: number;
  shouldStop?: () => boolean;
  /** Stage reporting for progress UIs. */
  onStage?: (stage: string, detail?: string) => void;
}

export const DEFAULT_TOL = 1e-4;

export interface NeuronReport {
  index: number;
  /** ‖ũ_j‖ (with the bias entry when the hidden bias is decayed) and ‖v_j‖, as trained */
  inNorm: number;
  outNorm: number;
  /** samples with x̃_iᵀũ_j > 0 */
  active: number;
  dead: boolean;
  /** |Rᵀ(X̃ũ_j)_+| / (β‖ũ_j‖) (vector output: ‖·‖₂) — 1 for an extreme point in the dual's direction */
  dualScore: number;
}

export type Verdict = 'certified' | 'not-optimal' | 'inconclusive';

/**
 * Why a verdict is inconclusive, in numbers and plain words. `looseBound`:
 *  - 'oracle': the oracle could not compute M(Λ) exactly (its pattern budget or rank), so the dual
 *    bound is scaled down by β/M̄ with M̄ its upper bound;
 *  - 'dual': M is exact but the dual point is not yet the best one (column generation stopped on a
 *    work budget, the safety limit, or stalled);
 *  - 'primal': the dual bound is as good as the restricted problem allows, and what is missing is a
 *    network below P(θ)(1 − tol) (or P* sits on the tolerance line).
 * `by`: how far, as a fraction of P(θ), the loose bound is from deciding: for 'dual' and 'oracle'
 * (P(θ)(1 − tol) − dual bound)/P(θ) (= relGap − tol), for 'primal' (best network − P(θ)(1 − tol))/P(θ).
 * `advice`: why, in one or two sentences that name no front end's control; `steps`: what would
 * close it, as kinds each front end words with its own flag or setting (src/core/report/settleSteps.ts).
 */
export interface InconclusiveReason {
  looseBound: 'dual' | 'primal' | 'oracle';
  by: number;
  advice: string;
  steps: SettleStep[];
}

/** A change of one work budget or of the tolerance that would settle an inconclusive verdict. */
export type SettleStep =
  | { kind: 'raise-pattern-budget' | 'allow-iterations' | 'raise-iterations' | 'raise-solver-iterations'; now: number }
  /** the oracle's global search (rank ≥ 5 beyond the pattern budget) did not close: `now` is the nodes of the call whose bound is loose */
  | { kind: 'raise-node-budget'; now: number }
  | { kind: 'tol-would-certify' | 'tol-would-decide'; tol: number };

/**
 * What the witness of 'not-optimal' is: the given network rebalanced with its dead neurons dropped
 * (same predictions, lower objective), or another, better network.
 */
export type WitnessKind = 'rebalance/prune' | 'better-network';

export interface CertificateResult {
  verdict: Verdict;
  /** one sentence, plain words */
  summary: string;
  beta: number;
  betaInfo: BetaInfo;
  impliedBeta: number | null;
  impliedBetaMismatch: boolean;
  hiddenBias: HiddenBiasMode;
  outputBias: OutputBiasMode;
  n: number;
  d: number;
  c: number;
  m: number;
  /** P(θ), the weights as given: what the verdict is about (MATH.md §3.1) */
  primalAsTrained: number;
  primal: number; // P_bal
  dualBound: number; // best D found (a lower bound on P*)
  gap: number; // primalAsTrained − dualBound: the verdict's gap
  relGap: number; // gap / primalAsTrained
  /** P_bal − dualBound and its ratio: whether the function the network computes is optimal */
  gapBalanced: number;
  relGapBalanced: number;
  /** the given network rebalanced and pruned (objective recomputed from its weights) */
  rebalanced: { net: NetworkWeights; objective: number; rescaled: number; dropped: number };
  pstarInterval: [number, number];
  tol: number;
  /** which dual point the bound used: 'residual' | 'column-generation' | 'closed-form' */
  dualPoint: string;
  oracle: OracleResult;
  closedForm: string | null;
  witness: (NetworkWeights & { objective: number; description: string; kind: WitnessKind }) | null;
  neurons: NeuronReport[];
  tolerances: Record<string, { value: number; meaning: string }>;
  warnings: string[];
  timings: Record<string, number>;
  /** The closed form that applied (MATH.md §5): its formula and ingredients, P* from the formula. */
  closedFormInfo?: {
    name: string;
    formula: string;
    values: Record<string, number>;
    pstar: number;
    /** KaTeX LaTeX, the measured condition with its tolerance, vector ingredients (additive) */
    latex?: string;
    condition?: string;
    tolerance?: number;
    vectors?: Record<string, number[]>;
  } | null;
  /** Set exactly when verdict is 'inconclusive': which bound is loose, by how much, what would close it. */
  inconclusiveReason?: InconclusiveReason;
  /** Column generation (MATH.md §4): iterations run, directions in the restricted problem, why it stopped. */
  columnGeneration?: { iterations: number; directions: number; stopReason: string; reachedOptimum: boolean } | null;
  /**
   * Set when the wall-clock safety limit (settings.timeBudgetMs) stopped column generation, so the
   * numbers depend on the machine. A kind, not advice: each front end names its own way to raise it
   * (the CLI's --time-budget, the editor's reluLens.timeBudgetSeconds; src/core/report/safetyLimit.ts).
   */
  safetyLimit?: { seconds: number };
}
