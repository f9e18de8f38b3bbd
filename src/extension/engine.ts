import { Worker, type ResourceLimits } from 'node:worker_threads';
import { DEFAULT_PATTERN_BUDGET, SAFETY_TIME_LIMIT_MS } from '../core/config/options';
import type { WorkerRequest, WorkerResponse } from './protocol';
import type { VerdictBlock } from '../protocol/panel';

type Req = WorkerRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;
type Final = Exclude<WorkerResponse, { kind: 'progress' | 'verdict' }>;

/**
 * Heap of the heavy lane's thread, MiB: WORKER_BASE_HEAP_MB + patternBudget · WORKER_BYTES_PER_PATTERN,
 * within [WORKER_BASE_HEAP_MB, WORKER_MAX_HEAP_MB]. The base holds the data at the readers' cell cap
 * (MAX_CELLS = 2^26 float64 values = 512 MiB) and the engine's working copies; the pattern term is
 * what the oracle may keep of the patterns it enumerates (each one's signs over the data rows and
 * its key). The default budget (2,000,000 patterns) gives 1,513 MiB. A job past it stops with an
 * error naming reluLens.patternBudget instead of exhausting the extension host.
 */
export const WORKER_BASE_HEAP_MB = 1024;
export const WORKER_BYTES_PER_PATTERN = 256;
export const WORKER_MAX_HEAP_MB = 8192;
/** The light lane reads files up to the 1 GiB file cap (column names, exports): a fixed heap. */
export const LIGHT_HEAP_MB = 1024;

export function workerHeapMb(patternBudget = DEFAULT_PATTERN_BUDGET): number {
  const mb = WORKER_BASE_HEAP_MB + Math.ceil((patternBudget * WORKER_BYTES_PER_PATTERN) / 2 ** 20);
  return Math.min(WORKER_MAX_HEAP_MB, Math.max(WORKER_BASE_HEAP_MB, mb));
}

/**
 * The wall-clock guard on a heavy job: the analysis stops itself at its time budget (a safety limit
 * checked between work units, reluLens.timeBudgetSeconds); if it has not answered this long after,
 * its thread is stopped and the job reported as stopped by the guard. An outer safety stop only.
 */
export const WALL_CLOCK_GRACE_MS = 60_000;
/** A light request (column names, inspect, export) answers in well under a second; past this it is stopped. */
export const LIGHT_TIMEOUT_MS = 60_000;

export interface EngineOptions {
  /** replaces WALL_CLOCK_GRACE_MS (tests) */
  graceMs?: number;
  /** replaces LIGHT_TIMEOUT_MS (tests) */
  lightTimeoutMs?: number;
  /** replaces workerHeapMb (tests) */
  heapMb?: (patternBudget: number | undefined) => number;
}

type Lane = 'heavy' | 'light';

/**
 * Worker threads running the engine bundle (dist/worker.js), started lazily. Two lanes: 'heavy'
 * runs analyses one at a time (cancel = terminate the thread, which stops even a tight numeric
 * loop at once; the next job respawns it), 'light' answers quick requests (column names, exports)
 * so a prompt never waits behind a running certificate.
 */
export class Engine {
  private lanes: Record<Lane, Worker | undefined> = { heavy: undefined, light: undefined };
  /** the heap each lane's thread was started with (a heavy job with another budget restarts it) */
  private heap: Record<Lane, number> = { heavy: 0, light: LIGHT_HEAP_MB };
  private nextId = 1;
  private pending = new Map<
    number,
    {
      resolve: (r: Final) => void;
      onProgress?: (stage: string, detail?: string) => void;
      onVerdict?: (verdict: VerdictBlock) => void;
      worker?: Worker;
      msg?: WorkerRequest;
      timer?: ReturnType<typeof setTimeout>;
    }
  >();
  private queue: { id: number; req: Req; start: () => void }[] = [];
  private running: number | undefined;

  constructor(
    private readonly workerFile: string,
    private readonly opts: EngineOptions = {},
  ) {}

