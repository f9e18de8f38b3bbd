// The engine's internal names (dual points, oracle methods, losses, heads, stage keys) in the words
// the panel shows. Nothing the engine names for itself reaches the user unmapped; an unknown name
// is turned into words (dashes to spaces) rather than shown raw.
import type { AnalysisJson, LossJson } from '../src/core/report/analysisJson';
import { int } from './format';
import { lossOverride } from '../src/core/format/lossControl';

const words = (s: string) => s.replace(/[-_+]/g, ' ').replace(/\s+/g, ' ').trim();

const DUAL_POINT: Record<string, string> = {
  residual: 'the scaled residual of this network',
  'column-generation': 'a dual point refined by column generation',
  'optimum-column-generation': 'the dual point of the computed optimum',
  'closed-form': 'the closed-form solution’s dual point',
};

export const dualPointWords = (p: string) => DUAL_POINT[p] ?? words(p);

const ORACLE: Record<string, string> = {
  'exact-rank1': 'exact (rank-1 data: two directions)',
  'exact-circle': 'exact (every direction on the circle)',
  'exact-sphere': 'exact (every activation pattern of rank-3 data)',
  'exact-rank4': 'exact (every activation pattern of rank-4 data)',
  'exact-vertex': 'exact (every vertex of the pattern arrangement)',
  'exact-search': 'exact (branch and bound closed)',
  'exact-whitened': 'exact (whitened data formula)',
  'exact-free-bias': 'exact (free hidden bias reduced to exact searches)',
  bounds: 'bounded, not exact (sound upper bound)',
};

export function oracleWords(o: AnalysisJson['oracle']): string {
  const how = ORACLE[o.method] ?? (o.exact ? 'exact' : 'bounded, not exact');
  const n = o.patterns ? `, ${int(o.patterns)} activation pattern${o.patterns === 1 ? '' : 's'} checked` : '';
  return `${how}${n}`;
}

const LOSS: Record<LossJson['name'], string> = {
  squared: 'squared error',
  hinge: 'hinge',
  logistic: 'logistic (binary cross-entropy)',
  'cross-entropy': 'softmax cross-entropy',
  huber: 'Huber',
};

const LOSS_SOURCE: Record<LossJson['source'], string> = {
  head: 'read from the model’s output layer',
  user: 'as you set it',
  default: 'the default for a model without an output activation',
};

export function lossWords(l: LossJson | null | undefined): string {
  if (!l) return 'squared error';
  const override = lossOverride('editor', l.source);
  return `${LOSS[l.name] ?? words(l.name)} (${LOSS_SOURCE[l.source] ?? words(l.source)}${override ? `; ${override}` : ''})`;
}

const HEAD: Record<string, string> = {
  none: 'no output activation',
  sigmoid: 'sigmoid output',
  softmax: 'softmax output',
  logsoftmax: 'log-softmax output',
};

export const headWords = (h: string) => HEAD[h] ?? `${words(h)} output`;

/** How the optimum or witness was obtained, without solver names. */
export function methodWords(m: string): string {
  if (m.startsWith('closed-form')) return 'a closed-form solution (MATH.md §5)';
  if (m.startsWith('the certified network')) return 'this network, rebalanced: its certificate is the proof of optimality';
  if (/column-generation/.test(m)) return 'column generation with the exact oracle (MATH.md §4)';
  if (/sampled/.test(m)) return 'the convex program over sampled activation patterns (an upper bound on P*)';
  return words(m);
}

/** Stage keys of the timings, as words. */
const STAGE: Record<string, string> = {
  read: 'reading',
  validate: 'checking the network',
  objective: 'objective',
  oracleResidual: 'oracle',
  closedForm: 'closed forms',
  columnGeneration: 'column generation',
  optimum: 'optimal network',
  interpretation: 'neuron readings',
  diagnosis: 'diagnosis',
  geometry: 'training geometry',
};

export const stageWords = (k: string) => STAGE[k] ?? words(k.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase());
