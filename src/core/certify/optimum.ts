/**
 * The optimal network by column generation run to convergence (MATH.md §4, [EP Alg. 1]
 * generalized): the restricted group lasso over a growing set of unit neuron directions (behind an
 * oracle that is not exact, its active neurons then slid to the stationary point of their patterns:
 * SlideFn), the oracle's argmax at the restricted residual added each round, until
 *   - the certified relative gap (value − lower bound)/value ≤ relTol, or
 *   - the oracle's sound upper bound gives M(Λ_t) ≤ M̄ ≤ β(1 + OPTIMAL_M_TOL) (exact, or a search
 *     that stopped at that threshold): then the restricted optimum is optimal over ALL activation
 *     patterns (the residual is dual feasible up to that factor), or
 *   - a work budget is spent: the rounds (maxIterations) or the rounds without progress
 *     (optimumRounds.ts RoundBudget), or the oracle finds no new violating direction; the search then
 *     ends with one full oracle call at the best network's dual point with the final step's work
 *     (optimumRounds.ts finalStep: the best bound the budget allows). When the rounds stopped for want
 *     of a direction and that call finds one, it becomes a column and the rounds resume (a fixed number
 *     of times, FinalResume); otherwise the stop's reason says which bound is left loose and what would
 *     close it.
 *
 * Soundness (MATH.md §3): `value` is recomputed from the returned network's weights by forward()
 * (networkObjective), never taken from the lasso; `lowerBound` is D(sΛ_t) with s ≤ β/M̄, M̄ the
 * oracle's UPPER bound (bestScale subtracts the rounding allowance). With an oracle that is not
 * exact the argmax is only a lower-bound direction: the result is a witness (an upper bound on P*).
 */
import type { Mat } from '../linalg/mat';
import { sigmaMax, SIGMA_REL_SLACK } from '../linalg/decomp';
import type { OracleFn, OracleOptions, OracleResult } from '../oracle/types';
import { FeatureSet, hintsMat, OPTIMAL_M_TOL, oracleDirection, TIGHT_LASSO_REL_TOL } from './certify';
import { bestScale, feasibleDirection } from './dual';
import { lassoNetwork, offsetModeFor, solveLasso } from './lasso';
import { buildXt, featureDim } from '../problem/features';
import { networkObjective } from '../problem/objective';
import type { CertifyModes, NetworkWeights } from '../problem/network';
import { isCancellation } from '../errors';
import { STOPPED_ON_REQUEST } from '../problem/safetyStop';
import {
  escalateDuplicate,
  escalationNote,
  escalationSchedule,
  FinalResume,
  finalOracleCall,
  finalStep,
  looseBoundsNote,
  looseBoundsSteps,
  oracleEscalated,
  RoundBudget,
  finalFor,
  roundsStop,
  type RoundsLimit,
  settledNote,
  settledStop,
  type SettledStop,
  looseBoundsFor,
  roundsOuterStop,
  proofThreshold,
  stepOptions,
  type BestDualPoint,
  type EscalatedOracle,
  type EscalationStep,
} from './optimumRounds';
import type { SettleStep } from './types';

/** Column generation for the optimum stops when the certified relative gap is at most this. */
export const OPTIMUM_REL_TOL = 1e-10;
/**
 * The result is labelled exact (value = P* to relGap, over all activation patterns) when its certified
 * relative gap is at most this. Measured: 4e-10 to 3e-9 on the trained fixtures; two-moons (n = 150,
 * kinks on data points) stalls at 1.8e-8, where the restricted lasso's precision ends (the oracle's
 * direction is already in the set). The gap itself is always reported.
 */
export const OPTIMUM_EXACT_REL_TOL = 1e-6;

/**
 * Columns added per oracle call: the argmax and up to this many other violating directions the
 * oracle met (OracleOptions.candidates). Measured (rank 7, n = 20, from no seeds): one column per call
 * oscillated between M = 1.2β and 2.6β for 30 calls; several per call cut the calls.
 */
export const OPTIMUM_EXTRA_COLUMNS = 8;

