/**
 * certifyClassification: MATH.md §3 for the hinge, logistic and cross-entropy losses (§8).
 *
 * Stages as in src/core/certify/certify.ts: validate → β → objective (as trained, rebalanced,
 * dead neurons dropped) → oracle on the candidate Λ0 = −∇ℓ(F) made domain-feasible → column
 * generation (restricted problem with the loss, ./solver.ts, over own neurons + the oracle's
 * argmaxes) → verdict. Soundness: every dual bound is D(sΛ0) with s ≤ min(1, β/M̄'), M̄ the oracle's
 * UPPER bound, minus the allowance of ./dualPoint.ts; every objective behind 'not-optimal' is
 * recomputed from a concrete network's weights with the loss (lossObjective).
 */
import { impliedBetaWarning } from '../certify/impliedBetaText';
import type { Mat } from '../linalg/mat';
import { usageError } from '../errors';
import { sigmaMax, SIGMA_REL_SLACK } from '../linalg/decomp';
import type { OracleFn, OracleOptions, OracleResult } from '../oracle/types';
import { lassoNetwork, offsetModeFor } from '../certify/lasso';
import {
  budgetTolerances,
  type CgStopKind,
  DEDUP_TOL,
  explainInconclusive,
  FeatureSet,
  hintsMat,
  maxColumnCorrelation,
  NEAR_DUPLICATE_GAIN,
  oracleDirection,
  TIGHT_LASSO_SWEEP_FACTOR,
} from '../certify/certify';
import { buildXt, featureDim } from '../problem/features';
import { impliedBeta, neuronDirections, neuronInfos, rebalance, resolveModes } from '../problem/objective';
import { fmt, rebalancedInfo, REBALANCE_MEANING, REBALANCE_REL_TOL, VERDICT_TOL_MEANING } from '../certify/verdict';
import { DEFAULT_TOL, type CertificateResult, type CertifySettings } from '../certify/types';
import type { NetworkWeights } from '../problem/network';
import type { LossName } from '../problem/loss';
import { lossOf, type LossRef } from './registry';
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
import { buildResult, type DualRecord, type WitnessRecord } from './result';
import { detectHingeWhitened } from './closedForm';

