/**
 * An oracle that searches only in the optimum's final call (node budget ≥ `finalNodes`): the rounds'
 * calls see nothing, so they starve and the final call is the only source of columns — the case the
 * optimum's resumptions are for. `finals` counts the final calls since the last `reset`.
 */
import { computeOracle } from '../../src/core/oracle';
import type { OracleFn } from '../../src/core/oracle/types';

export function finalOnlyOracle(finalNodes: number): { oracle: OracleFn; finals: () => number; reset: () => void } {
  let finals = 0;
  const oracle: OracleFn = (A, L, o) => {
    if ((o?.nodeBudget ?? 0) >= finalNodes) {
      finals++;
      return computeOracle(A, L, o);
    }
    return computeOracle(A, L, { ...o, nodeBudget: 0, samples: 0 });
  };
  return { oracle, finals: () => finals, reset: () => (finals = 0) };
}
