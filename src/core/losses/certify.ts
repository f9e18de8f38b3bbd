/**
 * certifyClassification: MATH.md §3 for the hinge, logistic, cross-entropy and Huber losses (§8).
 *
 * Stages as in src/core/certify/certify.ts: setUpProblem (validate → β → objective as trained,
 * rebalanced, dead neurons dropped) → LossDualSearch.residual (oracle on the candidate Λ0 = −∇ℓ(F)
 * made domain-feasible) → closedFormStage (hinge on whitened data) → column generation (the shared
 * loop of certify/columnGeneration.ts with the loss's restricted problem, ./solver.ts) →
 * assembleCertificate (verdict). Soundness: every dual bound is D(sΛ0) with s ≤ min(1, β/M̄'), M̄ the oracle's
 * UPPER bound, minus the allowance of ./dualPoint.ts; every objective behind 'not-optimal' is
 * recomputed from a concrete network's weights with the loss (lossObjective).
 */
import type { Mat } from '../linalg/mat';
import { usageError } from '../errors';
import { sigmaMax, SIGMA_REL_SLACK } from '../linalg/decomp';
import type { OracleFn, OracleResult } from '../oracle/types';
import { lassoNetwork, offsetModeFor } from '../certify/lasso';
import { certificateTolerances, explainInconclusive, type LossTolerances } from '../certify/certify';
import { type CertifyProblem, DualSearchBase, type ProblemStatement, StageClock, stateProblem } from '../certify/dualSearch';
import {
  type CgOutcome,
  columnGeneration,
  DEDUP_TOL,
  type FeatureSet,
  hintsMat,
  OPTIMAL_M_TOL,
  type RestrictedSolver,
  type RestrictedStep,
  TIGHT_LASSO_SWEEP_FACTOR,
} from '../certify/columnGeneration';
import { rebalancedInfo } from '../certify/verdict';
import type { CertificateResult, CertifySettings } from '../certify/types';
import type { NetworkWeights } from '../problem/network';
import type { LossName } from '../problem/loss';
import { lossOf, type LossRef } from './registry';
import type { Loss } from './loss';
import { dualDirection, DOMAIN_MARGIN, fixDirection, LOSS_DUAL_ROUNDING_PER_TERM, lossBestScale, mLipschitz } from './dualPoint';
import { labelsForLoss } from './labels';
import { betaForLoss, lossObjective } from './objective';
import {
  DEFAULT_LOSS_SOLVER_ITERATIONS,
  HINGE_SMOOTHING_FLOOR,
  HINGE_SMOOTHING_REL,
  HINGE_SMOOTHING_TOL_FRACTION,
  hingeSmoothingFor,
  LOSS_LASSO_REL_TOL,
  solveLossLasso,
} from './solver';
import { buildResult, type DualRecord } from './result';
import { detectHingeWhitened } from './closedForm';
import type { ClosedForm } from '../certify/closedForms';

/** Two unit directions with cosine ≥ 1 − this and the same activation pattern are one feature. */
export const LOSS_DEDUP_TOL = DEDUP_TOL;
/** Column generation stops as optimal when an exact oracle gives M(Λ_t) ≤ β(1 + this). */
export const LOSS_OPTIMAL_M_TOL = OPTIMAL_M_TOL;
/**
 * Column generation stops once the best network found and the dual bound agree to this fraction
 * of tol (so the `optimal` network returned re-certifies with room to spare).
 */
export const LOSS_OPTIMUM_FRACTION = 0.1;
/** |implied β − β| > this·β is flagged. */
export const LOSS_IMPLIED_BETA_MISMATCH = 0.1;
/**
 * Once the oracle's argmax is a column already present, the restricted problem is solved tighter:
 * relative gap and hinge smoothing × this (and TIGHT_LASSO_SWEEP_FACTOR × the solver budget).
 */
export const LOSS_TIGHT_FACTOR = 0.1;

export type ClassificationResult = CertificateResult & {
  loss: LossName;
  /** the best network found when the dual bound closes on it (within LOSS_OPTIMUM_FRACTION·tol, or tol when certified), else null */
  optimal?: NetworkWeights | null;
  /** the dual point behind `dualBound` (s·Λ0, n×c): −∇ℓ's role as the residual (interpretation, §6), or null when the bound is 0 */
  dualLambda?: Mat | null;
  /** the labels in the loss's form (±1 or one-hot), as used for every number above */
  labels?: Mat;
};

