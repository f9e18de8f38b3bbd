/**
 * One child of the long fuzz mode (scripts/fuzz.mjs): runs cases [from, to) of a seed and writes one
 * line per case to stdout, "<index> <target> <outcome>", before and after it ("start"/"done"), so the
 * parent knows which case was running when it hangs or the child runs out of memory. An exception
 * is written as a JSON line and the run goes on.
 * Usage: node --import tsx test/fuzz/child.ts SEED FROM TO
 */
import { writeSync } from 'node:fs';
import { hostileWorkspace } from './workspace';
import { runCase, FuzzFailure, TARGETS } from './targets';

const [seed, from, to] = process.argv.slice(2).map(Number);
const hw = hostileWorkspace();
const say = (s: string) => writeSync(1, s + '\n');
process.on('exit', () => hw.done());
// the parent removes the workspace when it has to kill this process
say(`workspace ${hw.root}`);

(async () => {
  for (let i = from; i < to; i++) {
    say(`start ${i} ${TARGETS[i % TARGETS.length]}`);
    try {
      const r = await runCase(seed, i, hw);
      say(`done ${i} ${r.target} ${r.outcome}`);
    } catch (e) {
      const f = e instanceof FuzzFailure ? e : new FuzzFailure(TARGETS[i % TARGETS.length], i, String(e));
      say(`done ${i} ${f.target} exception ${JSON.stringify(f.message.slice(0, 2000))}`);
    }
  }
  process.exit(0);
})();