/**
 * Intermediate oracle calls of the global searches (rank ≥ 5 beyond enumeration) stop once they
 * attained M ≥ β(1 + OPTIMUM_EARLY_MARGIN) and spent OPTIMUM_EARLY_NODES nodes (partial pricing,
 * OracleOptions.earlyDirection): their M̄ stays sound, and a call that finds nothing violated goes on
 * to the proof. Measured (rank 9, n = 30, 10 rounds): 4.3 s CPU at 100 nodes against 101 s at 5,000,
 * the same progress of the objective. Not for the exact-vertex enumeration: stopping it after 2,000
 * cone projections took 180 rounds (150 s CPU) instead of ~70 (rank 7, n = 20), its early directions
 * being barely violating.
 */
export const OPTIMUM_EARLY_MARGIN = 1e-3;
export const OPTIMUM_EARLY_NODES = 100;

export interface OptimumSearchOptions {
  beta: number;
  modes: CertifyModes;
  oracle: OracleFn;
  /** unit feature directions to start from (length featureDim(d)): the trained network's, a witness's … */
  seedDirs: Float64Array[];
  patternBudget: number;
  /** nodes of the oracle's global search (undefined: its default) */
  nodeBudget?: number;
  seed: number;
  maxIterations: number;
  /** wall-clock SAFETY limit only (ms): the work budget is maxIterations; stopReason says when this fired */
  timeBudgetMs?: number;
  /** target relative gap (default OPTIMUM_REL_TOL) */
  relTol?: number;
  /** rounds without progress that end the search (default OPTIMUM_STALL_ROUNDS; optimumRounds.ts RoundBudget) */
  stallRounds?: number;
  /** resumptions of the rounds from the final call's violating direction (default OPTIMUM_ESCALATION_RESUMES; optimumRounds.ts FinalResume) */
  resumes?: number;
  /** slides the restricted optimum's active neurons (SlideFn); undefined: no slide */
  slide?: SlideFn;
  /** a sound lower bound on P* known beforehand (e.g. the certificate's dual bound) */
  knownLowerBound?: number;
  shouldStop?: () => boolean;
  onStage?: (stage: string, detail?: string) => void;
}

/** Neurons slid by a SlideFn: unit directions, their output weights (scaled to unit directions) and the output offset. */
export interface SlidColumns {
  units: Float64Array[];
  Zs: Float64Array[];
  b: Float64Array;
  /** a step was taken */
  moved: boolean;
  /** the slide stopped at its step budget (not at a stationary point) */
  budgetSpent: boolean;
}

/**
 * The restricted optimum's active neurons (unit directions, output weights, offset) slid to the
 * stationary point of their activation patterns, null when it did not move them (analysis/optimum.ts
 * slideColumns with the squared loss: certify/ cannot import convex/). Why: with fixed directions
 * the restricted optimum nears the true neurons only as columns pile up near them; teacher d = 5
 * (n = 1000) crept 7.66 → 7.638 over its last 10 rounds, each round's column barely violating
 * (1.02–1.1·β, the early stop's first), while directions at 1.2·β were left (the "sliding" step of
 * alternating-descent conditional gradient). Speed only: every value is recomputed from the weights.
 */
export type SlideFn = (dirs: Float64Array[], Z: Float64Array[], b2: Float64Array) => SlidColumns | null;

export interface OptimumSearchResult {
  network: NetworkWeights;
  /** P of `network`, recomputed from its weights */
  value: number;
  /** best sound lower bound on P* (dual points of the iterations, or knownLowerBound) */
  lowerBound: number;
  relGap: number;
  /** value = P* to relGap: relGap ≤ OPTIMUM_EXACT_REL_TOL, or the oracle's sound M̄ ≤ β(1 + OPTIMAL_M_TOL) at the last restricted optimum */
  exact: boolean;
  /** the last oracle call was exact (enumerated all activation patterns) */
  oracleExact: boolean;
  /** activation patterns the last oracle call enumerated */
  patterns: number;
  iterations: number;
  directions: number;
  stopReason: string;
  /** what would close the gap, as kinds each front end words with its own control (report/settleSteps.ts); [] when proven */
  steps: SettleStep[];
  /** the last oracle result (its argmax is the most violated neuron at the final residual) */
  lastOracle: OracleResult | null;
  /** the final restricted residual Y − f(X) (the dual direction of the last iteration) */
  residual: Mat | null;
  warnings: string[];
}

