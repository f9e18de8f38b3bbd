import * as vscode from 'vscode';
import { entryMissing, type ModelEntry, type TrainingSettings } from '../core/config/workspaceConfig';
import type { ScriptPrefill } from '../core/config/scriptPrefill';
import type { DataColumns } from './protocol';
import { relativePath, type ModelLocation } from './settingsStore';
import { SKLEARN_DEFAULTS } from '../core/python/sklearn';

/**
 * "Which data, which β": quick picks, an open dialog and validated input boxes. Every answer is
 * explicit — a value read from the training script is offered first and marked with its line,
 * but the user picks it. Returns undefined when the user backs out (Escape).
 */
export interface PromptContext {
  model: vscode.Uri;
  loc: ModelLocation;
  /** the model's output count, when known (the number of label columns to pick) */
  c?: number;
  /** the labels may also be one column of class indices or classes (cross-entropy, MATH.md §8), as certify reads them */
  classColumn?: boolean;
  /** the ONNX producer_name (skl2onnx: the β prompt suggests scikit-learn's problem first) */
  producer?: string;
  prefill?: ScriptPrefill;
  current?: Partial<ModelEntry>;
  columns: (data: vscode.Uri) => Promise<DataColumns>;
}

export interface Answers {
  entry: ModelEntry;
  /** names whose value was the script's, accepted unchanged (provenance: training-script) */
  fromScript: Set<string>;
}

const DATA_GLOB = '**/*.{csv,tsv,txt,dat,npy,npz,json}';
const DATA_EXCLUDE = '{**/node_modules/**,**/.vscode/**,**/.git/**,**/.venv/**,**/venv/**,**/package*.json,**/tsconfig*.json}';

type Pick<T> = vscode.QuickPickItem & { value?: T };

/** 'all': data, labels and β. 'beta': only the β / training settings. 'data': data and labels. */
export async function askForSettings(ctx: PromptContext, what: 'all' | 'beta' | 'data'): Promise<Answers | undefined> {
  const fromScript = new Set<string>();
  const cur = ctx.current ?? {};
  const entry: Partial<ModelEntry> = { ...cur };
  if (what !== 'beta' || !entry.data) {
    const data = await pickDataFile(ctx, 'training data (features, and labels unless they are in a separate file)', entry.data);
    if (!data) return undefined;
    entry.data = data.rel;
    if (data.fromScript) fromScript.add('data');
    entry.labelsFile = null;
    if (/\.npy$/i.test(data.rel)) {
      const lab = await pickDataFile(
        ctx,
        'labels file (a .npy with the labels; Escape if the labels are columns of the data file)',
        cur.labelsFile ?? undefined,
        data.rel,
      );
      entry.labelsFile = lab?.rel ?? null;
    }
    const labels = await pickLabels(ctx, entry.labelsFile ?? entry.data, cur.labels ?? undefined);
    if (labels === undefined) return undefined;
    entry.labels = labels;
  }
  if (what !== 'data' || entryMissing(entry) === 'beta') {
    const b = await pickBeta(ctx, entry);
    if (!b) return undefined;
    entry.beta = b.beta ?? null;
    entry.training = b.training ?? null;
    // saved as sklearnAlpha (β = alpha, both biases free: the CLI's --sklearn-alpha), so the panel
    // says "β = alpha (scikit-learn)"; absent from files that never used it
    if (b.sklearnAlpha !== undefined) entry.sklearnAlpha = b.sklearnAlpha;
    else delete entry.sklearnAlpha;
    // a training-settings or scikit-learn answer says itself whether biases decay
    if (b.biases === 'fromTraining' || b.biases === 'sklearn') {
      delete entry.hiddenBias;
      delete entry.outputBias;
    }
    for (const n of b.fromScript) fromScript.add(n);
    // the script's loss goes with its training settings (the model head decides otherwise)
    if (b.fromScript.length && ctx.prefill?.loss) {
      entry.loss = ctx.prefill.loss;
      fromScript.add('loss');
    }
  }
  if (ctx.prefill && fromScript.size) entry.source = { script: ctx.prefill.script, line: ctx.prefill.line };
  return { entry: entry as ModelEntry, fromScript };
}

