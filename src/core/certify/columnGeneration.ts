/**
 * Column generation (MATH.md §4, [EP Alg. 1] generalized to any convex loss, §8): the restricted
 * problem over the neuron directions found so far, the oracle at its dual point, the oracle's argmax
 * added as a new column — one loop for every loss. What differs per loss is behind two small
 * interfaces: the restricted-problem solver of its shape (RestrictedSolver: the squared loss's group
 * lasso, the other losses' FISTA solver) and the dual search that scores a dual point and keeps the
 * best dual point and network (CgSearch: certify/certify.ts, losses/certify.ts).
 *
 * Budgets are work units (iterations of this loop, the solver's iterations, the oracle's patterns);
 * the wall clock (timeBudgetMs) is only an outer safety stop and says so in the warnings when it fires.
 */
import type { Mat } from '../linalg/mat';
import { zeros } from '../linalg/mat';
import { isCancellation } from '../errors';
import { thousands } from '../format/numbers';
import { DEFAULT_NODE_BUDGET, type OracleOptions, type OracleResult } from '../oracle/types';
import { featureActivation, featureDim } from '../problem/features';
import type { CertifyModes } from '../problem/network';
import { type EscalationStep, escalationSchedule, finalStep, RoundBudget, stepOptions } from './optimumRounds';
import type { CertifySettings } from './types';
import { fmt } from './verdict';

/** Two unit feature directions with cosine ≥ 1 − this are the same feature. */
export const DEDUP_TOL = 1e-12;
/** Column generation stops as optimal when an exact oracle gives M(Λ_t) ≤ β(1 + this). */
export const OPTIMAL_M_TOL = 1e-9;
/** The tighter restricted solves may use this many times the solver budget (settings.solverIterations). */
export const TIGHT_LASSO_SWEEP_FACTOR = 10;
/**
 * An oracle argmax within DEDUP_TOL of a present direction is still added, as a distinct column,
 * when its correlation ‖Λᵀ(X̃u)_+‖ (the oracle's `lower`, recomputed) exceeds every present
 * column's (and the caller's floor) by this relative margin: near a kink, directions 1e-6 apart have
 * activations that differ to first order, and with a tiny β that is a visible part of M(Λ) − β
 * (soundness suite, regression 'inconclusive-with-exact-oracle').
 */
export const NEAR_DUPLICATE_GAIN = 1e-9;

/**
 * Once not optimal is proven (a witness), the refinement's oracle calls of the global searches (rank ≥ 5
 * beyond enumeration) stop once they attained M ≥ β(1 + REFINE_EARLY_MARGIN) and spent REFINE_EARLY_NODES
 * nodes (partial pricing, OracleOptions.earlyDirection, as the optimum's rounds: certify/optimum.ts
 * OPTIMUM_EARLY_NODES): the verdict is decided, and a full 5,000-node call per refinement round was
 * most of certify's time at rank 8–9, n = 30. M̄ stays sound; exact oracles are unaffected.
 */
export const REFINE_EARLY_NODES = 100;
export const REFINE_EARLY_MARGIN = 1e-3;
/**
 * The refinement after a witness also ends after this many rounds in a row whose (inexact) oracle
 * narrowed the P* interval by at most OPTIMUM_STALL_REL of its width (certify/optimumRounds.ts
 * RoundBudget): each costs an oracle call, and the verdict is decided. Rounds with an exact oracle
 * are not counted (their refinement is cheap and converges).
 */
export const REFINE_STALL_ROUNDS = 2;

/**
 * After the final oracle call's violating direction became a column, at most this many more
 * column-generation iterations (each with the ordinary oracle budget, counted within
 * settings.maxIterations: when none are left, one restricted solve checks the new column's network as
 * a witness) look for a network better than P(θ)(1 − tol); they stop earlier when their own calls find
 * no new column or a witness is found.
 * Measured on the iris-like optimize output (n = 150, rank 5, c = 3): the first resumed call found
 * nothing new, even at 10⁵ nodes (+5 s CPU), so the resumed calls keep the ordinary budget.
 */
export const FINAL_RESUME_ITERATIONS = 10;

const now = () => performance.now();

interface Feature {
  dir: Float64Array;
  a: Float64Array;
}

