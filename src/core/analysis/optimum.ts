/**
 * The optimal network (MATH.md §4) for the analysis.
 *
 * Squared loss: column generation with the project's oracle run to convergence
 * (src/core/certify/optimum.ts), seeded with the trained network's neurons and the certificate's
 * witness. With an exact oracle (rank ≤ 3, or rank 4 within the pattern budget) the result is THE
 * optimum to a certified relative gap. Otherwise it is a witness: the convex program over sampled
 * patterns plus the network's own (src/core/convex, when present) and column generation along the
 * oracle's lower-bound directions; the better network is kept. c > 1: column generation only.
 * Other losses (hinge, logistic, cross-entropy): column generation to convergence with the loss
 * (searchLossOptimum), the certificate's dual point and networks competing; 'optimum' when a sound
 * dual bound from the loss's conjugate meets the objective recomputed from the weights within
 * OPTIMUM_EXACT_REL_TOL, and the JSON's `dualPoint` says which dual point proved it.
 */
import { zeros, type Mat } from '../linalg/mat';
import { sigmaMax, SIGMA_REL_SLACK } from '../linalg/decomp';
import { buildXt, featureDim } from '../problem/features';
import { networkObjective, neuronDirections, neuronInfos, rebalance } from '../problem/objective';
import type { CertifyModes, NetworkWeights } from '../problem/network';
import {
  optimumSearch,
  searchOptimum,
  relGapOf,
  OPTIMUM_EARLY_MARGIN,
  OPTIMUM_EARLY_NODES,
  OPTIMUM_EXACT_REL_TOL,
  type OptimumSearchResult,
  type OptimumSearchOptions,
  type SlidColumns,
  type SlideFn,
} from '../certify/optimum';
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
  stepOptions,
  type BestDualPoint,
  type EscalatedOracle,
  type EscalationStep,
} from '../certify/optimumRounds';
import { FeatureSet, hintsMat, oracleDirection } from '../certify/certify';
import { lassoNetwork, offsetModeFor } from '../certify/lasso';
import type { CertificateResult, CertifySettings, SettleStep } from '../certify/types';
import type { OracleFn, OracleResult } from '../oracle/types';
import * as convex from '../convex';
import { SAFETY_STOP_REASON, STOPPED_ON_REQUEST, withSafetyNote } from '../problem/safetyStop';
import { hingeKktPolish, slideNeurons, type SlideResult } from '../convex/lossNewton';
import { forward } from '../model';
import * as losses from '../losses';
import type { LossName } from '../problem/loss';
import type { OptimumJson } from '../report/analysisJson';
import { networkToJson } from './networkJson';
import { isCancellation } from '../errors';

/** Patterns sampled for the convex program when the oracle is not exact (measured: 1000 patterns, n = 40 took 16 s). */
export const SAMPLED_PATTERNS = 300;
/**
 * Newton-polish rounds (work budget) of the sampled convex program: the working set's 100 and a few
 * FISTA polishes. It replaced "half the time left", which under the 600 s default was a cap in name
 * only; the wall clock (settings.timeBudgetMs) is now only the outer safety stop.
 */
export const SAMPLED_PROGRAM_POLISH_ROUNDS = 200;
/** Column-generation rounds allowed for the optimum by default (a work budget: settings.optimumIterations, CLI --optimum-iterations). */
export const OPTIMUM_MAX_ITERATIONS = 300;

export interface OptimumOutcome {
  json: OptimumJson;
  network: NetworkWeights;
  lowerBound: number;
  value: number;
  lastOracle: OracleResult | null;
  warnings: string[];
}

type Stage = (stage: string, detail?: string) => void;

function dirsOf(net: NetworkWeights, X: Mat, Y: Mat, beta: number, modes: CertifyModes): Float64Array[] {
  if (net.W2.rows !== Y.cols || net.W1.cols !== X.cols) return [];
  const R = networkObjective(net, X, Y, beta, modes).R;
  return neuronDirections(net, neuronInfos(net, X, R, beta, modes), modes);
}

/** The certificate says its own bounds contradict each other (refine.ts / certify.ts): none of them is used. */
function inconsistent(cert: CertificateResult): boolean {
  return cert.warnings.some((w) => w.startsWith('Internal inconsistency'));
}

/** Live neurons by the one rule of the certificate (neuronInfos: active on some sample, nonzero output weight). */
function liveNeurons(net: NetworkWeights, X: Mat, modes: CertifyModes): number {
  if (net.W1.cols !== X.cols) return 0;
  return neuronInfos(net, X, zeros(X.rows, net.W2.rows), 1, modes).filter((s) => !s.dead).length;
}

function methodOf(r: OptimumSearchResult): string {
  return r.oracleExact ? 'column-generation+exact-oracle' : r.exact ? 'column-generation+certified-gap' : 'column-generation(lower-bound directions)';
}

/** The convex program over sampled patterns and the network's own (a witness when the oracle is not exact); its value recomputed from the weights. */
async function sampledProgram(
  net: NetworkWeights,
  X: Mat,
  Y: Mat,
  beta: number,
  modes: CertifyModes,
  settings: CertifySettings,
  stage: Stage,
  safetyMs: number,
  warnings: string[],
): Promise<{ prog: { network: NetworkWeights }; value: number; pats: number }> {
  const Xt = buildXt(X, modes.hiddenBias);
  const sampled = convex.samplePatterns(Xt, SAMPLED_PATTERNS, settings.seed);
  const own = convex.ownPatterns(net, X, modes);
  const pats = [...sampled, ...own];
  stage('patterns', `${pats.length} of ${SAMPLED_PATTERNS + own.length}`);
  const prog = await convex.solveConvexProgramAsync(X, Y, pats, beta, modes, {
    shouldStop: settings.shouldStop,
    maxPolishRounds: SAMPLED_PROGRAM_POLISH_ROUNDS,
    timeBudgetMs: safetyMs, // safety stop only
  });
  if (prog.stopReason === convex.SAFETY_STOP_REASON) warnings.push(`The convex program over sampled patterns was stopped by the ${prog.stopReason}.`);
  const value = networkObjective(prog.network, X, Y, beta, modes).objective; // from its weights
  stage('witness', `convex program over ${pats.length} patterns: ${value}`);
  return { prog, value, pats: pats.length };
}

