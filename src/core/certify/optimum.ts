/**
 * The optimal network by column generation run to convergence (MATH.md §4, [EP Alg. 1]
 * generalized): the restricted group lasso over a growing set of unit neuron directions, the
 * oracle's argmax at the restricted residual added each round, until
 *   - the certified relative gap (value − lower bound)/value ≤ relTol, or
 *   - the oracle's sound upper bound gives M(Λ_t) ≤ M̄ ≤ β(1 + OPTIMAL_M_TOL) (exact, or a search
 *     that stopped at that threshold): then the restricted optimum is optimal over ALL activation
 *     patterns (the residual is dual feasible up to that factor).
 *
 * Soundness (MATH.md §3): `value` is recomputed from the returned network's weights by forward()
 * (networkObjective), never taken from the lasso; `lowerBound` is D(sΛ_t) with s ≤ β/M̄, M̄ the
 * oracle's UPPER bound (bestScale subtracts the rounding allowance). With an oracle that is not
 * exact the argmax is only a lower-bound direction: the result is a witness (an upper bound on P*).
 */
import type { Mat } from '../linalg/mat';
import { sigmaMax, SIGMA_REL_SLACK } from '../linalg/decomp';
import { DEFAULT_NODE_BUDGET, OPTIMUM_ESCALATION_FACTOR, OPTIMUM_ESCALATION_MAX_NODES, type OracleFn, type OracleOptions, type OracleResult } from '../oracle/types';
import { FeatureSet, hintsMat, OPTIMAL_M_TOL, oracleDirection, TIGHT_LASSO_REL_TOL } from './certify';
import { bestScale, feasibleDirection } from './dual';
import { lassoNetwork, offsetModeFor, solveLasso } from './lasso';
import { buildXt, featureDim } from '../problem/features';
import { networkObjective } from '../problem/objective';
import type { CertifyModes, NetworkWeights } from '../problem/network';
import { isCancellation } from '../errors';
import { SAFETY_STOP_REASON } from '../problem/safetyStop';

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

/** An oracle call of the optimum searches, escalated (oracleEscalated). */
export interface EscalatedOracle {
  oracle: OracleResult;
  /** node budget of the last call (the base budget when not escalated) */
  nodeBudget: number;
  /** re-asks made */
  escalations: number;
}

/**
 * The oracle at one dual point, re-asked while a global search that did not close (not exact at
 * rank ≥ 5, where the oracle's global searches run) found no direction above `bar` but its sound M̄
 * is still above it: stopping there would end the column generation with a restricted optimum that
 * is not optimal (issue #16: iris-like, 5,000 nodes missed M = 1.06·β). Each re-ask multiplies the node budget by
 * OPTIMUM_ESCALATION_FACTOR up to OPTIMUM_ESCALATION_MAX_NODES — nodes, never time. Every call's M̄
 * is a sound bound on the same M(Λ), so the smallest is kept. A budget of 0 (search off) is not
 * raised, and a re-ask that changed nothing ends it (the budget was not what limited the call, e.g.
 * c > 3, where no global search runs; the nodes a search reports stop short of its budget, so they
 * cannot tell this beforehand).
 */
export function oracleEscalated(ask: (nodeBudget: number | undefined) => OracleResult, baseNodes: number | undefined, bar: number): EscalatedOracle {
  let nodeBudget = baseNodes ?? DEFAULT_NODE_BUDGET;
  let oracle = ask(baseNodes);
  let escalations = 0;
  while (!oracle.exact && !(oracle.lower > bar) && oracle.upper > bar && oracle.rank >= 5 && nodeBudget > 0 && nodeBudget < OPTIMUM_ESCALATION_MAX_NODES) {
    nodeBudget = Math.min(OPTIMUM_ESCALATION_MAX_NODES, nodeBudget * OPTIMUM_ESCALATION_FACTOR);
    const prev = oracle;
    oracle = ask(nodeBudget);
    escalations++;
    if (prev.upper < oracle.upper) oracle = { ...oracle, upper: prev.upper, notes: [...oracle.notes, `M̄ = ${prev.upper.toPrecision(6)} kept from the smaller node budget`] };
    if (oracle.upper === prev.upper && oracle.lower === prev.lower) break;
  }
  return { oracle, nodeBudget, escalations };
}