function validate(net: NetworkWeights, X: Mat, Y: Mat): void {
  const n = X.rows,
    d = X.cols,
    m = net.W1.rows,
    c = net.W2.rows;
  if (n === 0) throw usageError('The data has no samples.');
  if (Y.rows !== n) throw usageError(`The data has ${n} samples but the labels have ${Y.rows} rows.`);
  if (net.W1.cols !== d) throw usageError(`The network expects ${net.W1.cols} inputs but the data has ${d} columns.`);
  if (net.W2.cols !== m) throw usageError(`W2 has ${net.W2.cols} columns but W1 has ${m} rows (hidden width).`);
  if (net.b1 && net.b1.length !== m) throw usageError(`b1 has length ${net.b1.length}, expected ${m}.`);
  if (net.b2 && net.b2.length !== c) throw usageError(`b2 has length ${net.b2.length}, expected ${c}.`);
  const fin = (a: ArrayLike<number>, what: string) => {
    for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) throw usageError(`${what} contains a non-finite value at position ${i}.`);
  };
  fin(X.data, 'The data');
  fin(net.W1.data, 'W1');
  fin(net.W2.data, 'W2');
  if (net.b1) fin(net.b1, 'b1');
  if (net.b2) fin(net.b2, 'b2');
}

/**
 * certifyClassificationWith in named stages, each a function or class below; they share one
 * LossDualSearch (the best dual point and the best network found so far).
 */
export function certifyClassificationWith(
  net: NetworkWeights,
  X: Mat,
  Yraw: Mat,
  lossRef: LossRef,
  settings: CertifySettings,
  oracle: OracleFn,
): ClassificationResult {
  // the loss with its parameters from the settings (LossParams: Huber's δ)
  const loss = lossOf(lossRef, settings);
  const clock = new StageClock();
  const stage = (s: string, detail?: string) => settings.onStage?.(s, detail);

  stage('validate');
  const pb = setUpProblem(net, X, Yraw, loss, settings, stage, clock);

  stage('oracle', 'candidate −∇ℓ(F)');
  const search = new LossDualSearch(pb, oracle, settings);
  const r0 = search.residual();
  const closed = closedFormStage(search);
  clock.lap('oracleResidual');

  // Budgets in work units: column-generation iterations, oracle patterns, solver iterations; the
  // wall clock (timeBudgetMs) is only an outer safety stop and says so when it fires.
  stage('column-generation');
  const solverIterations = settings.solverIterations ?? DEFAULT_LOSS_SOLVER_ITERATIONS;
  const solver = new LossSolver(search, solverIterations);
  const cg = columnGeneration(search, solver, r0, { skip: false, nearDuplicateFloor: 0, optimumFraction: LOSS_OPTIMUM_FRACTION }, stage);
  clock.lap('columnGeneration');

  const result = assembleCertificate(search, closed, cg, solverIterations, clock.timings);
  clock.timings.total = clock.total();
  return result;
}

/** The problem as stated, with the loss (stages 'validate' and 'objective'). */
type LossProblem = CertifyProblem & { loss: Loss };

function setUpProblem(
  net: NetworkWeights,
  X: Mat,
  Yraw: Mat,
  loss: Loss,
  settings: CertifySettings,
  stage: (s: string, detail?: string) => void,
  clock: StageClock,
): LossProblem {
  validate(net, X, Yraw);
  const Y = labelsForLoss(Yraw, loss, net.W2.rows);
  const statement: ProblemStatement = {
    betaOf: (spec, n, c) => betaForLoss(spec, n, c, loss),
    objectiveOf: (w, Xw, Yw, beta, modes) => lossObjective(w, Xw, Yw, beta, modes, loss),
    impliedFormula: '⟨−∇ℓ(F), F − 1b2ᵀ⟩/Σ‖ũ_j‖‖v_j‖',
    impliedMismatch: LOSS_IMPLIED_BETA_MISMATCH,
  };
  return { ...stateProblem(net, X, Y, settings, statement, stage, clock), loss };
}