/**
 * The squared optimum's slide (certify/optimum.ts SlideFn): slideColumns with the squared loss, up to
 * OPTIMUM_SQUARED_SLIDE_STEPS Newton steps a round, `deadline` the wall-clock safety stop.
 */
function squaredSlide(X: Mat, Y: Mat, beta: number, modes: CertifyModes, deadline: number): SlideFn {
  const Xt = buildXt(X, modes.hiddenBias);
  return (dirs, Z, b2) => slideColumns({ Xt, Y, loss: 'squared', beta, modes, steps: OPTIMUM_SQUARED_SLIDE_STEPS, deadline }, dirs, Z, b2);
}

/**
 * Newton steps of one slide in the squared optimum (work budget; a slide cut by it goes on in the next
 * round, certify/optimum.ts SquaredRestricted.sliding). Measured on teacher d = 5 (n = 1000, 8–17
 * neurons): slides took 100–1,300 steps to converge, ~5–10 ms CPU a step; with 200 steps a round the
 * objective crept 7.295 → 7.273 over 8 rounds, with 1,000 it reached 7.26654 (the best direction
 * then attains β: the restricted optimum is the optimum to the oracle's sight) in 17 rounds.
 */
export const OPTIMUM_SQUARED_SLIDE_STEPS = 1000;

export async function squaredOptimum(
  net: NetworkWeights,
  X: Mat,
  Y: Mat,
  beta: number,
  modes: CertifyModes,
  settings: CertifySettings,
  cert: CertificateResult,
  oracle: OracleFn,
  stage: Stage,
): Promise<OptimumOutcome> {
  const warnings: string[] = [];
  const t0 = performance.now();
  const budget = settings.timeBudgetMs ?? Infinity;
  const certBound = inconsistent(cert) ? -Infinity : cert.dualBound;
  const seedDirs = [...dirsOf(net, X, Y, beta, modes), ...(cert.witness ? dirsOf(cert.witness, X, Y, beta, modes) : [])];
  const slide = squaredSlide(X, Y, beta, modes, t0 + budget);
  const common = {
    ...{ beta, modes, oracle, slide },
    patternBudget: settings.patternBudget,
    nodeBudget: settings.nodeBudget,
    seed: settings.seed,
    maxIterations: settings.optimumIterations ?? OPTIMUM_MAX_ITERATIONS,
    // a certificate that reported an internal inconsistency claims no bound: do not build on it
    knownLowerBound: certBound,
    shouldStop: settings.shouldStop,
    onStage: settings.onStage,
  };
  // the first search's final oracle call waits: when the sampled program's network replaces it, the
  // second search's final call is the only one (one final call per optimum)
  const first = optimumSearch(X, Y, { ...common, seedDirs, timeBudgetMs: budget });
  let res: OptimumSearchResult | null = null;
  let method = '';
  const rounds = first.rounds;
  let patterns = rounds.patterns;
  let best = { network: rounds.network, value: rounds.value };
  // the sampled program only when the oracle itself is not exact (with an exact oracle, column
  // generation that ran out of time is far ahead of any sample of patterns)
  if (!rounds.exact && !rounds.oracleExact && Y.cols === 1 && !settings.shouldStop?.()) {
    const { prog, value, pats } = await sampledProgram(net, X, Y, beta, modes, settings, stage, Math.max(0, budget - (performance.now() - t0)), warnings);
    patterns = pats;
    const programNote = ` + convex-program(${pats} sampled/own patterns: ${value})`;
    if (value < best.value) {
      best = { network: prog.network, value };
      method = 'convex-program(sampled patterns)';
      // column generation from the program's neurons narrows the bounds further (its own work budget;
      // only the safety limit can skip it, and searchOptimum then says so)
      const left2 = Math.max(0, budget - (performance.now() - t0));
      const again = searchOptimum(X, Y, {
        ...common,
        seedDirs: [...dirsOf(prog.network, X, Y, beta, modes), ...seedDirs],
        timeBudgetMs: left2,
        knownLowerBound: rounds.lowerBound,
      });
      warnings.push(...rounds.warnings, ...again.warnings);
      if (again.value < best.value) {
        best = { network: again.network, value: again.value };
        method = 'convex-program(sampled patterns)+column-generation';
      }
      res = { ...again, lowerBound: Math.max(again.lowerBound, rounds.lowerBound) };
    } else {
      res = first.finish();
      warnings.push(...res.warnings);
      best = { network: res.network, value: res.value };
      method = methodOf(res) + programNote;
    }
  }
  if (!res) {
    res = first.finish();
    warnings.push(...res.warnings);
    ({ network: best.network, value: best.value, patterns } = res);
    method = methodOf(res);
  }
  const lowerBound = Math.max(res.lowerBound, certBound);
  const relGap = relGapOf(best.value, lowerBound);
  const exact = res.exact && best.network === res.network ? true : relGap <= OPTIMUM_EXACT_REL_TOL;
  stage('optimum', `${exact ? 'optimum' : 'witness'} ${best.value} (relative gap ${relGap.toExponential(2)}; ${res.stopReason})`);
  return {
    json: {
      value: best.value,
      exact,
      patterns,
      method,
      lowerBound,
      relGap,
      neurons: liveNeurons(best.network, X, modes),
      network: networkToJson(best.network),
      label: exact ? 'optimum' : 'witness',
      stopReason: res.stopReason,
      iterations: res.iterations,
      ...(!exact && res.steps.length ? { steps: res.steps } : {}),
    },
    network: best.network,
    lowerBound,
    value: best.value,
    lastOracle: res.lastOracle,
    warnings,
  };
}

