/**
 * certifyNetwork: the certificate of MATH.md §3 with the column-generation refinement of §4/§10.
 *
 * Stages: validate → β → objective (as trained, rebalanced, dead neurons dropped) → oracle on the
 * residual (dual point s·R) → closed form when one applies (§5) → column generation (restricted
 * group lasso over unit directions + the oracle's argmax, [EP Alg. 1] generalized; the loop every
 * loss shares is ./columnGeneration.ts) → verdict.
 *
 * Soundness rules (MATH.md §3):
 *  - every dual bound is D(sΛ) with s ≤ β/M̄ where M̄ is an UPPER bound on M(Λ) (the oracle's
 *    `upper`, or a closed form's structural bound), minus a rounding allowance;
 *  - every primal value used for 'not-optimal' is recomputed from a concrete network's weights
 *    by forward() (networkObjective), never taken from the lasso's bookkeeping.
 */
import type { Mat } from '../linalg/mat';
import { usageError } from '../errors';
import { thousands } from '../format/numbers';
import { sigmaMax, SIGMA_REL_SLACK } from '../linalg/decomp';
import { DEFAULT_NODE_BUDGET, OPTIMUM_ESCALATION_FINAL_MAX_NODES, OPTIMUM_ESCALATION_FINAL_WORK, type OracleFn, type OracleResult } from '../oracle/types';
import { betaFromSpec } from './beta';
import { type ClosedForm, detectClosedForm, RANK_ONE_TOL, WHITENED_TOL } from './closedForms';
import { bestScale, DUAL_ROUNDING_PER_TERM, feasibleDirection, MEAN_ZERO_TOL } from './dual';
import { type CertifyProblem, DualSearchBase, type ProblemStatement, StageClock, stateProblem } from './dualSearch';
import { DEFAULT_LASSO_MAX_SWEEPS, LASSO_REL_TOL, lassoNetwork, offsetModeFor, solveLasso } from './lasso';
import {
  type CgOutcome,
  type CgStopKind,
  columnGeneration,
  DEDUP_TOL,
  FINAL_RESUME_ITERATIONS,
  finalCallAllowed,
  type FeatureSet,
  hintsMat,
  OPTIMAL_M_TOL,
  REFINE_EARLY_MARGIN,
  REFINE_EARLY_NODES,
  REFINE_STALL_ROUNDS,
  type RestrictedSolver,
  type RestrictedStep,
  TIGHT_LASSO_SWEEP_FACTOR,
} from './columnGeneration';

/** Lasso tolerance once column generation would stall (the oracle's argmax is a present column). */
export const TIGHT_LASSO_REL_TOL = 1e-15;
import { networkObjective } from '../problem/objective';
import type { NetworkWeights } from '../problem/network';
import type { CertificateResult, CertifySettings, InconclusiveReason, SettleStep } from './types';
import { decideVerdict, fmt, pct, REBALANCE_MEANING, REBALANCE_REL_TOL, rebalancedInfo, VERDICT_TOL_MEANING } from './verdict';

// the column-generation vocabulary keeps its old address for certify/optimum.ts, analysis/optimum.ts and the tests
export {
  type CgStopKind,
  DEDUP_TOL,
  FeatureSet,
  hintsMat,
  maxColumnCorrelation,
  NEAR_DUPLICATE_GAIN,
  OPTIMAL_M_TOL,
  oracleDirection,
  TIGHT_LASSO_SWEEP_FACTOR,
  unitFor,
} from './columnGeneration';
/** |implied β − β| > this·β is flagged. */
export const IMPLIED_BETA_MISMATCH = 0.1;

export { fmt, pct } from './verdict';

function checkFinite(a: ArrayLike<number>, what: string): void {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) throw usageError(`${what} contains a non-finite value (${a[i]}) at position ${i}.`);
}

