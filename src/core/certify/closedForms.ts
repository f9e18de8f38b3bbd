/**
 * Closed forms — exact P* without search (MATH.md §5, [EP Thm 9, Thm 15, Cor 5]). Each applies
 * only without biases (hidden 'none', output 'none'), and each condition is detected numerically
 * with a named tolerance. A closed form supplies (i) P* from the formula, (ii) the optimal
 * network (a witness, re-evaluated by forward() by the caller) and (iii) the optimal dual point λ*
 * with a SOUND upper bound on M(λ*) that holds for any X (so rounding in the detection can only
 * loosen, never break, the certificate):
 *
 *  - whitened scalar:  M(λ) ≤ σ_max(X)·max(‖λ+‖, ‖λ−‖)   (w = (Xu)_+ ≥ 0, ‖w‖ ≤ σ_max)
 *  - whitened one-hot: M(Λ) ≤ σ_max(X)·max_j ‖λ_j‖ for Λ ≥ 0 with disjoint column supports
 *    ((λ_jᵀw)² ≤ ‖λ_j‖²‖w_{S_j}‖², summed over disjoint S_j)
 *  - rank one:         X = σ1 u1 v1ᵀ + E, ‖E‖₂ = σ2 ⇒ M(Λ) ≤ max_±‖Λᵀφ±‖ + σ2‖Λ‖_F, φ± = σ1(±u1)_+
 */
import type { Mat } from '../linalg/mat';
import { zeros } from '../linalg/mat';
import { svd, SIGMA_REL_SLACK } from '../linalg/decomp';
import { EPS } from '../oracle/common';
import type { NetworkWeights, CertifyModes } from '../problem/network';

export interface ClosedForm {
  name: string;
  /** plain text / LaTeX */
  formula: string;
  /** the ingredients, by name */
  values: Record<string, number>;
  pstar: number;
  /** λ* (n×c) */
  dualPoint: Mat;
  /** sound upper bound on M(λ*) from the closed form's structure (see header) */
  dualPointMUpper: number;
  /** the optimal network the formula describes */
  network: NetworkWeights;
  /** KaTeX-ready LaTeX of the formula (the panel renders it) */
  latex: string;
  /** the condition as measured, with its tolerance, e.g. "max |XXᵀ − I| = 3e-16 ≤ 1e-10" */
  condition: string;
  /** the tolerance the condition was checked against */
  tolerance: number;
  /** vector ingredients (y±, Xᵀy±/‖Xᵀy±‖, …) */
  vectors: Record<string, number[]>;
}

/** max |XXᵀ − I| accepted as whitened (named tolerance 'closedFormWhitened') */
export const WHITENED_TOL = 1e-10;
/** σ2/σ1 accepted as rank one (named tolerance 'closedFormRankOne') */
export const RANK_ONE_TOL = 1e-12;

function norm(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return Math.sqrt(s);
}

function isWhitened(X: Mat): boolean {
  return whitenedDeviation(X) <= WHITENED_TOL;
}

/** max |XXᵀ − I| (stops early, returning Infinity, once it exceeds WHITENED_TOL or when n > d) */
export function whitenedDeviation(X: Mat): number {
  const n = X.rows,
    d = X.cols;
  if (n > d || n === 0) return Infinity;
  let dev = 0;
  for (let i = 0; i < n; i++)
    for (let j = i; j < n; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += X.data[i * d + k] * X.data[j * d + k];
      dev = Math.max(dev, Math.abs(s - (i === j ? 1 : 0)));
      if (dev > WHITENED_TOL) return Infinity;
    }
  return dev;
}

function sci(x: number): string {
  return x === 0 ? '0' : x.toExponential(1);
}

function whitenedCondition(X: Mat): string {
  return `max |XXᵀ − I| = ${sci(whitenedDeviation(X))} ≤ ${sci(WHITENED_TOL)}, no biases`;
}

export function sigmaMaxUpper(X: Mat): number {
  const s = svd(X, { wantU: false, wantV: false }).s;
  return (s[0] ?? 0) * (1 + SIGMA_REL_SLACK);
}

/** (1 + allowance) for a computed norm of n terms */
export function fpUp(n: number): number {
  return 1 + 1e-12 + 8 * EPS * (n + 8);
}

