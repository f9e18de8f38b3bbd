/**
 * certifyNetwork: the certificate of MATH.md §3 with the column-generation refinement of §4/§10.
 *
 * Stages: validate → β → objective (as trained, rebalanced, dead neurons dropped) → oracle on the
 * residual (dual point s·R) → closed form when one applies (§5) → column generation (restricted
 * group lasso over unit directions + the oracle's argmax, [EP Alg. 1] generalized) → verdict.
 *
 * Soundness rules (MATH.md §3):
 *  - every dual bound is D(sΛ) with s ≤ β/M̄ where M̄ is an UPPER bound on M(Λ) (the oracle's
 *    `upper`, or a closed form's structural bound), minus a rounding allowance;
 *  - every primal value used for 'not-optimal' is recomputed from a concrete network's weights
 *    by forward() (networkObjective), never taken from the lasso's bookkeeping.
 */
import { impliedBetaWarning } from './impliedBetaText';
import { type Mat, zeros } from '../linalg/mat';
import { usageError, isCancellation } from '../errors';
import { sigmaMax, SIGMA_REL_SLACK } from '../linalg/decomp';
import type { OracleFn, OracleOptions, OracleResult } from '../oracle/types';
import { betaFromSpec } from './beta';
import { type ClosedForm, detectClosedForm, RANK_ONE_TOL, WHITENED_TOL } from './closedForms';
import { bestScale, DUAL_ROUNDING_PER_TERM, feasibleDirection, MEAN_ZERO_TOL } from './dual';
import { DEFAULT_LASSO_MAX_SWEEPS, LASSO_REL_TOL, lassoNetwork, offsetModeFor, solveLasso } from './lasso';

/** Lasso tolerance once column generation would stall (the oracle's argmax is a present column). */
export const TIGHT_LASSO_REL_TOL = 1e-15;
/** The tighter lasso solves may use this many times the solver budget (settings.solverIterations). */
export const TIGHT_LASSO_SWEEP_FACTOR = 10;
/**
 * An oracle argmax within DEDUP_TOL of a present direction is still added, as a distinct column,
 * when its correlation ‖Λᵀ(X̃u)_+‖ (the oracle's `lower`, recomputed) exceeds every present
 * column's and β by this relative margin: near a kink, directions 1e-6 apart have activations that
 * differ to first order, and with a tiny β that is a visible part of M(Λ) − β (soundness suite,
 * regression 'inconclusive-with-exact-oracle').
 */
export const NEAR_DUPLICATE_GAIN = 1e-9;
import { buildXt, featureActivation, featureDim } from '../problem/features';
import {
  impliedBeta,
  type NeuronInfo,
  neuronDirections,
  neuronInfos,
  networkObjective,
  type ObjectiveParts,
  type Rebalanced,
  rebalance,
  resolveModes,
} from '../problem/objective';
import type { CertifyModes, NetworkWeights } from '../problem/network';
import { type BetaInfo, DEFAULT_TOL, type CertificateResult, type CertifySettings, type InconclusiveReason } from './types';
import { decideVerdict, fmt, pct, REBALANCE_MEANING, REBALANCE_REL_TOL, rebalancedInfo, VERDICT_TOL_MEANING } from './verdict';

/** Two unit feature directions with cosine ≥ 1 − this are the same feature. */
export const DEDUP_TOL = 1e-12;
/** Column generation stops as optimal when an exact oracle gives M(Λ_t) ≤ β(1 + this). */
export const OPTIMAL_M_TOL = 1e-9;
/** |implied β − β| > this·β is flagged. */
export const IMPLIED_BETA_MISMATCH = 0.1;

const now = () => performance.now();

export { fmt, pct } from './verdict';

function checkFinite(a: ArrayLike<number>, what: string): void {
  for (let i = 0; i < a.length; i++)
    if (!Number.isFinite(a[i])) throw usageError(`${what} contains a non-finite value (${a[i]}) at position ${i}.`);
}