export function unitFor(dir: Float64Array): Float64Array {
  let s = 0;
  for (const v of dir) s += v * v;
  const nn = Math.sqrt(s);
  return nn > 0 ? dir.map((v) => v / nn) : dir;
}

/** The restricted problem's columns: neuron directions and their activations a = (X̃u)_+. */
export class FeatureSet {
  readonly list: Feature[] = [];
  private units: Float64Array[] = [];
  constructor(
    private X: Mat,
    private modes: CertifyModes,
  ) {}
  /**
   * true when a direction parallel to dir with the same activation pattern is already in the set.
   * Nearly parallel directions on either side of a kink are different features: tiny-β optima put
   * kinks exactly on data points, and merging them stalls column generation.
   */
  has(dir: Float64Array): boolean {
    const u = unitFor(dir);
    let a: Float64Array | undefined;
    return this.units.some((w, k) => {
      let s = 0;
      for (let i = 0; i < u.length; i++) s += u[i] * w[i];
      if (s < 1 - DEDUP_TOL) return false;
      a ??= featureActivation(this.X, dir, this.modes.hiddenBias);
      const b = this.list[k].a;
      for (let i = 0; i < a.length; i++) if (a[i] > 0 !== b[i] > 0) return false;
      return true;
    });
  }
  /**
   * adds a direction unless it duplicates one or is zero on all data; returns whether added.
   * `distinct`: the caller has shown that this direction is a different column although `has` says
   * otherwise (near a kink, directions within DEDUP_TOL can have activations that differ to first
   * order; see NEAR_DUPLICATE_GAIN): only an activation vector equal to a present one is refused.
   */
  add(dir: Float64Array, distinct = false): boolean {
    if (!dir.every(Number.isFinite)) return false;
    if (!distinct && this.has(dir)) return false;
    const u = unitFor(dir);
    const a = featureActivation(this.X, dir, this.modes.hiddenBias);
    if (!a.some((v) => v > 0)) return false;
    if (distinct && this.list.some((f) => f.a.every((v, i) => v === a[i]))) return false;
    this.list.push({ dir: new Float64Array(dir), a });
    this.units.push(u);
    return true;
  }
}

/** The feature direction the oracle's argmax describes ([u; b] for a free hidden bias). */
export function oracleDirection(or: OracleResult, d: number, modes: CertifyModes): Float64Array | null {
  const dd = featureDim(d, modes.hiddenBias);
  if (modes.hiddenBias === 'free') {
    if (or.argmax.length !== d) return null;
    const v = new Float64Array(dd);
    v.set(or.argmax);
    v[d] = or.argmaxBias;
    return v;
  }
  return or.argmax.length === dd ? new Float64Array(or.argmax) : null;
}

/** max_k ‖Lᵀa_k‖ over the restricted problem's columns: its dual constraint at L (≤ β when L is its optimal dual). */
export function maxColumnCorrelation(feats: readonly { a: Float64Array }[], L: Mat): number {
  const n = L.rows,
    c = L.cols;
  let best = 0;
  for (const { a } of feats) {
    let q = 0;
    for (let j = 0; j < c; j++) {
      let g = 0;
      for (let i = 0; i < n; i++) if (a[i] !== 0) g += a[i] * L.data[i * c + j];
      q += g * g;
    }
    best = Math.max(best, Math.sqrt(q));
  }
  return best;
}

/** Oracle hints: unit feature directions as rows of length d̃. */
export function hintsMat(dirs: Float64Array[], dd: number): Mat | undefined {
  if (!dirs.length) return undefined;
  const H = zeros(dirs.length, dd);
  dirs.forEach((v, j) => H.data.set(v.subarray(0, dd), j * dd));
  return H;
}

/**
 * Why column generation stopped, as a kind (the words are in stopReason): 'certified', 'optimal'
 * (exact oracle: M ≤ β at the restricted optimum, or best network and dual bound agree), 'witness-refined'
 * (not optimal is proven and the interval was refined for refineAfterWitness iterations, or until
 * REFINE_STALL_ROUNDS rounds narrowed nothing),
 * 'iteration-budget' (maxIterations), 'safety-limit' (the wall clock, timeBudgetMs), 'stopped'
 * (cancelled), 'stalled' (no new direction), 'not-run'.
 */
