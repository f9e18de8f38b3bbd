/**
 * Hinge loss on whitened data without biases — exact P* without search ([EP Thm 12], MATH.md §5).
 *
 * Derivation (checked in test/losses/closedForm.test.ts against the general certificate and a
 * brute-force minimisation): with XXᵀ = I the rectified ellipsoid {(Xu)_+ : ‖u‖ ≤ 1} is the
 * nonnegative part of the unit ball of Rⁿ, so an output vector f costs ‖f_+‖ + ‖f_−‖ (one neuron per
 * sign, direction Xᵀf_±/‖f_±‖) and P* = min_f Σ_i (1 − y_i f_i)_+ + β(‖f_+‖ + ‖f_−‖). Samples of one
 * class only want f of their sign, the problem splits by class, and by symmetry and convexity each
 * class I± takes f = ±τ·1 on I±: n±(1 − τ)_+ + β√n± τ, linear on [0, 1], so
 *     P* = Σ± min(n±, β√n±),
 * attained by the neuron u± = Xᵀ1_{I±}/√n± (= X†y± restricted to the class, Fisher's direction)
 * with ℓ1 output weight ±√n± when β < √n± (margin exactly 1 on the class), and by no neuron otherwise.
 * Dual point: λ_i = y_i·min(1, β/√n±) on I± — in the hinge domain 0 ≤ y_iλ_i ≤ 1, with
 * ‖λ_±‖ = min(√n±, β) ≤ β and value Σ y_iλ_i = Σ± min(n±, β√n±) = P* (strong duality).
 * Its M is bounded structurally for ANY X by σ_max(X)·max(‖λ_+‖, ‖λ_−‖) (as for squared loss), so a
 * detection tolerance can only loosen the certificate, never break it.
 */
import { type Mat, zeros } from '../linalg/mat';
import { buildNet, fpUp, sigmaMaxUpper, whitenedDeviation, WHITENED_TOL, type ClosedForm } from '../certify/closedForms';
import type { CertifyModes } from '../problem/network';

/** Labels (in the loss's ±1 form) are accepted as ±1 when within this of ±1 (they are exact after labelsForLoss). */
const LABEL_TOL = 1e-12;

export function detectHingeWhitened(X: Mat, Ypm: Mat, beta: number, modes: CertifyModes): ClosedForm | null {
  if (modes.hiddenBias !== 'none' || modes.outputBias !== 'none' || Ypm.cols !== 1) return null;
  const dev = whitenedDeviation(X);
  if (!(dev <= WHITENED_TOL)) return null;
  const n = X.rows,
    d = X.cols;
  const y = Ypm.data;
  if (!Array.from(y).every((v) => Math.abs(Math.abs(v) - 1) <= LABEL_TOL)) return null;
  const lam = zeros(n, 1);
  const dirs: Float64Array[] = [];
  const Z: Float64Array[] = [];
  const values: Record<string, number> = { beta };
  const vectors: Record<string, number[]> = {};
  let pstar = 0;
  let lamNorm = 0;
  for (const sign of [1, -1]) {
    const idx: number[] = [];
    for (let i = 0; i < n; i++) if (Math.sign(y[i]) === sign) idx.push(i);
    const k = idx.length;
    const key = sign > 0 ? 'plus' : 'minus';
    values[`n_${key}`] = k;
    if (!k) continue;
    const rk = Math.sqrt(k);
    pstar += Math.min(k, beta * rk);
    const t = Math.min(1, beta / rk);
    for (const i of idx) lam.data[i] = sign * t;
    lamNorm = Math.max(lamNorm, t * rk);
    if (beta < rk) {
      // u± = Xᵀ1_{I±}/√n± (a unit vector: ‖Xᵀa‖ = ‖a‖ for whitened X)
      const u = new Float64Array(d);
      for (const i of idx) for (let j = 0; j < d; j++) u[j] += X.data[i * d + j] / rk;
      dirs.push(u);
      Z.push(Float64Array.of(sign * rk));
      vectors[`u_${key}`] = Array.from(u);
    }
  }
  values.pstar = pstar;
  return {
    name: 'hinge-whitened',
    formula: 'P* = Σ± min(n±, β√n±); neuron u± = Xᵀ1_{I±}/√n± with output ±√n± when β < √n± (margin 1 on its class), none otherwise [EP Thm 12]',
    latex: String.raw`P^* = \sum_{\pm} \min\big(n_\pm,\ \beta\sqrt{n_\pm}\big),\qquad u_\pm = \frac{X^\top \mathbf 1_{I_\pm}}{\sqrt{n_\pm}},\quad v_\pm = \pm\sqrt{n_\pm}\ \ (\beta < \sqrt{n_\pm})`,
    condition: `hinge loss, labels ±1, max |XXᵀ − I| = ${dev === 0 ? '0' : dev.toExponential(1)} ≤ ${WHITENED_TOL.toExponential(1)}, no biases`,
    tolerance: WHITENED_TOL,
    values,
    vectors,
    pstar,
    dualPoint: lam,
    dualPointMUpper: sigmaMaxUpper(X) * lamNorm * fpUp(n),
    network: buildNet(dirs, Z, d, 1),
  };
}
