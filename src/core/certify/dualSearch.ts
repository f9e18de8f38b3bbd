/**
 * What the certificates of every loss share between their stages (certify/certify.ts for the
 * squared loss, losses/certify.ts for the others): the problem as stated (CertifyProblem), the
 * per-stage clock, and the dual search — the best dual point and the best network found so far,
 * and the guarded oracle every stage calls. Soundness lives in the subclasses' scoring: a dual value
 * only through the loss's best scale with the oracle's (or a structural) upper bound; here, a primal
 * value only recomputed from a network's weights (objectiveOf).
 */
import type { Mat } from '../linalg/mat';
import { isCancellation } from '../errors';
import { DEFAULT_NODE_BUDGET, type OracleFn, type OracleOptions, type OracleResult } from '../oracle/types';
import { buildXt, featureDim } from '../problem/features';
import type { CertifyModes, NetworkWeights } from '../problem/network';
import {
  impliedBeta,
  type NeuronInfo,
  neuronDirections,
  neuronInfos,
  type ObjectiveParts,
  type Rebalanced,
  rebalance,
  resolveModes,
} from '../problem/objective';
import type { CgSearch } from './columnGeneration';
import { impliedBetaWarning } from './impliedBetaText';
import { type BetaInfo, type BetaSpec, type CertifySettings, DEFAULT_TOL } from './types';

/** Per-stage wall times for `timings` (reported only; no decision reads them). */
export class StageClock {
  readonly timings: Record<string, number> = {};
  private readonly start = performance.now();
  private last = this.start;
  lap(name: string): void {
    const t = performance.now();
    this.timings[name] = t - this.last;
    this.last = t;
  }
  total(): number {
    return performance.now() - this.start;
  }
}

/** The problem as stated by the settings and the weights as given (stages 'validate' and 'objective'). */
export interface CertifyProblem {
  net: NetworkWeights;
  X: Mat;
  /** the labels in the loss's form */
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

/** How a loss states its problem: β from the settings, the objective, and the implied β's check (MATH.md §3.8). */
export interface ProblemStatement {
  betaOf(spec: BetaSpec, n: number, c: number): BetaInfo;
  /** P(θ) and its parts for weights w, recomputed from the weights */
  objectiveOf(w: NetworkWeights, X: Mat, Y: Mat, beta: number, modes: CertifyModes): ObjectiveParts;
  /** the implied β's formula, for its warning */
  impliedFormula: string;
  /** |implied β − β| > this·β is flagged */
  impliedMismatch: number;
  /** a further warning about the implied β (AdamW), placed right after the implied β's own */
  impliedNote?(impliedB: number | null, spec: BetaSpec): string | null;
}

/**
 * Stages 'validate' (after the caller's checks of shapes and labels) and 'objective': modes, β, tol,
 * the objective as trained, the rebalanced network with dead neurons dropped, the implied β.
 */
export function stateProblem(
  net: NetworkWeights,
  X: Mat,
  Y: Mat,
  settings: CertifySettings,
  how: ProblemStatement,
  stage: (s: string, detail?: string) => void,
  clock: StageClock,
): CertifyProblem {
  const n = X.rows,
    d = X.cols,
    c = net.W2.rows,
    m = net.W1.rows;
  const { modes, warnings } = resolveModes(net, { hiddenBias: settings.hiddenBias, outputBias: settings.outputBias });
  const betaInfo = how.betaOf(settings.beta, n, c);
  warnings.push(...betaInfo.warnings);
  const beta = betaInfo.beta;
  const tol = settings.tol > 0 && Number.isFinite(settings.tol) ? settings.tol : DEFAULT_TOL;
  if (tol !== settings.tol) warnings.push(`tol ${settings.tol} is not a positive number; using ${DEFAULT_TOL}.`);
  clock.lap('validate');

  stage('objective');
  const asTrained = how.objectiveOf(net, X, Y, beta, modes);
  const infos = neuronInfos(net, X, asTrained.R, beta, modes);
  const bal = rebalance(net, infos, asTrained.loss, beta, modes);
  const impliedB = impliedBeta(asTrained.R, asTrained.F, net.b2, infos, modes).beta;
  const impliedBetaMismatch = impliedB !== null && Math.abs(impliedB - beta) > how.impliedMismatch * beta;
  const impliedText = impliedBetaWarning(impliedB, beta, how.impliedMismatch, how.impliedFormula);
  if (impliedText) warnings.push(impliedText);
  const note = how.impliedNote?.(impliedB, settings.beta);
  if (note) warnings.push(note);
  const deadCount = infos.filter((s) => s.dead).length;
  if (deadCount) warnings.push(`${deadCount} of ${m} neurons are dead (zero on all data, or zero output weights) and were dropped.`);
  clock.lap('objective');
  return { net, X, Y, n, d, c, m, modes, warnings, betaInfo, beta, tol, asTrained, infos, bal, Pbal: bal.objective, impliedB, impliedBetaMismatch };
}

/** A dual direction Λ (before its scale s) with the oracle hints it was called with. */
export interface DualDirection {
  L: Mat;
  hints: Mat | undefined;
}

export interface WitnessRecord {
  net: NetworkWeights;
  objective: number;
  description: string;
}

/** The best dual point and network so far; R is the loss's dual record. */
export abstract class DualSearchBase<R extends { value: number; oracle: OracleResult }, P extends CertifyProblem = CertifyProblem> implements CgSearch {
  readonly Xt: Mat;
  /** length of a feature direction (d̃) */
  readonly dd: number;
  /** unit feature directions of the network's live neurons */
  readonly ownDirs: Float64Array[];
  readonly baseOpts: Partial<OracleOptions>;
  best!: R;
  /**
   * The best dual point's direction Λ and hints, kept with `best` (keep): column generation's final
   * oracle call goes there (columnGeneration.ts finalOracleStage), also when the best dual value is
   * the network's own residual's. null: no direction (e.g. none is domain-feasible).
   */
  private bestAt: DualDirection | null = null;
  witness: WitnessRecord | null = null;
  bestPrimal: number;