/**
 * `certify` on a network its certificate already proved optimal (squared loss): the optimum IS that
 * network, rebalanced, within the certified gap — no second column generation. Why: run to 1e-10 the
 * optimum's column generation took 31 s of a 36 s certify (bench certify-cli, n = 1e4, an optimal
 * model); the certificate's own, which stops at the verdict's tolerance, certifies it in 4.8 s.
 * `relu-lens optimize` still runs the full search. The value is
 * recomputed from the weights, and labelled 'optimum' only when the certified gap is within
 * OPTIMUM_EXACT_REL_TOL (a 'witness' with its bounds otherwise, as everywhere).
 */
export function certifiedOptimum(net: NetworkWeights, X: Mat, Y: Mat, beta: number, modes: CertifyModes, cert: CertificateResult): OptimumOutcome | null {
  if (cert.verdict !== 'certified' || inconsistent(cert) || net.W2.rows !== Y.cols || net.W1.cols !== X.cols) return null;
  const obj = networkObjective(net, X, Y, beta, modes);
  const bal = rebalance(net, neuronInfos(net, X, obj.R, beta, modes), obj.loss, beta, modes).net;
  const value = networkObjective(bal, X, Y, beta, modes).objective;
  const lowerBound = cert.dualBound;
  const relGap = relGapOf(value, lowerBound);
  const exact = relGap <= OPTIMUM_EXACT_REL_TOL;
  return {
    json: {
      value,
      exact,
      patterns: cert.oracle.patterns,
      method: 'the certified network (rebalanced): its certificate is the proof; relu-lens optimize runs column generation further',
      lowerBound,
      relGap,
      neurons: liveNeurons(bal, X, modes),
      network: networkToJson(bal),
      label: exact ? 'optimum' : 'witness',
      stopReason: 'certified',
      iterations: 0,
    },
    network: bal,
    lowerBound,
    value,
    lastOracle: cert.oracle,
    warnings: [],
  };
}

// ---------------------------------------------------------------------------------------------
// Classification losses (MATH.md §8): hinge, logistic, softmax cross-entropy
// ---------------------------------------------------------------------------------------------

/**
 * Classification optimum: its column generation stops at this certified relative gap (a hundredth
 * of OPTIMUM_EXACT_REL_TOL: every further round costs an oracle call, seconds for c = 3).
 */
export const LOSS_OPTIMUM_REL_TOL = 1e-8;
/** …and solves its restricted problems to this relative restricted duality gap. */
export const LOSS_OPTIMUM_LASSO_REL_TOL = 1e-13;
/**
 * Hinge: the optimum's restricted solves smooth the hinge until n·c·μ/2 ≤ this × objective (the
 * smoothing error bounds the gap between the network's hinge objective and the dual point's value;
 * the certificate's default, 1e-5, would leave the optimum a witness).
 */
export const LOSS_OPTIMUM_HINGE_SMOOTHING_REL = 1e-7;
/** Newton steps of one slide of the neurons (smooth losses; convex/lossNewton.ts slideNeurons). */
export const LOSS_OPTIMUM_SLIDE_STEPS = 200;
/** The proving dual point's entries go into the JSON when n·c is at most this (its summary always does). */
export const DUAL_POINT_MAX_ENTRIES = 10_000;

/** Which dual point proves the classification optimum's lower bound (MATH.md §8), for the JSON. */
export interface OptimumDualPointJson {
  /** 'optimum-column-generation': the optimum's own iterations; 'certificate': the certificate's dual point */
  source: 'optimum-column-generation' | 'certificate';
  description: string;
  /** column-generation iteration whose restricted optimum gave the direction (null: the certificate's) */
  iteration: number | null;
  /** the lower bound on P* it proves: D(s·Λ0) − rounding allowance */
  value: number;
  /** s (null when not known: the certificate's point is reported as s·Λ0 already) */
  scale: number | null;
  /** the oracle's sound upper bound M̄ ≥ M(Λ0) that fixed s ≤ β/M̄, how it was computed, and over how many patterns */
  mUpper: number | null;
  oracleMethod: string;
  oracleExact: boolean;
  patterns: number;
  /** rounding/projection allowance subtracted from D(s·Λ0) */
  allowance: number | null;
  /** Λ = s·Λ0 (n×c, one row per sample); absent when n·c > DUAL_POINT_MAX_ENTRIES */
  lambda?: number[][];
}

export type LossOptimumJson = OptimumJson & { dualPoint: OptimumDualPointJson | null };

type ClassificationCertificate = CertificateResult & { optimal?: NetworkWeights | null; dualLambda?: Mat | null };

function lossValueOf(net: NetworkWeights, X: Mat, Y: Mat, beta: number, modes: CertifyModes, loss: losses.LossRef): number {
  if (net.W2.rows !== Y.cols || net.W1.cols !== X.cols) return Infinity;
  const v = losses.lossObjective(net, X, Y, beta, modes, loss).objective; // from the weights, with the loss
  return Number.isFinite(v) ? v : Infinity;
}

function lossDirsOf(net: NetworkWeights, X: Mat, Y: Mat, beta: number, modes: CertifyModes, loss: losses.LossRef): Float64Array[] {
  if (net.W2.rows !== Y.cols || net.W1.cols !== X.cols) return [];
  const R = losses.lossObjective(net, X, Y, beta, modes, loss).R;
  return neuronDirections(net, neuronInfos(net, X, R, beta, modes), modes);
}

function lambdaRows(L: Mat): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < L.rows; i++) out.push(Array.from(L.data.subarray(i * L.cols, (i + 1) * L.cols)));
  return out;
}

/** The squared optimum search's options (certify/optimum.ts), plus which classification loss. */
export interface LossOptimumSearchOptions extends Omit<OptimumSearchOptions, 'knownLowerBound'> {
  loss: Exclude<LossName, 'squared'>;
  /** the loss's parameters (Huber's δ): the CertifySettings */
  lossParams?: losses.LossParams;
}

export interface LossOptimumSearchResult {
  network: NetworkWeights | null;
  /** the network's objective with the loss, recomputed from its weights */
  value: number;
  /** best sound lower bound found (−Infinity: none) and the dual point behind it */
  lowerBound: number;
  dualPoint: OptimumDualPointJson | null;
  /** the oracle call behind `lowerBound` (its M̄ fixed the scale) */
  dualOracle: OracleResult | null;
  lastOracle: OracleResult | null;
  iterations: number;
  directions: number;
  stopReason: string;
  /** what would close the gap, as kinds each front end words with its own control (report/settleSteps.ts); [] when closed */
  steps: SettleStep[];
  warnings: string[];
}