export type CgStopKind = 'certified' | 'optimal' | 'witness-refined' | 'iteration-budget' | 'safety-limit' | 'stopped' | 'stalled' | 'not-run';

/** One restricted solve, as the loop needs it. */
export interface RestrictedStep {
  /** the dual direction at the restricted solution, made feasible for the dual's domain (null: none exists) */
  dual: Mat | null;
  /** per column, the solution's output weights (a column is active when they are nonzero) */
  Z: Float64Array[];
  /** the solve reached its tolerance, so an exact oracle's M ≤ β at `dual` proves the restricted optimum global */
  settled: boolean;
  /** the solve stopped at its work budget before its tolerance */
  budgetHit: boolean;
  /** the solve stopped at the wall-clock safety limit */
  safetyStopped: boolean;
}

/** The restricted problem of one loss shape; it keeps its own warm start between calls. */
export interface RestrictedSolver {
  /**
   * solves over the present columns ('tight': to a tighter tolerance with TIGHT_LASSO_SWEEP_FACTOR
   * times the budget) and offers the solution's network as a witness; null when it cannot run
   * (no column). `deadline` (performance.now() ms) is the wall-clock safety stop.
   */
  solve(feats: FeatureSet, accuracy: 'normal' | 'tight', iteration: number, deadline: number): RestrictedStep | null;
}

/** The dual search column generation refines: the best dual point and network so far (certify/certify.ts DualSearch, losses/certify.ts). */
export interface CgSearch {
  readonly settings: CertifySettings;
  readonly X: Mat;
  readonly d: number;
  readonly dd: number;
  readonly beta: number;
  readonly tol: number;
  readonly modes: CertifyModes;
  readonly warnings: string[];
  /** unit feature directions of the network's live neurons (the first columns) */
  readonly ownDirs: Float64Array[];
  bestValue(): number;
  witnessObjective(): number | null;
  /** the dual bound decides the verdict about the weights as given (the loop stops as 'certified') */
  isCertified(): boolean;
  hasWitness(): boolean;
  /** the oracle at a column-generation dual direction (null: none); the dual point scored and kept when better; the oracle's answer */
  scoreColumnGeneration(L: Mat | null, hints: Mat | undefined, iteration: number): OracleResult;
  /** the oracle's answer at the best dual point so far */
  bestOracle(): OracleResult;
  /** the node budget of the oracle call behind bestOracle() */
  bestOracleNodes(): number;
  /** the best dual point's direction Λ and hints (null: none): where the final oracle call goes */
  bestDualDirection(): { L: Mat; hints: Mat | undefined } | null;
  /** runs f with every oracle call's options overridden by `work` (the final call's nodes, the refinement's early stop) */
  withOracleWork<T>(work: Partial<OracleOptions>, f: () => T): T;
}

/** What differs between the losses in the loop's stopping rules. */
export interface CgRules {
  /** the caller has a reason not to run (e.g. a closed form already proved not optimal) */
  skip: boolean;
  /** a near-duplicate argmax must beat max(this, every present column) to be added as distinct */
  nearDuplicateFloor: number;
  /** stop as 'optimal' once the best network and the dual bound agree to this fraction of tol (undefined: never) */
  optimumFraction?: number;
}

/** How column generation ended. */
export interface CgOutcome {
  ran: boolean;
  iterations: number;
  directions: number;
  /** an exact oracle confirmed the restricted optimum (M ≤ β) */
  lassoOptimal: boolean;
  stopReason: string;
  stopKind: CgStopKind;
  /** restricted solves that stopped at their work budget before their tolerance */
  unconverged: number;
  /** oracle directions within DEDUP_TOL of a present one added as distinct columns */
  nearDuplicates: number;
  /** the final oracle call's work (nodes, samples) and its bounds M̄ and best direction, when it was made (finalOracleStage) */
  finalCall?: { nodeBudget: number; samples?: number; upper: number; lower: number };
}

/**
 * The loop: columns = the network's own directions and the oracle's argmax at the first dual point
 * (`start`); then restricted solve → oracle at its dual point → stop, or add the argmax.
 */
