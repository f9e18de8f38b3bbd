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
import { type Mat, zeros } from '../linalg/mat';
import { usageError } from '../errors';
import { sigmaMax, SIGMA_REL_SLACK } from '../linalg/decomp';
import type { OracleFn, OracleOptions, OracleResult } from '../oracle/types';
import { betaFromSpec } from './beta';
import { detectClosedForm, RANK_ONE_TOL, WHITENED_TOL } from './closedForms';
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
import {
  buildXt,
  featureActivation,
  featureDim,
  impliedBeta,
  neuronDirections,
  neuronInfos,
  networkObjective,
  rebalance,
  resolveModes,
  type CertifyModes,
} from './objective';
import { DEFAULT_TOL, type CertificateResult, type CertifySettings, type InconclusiveReason, type NetworkWeights } from './types';
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

export function certifyNetwork(
  net: NetworkWeights,
  X: Mat,
  Y: Mat,
  settings: CertifySettings,
  oracle: OracleFn,
): CertificateResult {
  const tStart = now();
  const timings: Record<string, number> = {};
  let tStage = tStart;
  const lap = (name: string) => {
    const t = now();
    timings[name] = t - tStage;
    tStage = t;
  };
  const stage = (s: string, detail?: string) => settings.onStage?.(s, detail);

  stage('validate');
  validate(net, X, Y);
  const n = X.rows, d = X.cols, c = Y.cols, m = net.W1.rows;
  const { modes, warnings } = resolveModes(net, { hiddenBias: settings.hiddenBias, outputBias: settings.outputBias });
  const betaInfo = betaFromSpec(settings.beta, n, c);
  warnings.push(...betaInfo.warnings);
  const beta = betaInfo.beta;
  const tol = settings.tol > 0 && Number.isFinite(settings.tol) ? settings.tol : DEFAULT_TOL;
  if (tol !== settings.tol) warnings.push(`tol ${settings.tol} is not a positive number; using ${DEFAULT_TOL}.`);
  lap('validate');

  // ---- objective, rebalancing, dead neurons, implied β
  stage('objective');
  const asTrained = networkObjective(net, X, Y, beta, modes);
  const infos = neuronInfos(net, X, asTrained.R, beta, modes);
  const bal = rebalance(net, infos, asTrained.loss, beta, modes);
  const Pbal = bal.objective;
  const implied = impliedBeta(asTrained.R, asTrained.F, net.b2, infos, modes);
  const impliedB = implied.beta;
  const impliedBetaMismatch = impliedB !== null && Math.abs(impliedB - beta) > IMPLIED_BETA_MISMATCH * beta;
  if (impliedBetaMismatch)
    warnings.push(
      `Implied β = ⟨R, F − 1b2ᵀ⟩/Σ‖ũ_j‖‖v_j‖ = ${fmt(impliedB!)} differs from the declared β = ${fmt(beta)} by more than ` +
        `${IMPLIED_BETA_MISMATCH * 100}%: either the declared β is wrong or training did not converge.`,
    );
  if (settings.beta.kind === 'pytorch' && settings.beta.optimizer === 'adamw' && impliedB !== null)
    warnings.push(`AdamW: the implied β of this network is ${fmt(impliedB)} (rerun with β = ${fmt(impliedB)} to certify against it).`);
  const deadCount = infos.filter((s) => s.dead).length;
  if (deadCount) warnings.push(`${deadCount} of ${m} neurons are dead (zero on all data, or zero output weights) and were dropped.`);
  lap('objective');

  // ---- oracle on the residual
  stage('oracle', 'residual');
  const Xt = buildXt(X, modes.hiddenBias);
  const dd = featureDim(d, modes.hiddenBias);
  const ownDirs = neuronDirections(net, infos, modes);
  const baseOpts: Partial<OracleOptions> = {
    hiddenBias: modes.hiddenBias,
    patternBudget: settings.patternBudget,
    seed: settings.seed,
    shouldStop: settings.shouldStop,
    // a global search may drop regions whose bound is ≤ β: M̄ ≤ β is all a feasible dual point needs
    stopBelow: beta,
  };
  // hints: unit feature directions, rows of length d̃ (free hidden bias: [u; b] with ‖u‖ = 1)
  const ownHints = hintsMat(ownDirs, dd);
  /**
   * The oracle, guarded: cancellation propagates; any other failure is reported as a warning and
   * yields the trivial result M̄ = ∞ (no dual bound from that call — sound, merely uninformative).
   */
  const callOracle = (L: Mat, opts: Partial<OracleOptions>, what: string): OracleResult => {
    try {
      return oracle(Xt, L, opts);
    } catch (e) {
      if (settings.shouldStop?.()) throw e;
      const msg = e instanceof Error ? e.message : String(e);
      warnings.push(`The oracle failed on ${what} (internal error: ${msg}); no dual bound from that call.`);
      return {
        exact: false,
        method: 'bounds',
        upper: Infinity,
        lower: 0,
        argmax: new Float64Array(Xt.cols),
        argmaxBias: 0,
        outputDir: new Float64Array(c),
        patterns: 0,
        rank: 0,
        roundingAllowance: 0,
        notes: [`oracle failed: ${msg}`],
      };
    }
  };
  // σ_max(X̃) once: bestScale needs it to account for rounding in Λᵀ1 = 0
  const sigmaXt = sigmaMax(Xt) * (1 + SIGMA_REL_SLACK);
  const L0 = feasibleDirection(asTrained.R, modes);
  const or0 = callOracle(L0, { ...baseOpts, hints: ownHints }, 'the residual');
  const sd0 = bestScale(L0, Y, beta, modes, or0.upper, sigmaXt);
  let best: DualRecord = { value: sd0.value, point: 'residual', oracle: or0, s: sd0.s, Mbar: or0.upper };
  let witness: WitnessRecord | null = null;
  let bestPrimal = Pbal;
  const offerWitness = (w: NetworkWeights, description: string) => {
    const obj = networkObjective(w, X, Y, beta, modes).objective; // from scratch, by forward()
    if (!Number.isFinite(obj)) return;
    if (obj < bestPrimal) bestPrimal = obj;
    if (!witness || obj < witness.objective) witness = { net: w, objective: obj, description };
  };
  const isCertified = () => Pbal - best.value <= tol * Pbal;
  const hasWitness = () => witness !== null && (witness as WitnessRecord).objective < Pbal * (1 - tol);
  lap('oracleResidual');

  // ---- closed forms
  stage('closed-form');
  const cf = detectClosedForm(X, Y, beta, modes);
  let closedForm: string | null = null;
  if (cf) {
    closedForm = cf.name;
    const orc = callOracle(cf.dualPoint, { ...baseOpts, hints: ownHints }, `the closed form's dual point`);
    const Mbar = Math.min(orc.upper, cf.dualPointMUpper);
    const sdc = bestScale(cf.dualPoint, Y, beta, modes, Mbar, sigmaXt);
    const orUsed: OracleResult =
      Mbar < orc.upper
        ? { ...orc, upper: Mbar, notes: [...orc.notes, `closed form '${cf.name}': structural bound M̄ = ${fmt(Mbar)} used`] }
        : orc;
    if (sdc.value > best.value) best = { value: sdc.value, point: 'closed-form', oracle: orUsed, s: sdc.s, Mbar };
    offerWitness(cf.network, `closed-form optimum (${cf.name}), P* = ${fmt(cf.pstar)}`);
    if (Math.abs(sdc.value - cf.pstar) > 1e-8 * Math.max(1, Math.abs(cf.pstar)))
      warnings.push(
        `Closed form '${cf.name}': its dual point gives D = ${fmt(sdc.value)} but the formula gives P* = ${fmt(cf.pstar)}; ` +
          'the bound actually used is the dual value.',
      );
  }
  lap('closedForm');

  // ---- column generation
  // Budgets in work units (MATH.md §4): column-generation iterations, oracle patterns, lasso sweeps;
  // the wall clock (timeBudgetMs) is only an outer safety stop and says so when it fires.
  stage('column-generation');
  let iterations = 0;
  let directions = 0;
  let cgRan = false;
  let lassoOptimal = false;
  let stopReason = '';
  let stopKind: CgStopKind = 'not-run';
  let nearDuplicates = 0;
  let lassoUnconverged = 0;
  const solverIterations = settings.solverIterations ?? DEFAULT_LASSO_MAX_SWEEPS;
  const cgNotes: string[] = [];
  if (!isCertified() && !(cf && hasWitness()) && settings.maxIterations > 0) {
    cgRan = true;
    const feats = new FeatureSet(X, modes);
    for (const v of ownDirs) feats.add(v);
    const d0 = oracleDirection(or0, d, modes);
    if (d0 && or0.lower > 0) feats.add(d0);
    const offMode = offsetModeFor(modes);
    let warm: { Z: Float64Array[]; b2?: Float64Array } | undefined;
    const cgStart = now();
    const budgetMs = settings.timeBudgetMs ?? Infinity;
    const refineAfter = settings.refineAfterWitness ?? Infinity;
    let witnessAt = hasWitness() ? 0 : -1;
    // When the oracle's argmax is a direction already present, the restricted lasso was solved only
    // to its tolerance: from then on it is solved tighter (TIGHT_LASSO_REL_TOL, more sweeps).
    let tight = false;
    while (iterations < settings.maxIterations) {
      if (settings.shouldStop?.()) {
        stopReason = 'stopped on request';
        stopKind = 'stopped';
        break;
      }
      if (witnessAt < 0 && hasWitness()) witnessAt = iterations;
      if (witnessAt >= 0 && iterations - witnessAt >= refineAfter) {
        stopReason = `not optimal is proven; P* interval refined for ${refineAfter} more iteration(s)`;
        stopKind = 'witness-refined';
        break;
      }
      if (now() - cgStart >= budgetMs) {
        stopReason = `stopped by the wall-clock safety limit (${fmt(budgetMs / 1000)} s) after ${iterations} iteration(s)`;
        stopKind = 'safety-limit';
        warnings.push(
          `Column generation was ${stopReason}; the numbers depend on this machine's speed. ` +
            'Raise --time-budget (the safety limit) or lower the work budgets to get reproducible numbers.',
        );
        break;
      }
      iterations++;
      stage('column-generation', `iteration ${iterations}, ${feats.list.length} directions`);
      const lasso = solveLasso(
        feats.list.map((f) => f.a),
        Y,
        beta,
        offMode,
        tight
          ? { warm, relTol: TIGHT_LASSO_REL_TOL, maxSweeps: TIGHT_LASSO_SWEEP_FACTOR * solverIterations }
          : { warm, maxSweeps: solverIterations },
      );
      if (!lasso.converged) lassoUnconverged++;
      warm = { Z: lasso.Z, b2: lasso.b2 };
      const lnet = lassoNetwork(
        feats.list.map((f) => f.dir),
        lasso.Z,
        lasso.b2,
        d,
        modes,
      );
      offerWitness(lnet, `column generation: group lasso over ${feats.list.length} neuron directions (iteration ${iterations})`);
      const Lt = feasibleDirection(lasso.residual, modes);
      const activeDirs = feats.list.filter((_, k) => lasso.Z[k].some((v) => v !== 0)).map((f) => f.dir);
      let ort: OracleResult;
      try {
        ort = callOracle(
          Lt,
          { ...baseOpts, seed: settings.seed + iterations, hints: hintsMat(activeDirs, dd) },
          `the column-generation residual (iteration ${iterations})`,
        );
      } catch (e) {
        if (settings.shouldStop?.()) {
          stopReason = 'stopped on request';
          stopKind = 'stopped';
          break;
        }
        throw e;
      }
      const sdt = bestScale(Lt, Y, beta, modes, ort.upper, sigmaXt);
      if (sdt.value > best.value) best = { value: sdt.value, point: 'column-generation', oracle: ort, s: sdt.s, Mbar: ort.upper };
      if (isCertified()) {
        stopReason = 'certified';
        stopKind = 'certified';
        break;
      }
      if (ort.exact && ort.upper <= beta * (1 + OPTIMAL_M_TOL)) {
        lassoOptimal = true;
        stopReason = 'the restricted optimum is globally optimal (exact oracle: M ≤ β)';
        stopKind = 'optimal';
        break;
      }
      const dn = oracleDirection(ort, d, modes);
      if (!dn || !(ort.lower > 0)) {
        stopReason = 'the oracle found no new direction';
        stopKind = 'stalled';
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
      stopReason = ort.exact
        ? 'the oracle returned a direction already present (restricted problem solved to its tolerance)'
        : 'the oracle found no new direction';
      stopKind = 'stalled';
      break;
    }
    if (!stopReason) {
      stopReason = `iteration limit (${settings.maxIterations}) reached`;
      stopKind = 'iteration-budget';
    }
    directions = feats.list.length;
    cgNotes.push(`column generation: ${iterations} iteration(s); stop: ${stopReason}`);
    if (nearDuplicates) cgNotes.push(`${nearDuplicates} oracle direction(s) within the dedup tolerance of a present one were added as distinct columns (different activations near a kink)`);
    if (lassoUnconverged) cgNotes.push(`${lassoUnconverged} restricted lasso solve(s) stopped at the solver budget (${solverIterations} sweeps) before their tolerance`);
    if (!cgReachedOptimum(stopReason) && !isCertified()) cgNotes.push('column generation did not reach the optimum');
  }
  lap('columnGeneration');

  // ---- verdict: about the weights as given (MATH.md §3.1)
  const rebalanced = rebalancedInfo(bal.net, infos, (w) => networkObjective(w, X, Y, beta, modes).objective);
  const w = witness as WitnessRecord | null;
  const v = decideVerdict({
    primalAsGiven: asTrained.objective,
    rebalanced,
    dualBound: best.value,
    dualPoint: best.point,
    oracle: best.oracle,
    tol,
    witness: w,
    bestPrimal,
    what: `squared loss, β = ${fmt(beta)}`,
  });
  if (v.inconsistency) warnings.push(v.inconsistency);
  const verdict = v.verdict;
  if (verdict === 'inconclusive' && !v.inconsistency && lassoOptimal)
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
          cg: { ran: cgRan, iterations, stopKind, stopReason, solverBudgetHits: lassoUnconverged },
          budgets: { maxIterations: settings.maxIterations, patternBudget: settings.patternBudget, solverIterations, timeBudgetMs: settings.timeBudgetMs },
        })
      : undefined;
  const summary = inconclusiveReason ? `${v.summary} ${inconclusiveReason.advice}` : v.summary;

  const oracleUsed: OracleResult = { ...best.oracle, notes: [...best.oracle.notes, ...cgNotes] };
  const tolerances: CertificateResult['tolerances'] = {
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
    oracleRounding: { value: best.oracle.roundingAllowance, meaning: "the oracle's rounding allowance included in its upper bound M̄" },
    ...budgetTolerances(settings, solverIterations, 'coordinate-descent sweeps of each restricted group-lasso solve (a work budget; --solver-iterations)'),
  };

  const result: CertificateResult = {
    verdict,
    summary,
    beta,
    betaInfo,
    impliedBeta: impliedB,
    impliedBetaMismatch,
    hiddenBias: modes.hiddenBias,
    outputBias: modes.outputBias,
    n,
    d,
    c,
    m,
    primalAsTrained: asTrained.objective,
    primal: Pbal,
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
    closedForm,
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
    columnGeneration: cgRan
      ? { iterations, directions, stopReason, reachedOptimum: isCertified() || lassoOptimal }
      : null,
    ...(inconclusiveReason ? { inconclusiveReason } : {}),
  };
  timings.total = now() - tStart;
  return result;
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