/** The stop's words when an escalated search still found nothing violated. */
export function escalationNote(e: EscalatedOracle): string {
  return e.escalations > 0 ? ` (escalated ${e.escalations}× to ${e.nodeBudget} nodes: M̄ = ${e.oracle.upper.toPrecision(6)}, best attained ${e.oracle.lower.toPrecision(6)})` : '';
}

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
  /** a sound lower bound on P* known beforehand (e.g. the certificate's dual bound) */
  knownLowerBound?: number;
  shouldStop?: () => boolean;
  onStage?: (stage: string, detail?: string) => void;
}

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

export function searchOptimum(X: Mat, Y: Mat, opts: OptimumSearchOptions): OptimumSearchResult {
  const { beta, modes, oracle } = opts;
  const relTol = opts.relTol ?? OPTIMUM_REL_TOL;
  const d = X.cols;
  const dd = featureDim(d, modes.hiddenBias);
  const Xt = buildXt(X, modes.hiddenBias);
  const sigmaXt = sigmaMax(Xt) * (1 + SIGMA_REL_SLACK);
  const offMode = offsetModeFor(modes);
  const warnings: string[] = [];
  const feats = new FeatureSet(X, modes);
  for (const v of opts.seedDirs) if (v.length === dd) feats.add(v);

  let best: { net: NetworkWeights; value: number } | null = null;
  let lowerBound = Number.isFinite(opts.knownLowerBound) ? (opts.knownLowerBound as number) : -Infinity;
  let lastOracle: OracleResult | null = null;
  let residual: Mat | null = null;
  let stopReason = '';
  let iterations = 0;
  let tight = false;
  let proven = false; // a sound M̄ ≤ β(1 + OPTIMAL_M_TOL) at the final restricted optimum
  let warm: { Z: Float64Array[]; b2?: Float64Array } | undefined;
  const t0 = performance.now();
  const budget = opts.timeBudgetMs ?? Infinity;
  const gapNow = () => (best ? (best.value > 0 ? (best.value - lowerBound) / best.value : best.value - lowerBound <= 0 ? 0 : Infinity) : Infinity);

  while (iterations < opts.maxIterations) {
    if (opts.shouldStop?.()) {
      stopReason = 'stopped on request';
      break;
    }
    if (performance.now() - t0 > budget) {
      stopReason = `${SAFETY_STOP_REASON} (${Math.round(budget)} ms)`;
      break;
    }
    iterations++;
    opts.onStage?.('column-generation', `optimum: iteration ${iterations}, ${feats.list.length} directions`);
    const lasso = solveLasso(
      feats.list.map((f) => f.a),
      Y,
      beta,
      offMode,
      tight ? { warm, relTol: TIGHT_LASSO_REL_TOL, maxSweeps: 200_000 } : { warm },
    );
    warm = { Z: lasso.Z, b2: lasso.b2 };
    const net = lassoNetwork(
      feats.list.map((f) => f.dir),
      lasso.Z,
      lasso.b2,
      d,
      modes,
    );
    const value = networkObjective(net, X, Y, beta, modes).objective; // from the weights, by forward()
    if (Number.isFinite(value) && (!best || value < best.value)) best = { net, value };
    const Lt = feasibleDirection(lasso.residual, modes);
    residual = lasso.residual;
    const active = feats.list.filter((_, k) => norm(lasso.Z[k]) > 0).map((f) => f.dir);
    const oOpts: Partial<OracleOptions> = {
      hiddenBias: modes.hiddenBias,
      patternBudget: opts.patternBudget,
      nodeBudget: opts.nodeBudget,
      seed: opts.seed + iterations,
      shouldStop: opts.shouldStop,
      hints: hintsMat(active, dd),
      // only M̄ ≤ β(1 + tol) matters for the proof: the oracle may skip what is below it
      stopBelow: beta * (1 + OPTIMAL_M_TOL),
      candidates: OPTIMUM_EXTRA_COLUMNS,
      // intermediate rounds need a violating direction, not the maximum (the last round proves M̄ ≤ β(1 + tol) in full)
      earlyDirection: { above: beta * (1 + OPTIMUM_EARLY_MARGIN), nodes: OPTIMUM_EARLY_NODES },
    };
    let ort: OracleResult;
    let esc: EscalatedOracle;
    try {
      esc = oracleEscalated((nodeBudget) => oracle(Xt, Lt, { ...oOpts, nodeBudget }), opts.nodeBudget, beta * (1 + OPTIMAL_M_TOL));
      ort = esc.oracle;
    } catch (e) {
      if (isCancellation(e, opts.shouldStop)) {
        stopReason = 'stopped on request';
        break;
      }
      warnings.push(`the oracle failed in column generation (iteration ${iterations}): ${e instanceof Error ? e.message : String(e)}`);
      stopReason = 'oracle failure';
      break;
    }
    lastOracle = ort;
    const sd = bestScale(Lt, Y, beta, modes, ort.upper, sigmaXt);
    if (sd.value > lowerBound) lowerBound = sd.value;
    if (gapNow() <= relTol) {
      stopReason = `certified relative gap ≤ ${relTol}`;
      break;
    }
    // a SOUND M̄ ≤ β(1 + tol) is the proof, whether or not the oracle closed (exact or stopped at the threshold)
    if (ort.upper <= beta * (1 + OPTIMAL_M_TOL)) {
      stopReason = `${ort.exact ? 'exact oracle' : 'sound oracle bound'}: M(Λ) ≤ β(1 + ${OPTIMAL_M_TOL}) at the restricted optimum (optimal over all patterns)`;
      proven = true;
      break;
    }
    const dn = oracleDirection(ort, d, modes);
    if (!dn || !(ort.lower > beta * (1 + OPTIMAL_M_TOL))) {
      stopReason = ort.exact ? 'no violating direction' : `the oracle (bounds only) found no violating direction${escalationNote(esc)}`;
      break;
    }
    if (feats.has(dn)) {
      if (!tight) {
        tight = true; // solve the restricted problem tighter once; the oracle's direction is already present
        continue;
      }
      stopReason = 'the oracle returned a direction already present (restricted problem solved to its tolerance)';
      break;
    }
    feats.add(dn);
    for (const cand of modes.hiddenBias === 'free' ? [] : (ort.candidates ?? [])) {
      if (!(cand.value > beta * (1 + OPTIMAL_M_TOL))) break;
      const dc = oracleDirection({ ...ort, argmax: cand.u, argmaxBias: 0 }, d, modes);
      if (dc) feats.add(dc);
    }
  }
  if (!stopReason) stopReason = `iteration limit (${opts.maxIterations}) reached`;
  if (!best) {
    // no iteration ran: the zero network (offset only) as a trivial witness
    const net = lassoNetwork([], [], new Float64Array(Y.cols), d, modes);
    best = { net, value: networkObjective(net, X, Y, beta, modes).objective };
  }
  const relGap = gapNow();
  return {
    network: best.net,
    value: best.value,
    lowerBound,
    relGap,
    exact: relGap <= OPTIMUM_EXACT_REL_TOL || proven,
    oracleExact: lastOracle?.exact === true,
    patterns: lastOracle?.patterns ?? 0,
    iterations,
    directions: feats.list.length,
    stopReason,
    lastOracle,
    residual,
    warnings,
  };
}
