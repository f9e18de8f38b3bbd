/**
 * From the saved entry (or the answers just given), the editor settings and the defaults to the
 * options the engine runs with — and, for each one, where it came from. The panel shows that list
 * (issue #5: never silently guess a β). No vscode here.
 */
import type { UserOptions } from './options';
import type { LossName } from '../problem/loss';
import { CONFIG_FILE, type ModelEntry } from './workspaceConfig';

/** Declared once here; the panel protocol (src/protocol/panel.ts) re-exports it as SettingProvenance. */
export type ProvenanceSource = 'config-file' | 'training-script' | 'user-prompt' | 'default' | 'cli-flag';
export interface Provenance {
  name: string;
  value: string;
  source: ProvenanceSource;
  detail?: string;
}

/** Where the entry's values came from: the saved file, or this session's answers (not saved). */
export type EntryOrigin =
  | { kind: 'config-file' }
  | { kind: 'user-prompt'; fromScript?: Set<string>; saved?: boolean } // fromScript: names prefilled from the script and accepted unchanged
  | { kind: 'training-script' };

/** reluLens.* editor settings (package.json contributes.configuration). */
export interface EditorDefaults {
  tolerance: number;
  patternBudget: number;
  /** reluLens.oracleNodeBudget (undefined: the oracle's default) */
  oracleNodeBudget?: number;
  hiddenBias: 'decayed' | 'free';
  outputBias: 'decayed' | 'free';
  timeBudgetSeconds: number;
}

export const BUILTIN_DEFAULTS: EditorDefaults = {
  tolerance: 1e-4,
  patternBudget: 2_000_000,
  hiddenBias: 'decayed',
  outputBias: 'decayed',
  timeBudgetSeconds: 600, // a safety limit: work budgets stop the search first (deterministic results)
};

export interface Resolved {
  options: UserOptions & { loss?: LossName };
  data: string;
  labels: string[] | undefined;
  labelsFile: string | undefined;
  provenance: Provenance[];
}

/**
 * A bias mode the entry sets (the CLI's flags and the editor's settings come around it): its own
 * `hiddenBias`/`outputBias` first, else 'free' when training.biasDecay is false (PyTorch param
 * groups without decay on biases: the biases are free, MATH.md §1). One rule for the CLI
 * (cli/workspaceSettings.ts) and the extension (resolveEntry below).
 */
export function entryBias(entry: ModelEntry, k: 'hiddenBias' | 'outputBias'): { mode: 'decayed' | 'free'; from: 'entry' | 'biasDecay' } | undefined {
  if (entry[k]) return { mode: entry[k]!, from: 'entry' };
  if (entry.training?.biasDecay === false) return { mode: 'free', from: 'biasDecay' };
  return undefined;
}

/**
 * `changed`: which reluLens.* settings the user set (anything else is the built-in default), so the
 * panel can say "settings: reluLens.tolerance" vs "default".
 */
export function resolveEntry(entry: ModelEntry, origin: EntryOrigin, editor: EditorDefaults, changed: ReadonlySet<string> = new Set()): Resolved {
  const scriptDetail = entry.source ? `${entry.source.script}${entry.source.line ? `:${entry.source.line}` : ''}` : undefined;
  const fromEntry = (name: string): Pick<Provenance, 'source' | 'detail'> => {
    if (origin.kind === 'config-file') return { source: 'config-file', detail: scriptDetail ? `${CONFIG_FILE} (from ${scriptDetail})` : CONFIG_FILE };
    if (origin.kind === 'training-script') return { source: 'training-script', detail: scriptDetail };
    const saved = origin.saved ? `saved to ${CONFIG_FILE}` : 'not saved';
    if (origin.fromScript?.has(name)) return { source: 'training-script', detail: `${scriptDetail ?? 'training script'}, confirmed by you (${saved})` };
    return { source: 'user-prompt', detail: `your answer (${saved})` };
  };
  const fromEditor = (key: keyof EditorDefaults): Pick<Provenance, 'source' | 'detail'> =>
    changed.has(key) ? { source: 'default', detail: `setting reluLens.${key}` } : { source: 'default', detail: 'built-in default' };

  const prov: Provenance[] = [];
  const push = (name: string, value: string, p: Pick<Provenance, 'source' | 'detail'>) => prov.push({ name, value, ...p });
  const options: Resolved['options'] = {
    tol: entry.tol ?? editor.tolerance,
    patternBudget: editor.patternBudget,
    ...(editor.oracleNodeBudget !== undefined ? { nodeBudget: editor.oracleNodeBudget } : {}),
    timeBudgetMs: editor.timeBudgetSeconds * 1000,
  };
  push('data', entry.data + (entry.labelsFile ? ` (labels: ${entry.labelsFile})` : ''), fromEntry('data'));
  push(
    'labels',
    entry.labels?.length ? entry.labels.join(', ') : 'default (column "y", else the last column)',
    entry.labels?.length ? fromEntry('labels') : { source: 'default', detail: 'built-in default' },
  );
  const sklearn = entry.beta == null && entry.sklearnAlpha != null;
  if (entry.beta != null) {
    options.beta = entry.beta;
    push('beta', String(entry.beta), fromEntry('beta'));
  } else if (sklearn) {
    // as --sklearn-alpha: β and both bias modes together (settingsFromOptions), unless the entry sets a bias
    options.sklearnAlpha = entry.sklearnAlpha!;
    push('sklearnAlpha', `${entry.sklearnAlpha} — β = alpha (scikit-learn)`, fromEntry('sklearnAlpha'));
  } else if (entry.training) {
    const t = entry.training;
    options.weightDecay = t.weightDecay;
    options.reduction = t.reduction;
    if (t.optimizer) options.optimizer = t.optimizer;
    push('weightDecay', String(t.weightDecay), fromEntry('weightDecay'));
    push('reduction', t.reduction, fromEntry('reduction'));
    push(
      'optimizer',
      t.optimizer ?? 'not given (sgd/adam assumed: coupled weight decay)',
      t.optimizer ? fromEntry('optimizer') : { source: 'default', detail: 'built-in default' },
    );
  }
  for (const k of ['hiddenBias', 'outputBias'] as const) {
    const b = entryBias(entry, k);
    if (b?.from === 'entry') {
      options[k] = b.mode;
      push(k, b.mode, fromEntry(k));
    } else if (b) {
      options[k] = 'free';
      push(k, 'free', { ...fromEntry('biasDecay'), detail: `${fromEntry('biasDecay').detail ?? ''}; training.biasDecay = false`.replace(/^; /, '') });
    } else if (sklearn) {
      push(k, 'free', { ...fromEntry('sklearnAlpha'), detail: 'scikit-learn decays neither intercept (sklearnAlpha)' });
    } else {
      options[k] = editor[k];
      push(k, editor[k], fromEditor(k));
    }
  }
  if (entry.loss) {
    options.loss = entry.loss;
    push('loss', entry.loss, fromEntry('loss'));
  } else push('loss', 'from the model head (none → squared, Sigmoid → logistic, Softmax → cross-entropy)', { source: 'default', detail: 'built-in default' });
  if (entry.huberDelta !== undefined) {
    options.huberDelta = entry.huberDelta;
    push('huberDelta', String(entry.huberDelta), fromEntry('huberDelta'));
  }
  push('tol', String(options.tol), entry.tol !== undefined ? fromEntry('tol') : fromEditor('tolerance'));
  return { options, data: entry.data, labels: entry.labels ?? undefined, labelsFile: entry.labelsFile ?? undefined, provenance: prov };
}
