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
import type { OracleResult } from '../oracle/types';
import { featureActivation, featureDim } from '../problem/features';
import type { CertifyModes } from '../problem/network';
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
 * (not optimal is proven and the interval was refined for refineAfterWitness iterations),
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
  const loop = { witnessAt: search.hasWitness() ? 0 : -1, tight: false };
  while (out.iterations < settings.maxIterations) {
    if (loop.witnessAt < 0 && search.hasWitness()) loop.witnessAt = out.iterations;
    if (stopBeforeIteration(search, out, loop.witnessAt, cgStart)) break;
    if (iterate(search, solver, feats, rules, out, loop, deadline, stage) === 'stop') break;
  }
  if (!out.stopReason) stop(out, 'iteration-budget', `iteration limit (${settings.maxIterations}) reached`);
  out.directions = feats.list.length;
  return out;
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
  loop: { tight: boolean },
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
  try {
    ort = search.scoreColumnGeneration(step.dual, hintsMat(active, search.dd), iteration);
  } catch (e) {
    if (isCancellation(e, settings.shouldStop)) return stop(out, 'stopped', 'stopped on request');
    throw e;
  }
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