function validate(net: NetworkWeights, X: Mat, Y: Mat): void {
  const n = X.rows, d = X.cols, m = net.W1.rows, c = net.W2.rows;
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
  const n = L.rows, c = L.cols;
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

/**
 * Why column generation stopped, as a kind (the words are in stopReason): 'certified', 'optimal'
 * (exact oracle: M ≤ β at the restricted optimum), 'witness-refined' (not optimal is proven and the
 * interval was refined for refineAfterWitness iterations), 'iteration-budget' (maxIterations),
 * 'safety-limit' (the wall clock, timeBudgetMs), 'stopped' (cancelled), 'stalled' (no new
 * direction), 'not-run'.
 */
export type CgStopKind = 'certified' | 'optimal' | 'witness-refined' | 'iteration-budget' | 'safety-limit' | 'stopped' | 'stalled' | 'not-run';

export function hintsMat(dirs: Float64Array[], dd: number): Mat | undefined {
  if (!dirs.length) return undefined;
  const H = zeros(dirs.length, dd);
  dirs.forEach((v, j) => H.data.set(v.subarray(0, dd), j * dd));
  return H;
}

interface DualRecord {
  value: number;
  point: 'residual' | 'column-generation' | 'closed-form';
  oracle: OracleResult;
  s: number;
  Mbar: number;
}

interface WitnessRecord {
  net: NetworkWeights;
  objective: number;
  description: string;
}

/**
 * certifyNetwork in named stages, each a function below: setUpProblem (validate, β, the objective
 * as trained and rebalanced) → DualSearch.residual (oracle on the residual) → closedFormStage (§5)
 * → columnGeneration (§4) → assembleCertificate (verdict, tolerances, the result). The stages share
 * one DualSearch: the best dual point and the best network found so far.
 */
export function certifyNetwork(
  net: NetworkWeights,
  X: Mat,
  Y: Mat,
  settings: CertifySettings,
  oracle: OracleFn,
): CertificateResult {
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
  const cg = columnGeneration(search, or0, cf, stage);
  clock.lap('columnGeneration');

  const result = assembleCertificate(search, cf, cg, clock.timings);
  clock.timings.total = clock.total();
  return result;
}

/** Per-stage wall times for `timings` (reported only; no decision reads them). */
class StageClock {
  readonly timings: Record<string, number> = {};
  private readonly start = now();
  private last = this.start;
  lap(name: string): void {
    const t = now();
    this.timings[name] = t - this.last;
    this.last = t;
  }
  total(): number {
    return now() - this.start;
  }
}

/** The problem as stated by the settings and the weights as given (stages 'validate' and 'objective'). */
interface CertifyProblem {
  net: NetworkWeights;
  X: Mat;
  Y: Mat;
  n: number;
  d: number;
  c: number;
  m: number;
  modes: CertifyModes;
  warnings: string[];
  betaInfo: BetaInfo;
  beta: number;
  tol: number;
  asTrained: ObjectiveParts;
  infos: NeuronInfo[];
  bal: Rebalanced;
  /** P_bal */
  Pbal: number;
  impliedB: number | null;
  impliedBetaMismatch: boolean;
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
  const n = X.rows, d = X.cols, c = Y.cols, m = net.W1.rows;
  const { modes, warnings } = resolveModes(net, { hiddenBias: settings.hiddenBias, outputBias: settings.outputBias });
  const betaInfo = betaFromSpec(settings.beta, n, c);
  warnings.push(...betaInfo.warnings);
  const beta = betaInfo.beta;
  const tol = settings.tol > 0 && Number.isFinite(settings.tol) ? settings.tol : DEFAULT_TOL;
  if (tol !== settings.tol) warnings.push(`tol ${settings.tol} is not a positive number; using ${DEFAULT_TOL}.`);
  clock.lap('validate');

  // ---- objective, rebalancing, dead neurons, implied β
  stage('objective');
  const asTrained = networkObjective(net, X, Y, beta, modes);
  const infos = neuronInfos(net, X, asTrained.R, beta, modes);
  const bal = rebalance(net, infos, asTrained.loss, beta, modes);
  const implied = impliedBeta(asTrained.R, asTrained.F, net.b2, infos, modes);
  const impliedB = implied.beta;
  const impliedBetaMismatch = impliedB !== null && Math.abs(impliedB - beta) > IMPLIED_BETA_MISMATCH * beta;
  const impliedText = impliedBetaWarning(impliedB, beta, IMPLIED_BETA_MISMATCH, '⟨R, F − 1b2ᵀ⟩/Σ‖ũ_j‖‖v_j‖');
  if (impliedText) warnings.push(impliedText);
  if (settings.beta.kind === 'pytorch' && settings.beta.optimizer === 'adamw' && impliedB !== null)
    warnings.push(`AdamW: the implied β of this network is ${fmt(impliedB)} (rerun with β = ${fmt(impliedB)} to certify against it).`);
  const deadCount = infos.filter((s) => s.dead).length;
  if (deadCount) warnings.push(`${deadCount} of ${m} neurons are dead (zero on all data, or zero output weights) and were dropped.`);
  clock.lap('objective');
  const Pbal = bal.objective;
  return { net, X, Y, n, d, c, m, modes, warnings, betaInfo, beta, tol, asTrained, infos, bal, Pbal, impliedB, impliedBetaMismatch };
}

/**
 * The best dual point and the best network found so far, and the guarded oracle every stage calls.
 * Soundness lives here: a dual value only through bestScale with the oracle's (or a structural)
 * upper bound, a primal value only recomputed from a network's weights.
 */
class DualSearch {
  readonly Xt: Mat;
  /** length of a feature direction (d̃) */
  readonly dd: number;
  /** unit feature directions of the network's live neurons */
  readonly ownDirs: Float64Array[];
  readonly baseOpts: Partial<OracleOptions>;
  /** hints: unit feature directions, rows of length d̃ (free hidden bias: [u; b] with ‖u‖ = 1) */
  readonly ownHints: Mat | undefined;
  /** σ_max(X̃) once: bestScale needs it to account for rounding in Λᵀ1 = 0 */
  readonly sigmaXt: number;
  best!: DualRecord;
  witness: WitnessRecord | null = null;
  bestPrimal: number;

  constructor(
    readonly pb: CertifyProblem,
    private readonly oracle: OracleFn,
    readonly settings: CertifySettings,
  ) {
    const { X, d, modes, net, infos, beta } = pb;
    this.Xt = buildXt(X, modes.hiddenBias);
    this.dd = featureDim(d, modes.hiddenBias);
    this.ownDirs = neuronDirections(net, infos, modes);
    this.baseOpts = {
      hiddenBias: modes.hiddenBias,
      patternBudget: settings.patternBudget,
      nodeBudget: settings.nodeBudget,
      seed: settings.seed,
      shouldStop: settings.shouldStop,
      // a global search may drop regions whose bound is ≤ β: M̄ ≤ β is all a feasible dual point needs
      stopBelow: beta,
    };
    this.ownHints = hintsMat(this.ownDirs, this.dd);
    this.sigmaXt = sigmaMax(this.Xt) * (1 + SIGMA_REL_SLACK);
    this.bestPrimal = pb.Pbal;
  }

  /**
   * The oracle, guarded: cancellation propagates; any other failure is reported as a warning and
   * yields the trivial result M̄ = ∞ (no dual bound from that call — sound, merely uninformative).
   */
  callOracle(L: Mat, opts: Partial<OracleOptions>, what: string): OracleResult {
    try {
      return this.oracle(this.Xt, L, opts);
    } catch (e) {
      if (isCancellation(e, this.settings.shouldStop)) throw e;
      const msg = e instanceof Error ? e.message : String(e);
      this.pb.warnings.push(`The oracle failed on ${what} (internal error: ${msg}); no dual bound from that call.`);
      return {
        exact: false,
        method: 'bounds',
        upper: Infinity,
        lower: 0,
        argmax: new Float64Array(this.Xt.cols),
        argmaxBias: 0,
        outputDir: new Float64Array(this.pb.c),
        patterns: 0,
        rank: 0,
        roundingAllowance: 0,
        notes: [`oracle failed: ${msg}`],
      };
    }
  }

  /** Stage 'oracle': the dual point s·R at the residual of the weights as given; it starts `best`. */
  residual(): OracleResult {
    const { asTrained, modes, Y, beta } = this.pb;
    const L0 = feasibleDirection(asTrained.R, modes);
    const or0 = this.callOracle(L0, { ...this.baseOpts, hints: this.ownHints }, 'the residual');
    const sd0 = bestScale(L0, Y, beta, modes, or0.upper, this.sigmaXt);
    this.best = { value: sd0.value, point: 'residual', oracle: or0, s: sd0.s, Mbar: or0.upper };
    return or0;
  }

  offerWitness(w: NetworkWeights, description: string): void {
    const { X, Y, beta, modes } = this.pb;
    const obj = networkObjective(w, X, Y, beta, modes).objective; // from scratch, by forward()
    if (!Number.isFinite(obj)) return;
    if (obj < this.bestPrimal) this.bestPrimal = obj;
    if (!this.witness || obj < this.witness.objective) this.witness = { net: w, objective: obj, description };
  }

  isCertified(): boolean {
    return this.pb.Pbal - this.best.value <= this.pb.tol * this.pb.Pbal;
  }

  hasWitness(): boolean {
    return this.witness !== null && this.witness.objective < this.pb.Pbal * (1 - this.pb.tol);
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
    Mbar < orc.upper
      ? { ...orc, upper: Mbar, notes: [...orc.notes, `closed form '${cf.name}': structural bound M̄ = ${fmt(Mbar)} used`] }
      : orc;
  if (sdc.value > search.best.value) search.best = { value: sdc.value, point: 'closed-form', oracle: orUsed, s: sdc.s, Mbar };
  search.offerWitness(cf.network, `closed-form optimum (${cf.name}), P* = ${fmt(cf.pstar)}`);
  if (Math.abs(sdc.value - cf.pstar) > 1e-8 * Math.max(1, Math.abs(cf.pstar)))
    warnings.push(
      `Closed form '${cf.name}': its dual point gives D = ${fmt(sdc.value)} but the formula gives P* = ${fmt(cf.pstar)}; ` +
        'the bound actually used is the dual value.',
    );
  return cf;
}

/** How column generation ended (stage 'column-generation'). */
interface CgOutcome {
  ran: boolean;
  iterations: number;
  directions: number;
  /** an exact oracle confirmed the restricted optimum (M ≤ β) */
  lassoOptimal: boolean;
  stopReason: string;
  stopKind: CgStopKind;
  lassoUnconverged: number;
  solverIterations: number;
  notes: string[];
}

/**
 * Stage 'column-generation' (MATH.md §4): restricted group lasso over the directions found so far,
 * the oracle at its residual, the argmax added as a new direction; every lasso network is offered
 * as a witness and every residual as a dual point.
 */
function columnGeneration(
  search: DualSearch,
  or0: OracleResult,
  cf: ClosedForm | null,
  stage: (s: string, detail?: string) => void,
): CgOutcome {
  const { settings } = search;
  const { X, Y, d, beta, modes } = search.pb;
  const out: CgOutcome = {
    ran: false,
    iterations: 0,
    directions: 0,
    lassoOptimal: false,
    stopReason: '',
    stopKind: 'not-run',
    lassoUnconverged: 0,
    solverIterations: settings.solverIterations ?? DEFAULT_LASSO_MAX_SWEEPS,
    notes: [],
  };
  if (search.isCertified() || (cf && search.hasWitness()) || !(settings.maxIterations > 0)) return out;
  const { solverIterations } = out;
  const stop = (kind: CgStopKind, reason: string) => {
    out.stopKind = kind;
    out.stopReason = reason;
  };
  out.ran = true;
  let nearDuplicates = 0;
  const feats = new FeatureSet(X, modes);
  for (const v of search.ownDirs) feats.add(v);
  const d0 = oracleDirection(or0, d, modes);
  if (d0 && or0.lower > 0) feats.add(d0);
  const offMode = offsetModeFor(modes);
  let warm: { Z: Float64Array[]; b2?: Float64Array } | undefined;
  const cgStart = now();
  let witnessAt = search.hasWitness() ? 0 : -1;
  // When the oracle's argmax is a direction already present, the restricted lasso was solved only
  // to its tolerance: from then on it is solved tighter (TIGHT_LASSO_REL_TOL, more sweeps).
  let tight = false;
  while (out.iterations < settings.maxIterations) {
    if (witnessAt < 0 && search.hasWitness()) witnessAt = out.iterations;
    if (stopBeforeIteration(search, out, witnessAt, cgStart)) break;
    const iterations = ++out.iterations;
    stage('column-generation', `iteration ${iterations}, ${feats.list.length} directions`);
    const lasso = restrictedLasso(search, feats, offMode, tight ? 'tight' : 'normal', warm, out);
    warm = { Z: lasso.Z, b2: lasso.b2 };
    const Lt = feasibleDirection(lasso.residual, modes);
    const activeDirs = feats.list.filter((_, k) => lasso.Z[k].some((v) => v !== 0)).map((f) => f.dir);
    let ort: OracleResult;
    try {
      ort = search.callOracle(
        Lt,
        { ...search.baseOpts, seed: settings.seed + iterations, hints: hintsMat(activeDirs, search.dd) },
        `the column-generation residual (iteration ${iterations})`,
      );
    } catch (e) {
      if (isCancellation(e, settings.shouldStop)) {
        stop('stopped', 'stopped on request');
        break;
      }
      throw e;
    }
    const sdt = bestScale(Lt, Y, beta, modes, ort.upper, search.sigmaXt);
    if (sdt.value > search.best.value)
      search.best = { value: sdt.value, point: 'column-generation', oracle: ort, s: sdt.s, Mbar: ort.upper };
    if (search.isCertified()) {
      stop('certified', 'certified');
      break;
    }
    if (ort.exact && ort.upper <= beta * (1 + OPTIMAL_M_TOL)) {
      out.lassoOptimal = true;
      stop('optimal', 'the restricted optimum is globally optimal (exact oracle: M ≤ β)');
      break;
    }
    const dn = oracleDirection(ort, d, modes);
    if (!dn || !(ort.lower > 0)) {
      stop('stalled', 'the oracle found no new direction');
      break;
    }
    if (feats.add(dn)) continue;
    // The argmax is within DEDUP_TOL of a present direction. Either it is a different column
    // (near a kink its activations differ to first order: it beats every present column at
    // this dual point), or it is that column and the lasso was not solved exactly.
    const present = maxColumnCorrelation(feats.list, Lt);
    if (ort.lower > Math.max(beta, present) * (1 + NEAR_DUPLICATE_GAIN) && feats.add(dn, true)) {
      nearDuplicates++;
      continue;
    }
    if (ort.exact && !tight) {
      tight = true;
      continue;
    }
    stop(
      'stalled',
      ort.exact
        ? 'the oracle returned a direction already present (restricted problem solved to its tolerance)'
        : 'the oracle found no new direction',
    );
    break;
  }
  if (!out.stopReason) stop('iteration-budget', `iteration limit (${settings.maxIterations}) reached`);
  out.directions = feats.list.length;
  const notes = out.notes;
  notes.push(`column generation: ${out.iterations} iteration(s); stop: ${out.stopReason}`);
  if (nearDuplicates) notes.push(`${nearDuplicates} oracle direction(s) within the dedup tolerance of a present one were added as distinct columns (different activations near a kink)`);
  if (out.lassoUnconverged) notes.push(`${out.lassoUnconverged} restricted lasso solve(s) stopped at the solver budget (${solverIterations} sweeps) before their tolerance`);
  if (!cgReachedOptimum(out.stopReason) && !search.isCertified()) notes.push('column generation did not reach the optimum');
  return out;
}

/**
 * The stops checked before each column-generation iteration, in order: a request to stop, the
 * refinement allowance after a witness, the wall-clock safety limit (which also warns).
 */
function stopBeforeIteration(search: DualSearch, out: CgOutcome, witnessAt: number, cgStart: number): boolean {
  const { settings } = search;
  const refineAfter = settings.refineAfterWitness ?? Infinity;
  const budgetMs = settings.timeBudgetMs ?? Infinity;
  if (settings.shouldStop?.()) {
    out.stopKind = 'stopped';
    out.stopReason = 'stopped on request';
  } else if (witnessAt >= 0 && out.iterations - witnessAt >= refineAfter) {
    out.stopKind = 'witness-refined';
    out.stopReason = `not optimal is proven; P* interval refined for ${refineAfter} more iteration(s)`;
  } else if (now() - cgStart >= budgetMs) {
    out.stopKind = 'safety-limit';
    out.stopReason = `stopped by the wall-clock safety limit (${fmt(budgetMs / 1000)} s) after ${out.iterations} iteration(s)`;
    search.pb.warnings.push(
      `Column generation was ${out.stopReason}; the numbers depend on this machine's speed. ` +
        'Raise --time-budget (the safety limit) or lower the work budgets to get reproducible numbers.',
    );
  } else return false;
  return true;
}

/**
 * The restricted group lasso over the present directions ('tight': solved to TIGHT_LASSO_REL_TOL
 * with TIGHT_LASSO_SWEEP_FACTOR times the sweeps), its network offered as a witness.
 */
function restrictedLasso(
  search: DualSearch,
  feats: FeatureSet,
  offMode: ReturnType<typeof offsetModeFor>,
  accuracy: 'normal' | 'tight',
  warm: { Z: Float64Array[]; b2?: Float64Array } | undefined,
  out: CgOutcome,
): ReturnType<typeof solveLasso> {
  const { Y, d, beta, modes } = search.pb;
  const { solverIterations, iterations } = out;
  const lasso = solveLasso(
    feats.list.map((f) => f.a),
    Y,
    beta,
    offMode,
    accuracy === 'tight'
      ? { warm, relTol: TIGHT_LASSO_REL_TOL, maxSweeps: TIGHT_LASSO_SWEEP_FACTOR * solverIterations }
      : { warm, maxSweeps: solverIterations },
  );
  if (!lasso.converged) out.lassoUnconverged++;
  const lnet = lassoNetwork(
    feats.list.map((f) => f.dir),
    lasso.Z,
    lasso.b2,
    d,
    modes,
  );
  search.offerWitness(lnet, `column generation: group lasso over ${feats.list.length} neuron directions (iteration ${iterations})`);
  return lasso;
}

/** Stage 'verdict' (MATH.md §3.1): the verdict about the weights as given, its reasons, tolerances and the result. */
function assembleCertificate(
  search: DualSearch,
  cf: ClosedForm | null,
  cg: CgOutcome,
  timings: Record<string, number>,
): CertificateResult {
  const { settings, best } = search;
  const pb = search.pb;
  const { X, Y, beta, modes, tol, asTrained, infos, bal, warnings } = pb;
  const cgNotes = cg.notes;
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
    cgNotes.push('P* is known to the interval shown (an exact oracle confirmed the restricted optimum).');
  const { gap, relGap, pstarInterval } = v;
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
          cg: { ran: cg.ran, iterations: cg.iterations, stopKind: cg.stopKind, stopReason: cg.stopReason, solverBudgetHits: cg.lassoUnconverged },
          budgets: { maxIterations: settings.maxIterations, patternBudget: settings.patternBudget, solverIterations: cg.solverIterations, timeBudgetMs: settings.timeBudgetMs },
        })
      : undefined;
  const summary = inconclusiveReason ? `${v.summary} ${inconclusiveReason.advice}` : v.summary;

  const oracleUsed: OracleResult = { ...best.oracle, notes: [...best.oracle.notes, ...cgNotes] };
  const tolerances = certifyTolerances(settings, tol, best.oracle, cg.solverIterations);

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
      ? { name: cf.name, formula: cf.formula, values: cf.values, pstar: cf.pstar, latex: cf.latex, condition: cf.condition, tolerance: cf.tolerance, vectors: cf.vectors }
      : null,
    columnGeneration: cg.ran
      ? { iterations: cg.iterations, directions: cg.directions, stopReason: cg.stopReason, reachedOptimum: search.isCertified() || cg.lassoOptimal }
      : null,
    ...(inconclusiveReason ? { inconclusiveReason } : {}),
  };
}

