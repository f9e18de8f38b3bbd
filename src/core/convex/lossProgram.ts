/**
 * The convex program of MATH.md §4 with a classification loss (§8), scalar output (c = 1):
 *
 *   min ℓ(Σ_i D_iX̃(v_i − w_i) + b·1) + β Σ_i (‖v_i‖ + ‖w_i‖) [+ (β/2)b² if b is decayed]
 *   s.t. v_i, w_i ∈ K_i = {z : (2D_i − I)X̃z ≥ 0},   labels Ypm ∈ {±1}.
 *
 * Algorithm (why): FISTA with backtracking (the loss curvature is far below its global bound on
 * most samples) and the exact block prox (1 − tβ/‖Π_K g‖)_+ Π_K g (cone projection by NNLS, as in
 * ./solver.ts). The hinge is not smooth: it is replaced by the Huber-smoothed hinge ℓ_μ with μ
 * decreasing by HINGE_MU_FACTOR per stage, warm-started (ℓ_μ ≤ ℓ ≤ ℓ_μ + nμ/2), as
 * src/core/losses/solver.ts does.
 *
 * Soundness: `value` is lossObjective of the recovered network (from its weights). `lowerBound`
 * is D(s·Λ0) − allowance with Λ0 = −∇ℓ_μ(F) moved inside the domain (losses/dualPoint.ts
 * dualDirection; the smoothed-hinge gradient lies in the hinge domain), s from lossBestScale
 * against an UPPER bound M̄ ≥ max_{i,±} max_{z∈K_i,‖z‖≤1} ±Λ0ᵀD_iX̃z: per block cone.ts
 * blockBound plus the oracle's rounding allowance fpRel(n, p)·(Σ_j|λ_j|‖x̃_j‖ + ‖g‖ + Σμ_j‖a_j‖),
 * as ./bound.ts does for the squared loss. Weak duality (losses/conjugates.ts header) restricted
 * to the patterns makes it a lower bound on the restricted program.
 * A free hidden bias is not supported (its block prox has no closed form; ./solver.ts needs
 * Dykstra iterations): usageError.
 */
import { type Mat, matmul } from '../linalg/mat';
import { sigmaMax, SIGMA_REL_SLACK } from '../linalg/decomp';
import { usageError } from '../errors';
import { fpRel } from '../oracle/common';
import type { CertifyModes } from '../problem/network';
import { lossValue } from '../losses/conjugates';
import { dualDirection, lossBestScale, mLipschitz } from '../losses/dualPoint';
import { lossObjective } from '../losses/objective';
import {
  makeProgram,
  diffMatrix,
  fitFromQ,
  maskedResidual,
  blockNorm,
  gradientRoundingScale,
  signedBlockGradient,
  type Program,
  type ProgramResult,
} from './problem';
import { projectCone, blockBound } from '../linalg/cone';
import { extrapolate, fistaMomentum, stepTerms } from '../linalg/fista';
import { recoverNetwork } from './recover';
import { curvatureBound, negGradient } from '../losses/conjugates';
import { lossNewtonPolish, type SmoothFns } from './lossNewton';
import { SAFETY_STOP_REASON } from '../problem/safetyStop';

export type BinaryLoss = 'hinge' | 'logistic';

export interface LossProgramOptions {
  /** stop when (value − lowerBound)/value ≤ relTol (default DEFAULT_LOSS_PROGRAM_REL_TOL) */
  relTol?: number;
  /**
   * wall-clock SAFETY limit only (ms; default none): when it fires, stopReason is SAFETY_STOP_REASON
   * so the machine-dependent result is never silent. maxIterations is the stop that decides.
   */
  timeBudgetMs?: number;
  shouldStop?: () => boolean;
  /** the work budget: FISTA iterations over all smoothing stages (default LOSS_PROGRAM_MAX_ITERATIONS) */
  maxIterations?: number;
}

export type LossProgramResult = ProgramResult;

/** Default relative gap target of the classification program. */
export const DEFAULT_LOSS_PROGRAM_REL_TOL = 1e-6;
/** Iteration cap over all stages. */
export const LOSS_PROGRAM_MAX_ITERATIONS = 30000;
/** Hinge smoothing: μ shrinks by this factor per stage. */
export const HINGE_MU_FACTOR = 10;
/** Hinge: μ shrinks once the smoothed objective moves less than this times nμ/2 between two bound evaluations. */
export const HINGE_STALL_FRACTION = 1e-3;
/** Newton polish steps tried at each bound evaluation (./lossNewton.ts). */
export const LOSS_NEWTON_STEPS = 20;
/** Iterations between two (costly) sound lower-bound evaluations. */
export const LOSS_BOUND_EVERY = 50;
/** Backtracking: step shrink factor, and growth factor tried at each iteration. */
const BT_SHRINK = 0.5,
  BT_GROW = 1.1;

