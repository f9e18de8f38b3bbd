/** The training problem's vocabulary (MATH.md §1–§3): imported by every folder that states P(θ). */
export type { NetworkWeights, HiddenBiasMode, OutputBiasMode, CertifyModes } from './network';
export type { LossName } from './loss';
export { buildXt, featureDim, featureActivation } from './features';
export {
  resolveModes,
  networkObjective,
  neuronInfos,
  rebalance,
  impliedBeta,
  neuronDirections,
  type ObjectiveParts,
  type NeuronInfo,
  type Rebalanced,
} from './objective';