function validate(net: NetworkWeights, X: Mat, Y: Mat): void {
  const n = X.rows,
    d = X.cols,
    m = net.W1.rows,
    c = net.W2.rows;
  if (Y.rows !== n) throw usageError(`The data has ${n} samples but the labels have ${Y.rows} rows.`);
  if (net.W1.cols !== d) throw usageError(`The network expects ${net.W1.cols} inputs but the data has ${d} columns.`);
  if (net.W2.cols !== m) throw usageError(`W2 has ${net.W2.cols} columns but W1 has ${m} rows (hidden width).`);
  if (Y.cols !== c) throw usageError(`The network has ${c} outputs but the labels have ${Y.cols} columns.`);
  if (net.b1 && net.b1.length !== m) throw usageError(`b1 has length ${net.b1.length}, expected ${m}.`);
  if (net.b2 && net.b2.length !== c) throw usageError(`b2 has length ${net.b2.length}, expected ${c}.`);
  if (n === 0) throw usageError('The data has no samples.');
  checkFinite(X.data, 'The data');
  checkFinite(Y.data, 'The labels');
  checkFinite(net.W1.data, 'W1');
  checkFinite(net.W2.data, 'W2');
  if (net.b1) checkFinite(net.b1, 'b1');
  if (net.b2) checkFinite(net.b2, 'b2');
}

interface DualRecord {
  value: number;
  point: 'residual' | 'column-generation' | 'closed-form';
  oracle: OracleResult;
  s: number;
  Mbar: number;
}

/**
 * certifyNetwork in named stages, each a function below: setUpProblem (validate, β, the objective
 * as trained and rebalanced) → DualSearch.residual (oracle on the residual) → closedFormStage (§5)
 * → columnGeneration (§4) → assembleCertificate (verdict, tolerances, the result). The stages share
 * one DualSearch: the best dual point and the best network found so far.
 */
export function certifyNetwork(net: NetworkWeights, X: Mat, Y: Mat, settings: CertifySettings, oracle: OracleFn): CertificateResult {
  const clock = new StageClock();
  const stage = (s: string, detail?: string) => settings.onStage?.(s, detail);

  stage('validate');
  const pb = setUpProblem(net, X, Y, settings, stage, clock);

  stage('oracle', 'residual');
  const search = new DualSearch(pb, oracle, settings);
  const or0 = search.residual();
  clock.lap('oracleResidual');

  stage('closed-form');
  const cf = closedFormStage(search);
  clock.lap('closedForm');

  // Budgets in work units (MATH.md §4): column-generation iterations, oracle patterns, lasso sweeps;
  // the wall clock (timeBudgetMs) is only an outer safety stop and says so when it fires.
  stage('column-generation');
  const cg = columnGenerationStage(search, or0, cf, stage);
  clock.lap('columnGeneration');

  const result = assembleCertificate(search, cf, cg, clock.timings);
  clock.timings.total = clock.total();
  return result;
}

function setUpProblem(
  net: NetworkWeights,
  X: Mat,
  Y: Mat,
  settings: CertifySettings,
  stage: (s: string, detail?: string) => void,
  clock: StageClock,
): CertifyProblem {
  validate(net, X, Y);
  return stateProblem(net, X, Y, settings, SQUARED_STATEMENT, stage, clock);
}

/** The squared loss's problem statement (MATH.md §1, §3.8). */
const SQUARED_STATEMENT: ProblemStatement = {
  betaOf: betaFromSpec,
  objectiveOf: networkObjective,
  impliedFormula: '⟨R, F − 1b2ᵀ⟩/Σ‖ũ_j‖‖v_j‖',
  impliedMismatch: IMPLIED_BETA_MISMATCH,
  impliedNote: (impliedB, spec) =>
    spec.kind === 'pytorch' && spec.optimizer === 'adamw' && impliedB !== null
      ? `AdamW: the implied β of this network is ${fmt(impliedB)} (rerun with β = ${fmt(impliedB)} to certify against it).`
      : null,
};

/** The squared loss's dual search: dual points s·R scored by bestScale against the oracle's M̄. */
class DualSearch extends DualSearchBase<DualRecord> {
  /** hints: unit feature directions, rows of length d̃ (free hidden bias: [u; b] with ‖u‖ = 1) */
  readonly ownHints: Mat | undefined;
  /** σ_max(X̃) once: bestScale needs it to account for rounding in Λᵀ1 = 0 */
  readonly sigmaXt: number;

  constructor(pb: CertifyProblem, oracle: OracleFn, settings: CertifySettings) {
    super(pb, oracle, settings);
    this.ownHints = hintsMat(this.ownDirs, this.dd);
    this.sigmaXt = sigmaMax(this.Xt) * (1 + SIGMA_REL_SLACK);
  }

