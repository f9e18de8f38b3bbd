/**
 * The exact convex program and the optimal weights (MATH.md §4), scalar output.
 *
 * solveConvexProgram (synchronous, products in plain JS) and solveConvexProgramAsync (products
 * through a MatmulKernel chosen by size, see ./kernelChoice.ts) run the same generator
 * (./solver.ts). The result's `value` is recomputed by networkObjective from the recovered
 * network's weights; `lowerBound` is a sound dual bound for the program restricted to the given
 * patterns (./bound.ts). With ALL patterns the program's value is P*; with sampled or own patterns
 * it is an upper bound on P* (the recovered network is a witness).
 */
import type { Mat } from '../linalg/mat';
import type { MatmulKernel } from '../linalg/kernel';
import { matmul } from '../linalg/mat';
import { usageError } from '../errors';
import type { CertifyModes } from '../problem/network';
import { networkObjective } from '../problem/objective';
import { makeProgram } from './problem';
import { solveCore, WORKING_SET_MAX_BLOCK_VARS, WORKING_SET_ROUNDS, FISTA_POLISH_ROUNDS, type CoreResult } from './solver';
export { SAFETY_STOP_REASON } from '../problem/safetyStop';
import type { ProductRequest, ProgramResult } from './problem';
import { recoverNetwork } from './recover';
import { chooseProduct } from './kernelChoice';
import { NNLS_VIOLATION_TOL, FREE_BIAS_WEIGHT, NNLS_HOT_ROWS, NNLS_MAX_OUTER_PER_DIM } from '../linalg/cone';
import { QR_DEPENDENT_TOL } from '../linalg/updatedQR';
import { OWN_TIE_TOL as OWN_TIE } from './patterns';
import {
  MULTIPLIER_TOL,
  ENTER_TOL,
  POLISH_MAX_VARS,
  POLISH_MAX_WORK,
  ENTER_SCAN_FACTOR,
  SCAN_BOUND_SLACK,
  ROUND_RISE_TOL,
  SCAN_SKIP_ROUNDS,
  NEWTON_CALL_STEPS,
  NEWTON_CALL_STEPS_GROWING,
} from './polish';
import { BENT_TRIALS, BENT_SHRINK } from './faceNewton';

export { enumeratePatterns, samplePatterns, ownPatterns, OWN_TIE_TOL, VANISH_TOL } from './patterns';
export { ORT_MIN_FLOPS, chooseProduct } from './kernelChoice';
export { detectOneDimensional, kinkLasso, KNOT_MERGE_TOL } from './closedForms1d';
export { detectSpikeFree, spikeFreeClosedForm, SPIKE_FREE_SIGN_TOL } from './spikeFree';

export interface ConvexProgramOptions {
  /** stop when (programValue − lowerBound)/programValue ≤ relTol (default 1e-8) */
  relTol?: number;
  maxIterations?: number;
  /**
   * Kernel for the hot products. Used by solveConvexProgramAsync (a MatmulKernel is asynchronous);
   * the synchronous solveConvexProgram always multiplies in plain JS (exact float64).
   */
  kernel?: MatmulKernel;
  shouldStop?: () => boolean;
  /** Newton-polish rounds allowed in all (a work budget; solver.ts CoreOptions.maxPolishRounds) */
  maxPolishRounds?: number;
  /** wall-clock SAFETY limit only (ms); when it fires, stopReason is SAFETY_STOP_REASON */
  timeBudgetMs?: number;
}

export interface ConvexProgramResult extends ProgramResult {
  programValue: number;
  algorithm: string;
  /** named tolerances used, with their meaning (reported, never hidden) */
  tolerances?: Record<string, { value: number; meaning: string }>;
}

export const DEFAULT_CONVEX_REL_TOL = 1e-8;
export const DEFAULT_CONVEX_MAX_ITERATIONS = 20000;

export const CONVEX_ALGORITHM =
  'working set (exact active-set Newton on the faces of the pattern cones, blocks entering by the per-pattern ' +
  'cone oracle), then FISTA with adaptive restart and the exact cone prox (NNLS projection + group shrinkage) ' +
  'with periodic Newton polish; accuracy from the dual bound D(s·residual) with a sound per-pattern cone bound';

