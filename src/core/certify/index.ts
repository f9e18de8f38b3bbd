/**
 * The certificate (MATH.md §1–§3, §5, §10). `certifyNetwork` here binds the project's oracle
 * (computeOracle); ./certify.ts has the same function with the oracle as a parameter (tests and
 * the soundness suite inject their own).
 */
import type { Mat } from '../linalg/mat';
import type { OracleFn } from '../oracle/types';
import { computeOracle } from '../oracle';
import { certifyNetwork as certifyWith } from './certify';
import type { CertificateResult, CertifySettings } from './types';
import type { NetworkWeights } from '../problem/network';

export * from './types';
export { betaFromSpec } from './beta';
export { certifyWith };
export { detectClosedForm, type ClosedForm } from './closedForms';
export { dualValue, bestScale, feasibleDirection } from './dual';
export { projectMeanZero } from '../linalg/mat';
export { solveLasso, lassoNetwork } from './lasso';
export { networkObjective, rebalance, neuronInfos, impliedBeta, resolveModes } from '../problem/objective';
export { buildXt } from '../problem/features';

export function certifyNetwork(net: NetworkWeights, X: Mat, Y: Mat, settings: CertifySettings, oracle: OracleFn = computeOracle): CertificateResult {
  return certifyWith(net, X, Y, settings, oracle);
}
