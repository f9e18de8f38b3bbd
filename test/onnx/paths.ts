/** Locates the shared fixture folder (`<repo>/../shared`) from this file, wherever tests run from. */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

function repoRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('package.json not found above ' + __dirname);
    dir = up;
  }
  return dir;
}

export const REPO_ROOT = repoRoot();
export const REAL_FIXTURES = process.env.RELU_LENS_SHARED
  ? join(process.env.RELU_LENS_SHARED, 'fixtures/onnx-real')
  : resolve(REPO_ROOT, '../shared/fixtures/onnx-real');
