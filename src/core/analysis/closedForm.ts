/**
 * The closed form that applied (MATH.md §5) as ClosedFormJson: LaTeX for the panel, plain text for
 * the CLI, the detected condition with its tolerance, and the ingredients. The certificate's own
 * detections (whitened, one-hot whitened, rank one: src/core/certify/closedForms.ts) come first;
 * the convex helper's one-dimensional / spike-free detections are used when it provides them.
 */
import type { CertificateResult } from '../certify/types';
import type { Mat } from '../linalg/mat';
import type { CertifyModes } from '../problem/network';
import type { ClosedFormJson } from '../report/analysisJson';
import { detectOneDimensional, kinkLasso } from '../convex/closedForms1d';
import { detectSpikeFree, spikeFreeClosedForm } from '../convex/spikeFree';

/** Vector ingredients longer than this are left out of the JSON (the panel plots, it does not list). */
export const CLOSED_FORM_MAX_VECTOR = 10_000;

const NAMES: Record<string, string> = { 'whitened-scalar': 'whitened', 'whitened-one-hot': 'one-hot-whitened', 'rank-one': 'rank-one' };

export function closedFormJson(cert: CertificateResult): ClosedFormJson | null {
  const cf = cert.closedFormInfo;
  if (!cf) return null;
  const values: Record<string, number | number[]> = { ...cf.values, pstar: cf.pstar };
  for (const [k, v] of Object.entries(cf.vectors ?? {})) if (v.length <= CLOSED_FORM_MAX_VECTOR) values[k] = v;
  return {
    name: NAMES[cf.name] ?? cf.name,
    formula: cf.latex ?? cf.formula,
    formulaText: cf.formula,
    condition: cf.condition ?? '',
    tolerance: cf.tolerance ?? 0,
    values,
    pstar: cf.pstar,
  };
}

/**
 * The convex helper's detections (src/core/convex): one-dimensional data with a free hidden bias
 * (the kink lasso over the data points, [EP Lemma 6]) and spike-free X without biases ([EP Thm 4];
 * its whitened and c aᵀ cases are usually reported by the certificate's own forms first).
 */
export function convexClosedForm(X: Mat, Y: Mat, beta: number, modes: CertifyModes): ClosedFormJson | null {
  if (Y.cols !== 1) return null;
  const det = detectOneDimensional(X, modes);
  if (det.applies) {
    const r = kinkLasso(X, Y, beta, modes);
    return {
      name: 'one-dimensional',
      formula: String.raw`P^* = \min_{w,\,b_2}\ \tfrac12\Big\|\sum_{k}\big(w_k^+ (x - x_k)_+ + w_k^- (x_k - x)_+\big) + b_2 - y\Big\|^2 + \beta \sum_k \big(|w_k^+| + |w_k^-|\big)`,
      formulaText:
        'd = 1, free hidden bias [EP Lemma 6, Cor 3]: the kinks of optimal neurons sit at data points, so P* is a lasso over the dictionary {(x − x_k)_+, (x_k − x)_+}; the fit is a linear spline with knots at the data',
      condition: det.condition,
      tolerance: det.tol,
      values: { pstar: r.pstar, value: r.value, relGap: r.relGap, knots: r.knots.length <= CLOSED_FORM_MAX_VECTOR ? r.knots : [] },
      pstar: r.pstar,
    };
  }
  const sf = spikeFreeClosedForm(X, Y, beta, modes);
  if (sf) {
    const d2 = detectSpikeFree(X, modes);
    return {
      name: 'spike-free',
      formula: String.raw`P^* = \min_{Xw_1 \ge 0,\ Xw_2 \ge 0}\ \tfrac12\|X(w_1 - w_2) - y\|^2 + \beta(\|w_1\| + \|w_2\|)`,
      formulaText: `spike-free X (${sf.kind}) [EP Thm 4]: two neurons suffice; P* = min ½‖X(w1 − w2) − y‖² + β(‖w1‖ + ‖w2‖) s.t. Xw1 ≥ 0, Xw2 ≥ 0`,
      condition: d2.condition,
      tolerance: d2.tol,
      values: { pstar: sf.pstar, value: sf.value },
      pstar: sf.pstar,
    };
  }
  return null;
}
