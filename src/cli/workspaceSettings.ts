/**
 * The CLI reads the same `.vscode/relu-lens.json` the extension writes (issue #5: "so the CLI reads the
 * same file"). Flags always win; a value taken from the file is announced on stderr and in the result's
 * warnings, so nothing is guessed silently.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { CONFIG_FILE, normalizeRelPath, parseWorkspaceConfig, type ModelEntry } from '../core/config/workspaceConfig';
import { usageError } from '../core/errors';
import { entryBias } from '../core/config/resolve';
import type { CertifyArgs } from './argTypes';

export interface FoundEntry {
  file: string;
  folder: string;
  key: string;
  entry: ModelEntry;
}

/** The workspace folder is the one holding `.vscode/relu-lens.json`, searched upward from the model. */
export function findEntryFor(modelPath: string, explicitConfig?: string): FoundEntry | null {
  const model = path.resolve(modelPath);
  const candidates: string[] = [];
  if (explicitConfig) {
    if (!existsSync(explicitConfig)) throw usageError(`--config: ${explicitConfig} does not exist`);
    const abs = path.resolve(explicitConfig);
    // --config may name the file or the workspace folder
    candidates.push(abs.endsWith('.json') ? abs : path.join(abs, CONFIG_FILE));
  } else {
    for (let dir = path.dirname(model); ; dir = path.dirname(dir)) {
      candidates.push(path.join(dir, CONFIG_FILE));
      if (path.dirname(dir) === dir) break;
    }
  }
  for (const file of candidates) {
    if (!existsSync(file)) continue;
    const folder = path.basename(path.dirname(file)) === '.vscode' ? path.dirname(path.dirname(file)) : path.dirname(file);
    let cfg;
    try {
      cfg = parseWorkspaceConfig(readFileSync(file, 'utf8'));
    } catch (e) {
      throw usageError(`${file}: ${(e as Error).message}`);
    }
    const key = normalizeRelPath(path.relative(folder, model));
    if (key && cfg.models[key]) return { file, folder, key, entry: cfg.models[key] };
    if (explicitConfig) throw usageError(`${file} has no entry for "${key ?? model}" (keys: ${Object.keys(cfg.models).join(', ') || 'none'})`);
  }
  return null;
}

/** Fills what the flags left open; returns one line per value taken from the file. */
export function fillFromWorkspaceConfig(args: CertifyArgs, explicitConfig?: string): string[] {
  const needData = !args.data;
  const needBeta = args.beta === undefined && args.weightDecay === undefined && args.sklearnAlpha === undefined;
  if (!needData && !needBeta && !explicitConfig) return [];
  const found = findEntryFor(args.model, explicitConfig);
  if (!found) return [];
  const { entry, folder, file, key } = found;
  const from = `${path.relative(process.cwd(), file) || file} (models["${key}"])`;
  const taken: string[] = [];
  const rel = (p: string) => path.relative(process.cwd(), path.join(folder, p)) || '.';
  if (needData) {
    args.data = rel(entry.data);
    taken.push(`data ${entry.data}`);
    if (!args.labels.length && entry.labels?.length) {
      args.labels = [...entry.labels];
      taken.push(`labels ${entry.labels.join(', ')}`);
    }
    if (!args.labelsFile && entry.labelsFile) {
      args.labelsFile = rel(entry.labelsFile);
      taken.push(`labels file ${entry.labelsFile}`);
    }
  }
  if (needBeta) {
    if (entry.beta != null) {
      args.beta = entry.beta;
      taken.push(`β = ${entry.beta}`);
    } else if (entry.sklearnAlpha != null) {
      args.sklearnAlpha = entry.sklearnAlpha;
      taken.push(`scikit-learn alpha ${entry.sklearnAlpha} (β = alpha, both biases free)`);
    } else if (entry.training) {
      const t = entry.training;
      args.weightDecay = t.weightDecay;
      args.reduction = t.reduction;
      if (t.optimizer && !args.optimizer) args.optimizer = t.optimizer;
      taken.push(`weight decay ${t.weightDecay} (${t.reduction}${t.optimizer ? `, ${t.optimizer}` : ''})`);
    }
  }
  // the entry's own bias modes win over training.biasDecay, as in the extension (config/resolve.ts
  // entryBias); biasDecay counts only when the file's training settings are the ones used
  for (const k of ['hiddenBias', 'outputBias'] as const) {
    const b = entryBias(entry, k);
    if (args[k] || !b || (b.from === 'biasDecay' && !(needBeta && entry.beta == null))) continue;
    args[k] = b.mode;
    taken.push(
      b.from === 'entry'
        ? `${k === 'hiddenBias' ? 'hidden' : 'output'} bias ${b.mode}`
        : `${k === 'hiddenBias' ? 'hidden' : 'output'} bias free (training.biasDecay = false)`,
    );
  }
  if (!args.loss && entry.loss) (args.loss = entry.loss), taken.push(`loss ${entry.loss}`);
  if (args.huberDelta === undefined && entry.huberDelta !== undefined) (args.huberDelta = entry.huberDelta), taken.push(`Huber δ ${entry.huberDelta}`);
  if (!args.tolGiven && entry.tol !== undefined) (args.tol = entry.tol), taken.push(`tol ${entry.tol}`);
  return taken.length ? [`settings from ${from}: ${taken.join('; ')}`] : [];
}