  protected objectiveOf(w: NetworkWeights): number {
    const { X, Y, beta, modes } = this.pb;
    return networkObjective(w, X, Y, beta, modes).objective;
  }

  /** Stage 'oracle': the dual point s·R at the residual of the weights as given; it starts `best`. */
  residual(): OracleResult {
    const { asTrained, modes, Y, beta } = this.pb;
    const L0 = feasibleDirection(asTrained.R, modes);
    const or0 = this.callOracle(L0, { ...this.baseOpts, hints: this.ownHints }, 'the residual');
    const sd0 = bestScale(L0, Y, beta, modes, or0.upper, this.sigmaXt);
    this.keep({ value: sd0.value, point: 'residual', oracle: or0, s: sd0.s, Mbar: or0.upper }, { L: L0, hints: this.ownHints });
    return or0;
  }

  /** Column generation's dual point: the oracle at the restricted residual direction, kept when its dual value is better. */
  scoreColumnGeneration(Lt: Mat | null, hints: Mat | undefined, iteration: number): OracleResult {
    const { Y, beta, modes } = this.pb;
    if (!Lt) throw new Error('the restricted lasso always has a residual direction');
    const opts = { ...this.baseOpts, seed: this.settings.seed + iteration, hints };
    const ort = this.callOracle(Lt, opts, `the column-generation residual (iteration ${iteration})`);
    const sdt = bestScale(Lt, Y, beta, modes, ort.upper, this.sigmaXt);
    if (sdt.value > this.best.value) this.keep({ value: sdt.value, point: 'column-generation', oracle: ort, s: sdt.s, Mbar: ort.upper }, { L: Lt, hints });
    return ort;
  }
}

/** Stage 'closed-form' (MATH.md §5): its dual point and its optimum, when a closed form applies. */
function closedFormStage(search: DualSearch): ClosedForm | null {
  const { X, Y, beta, modes, warnings } = search.pb;
  const cf = detectClosedForm(X, Y, beta, modes);
  if (!cf) return null;
  const orc = search.callOracle(cf.dualPoint, { ...search.baseOpts, hints: search.ownHints }, `the closed form's dual point`);
  const Mbar = Math.min(orc.upper, cf.dualPointMUpper);
  const sdc = bestScale(cf.dualPoint, Y, beta, modes, Mbar, search.sigmaXt);
  const orUsed: OracleResult =
    Mbar < orc.upper ? { ...orc, upper: Mbar, notes: [...orc.notes, `closed form '${cf.name}': structural bound M̄ = ${fmt(Mbar)} used`] } : orc;
  if (sdc.value > search.best.value)
    search.keep({ value: sdc.value, point: 'closed-form', oracle: orUsed, s: sdc.s, Mbar }, { L: cf.dualPoint, hints: search.ownHints });
  search.offerWitness(cf.network, `closed-form optimum (${cf.name}), P* = ${fmt(cf.pstar)}`);
  if (Math.abs(sdc.value - cf.pstar) > 1e-8 * Math.max(1, Math.abs(cf.pstar)))
    warnings.push(
      `Closed form '${cf.name}': its dual point gives D = ${fmt(sdc.value)} but the formula gives P* = ${fmt(cf.pstar)}; ` +
        'the bound actually used is the dual value.',
    );
  return cf;
}

/** Column generation's outcome with the squared certificate's notes and its solver budget. */
type SquaredCg = CgOutcome & { solverIterations: number; notes: string[] };

/**
 * Stage 'column-generation' (MATH.md §4): the shared loop (./columnGeneration.ts) with the restricted
 * group lasso; every lasso network is offered as a witness and every residual as a dual point.
 */