interface State {
  Z: Float64Array;
  b: number;
}

/** Lipschitz bound of the smooth part (‖X̃ᵀD‖² summed over blocks), used only to start the step. */
function lipschitzBase(pr: Program): number {
  let rowMax = 0;
  for (let j = 0; j < pr.n; j++) {
    let s = 0;
    for (let k = 0; k < pr.p; k++) s += pr.Xt.data[j * pr.p + k] ** 2;
    rowMax = Math.max(rowMax, s);
  }
  return Math.max(1e-12, 2 * pr.P * pr.n * rowMax + pr.n);
}

/** The smoothed program's fit, objective and dual candidate −∇ℓ_m, for the Newton polish (./lossNewton.ts). */
function smoothFns(pr: Program, loss: BinaryLoss, m: number): SmoothFns {
  const n = pr.n;
  return {
    fit: (Z, b) => fitOf(pr, { Z, b }),
    objective: (Z, b) => {
      let pen = 0;
      for (let k = 0; k < 2 * pr.P; k++) pen += blockNorm(pr, Z, k);
      return smoothValue(pr, fitOf(pr, { Z, b }), b, loss, m) + pr.beta * pen;
    },
    lam: (F) => negGradient({ rows: n, cols: 1, data: F }, { rows: n, cols: 1, data: pr.y }, loss, loss === 'hinge' ? m : 0).data,
  };
}

/** The prox step from y with step t, t shrunk until the sufficient-decrease test of FISTA's backtracking holds. */
function backtrack(
  pr: Program,
  y: State,
  fy: number,
  gZ: Float64Array,
  gb: number,
  t: number,
  loss: BinaryLoss,
  mu: number,
): { xn: State; fx: number; t: number } {
  for (;;) {
    const xn = proxStep(pr, y, gZ, gb, t);
    const fx = smoothValue(pr, fitOf(pr, xn), xn.b, loss, mu);
    const { lin, sq } = stepTerms([
      [xn.Z, y.Z, gZ],
      [[xn.b], [y.b], [gb]],
    ]);
    if (fx <= fy + lin + sq / (2 * t) + 1e-14 * Math.abs(fy) || t < 1e-300) return { xn, fx, t };
    t *= BT_SHRINK;
  }
}

function fitOf(pr: Program, s: State): Float64Array {
  if (pr.P === 0) return new Float64Array(pr.n).fill(s.b);
  return fitFromQ(pr, matmul(pr.Xt, diffMatrix(pr, s.Z)), s.b);
}

/** smooth part: ℓ_μ(F) + [decayed](β/2)b² */
function smoothValue(pr: Program, F: Float64Array, b: number, loss: BinaryLoss, mu: number): number {
  const Fm: Mat = { rows: pr.n, cols: 1, data: F };
  const Ym: Mat = { rows: pr.n, cols: 1, data: pr.y };
  let v = lossValue(Fm, Ym, loss, loss === 'hinge' ? mu : 0);
  if (pr.offset === 'decayed') v += 0.5 * pr.beta * b * b;
  return v;
}

/** gradient of the smooth part: block k gets −σ_k X̃ᵀD_iλ, b gets −Σλ [+ βb] */
function gradOf(pr: Program, F: Float64Array, b: number, loss: BinaryLoss, mu: number): { gZ: Float64Array; gb: number; lam: Float64Array } {
  const lam = negGradient({ rows: pr.n, cols: 1, data: F }, { rows: pr.n, cols: 1, data: pr.y }, loss, loss === 'hinge' ? mu : 0).data;
  const { p, P } = pr;
  const gZ = new Float64Array(2 * P * p);
  if (P > 0) {
    const G = matmul(pr.XtT, maskedResidual(pr, lam)); // p×P
    for (let i = 0; i < P; i++)
      for (let t = 0; t < p; t++) {
        const v = G.data[t * P + i];
        gZ[2 * i * p + t] = -v;
        gZ[(2 * i + 1) * p + t] = v;
      }
  }
  let gb = 0;
  if (pr.offset !== 'none') {
    for (const l of lam) gb -= l;
    if (pr.offset === 'decayed') gb += pr.beta * b;
  }
  return { gZ, gb, lam };
}