/** Build a bias-free network from unit input directions (rows) and ℓ1 output weights z_k ∈ R^c. */
export function buildNet(dirs: Float64Array[], Z: Float64Array[], d: number, c: number): NetworkWeights {
  const m = dirs.length;
  const W1 = zeros(m, d);
  const W2 = zeros(c, m);
  for (let k = 0; k < m; k++) {
    const sc = Math.sqrt(norm(Z[k]));
    for (let i = 0; i < d; i++) W1.data[k * d + i] = dirs[k][i] * sc;
    for (let j = 0; j < c; j++) W2.data[j * m + k] = Z[k][j] / sc;
  }
  return { W1, b1: null, W2, b2: null };
}

/** P* contribution of one nonnegative target column of norm t with a unit-ball feature set */
function piece(t: number, beta: number): number {
  return t > beta ? beta * t - (beta * beta) / 2 : 0.5 * t * t;
}

function whitenedScalar(X: Mat, Y: Mat, beta: number): ClosedForm {
  const n = X.rows,
    d = X.cols;
  const y = Y.data;
  const yp = new Float64Array(n),
    ym = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    yp[i] = Math.max(y[i], 0);
    ym[i] = Math.max(-y[i], 0);
  }
  const np = norm(yp),
    nm = norm(ym);
  const lam = zeros(n, 1);
  const tp = np > 0 ? Math.min(1, beta / np) : 0;
  const tm = nm > 0 ? Math.min(1, beta / nm) : 0;
  for (let i = 0; i < n; i++) lam.data[i] = tp * yp[i] - tm * ym[i];
  const dirs: Float64Array[] = [],
    Z: Float64Array[] = [];
  for (const [yy, nn, sign] of [
    [yp, np, 1],
    [ym, nm, -1],
  ] as [Float64Array, number, number][]) {
    if (nn > beta) {
      const u = new Float64Array(d);
      for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) u[k] += X.data[i * d + k] * yy[i];
      const un = norm(u);
      for (let k = 0; k < d; k++) u[k] /= un;
      dirs.push(u);
      Z.push(Float64Array.of(sign * (nn - beta)));
    }
  }
  const lp = norm(Array.from(lam.data, (v) => Math.max(v, 0)));
  const lm = norm(Array.from(lam.data, (v) => Math.max(-v, 0)));
  return {
    name: 'whitened-scalar',
    formula:
      'XXᵀ = I, no biases [EP Thm 9]: y± = (±y)_+; P* = Σ± (β‖y±‖ − β²/2 if ‖y±‖ > β, else ½‖y±‖²); ' +
      'neurons u± = Xᵀy±/‖Xᵀy±‖ with ℓ1 weight ±(‖y±‖ − β); λ* = y+·min(1, β/‖y+‖) − y−·min(1, β/‖y−‖)',
    values: { beta, normYplus: np, normYminus: nm },
    pstar: piece(np, beta) + piece(nm, beta),
    dualPoint: lam,
    dualPointMUpper: sigmaMaxUpper(X) * Math.max(lp, lm) * fpUp(n),
    network: buildNet(dirs, Z, d, 1),
    latex:
      String.raw`y_\pm = (\pm y)_+,\quad P^* = \sum_\pm \begin{cases} \beta\|y_\pm\| - \tfrac{\beta^2}{2} & \|y_\pm\| > \beta \\ \tfrac12\|y_\pm\|^2 & \text{otherwise}\end{cases},\quad ` +
      String.raw`u_\pm = \frac{X^\top y_\pm}{\|X^\top y_\pm\|},\; w_\pm = \pm(\|y_\pm\| - \beta)`,
    condition: whitenedCondition(X),
    tolerance: WHITENED_TOL,
    vectors: {
      yPlus: [...yp],
      yMinus: [...ym],
      ...Object.fromEntries(dirs.map((u, k) => [Z[k][0] > 0 ? 'uPlus' : 'uMinus', [...u]])),
      lambdaStar: [...lam.data],
    },
  };
}

function isDisjointNonneg(Y: Mat): boolean {
  const n = Y.rows,
    c = Y.cols;
  for (let i = 0; i < n; i++) {
    let nz = 0;
    for (let j = 0; j < c; j++) {
      const v = Y.data[i * c + j];
      if (v < 0 || !Number.isFinite(v)) return false;
      if (v > 0) nz++;
    }
    if (nz > 1) return false;
  }
  return true;
}