/** Every named tolerance and work budget the certificate used, with what it means (CertificateResult.tolerances). */
function certifyTolerances(
  settings: CertifySettings,
  tol: number,
  oracle: OracleResult,
  solverIterations: number,
): CertificateResult['tolerances'] {
  return {
    tol: { value: tol, meaning: VERDICT_TOL_MEANING },
    rebalance: { value: REBALANCE_REL_TOL, meaning: REBALANCE_MEANING },
    dualRounding: { value: DUAL_ROUNDING_PER_TERM, meaning: 'rounding allowance per summed term subtracted from every dual value D(sΛ)' },
    meanZero: { value: MEAN_ZERO_TOL, meaning: 'largest |column sum|/Σ|column| of a dual point accepted as Λᵀ1 = 0 (free output or hidden bias)' },
    dedup: { value: DEDUP_TOL, meaning: 'two neuron directions with cosine ≥ 1 − dedup are one feature of the restricted problem' },
    lassoRelGap: { value: LASSO_REL_TOL, meaning: 'restricted group-lasso solves stop at this relative duality gap' },
    optimalM: { value: OPTIMAL_M_TOL, meaning: 'column generation stops as optimal when an exact oracle gives M(Λ) ≤ β(1 + optimalM)' },
    impliedBetaMismatch: { value: IMPLIED_BETA_MISMATCH, meaning: 'relative difference of implied and declared β that is flagged' },
    closedFormWhitened: { value: WHITENED_TOL, meaning: 'max |XXᵀ − I| for the whitened closed forms to apply' },
    closedFormRankOne: { value: RANK_ONE_TOL, meaning: 'σ2/σ1 for the rank-one closed form to apply' },
    deadNeuron: { value: 0, meaning: 'a neuron is dead when every activation is exactly ≤ 0 on the data (or its output weights are 0)' },
    oracleRounding: { value: oracle.roundingAllowance, meaning: "the oracle's rounding allowance included in its upper bound M̄" },
    ...budgetTolerances(settings, solverIterations, 'coordinate-descent sweeps of each restricted group-lasso solve (a work budget; --solver-iterations)'),
  };
}