async function pickDataFile(ctx: PromptContext, what: string, current?: string, exclude?: string): Promise<{ rel: string; fromScript: boolean } | undefined> {
  const folder = ctx.loc.folder;
  const items: Pick<{ rel?: string; browse?: true; script?: true }>[] = [];
  const seen = new Set<string>();
  if (ctx.prefill?.data && !exclude) {
    items.push({ label: `$(file-code) ${ctx.prefill.data}`, description: `from ${ctx.prefill.script}`, value: { rel: ctx.prefill.data, script: true } });
    seen.add(ctx.prefill.data);
  }
  if (current && !seen.has(current)) {
    items.push({ label: `$(history) ${current}`, description: 'current setting', value: { rel: current } });
    seen.add(current);
  }
  if (folder) {
    const found = await vscode.workspace.findFiles(new vscode.RelativePattern(folder, DATA_GLOB), DATA_EXCLUDE, 200);
    const modelDir = ctx.loc.key.includes('/') ? ctx.loc.key.slice(0, ctx.loc.key.lastIndexOf('/') + 1) : '';
    const rels = found.map((u) => relativePath(folder.uri, u)).filter((r): r is string => !!r && !seen.has(r) && r !== exclude);
    rels.sort((a, b) => Number(b.startsWith(modelDir)) - Number(a.startsWith(modelDir)) || a.localeCompare(b));
    for (const r of rels) items.push({ label: `$(file) ${r}`, value: { rel: r } });
  }
  items.push({ label: '$(folder-opened) Browse…', description: 'choose a file', value: { browse: true } });
  for (;;) {
    const pick = await vscode.window.showQuickPick(items, {
      title: `ReLU Lens: ${what} for ${ctx.loc.key}`,
      placeHolder: 'CSV/TSV, .npy, .npz or JSON',
      ignoreFocusOut: true,
      matchOnDescription: true,
    });
    if (!pick?.value) return undefined;
    if (!pick.value.browse) return { rel: pick.value.rel!, fromScript: !!pick.value.script };
    const uris = await vscode.window.showOpenDialog({
      canSelectMany: false,
      defaultUri: vscode.Uri.joinPath(ctx.model, '..'),
      openLabel: 'Use as training data',
      filters: { 'Training data': ['csv', 'tsv', 'txt', 'npy', 'npz', 'json'], 'All files': ['*'] },
    });
    if (!uris?.length) continue;
    const base = folder?.uri ?? vscode.Uri.joinPath(ctx.model, '..');
    const rel = relativePath(base, uris[0]);
    if (rel) return { rel, fromScript: false };
    void vscode.window.showErrorMessage(
      `ReLU Lens: the training data must be inside ${folder ? `the workspace folder ${folder.name}` : "the model's folder"} (its path is saved relative to it).`,
    );
  }
}

