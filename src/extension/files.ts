import * as vscode from 'vscode';
import { normalizeRelPath } from '../core/config/workspaceConfig';
import type { Engine } from './engine';
import type { ExportFormat, ModelSource, WorkerRequest, WorkerResponse } from './protocol';
import type { NetworkJson } from '../core/analysis/types';

type Final = Exclude<WorkerResponse, { kind: 'progress' }>;
type Req = WorkerRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/** External-data files a model may name, at most (each round trip adds one). */
const MAX_EXTERNAL_FILES = 64;

export class FileReadError extends Error {
  constructor(readonly uri: vscode.Uri, readonly why: string) {
    super(`cannot read ${vscode.workspace.asRelativePath(uri)}: ${why}`);
  }
}

export async function readBytes(uri: vscode.Uri): Promise<Uint8Array> {
  try {
    return await vscode.workspace.fs.readFile(uri);
  } catch (e) {
    const why = e instanceof vscode.FileSystemError ? (e.code === 'FileNotFound' ? 'no such file' : e.code || e.message) : String(e);
    throw new FileReadError(uri, why);
  }
}

/**
 * Sends a request that needs the model, adding the external-data files the worker asks for (read
 * through workspace.fs from the model's folder) until it answers something else. `send` is the
 * engine call: a light request, or a heavy job whose cancel handle the caller keeps.
 */
export async function withExternals(
  model: vscode.Uri,
  src: ModelSource,
  send: (req: ModelSource) => Promise<Final>,
): Promise<Final> {
  for (let i = 0; i <= MAX_EXTERNAL_FILES; i++) {
    const res = await send(src);
    if (res.ok || !res.needExternal) return res;
    const rel = normalizeRelPath(res.needExternal);
    if (!rel || rel in src.externals) return { ...res, needExternal: undefined, error: `external data file '${res.needExternal}' cannot be read`, errorKind: 'model' };
    try {
      src.externals[rel] = await vscode.workspace.fs.readFile(vscode.Uri.joinPath(model, '..', ...rel.split('/')));
    } catch {
      return { id: res.id, ok: false, error: `${src.modelName}: external data file '${rel}' was not found next to the model`, errorKind: 'model' };
    }
  }
  return { id: 0, ok: false, error: `${src.modelName}: too many external data files`, errorKind: 'model' };
}

export async function modelSource(engineModel: vscode.Uri): Promise<ModelSource> {
  return { modelBytes: await readBytes(engineModel), modelName: vscode.workspace.asRelativePath(engineModel, false), externals: {} };
}

/** A light request needing the model (inspect, ONNX export). */
export function lightWithModel(
  engine: Engine,
  model: vscode.Uri,
  src: ModelSource,
  rest: { kind: 'inspect' } | { kind: 'export'; format: ExportFormat; net: NetworkJson },
): Promise<Final> {
  return withExternals(model, src, (s) => engine.request({ ...rest, ...s } as Req));
}