function whitenedOneHot(X: Mat, Y: Mat, beta: number): ClosedForm {
  const n = X.rows,
    d = X.cols,
    c = Y.cols;
  const lam = zeros(n, c);
  const dirs: Float64Array[] = [],
    Z: Float64Array[] = [];
  const values: Record<string, number> = { beta };
  let pstar = 0;
  let lmax = 0;
  for (let j = 0; j < c; j++) {
    const yj = new Float64Array(n);
    for (let i = 0; i < n; i++) yj[i] = Y.data[i * c + j];
    const nj = norm(yj);
    values[`normY${j}`] = nj;
    pstar += piece(nj, beta);
    const t = nj > 0 ? Math.min(1, beta / nj) : 0;
    for (let i = 0; i < n; i++) lam.data[i * c + j] = t * yj[i];
    lmax = Math.max(lmax, t * nj);
    if (nj > beta) {
      const u = new Float64Array(d);
      for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) u[k] += X.data[i * d + k] * yj[i];
      const un = norm(u);
      for (let k = 0; k < d; k++) u[k] /= un;
      dirs.push(u);
      const z = new Float64Array(c);
      z[j] = nj - beta;
      Z.push(z);
    }
  }
  return {
    name: 'whitened-one-hot',
    formula:
      'XXᵀ = I, no biases, Y ≥ 0 with one nonzero per row (one-hot) [EP Thm 15]: neuron j = Xᵀy_j/‖Xᵀy_j‖ with ' +
      'output (‖y_j‖ − β)e_j when ‖y_j‖ > β (‖y_j‖ = √n_j for one-hot); P* = Σ_j (β‖y_j‖ − β²/2 if ‖y_j‖ > β, else ½‖y_j‖²); ' +
      'λ*_j = y_j·min(1, β/‖y_j‖)',
    values,
    pstar,
    dualPoint: lam,
    dualPointMUpper: sigmaMaxUpper(X) * lmax * fpUp(n),
    network: buildNet(dirs, Z, d, c),
    latex:
      String.raw`u_j = \frac{X^\top y_j}{\|X^\top y_j\|},\; v_j = (\|y_j\| - \beta)\,e_j \;(\|y_j\| = \sqrt{n_j} > \beta),\quad ` +
      String.raw`P^* = \sum_j \begin{cases} \beta\|y_j\| - \tfrac{\beta^2}{2} & \|y_j\| > \beta \\ \tfrac12\|y_j\|^2 & \text{otherwise}\end{cases}`,
    condition: `${whitenedCondition(X)}, Y ≥ 0 with at most one nonzero per row`,
    tolerance: WHITENED_TOL,
    vectors: Object.fromEntries(dirs.map((u, k) => [`u${Z[k].findIndex((v) => v !== 0)}`, [...u]])),
  };
}

/** O(nd) pre-check: every row nearly parallel to the longest row, before any SVD. */
function looksRankOne(X: Mat): boolean {
  const n = X.rows,
    d = X.cols;
  let best = -1,
    bn = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += X.data[i * d + k] ** 2;
    if (s > bn) {
      bn = s;
      best = i;
    }
  }
  if (best < 0) return false;
  const r0 = X.data.subarray(best * d, best * d + d);
  const r0n = Math.sqrt(bn);
  for (let i = 0; i < n; i++) {
    let p = 0,
      s = 0;
    for (let k = 0; k < d; k++) {
      p += X.data[i * d + k] * r0[k];
      s += X.data[i * d + k] ** 2;
    }
    p /= r0n;
    if (s - p * p > 1e-12 * s + 1e-18 * bn) return false; // loose (sin θ ≤ 1e-6); the SVD decides
  }
  return true;
}

