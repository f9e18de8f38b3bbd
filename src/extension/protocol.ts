import type { ModelSummary } from '../core/model';

/**
 * Messages between the extension host and the engine worker. One typed protocol: the worker never
 * sees vscode, the host never runs the engine on its own thread.
 */
/**
 * `dir`: the model's folder on the extension host's file system (where external-data files are
 * read from) when the model is a local file; absent for virtual file systems.
 */
export type WorkerRequest = { id: number; kind: 'inspect'; file: string; bytes: Uint8Array; dir?: string };

export type WorkerResponse =
  | { id: number; ok: true; kind: 'inspect'; summary: InspectSummary }
  | { id: number; ok: false; error: string; errorKind: string };

export type InspectSummary = ModelSummary;