/**
 * Column generation for a classification loss run to convergence (MATH.md §4 with §8). Each round:
 *  1. the restricted problem over the current unit neuron directions (losses/solver.ts, to
 *     LOSS_OPTIMUM_LASSO_REL_TOL; the hinge smoothed to LOSS_OPTIMUM_HINGE_SMOOTHING_REL);
 *  2. its finish — logistic, cross-entropy: the active neurons slide to the stationary point of
 *     their activation patterns (convex/lossNewton.ts slideNeurons; the slid directions replace the
 *     features); hinge: the restricted problem solved exactly from its optimality conditions
 *     (hingeKktPolish), whose p gives the dual direction;
 *  3. the oracle on the dual direction Λ0 (−∇ℓ(F), or the hinge's exact restricted dual) moved into
 *     the conjugate's domain (losses/dualPoint.ts); its argmax joins the directions;
 * until the certified relative gap ≤ relTol or the oracle finds no violating direction.
 * Soundness (MATH.md §3, §8): `value` is the loss objective of the returned network recomputed
 * from its weights; every lower bound is D(sΛ0) − allowance with s ≤ min(1, β/M̄), M̄ the oracle's
 * UPPER bound (lossBestScale) — valid whether or not the oracle was exact; steps 1–2 only decide
 * how good Λ0 is, and an exact oracle is what lets the bound meet the value.
 */
export function searchLossOptimum(X: Mat, Y: Mat, opts: LossOptimumSearchOptions): LossOptimumSearchResult {
  const { modes } = opts;
  const dd = featureDim(X.cols, modes.hiddenBias);
  const Xt = buildXt(X, modes.hiddenBias);
  const t0 = performance.now();
  const budget = opts.timeBudgetMs ?? Infinity;
  const schedule = escalationSchedule(opts.nodeBudget);
  const st: LossSearchState = {
    X,
    Y,
    Xt,
    opts,
    lossF: losses.lossOf(opts.loss, opts.lossParams),
    relTol: opts.relTol ?? LOSS_OPTIMUM_REL_TOL,
    sigma: losses.mLipschitz(modes, sigmaMax(Xt) * (1 + SIGMA_REL_SLACK), X),
    deadline: t0 + budget,
    feats: new FeatureSet(X, modes),
    best: null,
    lowerBound: -Infinity,
    dualPoint: null,
    dualOracle: null,
    lastOracle: null,
    tight: false,
    iterations: 0,
    warnings: [],
    schedule,
    final: finalStep(schedule, X.rows),
    budget: new RoundBudget(opts.stallRounds),
    bestDual: null,
    innerStops: new Map(),
    starved: false,
    limit: null,
    settled: null,
    resume: new FinalResume(opts.resumes),
    steps: [],
  };
  for (const v of opts.seedDirs) if (v.length === dd) st.feats.add(v);
  let stopReason = lossRounds(st, t0, budget);
  for (;;) {
    const fin = lossFinal(st);
    if (!fin.resume) {
      stopReason += st.resume.note() + fin.note + innerStopsNote(st);
      break;
    }
    st.budget = new RoundBudget(opts.stallRounds);
    stopReason = lossRounds(st, t0, budget);
  }
  const closed = (st.best ? relGapOf(st.best.value, st.lowerBound) : Infinity) <= OPTIMUM_EXACT_REL_TOL;
  return {
    network: st.best?.net ?? null,
    value: st.best?.value ?? Infinity,
    lowerBound: st.lowerBound,
    dualPoint: st.dualPoint,
    dualOracle: st.dualOracle,
    lastOracle: st.lastOracle,
    iterations: st.iterations,
    directions: st.feats.list.length,
    // the Newton slides and the hinge solve stop on the clock only past the safety deadline
    stopReason: withSafetyNote(stopReason, t0, budget),
    steps: closed ? [] : st.steps,
    warnings: st.warnings,
  };
}

/** Rounds of searchLossOptimum until one stops (the stop's reason). */
function lossRounds(st: LossSearchState, t0: number, budget: number): string {
  const { opts } = st;
  st.limit = null;
  st.settled = null;
  while (st.iterations < opts.maxIterations) {
    const outer = roundsOuterStop(opts.shouldStop, t0, budget);
    if (outer) st.settled = outer.kind;
    const stop = outer?.words ?? (st.feats.list.length === 0 ? 'no live neuron direction to start from' : lossRound(st));
    if (stop) return stop;
    const spent = st.budget.record(st.best?.value ?? Infinity, st.lowerBound);
    if (spent) {
      st.limit = 'round-budget';
      return spent;
    }
  }
  st.limit = 'iteration-limit';
  return `iteration limit (${opts.maxIterations}) reached`;
}

/** What the rounds of searchLossOptimum share and change. */
interface LossSearchState {
  X: Mat;
  Y: Mat;
  Xt: Mat;
  opts: LossOptimumSearchOptions;
  lossF: losses.LossRef;
  relTol: number;
  /** the Lipschitz constant of M for lossBestScale */
  sigma: number;
  /** wall-clock safety deadline of the solvers inside a round */
  deadline: number;
  feats: FeatureSet;
  best: { net: NetworkWeights; value: number } | null;
  lowerBound: number;
  dualPoint: OptimumDualPointJson | null;
  dualOracle: OracleResult | null;
  lastOracle: OracleResult | null;
  warm?: { Z: Float64Array[]; b2?: Float64Array };
  /** the next (warm) hinge solve starts a few smoothing levels back from here */
  muStart?: number;
  /** the restricted problem is solved tighter from now on (nothing new to add at its tolerance) */
  tight: boolean;
  iterations: number;
  warnings: string[];
  /** the oracle's work per re-ask (one schedule for every call), and the final call's (finalStep) */
  schedule: EscalationStep[];
  final: EscalationStep;
  budget: RoundBudget;
  /** the best network's dual point, for the final oracle call */
  bestDual: (BestDualPoint<Mat> & { how: string; iteration: number }) | null;
  /** rounds in which an inner solver stopped short (its budget, the safety limit), by what stopped it: the stop's words say so */
  innerStops: Map<string, number>;
  /** the last round stopped for want of a new violating direction (optimumRounds.ts roundsStop) */
  starved: boolean;
  /** the limit that ended the last rounds (optimumRounds.ts roundsStop) */
  limit: RoundsLimit;
  /** the settled stop that ended the last rounds, null when none did (optimumRounds.ts settledStop) */
  settled: SettledStop | null;
  resume: FinalResume;
  steps: SettleStep[];
}