/** A dual record with the direction Λ0 it scales (for dualLambda). */
type LossDualRecord = DualRecord & { L0: Mat | null };

/** The loss's dual search: dual points s·Λ0 scored by lossBestScale (with the allowance of ./dualPoint.ts) against the oracle's M̄. */
class LossDualSearch extends DualSearchBase<LossDualRecord, LossProblem> {
  /** σ bound behind the rounding allowance of ./dualPoint.ts (mLipschitz) */
  readonly sigma: number;

  constructor(pb: LossProblem, oracle: OracleFn, settings: CertifySettings) {
    super(pb, oracle, settings);
    this.sigma = mLipschitz(pb.modes, sigmaMax(this.Xt) * (1 + SIGMA_REL_SLACK), pb.X);
  }

  protected objectiveOf(w: NetworkWeights): number {
    const { X, Y, beta, modes, loss } = this.pb;
    return lossObjective(w, X, Y, beta, modes, loss).objective;
  }

  /** The oracle at a domain-feasible direction Λ0 and the dual value of its best scale (not yet kept). */
  private scoreDirection(L0: Mat | null, hints: Mat | undefined, what: string, seed: number): LossDualRecord {
    if (!L0) {
      const or = this.failed('no domain-feasible direction with Λᵀ1 = 0 (a label column has a single class)');
      return { value: 0, point: 'residual', oracle: or, s: 0, L0 };
    }
    const { Y, loss, beta, modes } = this.pb;
    const or = this.callOracle(L0, { ...this.baseOpts, seed, hints }, what);
    const sd = lossBestScale(L0, Y, loss, beta, modes, or.upper, this.sigma);
    if (sd.note && sd.s === 0 && Number.isFinite(or.upper) && sd.note !== 'the best scale is 0')
      this.pb.warnings.push(`Dual point from ${what} not used: ${sd.note}.`);
    return { value: sd.value, point: 'residual', oracle: or, s: sd.s, L0 };
  }

  /** Stage 'oracle': the dual point at the candidate −∇ℓ(F) of the weights as given; it starts `best`. */
  residual(): OracleResult {
    const { asTrained, Y, loss, modes } = this.pb;
    const L0 = dualDirection(asTrained.F, Y, loss, modes);
    const hints = hintsMat(this.ownDirs, this.dd);
    this.keep(this.scoreDirection(L0, hints, 'the candidate −∇ℓ(F)', this.settings.seed), L0 && { L: L0, hints });
    return this.best.oracle;
  }

  scoreColumnGeneration(L0: Mat | null, hints: Mat | undefined, iteration: number): OracleResult {
    const rt = this.scoreDirection(L0, hints, `the column-generation candidate (iteration ${iteration})`, this.settings.seed + iteration);
    if (rt.value > this.best.value) this.keep({ ...rt, point: 'column-generation' }, L0 && { L: L0, hints });
    return rt.oracle;
  }
}

/**
 * Stage 'closed-form' (MATH.md §5): hinge on whitened data has P* in closed form; its λ* is an exact
 * dual point and its network a witness (both checked by the same rules as any other).
 */
function closedFormStage(search: LossDualSearch): ClosedForm | null {
  const { X, Y, loss, beta, modes } = search.pb;
  const closed = loss.name === 'hinge' ? detectHingeWhitened(X, Y, beta, modes) : null;
  if (!closed) return null;
  const sd = lossBestScale(closed.dualPoint, Y, loss, beta, modes, closed.dualPointMUpper, search.sigma);
  if (sd.value > search.best.value)
    search.keep(
      { value: sd.value, point: 'closed-form', oracle: search.best.oracle, s: sd.s, L0: closed.dualPoint },
      { L: closed.dualPoint, hints: undefined },
    );
  search.offerWitness(closed.network, 'closed form: hinge loss on whitened data [EP Thm 12]');
  return closed;
}

/**
 * The restricted problem with the loss (./solver.ts: FISTA, the hinge smoothed with continuation),
 * warm-started from the previous solve; 'tight' shrinks the relative gap and the hinge smoothing by
 * LOSS_TIGHT_FACTOR with TIGHT_LASSO_SWEEP_FACTOR times the budget. Its network is offered as a
 * witness; its dual candidate, moved into the domain, is the dual direction.
 */
