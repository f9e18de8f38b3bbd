/**
 * The dual of weight-decay training (MATH.md §2–§3):
 *   D(Λ) = ⟨Λ, Y⟩ − ½‖Λ‖²_F − ‖Λᵀ1‖²/(2β)   [last term only if b2 is decayed]
 * subject to M(Λ) ≤ β, and Λᵀ1 = 0 when b2 is free or the hidden bias is free.
 *
 * Weak duality (derived): ½‖r‖² ≥ ⟨Λ, r⟩ − ½‖Λ‖² (Fenchel), each neuron's term
 * β‖ũ‖‖v‖ − ⟨Λ, (X̃ũ)_+vᵀ⟩ ≥ ‖ũ‖‖v‖(β − M(Λ)) ≥ 0, and the output bias gives
 * (β/2)‖b2‖² − ⟨Λᵀ1, b2⟩ ≥ −‖Λᵀ1‖²/(2β) (decayed) or 0 (free with Λᵀ1 = 0), so D(Λ) ≤ P(θ) for
 * every network of every width. With a free hidden bias, (u, b) with u → 0 gives constant
 * neurons of vanishing cost, which forces Λᵀ1 = 0 (and then the b2 term vanishes).
 */
import { type Mat, projectMeanZero } from '../linalg/mat';
import { EPS } from '../oracle/common';
import type { CertifyModes } from '../problem/network';

/** True when the dual requires Λᵀ1 = 0. */
export function needsMeanZero(modes: CertifyModes): boolean {
  return modes.outputBias === 'free' || modes.hiddenBias === 'free';
}

/** True when the −‖Λᵀ1‖²/(2β) term is present (b2 decayed, and not already forced to Λᵀ1 = 0). */
export function hasBiasTerm(modes: CertifyModes): boolean {
  return modes.outputBias === 'decayed' && !needsMeanZero(modes);
}

/** The dual candidate for a residual-like Λ0: projected when the modes require Λᵀ1 = 0. */
export function feasibleDirection(L: Mat, modes: CertifyModes): Mat {
  return needsMeanZero(modes) ? projectMeanZero(L) : L;
}

interface DualParts {
  /** ⟨Λ, Y⟩ */
  lin: number;
  /** ‖Λ‖² + ‖Λᵀ1‖²/β [bias term] — D(sΛ) = s·lin − ½s²·quad */
  quad: number;
  /** Σ|Λ||Y| + ‖Λ‖² + ‖Λᵀ1‖²/β in absolute terms, for the rounding allowance */
  absLin: number;
  absQuad: number;
  /** max |column sum| relative to the column's absolute sum (feasibility of Λᵀ1 = 0) */
  meanViolation: number;
}

function parts(L: Mat, Y: Mat, beta: number, modes: CertifyModes): DualParts {
  const n = L.rows,
    c = L.cols;
  let lin = 0,
    absLin = 0,
    q = 0;
  for (let i = 0; i < L.data.length; i++) {
    lin += L.data[i] * Y.data[i];
    absLin += Math.abs(L.data[i] * Y.data[i]);
    q += L.data[i] * L.data[i];
  }
  let bias = 0,
    absBias = 0,
    meanViolation = 0;
  for (let k = 0; k < c; k++) {
    let s = 0,
      a = 0;
    for (let i = 0; i < n; i++) {
      s += L.data[i * c + k];
      a += Math.abs(L.data[i * c + k]);
    }
    bias += s * s;
    absBias += a * a;
    if (a > 0) meanViolation = Math.max(meanViolation, Math.abs(s) / a);
  }
  const withBias = hasBiasTerm(modes);
  return {
    lin,
    quad: q + (withBias ? bias / beta : 0),
    absLin,
    absQuad: q + (withBias ? absBias / beta : 0),
    meanViolation,
  };
}

/** Relative rounding allowance per summed term of D (named tolerance 'dualRounding'). */
export const DUAL_ROUNDING_PER_TERM = 4 * EPS;
/** Largest relative column sum accepted as Λᵀ1 = 0 (named tolerance 'meanZero'). */
export const MEAN_ZERO_TOL = 1e-12;