  constructor(
    readonly pb: P,
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
      // the exact-vertex enumeration's last faces are this run's alone (deterministic per run)
      warmScope: this,
    };
    this.bestPrimal = pb.Pbal;
  }

  /** `r` becomes the best dual point; `at` is its direction and hints (null: none to call the oracle at). */
  keep(r: R, at: DualDirection | null): void {
    this.best = r;
    this.bestAt = at;
  }

  /** The network's objective P(θ) with the loss, recomputed from its weights. */
  protected abstract objectiveOf(w: NetworkWeights): number;

  abstract scoreColumnGeneration(L: Mat | null, hints: Mat | undefined, iteration: number): OracleResult;

  /** M̄ = ∞: no dual bound from this call (sound, merely uninformative). */
  protected failed(note: string): OracleResult {
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
      notes: [note],
    };
  }

  /**
   * The oracle, guarded: cancellation propagates; any other failure is reported as a warning and
   * yields the trivial result M̄ = ∞.
   */
  callOracle(L: Mat, opts: Partial<OracleOptions>, what: string): OracleResult {
    try {
      const o = { ...opts, ...this.work };
      const r = this.oracle(this.Xt, L, o);
      this.callNodes.set(r, o.nodeBudget ?? DEFAULT_NODE_BUDGET);
      return r;
    } catch (e) {
      if (isCancellation(e, this.settings.shouldStop)) throw e;
      const msg = e instanceof Error ? e.message : String(e);
      this.pb.warnings.push(`The oracle failed on ${what} (internal error: ${msg}); no dual bound from that call.`);
      return this.failed(`oracle failed: ${msg}`);
    }
  }

  /** each oracle call's node budget, by its result: an explanation names the nodes of the call behind the M̄ it reports */
  private readonly callNodes = new WeakMap<OracleResult, number>();
  /** the node budget of the oracle call behind best.oracle (a result not from callOracle: the run's budget) */
  bestOracleNodes(): number {
    return this.callNodes.get(this.best.oracle) ?? this.settings.nodeBudget ?? DEFAULT_NODE_BUDGET;
  }
  bestDualDirection(): DualDirection | null {
    return this.bestAt;
  }

  /** what overrides every oracle call's options while withOracleWork runs */
  private work: Partial<OracleOptions> = {};
  withOracleWork<T>(work: Partial<OracleOptions>, f: () => T): T {
    const prev = this.work;
    this.work = { ...prev, ...work };
    try {
      return f();
    } finally {
      this.work = prev;
    }
  }
  bestOracle(): OracleResult {
    return this.best.oracle;
  }

  offerWitness(w: NetworkWeights, description: string): void {
    const obj = this.objectiveOf(w); // from scratch, by forward()
    if (!Number.isFinite(obj)) return;
    if (obj < this.bestPrimal) this.bestPrimal = obj;
    if (!this.witness || obj < this.witness.objective) this.witness = { net: w, objective: obj, description };
  }

  /**
   * The dual bound decides the verdict about the weights as given (MATH.md §3.1): P(θ) − D ≤ tol·P(θ)
   * (certified), or the function is proven optimal and rebalancing alone lowers P(θ) by more than tol
   * (not optimal, kind 'rebalance/prune'). Column generation stops here. P_bal within tol of D is not
   * enough: with P_bal ≥ P(θ)(1 − tol) the verdict still needs D ≥ P(θ)(1 − tol) (soundness suite,
   * seed 91079 ref-perturbed-1e-3 stopped 'certified' with P(θ) − D = 1.01·tol·P(θ)).
   */
  isCertified(): boolean {
    const { tol, Pbal, asTrained } = this.pb;
    const P = asTrained.objective;
    return P - this.best.value <= tol * P || (this.functionCertified() && Pbal < P * (1 - tol));
  }
  /** P_bal − D ≤ tol·P_bal: the function the network computes is proven optimal (its rebalanced network is an optimum). */
  functionCertified(): boolean {
    return this.pb.Pbal - this.best.value <= this.pb.tol * this.pb.Pbal;
  }
  hasWitness(): boolean {
    return this.witness !== null && this.witness.objective < this.pb.Pbal * (1 - this.pb.tol);
  }
  bestValue(): number {
    return this.best.value;
  }
  witnessObjective(): number | null {
    return this.witness?.objective ?? null;
  }
  get X(): Mat {
    return this.pb.X;
  }
  get d(): number {
    return this.pb.d;
  }
  get beta(): number {
    return this.pb.beta;
  }
  get tol(): number {
    return this.pb.tol;
  }
  get modes(): CertifyModes {
    return this.pb.modes;
  }
  get warnings(): string[] {
    return this.pb.warnings;
  }
}
