import { parentPort } from 'node:worker_threads';
import { readModelBytes, externalDataReader } from '../core/onnx';
import { ReluLensError } from '../core/errors';
import { modelSummary } from '../core/model';
import type { WorkerRequest, WorkerResponse } from './protocol';

// The engine runs here so the extension host never blocks on numerics.
parentPort?.on('message', (req: WorkerRequest) => {
  let res: WorkerResponse;
  try {
    const dir = req.dir;
    const model = readModelBytes(req.bytes, {
      file: req.file,
      dir,
      readExternal: dir ? externalDataReader(dir, req.file) : undefined,
    });
    res = {
      id: req.id,
      ok: true,
      kind: 'inspect',
      summary: modelSummary(model),
    };
  } catch (e) {
    const known = e instanceof ReluLensError;
    res = { id: req.id, ok: false, error: known ? e.describe() : `internal error: ${(e as Error).message}`, errorKind: known ? e.kind : 'internal' };
  }
  parentPort!.postMessage(res);
});
