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
import { LASSO_REL_TOL, lassoNetwork, offsetModeFor, solveLasso } from './lasso';

/** Lasso tolerance for the one tighter re-solve when column generation would stall. */
export const TIGHT_LASSO_REL_TOL = 1e-15;
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
import { DEFAULT_TOL, type CertificateResult, type CertifySettings, type NetworkWeights } from './types';
import { decideVerdict, fmt, REBALANCE_MEANING, REBALANCE_REL_TOL, rebalancedInfo, VERDICT_TOL_MEANING } from './verdict';

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
  /** adds a direction unless it duplicates one or is zero on all data; returns whether added */
  add(dir: Float64Array): boolean {
    if (!dir.every(Number.isFinite)) return false;
    if (this.has(dir)) return false;
    const u = unitFor(dir);
    const a = featureActivation(this.X, dir, this.modes.hiddenBias);
    if (!a.some((v) => v > 0)) return false;
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
  stage('column-generation');
  let iterations = 0;
  let directions = 0;
  let cgRan = false;
  let lassoOptimal = false;
  let stopReason = '';
  const cgNotes: string[] = [];
  if (!isCertified() && !(cf && hasWitness()) && settings.maxIterations > 0) {
    cgRan = true;
    const feats = new FeatureSet(X, modes);
    for (const v of ownDirs) feats.add(v);
    const d0 = oracleDirection(or0, d, modes);
    if (d0 && or0.lower > 0) feats.add(d0);
    const offMode = offsetModeFor(modes);
    let warm: { Z: Float64Array[]; b2?: Float64Array } | undefined;
    const cgStart = performance.now();
    const budgetMs = settings.timeBudgetMs ?? Infinity;
    const refineAfter = settings.refineAfterWitness ?? Infinity;
    let witnessAt = hasWitness() ? 0 : -1;
    // The oracle can return a direction already present when the restricted lasso is solved only
    // to its tolerance; solving it once more, tighter, often closes the dual gap (soundness suite,
    // regression 'inconclusive-with-exact-oracle').
    let tight = false;
    while (iterations < settings.maxIterations) {
      if (settings.shouldStop?.()) {
        stopReason = 'stopped on request';
        break;
      }
      if (witnessAt < 0 && hasWitness()) witnessAt = iterations;
      if (witnessAt >= 0 && iterations - witnessAt >= refineAfter) {
        stopReason = `not optimal is proven; P* interval refined for ${refineAfter} more iteration(s)`;
        break;
      }
      if (performance.now() - cgStart > budgetMs) {
        stopReason = `time budget (${budgetMs} ms) reached`;
        break;
      }
      iterations++;
      stage('column-generation', `iteration ${iterations}, ${feats.list.length} directions`);
      const lasso = solveLasso(
        feats.list.map((f) => f.a),
        Y,
        beta,
        offMode,
        tight ? { warm, relTol: TIGHT_LASSO_REL_TOL, maxSweeps: 200_000 } : { warm },
      );
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
          break;
        }
        throw e;
      }
      const sdt = bestScale(Lt, Y, beta, modes, ort.upper, sigmaXt);
      if (sdt.value > best.value) best = { value: sdt.value, point: 'column-generation', oracle: ort, s: sdt.s, Mbar: ort.upper };
      if (isCertified()) {
        stopReason = 'certified';
        break;
      }
      if (ort.exact && ort.upper <= beta * (1 + OPTIMAL_M_TOL)) {
        lassoOptimal = true;
        stopReason = 'the restricted optimum is globally optimal (exact oracle: M ≤ β)';
        break;
      }
      const dn = oracleDirection(ort, d, modes);
      if (dn && ort.lower > 0 && ort.exact && !tight && feats.has(dn)) {
        tight = true;
        continue;
      }
      if (!dn || !(ort.lower > 0) || !feats.add(dn)) {
        stopReason = ort.exact
          ? 'the oracle returned a direction already present (restricted problem solved to its tolerance)'
          : 'the oracle found no new direction';
        break;
      }
    }
    if (!stopReason) stopReason = `iteration limit (${settings.maxIterations}) reached`;
    directions = feats.list.length;
    cgNotes.push(`column generation: ${iterations} iteration(s); stop: ${stopReason}`);
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
  const { gap, relGap, pstarInterval, summary } = v;

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
  };
  timings.total = now() - tStart;
  return result;
}

function cgReachedOptimum(reason: string): boolean {
  return reason === 'certified' || reason.startsWith('the restricted optimum');
}