function columnGenerationStage(search: DualSearch, or0: OracleResult, cf: ClosedForm | null, stage: (s: string, detail?: string) => void): SquaredCg {
  const solverIterations = search.settings.solverIterations ?? DEFAULT_LASSO_MAX_SWEEPS;
  const solver = new LassoSolver(search, solverIterations);
  const rules = { skip: cf !== null && search.hasWitness(), nearDuplicateFloor: search.pb.beta };
  const out: SquaredCg = { ...columnGeneration(search, solver, or0, rules, stage), solverIterations, notes: [] };
  if (!out.ran) return out;
  const notes = out.notes;
  notes.push(`column generation: ${out.iterations} iteration(s); stop: ${out.stopReason}`);
  if (out.nearDuplicates)
    notes.push(
      `${out.nearDuplicates} oracle direction(s) within the dedup tolerance of a present one were added as distinct columns (different activations near a kink)`,
    );
  if (out.unconverged)
    notes.push(`${out.unconverged} restricted lasso solve(s) stopped at the solver budget (${solverIterations} sweeps) before their tolerance`);
  if (!cgReachedOptimum(out.stopReason) && !search.functionCertified()) notes.push('column generation did not reach the optimum');
  return out;
}

/**
 * The squared loss's restricted problem: the group lasso over the present directions ('tight':
 * solved to TIGHT_LASSO_REL_TOL with TIGHT_LASSO_SWEEP_FACTOR times the sweeps), warm-started from
 * the previous solve; its network is offered as a witness, its residual is the dual direction.
 */
class LassoSolver implements RestrictedSolver {
  private warm: { Z: Float64Array[]; b2?: Float64Array } | undefined;
  private readonly offMode;
  constructor(
    private readonly search: DualSearch,
    private readonly solverIterations: number,
  ) {
    this.offMode = offsetModeFor(search.pb.modes);
  }
  solve(feats: FeatureSet, accuracy: 'normal' | 'tight', iteration: number): RestrictedStep {
    const { Y, d, beta, modes } = this.search.pb;
    const { warm, solverIterations } = this;
    const lasso = solveLasso(
      feats.list.map((f) => f.a),
      Y,
      beta,
      this.offMode,
      accuracy === 'tight'
        ? { warm, relTol: TIGHT_LASSO_REL_TOL, maxSweeps: TIGHT_LASSO_SWEEP_FACTOR * solverIterations }
        : { warm, maxSweeps: solverIterations },
    );
    this.warm = { Z: lasso.Z, b2: lasso.b2 };
    const lnet = lassoNetwork(
      feats.list.map((f) => f.dir),
      lasso.Z,
      lasso.b2,
      d,
      modes,
    );
    this.search.offerWitness(lnet, `column generation: group lasso over ${feats.list.length} neuron directions (iteration ${iteration})`);
    // the exact-oracle stop needs no 'converged': the residual's dual point is scored as it is
    return { dual: feasibleDirection(lasso.residual, modes), Z: lasso.Z, settled: true, budgetHit: !lasso.converged, safetyStopped: false };
  }
}

/** Stage 'verdict' (MATH.md §3.1): the verdict about the weights as given, its reasons, tolerances and the result. */
function assembleCertificate(search: DualSearch, cf: ClosedForm | null, cg: SquaredCg, timings: Record<string, number>): CertificateResult {
  const { settings, best } = search;
  const pb = search.pb;
  const { beta, modes, tol, asTrained, infos, warnings } = pb;
  const { v, rebalanced, inconclusiveReason } = squaredVerdict(search, cg);
  const verdict = v.verdict;
  const { gap, relGap, pstarInterval } = v;
  const summary = inconclusiveReason ? `${v.summary} ${inconclusiveReason.advice}` : v.summary;

  const oracleUsed: OracleResult = { ...best.oracle, notes: [...best.oracle.notes, ...cg.notes] };
  const tolerances = certificateTolerances(settings, tol, best.oracle, cg.solverIterations, SQUARED_TOLERANCES);

  return {
    verdict,
    summary,
    beta,
    betaInfo: pb.betaInfo,
    impliedBeta: pb.impliedB,
    impliedBetaMismatch: pb.impliedBetaMismatch,
    hiddenBias: modes.hiddenBias,
    outputBias: modes.outputBias,
    n: pb.n,
    d: pb.d,
    c: pb.c,
    m: pb.m,
    primalAsTrained: asTrained.objective,
    primal: pb.Pbal,
    dualBound: best.value,
    gap,
    relGap,
    gapBalanced: v.gapBalanced,
    relGapBalanced: v.relGapBalanced,
    rebalanced,
    pstarInterval,
    tol,
    dualPoint: best.point,
    oracle: oracleUsed,
    closedForm: cf ? cf.name : null,
    witness: v.witness ? { ...v.witness.net, objective: v.witness.objective, description: v.witness.description, kind: v.witness.kind } : null,
    neurons: infos.map((s) => ({
      index: s.index,
      inNorm: s.inNorm,
      outNorm: s.outNorm,
      active: s.active,
      dead: s.dead,
      dualScore: s.dualScore,
    })),
    tolerances,
    warnings,
    timings,
    closedFormInfo: cf
      ? {
          name: cf.name,
          formula: cf.formula,
          values: cf.values,
          pstar: cf.pstar,
          latex: cf.latex,
          condition: cf.condition,
          tolerance: cf.tolerance,
          vectors: cf.vectors,
        }
      : null,
    columnGeneration: cg.ran
      ? { iterations: cg.iterations, directions: cg.directions, stopReason: cg.stopReason, reachedOptimum: search.functionCertified() || cg.lassoOptimal }
      : null,
    ...(inconclusiveReason ? { inconclusiveReason } : {}),
    ...(cg.stopKind === 'safety-limit' ? { safetyLimit: { seconds: (settings.timeBudgetMs ?? 0) / 1000 } } : {}),
  };
}

