/**
 * The optimal network (MATH.md §4) for the analysis.
 *
 * Squared loss: column generation with the project's oracle run to convergence
 * (src/core/certify/optimum.ts), seeded with the trained network's neurons and the certificate's
 * witness. With an exact oracle (rank ≤ 3, or rank 4 within the pattern budget) the result is THE
 * optimum to a certified relative gap. Otherwise it is a witness: the convex program over sampled
 * patterns plus the network's own (src/core/convex, when present) and column generation along the
 * oracle's lower-bound directions; the better network is kept. c > 1: column generation only.
 * Other losses: the losses module's optimal network, its value recomputed from its weights.
 */
import type { Mat } from '../linalg/mat';
import { forward } from '../model';
import { buildXt, networkObjective, neuronDirections, neuronInfos, rebalance, type CertifyModes } from '../certify/objective';
import { searchOptimum, OPTIMUM_EXACT_REL_TOL, type OptimumSearchResult } from '../certify/optimum';
import type { CertificateResult, CertifySettings, NetworkWeights } from '../certify/types';
import type { OracleFn, OracleResult } from '../oracle/types';
import * as convex from '../convex';
import * as losses from '../losses';
import type { LossName, OptimumJson } from './types';
import { networkToJson } from './networkJson';

/** Patterns sampled for the convex program when the oracle is not exact (measured: 1000 patterns, n = 40 took 16 s). */
export const SAMPLED_PATTERNS = 300;
/** Share of the remaining time budget the sampled convex program may use (column generation gets the rest). */
export const SAMPLED_PROGRAM_BUDGET_SHARE = 0.5;
/** Column-generation rounds allowed for the optimum (the time budget usually ends it first). */
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

function relGapOf(value: number, lower: number): number {
  return value > 0 ? Math.max(0, (value - lower) / value) : value - lower <= 0 ? 0 : Infinity;
}

function liveNeurons(net: NetworkWeights): number {
  const m = net.W1.rows, c = net.W2.rows;
  let k = 0;
  for (let j = 0; j < m; j++) {
    let s = 0;
    for (let i = 0; i < c; i++) s += Math.abs(net.W2.data[i * m + j]);
    if (s > 0) k++;
  }
  return k;
}

export function squaredOptimum(
  net: NetworkWeights,
  X: Mat,
  Y: Mat,
  beta: number,
  modes: CertifyModes,
  settings: CertifySettings,
  cert: CertificateResult,
  oracle: OracleFn,
  stage: Stage,
): OptimumOutcome {
  const warnings: string[] = [];
  const t0 = performance.now();
  const budget = settings.timeBudgetMs ?? Infinity;
  const certBound = inconsistent(cert) ? -Infinity : cert.dualBound;
  const seedDirs = [...dirsOf(net, X, Y, beta, modes), ...(cert.witness ? dirsOf(cert.witness, X, Y, beta, modes) : [])];
  const common = {
    beta,
    modes,
    oracle,
    patternBudget: settings.patternBudget,
    seed: settings.seed,
    maxIterations: OPTIMUM_MAX_ITERATIONS,
    // a certificate that reported an internal inconsistency claims no bound: do not build on it
    knownLowerBound: certBound,
    shouldStop: settings.shouldStop,
    onStage: settings.onStage,
  };
  let res: OptimumSearchResult = searchOptimum(X, Y, { ...common, seedDirs, timeBudgetMs: budget });
  warnings.push(...res.warnings);
  let method = res.oracleExact ? 'column-generation+exact-oracle' : res.exact ? 'column-generation+certified-gap' : 'column-generation(lower-bound directions)';
  let patterns = res.patterns;
  let best = { network: res.network, value: res.value };
  // the sampled program only when the oracle itself is not exact (with an exact oracle, column
  // generation that ran out of time is far ahead of any sample of patterns)
  if (!res.exact && !res.oracleExact && Y.cols === 1 && !settings.shouldStop?.()) {
    const Xt = buildXt(X, modes.hiddenBias);
    const sampled = convex.samplePatterns(Xt, SAMPLED_PATTERNS, settings.seed);
    const own = convex.ownPatterns(net, X, modes);
    const pats = [...sampled, ...own];
    stage('patterns', `${pats.length} of ${SAMPLED_PATTERNS + own.length}`);
    const left = budget - (performance.now() - t0);
    const prog = convex.solveConvexProgram(X, Y, pats, beta, modes, {
      shouldStop: settings.shouldStop,
      timeBudgetMs: Number.isFinite(left) ? Math.max(left * SAMPLED_PROGRAM_BUDGET_SHARE, 1000) : undefined,
    });
    const value = networkObjective(prog.network, X, Y, beta, modes).objective; // from its weights
    stage('witness', `convex program over ${pats.length} patterns: ${value}`);
    patterns = pats.length;
    method += ` + convex-program(${pats.length} sampled/own patterns: ${value})`;
    if (value < best.value) {
      best = { network: prog.network, value };
      method = 'convex-program(sampled patterns)';
      // column generation from the program's neurons narrows the bounds further, time permitting
      const left2 = budget - (performance.now() - t0);
      if (left2 > 0) {
        const again = searchOptimum(X, Y, { ...common, seedDirs: [...dirsOf(prog.network, X, Y, beta, modes), ...seedDirs], timeBudgetMs: left2, knownLowerBound: res.lowerBound });
        if (again.value < best.value) {
          best = { network: again.network, value: again.value };
          method = 'convex-program(sampled patterns)+column-generation';
        }
        res = { ...again, lowerBound: Math.max(again.lowerBound, res.lowerBound) };
      }
    }
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
      neurons: liveNeurons(best.network),
      network: networkToJson(best.network),
      label: exact ? 'optimum' : 'witness',
      stopReason: res.stopReason,
      iterations: res.iterations,
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
      neurons: liveNeurons(bal),
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

/** Other losses: the losses module's optimal network (or its witness), value recomputed from the weights. */
export function classificationOptimum(
  cert: CertificateResult & { optimal?: NetworkWeights | null },
  X: Mat,
  Ylab: Mat,
  loss: Exclude<LossName, 'squared'>,
  beta: number,
  modes: CertifyModes,
): OptimumOutcome | null {
  const net = cert.optimal ?? cert.witness;
  if (!net) return null;
  const F = forward(net, X);
  const value = losses.lossValue(F, Ylab, loss) + networkObjective(net, X, Ylab, beta, modes).penalty;
  if (!Number.isFinite(value)) return null;
  const lowerBound = inconsistent(cert) ? -Infinity : cert.dualBound;
  const relGap = relGapOf(value, lowerBound);
  const exact = relGap <= OPTIMUM_EXACT_REL_TOL;
  const w = cert.optimal ? null : cert.witness;
  return {
    json: {
      value,
      exact,
      patterns: cert.oracle.patterns,
      method: cert.optimal ? `${loss}: column generation (losses module)` : `${loss}: certificate witness`,
      lowerBound,
      relGap,
      neurons: liveNeurons(net),
      network: networkToJson(w ?? net),
      label: exact ? 'optimum' : 'witness',
    },
    network: { W1: net.W1, b1: net.b1, W2: net.W2, b2: net.b2 },
    lowerBound,
    value,
    lastOracle: null,
    warnings: [],
  };
}
