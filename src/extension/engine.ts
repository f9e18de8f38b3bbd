import { Worker } from 'node:worker_threads';
import type { WorkerRequest, WorkerResponse } from './protocol';

type Req = WorkerRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;
type Final = Exclude<WorkerResponse, { kind: 'progress' }>;

/**
 * Worker threads running the engine bundle (dist/worker.js), started lazily. Two lanes: 'heavy'
 * runs analyses one at a time (cancel = terminate the thread, which stops even a tight numeric
 * loop at once; the next job respawns it), 'light' answers quick requests (column names, exports)
 * so a prompt never waits behind a running certificate.
 */
export class Engine {
  private lanes: Record<'heavy' | 'light', Worker | undefined> = { heavy: undefined, light: undefined };
  private nextId = 1;
  private pending = new Map<number, { resolve: (r: Final) => void; onProgress?: (stage: string, detail?: string) => void; worker?: Worker }>();
  private queue: { id: number; req: Req; start: () => void }[] = [];
  private running: number | undefined;

  constructor(private readonly workerFile: string) {}

  /** A quick request on the light lane. */
  request(req: Req): Promise<Final> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, { resolve });
      this.post('light', { ...req, id } as WorkerRequest);
    });
  }

  /** A long job on the heavy lane; `cancel` resolves with the ms it took the thread to stop. */
  job(req: Req, onProgress?: (stage: string, detail?: string) => void): { result: Promise<Final>; cancel: () => Promise<number> } {
    const id = this.nextId++;
    let resolveFn!: (r: Final) => void;
    const result = new Promise<Final>((resolve) => (resolveFn = resolve));
    this.pending.set(id, { resolve: resolveFn, onProgress });
    this.queue.push({ id, req, start: () => this.post('heavy', { ...req, id } as WorkerRequest) });
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

  private post(lane: 'heavy' | 'light', msg: WorkerRequest) {
    const w = this.ensure(lane);
    const p = this.pending.get(msg.id);
    if (p) p.worker = w;
    // the bytes are sent as copies: the host keeps them for the cache key and later exports
    w.postMessage(msg);
  }

  private settle(id: number, res: Final) {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    if (this.running === id) {
      this.running = undefined;
      queueMicrotask(() => this.pump());
    }
    p.resolve(res);
  }

  private ensure(lane: 'heavy' | 'light'): Worker {
    const have = this.lanes[lane];
    if (have) return have;
    const w = new Worker(this.workerFile);
    w.on('message', (res: WorkerResponse) => {
      if (res.ok && res.kind === 'progress') this.pending.get(res.id)?.onProgress?.(res.stage, res.detail);
      else this.settle(res.id, res as Final);
    });
    w.on('error', (err) => this.failLane(lane, w, `engine worker failed: ${err.message}`));
    w.on('exit', () => this.failLane(lane, w, 'engine worker stopped'));
    this.lanes[lane] = w;
    return w;
  }

  private failLane(lane: 'heavy' | 'light', w: Worker, message: string) {
    if (this.lanes[lane] === w) this.lanes[lane] = undefined;
    for (const [id, p] of [...this.pending]) if (p.worker === w) this.settle(id, { id, ok: false, error: message, errorKind: 'internal' });
  }

  dispose() {
    for (const lane of ['heavy', 'light'] as const) void this.lanes[lane]?.terminate();
    this.lanes = { heavy: undefined, light: undefined };
  }
}