/** Two unit directions with cosine ≥ 1 − this and the same activation pattern are one feature. */
export const LOSS_DEDUP_TOL = DEDUP_TOL;
/** Column generation stops as optimal when an exact oracle gives M(Λ_t) ≤ β(1 + this). */
export const LOSS_OPTIMAL_M_TOL = 1e-9;
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
  const n = X.rows, d = X.cols, m = net.W1.rows, c = net.W2.rows;
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
  const tStart = performance.now();
  const timings: Record<string, number> = {};
  let tStage = tStart;
  const lap = (name: string) => {
    const t = performance.now();
    timings[name] = t - tStage;
    tStage = t;
  };
  const stage = (s: string, detail?: string) => settings.onStage?.(s, detail);

  stage('validate');
  validate(net, X, Yraw);
  const n = X.rows, d = X.cols, c = net.W2.rows, m = net.W1.rows;
  const Y = labelsForLoss(Yraw, loss, c);
  const { modes, warnings } = resolveModes(net, { hiddenBias: settings.hiddenBias, outputBias: settings.outputBias });
  const betaInfo = betaForLoss(settings.beta, n, c, loss);
  warnings.push(...betaInfo.warnings);
  const beta = betaInfo.beta;
  const tol = settings.tol > 0 && Number.isFinite(settings.tol) ? settings.tol : DEFAULT_TOL;
  if (tol !== settings.tol) warnings.push(`tol ${settings.tol} is not a positive number; using ${DEFAULT_TOL}.`);
  lap('validate');

  stage('objective');
  const asTrained = lossObjective(net, X, Y, beta, modes, loss);
  const infos = neuronInfos(net, X, asTrained.R, beta, modes);
  const bal = rebalance(net, infos, asTrained.loss, beta, modes);
  const Pbal = bal.objective;
  const implied = impliedBeta(asTrained.R, asTrained.F, net.b2, infos, modes);
  const impliedBetaMismatch = implied.beta !== null && Math.abs(implied.beta - beta) > LOSS_IMPLIED_BETA_MISMATCH * beta;
  const impliedText = impliedBetaWarning(implied.beta, beta, LOSS_IMPLIED_BETA_MISMATCH, '⟨−∇ℓ(F), F − 1b2ᵀ⟩/Σ‖ũ_j‖‖v_j‖');
  if (impliedText) warnings.push(impliedText);
  const deadCount = infos.filter((s) => s.dead).length;
  if (deadCount) warnings.push(`${deadCount} of ${m} neurons are dead (zero on all data, or zero output weights) and were dropped.`);
  lap('objective');

  stage('oracle', 'candidate −∇ℓ(F)');
  const Xt = buildXt(X, modes.hiddenBias);
  const dd = featureDim(d, modes.hiddenBias);
  const ownDirs = neuronDirections(net, infos, modes);
  const baseOpts: Partial<OracleOptions> = {
    hiddenBias: modes.hiddenBias,
    patternBudget: settings.patternBudget,
    nodeBudget: settings.nodeBudget,
    seed: settings.seed,
    shouldStop: settings.shouldStop,
    // a global search may drop regions whose bound is ≤ β: M̄ ≤ β is all a feasible dual point needs
    stopBelow: beta,
  };
  const sigma = mLipschitz(modes, sigmaMax(Xt) * (1 + SIGMA_REL_SLACK), X);
  const failed = (msg: string): OracleResult => ({
    exact: false, method: 'bounds', upper: Infinity, lower: 0, argmax: new Float64Array(Xt.cols), argmaxBias: 0,
    outputDir: new Float64Array(c), patterns: 0, rank: 0, roundingAllowance: 0, notes: [msg],
  });
  const callOracle = (L: Mat, opts: Partial<OracleOptions>, what: string): OracleResult => {
    try {
      return oracle(Xt, L, opts);
    } catch (e) {
      if (settings.shouldStop?.()) throw e;
      const msg = e instanceof Error ? e.message : String(e);
      warnings.push(`The oracle failed on ${what} (internal error: ${msg}); no dual bound from that call.`);
      return failed(`oracle failed: ${msg}`);
    }
  };
  const scoreDirection = (L0: Mat | null, hints: Mat | undefined, what: string, seed: number): DualRecord & { or: OracleResult; L0: Mat | null } => {
    if (!L0) {
      const or = failed('no domain-feasible direction with Λᵀ1 = 0 (a label column has a single class)');
      return { value: 0, point: 'residual', oracle: or, s: 0, or, L0 };
    }
    const or = callOracle(L0, { ...baseOpts, seed, hints }, what);
    const sd = lossBestScale(L0, Y, loss, beta, modes, or.upper, sigma);
    if (sd.note && sd.s === 0 && Number.isFinite(or.upper) && sd.note !== 'the best scale is 0') warnings.push(`Dual point from ${what} not used: ${sd.note}.`);
    return { value: sd.value, point: 'residual', oracle: or, s: sd.s, or, L0 };
  };
  const ownHints = hintsMat(ownDirs, dd);
  const r0 = scoreDirection(dualDirection(asTrained.F, Y, loss, modes), ownHints, 'the candidate −∇ℓ(F)', settings.seed);
  let best: DualRecord & { L0: Mat | null } = r0;
  let witness: WitnessRecord | null = null;
  let bestPrimal = Pbal;
  const offerWitness = (w: NetworkWeights, description: string) => {
    const obj = lossObjective(w, X, Y, beta, modes, loss).objective; // from the weights, with the loss
    if (!Number.isFinite(obj)) return;
    if (obj < bestPrimal) bestPrimal = obj;
    if (!witness || obj < witness.objective) witness = { net: w, objective: obj, description };
  };
  // MATH.md §5: hinge on whitened data has P* in closed form; its λ* is an exact dual point and its
  // network a witness (both checked by the same rules as any other)
  const closed = loss.name === 'hinge' ? detectHingeWhitened(X, Y, beta, modes) : null;
  if (closed) {
    const sd = lossBestScale(closed.dualPoint, Y, loss, beta, modes, closed.dualPointMUpper, sigma);
    if (sd.value > best.value) best = { value: sd.value, point: 'closed-form', oracle: r0.oracle, s: sd.s, L0: closed.dualPoint };
    offerWitness(closed.network, 'closed form: hinge loss on whitened data [EP Thm 12]');
  }
  const isCertified = () => Pbal - best.value <= tol * Pbal;
  const hasWitness = () => witness !== null && (witness as WitnessRecord).objective < Pbal * (1 - tol);
  lap('oracleResidual');

  // Budgets in work units: column-generation iterations, oracle patterns, solver iterations; the
  // wall clock (timeBudgetMs) is only an outer safety stop and says so when it fires.
  stage('column-generation');
  let iterations = 0;
  let cgRan = false;
  let lassoOptimal = false;
  let stopReason = '';
  let stopKind: CgStopKind = 'not-run';
  let nearDuplicates = 0;
  let solverUnconverged = 0;
  const solverIterations = settings.solverIterations ?? DEFAULT_LOSS_SOLVER_ITERATIONS;
  // the hinge's smoothing error n·c·μ/2 must sit well below the gap the verdict needs
  const hingeSmoothingRel = hingeSmoothingFor(tol);
  const feats = new FeatureSet(X, modes); // the squared certificate's feature set: same dedup rule (DEDUP_TOL)
  const dirsOf = () => feats.list.map((f) => f.dir);
  if (!isCertified() && settings.maxIterations > 0) {
    cgRan = true;
    for (const v of ownDirs) feats.add(v);
    const d0 = oracleDirection(r0.or, d, modes);
    if (d0 && r0.or.lower > 0) feats.add(d0);
    const offMode = offsetModeFor(modes);
    let warm: { Z: Float64Array[]; b2?: Float64Array } | undefined;
    let muStart: number | undefined;
    const cgStart = performance.now();
    const budgetMs = settings.timeBudgetMs ?? Infinity;
    const refineAfter = settings.refineAfterWitness ?? Infinity;
    let witnessAt = hasWitness() ? 0 : -1;
    // once the oracle's argmax is a present column, the restricted problem is solved tighter
    let tight = false;
    const safetyStop = () => {
      stopReason = `stopped by the wall-clock safety limit (${fmt(budgetMs / 1000)} s) after ${iterations} iteration(s)`;
      stopKind = 'safety-limit';
      warnings.push(
        `Column generation was ${stopReason}; the numbers depend on this machine's speed. ` +
          'Raise --time-budget (the safety limit) or lower the work budgets to get reproducible numbers.',
      );
    };
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
      if (performance.now() - cgStart >= budgetMs) {
        safetyStop();
        break;
      }
      iterations++;
      stage('column-generation', `iteration ${iterations}, ${feats.list.length} directions`);
      if (feats.list.length === 0) {
        stopReason = 'no live neuron direction to start from';
        stopKind = 'stalled';
        break;
      }
      const sol = solveLossLasso(feats.list.map((f) => f.a), Y, beta, offMode, loss, {
        warm,
        muStart,
        hingeSmoothingRel: tight ? Math.max(HINGE_SMOOTHING_FLOOR, LOSS_TIGHT_FACTOR * hingeSmoothingRel) : hingeSmoothingRel,
        relTol: tight ? LOSS_TIGHT_FACTOR * LOSS_LASSO_REL_TOL : LOSS_LASSO_REL_TOL,
        maxIterations: tight ? TIGHT_LASSO_SWEEP_FACTOR * solverIterations : solverIterations,
        deadline: cgStart + budgetMs,
        shouldStop: settings.shouldStop,
      });
      if (!sol.converged && sol.stoppedBy === 'iteration-budget') solverUnconverged++;
      warm = { Z: sol.Z, b2: sol.b2 };
      if (sol.mu > 0) muStart = Math.min(1, 1000 * sol.mu); // the next (warm) hinge solve starts a few smoothing levels back (a new feature enters at 0)
      offerWitness(lassoNetwork(dirsOf(), sol.Z, sol.b2, d, modes), `column generation: restricted ${loss.name} problem over ${feats.list.length} neuron directions (iteration ${iterations})`);
      const active = dirsOf().filter((_, k) => sol.Z[k].some((v) => v !== 0));
      // the solver's best dual candidate (hinge: smoothed gradient or its active-set polish), into the domain
      const L0 = fixDirection({ rows: sol.lambda.rows, cols: sol.lambda.cols, data: Float64Array.from(sol.lambda.data) }, Y, loss, modes);
      const rt = scoreDirection(L0, hintsMat(active, dd), `the column-generation candidate (iteration ${iterations})`, settings.seed + iterations);
      if (rt.value > best.value) best = { ...rt, point: 'column-generation' };
      if (isCertified()) {
        stopReason = 'certified';
        stopKind = 'certified';
        break;
      }
      const wb = witness as WitnessRecord | null;
      if (wb && wb.objective - best.value <= LOSS_OPTIMUM_FRACTION * tol * wb.objective) {
        stopReason = `the optimum is found (best network and dual bound within ${LOSS_OPTIMUM_FRACTION}·tol)`;
        stopKind = 'optimal';
        break;
      }
      if (rt.or.exact && rt.or.upper <= beta * (1 + LOSS_OPTIMAL_M_TOL) && sol.converged) {
        lassoOptimal = true;
        stopReason = 'the restricted optimum is globally optimal (exact oracle: M ≤ β)';
        stopKind = 'optimal';
        break;
      }
      if (sol.stoppedBy === 'safety-limit') {
        safetyStop();
        break;
      }
      const dn = oracleDirection(rt.or, d, modes);
      if (!dn || !(rt.or.lower > 0) || !L0) {
        stopReason = 'the oracle found no new direction';
        stopKind = 'stalled';
        break;
      }
      if (feats.add(dn)) continue;
      // within DEDUP_TOL of a present direction: a distinct column when it beats every present one
      // at this dual point (near a kink), else the restricted problem was not solved exactly
      if (rt.or.lower > maxColumnCorrelation(feats.list, L0) * (1 + NEAR_DUPLICATE_GAIN) && feats.add(dn, true)) {
        nearDuplicates++;
        continue;
      }
      if (rt.or.exact && !tight) {
        tight = true;
        continue;
      }
      stopReason = rt.or.exact ? 'the oracle returned a direction already present' : 'the oracle found no new direction';
      stopKind = 'stalled';
      break;
    }
    if (!stopReason) {
      stopReason = `iteration limit (${settings.maxIterations}) reached`;
      stopKind = 'iteration-budget';
    }
  }
  lap('columnGeneration');

  const w = witness as WitnessRecord | null;
  // the optimum: the best network found when the dual bound closes on it
  let optimal: NetworkWeights | null = null;
  if (w && w.objective - best.value <= tol * w.objective) optimal = w.net;
  else if (isCertified() && (!w || w.objective >= Pbal)) optimal = bal.net;

  const tolerances: CertificateResult['tolerances'] = {
    tol: { value: tol, meaning: VERDICT_TOL_MEANING },
    rebalance: { value: REBALANCE_REL_TOL, meaning: REBALANCE_MEANING },
    lossDualRounding: { value: LOSS_DUAL_ROUNDING_PER_TERM, meaning: 'relative rounding allowance per summed term of −ℓ*(−Λ) and the b2 term, subtracted from every dual value' },
    domainMargin: { value: DOMAIN_MARGIN, meaning: "distance kept between a dual direction's entries and the boundary of the conjugate's domain" },
    dedup: { value: LOSS_DEDUP_TOL, meaning: 'two neuron directions with cosine ≥ 1 − dedup and the same activation pattern are one feature' },
    lossLassoRelGap: { value: LOSS_LASSO_REL_TOL, meaning: 'restricted problem solves stop at this relative duality gap' },
    hingeSmoothing: {
      value: hingeSmoothingRel,
      meaning: `hinge only: the solver smooths the hinge with μ until n·c·μ/2 ≤ this × objective: ${HINGE_SMOOTHING_TOL_FRACTION}·tol within [${HINGE_SMOOTHING_FLOOR}, ${HINGE_SMOOTHING_REL}] (witnesses use the true hinge)`,
    },
    optimumFraction: { value: LOSS_OPTIMUM_FRACTION, meaning: 'column generation stops when the best network and the dual bound agree to this fraction of tol' },
    optimalM: { value: LOSS_OPTIMAL_M_TOL, meaning: 'column generation stops as optimal when an exact oracle gives M(Λ) ≤ β(1 + optimalM)' },
    impliedBetaMismatch: { value: LOSS_IMPLIED_BETA_MISMATCH, meaning: 'relative difference of implied and declared β that is flagged' },
    oracleRounding: { value: best.oracle.roundingAllowance, meaning: "the oracle's rounding allowance included in its upper bound M̄" },
    ...budgetTolerances(settings, solverIterations, 'iterations of each restricted problem solve (FISTA, all smoothing levels; a work budget; --solver-iterations)'),
  };
  const result = buildResult({
    loss: loss.name, lossWords: loss.words, beta, betaInfo, impliedBeta: implied.beta, impliedBetaMismatch, modes, n, d, c, m,
    primalAsTrained: asTrained.objective, Pbal, rebalanced: rebalancedInfo(bal.net, infos, (w) => lossObjective(w, X, Y, beta, modes, loss).objective), best, bestPrimal, witness: w, tol, infos, tolerances, warnings, timings,
    columnGeneration: cgRan ? { iterations, directions: feats.list.length, stopReason, reachedOptimum: isCertified() || lassoOptimal || optimal !== null } : null,
  });
  if (closed) {
    result.closedForm = closed.name;
    result.closedFormInfo = {
      name: closed.name, formula: closed.formula, values: closed.values, pstar: closed.pstar,
      latex: closed.latex, condition: closed.condition, tolerance: closed.tolerance, vectors: closed.vectors,
    };
  }
  if (nearDuplicates) result.oracle.notes.push(`${nearDuplicates} oracle direction(s) within the dedup tolerance of a present one were added as distinct columns (different activations near a kink)`);
  if (solverUnconverged) result.oracle.notes.push(`${solverUnconverged} restricted solve(s) stopped at the solver budget (${solverIterations} iterations) before their tolerance`);
  if (result.verdict === 'inconclusive') {
    const reason = explainInconclusive({
      primal: asTrained.objective,
      tol,
      dualBound: best.value,
      bestPrimal: result.pstarInterval[1],
      beta,
      oracle: best.oracle,
      inconsistent: result.warnings.some((x) => x.startsWith('Internal inconsistency')),
      cg: { ran: cgRan, iterations, stopKind, stopReason, solverBudgetHits: solverUnconverged },
      budgets: { maxIterations: settings.maxIterations, patternBudget: settings.patternBudget, solverIterations, timeBudgetMs: settings.timeBudgetMs },
    });
    result.inconclusiveReason = reason;
    result.summary = `${result.summary} ${reason.advice}`;
  }
  timings.total = performance.now() - tStart;
  const dualLambda = best.L0 && best.s > 0 ? { rows: n, cols: c, data: best.L0.data.map((v) => v * best.s) } : null;
  return { ...result, loss: loss.name, optimal, dualLambda, labels: Y };
}