async function pickLabels(ctx: PromptContext, dataRel: string, current?: string[]): Promise<string[] | null | undefined> {
  const uri = ctx.loc.folder ? vscode.Uri.joinPath(ctx.loc.folder.uri, ...dataRel.split('/')) : vscode.Uri.joinPath(ctx.model, '..', ...dataRel.split('/'));
  let cols: DataColumns;
  try {
    cols = await ctx.columns(uri);
  } catch (e) {
    void vscode.window.showErrorMessage(`ReLU Lens: ${(e as Error).message}`);
    return undefined;
  }
  if (cols.columns.length <= 1) return null;
  const want = ctx.c ?? 1;
  const counts = ctx.classColumn && want > 1 ? [1, want] : [want];
  const pickWhat = counts.length > 1 ? `the class column or ${want} one-hot columns` : `${want} column${want > 1 ? 's' : ''}`;
  const chosen = new Set(current?.length ? current : cols.defaultLabels);
  const items = cols.columns.map((c) => ({ label: c.name, description: c.id !== c.name ? `index ${c.id}` : undefined, picked: chosen.has(c.id), id: c.id }));
  for (;;) {
    const picks = await vscode.window.showQuickPick(items, {
      title: `ReLU Lens: label column${want > 1 ? 's' : ''} in ${dataRel} (the model has ${want} output${want > 1 ? 's' : ''})`,
      placeHolder: `pick ${pickWhat}; the others are the features`,
      canPickMany: true,
      ignoreFocusOut: true,
    });
    if (!picks) return undefined;
    if (counts.includes(picks.length) || (ctx.c === undefined && picks.length > 0)) return picks.map((p) => p.id);
    void vscode.window.showWarningMessage(`ReLU Lens: pick ${counts.length > 1 ? pickWhat : `exactly ${pickWhat}`} as labels (you picked ${picks.length}).`);
    for (const it of items) it.picked = picks.some((p) => p.id === it.id);
  }
}

interface BetaAnswer {
  beta?: number;
  training?: TrainingSettings;
  /** scikit-learn's alpha: β = alpha with both biases free (ModelEntry.sklearnAlpha) */
  sklearnAlpha?: number;
  /** 'sklearn': sklearnAlpha sets both biases free; 'fromTraining': biasDecay decides */
  biases?: 'sklearn' | 'fromTraining';
  fromScript: string[];
}

async function pickBeta(ctx: PromptContext, cur: Partial<ModelEntry>): Promise<BetaAnswer | undefined> {
  const t = ctx.prefill?.training;
  const items: Pick<'script' | 'training' | 'beta' | 'keep' | 'sklearn'>[] = [];
  const sklearn = ctx.producer === 'skl2onnx' ? sklearnItem(cur) : undefined;
  if (sklearn?.suggested) items.push(sklearn);
  if (t)
    items.push({
      label: `$(file-code) Training settings from ${ctx.prefill!.script}`,
      description: describeTraining(t),
      detail: 'β follows from the weight decay, the loss reduction and n (MATH.md §1)',
      value: 'script',
    });
  if (cur.training || cur.beta != null || cur.sklearnAlpha != null)
    items.push({ label: '$(history) Keep the current setting', description: describeBeta(cur), value: 'keep' });
  items.push({ label: '$(settings) PyTorch training settings…', description: 'weight decay, loss reduction, optimizer, bias decay', value: 'training' });
  items.push({ label: '$(symbol-number) β directly…', description: 'the objective ½‖f(X) − Y‖² + (β/2)‖θ‖²', value: 'beta' });
  if (sklearn && !sklearn.suggested) items.push(sklearn);
  const notes = ctx.prefill?.notes.length ? ctx.prefill.notes.join('; ') : undefined;
  const pick = await vscode.window.showQuickPick(items, {
    title: `ReLU Lens: the regularization β for ${ctx.loc.key}`,
    placeHolder: notes,
    ignoreFocusOut: true,
  });
  if (!pick?.value) return undefined;
  if (pick.value === 'keep')
    return { beta: cur.beta ?? undefined, training: cur.training ?? undefined, sklearnAlpha: cur.sklearnAlpha ?? undefined, fromScript: [] };
  if (pick.value === 'sklearn') {
    const asked = `scikit-learn's alpha of the MLPClassifier/MLPRegressor (its default: ${SKLEARN_DEFAULTS.alpha}); β = alpha, both biases free`;
    const alpha = await askNumber(asked, sklearn?.suggested === false ? (cur.sklearnAlpha ?? cur.beta ?? undefined) : SKLEARN_DEFAULTS.alpha);
    return alpha === undefined ? undefined : { sklearnAlpha: alpha, biases: 'sklearn', fromScript: [] };
  }
  if (pick.value === 'script')
    return { training: t!, biases: 'fromTraining', fromScript: ['weightDecay', 'reduction', 'optimizer', 'biasDecay', 'hiddenBias', 'outputBias'] };
  if (pick.value === 'beta') {
    const beta = await askNumber('β (> 0)', cur.beta ?? undefined);
    return beta === undefined ? undefined : { beta, fromScript: [] };
  }
  const base = cur.training ?? t;
  const wd = await askNumber('weight_decay of the optimizer (> 0)', base?.weightDecay);
  if (wd === undefined) return undefined;
  const reduction = await choose('Loss reduction (MSELoss reduction=…)', ['mean', 'sum'] as const, base?.reduction);
  if (!reduction) return undefined;
  const optimizer = await choose('Optimizer', ['sgd', 'adam', 'adamw'] as const, base?.optimizer);
  if (!optimizer) return undefined;
  const bias = await choose('Weight decay on the biases too? (PyTorch default: yes)', ['yes', 'no'] as const, base?.biasDecay === false ? 'no' : 'yes');
  if (!bias) return undefined;
  return { training: { weightDecay: wd, reduction, optimizer, biasDecay: bias === 'yes' }, biases: 'fromTraining', fromScript: [] };
}