/** D(Λ) without any feasibility check (for tests and reports). NaN if Λᵀ1 = 0 is required and violated. */
export function dualValue(L: Mat, Y: Mat, beta: number, modes: CertifyModes): number {
  const p = parts(L, Y, beta, modes);
  if (needsMeanZero(modes) && p.meanViolation > MEAN_ZERO_TOL) return NaN;
  return p.lin - 0.5 * p.quad;
}

export interface ScaledDual {
  /** the scale s ∈ [0, β/M̄] */
  s: number;
  /** D(sΛ0) minus the rounding allowance: a valid lower bound on P* given M(Λ0) ≤ M̄ */
  value: number;
  /** D(sΛ0) as computed */
  raw: number;
  /** the unconstrained maximizer ⟨Λ0,Y⟩/quad (before clipping) */
  sFree: number;
  /** true when the clip at β/M̄ was active */
  clipped: boolean;
}

/**
 * Best scale for a dual direction Λ0 given an UPPER bound M̄ ≥ M(Λ0): maximize the concave
 * quadratic D(sΛ0) = s⟨Λ0,Y⟩ − ½s²(‖Λ0‖² + ‖Λ0ᵀ1‖²/β) over s ∈ [0, β/M̄] (M(sΛ0) = sM(Λ0) ≤ β).
 * Λ0 must already satisfy Λ0ᵀ1 = 0 when required (use feasibleDirection); otherwise s = 0.
 * The value has a rounding allowance (4ε per summed term) subtracted so it stays a lower bound.
 */
export function bestScale(
  L0: Mat,
  Y: Mat,
  beta: number,
  modes: CertifyModes,
  Mupper: number,
  /** σ_max(X̃) (an upper bound): needed to account for rounding left in Λᵀ1 = 0, see meanResidue */
  sigmaMaxXt = Infinity,
): ScaledDual {
  const p = parts(L0, Y, beta, modes);
  const zero: ScaledDual = { s: 0, value: 0, raw: 0, sFree: 0, clipped: false };
  if (needsMeanZero(modes) && p.meanViolation > MEAN_ZERO_TOL) return zero;
  if (!(p.quad > 0) || !(p.lin > 0) || !(Mupper >= 0) || Number.isNaN(Mupper)) return zero;
  // The floating-point projection leaves Λᵀ1 ≈ ε instead of 0. The bound is stated for the exactly
  // mean-zero Λ' = Λ − Λ̄ (Λ̄ = column means): D(sΛ') ≥ D(sΛ) − s‖Λ̄‖‖Y‖ and, with a fixed hidden
  // bias, M(Λ') ≤ M(Λ) + ‖Λ̄‖σ_max(X̃). (With a free hidden bias the oracle itself works on the
  // projected Λ and its rounding allowance covers the residue.)
  let meanPenalty = 0;
  if (needsMeanZero(modes)) {
    const barF = meanResidue(L0);
    if (barF > 0) {
      let yF = 0;
      for (let i = 0; i < Y.data.length; i++) yF += Y.data[i] * Y.data[i];
      meanPenalty = barF * Math.sqrt(yF) * (1 + 1e-12);
      if (modes.hiddenBias !== 'free') Mupper = Mupper + barF * sigmaMaxXt * (1 + 1e-12);
      if (!Number.isFinite(Mupper)) return zero;
    }
  }
  const sFree = p.lin / p.quad;
  const sMax = Mupper > 0 ? beta / Mupper : Infinity;
  const clipped = sFree > sMax;
  const s = clipped ? sMax : sFree;
  if (!(s > 0) || !Number.isFinite(s)) return { ...zero, sFree };
  const raw = s * p.lin - 0.5 * s * s * p.quad;
  const terms = L0.data.length + L0.cols + 8;
  const allowance = DUAL_ROUNDING_PER_TERM * terms * (s * p.absLin + 0.5 * s * s * p.absQuad) + s * meanPenalty;
  return { s, value: raw - allowance, raw, sFree, clipped };
}

/** ‖Λ̄‖_F for Λ̄ = 1·(Λᵀ1/n)ᵀ, the part of Λ that violates Λᵀ1 = 0. */
export function meanResidue(L: Mat): number {
  const n = L.rows,
    c = L.cols;
  let t = 0;
  for (let k = 0; k < c; k++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += L.data[i * c + k];
    t += (s * s) / Math.max(n, 1);
  }
  return Math.sqrt(t);
}