/**
 * The verdict from the search's best dual point and primal witnesses, with the reason and advice
 * when it is inconclusive. Kept apart from assembleCertificate: this is the decision, that is the report.
 * Side effects on purpose: an inconsistency joins the warnings, an exact restricted optimum joins cg.notes.
 */
function squaredVerdict(search: DualSearch, cg: SquaredCg) {
  const { settings, best } = search;
  const { X, Y, beta, modes, tol, asTrained, infos, bal, warnings } = search.pb;
  const rebalanced = rebalancedInfo(bal.net, infos, (w) => networkObjective(w, X, Y, beta, modes).objective);
  const v = decideVerdict({
    primalAsGiven: asTrained.objective,
    rebalanced,
    dualBound: best.value,
    dualPoint: best.point,
    oracle: best.oracle,
    tol,
    witness: search.witness,
    bestPrimal: search.bestPrimal,
    what: `squared loss, β = ${fmt(beta)}`,
  });
  if (v.inconsistency) warnings.push(v.inconsistency);
  const verdict = v.verdict;
  if (verdict === 'inconclusive' && !v.inconsistency && cg.lassoOptimal)
    cg.notes.push('P* is known to the interval shown (an exact oracle confirmed the restricted optimum).');
  const { pstarInterval } = v;
  const inconclusiveReason =
    verdict === 'inconclusive'
      ? explainInconclusive({
          primal: asTrained.objective,
          tol,
          dualBound: best.value,
          bestPrimal: pstarInterval[1],
          beta,
          oracle: best.oracle,
          inconsistent: v.inconsistency !== null,
          cg: { ran: cg.ran, iterations: cg.iterations, stopKind: cg.stopKind, stopReason: cg.stopReason, solverBudgetHits: cg.unconverged },
          budgets: {
            maxIterations: settings.maxIterations,
            patternBudget: settings.patternBudget,
            solverIterations: cg.solverIterations,
            timeBudgetMs: settings.timeBudgetMs,
            nodeBudget: search.bestOracleNodes(),
          },
          finalCall: cg.finalCall,
        })
      : undefined;
  return { v, rebalanced, inconclusiveReason };
}

/** The squared loss's own tolerances and limits (certificateTolerances adds the ones every loss shares). */
const SQUARED_TOLERANCES: LossTolerances = {
  optimalM: OPTIMAL_M_TOL,
  impliedBetaMismatch: IMPLIED_BETA_MISMATCH,
  solverMeaning: 'coordinate-descent sweeps of each restricted group-lasso solve (a work budget; --solver-iterations)',
  own: {
    dualRounding: { value: DUAL_ROUNDING_PER_TERM, meaning: 'rounding allowance per summed term subtracted from every dual value D(sΛ)' },
    meanZero: { value: MEAN_ZERO_TOL, meaning: 'largest |column sum|/Σ|column| of a dual point accepted as Λᵀ1 = 0 (free output or hidden bias)' },
    dedup: { value: DEDUP_TOL, meaning: 'two neuron directions with cosine ≥ 1 − dedup are one feature of the restricted problem' },
    lassoRelGap: { value: LASSO_REL_TOL, meaning: 'restricted group-lasso solves stop at this relative duality gap' },
    closedFormWhitened: { value: WHITENED_TOL, meaning: 'max |XXᵀ − I| for the whitened closed forms to apply' },
    closedFormRankOne: { value: RANK_ONE_TOL, meaning: 'σ2/σ1 for the rank-one closed form to apply' },
    deadNeuron: { value: 0, meaning: 'a neuron is dead when every activation is exactly ≤ 0 on the data (or its output weights are 0)' },
  },
};

