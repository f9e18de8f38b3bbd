/**
 * A training script that exports this model tells us what the user would otherwise type: the data
 * file, the weight decay, the loss reduction, the optimizer. These become the prefilled answers of
 * the first analysis (the user confirms them); nothing here is used without that confirmation.
 * No vscode: paths are plain workspace-relative strings.
 */
import type { LossName } from '../problem/loss';
import { normalizeRelPath, type ModelEntry, type TrainingSettings } from './workspaceConfig';

/** The subset of ScriptFacts (src/core/python) this needs — structural, so either side may extend. */
export interface FactsLike {
  file: string;
  optimizer: { kind: string; weightDecay: number | null; biasDecay: boolean | 'unknown'; range: { line: number } } | null;
  loss: { kind: string; reduction: 'mean' | 'sum' | null; supported: boolean; range: { line: number } } | null;
  data: { paths: { path: string; range: { line: number } }[] } | null;
  exports: { path: string; kind: string; range: { line: number } }[];
  unresolved?: { what: string; range?: { line: number } }[];
}

export interface ScriptPrefill {
  /** workspace-relative script path and the 1-based line of the export call */
  script: string;
  line: number;
  data?: string;
  training?: TrainingSettings;
  loss?: LossName;
  /** what could not be taken from the script, in words */
  notes: string[];
}

/** Workspace-relative candidates for a path written in a script (cwd = its folder, or the workspace root). */
export function scriptPathCandidates(scriptRel: string, written: string): string[] {
  const w = written.replace(/\\/g, '/');
  if (w.startsWith('/') || /^[a-zA-Z]:/.test(w)) return [];
  const dir = scriptRel.includes('/') ? scriptRel.slice(0, scriptRel.lastIndexOf('/')) : '';
  const out = [dir ? normalizeRelPath(`${dir}/${w}`) : null, normalizeRelPath(w)].filter((x): x is string => !!x);
  return [...new Set(out)];
}

/** Does the script export `modelRel`? (absolute paths compared against `modelAbs` when given) */
export function exportsModel(f: FactsLike, scriptRel: string, modelRel: string, modelAbs?: string): { line: number } | null {
  for (const e of f.exports) {
    if (e.kind === 'torch-save') continue;
    const w = e.path.replace(/\\/g, '/');
    const hit = modelAbs && (w === modelAbs || w === modelAbs.replace(/\\/g, '/')) ? true : scriptPathCandidates(scriptRel, w).includes(modelRel);
    if (hit) return { line: e.range.line + 1 };
  }
  return null;
}

/** Quoted file names in the source: "model.onnx", 'train.csv' (for paths built at run time). */
function quotedNames(source: string, ext: RegExp): string[] {
  const out: string[] = [];
  for (const m of source.matchAll(/(["'])([^"'\\\n]+)\1/g)) if (ext.test(m[2])) out.push(m[2].replace(/\\/g, '/'));
  return out;
}

/**
 * When the reader could not resolve the export path (e.g. os.path.join(HERE, "model.onnx") with
 * HERE from __file__), a quoted name that resolves to this model next to the script still says
 * which model the script writes; the line is the unresolved export's. The user confirms the
 * prefilled answers, so this only saves typing.
 */
export function exportsModelLoosely(f: FactsLike, source: string, scriptRel: string, modelRel: string, modelAbs?: string): { line: number } | null {
  const strict = exportsModel(f, scriptRel, modelRel, modelAbs);
  if (strict) return strict;
  const unresolved = (f.unresolved ?? []).find((u) => /export/i.test(u.what));
  if (!unresolved) return null;
  const hit = quotedNames(source, /\.onnx$/i).some((n) => scriptPathCandidates(scriptRel, n).includes(modelRel));
  return hit ? { line: (unresolved.range?.line ?? 0) + 1 } : null;
}

/** Data files named in quotes in the source, for a script whose data reader was not recognized. */
export function quotedDataPaths(source: string): { path: string; range: { line: number } }[] {
  const lines = source.split('\n');
  return quotedNames(source, /\.(csv|tsv|npy|npz|json|txt)$/i).map((path) => ({
    path,
    range: {
      line: Math.max(
        0,
        lines.findIndex((l) => l.includes(path)),
      ),
    },
  }));
}

const LOSS_MAP: Record<string, LossName> = { mse: 'squared', 'cross-entropy': 'cross-entropy', 'bce-logits': 'logistic', hinge: 'hinge', huber: 'huber' };

/**
 * `exists(rel)` says whether a data candidate is a file in the workspace (the first existing
 * candidate wins, script-folder first).
 */
export function prefillFromFacts(f: FactsLike, scriptRel: string, exportLine: number, exists: (rel: string) => boolean): ScriptPrefill {
  const p: ScriptPrefill = { script: scriptRel, line: exportLine, notes: [] };
  for (const d of f.data?.paths ?? []) {
    const hit = scriptPathCandidates(scriptRel, d.path).find(exists);
    if (hit) {
      p.data = hit;
      break;
    }
  }
  if (!p.data && f.data?.paths.length)
    p.notes.push(
      `the data path${f.data.paths.length > 1 ? 's' : ''} in ${scriptRel} (${f.data.paths.map((x) => x.path).join(', ')}) were not found in the workspace`,
    );
  const o = f.optimizer;
  const reduction = f.loss?.reduction ?? (f.loss && f.loss.kind !== 'penalty' ? 'mean' : null);
  if (o && o.weightDecay !== null && o.weightDecay > 0 && reduction) {
    p.training = { weightDecay: o.weightDecay, reduction };
    if (o.kind === 'sgd' || o.kind === 'adam' || o.kind === 'adamw') p.training.optimizer = o.kind;
    if (o.biasDecay !== 'unknown') p.training.biasDecay = o.biasDecay;
  } else if (o && (o.weightDecay === null || o.weightDecay === 0))
    p.notes.push(`${scriptRel}:${o.range.line + 1}: the optimizer has no weight decay, so there is no β to certify against`);
  else if (!o) p.notes.push(`no optimizer was recognized in ${scriptRel}`);
  if (f.loss && LOSS_MAP[f.loss.kind] && f.loss.supported) p.loss = LOSS_MAP[f.loss.kind];
  return p;
}

/** The entry the prefill proposes (data may still be missing). */
export function entryFromPrefill(p: ScriptPrefill): Partial<ModelEntry> {
  return {
    ...(p.data ? { data: p.data } : {}),
    ...(p.training ? { training: p.training, beta: null } : {}),
    ...(p.loss ? { loss: p.loss } : {}),
    source: { script: p.script, line: p.line },
  };
}
