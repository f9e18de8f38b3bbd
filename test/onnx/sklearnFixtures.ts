/** The skl2onnx fixtures (test/fixtures/sklearn/make_fixtures.py) and the sklearn facts recorded beside them. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './paths';

export const SKLEARN_DIR = join(REPO_ROOT, 'test/fixtures/sklearn');

export interface SklearnRecord {
  solver: string;
  estimator: 'MLPClassifier' | 'MLPRegressor';
  pipeline: boolean;
  alpha: number;
  n: number;
  coefs: number[][][];
  intercepts: number[][];
  classes?: (number | string)[];
  predict_proba?: number[][];
  predict: number[];
  scaler?: { mean: number[]; scale: number[] };
}

export const record = (name: string) => JSON.parse(readFileSync(join(SKLEARN_DIR, `${name}.json`), 'utf8')) as SklearnRecord;