/** What one loss's certificate reports beyond the tolerances every loss shares. */
export interface LossTolerances {
  /** column generation stops as optimal when an exact oracle gives M(Λ) ≤ β(1 + optimalM) */
  optimalM: number;
  impliedBetaMismatch: number;
  /** what one unit of --solver-iterations is for this loss's restricted solver */
  solverMeaning: string;
  own: CertificateResult['tolerances'];
}

/**
 * Every named tolerance and work budget a certificate used, with what it means (CertificateResult.tolerances):
 * the verdict, rebalancing, the loss's own, the optimal-M stop, the β check, the oracle's allowance, the budgets.
 */
export function certificateTolerances(
  settings: CertifySettings,
  tol: number,
  oracle: OracleResult,
  solverIterations: number,
  loss: LossTolerances,
): CertificateResult['tolerances'] {
  return {
    tol: { value: tol, meaning: VERDICT_TOL_MEANING },
    rebalance: { value: REBALANCE_REL_TOL, meaning: REBALANCE_MEANING },
    ...loss.own,
    optimalM: { value: loss.optimalM, meaning: 'column generation stops as optimal when an exact oracle gives M(Λ) ≤ β(1 + optimalM)' },
    impliedBetaMismatch: { value: loss.impliedBetaMismatch, meaning: 'relative difference of implied and declared β that is flagged' },
    oracleRounding: { value: oracle.roundingAllowance, meaning: "the oracle's rounding allowance included in its upper bound M̄" },
    ...budgetTolerances(settings, solverIterations, loss.solverMeaning),
  };
}

function cgReachedOptimum(reason: string): boolean {
  return reason === 'certified' || reason.startsWith('the restricted optimum');
}

/**
 * The work budgets (and the wall-clock safety limit) as entries of `tolerances`, so the result
 * lists every number that bounded the work next to the tolerances.
 */
function budgetTolerances(settings: CertifySettings, solverIterations: number, solverMeaning: string): CertificateResult['tolerances'] {
  const out: CertificateResult['tolerances'] = {
    maxIterations: { value: settings.maxIterations, meaning: 'column-generation iterations allowed (a work budget; --max-iterations)' },
    patternBudget: { value: settings.patternBudget, meaning: 'activation patterns the oracle may enumerate for an exact M (a work budget; --pattern-budget)' },
    solverIterations: { value: solverIterations, meaning: solverMeaning },
    nodeBudget: {
      value: settings.nodeBudget ?? DEFAULT_NODE_BUDGET,
      meaning:
        "nodes of the oracle's global search per call (rank ≥ 5 beyond the pattern budget; a work budget; --node-budget, reluLens.oracleNodeBudget); " +
        'when set, it caps every call of the certificate, the final one included',
    },
    finalOracleWork: {
      value: finalCallAllowed(settings) ? OPTIMUM_ESCALATION_FINAL_WORK : 0,
      meaning:
        `an inexact global search left the verdict open: one final oracle call at the best dual point with this/n nodes (at most ${thousands(OPTIMUM_ESCALATION_FINAL_MAX_NODES)}); ` +
        '0: none, because a node budget was set (it caps every call of the certificate)',
    },
    finalResumeIterations: {
      value: FINAL_RESUME_ITERATIONS,
      meaning:
        "after the final call's violating direction became a column, at most this many more column-generation iterations, counted within maxIterations; " +
        'when none are left, one restricted solve with that column still checks its network as a witness',
    },
    refineEarlyNodes: {
      value: REFINE_EARLY_NODES,
      meaning: `once not optimal is proven, each refinement's global search stops after this many nodes at a direction above β(1 + ${REFINE_EARLY_MARGIN}); ${REFINE_STALL_ROUNDS} rounds in a row that narrow the P* interval by ≤ 1% of its width end the refinement`,
    },
  };
  if (settings.timeBudgetMs !== undefined && Number.isFinite(settings.timeBudgetMs))
    out.timeBudgetMs = {
      value: settings.timeBudgetMs,
      meaning: 'wall-clock safety limit of column generation in ms (--time-budget, in s): only an outer stop; when it fires the warnings say so',
    };
  return out;
}

