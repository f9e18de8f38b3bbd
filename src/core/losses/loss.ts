/**
 * The Loss interface (MATH.md §8): everything the certificate, the restricted solvers and the
 * report need to know about a convex loss ℓ(F) = Σ_i ℓ_i(F_i), in one place. One file per loss
 * (squared.ts, hinge.ts, logistic.ts, crossEntropy.ts, huber.ts) and one line per loss in
 * ./registry.ts; every other module reaches a loss through lossOf().
 *
 * Sign conventions: Λ = −∇ℓ(F) is the dual candidate (the residual Y − F for the squared loss),
 * G(Λ) = −ℓ*(−Λ) the dual objective, D(Λ) = G(Λ) − [b2 decayed]‖Λᵀ1‖²/(2β) ≤ P* whenever
 * M(Λ) ≤ β (weak duality: ./conjugates.ts header). A loss's domain dom G must be convex and
 * contain 0, so that sΛ stays in it for s ∈ [0, 1] (./dualPoint.ts scales directions).
 */
import type { Mat } from '../linalg/mat';
import type { BetaInfo, BetaSpec } from '../certify/types';
import type { LossName } from '../problem/loss';

/** Distance kept between a dual direction's entries and the domain boundary (named tolerance 'domainMargin'). */
export const DOMAIN_MARGIN = 1e-12;

/** Parameters a loss reads from the user's settings (CLI --huber-delta). */
export interface LossParams {
  /** Huber threshold δ (PyTorch HuberLoss(delta); default 1.0) */
  huberDelta?: number;
}

export interface Loss {
  readonly name: LossName;
  /** words for messages and the report ("softmax cross-entropy") */
  readonly words: string;
  /** the framework's loss whose settings `beta` maps ("BCEWithLogitsLoss") */
  readonly torchName: string;
  /**
   * Non-smooth loss that the solvers replace by a smoothed stand-in ℓ_μ with μ decreasing
   * (continuation); `mu` is ignored by every loss without it.
   */
  readonly smoothed: boolean;
  /** The domain carries Σ_k λ_ik = 0 per row (cross-entropy's simplex); ./dualPoint.ts bounds the residue. */
  readonly rowSumZero: boolean;
  /** ℓ(F) for labels in this loss's form; mu > 0: the smoothed stand-in (solver only). */
  value(F: Mat, Y: Mat, mu: number): number;
  /** Λ = −∇ℓ(F) written into L (same shape as F): the dual candidate from the residual. */
  negGradient(F: Mat, Y: Mat, mu: number, L: Mat): void;
  /** G(Λ) = −ℓ*(−Λ) as written (no tolerance); −Infinity off the conjugate's domain. mu > 0: the smoothed dual. */
  dualValue(L: Mat, Y: Mat, mu: number): number;
  /** sup over samples of ‖∇²ℓ_i‖ (the first-order solvers' initial step) */
  curvatureBound(mu: number): number;
  /** per-sample (generalized) Hessian ∇²ℓ_i(F_i), c×c row-major, into H (length c²) */
  sampleHessian(F: Mat, Y: Mat, i: number, mu: number, H: Float64Array): void;
  /**
   * Moves Λ (in place) at least DOMAIN_MARGIN inside the domain and, when meanZero, onto Λᵀ1 = 0;
   * false when no such point exists.
   */
  intoDomain(L: Mat, Y: Mat, meanZero: boolean): boolean;
  /** smallest distance of an entry (in the domain's coordinates) to the domain boundary; Infinity for an unconstrained domain */
  domainMargin(L: Mat, Y: Mat): number;
  /**
   * Rounding allowance: a bound of |∂G/∂λ_i| at every point Λ' with ‖Λ' − Λ‖_∞ ≤ e and entries
   * at least `lower` inside the domain (./dualPoint.ts multiplies it by √(nc)·e and by Σ|terms|).
   */
  dualLipschitz(L: Mat, Y: Mat, lower: number, e: number): number;
  /** β for the summed-loss objective Σℓ + (β/2)‖θ‖² from framework settings. */
  beta(spec: BetaSpec, n: number, c: number): BetaInfo;
  /** labels in the form the formulas use, c = the model's outputs (ReluLensError on a bad entry) */
  labels(Y: Mat, c: number): Mat;
}