function validate(X: Mat, Y: Mat, patterns: Uint8Array[], beta: number): void {
  if (Y.cols !== 1)
    throw usageError(
      `The convex program here is for a scalar output (c = 1); the labels have ${Y.cols} columns. ` +
        'Vector outputs are optimized by column generation (certify) instead.',
    );
  if (Y.rows !== X.rows) throw usageError(`X has ${X.rows} rows but Y has ${Y.rows}.`);
  if (!(beta > 0) || !Number.isFinite(beta)) throw usageError(`β must be a positive finite number (got ${beta}).`, 'beta');
  for (let i = 0; i < X.data.length; i++) if (!Number.isFinite(X.data[i])) throw usageError(`X has a non-finite entry at row ${Math.floor(i / X.cols) + 1}.`);
  for (let i = 0; i < Y.data.length; i++) if (!Number.isFinite(Y.data[i])) throw usageError(`Y has a non-finite entry at row ${i + 1}.`);
  patterns.forEach((d, k) => {
    if (d.length !== X.rows) throw usageError(`Pattern ${k} has length ${d.length}, expected n = ${X.rows}.`);
  });
}

function finish(
  X: Mat,
  Y: Mat,
  beta: number,
  modes: CertifyModes,
  nPatterns: number,
  core: CoreResult,
  pr: ReturnType<typeof makeProgram>,
): ConvexProgramResult {
  const network = recoverNetwork(pr, core.Z, core.b);
  const value = networkObjective(network, X, Y, beta, modes).objective;
  return {
    value,
    programValue: core.programValue,
    lowerBound: core.lowerBound,
    relGap: core.relGap,
    converged: core.converged,
    iterations: core.iterations,
    network,
    patterns: nPatterns,
    algorithm: CONVEX_ALGORITHM,
    stopReason: core.stopReason,
    tolerances: convexTolerances(),
  };
}

export function convexTolerances(): Record<string, { value: number; meaning: string }> {
  return {
    nnlsViolation: { value: NNLS_VIOLATION_TOL, meaning: 'cone projection: a row is violated when −a_jᵀz exceeds this times ‖a_j‖‖g‖' },
    freeBiasWeight: { value: FREE_BIAS_WEIGHT, meaning: 'weight of the bias coordinate in the free-bias bound NNLS (leftover paid by |w_b|·max‖x_j‖)' },
    polishMultiplier: { value: MULTIPLIER_TOL, meaning: 'Newton polish: a face row is released when its multiplier is below −this (relative)' },
    polishEnter: { value: ENTER_TOL, meaning: 'Newton polish: a block enters when its dual constraint exceeds β(1 + this)' },
    polishMaxVars: { value: POLISH_MAX_VARS, meaning: 'Newton polish only when the support has at most this many variables (Σ face dimensions + 1)' },
    polishMaxWork: {
      value: POLISH_MAX_WORK,
      meaning:
        'Newton polish only when building the support Hessian costs at most this many flops: pattern-pair Grams |S|(|S|+1)/2 · n · p²/2, or face Jacobians n·T²/2 + n·p·T when a step costs less that way',
    },
    workingSetRounds: {
      value: WORKING_SET_ROUNDS,
      meaning: 'work budget: Newton-polish rounds of the working-set start (each adds violating blocks and re-solves the restricted problem)',
    },
    fistaPolishRounds: { value: FISTA_POLISH_ROUNDS, meaning: "work budget: Newton-polish rounds of each of FISTA's periodic polishes" },
    workingSetMaxBlockVars: {
      value: WORKING_SET_MAX_BLOCK_VARS,
      meaning: "the working set (and FISTA's periodic polish) runs when 2·patterns·(d + 1) is at most this; past it, FISTA alone (speed only)",
    },
    polishScanFactor: {
      value: ENTER_SCAN_FACTOR,
      meaning:
        'Newton polish: the entering scan stops once it has its blocks and has projected this many times as many (speed only; a scan that finds none is full)',
    },
    polishScanSlack: {
      value: SCAN_BOUND_SLACK,
      meaning: 'Newton polish: relative slack on the carried bound ‖Π_K g‖ ≤ last bound + ‖g − g_last‖ that orders the entering scan (speed only)',
    },
    polishScanSkip: {
      value: SCAN_SKIP_ROUNDS,
      meaning:
        'Newton polish: after an entering scan that found nothing, up to this many more Newton calls before the next scan; a solved restricted problem is always scanned (speed only)',
    },
    polishNewtonSteps: {
      value: NEWTON_CALL_STEPS,
      meaning: 'Newton polish: steps per call on the faces, first round and after an entering scan that found nothing (speed only)',
    },
    polishNewtonStepsGrowing: {
      value: NEWTON_CALL_STEPS_GROWING,
      meaning: 'Newton polish: steps per call while the last entering scan added blocks (speed only)',
    },
    polishBentTrials: {
      value: BENT_TRIALS,
      meaning: `Newton polish: trials per step on the bent path (each block stops at its own face wall), at t = 1, ${BENT_SHRINK}, ${BENT_SHRINK}², … (speed only)`,
    },
    polishRoundRise: {
      value: ROUND_RISE_TOL,
      meaning: 'Newton polish: stops when a round ends this much (relative) above its best round, and returns the best round',
    },
    nnlsMaxOuter: {
      value: NNLS_MAX_OUTER_PER_DIM,
      meaning: 'cone projection: at most this many Lawson–Hanson passes per dimension (+100); past it the bound stays sound but loose',
    },
    nnlsHotRows: { value: NNLS_HOT_ROWS, meaning: 'cone projection: rows most violated at a full scan, tried before scanning all rows again (speed only)' },
    nnlsDependent: {
      value: QR_DEPENDENT_TOL,
      meaning: 'cone projection: a row within this (relative to max |R_jj|) of the span of the face rows does not enter',
    },
    ownTie: { value: OWN_TIE, meaning: 'own patterns: |x̃ᵀũ| ≤ this·‖x̃‖‖ũ‖ is a tie, both sides included' },
  };
}