function norm(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return Math.sqrt(s);
}

/** What one round of searchOptimum changes: the restricted problem's columns and warm start, the best network and bound. */
interface SquaredSearchState {
  X: Mat;
  Y: Mat;
  Xt: Mat;
  opts: OptimumSearchOptions;
  relTol: number;
  sigmaXt: number;
  feats: FeatureSet;
  best: { net: NetworkWeights; value: number } | null;
  lowerBound: number;
  lastOracle: OracleResult | null;
  residual: Mat | null;
  iterations: number;
  /** the restricted problem is solved tighter from now on (the oracle's direction was already present) */
  tight: boolean;
  /** a sound M̄ ≤ β(1 + OPTIMAL_M_TOL) at the final restricted optimum */
  proven: boolean;
  warm?: { Z: Float64Array[]; b2?: Float64Array };
  /** the oracle's work per re-ask (one schedule for every call), and the final call's (finalStep) */
  schedule: EscalationStep[];
  final: EscalationStep;
  budget: RoundBudget;
  /** the best network's dual point (its residual as Λ0), for the final oracle call */
  bestDual: (BestDualPoint<Mat> & { residual: Mat }) | null;
  /** the last round stopped for want of a new violating direction (optimumRounds.ts roundsStop) */
  starved: boolean;
  /** the limit that ended the last rounds (optimumRounds.ts roundsStop) */
  limit: RoundsLimit;
  /** the settled stop that ended the last rounds, null when none did (optimumRounds.ts settledStop) */
  settled: SettledStop | null;
  /** the last round's slide stopped at its step budget (SquaredRestricted.sliding) */
  sliding: boolean;
  resume: FinalResume;
  steps: SettleStep[];
}

/** Relative gap of a value over a lower bound (0 when they meet, Infinity when the value is not positive and above it). */
export function relGapOf(value: number, lower: number): number {
  return value > 0 ? Math.max(0, (value - lower) / value) : value - lower <= 0 ? 0 : Infinity;
}

function squaredGap(st: SquaredSearchState): number {
  return st.best ? relGapOf(st.best.value, st.lowerBound) : Infinity;
}

export function searchOptimum(X: Mat, Y: Mat, opts: OptimumSearchOptions): OptimumSearchResult {
  return optimumSearch(X, Y, opts).finish();
}

/** A search whose final call is deferred: `rounds` is its result before it, `finish()` makes it (with the resumptions) and gives the result. */
export interface OptimumSearch {
  rounds: OptimumSearchResult;
  finish: () => OptimumSearchResult;
}

/**
 * searchOptimum with its final oracle call left to `finish()`: a caller that may replace this search
 * by another (analysis/optimum.ts, the sampled program's network) makes one final call, not two.
 */