function proxStep(pr: Program, Y: State, gZ: Float64Array, gb: number, t: number): State {
  const { p, P } = pr;
  const Z = new Float64Array(2 * P * p);
  const g = new Float64Array(p);
  const tb = t * pr.beta;
  for (let k = 0; k < 2 * P; k++) {
    let gn = 0;
    for (let q = 0; q < p; q++) {
      g[q] = Y.Z[k * p + q] - t * gZ[k * p + q];
      gn += g[q] * g[q];
    }
    if (Math.sqrt(gn) <= tb) continue;
    const pj = projectCone(pr.Xt, pr.patterns[k >> 1], g, 1, undefined, undefined, tb);
    if (pj.early) continue;
    let zn = 0;
    for (let q = 0; q < p; q++) zn += pj.z[q] * pj.z[q];
    zn = Math.sqrt(zn);
    const c = zn > tb ? 1 - tb / zn : 0;
    if (c > 0) for (let q = 0; q < p; q++) Z[k * p + q] = c * pj.z[q];
  }
  return { Z, b: pr.offset === 'none' ? 0 : Y.b - t * gb };
}

const sigmaCache = new WeakMap<Mat, number>();

/** Sound lower bound on the restricted program from the dual direction at F (see the header). */
export function lossProgramLowerBound(pr: Program, F: Float64Array, loss: BinaryLoss, mu: number): number {
  const { n, p, P } = pr;
  const Ym: Mat = { rows: n, cols: 1, data: pr.y };
  const modes: CertifyModes = { hiddenBias: pr.modes.hiddenBias, outputBias: pr.offset };
  const L0 = dualDirection({ rows: n, cols: 1, data: F }, Ym, loss, modes, loss === 'hinge' ? mu : 0);
  if (!L0) return 0; // Λ = 0 is always feasible: D(0) = 0
  const lam = L0.data;
  let mUpper = 0;
  if (P > 0) {
    const G = matmul(pr.XtT, maskedResidual(pr, lam));
    const lip = gradientRoundingScale(pr, lam);
    const fp = fpRel(n, p);
    const g = new Float64Array(p);
    for (let k = 0; k < 2 * P; k++) {
      const i = k >> 1,
        s = k & 1 ? -1 : 1;
      const gn = signedBlockGradient(G, i, s, g);
      if (gn * (1 + fp) + fp * lip <= mUpper) continue; // ‖Π_K g‖ ≤ ‖g‖ cannot raise the max
      const bb = blockBound(pr.Xt, pr.patterns[i], g, false, pr.xMax);
      const up = bb.bound + fp * (lip + gn + bb.muMass);
      if (up > mUpper) mUpper = up;
    }
  }
  let sig = sigmaCache.get(pr.Xt);
  if (sig === undefined) {
    sig = sigmaMax(pr.Xt) * (1 + SIGMA_REL_SLACK);
    sigmaCache.set(pr.Xt, sig);
  }
  const sd = lossBestScale(L0, Ym, loss, pr.beta, modes, mUpper, mLipschitz(modes, sig, pr.X));
  return Math.max(0, sd.value);
}

function validate(X: Mat, Ypm: Mat, patterns: Uint8Array[], beta: number, modes: CertifyModes): void {
  if (Ypm.cols !== 1) throw usageError(`The classification program is for a scalar output (c = 1); the labels have ${Ypm.cols} columns.`);
  if (Ypm.rows !== X.rows) throw usageError(`X has ${X.rows} rows but the labels have ${Ypm.rows}.`);
  if (!(beta > 0) || !Number.isFinite(beta)) throw usageError(`β must be a positive finite number (got ${beta}).`, 'beta');
  if (modes.hiddenBias === 'free')
    throw usageError('The classification program over given patterns is not supported with a free hidden bias (use a decayed or no hidden bias).');
  for (let i = 0; i < Ypm.rows; i++)
    if (Ypm.data[i] !== 1 && Ypm.data[i] !== -1)
      throw usageError(`Label at row ${i + 1} is ${Ypm.data[i]}; the hinge/logistic program needs labels in {−1, +1}.`);
  for (let i = 0; i < X.data.length; i++) if (!Number.isFinite(X.data[i])) throw usageError(`X has a non-finite entry at row ${Math.floor(i / X.cols) + 1}.`);
  patterns.forEach((d, k) => {
    if (d.length !== X.rows) throw usageError(`Pattern ${k} has length ${d.length}, expected n = ${X.rows}.`);
  });
}