/** An inner solver of one round stopped short: counted for the stop's words (innerStopsNote). */
function innerStop(st: LossSearchState, what: string): void {
  st.innerStops.set(what, (st.innerStops.get(what) ?? 0) + 1);
}

function innerStopsNote(st: LossSearchState): string {
  return [...st.innerStops].map(([what, k]) => `; ${what} in ${k} of ${st.iterations} round(s)`).join('');
}

/** The restricted optimum of one round: its network (value from the weights) and the dual direction Λ0 it gives, in words. */
interface LossRestricted {
  net: NetworkWeights;
  value: number;
  L0: Mat | null;
  how: string;
}

/** One round of searchLossOptimum: restricted optimum, oracle at its dual direction, the stopping rules, the new column. The stop's reason, or '' to go on. */
function lossRound(st: LossSearchState): string {
  const { X, Y, opts } = st;
  const { beta, modes, loss } = opts;
  const d = X.cols;
  st.iterations++;
  st.starved = false;
  opts.onStage?.(
    'column-generation',
    `optimum (${loss}): iteration ${st.iterations}, ${st.feats.list.length} directions${st.best ? `, objective ${st.best.value.toPrecision(8)}` : ''}`,
  );
  const rs = lossRestricted(st);
  const improved = rs.value < (st.best?.value ?? Infinity);
  if (improved) st.best = { net: rs.net, value: rs.value };
  if (!rs.L0) return 'no dual direction inside the domain with Λᵀ1 = 0 (a label column has a single class)';
  const L0 = rs.L0;
  const bar = beta * (1 + losses.LOSS_OPTIMAL_M_TOL);
  const isNew = (o: OracleResult) => {
    const dn = oracleDirection(o, d, modes);
    return dn !== null && !st.feats.has(dn);
  };
  const hints = hintsMat(lossDirsOf(rs.net, X, Y, beta, modes, st.lossF), featureDim(d, modes.hiddenBias));
  const ask = (early: boolean) => (step: EscalationStep) =>
    opts.oracle(st.Xt, L0, {
      hiddenBias: modes.hiddenBias,
      patternBudget: opts.patternBudget,
      ...stepOptions(step),
      seed: opts.seed + st.iterations,
      shouldStop: opts.shouldStop,
      hints,
      warmScope: st,
      // a re-ask with a larger budget needs a violating direction or M̄ ≤ β(1 + tol), not the maximum
      ...(early ? { stopBelow: bar, earlyDirection: { above: bar * (1 + OPTIMUM_EARLY_MARGIN), nodes: OPTIMUM_EARLY_NODES } } : {}),
    });
  let esc: EscalatedOracle;
  try {
    let asks = 0;
    esc = oracleEscalated((step) => ask(asks++ > 0)(step), st.schedule, bar);
    // a violating direction already present after the tighter solve: re-ask with more nodes (and no early stop) before stopping
    if (st.tight && esc.oracle.lower > bar && !isNew(esc.oracle)) esc = escalateDuplicate(ask(false), st.schedule, esc, bar, isNew);
  } catch (e) {
    st.settled = isCancellation(e, opts.shouldStop) ? 'request' : 'failure';
    if (st.settled === 'request') return STOPPED_ON_REQUEST;
    st.warnings.push(
      `the oracle failed in the ${loss} optimum's column generation (iteration ${st.iterations}): ${e instanceof Error ? e.message : String(e)}`,
    );
    return 'oracle failure';
  }
  const or = esc.oracle;
  st.lastOracle = or;
  if (improved) st.bestDual = { L: L0, oracle: or, step: st.schedule[esc.step], askFull: ask(false), how: rs.how, iteration: st.iterations };
  recordDualPoint(st, L0, or, rs.how);
  if ((st.best ? relGapOf(st.best.value, st.lowerBound) : Infinity) <= st.relTol) {
    st.settled = 'gap';
    return `certified relative gap ≤ ${st.relTol}`;
  }
  const dn = oracleDirection(or, d, modes);
  const violated = dn !== null && or.lower > bar;
  if (!violated || st.feats.has(dn)) {
    // nothing new to add: what is left of the gap is the restricted solve's precision (or the oracle's looseness)
    if (!st.tight) {
      st.tight = true;
      return '';
    }
    st.starved = true;
    return !violated
      ? or.exact
        ? `exact oracle: M(Λ) ≤ β(1 + ${losses.LOSS_OPTIMAL_M_TOL}) at the restricted optimum`
        : `the oracle (bounds only) found no violating direction${escalationNote(esc)}`
      : `the oracle returned a direction already present (restricted problem solved to its tolerance)${escalationNote(esc)}`;
  }
  st.feats.add(dn);
  return '';
}

/**
 * The restricted problem over the current columns (losses/solver.ts), then its finish: logistic and
 * cross-entropy slide their active neurons (slideRound), hinge solves it from its optimality
 * conditions (hingeRound). Λ0 = −∇ℓ(F) (or the hinge's exact restricted dual), in the conjugate's domain.
 */