export function optimumSearch(X: Mat, Y: Mat, opts: OptimumSearchOptions): OptimumSearch {
  const { modes } = opts;
  const d = X.cols;
  const dd = featureDim(d, modes.hiddenBias);
  const Xt = buildXt(X, modes.hiddenBias);
  const schedule = escalationSchedule(opts.nodeBudget);
  const st: SquaredSearchState = {
    X,
    Y,
    Xt,
    opts,
    relTol: opts.relTol ?? OPTIMUM_REL_TOL,
    sigmaXt: sigmaMax(Xt) * (1 + SIGMA_REL_SLACK),
    feats: new FeatureSet(X, modes),
    best: null,
    lowerBound: Number.isFinite(opts.knownLowerBound) ? (opts.knownLowerBound as number) : -Infinity,
    lastOracle: null,
    residual: null,
    iterations: 0,
    tight: false,
    proven: false,
    schedule,
    final: finalStep(schedule, X.rows),
    budget: new RoundBudget(opts.stallRounds),
    bestDual: null,
    starved: false,
    limit: null,
    settled: null,
    sliding: false,
    resume: new FinalResume(opts.resumes),
    steps: [],
  };
  for (const v of opts.seedDirs) if (v.length === dd) st.feats.add(v);
  const warnings: string[] = [];
  const t0 = performance.now();
  let stopReason = squaredRounds(st, warnings, t0);
  let finished: OptimumSearchResult | null = null;
  const finish = () => {
    if (finished) return finished;
    for (;;) {
      const fin = squaredFinal(st, warnings);
      if (!fin.resume) {
        stopReason += st.resume.note() + fin.note;
        break;
      }
      st.budget = new RoundBudget(opts.stallRounds);
      stopReason = squaredRounds(st, warnings, t0);
    }
    finished = squaredResult(st, stopReason, warnings);
    return finished;
  };
  return { rounds: squaredResult(st, stopReason, warnings), finish };
}

/** Rounds until one stops (the stop's reason). */
function squaredRounds(st: SquaredSearchState, warnings: string[], t0: number): string {
  const { opts } = st;
  st.limit = null;
  st.settled = null;
  while (st.iterations < opts.maxIterations) {
    const outer = roundsOuterStop(opts.shouldStop, t0, opts.timeBudgetMs ?? Infinity);
    if (outer) st.settled = outer.kind;
    const stop = outer?.words ?? squaredRound(st, warnings);
    if (stop) return stop;
    // a round whose slide was cut by its step budget is progress in the making: not counted
    const spent = st.sliding ? '' : st.budget.record(st.best?.value ?? Infinity, st.lowerBound);
    if (spent) {
      st.limit = 'round-budget';
      return spent;
    }
  }
  st.limit = 'iteration-limit';
  return `iteration limit (${opts.maxIterations}) reached`;
}

function squaredResult(st: SquaredSearchState, stopReason: string, warnings: string[]): OptimumSearchResult {
  const { X, Y, opts } = st;
  const { modes } = opts;
  if (!st.best) {
    // no iteration ran: the zero network (offset only) as a trivial witness
    const net = lassoNetwork([], [], new Float64Array(Y.cols), X.cols, modes);
    st.best = { net, value: networkObjective(net, X, Y, opts.beta, modes).objective };
  }
  const relGap = squaredGap(st);
  const exact = relGap <= OPTIMUM_EXACT_REL_TOL || st.proven;
  return {
    network: st.best.net,
    value: st.best.value,
    lowerBound: st.lowerBound,
    relGap,
    exact,
    oracleExact: st.lastOracle?.exact === true,
    patterns: st.lastOracle?.patterns ?? 0,
    iterations: st.iterations,
    directions: st.feats.list.length,
    stopReason,
    steps: exact ? [] : st.steps,
    lastOracle: st.lastOracle,
    residual: st.residual,
    warnings: [...warnings],
  };
}