export function columnGeneration(
  search: CgSearch,
  solver: RestrictedSolver,
  start: OracleResult,
  rules: CgRules,
  stage: (s: string, detail?: string) => void,
): CgOutcome {
  const { settings, X, d, modes } = search;
  const out: CgOutcome = {
    ran: false,
    iterations: 0,
    directions: 0,
    lassoOptimal: false,
    stopReason: '',
    stopKind: 'not-run',
    unconverged: 0,
    nearDuplicates: 0,
  };
  if (search.isCertified() || rules.skip || !(settings.maxIterations > 0)) return out;
  out.ran = true;
  const feats = new FeatureSet(X, modes);
  for (const v of search.ownDirs) feats.add(v);
  const d0 = oracleDirection(start, d, modes);
  if (d0 && start.lower > 0) feats.add(d0);
  const cgStart = now();
  const deadline = cgStart + (settings.timeBudgetMs ?? Infinity);
  const loop: CgLoop = { witnessAt: search.hasWitness() ? 0 : -1, tight: false, refineStall: new RoundBudget(REFINE_STALL_ROUNDS) };
  while (out.iterations < settings.maxIterations) {
    if (loop.witnessAt < 0 && search.hasWitness()) loop.witnessAt = out.iterations;
    if (stopBeforeIteration(search, out, loop.witnessAt, cgStart)) break;
    const refining = loop.witnessAt >= 0;
    if (iterate(search, solver, feats, rules, out, loop, deadline, stage) === 'stop') break;
    if (refining && refinementStalled(search, loop, out)) break;
  }
  if (!out.stopReason) stop(out, 'iteration-budget', `iteration limit (${settings.maxIterations}) reached`);
  const resume = {
    next: () => iterate(search, solver, feats, rules, out, loop, deadline, stage),
    // the restricted solve offers its network as a witness
    check: () => void solver.solve(feats, loop.tight ? 'tight' : 'normal', out.iterations + 1, deadline),
  };
  finalOracleStage(search, feats, out, resume, stage);
  out.directions = feats.list.length;
  return out;
}

/** The loop's state between iterations. */
interface CgLoop {
  /** the iteration at which a witness (not optimal) was first known, −1 before */
  witnessAt: number;
  /** the restricted problem is solved tighter (the oracle's argmax was a present column) */
  tight: boolean;
  /** refinement rounds (after a witness) whose inexact oracle did not narrow the P* interval */
  refineStall: RoundBudget;
  /** the last refinement round's oracle was exact */
  lastExact?: boolean;
}

/** After a refinement round (not optimal proven): REFINE_STALL_ROUNDS rounds in a row that narrowed nothing, with an inexact oracle, end it. */
function refinementStalled(search: CgSearch, loop: CgLoop, out: CgOutcome): boolean {
  if (loop.lastExact) return false;
  const why = loop.refineStall.record(search.witnessObjective() ?? Infinity, search.bestValue());
  if (!why) return false;
  stop(out, 'witness-refined', `not optimal is proven; the P* interval refined until ${why}`);
  return true;
}

/**
 * The final oracle call's work: the optimum searches' final step (certify/optimumRounds.ts finalStep:
 * OPTIMUM_ESCALATION_FINAL_WORK / n nodes, at most OPTIMUM_ESCALATION_FINAL_MAX_NODES) from the default
 * schedule; null — no final call — when the user set a node budget (settings.nodeBudget: --node-budget,
 * reluLens.oracleNodeBudget): an explicit node budget caps every oracle call of the certificate, the
 * final one included (a budget of 0, the search off, stays off), so raising it is what the advice asks.
 */
function finalCallStep(settings: Pick<CertifySettings, 'nodeBudget'>, n: number): EscalationStep | null {
  if (!finalCallAllowed(settings)) return null;
  const step = finalStep(escalationSchedule(undefined), n);
  return (step.nodeBudget ?? DEFAULT_NODE_BUDGET) > DEFAULT_NODE_BUDGET ? step : null;
}

/** The rule of finalCallStep: no node budget set (an explicit one caps every call). */
export function finalCallAllowed(settings: Pick<CertifySettings, 'nodeBudget'>): boolean {
  return settings.nodeBudget === undefined;
}

