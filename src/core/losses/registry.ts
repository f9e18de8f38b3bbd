/**
 * Every loss the project certifies, one line each (./loss.ts is the interface). lossOf() is the
 * only way other modules reach a loss: by name (parameters from the user's settings) or as an
 * instance already built.
 */
import type { LossName } from '../problem/loss';
import type { Loss, LossParams } from './loss';
import { squared } from './squared';
import { hinge } from './hinge';
import { logistic } from './logistic';
import { crossEntropy } from './crossEntropy';
import { huberLoss } from './huber';

const REGISTRY: Record<LossName, (p: LossParams) => Loss> = {
  squared: () => squared,
  hinge: () => hinge,
  logistic: () => logistic,
  'cross-entropy': () => crossEntropy,
  huber: (p) => huberLoss(p.huberDelta),
};

/** the loss names, in registration order (CLI --loss, settings, the lint) */
export const LOSS_NAMES = Object.keys(REGISTRY) as LossName[];

/** a loss by name, or an instance passed through */
export type LossRef = LossName | Loss;

const defaults = new Map<LossName, Loss>();

export function lossOf(ref: LossRef, params?: LossParams): Loss {
  if (typeof ref !== 'string') return ref;
  const make = REGISTRY[ref];
  if (!make) throw new RangeError(`unknown loss '${ref}'`);
  // parameters from the settings: a parameterless loss ignores them (its factory returns its one instance)
  if (params) return make(params);
  let l = defaults.get(ref);
  if (!l) defaults.set(ref, (l = make({})));
  return l;
}