/** One column-generation round of searchOptimum: restricted lasso, oracle, stopping rules, new columns. Returns the stop's reason, or '' to go on. */
function squaredRound(st: SquaredSearchState, warnings: string[]): string {
  const { X, Y, opts } = st;
  const { beta, modes } = opts;
  const d = X.cols;
  st.iterations++;
  st.starved = false;
  opts.onStage?.(
    'column-generation',
    `optimum: iteration ${st.iterations}, ${st.feats.list.length} directions${st.best ? `, objective ${st.best.value.toPrecision(8)}` : ''}`,
  );
  const rs = squaredRestricted(st);
  st.sliding = rs.sliding;
  const improved = Number.isFinite(rs.value) && (!st.best || rs.value < st.best.value);
  if (improved) st.best = { net: rs.net, value: rs.value };
  const Lt = feasibleDirection(rs.residual, modes);
  st.residual = rs.residual;
  const bar = beta * (1 + OPTIMAL_M_TOL);
  // the result is exact once its gap is within OPTIMUM_EXACT_REL_TOL: the oracle may skip what is below that M̄
  const thr = proofThreshold((M) => bestScale(Lt, Y, beta, modes, M, st.sigmaXt).value, st.best?.value ?? Infinity, OPTIMUM_EXACT_REL_TOL, bar, beta);
  const asked = squaredAsk(st, Lt, rs, thr, warnings);
  if (typeof asked === 'string') return asked;
  const { esc, askFull } = asked;
  const ort = esc.oracle;
  st.lastOracle = ort;
  if (improved) st.bestDual = { L: Lt, oracle: ort, step: st.schedule[esc.step], askFull, residual: rs.residual };
  const sd = bestScale(Lt, Y, beta, modes, ort.upper, st.sigmaXt);
  if (sd.value > st.lowerBound) st.lowerBound = sd.value;
  // the threshold closed it: nothing violated attained (an exact oracle's M above β goes on to relTol) and the gap within OPTIMUM_EXACT_REL_TOL
  const closed = ort.upper <= thr && !(ort.lower > bar) && squaredGap(st) <= OPTIMUM_EXACT_REL_TOL;
  if (squaredGap(st) <= st.relTol || (closed && ort.upper > bar)) {
    st.settled = 'gap';
    return `certified relative gap ≤ ${squaredGap(st) <= st.relTol ? st.relTol : `${OPTIMUM_EXACT_REL_TOL} (the oracle's sound bound M̄ ≤ ${(thr / beta).toPrecision(8)}·β)`}`;
  }
  // a SOUND M̄ ≤ β(1 + tol) is the proof, whether or not the oracle closed (exact or stopped at the threshold)
  if (ort.upper <= bar) {
    st.proven = true;
    return `${ort.exact ? 'exact oracle' : 'sound oracle bound'}: M(Λ) ≤ β(1 + ${OPTIMAL_M_TOL}) at the restricted optimum (optimal over all patterns)`;
  }
  const dn = oracleDirection(ort, d, modes);
  const violated = dn !== null && ort.lower > bar;
  // a slide cut by its step budget goes on next round: the point still moves, so nothing new here is no stop yet
  if (rs.sliding && (!violated || st.feats.has(dn))) return '';
  if (!violated) {
    st.starved = true;
    return ort.exact ? 'no violating direction' : `the oracle (bounds only) found no violating direction${escalationNote(esc)}`;
  }
  if (st.feats.has(dn)) {
    if (!st.tight) {
      st.tight = true; // solve the restricted problem tighter once; the oracle's direction is already present
      return '';
    }
    st.starved = true;
    return `the oracle returned a direction already present (restricted problem solved to its tolerance)${escalationNote(esc)}`;
  }
  addColumns(st, ort, bar);
  return '';
}

/**
 * The round's oracle call at Λ_t (early stop, escalated; a direction already present re-asked in
 * full); the full calls (askFull: re-asks, the final call) take `thr` as their threshold
 * (proofThreshold), the round's own keeps β(1 + OPTIMAL_M_TOL) so that an exact oracle goes on to relTol. While a slide is unfinished (rs.sliding) the
 * call is not escalated: the next round's point differs anyway. The call, or the stop's words.
 */
function squaredAsk(
  st: SquaredSearchState,
  Lt: Mat,
  rs: SquaredRestricted,
  thr: number,
  warnings: string[],
): { esc: EscalatedOracle; askFull: (step: EscalationStep) => OracleResult } | string {
  const { opts } = st;
  const { beta, modes } = opts;
  const d = st.X.cols;
  const bar = beta * (1 + OPTIMAL_M_TOL);
  const oOpts: Partial<OracleOptions> = {
    hiddenBias: modes.hiddenBias,
    patternBudget: opts.patternBudget,
    nodeBudget: opts.nodeBudget,
    seed: opts.seed + st.iterations,
    shouldStop: opts.shouldStop,
    warmScope: st,
    hints: hintsMat(rs.active, featureDim(d, modes.hiddenBias)),
    // only M̄ ≤ β(1 + tol) matters for the proof: the oracle may skip what is below it
    stopBelow: bar,
    candidates: OPTIMUM_EXTRA_COLUMNS,
  };
  // intermediate rounds need a violating direction, not the maximum (the last round proves M̄ ≤ β(1 + tol) in full)
  const early = { above: beta * (1 + OPTIMUM_EARLY_MARGIN), nodes: OPTIMUM_EARLY_NODES };
  const isNew = (o: OracleResult) => {
    const dn = oracleDirection(o, d, modes);
    return dn !== null && !st.feats.has(dn);
  };
  // a full call (the final one, a re-ask for a new direction) serves the proof: thr suffices there
  const askFull = (step: EscalationStep) => opts.oracle(st.Xt, Lt, { ...oOpts, stopBelow: thr, ...stepOptions(step) });
  const schedule = rs.sliding ? st.schedule.slice(0, 1) : st.schedule;
  try {
    let esc = oracleEscalated((step) => opts.oracle(st.Xt, Lt, { ...oOpts, earlyDirection: early, ...stepOptions(step) }), schedule, bar);
    // a violating direction already present after the tighter solve: re-ask with more nodes before stopping
    if (st.tight && !rs.sliding && esc.oracle.lower > bar && !isNew(esc.oracle)) esc = escalateDuplicate(askFull, st.schedule, esc, bar, isNew);
    return { esc, askFull };
  } catch (e) {
    st.settled = isCancellation(e, opts.shouldStop) ? 'request' : 'failure';
    if (st.settled === 'request') return STOPPED_ON_REQUEST;
    warnings.push(`the oracle failed in column generation (iteration ${st.iterations}): ${e instanceof Error ? e.message : String(e)}`);
    return 'oracle failure';
  }
}

/** The restricted optimum of a round: its network (value from the weights), residual Y − f(X) and active directions. */
interface SquaredRestricted {
  net: NetworkWeights;
  value: number;
  residual: Mat;
  active: Float64Array[];
  /** the slide replaced the lasso's network but stopped at its step budget: the point is still moving */
  sliding: boolean;
}

/**
 * The restricted lasso over the current columns (warm), then, when the caller gave `slide`, its active
 * neurons slid to the stationary point of their activation patterns: the slid network replaces the
 * lasso's when it is better, and its directions replace the columns (SlideFn).
 */
function squaredRestricted(st: SquaredSearchState): SquaredRestricted {
  const { X, Y, opts } = st;
  const { beta, modes } = opts;
  const lasso = solveLasso(
    st.feats.list.map((f) => f.a),
    Y,
    beta,
    offsetModeFor(modes),
    st.tight ? { warm: st.warm, relTol: TIGHT_LASSO_REL_TOL, maxSweeps: 200_000 } : { warm: st.warm },
  );
  st.warm = { Z: lasso.Z, b2: lasso.b2 };
  const dirs = st.feats.list.map((f) => f.dir);
  const net = lassoNetwork(dirs, lasso.Z, lasso.b2, X.cols, modes);
  const value = networkObjective(net, X, Y, beta, modes).objective; // from the weights, by forward()
  const act = dirs.map((_, k) => k).filter((k) => norm(lasso.Z[k]) > 0);
  const rs: SquaredRestricted = { net, value, residual: lasso.residual, active: act.map((k) => dirs[k]), sliding: false };
  // only behind an oracle that is not exact (rank ≥ 5 beyond enumeration): an exact one converges without it, and a step costs n·(neurons·(d + 1))²
  const slides = opts.slide && modes.hiddenBias !== 'free' && st.lastOracle !== null && !st.lastOracle.exact;
  const sl = slides
    ? opts.slide?.(
        act.map((k) => dirs[k]),
        act.map((k) => lasso.Z[k]),
        lasso.b2,
      )
    : null;
  if (!sl?.moved) return rs;
  const slid = lassoNetwork(sl.units, sl.Zs, sl.b, X.cols, modes);
  const obj = networkObjective(slid, X, Y, beta, modes); // from the weights, by forward()
  if (!(obj.objective < value)) return rs;
  st.feats = new FeatureSet(X, modes);
  const Zw: Float64Array[] = [];
  sl.units.forEach((u, t) => {
    if (st.feats.add(u)) Zw.push(new Float64Array(sl.Zs[t]));
  });
  st.warm = { Z: Zw, b2: Float64Array.from(sl.b) };
  return { net: slid, value: obj.objective, residual: obj.R, active: st.feats.list.map((f) => f.dir), sliding: sl.budgetSpent };
}

/** The oracle's argmax, and its other violating directions met (candidates), as new columns. */
function addColumns(st: SquaredSearchState, ort: OracleResult, bar: number): void {
  const { modes } = st.opts;
  const d = st.X.cols;
  const dn = oracleDirection(ort, d, modes);
  if (dn) st.feats.add(dn);
  for (const cand of modes.hiddenBias === 'free' ? [] : (ort.candidates ?? [])) {
    if (!(cand.value > bar)) break;
    const dc = oracleDirection({ ...ort, argmax: cand.u, argmaxBias: 0 }, d, modes);
    if (dc) st.feats.add(dc);
  }
}

/**
 * After the rounds: the final oracle call at the best network's dual point (finalOracleCall), its bound
 * kept, a proof when its M̄ ≤ β(1 + OPTIMAL_M_TOL). When the rounds stopped for want of a direction and
 * that call found a new violating one, it becomes a column and `resume` says to run the rounds again
 * (FinalResume); otherwise, when still not proven, `note` says what is loose and what would close it
 * (the words to append to the stop's reason, '' when nothing is to be said).
 */
function squaredFinal(st: SquaredSearchState, warnings: string[]): { note: string; resume: boolean } {
  const { Y, opts } = st;
  const { beta, modes } = opts;
  const bd = st.bestDual;
  const done = (note: string) => ({ note, resume: false });
  if (!bd || settledStop(st.settled, st.proven)) return done(settledNote(st.settled));
  const bar = beta * (1 + OPTIMAL_M_TOL);
  const stop = roundsStop(st.limit, st.starved);
  let fin: ReturnType<typeof finalOracleCall>;
  try {
    fin = finalOracleCall(bd, finalFor(stop, st.schedule, st.final));
  } catch (e) {
    if (isCancellation(e, opts.shouldStop)) return done(`; ${STOPPED_ON_REQUEST} before the final oracle call`);
    warnings.push(`the oracle failed in the optimum's final call: ${e instanceof Error ? e.message : String(e)}`);
    return done('');
  }
  const ort = fin.oracle;
  if (fin.asked) {
    st.lastOracle = ort;
    st.residual = bd.residual;
    const sd = bestScale(bd.L, Y, beta, modes, ort.upper, st.sigmaXt);
    if (sd.value > st.lowerBound) st.lowerBound = sd.value;
    if (ort.upper <= bar) {
      st.proven = true;
      return done(`; the final oracle call at the best network's dual point proved it: M̄ ≤ β(1 + ${OPTIMAL_M_TOL}) (optimal over all patterns)`);
    }
  }
  if (squaredGap(st) <= OPTIMUM_EXACT_REL_TOL) return done('');
  const isNew = (o: OracleResult) => {
    const dn = oracleDirection(o, st.X.cols, modes);
    return dn !== null && !st.feats.has(dn);
  };
  if (st.iterations < opts.maxIterations && st.resume.take(stop, fin, bar, isNew)) {
    addColumns(st, ort, bar);
    return { note: '', resume: true };
  }
  const value = st.best?.value ?? Infinity;
  const lowerIfTight = Math.max(st.lowerBound, bestScale(bd.L, Y, beta, modes, ort.lower, st.sigmaXt).value);
  const loose = looseBoundsFor({ beta, bar, fin, stop, resume: st.resume }, { lowerIfTight, value, lowerBound: st.lowerBound });
  st.steps = looseBoundsSteps(loose);
  return done(looseBoundsNote(loose));
}
