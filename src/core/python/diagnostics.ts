/**
 * What a lint finding is (codes, severity, range, fix), shared by the torch and the scikit-learn
 * readers (lint.ts, sklearnLint.ts) so neither imports the other.
 */
import type { CertifyControl } from '../format/certifyControls';
import type { SrcRange } from './types';

export type Severity = 'error' | 'warning' | 'information' | 'hint';

export interface TextEdit {
  range: SrcRange;
  newText: string;
}

export interface ScriptDiagnostic {
  code: string;
  severity: Severity;
  message: string;
  range: SrcRange;
  /** hover material: β derivation, width comparison, the model a CodeLens/verdict refers to */
  related?: {
    kind: 'weight-decay' | 'width' | 'export' | 'loss' | 'unresolved' | 'network';
    beta?: number | null;
    derivation?: string;
    lines?: string[];
    modelPath?: string;
  };
  fix?: { title: string; edits: TextEdit[] };
  /** settings to certify with; each front end words them (format/certifyControls.ts) after `message` */
  certifyWith?: readonly CertifyControl[];
}

export const CODES = {
  noWeightDecay: 'RL001',
  beta: 'RL002',
  adamw: 'RL003',
  unsupportedLoss: 'RL004',
  lossReading: 'RL005',
  width: 'RL006',
  shapeMismatch: 'RL007',
  verdict: 'RL010',
  staleModel: 'RL011',
  missingModel: 'RL012',
  notCertified: 'RL013',
  staleVerdict: 'RL014',
  headMismatch: 'RL008',
  betaMismatch: 'RL009',
  unresolved: 'RL020',
  noNetwork: 'RL021',
  biasesFree: 'RL022',
  otherOptimizer: 'RL023',
  noLoss: 'RL024',
  noOptimizer: 'RL025',
  syntax: 'RL030',
  polish: 'RL026',
  trainingStop: 'RL027',
} as const;