function cgReachedOptimum(reason: string): boolean {
  return reason === 'certified' || reason.startsWith('the restricted optimum');
}


/**
 * The work budgets (and the wall-clock safety limit) as entries of `tolerances`, so the result
 * lists every number that bounded the work next to the tolerances.
 */
export function budgetTolerances(settings: CertifySettings, solverIterations: number, solverMeaning: string): CertificateResult['tolerances'] {
  const out: CertificateResult['tolerances'] = {
    maxIterations: { value: settings.maxIterations, meaning: 'column-generation iterations allowed (a work budget; --max-iterations)' },
    patternBudget: { value: settings.patternBudget, meaning: 'activation patterns the oracle may enumerate for an exact M (a work budget; --pattern-budget)' },
    solverIterations: { value: solverIterations, meaning: solverMeaning },
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
  oracle: Pick<OracleResult, 'exact' | 'upper' | 'lower' | 'method' | 'patterns'>;
  /** a dual bound exceeded a network's objective (no verdict is claimed) */
  inconsistent: boolean;
  cg: { ran: boolean; iterations: number; stopKind: CgStopKind; stopReason: string; solverBudgetHits: number };
  budgets: { maxIterations: number; patternBudget: number; solverIterations: number; timeBudgetMs?: number };
}

/**
 * Which bound keeps an inconclusive verdict open, by how much (a fraction of P(θ)), and what would
 * close it — in plain words with the flag to change (CertificateResult.inconclusiveReason).
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
  const solverNote = cg.solverBudgetHits
    ? ` ${cg.solverBudgetHits} restricted solve(s) stopped at the solver budget (--solver-iterations ${b.solverIterations}); raising it helps too.`
    : '';
  if (f.inconsistent)
    return {
      looseBound: 'oracle',
      by: dualBy,
      advice: "A dual bound exceeds a network's objective, so an oracle upper bound is not sound and no verdict is claimed; please report this case.",
    };
  const o = f.oracle;
  if (!o.exact && !(o.upper <= o.lower * (1 + f.tol))) {
    const ratio = Number.isFinite(o.upper) ? `${fmt(o.upper / f.beta, 3)}×β` : 'unbounded';
    return {
      looseBound: 'oracle',
      by: dualBy,
      advice:
        `The oracle's upper bound on M(Λ) is ${ratio} after ${o.patterns.toLocaleString('en-US')} activation patterns (${o.method}, not exact; ` +
        `the best direction found reaches ${fmt(o.lower / f.beta, 4)}×β), so ${short}; ${interval}. ` +
        `Raise --pattern-budget (now ${b.patternBudget.toLocaleString('en-US')}) so the oracle can enumerate the patterns exactly.`,
    };
  }
  if (!cg.ran)
    return {
      looseBound: 'dual',
      by: dualBy,
      advice: `Column generation did not run (--max-iterations ${b.maxIterations}), so the dual bound is the one from the network's own residual: ${short}; ${interval}. Allow column-generation iterations (--max-iterations) to improve it.`,
    };
  switch (cg.stopKind) {
    case 'iteration-budget':
      return {
        looseBound: 'dual',
        by: dualBy,
        advice: `Column generation stopped after ${its(cg.iterations)} (the --max-iterations budget) with ${interval}: ${short}. Raise --max-iterations (now ${b.maxIterations}).${solverNote}`,
      };
    case 'safety-limit':
      return {
        looseBound: 'dual',
        by: dualBy,
        advice:
          `Column generation was stopped by the wall-clock safety limit (${fmt((b.timeBudgetMs ?? 0) / 1000)} s) after ${its(cg.iterations)} with ${interval}: ${short}. ` +
          'Raise --time-budget; these numbers depend on the machine.',
      };
    case 'stopped':
      return { looseBound: 'dual', by: dualBy, advice: `The analysis was cancelled after ${its(cg.iterations)} of column generation with ${interval}: ${short}.` };
    case 'optimal': {
      const tolFor = Number(relGap.toPrecision(2)) >= relGap ? Number(relGap.toPrecision(2)) : Number((relGap * 1.05).toPrecision(2));
      return {
        looseBound: dualBy >= primalBy ? 'dual' : 'primal',
        by: Math.max(dualBy, primalBy),
        advice:
          `P* is pinned down (${interval}, an exact oracle confirmed the restricted optimum) and this network's objective ${fmt(P)} is ` +
          `${pct((P - f.bestPrimal) / scale)}–${pct(relGap)} above it: on the tolerance line. --tol ${tolFor} would certify it.`,
      };
    }
    default:
      return {
        looseBound: primalBy > dualBy && cg.stopKind !== 'stalled' ? 'primal' : 'dual',
        by: primalBy > dualBy && cg.stopKind !== 'stalled' ? primalBy : dualBy,
        advice:
          `Column generation stopped after ${its(cg.iterations)} (${cg.stopReason}) with ${interval}: ${short}. ` +
          (cg.solverBudgetHits
            ? `Raise --solver-iterations (now ${b.solverIterations}) so the restricted problems are solved to their tolerance.`
            : `The restricted problem is solved as accurately as floating point allows here; a --tol of ${fmt(relGap * 1.05, 2)} would decide.`),
      };
  }
}