/** What explainInconclusive needs: the verdict's numbers, the oracle behind the dual bound, how column generation ended, the budgets. */
export interface InconclusiveFacts {
  /** P(θ), the weights as given */
  primal: number;
  tol: number;
  dualBound: number;
  /** the lowest objective of any network evaluated (the P* interval's upper end) */
  bestPrimal: number;
  beta: number;
  /** rank: the oracle's numerical rank (≥ 5 not exact: a global search, bounded by its nodes) */
  oracle: Pick<OracleResult, 'exact' | 'upper' | 'lower' | 'method' | 'patterns'> & { rank?: number };
  /** a dual bound exceeded a network's objective (no verdict is claimed) */
  inconsistent: boolean;
  cg: { ran: boolean; iterations: number; stopKind: CgStopKind; stopReason: string; solverBudgetHits: number };
  /** nodeBudget: the node budget of the oracle call behind `oracle` (DualSearchBase.bestOracleNodes; default the oracle's) */
  budgets: { maxIterations: number; patternBudget: number; solverIterations: number; timeBudgetMs?: number; nodeBudget?: number };
  /** column generation's final oracle call (CgOutcome.finalCall), when made: named beside `oracle` when it is another call */
  finalCall?: { nodeBudget: number; upper: number; lower: number };
}

/**
 * The global search's bound keeps the verdict open: its node budget is what to raise. The numbers are
 * the call's behind the reported M̄ (`oracle`, budgets.nodeBudget); a final call that did not give the
 * best dual point is named apart, and the step asks for more nodes than either used.
 */
function globalSearchLoose(f: InconclusiveFacts, ratio: string, what: string, dualBy: number): InconclusiveReason {
  const nodes = f.budgets.nodeBudget ?? DEFAULT_NODE_BUDGET;
  const fc = f.finalCall && f.finalCall.nodeBudget !== nodes ? f.finalCall : undefined;
  const finalWords = fc
    ? `; the final oracle call (${thousands(fc.nodeBudget)} nodes, at the best dual point then) gave M̄ = ${fmt(fc.upper / f.beta, 3)}×β ` +
      `and a direction at ${fmt(fc.lower / f.beta, 4)}×β`
    : '';
  return {
    looseBound: 'oracle',
    by: dualBy,
    advice:
      `The oracle's upper bound on M(Λ) is ${ratio} after a global search of up to ${thousands(nodes)} nodes (rank ${f.oracle.rank}, not exact; ` +
      `the best direction found reaches ${fmt(f.oracle.lower / f.beta, 4)}×β)${finalWords}, so ${what}.`,
    steps: [{ kind: 'raise-node-budget', now: Math.max(nodes, fc?.nodeBudget ?? 0) }],
  };
}

/**
 * Which bound keeps an inconclusive verdict open, by how much (a fraction of P(θ)), and what would
 * close it — in plain words; the budget to change is a kind (`steps`) each front end words with its
 * own flag or setting (CertificateResult.inconclusiveReason, report/settleSteps.ts).
 */