class LossSolver implements RestrictedSolver {
  private warm: { Z: Float64Array[]; b2?: Float64Array } | undefined;
  private muStart: number | undefined;
  private readonly offMode;
  /** the hinge's smoothing error n·c·μ/2 must sit well below the gap the verdict needs */
  readonly hingeSmoothingRel: number;
  constructor(
    private readonly search: LossDualSearch,
    private readonly solverIterations: number,
  ) {
    this.offMode = offsetModeFor(search.pb.modes);
    this.hingeSmoothingRel = hingeSmoothingFor(search.pb.tol);
  }
  solve(feats: FeatureSet, accuracy: 'normal' | 'tight', iteration: number, deadline: number): RestrictedStep | null {
    if (feats.list.length === 0) return null;
    const { Y, d, beta, modes, loss } = this.search.pb;
    const { solverIterations, hingeSmoothingRel } = this;
    const tight = accuracy === 'tight';
    const sol = solveLossLasso(
      feats.list.map((f) => f.a),
      Y,
      beta,
      this.offMode,
      loss,
      {
        warm: this.warm,
        muStart: this.muStart,
        hingeSmoothingRel: tight ? Math.max(HINGE_SMOOTHING_FLOOR, LOSS_TIGHT_FACTOR * hingeSmoothingRel) : hingeSmoothingRel,
        relTol: tight ? LOSS_TIGHT_FACTOR * LOSS_LASSO_REL_TOL : LOSS_LASSO_REL_TOL,
        maxIterations: tight ? TIGHT_LASSO_SWEEP_FACTOR * solverIterations : solverIterations,
        deadline,
        shouldStop: this.search.settings.shouldStop,
      },
    );
    this.warm = { Z: sol.Z, b2: sol.b2 };
    if (sol.mu > 0) this.muStart = Math.min(1, 1000 * sol.mu); // the next (warm) hinge solve starts a few smoothing levels back (a new feature enters at 0)
    const dirs = feats.list.map((f) => f.dir);
    this.search.offerWitness(
      lassoNetwork(dirs, sol.Z, sol.b2, d, modes),
      `column generation: restricted ${loss.name} problem over ${feats.list.length} neuron directions (iteration ${iteration})`,
    );
    // the solver's best dual candidate (hinge: smoothed gradient or its active-set polish), into the domain
    const L0 = fixDirection({ rows: sol.lambda.rows, cols: sol.lambda.cols, data: Float64Array.from(sol.lambda.data) }, Y, loss, modes);
    return {
      dual: L0,
      Z: sol.Z,
      settled: sol.converged,
      budgetHit: !sol.converged && sol.stoppedBy === 'iteration-budget',
      safetyStopped: sol.stoppedBy === 'safety-limit',
    };
  }
}

