import * as vscode from 'vscode';
import { CONFIG_FILE, parseWorkspaceConfig, upsertModelEntry, normalizeRelPath, type ModelEntry } from '../core/config/workspaceConfig';
import type { EditorDefaults } from '../core/config/resolve';
import { BUILTIN_DEFAULTS } from '../core/config/resolve';

/**
 * `.vscode/relu-lens.json` through workspace.fs (never node fs: remote and virtual workspaces
 * work the same). Writes happen only after the user said yes, and touch only the model's entry.
 */
export interface ModelLocation {
  folder: vscode.WorkspaceFolder | undefined;
  /** workspace-relative model path (the key in the file), or the file name outside a workspace */
  key: string;
}

export function locate(uri: vscode.Uri): ModelLocation {
  const folder = vscode.workspace.getWorkspaceFolder(uri);
  if (!folder) return { folder, key: uri.path.split('/').pop() ?? uri.path };
  const rel = relativePath(folder.uri, uri);
  return { folder, key: rel ?? uri.path };
}

/** Forward-slash path of `uri` inside `base`, or undefined when it is not inside. */
export function relativePath(base: vscode.Uri, uri: vscode.Uri): string | undefined {
  if (base.scheme !== uri.scheme || base.authority !== uri.authority) return undefined;
  const b = base.path.replace(/\/+$/, '') + '/';
  return uri.path.startsWith(b) ? (normalizeRelPath(uri.path.slice(b.length)) ?? undefined) : undefined;
}

export function configUri(folder: vscode.WorkspaceFolder): vscode.Uri {
  return vscode.Uri.joinPath(folder.uri, ...CONFIG_FILE.split('/'));
}

/** A workspace-relative path in the settings file → a Uri (the parser has checked it stays inside). */
export function resolveRel(folder: vscode.WorkspaceFolder | undefined, modelUri: vscode.Uri, rel: string): vscode.Uri {
  if (folder) return vscode.Uri.joinPath(folder.uri, ...rel.split('/'));
  return vscode.Uri.joinPath(modelUri, '..', ...rel.split('/'));
}

export async function readText(uri: vscode.Uri): Promise<string | null> {
  try {
    return new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
  } catch (e) {
    if (e instanceof vscode.FileSystemError && e.code === 'FileNotFound') return null;
    // some file systems report a missing file with another code; treat "cannot stat" as absent
    try {
      await vscode.workspace.fs.stat(uri);
    } catch {
      return null;
    }
    throw e;
  }
}

/** The saved entry for this model (undefined: none). Throws ReluLensError naming the key on a bad file. */
export async function savedEntry(loc: ModelLocation): Promise<ModelEntry | undefined> {
  if (!loc.folder) return undefined;
  const text = await readText(configUri(loc.folder));
  if (text === null) return undefined;
  return parseWorkspaceConfig(text).models[loc.key];
}

export type SaveOutcome = 'saved' | 'declined' | 'no-workspace';

/** Asks, then writes only this model's entry (the rest of the file is kept as it was). */
export async function offerToSave(loc: ModelLocation, entry: ModelEntry): Promise<SaveOutcome> {
  if (!loc.folder) return 'no-workspace';
  const uri = configUri(loc.folder);
  const existing = await readText(uri);
  const hasEntry =
    existing !== null &&
    (() => {
      try {
        return parseWorkspaceConfig(existing).models[loc.key] !== undefined;
      } catch {
        return false;
      }
    })();
  const detail =
    existing === null
      ? `Creates ${CONFIG_FILE} with the data and β settings for ${loc.key}. You can edit it by hand later.`
      : hasEntry
        ? `Replaces the entry for ${loc.key} in ${CONFIG_FILE}; other entries and keys are kept.`
        : `Adds an entry for ${loc.key} to ${CONFIG_FILE}; everything else in the file is kept.`;
  const save = 'Save';
  const pick = await vscode.window.showInformationMessage(`Save these answers to ${CONFIG_FILE}?`, { modal: true, detail }, save, "Don't Save");
  if (pick !== save) return 'declined';
  const text = upsertModelEntry(existing, loc.key, entry);
  await vscode.workspace.fs.createDirectory(vscode.Uri.joinPath(uri, '..'));
  await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
  return 'saved';
}

/** reluLens.* settings and which of them the user changed (for the provenance list). */
export function editorDefaults(scope?: vscode.Uri): { defaults: EditorDefaults; changed: Set<string>; autoRecertify: boolean } {
  const cfg = vscode.workspace.getConfiguration('reluLens', scope);
  const changed = new Set<string>();
  const get = <K extends keyof EditorDefaults>(k: K): EditorDefaults[K] => {
    const i = cfg.inspect<EditorDefaults[K]>(k);
    const user = i?.workspaceFolderValue ?? i?.workspaceValue ?? i?.globalValue;
    if (user !== undefined) changed.add(k);
    return user ?? BUILTIN_DEFAULTS[k];
  };
  const defaults: EditorDefaults = {
    tolerance: get('tolerance'),
    patternBudget: get('patternBudget'),
    oracleNodeBudget: get('oracleNodeBudget'),
    hiddenBias: get('hiddenBias'),
    outputBias: get('outputBias'),
    timeBudgetSeconds: get('timeBudgetSeconds'),
  };
  return { defaults, changed, autoRecertify: cfg.get<boolean>('autoRecertify', true) };
}