  /**
   * A quick request on the light lane, stopped (its thread terminated, other light requests sent
   * again on a fresh one) when `signal` aborts or after LIGHT_TIMEOUT_MS.
   */
  request(req: Req, signal?: AbortSignal): Promise<Final> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      const msg = { ...req, id } as WorkerRequest;
      const timeoutMs = this.opts.lightTimeoutMs ?? LIGHT_TIMEOUT_MS;
      const timer = setTimeout(
        () =>
          this.stopLight(id, {
            id,
            ok: false,
            error: `the engine did not answer this ${req.kind} request within ${timeoutMs / 1000} s: stopped`,
            errorKind: 'internal',
          }),
        timeoutMs,
      );
      timer.unref?.(); // a guard, never what keeps the extension host alive
      this.pending.set(id, { resolve, msg, timer });
      if (signal?.aborted) return this.stopLight(id, { id, ok: false, error: 'cancelled', errorKind: 'cancelled' });
      signal?.addEventListener('abort', () => this.stopLight(id, { id, ok: false, error: 'cancelled', errorKind: 'cancelled' }), { once: true });
      this.post('light', msg);
    });
  }

  /** Ends light request `id` with `res`: its thread is terminated and the requests it also held go to a new one. */
  private stopLight(id: number, res: Final) {
    const p = this.pending.get(id);
    if (!p) return;
    const w = p.worker;
    this.settle(id, res);
    if (!w || this.lanes.light !== w) return;
    this.lanes.light = undefined;
    const others = [...this.pending].filter(([, q]) => q.worker === w);
    for (const [, q] of others) q.worker = undefined; // not failed by the exit of the old thread
    void w.terminate();
    for (const [, q] of others) if (q.msg) this.post('light', q.msg);
  }

  /** A long job on the heavy lane; `cancel` resolves with the ms it took the thread to stop. */
  job(
    req: Req,
    onProgress?: (stage: string, detail?: string) => void,
    onVerdict?: (verdict: VerdictBlock) => void,
  ): { result: Promise<Final>; cancel: () => Promise<number> } {
    const id = this.nextId++;
    let resolveFn!: (r: Final) => void;
    const result = new Promise<Final>((resolve) => (resolveFn = resolve));
    this.pending.set(id, { resolve: resolveFn, onProgress, onVerdict });
    const options = req.kind === 'analyze' ? req.options : undefined;
    const start = () => {
      this.post('heavy', { ...req, id } as WorkerRequest, this.opts.heapMb?.(options?.patternBudget) ?? workerHeapMb(options?.patternBudget));
      const limitMs = options?.timeBudgetMs ?? SAFETY_TIME_LIMIT_MS;
      const graceMs = this.opts.graceMs ?? WALL_CLOCK_GRACE_MS;
      const p = this.pending.get(id);
      if (p && Number.isFinite(limitMs))
        p.timer = setTimeout(() => {
          if (this.running !== id) return;
          const w = this.lanes.heavy;
          this.lanes.heavy = undefined;
          this.settle(id, {
            id,
            ok: false,
            error: `stopped by the wall-clock safety limit: the analysis had not stopped itself ${graceMs / 1000} s after its time budget of ${limitMs / 1000} s (reluLens.timeBudgetSeconds); raise that setting or lower reluLens.patternBudget`,
            errorKind: 'internal',
          });
          void w?.terminate();
        }, limitMs + graceMs);
      p?.timer?.unref?.();
    };
    this.queue.push({ id, req, start });
    this.pump();
    const cancel = async (): Promise<number> => {
      const t0 = performance.now();
      if (this.running === id) {
        const w = this.lanes.heavy;
        this.lanes.heavy = undefined;
        this.running = undefined;
        this.settle(id, { id, ok: false, error: 'cancelled', errorKind: 'cancelled' });
        if (w) await w.terminate();
        this.pump();
      } else if (this.queue.some((q) => q.id === id)) {
        this.queue = this.queue.filter((q) => q.id !== id);
        this.settle(id, { id, ok: false, error: 'cancelled', errorKind: 'cancelled' });
      }
      return performance.now() - t0;
    };
    return { result, cancel };
  }

  private pump() {
    if (this.running !== undefined || !this.queue.length) return;
    const next = this.queue.shift()!;
    this.running = next.id;
    next.start();
  }

  private post(lane: Lane, msg: WorkerRequest, heapMb?: number) {
    const w = this.ensure(lane, heapMb);
    const p = this.pending.get(msg.id);
    if (p) p.worker = w;
    // the bytes are sent as copies: the host keeps them for the cache key and later exports
    w.postMessage(msg);
  }

  private settle(id: number, res: Final) {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    clearTimeout(p.timer);
    if (this.running === id) {
      this.running = undefined;
      queueMicrotask(() => this.pump());
    }
    p.resolve(res);
  }

  private ensure(lane: Lane, heapMb = this.heap[lane]): Worker {
    const have = this.lanes[lane];
    if (have && this.heap[lane] === heapMb) return have;
    // a heavy job with another pattern budget: the idle thread is replaced by one sized for it
    if (have) {
      this.lanes[lane] = undefined;
      void have.terminate();
    }
    this.heap[lane] = heapMb;
    const resourceLimits: ResourceLimits = { maxOldGenerationSizeMb: heapMb };
    const w = new Worker(this.workerFile, { resourceLimits });
    w.on('message', (res: WorkerResponse) => {
      if (res.ok && res.kind === 'progress') this.pending.get(res.id)?.onProgress?.(res.stage, res.detail);
      else if (res.ok && res.kind === 'verdict') this.pending.get(res.id)?.onVerdict?.(res.verdict);
      else this.settle(res.id, res);
    });
    w.on('error', (err) => {
      const oom = (err as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY';
      const msg = oom
        ? `the analysis needed more memory than its limit (${heapMb} MiB, sized from ${lane === 'heavy' ? 'reluLens.patternBudget' : 'the file size cap'}): stopped. Lower reluLens.patternBudget or use fewer data rows`
        : `engine worker failed: ${err.message}`;
      this.failLane(lane, w, msg);
    });
    w.on('exit', () => this.failLane(lane, w, 'engine worker stopped'));
    this.lanes[lane] = w;
    return w;
  }

  private failLane(lane: Lane, w: Worker, message: string) {
    if (this.lanes[lane] === w) this.lanes[lane] = undefined;
    for (const [id, p] of [...this.pending]) if (p.worker === w) this.settle(id, { id, ok: false, error: message, errorKind: 'internal' });
  }

  dispose() {
    for (const p of this.pending.values()) clearTimeout(p.timer);
    for (const lane of ['heavy', 'light'] as const) void this.lanes[lane]?.terminate();
    this.lanes = { heavy: undefined, light: undefined };
  }
}