function rankOne(X: Mat, Y: Mat, beta: number): ClosedForm | null {
  const n = X.rows,
    d = X.cols,
    c = Y.cols;
  if (!looksRankOne(X)) return null;
  const dec = svd(X);
  const s1 = dec.s[0] ?? 0;
  const s2 = dec.s.length > 1 ? dec.s[1] : 0;
  if (!(s1 > 0) || s2 > RANK_ONE_TOL * s1) return null;
  const k = dec.s.length;
  const u1 = new Float64Array(n),
    v1 = new Float64Array(d);
  for (let i = 0; i < n; i++) u1[i] = dec.U.data[i * k];
  for (let i = 0; i < d; i++) v1[i] = dec.V.data[i * k];
  const dirs: Float64Array[] = [],
    Z: Float64Array[] = [];
  const R = new Float64Array(Y.data);
  const values: Record<string, number> = { beta, sigma1: s1, sigma2: s2 };
  let pen = 0;
  const phis: Float64Array[] = [];
  for (const sign of [1, -1]) {
    const phi = new Float64Array(n);
    for (let i = 0; i < n; i++) phi[i] = s1 * Math.max(sign * u1[i], 0);
    phis.push(phi);
    const pp = norm(phi) ** 2;
    const g = new Float64Array(c);
    for (let i = 0; i < n; i++) for (let j = 0; j < c; j++) g[j] += phi[i] * Y.data[i * c + j];
    const gn = norm(g);
    values[sign > 0 ? 'normPhiPlus' : 'normPhiMinus'] = Math.sqrt(pp);
    values[sign > 0 ? 'corrPlus' : 'corrMinus'] = gn;
    if (pp > 0 && gn > beta) {
      const w = g.map((x) => ((1 - beta / gn) * x) / pp);
      for (let i = 0; i < n; i++) for (let j = 0; j < c; j++) R[i * c + j] -= phi[i] * w[j];
      pen += norm(w);
      const u = v1.map((x) => sign * x);
      dirs.push(u);
      Z.push(w);
    }
  }
  let loss = 0;
  for (const r of R) loss += r * r;
  const lam = zeros(n, c);
  lam.data.set(R);
  let mr = 0;
  for (const phi of phis) {
    const g = new Float64Array(c);
    for (let i = 0; i < n; i++) for (let j = 0; j < c; j++) g[j] += phi[i] * R[i * c + j];
    mr = Math.max(mr, norm(g));
  }
  // sound: (Xu)_+ differs from (σ1u1v1ᵀu)_+ by ≤ σ2 (σ2 from a backward-stable SVD, slack added)
  const sigma2Up = s2 + SIGMA_REL_SLACK * s1;
  const mUpper = (mr + sigma2Up * norm(R)) * fpUp(n);
  return {
    name: 'rank-one',
    formula:
      'X = c aᵀ (rank one), no biases [EP Cor 5]: neurons ±a/‖a‖; two (group) lassos ' +
      'w± = S_β(φ±ᵀY)/‖φ±‖² with φ± = ‖a‖(±c)_+ and S_β(g) = (1 − β/‖g‖)_+ g; P* = ½‖Y − φ+w+ᵀ − φ−w−ᵀ‖² + β(‖w+‖ + ‖w−‖); λ* = the residual',
    values,
    pstar: 0.5 * loss + beta * pen,
    dualPoint: lam,
    dualPointMUpper: mUpper,
    network: buildNet(dirs, Z, d, c),
    latex:
      String.raw`X = c\,a^\top,\quad \phi_\pm = \|a\|(\pm c)_+,\quad w_\pm = S_\beta\!\left(\phi_\pm^\top Y\right)/\|\phi_\pm\|^2,\quad ` +
      String.raw`P^* = \tfrac12\|Y - \phi_+ w_+^\top - \phi_- w_-^\top\|^2 + \beta(\|w_+\| + \|w_-\|)`,
    condition: `σ2/σ1 = ${sci(s2 / s1)} ≤ ${sci(RANK_ONE_TOL)} (rank one), no biases`,
    tolerance: RANK_ONE_TOL,
    vectors: { a: [...v1], phiPlus: [...phis[0]], phiMinus: [...phis[1]] },
  };
}

/** The closed form that applies to (X, Y, modes), or null. Whitened is checked before rank one. */
export function detectClosedForm(X: Mat, Y: Mat, beta: number, modes: CertifyModes): ClosedForm | null {
  if (modes.hiddenBias !== 'none' || modes.outputBias !== 'none') return null;
  if (X.rows === 0 || X.cols === 0) return null;
  if (isWhitened(X)) {
    if (Y.cols === 1) return whitenedScalar(X, Y, beta);
    if (isDisjointNonneg(Y)) return whitenedOneHot(X, Y, beta);
  }
  return rankOne(X, Y, beta);
}