function lossRestricted(st: LossSearchState): LossRestricted {
  const { X, Y, opts } = st;
  const { beta, modes, loss } = opts;
  const sol = losses.solveLossLasso(
    st.feats.list.map((f) => f.a),
    Y,
    beta,
    offsetModeFor(modes),
    st.lossF,
    {
      warm: st.warm,
      muStart: st.muStart,
      relTol: st.tight ? LOSS_OPTIMUM_LASSO_REL_TOL * 1e-2 : LOSS_OPTIMUM_LASSO_REL_TOL,
      hingeSmoothingRel: LOSS_OPTIMUM_HINGE_SMOOTHING_REL,
      maxIterations: st.tight ? 200_000 : undefined,
      deadline: st.deadline,
      shouldStop: opts.shouldStop,
    },
  );
  if (sol.stoppedBy === 'iteration-budget' || sol.stoppedBy === 'safety-limit')
    innerStop(
      st,
      sol.stoppedBy === 'safety-limit'
        ? `the ${SAFETY_STOP_REASON} stopped the restricted ${loss} solve`
        : `the restricted ${loss} solve reached its iteration budget short of its tolerance`,
    );
  st.warm = { Z: sol.Z, b2: sol.b2 };
  if (sol.mu > 0) st.muStart = Math.min(1, 1000 * sol.mu); // the next (warm) hinge solve starts a few smoothing levels back
  const dirs = st.feats.list.map((f) => f.dir);
  const net = lassoNetwork(dirs, sol.Z, sol.b2, X.cols, modes);
  const rs: LossRestricted = {
    net,
    value: lossValueOf(net, X, Y, beta, modes, st.lossF),
    L0: null,
    how: `−∇ℓ(F) of the restricted optimum over ${st.feats.list.length} directions`,
  };
  let F = sol.F;
  let mu = sol.mu;
  if (loss !== 'hinge' && modes.hiddenBias !== 'free') {
    const slidF = slideRound(st, sol, dirs, rs);
    if (slidF) {
      F = slidF;
      mu = 0;
    }
  }
  if (loss === 'hinge' && Y.cols === 1) hingeRound(st, sol, dirs, rs);
  rs.L0 ??= losses.dualDirection(F, Y, st.lossF, modes, mu);
  return rs;
}

/**
 * Smooth losses: the active neurons slide to the stationary point of their activation patterns
 * (convex/lossNewton.ts). When that lowers the objective, the slid network replaces rs's and the slid
 * directions replace the columns (near-duplicates would only slow the restricted solves down), the
 * next restricted solve starting from them. Returns the slid network's outputs, or null.
 */
function slideRound(st: LossSearchState, sol: losses.LossLassoResult, dirs: Float64Array[], rs: LossRestricted): Mat | null {
  const { X, Y, opts } = st;
  const { beta, modes } = opts;
  const act = dirs.map((_, k) => k).filter((k) => sol.Z[k].some((v) => v !== 0));
  const sl = slideColumns(
    { Xt: st.Xt, Y, loss: st.lossF, beta, modes, steps: LOSS_OPTIMUM_SLIDE_STEPS, deadline: st.deadline },
    act.map((k) => dirs[k]),
    act.map((k) => sol.Z[k]),
    sol.b2,
  );
  if (sl?.stoppedBy === 'step-budget') innerStop(st, `the neuron slide reached its budget of ${LOSS_OPTIMUM_SLIDE_STEPS} Newton steps`);
  if (sl?.stoppedBy === 'safety-limit') innerStop(st, `the ${SAFETY_STOP_REASON} stopped the neuron slide`);
  if (!sl?.moved) return null;
  const { units, Zs } = sl;
  const slid = lassoNetwork(units, Zs, sl.b, X.cols, modes);
  const sv = lossValueOf(slid, X, Y, beta, modes, st.lossF);
  if (!(sv < rs.value)) return null;
  rs.net = slid;
  rs.value = sv;
  rs.how = `−∇ℓ(F) of the restricted optimum over ${st.feats.list.length} directions with its ${units.length} neurons slid to the stationary point of their activation patterns`;
  st.feats = new FeatureSet(X, modes);
  const Zw: Float64Array[] = [];
  units.forEach((u, t) => {
    if (st.feats.add(u)) Zw.push(new Float64Array(Zs[t]));
  });
  st.warm = { Z: Zw, b2: Float64Array.from(sl.b) };
  return forward(slid, X);
}

/** A slide's problem and work: the loss, β, the modes, its Newton-step budget and its wall-clock safety deadline. */
export interface SlideSetting {
  Xt: Mat;
  Y: Mat;
  loss: losses.LossRef;
  beta: number;
  modes: CertifyModes;
  steps: number;
  deadline: number;
}

/**
 * Neurons (unit directions, output weights, offset) slid to the stationary point of their activation
 * patterns (convex/lossNewton.ts slideNeurons), as unit directions with output weights scaled to
 * them (the restricted problem's columns); `moved` is false when no step was taken, and null is
 * returned when the slide could not run. The one slide of both optimum searches (certify/optimum.ts
 * SlideFn for the squared loss, slideRound for the others).
 */
export function slideColumns(
  set: SlideSetting,
  dirs: Float64Array[],
  Z: Float64Array[],
  b2: Float64Array,
): (SlidColumns & { stoppedBy: SlideResult['stoppedBy'] }) | null {
  const start = dirs.map((w, k) => ({ w, z: Z[k] }));
  const sl = slideNeurons(set.Xt, set.Y, set.loss, set.beta, offsetModeFor(set.modes), start, b2, set.steps, set.deadline);
  if (!sl) return null;
  const units: Float64Array[] = [],
    Zs: Float64Array[] = [];
  for (const nr of sl.neurons) {
    let wn = 0;
    for (const x of nr.w) wn += x * x;
    wn = Math.sqrt(wn);
    if (!(wn > 0)) continue;
    units.push(nr.w.map((x) => x / wn));
    Zs.push(nr.z.map((x) => x * wn));
  }
  return { units, Zs, b: sl.b, moved: sl.steps > 0, budgetSpent: sl.stoppedBy === 'step-budget', stoppedBy: sl.stoppedBy };
}

