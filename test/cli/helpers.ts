import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..');
export const SHARED = path.resolve(ROOT, '..', 'shared', 'fixtures', 'onnx-real');
const CLI = path.join(ROOT, 'dist', 'cli.js');

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run the built CLI as a user would (npm test builds dist/ first). */
export function cli(args: string[], opts: { cwd?: string; timeoutMs?: number } = {}): Run {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: opts.cwd ?? ROOT,
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 120_000,
    maxBuffer: 1 << 28, // inspect --json prints every weight (fixture 08: ~1.5 MB)
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