/** Stage 'verdict' (MATH.md §3.1): the optimum when the bound closes on it, tolerances, the result and its reasons. */
function assembleCertificate(
  search: LossDualSearch,
  closed: ClosedForm | null,
  cg: CgOutcome,
  solverIterations: number,
  timings: Record<string, number>,
): ClassificationResult {
  const { settings, best, witness: w } = search;
  const { X, Y, loss, beta, modes, tol, asTrained, infos, bal, Pbal, warnings } = search.pb;
  const { n, d, c, m } = search.pb;
  // the optimum: the best network found when the dual bound closes on it
  let optimal: NetworkWeights | null = null;
  if (w && w.objective - best.value <= tol * w.objective) optimal = w.net;
  else if (search.functionCertified() && (!w || w.objective >= Pbal)) optimal = bal.net;

  const tolerances = certificateTolerances(settings, tol, best.oracle, solverIterations, lossTolerances(hingeSmoothingFor(tol)));
  const result = buildResult({
    loss: loss.name,
    lossWords: loss.words,
    beta,
    betaInfo: search.pb.betaInfo,
    impliedBeta: search.pb.impliedB,
    impliedBetaMismatch: search.pb.impliedBetaMismatch,
    modes,
    n,
    d,
    c,
    m,
    primalAsTrained: asTrained.objective,
    Pbal,
    rebalanced: rebalancedInfo(bal.net, infos, (wn) => lossObjective(wn, X, Y, beta, modes, loss).objective),
    best,
    bestPrimal: search.bestPrimal,
    witness: w,
    tol,
    infos,
    tolerances,
    warnings,
    timings,
    columnGeneration: cg.ran
      ? {
          iterations: cg.iterations,
          directions: cg.directions,
          stopReason: cg.stopReason,
          reachedOptimum: search.functionCertified() || cg.lassoOptimal || optimal !== null,
        }
      : null,
  });
  if (cg.stopKind === 'safety-limit') result.safetyLimit = { seconds: (settings.timeBudgetMs ?? 0) / 1000 };
  if (closed) {
    result.closedForm = closed.name;
    result.closedFormInfo = {
      name: closed.name,
      formula: closed.formula,
      values: closed.values,
      pstar: closed.pstar,
      latex: closed.latex,
      condition: closed.condition,
      tolerance: closed.tolerance,
      vectors: closed.vectors,
    };
  }
  if (cg.nearDuplicates)
    result.oracle.notes.push(
      `${cg.nearDuplicates} oracle direction(s) within the dedup tolerance of a present one were added as distinct columns (different activations near a kink)`,
    );
  if (cg.unconverged)
    result.oracle.notes.push(`${cg.unconverged} restricted solve(s) stopped at the solver budget (${solverIterations} iterations) before their tolerance`);
  if (result.verdict === 'inconclusive') {
    const reason = explainInconclusive({
      primal: asTrained.objective,
      tol,
      dualBound: best.value,
      bestPrimal: result.pstarInterval[1],
      beta,
      oracle: best.oracle,
      inconsistent: result.warnings.some((x) => x.startsWith('Internal inconsistency')),
      cg: { ran: cg.ran, iterations: cg.iterations, stopKind: cg.stopKind, stopReason: cg.stopReason, solverBudgetHits: cg.unconverged },
      budgets: {
        maxIterations: settings.maxIterations,
        patternBudget: settings.patternBudget,
        solverIterations,
        timeBudgetMs: settings.timeBudgetMs,
        nodeBudget: search.bestOracleNodes(),
      },
      finalCall: cg.finalCall,
    });
    result.inconclusiveReason = reason;
    result.summary = `${result.summary} ${reason.advice}`;
  }
  const dualLambda = best.L0 && best.s > 0 ? { rows: n, cols: c, data: best.L0.data.map((v) => v * best.s) } : null;
  return { ...result, loss: loss.name, optimal, dualLambda, labels: Y };
}

/** The classification losses' own tolerances and limits (certificateTolerances adds the ones every loss shares). */
function lossTolerances(hingeSmoothingRel: number): LossTolerances {
  return {
    optimalM: LOSS_OPTIMAL_M_TOL,
    impliedBetaMismatch: LOSS_IMPLIED_BETA_MISMATCH,
    solverMeaning: 'iterations of each restricted problem solve (FISTA, all smoothing levels; a work budget; --solver-iterations)',
    own: {
      lossDualRounding: {
        value: LOSS_DUAL_ROUNDING_PER_TERM,
        meaning: 'relative rounding allowance per summed term of −ℓ*(−Λ) and the b2 term, subtracted from every dual value',
      },
      domainMargin: { value: DOMAIN_MARGIN, meaning: "distance kept between a dual direction's entries and the boundary of the conjugate's domain" },
      dedup: { value: LOSS_DEDUP_TOL, meaning: 'two neuron directions with cosine ≥ 1 − dedup and the same activation pattern are one feature' },
      lossLassoRelGap: { value: LOSS_LASSO_REL_TOL, meaning: 'restricted problem solves stop at this relative duality gap' },
      hingeSmoothing: {
        value: hingeSmoothingRel,
        meaning: `hinge only: the solver smooths the hinge with μ until n·c·μ/2 ≤ this × objective: ${HINGE_SMOOTHING_TOL_FRACTION}·tol within [${HINGE_SMOOTHING_FLOOR}, ${HINGE_SMOOTHING_REL}] (witnesses use the true hinge)`,
      },
      optimumFraction: {
        value: LOSS_OPTIMUM_FRACTION,
        meaning: 'column generation stops when the best network and the dual bound agree to this fraction of tol',
      },
    },
  };
}