/** Hinge: the restricted problem solved exactly from its optimality conditions (lossNewton.ts); its p is the exact restricted dual point whenever the guessed sets were right. */
function hingeRound(st: LossSearchState, sol: losses.LossLassoResult, dirs: Float64Array[], rs: LossRestricted): void {
  const { X, Y, opts } = st;
  const { beta, modes, loss } = opts;
  const kkt = hingeKktPolish(
    st.feats.list.map((f) => f.a),
    Y.data,
    beta,
    offsetModeFor(modes),
    sol.Z,
    sol.b2.length ? sol.b2[0] : 0,
    sol.mu,
    st.deadline,
  );
  if (kkt?.safetyStopped) innerStop(st, `the ${SAFETY_STOP_REASON} stopped the hinge's optimality-condition solve`);
  if (!kkt) return;
  const kn = lassoNetwork(dirs, kkt.Z, Float64Array.of(kkt.b), X.cols, modes);
  const kv = lossValueOf(kn, X, Y, beta, modes, st.lossF);
  if (kv <= rs.value) {
    rs.net = kn;
    rs.value = kv;
    st.warm = { Z: kkt.Z, b2: Float64Array.of(kkt.b) };
  }
  rs.how = `the restricted hinge problem's dual over ${st.feats.list.length} directions, solved from its optimality conditions (p_i = y_iλ_i)`;
  rs.L0 = losses.fixDirection({ rows: Y.rows, cols: 1, data: Float64Array.from(kkt.p, (q, i) => q * Y.data[i]) }, Y, loss, modes);
}

/**
 * After the rounds: the final oracle call at the best network's dual point (finalOracleCall), its bound
 * kept with its dual point. When the rounds stopped for want of a direction and that call found a new
 * violating one, it becomes a column and `resume` says to run the rounds again (FinalResume);
 * otherwise, when the gap is still open, `note` says what is loose and what would close it (the words
 * to append to the stop's reason).
 */
function lossFinal(st: LossSearchState): { note: string; resume: boolean } {
  const { Y, opts } = st;
  const bd = st.bestDual;
  const gap = () => (st.best ? relGapOf(st.best.value, st.lowerBound) : Infinity);
  const done = (note: string) => ({ note, resume: false });
  if (!bd || settledStop(st.settled, gap() <= OPTIMUM_EXACT_REL_TOL)) return done(settledNote(st.settled));
  const stop = roundsStop(st.limit, st.starved);
  let fin: ReturnType<typeof finalOracleCall>;
  try {
    fin = finalOracleCall(bd, finalFor(stop, st.schedule, st.final));
  } catch (e) {
    if (isCancellation(e, opts.shouldStop)) return done(`; ${STOPPED_ON_REQUEST} before the final oracle call`);
    st.warnings.push(`the oracle failed in the ${opts.loss} optimum's final call: ${e instanceof Error ? e.message : String(e)}`);
    return done('');
  }
  if (fin.asked) {
    st.lastOracle = fin.oracle;
    recordDualPoint(st, bd.L, fin.oracle, bd.how, bd.iteration);
  }
  if (gap() <= OPTIMUM_EXACT_REL_TOL) return done(fin.asked ? "; the final oracle call at the best network's dual point closed the gap" : '');
  const bar = opts.beta * (1 + losses.LOSS_OPTIMAL_M_TOL);
  const dn = oracleDirection(fin.oracle, st.X.cols, opts.modes);
  if (st.iterations < opts.maxIterations && dn && st.resume.take(stop, fin, bar, () => !st.feats.has(dn))) {
    st.feats.add(dn);
    return { note: '', resume: true };
  }
  const tight = losses.lossBestScale(bd.L, Y, st.lossF, opts.beta, opts.modes, fin.oracle.lower, st.sigma);
  const loose = looseBoundsFor(
    { beta: opts.beta, bar, fin, stop, resume: st.resume },
    { lowerIfTight: Math.max(st.lowerBound, tight.value), value: st.best?.value ?? Infinity, lowerBound: st.lowerBound },
  );
  st.steps = looseBoundsSteps(loose);
  return done(looseBoundsNote(loose));
}

/** The lower bound D(sΛ0) − allowance with s ≤ min(1, β/M̄) (lossBestScale), kept with its dual point when it is the best so far. */
function recordDualPoint(st: LossSearchState, L0: Mat, or: OracleResult, how: string, iteration = st.iterations): void {
  const { Y, opts } = st;
  const sd = losses.lossBestScale(L0, Y, st.lossF, opts.beta, opts.modes, or.upper, st.sigma);
  if (!(sd.s > 0 && sd.value > st.lowerBound)) return;
  st.lowerBound = sd.value;
  st.dualOracle = or;
  const L = { rows: L0.rows, cols: L0.cols, data: L0.data.map((v) => v * sd.s) };
  st.dualPoint = {
    source: 'optimum-column-generation',
    description: `Λ = s·Λ0 with Λ0 = ${how} (column-generation iteration ${iteration}), moved into the domain of ℓ*; s ≤ min(1, β/M̄) maximizing D(sΛ0), M̄ the oracle's upper bound on M(Λ0)`,
    iteration,
    value: sd.value,
    scale: sd.s,
    mUpper: or.upper,
    oracleMethod: or.method,
    oracleExact: or.exact,
    patterns: or.patterns,
    allowance: sd.allowance,
    ...(L.data.length <= DUAL_POINT_MAX_ENTRIES ? { lambda: lambdaRows(L) } : {}),
  };
}

/** The classification optimum's best network and bound so far, with what they came from (the certificate's, then the search's). */
interface LossCandidate {
  net: NetworkWeights | null;
  /** the network's objective with the loss, recomputed from its weights */
  value: number;
  method: string;
  lowerBound: number;
  dualPoint: OptimumDualPointJson | null;
  lastOracle: OracleResult | null;
  patterns: number;
  stopReason?: string;
  iterations?: number;
  steps?: SettleStep[];
}