/** How the final call goes on: `next` runs one column-generation iteration, `check` one restricted solve (its network offered as a witness). */
interface FinalResume {
  next: () => 'stop' | 'continue';
  check: () => void;
}

/**
 * Column generation would end inconclusive with an oracle that did not close (a global search, rank ≥ 5
 * beyond enumeration): ONE final oracle call at the best dual point's direction Λ (CgSearch.bestDualDirection:
 * the network's own residual's when that is the best) with the work of finalCallStep, without early stop.
 * Its M̄ may close the gap (certified, or a tighter bound); a violating direction it attains becomes a
 * column and the loop resumes within the iteration limit (settings.maxIterations counts these too), at
 * most FINAL_RESUME_ITERATIONS iterations; when the limit is spent, one restricted solve with the new
 * column still checks its network as a witness (not optimal only when its objective, recomputed, is
 * below P(θ)(1 − tol)). Issue #16: iris-like certify stopped at M̄ = 3.1–4·β after 5,000 nodes;
 * 6.7·10⁵ nodes give M̄ = 1.04·β and a direction at 1.01·β. Not after a request to stop or the
 * wall-clock safety stop.
 */
function finalOracleStage(search: CgSearch, feats: FeatureSet, out: CgOutcome, resume: FinalResume, stage: (s: string, detail?: string) => void): void {
  const { settings, beta, d, modes } = search;
  const at = search.bestDualDirection();
  const bo = search.bestOracle();
  if (!at || out.stopKind === 'stopped' || out.stopKind === 'safety-limit' || search.isCertified() || search.hasWitness() || bo.exact || bo.rank < 5) return;
  const step = finalCallStep(settings, search.X.rows);
  if (!step) return;
  const nodes = step.nodeBudget ?? DEFAULT_NODE_BUDGET;
  stage('column-generation', `final oracle call (${nodes} nodes)`);
  let ort: OracleResult;
  try {
    ort = search.withOracleWork(stepOptions(step), () => search.scoreColumnGeneration(at.L, at.hints, out.iterations + 1));
  } catch (e) {
    if (isCancellation(e, settings.shouldStop)) return void stop(out, 'stopped', 'stopped on request');
    throw e;
  }
  out.finalCall = { nodeBudget: nodes, samples: step.samples, upper: ort.upper, lower: ort.lower };
  const words = `; final oracle call (${thousands(nodes)} nodes): M̄ = ${fmt(ort.upper / beta, 4)}×β, best direction ${fmt(ort.lower / beta, 4)}×β`;
  if (search.isCertified()) return void stop(out, 'certified', `certified${words}`);
  const dn = oracleDirection(ort, d, modes);
  const prior = { kind: out.stopKind, reason: out.stopReason };
  if (dn && ort.lower > beta * (1 + OPTIMAL_M_TOL) && feats.add(dn)) {
    // the existing violating-neuron path: the restricted problem with the new column, its network a
    // witness; the rounds go on while their own calls find new columns and the iteration limit allows
    if (out.iterations >= settings.maxIterations) resume.check();
    for (let k = 0; k < FINAL_RESUME_ITERATIONS && out.iterations < settings.maxIterations && !search.hasWitness(); k++) if (resume.next() === 'stop') break;
    if (search.isCertified()) return void stop(out, 'certified', `certified${words}`);
  }
  stop(out, prior.kind, `${prior.reason}${words}${search.hasWitness() ? '; the restricted problem with its direction gave a better network' : ''}`);
}

function stop(out: CgOutcome, kind: CgStopKind, reason: string): 'stop' {
  out.stopKind = kind;
  out.stopReason = reason;
  return 'stop';
}