/**
 * The scikit-learn choice for a model skl2onnx exported (certify/sklearnBeta.ts: β = alpha, both
 * biases free). Offered first — suggested, never applied: the producer says who converted the model,
 * not that an MLP's alpha trained it. Listed last when the current setting already is that problem.
 */
function sklearnItem(cur: Partial<ModelEntry>): Pick<'sklearn'> & { suggested: boolean } {
  // saved as sklearnAlpha, or (files from before that field) β with both biases free
  const already = cur.sklearnAlpha != null || (cur.beta != null && cur.hiddenBias === 'free' && cur.outputBias === 'free');
  return {
    label: '$(lightbulb) scikit-learn MLP: β = alpha, both biases free…',
    description: already ? 'scikit-learn alpha' : 'suggested: the model was exported by skl2onnx',
    detail: "MLPClassifier/MLPRegressor minimise the loss + (alpha/2n)‖W‖² and decay neither intercept: enter the estimator's alpha",
    value: 'sklearn',
    suggested: !already,
  };
}

/** The current β setting in a few words (the "keep" choice). */
const describeBeta = (cur: Partial<ModelEntry>) =>
  cur.beta != null ? `β = ${cur.beta}` : cur.sklearnAlpha != null ? `β = alpha = ${cur.sklearnAlpha} (scikit-learn)` : describeTraining(cur.training!);

export const describeTraining = (t: TrainingSettings) =>
  `weight_decay=${t.weightDecay}, reduction='${t.reduction}'${t.optimizer ? `, ${t.optimizer}` : ''}${t.biasDecay === false ? ', no decay on biases' : ''}`;

/** A positive finite number; the box says what is wrong while typing. */
export function validatePositive(s: string): string | undefined {
  const t = s.trim();
  if (!t) return 'enter a number, e.g. 0.001 or 1e-3';
  const v = Number(t);
  if (!Number.isFinite(v)) return `"${t}" is not a number`;
  if (v <= 0) return 'must be greater than 0';
  return undefined;
}

async function askNumber(prompt: string, value?: number): Promise<number | undefined> {
  const s = await vscode.window.showInputBox({
    title: 'ReLU Lens',
    prompt,
    value: value !== undefined ? String(value) : '',
    ignoreFocusOut: true,
    validateInput: validatePositive,
  });
  return s === undefined ? undefined : Number(s.trim());
}

async function choose<T extends string>(title: string, options: readonly T[], current?: T): Promise<T | undefined> {
  const items = options.map((o) => ({ label: o, description: o === current ? 'current' : undefined }));
  if (current) items.sort((a, b) => Number(b.label === current) - Number(a.label === current));
  const p = await vscode.window.showQuickPick(items, { title: `ReLU Lens: ${title}`, ignoreFocusOut: true });
  return p?.label as T | undefined;
}