function opts0(opts: ConvexProgramOptions) {
  return {
    relTol: opts.relTol ?? DEFAULT_CONVEX_REL_TOL,
    maxIterations: opts.maxIterations ?? DEFAULT_CONVEX_MAX_ITERATIONS,
    maxPolishRounds: opts.maxPolishRounds,
    timeBudgetMs: opts.timeBudgetMs ?? Infinity,
    shouldStop: opts.shouldStop,
  };
}

export function solveConvexProgram(
  X: Mat,
  Y: Mat,
  patterns: Uint8Array[],
  beta: number,
  modes: CertifyModes,
  opts: ConvexProgramOptions = {},
): ConvexProgramResult {
  validate(X, Y, patterns, beta);
  const pr = makeProgram(X, Y, patterns, beta, modes);
  const gen = solveCore(pr, opts0(opts));
  let step = gen.next();
  while (!step.done) {
    const req: ProductRequest = step.value;
    step = gen.next(matmul(req.a, req.b));
  }
  return finish(X, Y, beta, modes, pr.P, step.value, pr);
}

/** Same as solveConvexProgram, with the hot products through a MatmulKernel (ortKernel when large). */
export async function solveConvexProgramAsync(
  X: Mat,
  Y: Mat,
  patterns: Uint8Array[],
  beta: number,
  modes: CertifyModes,
  opts: ConvexProgramOptions = {},
): Promise<ConvexProgramResult & { kernelUse: Record<string, number> }> {
  validate(X, Y, patterns, beta);
  const pr = makeProgram(X, Y, patterns, beta, modes);
  const gen = solveCore(pr, opts0(opts));
  const kernelUse: Record<string, number> = {};
  let step = gen.next();
  while (!step.done) {
    const req: ProductRequest = step.value;
    const k = await chooseProduct(req.a, req.b, opts.kernel);
    kernelUse[k.name] = (kernelUse[k.name] ?? 0) + 1;
    step = gen.next(await k.matmul(req.a, req.b));
  }
  return { ...finish(X, Y, beta, modes, pr.P, step.value, pr), kernelUse };
}
