/** What the command line asks for, after parsing (./args.ts) and filling from the settings file (./workspaceSettings.ts). */
import type { LossName } from '../core/problem/loss';

export interface CommonArgs {
  command: 'inspect' | 'certify' | 'optimize';
  model: string;
  data?: string;
  labels: string[];
  labelsFile?: string;
  affine?: { mean: number[]; scale: number[] };
  json: boolean;
}

export interface CertifyArgs extends CommonArgs {
  beta?: number;
  weightDecay?: number;
  /** --sklearn-alpha: a scikit-learn MLP's alpha (β = alpha, both biases free unless given) */
  sklearnAlpha?: number;
  reduction: 'mean' | 'sum';
  optimizer?: 'sgd' | 'adam' | 'adamw';
  hiddenBias?: 'decayed' | 'free';
  outputBias?: 'decayed' | 'free';
  tol: number;
  patternBudget?: number;
  /** --node-budget: nodes of the oracle's global search */
  nodeBudget?: number;
  /** column-generation iterations (--max-iterations) */
  maxIterations?: number;
  /** iterations of each restricted solve (--solver-iterations) */
  solverIterations?: number;
  /** column-generation rounds of the optimum search after the verdict (--optimum-iterations) */
  optimumIterations?: number;
  report?: string;
  force: boolean;
  /** --tol was given on the command line (a saved tol in .vscode/relu-lens.json does not override it) */
  tolGiven?: boolean;
  /** what was read from .vscode/relu-lens.json, one line each (shown on stderr and in warnings) */
  fromConfig: string[];
  loss?: LossName;
  /** Huber threshold δ (--huber-delta; loss 'huber') */
  huberDelta?: number;
  /** certify: compute the §4 optimum (default true; --no-optimum) */
  optimum: boolean;
  timeBudgetSeconds?: number;
  out?: string;
}