export function solveLossProgram(
  X: Mat,
  Ypm: Mat,
  patterns: Uint8Array[],
  beta: number,
  modes: CertifyModes,
  loss: BinaryLoss,
  opts: LossProgramOptions = {},
): LossProgramResult {
  validate(X, Ypm, patterns, beta, modes);
  const relTol = opts.relTol ?? DEFAULT_LOSS_PROGRAM_REL_TOL;
  const maxIt = opts.maxIterations ?? LOSS_PROGRAM_MAX_ITERATIONS;
  // the wall clock is only the outer safety stop: every other stop counts work (iterations)
  const safetyDeadline = Date.now() + (opts.timeBudgetMs ?? Infinity);
  const pr = makeProgram(X, Ypm, patterns, beta, modes);
  const n = pr.n;
  const lipBase = lipschitzBase(pr);
  let mu = loss === 'hinge' ? 1 : 0;
  const muFloor = 0;
  let x: State = { Z: new Float64Array(2 * pr.P * pr.p), b: 0 };
  let best = { value: Infinity, net: recoverNetwork(pr, x.Z, 0), lower: 0 };
  const evaluate = (s: State) => {
    const net = recoverNetwork(pr, s.Z, s.b);
    const v = lossObjective(net, X, Ypm, beta, modes, loss).objective;
    if (v < best.value) best = { ...best, value: v, net };
    const lb = lossProgramLowerBound(pr, fitOf(pr, s), loss, mu);
    if (lb > best.lower) best.lower = lb;
  };
  const fns = (m: number) => smoothFns(pr, loss, m);
  let it = 0;
  let stopReason = 'iteration limit';
  let t = 1 / (lipBase * curvatureBound(loss, mu));
  outer: for (;;) {
    let y: State = { Z: Float64Array.from(x.Z), b: x.b };
    let theta = 1;
    let stageIt = 0;
    let fPrev = Infinity;
    let lastObj = Infinity;
    for (;;) {
      const Fy = fitOf(pr, y);
      const fy = smoothValue(pr, Fy, y.b, loss, mu);
      const { gZ, gb } = gradOf(pr, Fy, y.b, loss, mu);
      const bt = backtrack(pr, y, fy, gZ, gb, t * BT_GROW, loss, mu);
      const { xn, fx } = bt;
      t = bt.t;
      // full objective of the smoothed program, for the adaptive restart
      let pen = 0;
      for (let k = 0; k < 2 * pr.P; k++) pen += blockNorm(pr, xn.Z, k);
      const obj = fx + beta * pen;
      const restart = obj > fPrev;
      fPrev = obj;
      const fm = fistaMomentum(theta);
      const thetaN = restart ? 1 : fm.next;
      const mom = restart ? 0 : fm.weight;
      y = { Z: extrapolate(xn.Z, x.Z, mom), b: xn.b + mom * (xn.b - x.b) };
      theta = thetaN;
      x = xn;
      it++;
      stageIt++;
      if (it % LOSS_BOUND_EVERY === 0) {
        const pol = lossNewtonPolish(pr, x.Z, x.b, loss, mu, fns(mu), LOSS_NEWTON_STEPS);
        if (pol.steps > 0) {
          x = { Z: pol.Z, b: pol.b };
          y = { Z: Float64Array.from(x.Z), b: x.b };
          theta = 1;
          fPrev = Infinity;
        }
        evaluate(x);
        const gap = (best.value - best.lower) / Math.max(best.value, 1e-300);
        if (gap <= relTol) {
          stopReason = 'converged';
          break outer;
        }
        // the smoothing error bound nμ/2 dominates the gap: next stage
        // …once the smoothed program has stalled (its objective moved less than a fraction of the smoothing error)
        const stalled = lastObj - obj < HINGE_STALL_FRACTION * ((n * mu) / 2);
        lastObj = obj;
        if (loss === 'hinge' && mu > muFloor && stalled && (n * mu) / 2 > 0.25 * gap * best.value && stageIt >= LOSS_BOUND_EVERY) {
          mu /= HINGE_MU_FACTOR;
          continue outer;
        }
      }
      if (it >= maxIt) break outer;
      if (opts.shouldStop?.()) {
        stopReason = 'stopped';
        break outer;
      }
      if (Date.now() > safetyDeadline) {
        stopReason = SAFETY_STOP_REASON;
        break outer;
      }
    }
  }
  evaluate(x);
  const value = best.value;
  const lowerBound = Math.min(best.lower, value);
  const relGap = value > 0 ? (value - lowerBound) / value : 0;
  return { value, lowerBound, relGap, converged: relGap <= relTol, iterations: it, network: best.net, patterns: pr.P, stopReason };
}
