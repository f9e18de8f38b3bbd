import { parentPort } from 'node:worker_threads';
import { CancelledError, ReluLensError } from '../core/errors';
import { analyzeJob, dataColumns, exportJob, inspectSummary, loadModel, NeedExternal } from './workerJobs';
import type { WorkerRequest, WorkerResponse } from './protocol';

// The engine runs here so the extension host never blocks on numerics. One request at a time is
// the host's rule (Engine queues); cancelling terminates this thread, so no job needs to poll.
const post = (res: WorkerResponse, transfer: ArrayBuffer[] = []) => parentPort!.postMessage(res, transfer);

async function handle(req: WorkerRequest): Promise<WorkerResponse> {
  switch (req.kind) {
    case 'inspect':
      return { id: req.id, ok: true, kind: 'inspect', summary: inspectSummary(loadModel(req)) };
    case 'analyze': {
      const result = await analyzeJob(
        req,
        (stage, detail) => post({ id: req.id, ok: true, kind: 'progress', stage, detail }),
        undefined,
        (verdict) => post({ id: req.id, ok: true, kind: 'verdict', verdict }),
      );
      return { id: req.id, ok: true, kind: 'analyze', result };
    }
    case 'dataColumns':
      return { id: req.id, ok: true, kind: 'dataColumns', columns: dataColumns(req.dataBytes, req.dataName, req.expectC) };
    case 'export':
      return { id: req.id, ok: true, kind: 'export', bytes: exportJob(req) };
  }
}

parentPort?.on('message', async (req: WorkerRequest) => {
  let res: WorkerResponse;
  try {
    res = await handle(req);
  } catch (e) {
    if (e instanceof NeedExternal) res = { id: req.id, ok: false, error: e.message, errorKind: 'need-external', needExternal: e.path, needRanges: e.entries };
    else if (e instanceof CancelledError) res = { id: req.id, ok: false, error: 'cancelled', errorKind: 'cancelled' };
    else if (e instanceof ReluLensError) res = { id: req.id, ok: false, error: e.describe(), errorKind: e.kind, errorCode: e.code };
    else res = { id: req.id, ok: false, error: `internal error: ${(e as Error)?.message ?? String(e)}`, errorKind: 'internal' };
  }
  post(res);
});