/** One iteration: restricted solve, oracle, the stopping rules in order, the argmax as a new column. */
function iterate(
  search: CgSearch,
  solver: RestrictedSolver,
  feats: FeatureSet,
  rules: CgRules,
  out: CgOutcome,
  loop: CgLoop,
  deadline: number,
  stage: (s: string, detail?: string) => void,
): 'stop' | 'continue' {
  const { settings, d, beta, tol, modes } = search;
  const iteration = ++out.iterations;
  stage('column-generation', `iteration ${iteration}, ${feats.list.length} directions`);
  // When the oracle's argmax is a direction already present, the restricted problem was solved
  // only to its tolerance: from then on it is solved tighter.
  const step = solver.solve(feats, loop.tight ? 'tight' : 'normal', iteration, deadline);
  if (!step) return stop(out, 'stalled', 'no live neuron direction to start from');
  if (step.budgetHit) out.unconverged++;
  const active = feats.list.filter((_, k) => step.Z[k].some((v) => v !== 0)).map((f) => f.dir);
  let ort: OracleResult;
  const hints = hintsMat(active, search.dd);
  // not optimal proven: the refinement's calls stop at their first violating direction (REFINE_EARLY_NODES)
  const work: Partial<OracleOptions> = loop.witnessAt >= 0 ? { earlyDirection: { above: beta * (1 + REFINE_EARLY_MARGIN), nodes: REFINE_EARLY_NODES } } : {};
  try {
    ort = search.withOracleWork(work, () => search.scoreColumnGeneration(step.dual, hints, iteration));
  } catch (e) {
    if (isCancellation(e, settings.shouldStop)) return stop(out, 'stopped', 'stopped on request');
    throw e;
  }
  loop.lastExact = ort.exact;
  if (search.isCertified()) return stop(out, 'certified', 'certified');
  const wObj = search.witnessObjective();
  if (rules.optimumFraction !== undefined && wObj !== null && wObj - search.bestValue() <= rules.optimumFraction * tol * wObj)
    return stop(out, 'optimal', `the optimum is found (best network and dual bound within ${rules.optimumFraction}·tol)`);
  if (ort.exact && ort.upper <= beta * (1 + OPTIMAL_M_TOL) && step.settled) {
    out.lassoOptimal = true;
    return stop(out, 'optimal', 'the restricted optimum is globally optimal (exact oracle: M ≤ β)');
  }
  if (step.safetyStopped) return safetyStop(search, out);
  const dn = oracleDirection(ort, d, modes);
  if (!dn || !(ort.lower > 0) || !step.dual) return stop(out, 'stalled', 'the oracle found no new direction');
  if (feats.add(dn)) return 'continue';
  // The argmax is within DEDUP_TOL of a present direction. Either it is a different column (near a
  // kink its activations differ to first order: it beats every present column at this dual point),
  // or it is that column and the restricted problem was not solved exactly.
  const present = maxColumnCorrelation(feats.list, step.dual);
  if (ort.lower > Math.max(rules.nearDuplicateFloor, present) * (1 + NEAR_DUPLICATE_GAIN) && feats.add(dn, true)) {
    out.nearDuplicates++;
    return 'continue';
  }
  if (ort.exact && !loop.tight) {
    loop.tight = true;
    return 'continue';
  }
  return stop(
    out,
    'stalled',
    ort.exact ? 'the oracle returned a direction already present (restricted problem solved to its tolerance)' : 'the oracle found no new direction',
  );
}

/** The wall-clock safety limit fired: the stop says so, and so do the warnings. */
function safetyStop(search: CgSearch, out: CgOutcome): 'stop' {
  const budgetMs = search.settings.timeBudgetMs ?? Infinity;
  stop(out, 'safety-limit', `stopped by the wall-clock safety limit (${fmt(budgetMs / 1000)} s) after ${out.iterations} iteration(s)`);
  // no front end's flag here: the result's safetyLimit kind lets each say how to raise it
  search.warnings.push(`Column generation was ${out.stopReason}; the numbers depend on this machine's speed.`);
  return 'stop';
}

/**
 * The stops checked before each iteration, in order: a request to stop, the refinement allowance
 * after a witness, the wall-clock safety limit (which also warns).
 */
function stopBeforeIteration(search: CgSearch, out: CgOutcome, witnessAt: number, cgStart: number): boolean {
  const { settings } = search;
  const refineAfter = settings.refineAfterWitness ?? Infinity;
  if (settings.shouldStop?.()) stop(out, 'stopped', 'stopped on request');
  else if (witnessAt >= 0 && out.iterations - witnessAt >= refineAfter)
    stop(out, 'witness-refined', `not optimal is proven; P* interval refined for ${refineAfter} more iteration(s)`);
  else if (now() - cgStart >= (settings.timeBudgetMs ?? Infinity)) safetyStop(search, out);
  else return false;
  return true;
}
