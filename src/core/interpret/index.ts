/**
 * Interpretation (MATH.md §6, §9): what each neuron is, how the trained network's neurons relate
 * to the optimal ones, and the training geometry. Pure functions of weights and data; no oracle.
 */
export {
  interpretNeurons,
  stationarity,
  EXTREME_TOL,
  PROJECTION_ZERO_TOL,
  PROJECTION_MAX_WORK,
  DUPLICATE_COS_TOL,
  COEF_ZERO_REL,
  WARM_TIGHT_REL,
  TOP_SAMPLES,
  type InterpretOptions,
  type StationarityReading,
} from './neurons';
export { matchNeurons, hungarian, HUNGARIAN_MAX, MATCH_MIN_COSINE, type NeuronMatch } from './match';
export {
  trainingGeometry,
  ANGLE_EXACT_MAX_N,
  ANGLE_EXACT_MAX_WORK,
  ANGLE_SAMPLE_PAIRS,
  GRAM_DENSE_MAX_N,
  NEARLY_ORTHOGONAL_DEG,
  GRAM_SINGULAR_REL,
} from './geometry';
export { KINK_TOL, neuronPattern, featureRowNorms, patternDistance } from './pattern';
export { symMinEigenvalue } from './symeig';
export { boxLeastSquares, BOXLS_OPT_TOL, BOXLS_DEPENDENT_TOL } from './boxls';

import type { NeuronInterpretationJson } from '../report/analysisJson';
import type { NeuronMatch } from './match';
import { KINK_TOL } from './pattern';
import { COEF_ZERO_REL, DUPLICATE_COS_TOL, EXTREME_TOL, PROJECTION_MAX_WORK, PROJECTION_ZERO_TOL } from './neurons';
import { GRAM_SINGULAR_REL, NEARLY_ORTHOGONAL_DEG } from './geometry';

/**
 * Fills `match`/`matchCosine` of both interpretations from matchNeurons' pairs (trained ↔ optimal).
 * Returns new arrays; neurons without a partner keep null.
 */
export function applyMatches(
  trained: NeuronInterpretationJson[],
  optimal: NeuronInterpretationJson[],
  pairs: NeuronMatch[],
): { trained: NeuronInterpretationJson[]; optimal: NeuronInterpretationJson[] } {
  const t = trained.map((x) => ({ ...x }));
  const o = optimal.map((x) => ({ ...x }));
  for (const p of pairs) {
    const a = t.find((x) => x.index === p.trained);
    const b = o.find((x) => x.index === p.optimal);
    if (a) [a.match, a.matchCosine] = [p.optimal, p.cosine];
    if (b) [b.match, b.matchCosine] = [p.trained, p.cosine];
  }
  return { trained: t, optimal: o };
}

/** Tolerances of this module with their meaning, for the report's `tolerances` table (defaults; kinkTol/extremeTol may be overridden per call). */
export function interpretTolerances(): Record<string, { value: number; meaning: string }> {
  return {
    kinkTol: { value: KINK_TOL, meaning: '|x̃_iᵀũ_j| ≤ kinkTol·‖ũ_j‖‖x̃_i‖ ⇒ sample i is on neuron j’s kink (a tie: both sides)' },
    extremeTol: { value: EXTREME_TOL, meaning: 'extreme point ⇔ dual score ≥ 1 − extremeTol and alignment ≥ 1 − extremeTol' },
    projectionZeroTol: { value: PROJECTION_ZERO_TOL, meaning: '‖Π_K(g)‖ below this fraction of ‖g‖ ⇒ alignment undefined (null)' },
    projectionMaxWork: { value: PROJECTION_MAX_WORK, meaning: 'multiply-adds allowed for one neuron’s cone projection; beyond it the alignment is null' },
    duplicateCosTol: { value: DUPLICATE_COS_TOL, meaning: 'vector outputs: duplicates need cos(v_j, v_k) ≥ 1 − this' },
    coefZeroRel: { value: COEF_ZERO_REL, meaning: 'representer coefficients below this fraction of the largest are not listed' },
    gramSingularRel: { value: GRAM_SINGULAR_REL, meaning: 'λ_min(H) ≤ this·trace(H)/n ⇒ H called singular' },
    nearlyOrthogonalDeg: { value: NEARLY_ORTHOGONAL_DEG, meaning: 'median pairwise angle ≥ this (degrees) ⇒ data called nearly orthogonal' },
  };
}
