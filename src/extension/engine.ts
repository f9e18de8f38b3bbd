import { Worker } from 'node:worker_threads';
import * as path from 'node:path';
import type { WorkerRequest, WorkerResponse } from './protocol';

type Pending = { resolve: (r: WorkerResponse) => void };

/** A lazily started worker thread running the engine bundle (dist/worker.js). */
export class Engine {
  private worker: Worker | undefined;
  private nextId = 1;
  private pending = new Map<number, Pending>();

  constructor(private readonly extensionPath: string) {}

  request(req: Omit<WorkerRequest, 'id'>): Promise<WorkerResponse> {
    const worker = this.ensure();
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, { resolve });
      worker.postMessage({ ...req, id });
    });
  }

  private ensure(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(path.join(this.extensionPath, 'dist', 'worker.js'));
    w.on('message', (res: WorkerResponse) => {
      this.pending.get(res.id)?.resolve(res);
      this.pending.delete(res.id);
    });
    w.on('error', (err) => this.failAll(`engine worker failed: ${err.message}`));
    w.on('exit', () => {
      this.worker = undefined;
      this.failAll('engine worker stopped');
    });
    this.worker = w;
    return w;
  }

  private failAll(message: string) {
    for (const [id, p] of this.pending) p.resolve({ id, ok: false, error: message, errorKind: 'internal' });
    this.pending.clear();
  }

  dispose() {
    void this.worker?.terminate();
  }
}
