/**
 * The analysis result beyond the certificate (MATH.md §4–§9): the JSON the CLI prints with
 * `certify --json` / `optimize --json`, and what the panel renders. One shape everywhere, so a
 * number shown in the panel is the number the CLI prints.
 *
 * CONTRACT shared by src/core/analysis (orchestration), src/core/convex (the §4 program),
 * src/core/interpret (§6, §9), src/core/losses (§8), the extension host and the webview. It lives
 * in report/, beside CertificateJson, so that analysis/ imports report/ and never the reverse.
 * Extend additively; do not rename keys (the issue names them).
 */
import type { CertificateJson } from './json';
import type { LossName } from '../problem/loss';
import type { SettleStep } from '../certify/types';

/** A network as plain JSON (row-major arrays): W1 m×d, b1 m, W2 c×m, b2 c. */
export interface NetworkJson {
  W1: number[][];
  b1: number[] | null;
  W2: number[][];
  b2: number[] | null;
}

export interface LossJson {
  name: LossName;
  /** 'head' (from the model's output head), 'user' (flag / saved setting), 'default' */
  source: 'head' | 'user' | 'default';
  /** e.g. "Sigmoid head → logistic loss on labels in {0,1}" */
  reason: string;
}

/** MATH.md §4: the convex program's solution (or the best witness when patterns were sampled). */
export interface OptimumJson {
  /** the program's value, recomputed from `network`'s weights (P of the recovered network) */
  value: number;
  /** true: over all activation patterns (value = P* to `relGap`); false: sampled patterns → witness, an upper bound on P* */
  exact: boolean;
  /** activation patterns the value is over (enumerated, or sampled) */
  patterns: number;
  /** how it was solved: 'column-generation+exact-oracle' | 'convex-program(sampled patterns)' | 'closed-form:<name>' | … */
  method: string;
  /** certified lower bound on P* that goes with it, and the relative gap value vs that bound */
  lowerBound: number;
  relGap: number;
  /** number of nonzero neurons */
  neurons: number;
  network: NetworkJson;
  /** 'optimum' when exact, 'witness' otherwise — the UI label */
  label: 'optimum' | 'witness';
  /** why the column generation stopped, and its rounds (additive) */
  stopReason?: string;
  iterations?: number;
  /** not exact: what would close the gap, as kinds each front end words with its own control (report/settleSteps.ts) */
  steps?: SettleStep[];
}

/** MATH.md §5 */
export interface ClosedFormJson {
  name: string; // 'whitened' | 'one-hot-whitened' | 'rank-one' | 'one-dimensional' | 'spike-free' | 'hinge-whitened'
  /** KaTeX-ready LaTeX of the formula */
  formula: string;
  /** the same in plain text (CLI, screen readers) */
  formulaText: string;
  /** the condition that was detected, with its tolerance, e.g. "‖XXᵀ − I‖_max = 3e-15 ≤ 1e-10" */
  condition: string;
  tolerance: number;
  /** ingredients and values: scalars or vectors (y+, X†y+, ‖y±‖, P*, …) */
  values: Record<string, number | number[]>;
  pstar: number;
}

/** MATH.md §6, per neuron — merged into the certificate's `neurons[]` entries (and `optimalNeurons[]`). */
export interface NeuronInterpretationJson {
  index: number;
  /** S_j = {i : x̃_iᵀũ_j > 0} */
  activeCount: number;
  /** sample indices with |x̃_iᵀũ_j| ≤ kinkTol·‖ũ_j‖·‖x̃_i‖ (ties: both sides considered) */
  kinkSamples: number[];
  dualScore: number;
  /** cos(ũ_j, sign(v_j)·Π_K(X̃ᵀD_jR)); null for a dead neuron or an undefined projection */
  alignment: number | null;
  /** dualScore ≥ 1 − extremeTol and alignment ≥ 1 − extremeTol */
  extremePoint: boolean;
  /** neurons sharing (pattern, sign v) get the same group id; null when alone */
  duplicateGroup: number | null;
  /** representer form u ∝ Σ α_i (x_i − x_k), b = −x_kᵀu */
  autoencoder: {
    samples: { index: number; coef: number }[]; // top samples by |coef|, at most 10
    anchor: number | null; // k: the kink sample the bias is written against
    residual: number; // relative residual of the fit ‖ũ − Σ…‖/‖ũ‖
  };
  /** index of the matched neuron in the other network (trained ↔ optimal), or null */
  match: number | null;
  /** cosine of the matched pair's directions (and same pattern?) */
  matchCosine: number | null;
}

/** MATH.md §7 */
export interface DiagnosisJson {
  /** the convex program restricted to the network's own (merged) patterns */
  pOwn: number;
  /** P_bal − P_own: optimization not finished (train longer) */
  trainingGap: number;
  /** P_own − P* (P* lower bound used; an interval when P* is not known exactly) */
  landscapeGap: number;
  landscapeGapInterval: [number, number];
  /** 'optimal' | 'train-longer' | 'spurious-stationary-point' | 'both' | 'inconclusive' */
  kind: string;
  /** plain words for the panel and the CLI */
  text: string;
  /** the neuron the oracle found that the network is missing (normalized), or null */
  missingNeuron: {
    u: number[];
    b: number | null;
    sign: number;
    outputDir: number[];
    activeCount: number;
    violation: number;
  } | null;
}

/** MATH.md §9 */
export interface GeometryJson {
  angles: {
    min: number;
    median: number;
    max: number;
    pairs: number;
    sampled: boolean;
    histogram: { edges: number[]; counts: number[] };
  };
  gramMinEig: { trained: number; randomInit: number; seed: number };
  width: number;
  n: number;
  /** neurons the optimum uses (null when no optimum was computed) */
  optimumNeurons: number | null;
  notes: string[];
}

/** What `certify --json` prints: the certificate plus the §4–§9 readings when computed. */
export type AnalysisJson = Omit<CertificateJson, 'closedForm' | 'neurons'> & {
  loss: LossJson;
  closedForm: ClosedFormJson | null;
  neurons: (CertificateJson['neurons'][number] & Partial<NeuronInterpretationJson>)[];
  optimum?: OptimumJson | null;
  optimalNeurons?: NeuronInterpretationJson[];
  diagnosis?: DiagnosisJson | null;
  geometry?: GeometryJson | null;
  /** the trained network's weights (the panel plots them) */
  network?: NetworkJson;
};
