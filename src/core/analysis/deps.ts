/**
 * The one place the analysis reaches the modules written alongside it (shared-names.md):
 * src/core/convex (the §4 program), src/core/interpret (§6, §9) and src/core/losses (§8).
 *
 * The signatures below are those of shared-names.md; the analysis treats each module as optional
 * (null ⇒ that part of the analysis is omitted), so one line here disables a module if needed.
 */
import type { Mat } from '../linalg/mat';
import type { MatmulKernel } from '../linalg/kernel';
import type { CertifyModes } from '../certify/objective';
import type { CertificateResult, CertifySettings, NetworkWeights } from '../certify/types';
import type { OracleFn } from '../oracle/types';
import type { GeometryJson, LossName, NeuronInterpretationJson } from './types';
import type { HeadKind } from '../model';

export interface ConvexProgramOptions {
  relTol?: number;
  maxIterations?: number;
  kernel?: MatmulKernel;
  shouldStop?: () => boolean;
  timeBudgetMs?: number;
}
export interface ConvexProgramResult {
  value: number;
  programValue: number;
  lowerBound: number;
  relGap: number;
  converged: boolean;
  iterations: number;
  network: NetworkWeights;
  patterns: number;
  algorithm: string;
}
export interface ConvexModule {
  solveConvexProgram(X: Mat, Y: Mat, patterns: Uint8Array[], beta: number, modes: CertifyModes, opts?: ConvexProgramOptions): ConvexProgramResult;
  enumeratePatterns(Xt: Mat, budget: number): { patterns: Uint8Array[]; complete: boolean };
  samplePatterns(Xt: Mat, count: number, seed: number): Uint8Array[];
  ownPatterns(net: NetworkWeights, X: Mat, modes: CertifyModes): Uint8Array[];
  convexTolerances?(): Record<string, { value: number; meaning: string }>;
}

export interface InterpretModule {
  interpretNeurons(
    net: NetworkWeights,
    X: Mat,
    Y: Mat,
    beta: number,
    modes: CertifyModes,
    opts?: { kinkTol?: number; extremeTol?: number; dualDirection?: Mat },
  ): NeuronInterpretationJson[];
  matchNeurons(
    trained: NetworkWeights,
    optimal: NetworkWeights,
    X: Mat,
    modes: CertifyModes,
  ): { trained: number; optimal: number; cosine: number; samePattern: boolean }[];
  trainingGeometry(net: NetworkWeights, X: Mat, modes: CertifyModes, optimumNeurons: number | null, seed: number): GeometryJson;
  interpretTolerances?(): Record<string, { value: number; meaning: string }>;
}

export type ClassificationCertificate = CertificateResult & { loss: LossName; optimal?: NetworkWeights | null };
export interface LossesModule {
  certifyClassification(
    net: NetworkWeights,
    X: Mat,
    Y: Mat,
    loss: Exclude<LossName, 'squared'>,
    settings: CertifySettings,
    oracle?: OracleFn,
  ): ClassificationCertificate;
  labelsForLoss(Y: Mat, loss: LossName, c: number): Mat;
  lossValue(F: Mat, Y: Mat, loss: LossName): number;
  defaultLossForHead?(head: HeadKind): { loss: LossName; reason: string };
}

// Static imports now that the three modules are part of the tree: the assignments below make the
// compiler check them against the shared-names.md signatures above. (While a module was missing
// this file loaded it with require() in try/catch; the analysis handles null for each.)
import * as convexNs from '../convex';
import * as interpretNs from '../interpret';
import * as lossesNs from '../losses';

export const convex: ConvexModule | null = convexNs;
export const interpret: InterpretModule | null = interpretNs;
export const losses: LossesModule | null = lossesNs;
