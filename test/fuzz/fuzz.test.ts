/**
 * The fixed-seed slice of the fuzz harness (issue #17 item 6) in `npm test`: CASES mutants spread
 * over every target (ONNX bytes and varints, external-data locations through symlinks, FIFOs and
 * /dev/zero made at test time, .npy headers, .npz members, CSV/JSON tokens, data files named by
 * path, Python and notebook sources, the shared load pipeline). Each must be read or refused with a
 * ReluLensError, and no model may make the reader open a file outside its folder. Sized by count
 * (about 30 s of work on 2 busy cores); the long mode is `npm run fuzz -- --n 1000000`.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { hostileWorkspace } from './workspace';
import { runCase, TARGETS, type Outcome } from './targets';
import { sized } from '../slow';

const SEED = 20261207;
/** half in `npm test`, 2200 in `npm run test:slow` (a prefix of the same cases) */
const CASES = Number(process.env.RELU_LENS_FUZZ_CASES ?? sized(1100, 2200));

const hw = hostileWorkspace();
after(() => hw.done());

test(`fuzz: ${CASES} seeded mutants over ${TARGETS.length} targets are read or cleanly refused`, async () => {
  const counts: Record<string, Record<Outcome, number>> = {};
  const failures: string[] = [];
  for (let i = 0; i < CASES; i++) {
    try {
      const r = await runCase(SEED, i, hw);
      (counts[r.target] ??= { ok: 0, refused: 0 })[r.outcome]++;
    } catch (e) {
      failures.push(e instanceof Error ? e.message : String(e));
    }
  }
  console.log(`# fuzz outcomes by target: ${JSON.stringify(counts)}`);
  assert.deepEqual(failures, [], 'exceptions (reproduce with runCase(SEED, index))');
  // a mutator that never produces a readable input, or never a refusal, is not exercising the reader
  for (const t of ['onnx-bytes', 'onnx-external', 'csv', 'json', 'python', 'notebook'] as const) {
    assert.ok(counts[t].ok > 0, `${t}: some mutants are still readable`);
  }
  for (const t of TARGETS.filter((x) => x !== 'python')) assert.ok(counts[t].refused > 0, `${t}: some mutants are refused`);
});