/** The certificate's candidates: its best network (optimal, else witness), value recomputed from the weights, and its dual point unless it reported an inconsistency. */
function certificateCandidate(
  cert: ClassificationCertificate,
  X: Mat,
  Ylab: Mat,
  loss: Exclude<LossName, 'squared'>,
  beta: number,
  modes: CertifyModes,
  lossF: losses.LossRef,
): LossCandidate {
  const unsound = inconsistent(cert);
  const certNet = cert.optimal ?? cert.witness;
  const net = certNet ? { W1: certNet.W1, b1: certNet.b1, W2: certNet.W2, b2: certNet.b2 } : null;
  const dualPoint: OptimumDualPointJson | null =
    !unsound && Number.isFinite(cert.dualBound)
      ? {
          source: 'certificate',
          description: `the certificate's dual point (${cert.dualPoint})`,
          iteration: null,
          value: cert.dualBound,
          scale: null,
          mUpper: cert.oracle.upper,
          oracleMethod: cert.oracle.method,
          oracleExact: cert.oracle.exact,
          patterns: cert.oracle.patterns,
          allowance: null,
          ...(cert.dualLambda && cert.dualLambda.data.length <= DUAL_POINT_MAX_ENTRIES ? { lambda: lambdaRows(cert.dualLambda) } : {}),
        }
      : null;
  return {
    net,
    value: net ? lossValueOf(net, X, Ylab, beta, modes, lossF) : Infinity,
    method: cert.optimal ? `${loss}: the certificate's column generation` : `${loss}: certificate witness`,
    lowerBound: unsound ? -Infinity : cert.dualBound,
    dualPoint,
    lastOracle: null,
    patterns: cert.oracle.patterns,
  };
}

/** searchLossOptimum seeded with the candidate's and the trained network's neurons; its network and bound replace the candidate's where better. */
function searchIntoCandidate(
  best: LossCandidate,
  pb: {
    net: NetworkWeights;
    X: Mat;
    Ylab: Mat;
    loss: Exclude<LossName, 'squared'>;
    beta: number;
    modes: CertifyModes;
    settings: CertifySettings;
    oracle: OracleFn;
  },
  warnings: string[],
): void {
  const { net, X, Ylab, loss, beta, modes, settings, oracle } = pb;
  const lossF = losses.lossOf(loss, settings);
  const seedDirs = [...(best.net ? lossDirsOf(best.net, X, Ylab, beta, modes, lossF) : []), ...lossDirsOf(net, X, Ylab, beta, modes, lossF)];
  const res = searchLossOptimum(X, Ylab, {
    beta,
    modes,
    loss,
    lossParams: settings,
    oracle,
    seedDirs,
    patternBudget: settings.patternBudget,
    nodeBudget: settings.nodeBudget,
    seed: settings.seed,
    maxIterations: settings.optimumIterations ?? OPTIMUM_MAX_ITERATIONS,
    timeBudgetMs: settings.timeBudgetMs,
    shouldStop: settings.shouldStop,
    onStage: settings.onStage,
  });
  warnings.push(...res.warnings);
  best.stopReason = res.stopReason;
  best.iterations = res.iterations;
  best.steps = res.steps;
  if (res.lastOracle) best.patterns = res.lastOracle.patterns;
  if (res.network && res.value < best.value) {
    best.net = res.network;
    best.value = res.value;
    best.method = `${loss}: column generation to convergence (restricted ${loss} problem${loss === 'hinge' ? ' solved from its optimality conditions' : ' with its neurons slid'}; oracle ${res.lastOracle?.method ?? 'not called'})`;
  }
  if (res.lowerBound > best.lowerBound) {
    best.lowerBound = res.lowerBound;
    best.dualPoint = res.dualPoint;
    best.lastOracle = res.dualOracle;
  }
}

/**
 * Other losses: the optimum by column generation run to convergence (searchLossOptimum), seeded with
 * the certificate's best network and the trained network's neurons; the certificate's own dual
 * point and networks compete with it. Labelled 'optimum' (`exact`) when the best sound dual bound
 * meets the best network's objective — recomputed from its weights — within OPTIMUM_EXACT_REL_TOL;
 * `dualPoint` says which dual point proved it. `search: false` (certify on a network its certificate
 * proved optimal): no second column generation, the certificate's network and bounds as they are.
 */
export function classificationOptimum(
  cert: ClassificationCertificate,
  net: NetworkWeights,
  X: Mat,
  Ylab: Mat,
  loss: Exclude<LossName, 'squared'>,
  beta: number,
  modes: CertifyModes,
  settings: CertifySettings,
  oracle: OracleFn,
  stage: Stage,
  opts: { search: boolean } = { search: true },
): OptimumOutcome | null {
  const warnings: string[] = [];
  const best = certificateCandidate(cert, X, Ylab, loss, beta, modes, losses.lossOf(loss, settings));
  if (opts.search && !settings.shouldStop?.()) searchIntoCandidate(best, { net, X, Ylab, loss, beta, modes, settings, oracle }, warnings);
  const { net: bestNet, value, stopReason, iterations } = best;
  if (!bestNet || !Number.isFinite(value)) return null;
  if (best.lowerBound > value) {
    // weak duality says this cannot happen: claim nothing
    warnings.push(
      `Internal inconsistency in the ${loss} optimum: dual bound ${best.lowerBound} above the objective ${value} of a concrete network; no bound is used.`,
    );
    best.lowerBound = -Infinity;
    best.dualPoint = null;
  }
  const relGap = relGapOf(value, best.lowerBound);
  const exact = relGap <= OPTIMUM_EXACT_REL_TOL;
  stage('optimum', `${exact ? 'optimum' : 'witness'} ${value} (relative gap ${relGap.toExponential(2)}${stopReason ? '; ' + stopReason : ''})`);
  const json: LossOptimumJson = {
    value,
    exact,
    patterns: best.patterns,
    method: best.method,
    lowerBound: best.lowerBound,
    relGap,
    neurons: liveNeurons(bestNet, X, modes),
    network: networkToJson(bestNet),
    label: exact ? 'optimum' : 'witness',
    ...(stopReason !== undefined ? { stopReason, iterations } : {}),
    ...(!exact && best.steps?.length ? { steps: best.steps } : {}),
    dualPoint: best.dualPoint,
  };
  return { json, network: bestNet, lowerBound: best.lowerBound, value, lastOracle: best.lastOracle, warnings };
}