export function explainInconclusive(f: InconclusiveFacts): InconclusiveReason {
  const P = f.primal;
  const line = P * (1 - f.tol);
  const scale = P > 0 ? P : 1;
  const dualBy = (line - f.dualBound) / scale;
  const primalBy = (f.bestPrimal - line) / scale;
  const interval = `P* ∈ [${fmt(f.dualBound)}, ${fmt(f.bestPrimal)}]`;
  const short = `the dual bound is ${pct(dualBy)} of P(θ) short of certifying at tol ${pct(f.tol)}`;
  const its = (k: number) => `${k} iteration${k === 1 ? '' : 's'}`;
  const relGap = (P - f.dualBound) / scale;
  const { cg, budgets: b } = f;
  const solverNote = cg.solverBudgetHits ? ` ${cg.solverBudgetHits} restricted solve(s) stopped at the solver's iteration budget.` : '';
  const solverStep: SettleStep[] = cg.solverBudgetHits ? [{ kind: 'raise-solver-iterations', now: b.solverIterations }] : [];
  if (f.inconsistent)
    return {
      looseBound: 'oracle',
      by: dualBy,
      advice: "A dual bound exceeds a network's objective, so an oracle upper bound is not sound and no verdict is claimed; please report this case.",
      steps: [],
    };
  const o = f.oracle;
  if (!o.exact && !(o.upper <= o.lower * (1 + f.tol))) {
    const ratio = Number.isFinite(o.upper) ? `${fmt(o.upper / f.beta, 3)}×β` : 'unbounded';
    // rank ≥ 5 beyond enumeration: a global search bounded by its nodes, not by the pattern budget
    if ((o.rank ?? 0) >= 5 && (f.budgets.nodeBudget ?? DEFAULT_NODE_BUDGET) > 0) return globalSearchLoose(f, ratio, `${short}; ${interval}`, dualBy);
    return {
      looseBound: 'oracle',
      by: dualBy,
      advice:
        `The oracle's upper bound on M(Λ) is ${ratio} after ${thousands(o.patterns)} activation patterns (${o.method}, not exact; ` +
        `the best direction found reaches ${fmt(o.lower / f.beta, 4)}×β), so ${short}; ${interval}.`,
      steps: [{ kind: 'raise-pattern-budget', now: b.patternBudget }],
    };
  }
  if (!cg.ran)
    return {
      looseBound: 'dual',
      by: dualBy,
      advice: `Column generation did not run (iteration budget ${b.maxIterations}), so the dual bound is the one from the network's own residual: ${short}; ${interval}.`,
      steps: [{ kind: 'allow-iterations', now: b.maxIterations }],
    };
  switch (cg.stopKind) {
    case 'iteration-budget':
      return {
        looseBound: 'dual',
        by: dualBy,
        advice: `Column generation stopped after ${its(cg.iterations)} (its iteration budget) with ${interval}: ${short}.${solverNote}`,
        steps: [{ kind: 'raise-iterations', now: b.maxIterations }, ...solverStep],
      };
    case 'safety-limit':
      return {
        looseBound: 'dual',
        by: dualBy,
        advice:
          `Column generation was stopped by the wall-clock safety limit (${fmt((b.timeBudgetMs ?? 0) / 1000)} s) after ${its(cg.iterations)} with ${interval}: ${short}. ` +
          'These numbers depend on the machine; raising the safety limit lets it go further.',
        // the safety limit's own kind (result.safetyLimit) names the control
        steps: [],
      };
    case 'stopped':
      return {
        looseBound: 'dual',
        by: dualBy,
        advice: `The analysis was cancelled after ${its(cg.iterations)} of column generation with ${interval}: ${short}.`,
        steps: [],
      };
    case 'optimal': {
      const tolFor = Number(relGap.toPrecision(2)) >= relGap ? Number(relGap.toPrecision(2)) : Number((relGap * 1.05).toPrecision(2));
      return {
        looseBound: dualBy >= primalBy ? 'dual' : 'primal',
        by: Math.max(dualBy, primalBy),
        advice:
          `P* is pinned down (${interval}, an exact oracle confirmed the restricted optimum) and this network's objective ${fmt(P)} is ` +
          `${pct((P - f.bestPrimal) / scale)}–${pct(relGap)} above it: on the tolerance line.`,
        steps: [{ kind: 'tol-would-certify', tol: tolFor }],
      };
    }
    default:
      return {
        looseBound: primalBy > dualBy && cg.stopKind !== 'stalled' ? 'primal' : 'dual',
        by: primalBy > dualBy && cg.stopKind !== 'stalled' ? primalBy : dualBy,
        advice:
          `Column generation stopped after ${its(cg.iterations)} (${cg.stopReason}) with ${interval}: ${short}.` +
          (cg.solverBudgetHits ? solverNote : ' The restricted problem is solved as accurately as floating point allows here.'),
        steps: cg.solverBudgetHits ? solverStep : [{ kind: 'tol-would-decide', tol: Number((relGap * 1.05).toPrecision(2)) }],
      };
  }
}
