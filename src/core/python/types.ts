/**
 * Facts read from a training script (issue #6). CONTRACT (docs: /work/briefs/shared-names.md):
 * ScriptFacts is what the CLI's `lint` and the extension's diagnostics/hovers/CodeLens are built on.
 * Extend additively.
 */

/** 0-based, columns in UTF-16 code units (what VS Code uses). In a notebook, line is within the cell. */
export interface SrcRange {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  /** notebook only: index of the cell in the notebook's `cells` array (all cells, not only code cells) */
  cellIndex?: number;
}

export type OptimizerKind = 'sgd' | 'adam' | 'adamw' | 'other';
export type ScriptLossKind = 'mse' | 'cross-entropy' | 'bce-logits' | 'hinge' | 'huber' | 'penalty' | 'other';

export interface NetworkFact {
  d: number | null;
  m: number | null;
  c: number | null;
  hiddenBias: boolean;
  outputBias: boolean;
  /** 'sequential' | 'sequential-ordereddict' | 'module' */
  style: string;
  range: SrcRange;
  /** the hidden nn.Linear(d, m) call */
  hiddenRange?: SrcRange;
  /** activation after the second Linear, when there is one: 'sigmoid' | 'softmax' | 'log-softmax' */
  head?: string | null;
  /** name the network is bound to (`model`, `net`) or the class name */
  name?: string | null;
}

export interface OptimizerFact {
  kind: OptimizerKind;
  /** the decay applied to the weights; PyTorch's default when not written (0 for SGD/Adam, 0.01 for AdamW) */
  weightDecay: number | null;
  range: SrcRange;
  weightDecayRange?: SrcRange;
  biasDecay: boolean | 'unknown';
  /** the identifier as written (`AdamW`, `optim.AdamW` → range of `AdamW`), for the quick fix */
  nameRange?: SrcRange;
  /** weight_decay was not written: the value is PyTorch's default */
  weightDecayDefault?: boolean;
  /** the class name as written, e.g. 'RMSprop' for kind 'other' */
  className?: string;
  /** zero-width range just after the call's last argument (where a keyword can be added) */
  argsEnd?: SrcRange;
  /** an L-BFGS created later on the same parameters (a polish after Adam/SGD) */
  polish?: { className: string; range: SrcRange };
}

export interface LossFact {
  kind: ScriptLossKind;
  reduction: 'mean' | 'sum' | null;
  supported: boolean;
  range: SrcRange;
  /** explicit μ‖θ‖² added to the loss (kind 'penalty' or alongside another loss) */
  penaltyMu?: number | null;
  penaltyRange?: SrcRange;
  /** the base loss under a penalty: kind of the data term */
  base?: ScriptLossKind;
  /** how it was written, e.g. 'nn.MSELoss', 'F.cross_entropy', '((out - y) ** 2).mean()' */
  spelling?: string;
  /** why it is not supported (kind 'other', or a supported loss with an unsupported option) */
  why?: string;
  /** a constant factor multiplying the data term (e.g. 0.5·SSE) when visible, else 1 */
  scale?: number;
}

export interface DataFact {
  paths: { path: string; range: SrcRange; reader?: string }[];
  /** number of training samples when visible in the script (generated data, a slice, a split) */
  n: number | null;
  nRange?: SrcRange;
  /** how n was found, e.g. "torch.randn(200, 2)" */
  nSource?: string;
}

export interface ExportFact {
  path: string;
  kind: 'onnx' | 'onnx-dynamo' | 'torch-save';
  range: SrcRange;
}

/** A scikit-learn MLPClassifier / MLPRegressor (./sklearn.ts); null fields: written but not resolved. */
export interface SklearnFact {
  estimator: 'MLPClassifier' | 'MLPRegressor';
  range: SrcRange;
  nameRange?: SrcRange;
  hiddenLayerSizes: number[] | null;
  activation: string | null;
  solver: string | null;
  alpha: number | null;
  maxIter: number | null;
  tol: number | null;
  /** arguments not written (sklearn's default applies), by sklearn's name */
  defaults: string[];
  /** ranges of the written `name=value` arguments, by sklearn's name */
  ranges?: Record<string, SrcRange>;
  /** the variable the estimator is bound to */
  name?: string;
}

export interface ScriptFacts {
  file: string;
  /** a scikit-learn MLP, when the script trains one (then `network` is the network it builds) */
  sklearn?: SklearnFact;
  network: NetworkFact | null;
  optimizer: OptimizerFact | null;
  loss: LossFact | null;
  data: DataFact | null;
  exports: ExportFact[];
  unresolved: { what: string; range?: SrcRange }[];
  /** syntax errors the parser recovered from (the facts may be incomplete) */
  syntaxErrors?: SrcRange[];
}
