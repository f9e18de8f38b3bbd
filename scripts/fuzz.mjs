// The long fuzz mode (issue #17 item 6): `npm run fuzz -- --n 1000000 [--seed S] [--from I]
// [--chunk C] [--report FILE]`. Cases run in child processes (test/fuzz/child.ts), one at a time,
// each with a bounded V8 heap (--max-old-space-size) and its resident memory watched here; a child
// runs `chunk` cases and is replaced, so no state leaks across chunks. The per-case timeout below is
// a hang detector only (no result depends on time). Prints the outcome counts as JSON:
// ok / refused (a clean ReluLensError) / exception / hang / memory, per target, with every failing
// case's (seed, index) so it can be replayed and turned into a regression case (test/fuzz/regressions.ts).
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '10000' },
    seed: { type: 'string', default: '1' },
    from: { type: 'string', default: '0' },
    chunk: { type: 'string', default: '5000' },
    report: { type: 'string' },
    'hang-ms': { type: 'string', default: '120000' },
    'heap-mb': { type: 'string', default: '1024' },
    'rss-mb': { type: 'string', default: '1536' },
  },
});
const N = Number(values.n),
  SEED = Number(values.seed),
  CHUNK = Number(values.chunk);
/**
 * A case needs well under a second of CPU; one silent this long is hung. Generous because the long
 * mode runs at nice 19 on shared machines, where a child can wait for a core for many seconds.
 */
const HANG_MS = Number(values['hang-ms']);
/** V8 heap of a child, and the resident-set ceiling (heap + typed arrays + native) that counts as 'memory'. */
const HEAP_MB = Number(values['heap-mb']);
const RSS_LIMIT = Number(values['rss-mb']) * 2 ** 20;
const POLL_MS = 250;

const counts = { ok: 0, refused: 0, exception: 0, hang: 0, memory: 0 };
const byTarget = {};
const failures = [];
let peakRss = 0;
const t0 = Date.now();
let done = 0;

function count(target, outcome, detail, index) {
  counts[outcome]++;
  done++;
  (byTarget[target] ??= { ok: 0, refused: 0, exception: 0, hang: 0, memory: 0 })[outcome]++;
  if (outcome !== 'ok' && outcome !== 'refused' && failures.length < 200) failures.push({ seed: SEED, index, target, outcome, detail: detail?.slice(0, 2000) });
}

function rssOf(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(s)?.[1] ?? 0) * 1024;
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
  } catch {
    return { rss: 0, hwm: 0 };
  }
}

/** Runs cases [from, to) in one child; resolves with the index to resume at (past a failing case). */
function runChild(from, to) {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [`--max-old-space-size=${HEAP_MB}`, '--import', 'tsx', 'test/fuzz/child.ts', String(SEED), String(from), String(to)],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let current = null; // { index, target } of the running case
    let next = from;
    let last = Date.now();
    let killedFor = null;
    let stderr = '';
    let workspace = null;
    child.stderr.on('data', (b) => (stderr = (stderr + b).slice(-4000)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      last = Date.now();
      if (line.startsWith('workspace ')) workspace = line.slice(10);
      const m = /^(start|done) (\d+) (\S+)(?: (\S+)(?: (.*))?)?$/.exec(line);
      if (!m) return;
      const index = Number(m[2]);
      if (m[1] === 'start') current = { index, target: m[3] };
      else {
        count(m[3], m[4], m[5] ? JSON.parse(m[5]) : undefined, index);
        current = null;
        next = index + 1;
      }
    });
    const timer = setInterval(() => {
      const { rss, hwm } = rssOf(child.pid);
      peakRss = Math.max(peakRss, hwm);
      if (rss > RSS_LIMIT) killedFor = 'memory';
      else if (Date.now() - last > HANG_MS) killedFor = 'hang';
      if (killedFor) child.kill('SIGKILL');
    }, POLL_MS);
    child.on('exit', (code, signal) => {
      clearInterval(timer);
      if (workspace && /relu-lens-fuzz-/.test(workspace)) rmSync(workspace, { recursive: true, force: true });
      if (current) {
        // the case in progress when the child died
        const oom = /heap out of memory|Allocation failed|ERR_MEMORY/i.test(stderr);
        const outcome = killedFor ?? (oom ? 'memory' : 'exception');
        count(current.target, outcome, `child ${signal ?? code}: ${stderr.slice(-1500)}`, current.index);
        next = current.index + 1;
      } else if (next < to && (code !== 0 || signal)) {
        // died between cases (start-up): count nothing, but do not loop forever on it
        failures.push({
          seed: SEED,
          index: next,
          target: 'harness',
          outcome: 'exception',
          detail: `child ${signal ?? code} outside a case: ${stderr.slice(-1500)}`,
        });
        next = to;
      }
      resolve(next);
    });
  });
}

function summary() {
  const seconds = (Date.now() - t0) / 1000;
  return {
    seed: SEED,
    from: Number(values.from),
    n: done,
    counts,
    byTarget,
    seconds: Math.round(seconds),
    ratePerSecond: Math.round((done / seconds) * 10) / 10,
    peakChildRssMB: Math.round(peakRss / 2 ** 20),
    heapMB: HEAP_MB,
    rssLimitMB: RSS_LIMIT / 2 ** 20,
    failures,
  };
}

const end = Number(values.from) + N;
for (let i = Number(values.from); i < end; ) {
  i = await runChild(i, Math.min(end, i + CHUNK));
  if (values.report) writeFileSync(values.report, JSON.stringify(summary(), null, 1) + '\n');
}
const s = summary();
process.stdout.write(JSON.stringify(s, null, 1) + '\n');
process.exit(s.counts.exception + s.counts.hang + s.counts.memory ? 1 : 0);
