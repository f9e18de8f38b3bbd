/**
 * `.vscode/relu-lens.json`: the answers to "which data, which β" per model, human-editable and
 * documented in docs/relu-lens-json.md. Parsing is strict (every refusal names the key, e.g.
 * `models["m.onnx"].training.weightDecay`), serialization is stable (fixed key order, 2-space
 * indent, trailing newline) so a re-save of an unchanged file is byte-identical and diffs stay small.
 * No vscode here: the extension reads the bytes with workspace.fs and hands over the text.
 */
import { usageError } from '../errors';
import { safeRelativePath } from '../onnx/tensor';
import type { LossName } from '../problem/loss';
import { LOSS_NAMES } from '../losses/registry';

export const CONFIG_FILE = '.vscode/relu-lens.json';
export const CONFIG_VERSION = 1;

export interface TrainingSettings {
  weightDecay: number;
  reduction: 'mean' | 'sum';
  optimizer?: 'sgd' | 'adam' | 'adamw';
  /** weight decay also applied to the biases (PyTorch's default: true) */
  biasDecay?: boolean;
}

export interface ModelEntry {
  data: string;
  labels?: string[] | null;
  labelsFile?: string | null;
  beta?: number | null;
  /**
   * scikit-learn MLP's alpha: β = alpha with both biases free, as the CLI's --sklearn-alpha (an
   * entry's own hiddenBias/outputBias still win). One of beta, training, sklearnAlpha.
   */
  sklearnAlpha?: number | null;
  training?: TrainingSettings | null;
  hiddenBias?: 'decayed' | 'free';
  outputBias?: 'decayed' | 'free';
  loss?: LossName;
  /** Huber threshold δ (loss "huber"), as the CLI's --huber-delta; PyTorch's default 1 when absent */
  huberDelta?: number;
  tol?: number;
  /** where the answers were first taken from (a training script), for provenance */
  source?: { script: string; line?: number } | null;
}

export interface WorkspaceConfig {
  version: number;
  models: Record<string, ModelEntry>;
  /** top-level keys this version does not know: kept as they were on re-save */
  extra?: Record<string, unknown>;
}

const LOSSES: readonly LossName[] = LOSS_NAMES;
const ENTRY_KEYS = [
  'data',
  'labels',
  'labelsFile',
  'beta',
  'sklearnAlpha',
  'training',
  'hiddenBias',
  'outputBias',
  'loss',
  'huberDelta',
  'tol',
  'source',
] as const;
const TRAINING_KEYS = ['weightDecay', 'reduction', 'optimizer', 'biasDecay'] as const;

const bad = (where: string, msg: string) => usageError(`${CONFIG_FILE}: ${where}: ${msg}`);
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const keyPath = (model: string, ...rest: string[]) => `models[${JSON.stringify(model)}]${rest.map((k) => '.' + k).join('')}`;

/** Workspace-relative, forward slashes, no leading "./", never escaping the folder (the rule external-data paths follow too). */
export function normalizeRelPath(p: string): string | null {
  return typeof p === 'string' ? safeRelativePath(p) : null;
}

export function emptyConfig(): WorkspaceConfig {
  return { version: CONFIG_VERSION, models: {} };
}

/** Parses and validates the file's text; throws ReluLensError('usage') naming the key at fault. */
export function parseWorkspaceConfig(text: string): WorkspaceConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    throw usageError(`${CONFIG_FILE}: not valid JSON (${(e as Error).message})`);
  }
  if (!isObj(raw)) throw bad('top level', 'must be a JSON object {"version": 1, "models": {…}}');
  const version = raw.version ?? CONFIG_VERSION;
  if (version !== CONFIG_VERSION) throw bad('version', `is ${JSON.stringify(version)}; this ReLU Lens reads version ${CONFIG_VERSION}`);
  const modelsRaw = raw.models ?? {};
  if (!isObj(modelsRaw)) throw bad('models', 'must be an object keyed by the model path (relative to the workspace folder)');
  const models: Record<string, ModelEntry> = {};
  for (const [key, value] of Object.entries(modelsRaw)) {
    const norm = normalizeRelPath(key);
    if (!norm) throw bad(keyPath(key), 'the model path must be relative to the workspace folder and stay inside it');
    if (models[norm]) throw bad(keyPath(key), `names the same model as another entry ("${norm}")`);
    models[norm] = parseEntry(key, value);
  }
  const extra: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) if (k !== 'version' && k !== 'models') extra[k] = v;
  return Object.keys(extra).length ? { version: CONFIG_VERSION, models, extra } : { version: CONFIG_VERSION, models };
}

function parseEntry(model: string, v: unknown): ModelEntry {
  if (!isObj(v)) throw bad(keyPath(model), 'must be an object with at least "data" and "beta" or "training"');
  for (const k of Object.keys(v))
    if (!(ENTRY_KEYS as readonly string[]).includes(k)) throw bad(keyPath(model, k), `unknown key (known: ${ENTRY_KEYS.join(', ')})`);
  const where = (...k: string[]) => keyPath(model, ...k);
  const data = relPathAt(v.data, where('data'), true)!;
  const e: ModelEntry = { data };
  if (v.labels !== undefined && v.labels !== null) {
    if (!Array.isArray(v.labels) || !v.labels.length || v.labels.some((l) => typeof l !== 'string' || !l))
      throw bad(where('labels'), 'must be a non-empty list of column names, e.g. ["y"], or null for the default');
    e.labels = v.labels as string[];
  } else if (v.labels === null) e.labels = null;
  if (v.labelsFile !== undefined) e.labelsFile = v.labelsFile === null ? null : relPathAt(v.labelsFile, where('labelsFile'), true);
  if (v.beta !== undefined && v.beta !== null) {
    if (typeof v.beta !== 'number' || !Number.isFinite(v.beta) || v.beta <= 0) throw bad(where('beta'), `must be a number > 0 (got ${JSON.stringify(v.beta)})`);
    e.beta = v.beta;
  } else if (v.beta === null) e.beta = null;
  if (v.training !== undefined && v.training !== null) e.training = parseTraining(v.training, where('training'));
  else if (v.training === null) e.training = null;
  if (v.sklearnAlpha !== undefined && v.sklearnAlpha !== null) {
    if (typeof v.sklearnAlpha !== 'number' || !Number.isFinite(v.sklearnAlpha) || v.sklearnAlpha <= 0)
      throw bad(where('sklearnAlpha'), `must be scikit-learn's alpha, a number > 0 (got ${JSON.stringify(v.sklearnAlpha)})`);
    e.sklearnAlpha = v.sklearnAlpha;
  } else if (v.sklearnAlpha === null) e.sklearnAlpha = null;
  const given = (['beta', 'training', 'sklearnAlpha'] as const).filter((k) => e[k] != null);
  if (given.length > 1)
    throw bad(
      where(given[0]),
      `give only one of "beta", "training" and "sklearnAlpha" (got ${given.map((k) => `"${k}"`).join(' and ')}; set the others to null)`,
    );
  for (const k of ['hiddenBias', 'outputBias'] as const) {
    if (v[k] === undefined) continue;
    if (v[k] !== 'decayed' && v[k] !== 'free') throw bad(where(k), `must be "decayed" or "free" (got ${JSON.stringify(v[k])})`);
    e[k] = v[k] as 'decayed' | 'free';
  }
  if (v.loss !== undefined) {
    if (!LOSSES.includes(v.loss as LossName))
      throw bad(where('loss'), `must be one of ${LOSSES.map((l) => `"${l}"`).join(', ')} (got ${JSON.stringify(v.loss)})`);
    e.loss = v.loss as LossName;
  }
  if (v.huberDelta !== undefined) {
    if (typeof v.huberDelta !== 'number' || !Number.isFinite(v.huberDelta) || v.huberDelta <= 0)
      throw bad(where('huberDelta'), `must be the Huber threshold δ, a number > 0 (got ${JSON.stringify(v.huberDelta)})`);
    e.huberDelta = v.huberDelta;
  }
  if (v.tol !== undefined) {
    if (typeof v.tol !== 'number' || !(v.tol > 0 && v.tol < 1))
      throw bad(where('tol'), `must be a relative tolerance in (0, 1) (got ${JSON.stringify(v.tol)})`);
    e.tol = v.tol;
  }
  if (v.source !== undefined && v.source !== null) {
    const s = v.source;
    if (!isObj(s) || typeof s.script !== 'string' || !s.script) throw bad(where('source'), 'must be {"script": "train.py", "line": 42} or null');
    if (s.line !== undefined && (typeof s.line !== 'number' || !Number.isInteger(s.line) || s.line < 1))
      throw bad(where('source', 'line'), 'must be a line number ≥ 1');
    e.source = s.line !== undefined ? { script: s.script, line: s.line as number } : { script: s.script };
  } else if (v.source === null) e.source = null;
  return e;
}

function parseTraining(v: unknown, where: string): TrainingSettings {
  if (!isObj(v)) throw bad(where, 'must be an object {"weightDecay": 0.001, "reduction": "mean", …}');
  for (const k of Object.keys(v))
    if (!(TRAINING_KEYS as readonly string[]).includes(k)) throw bad(`${where}.${k}`, `unknown key (known: ${TRAINING_KEYS.join(', ')})`);
  const wd = v.weightDecay;
  if (typeof wd !== 'number' || !Number.isFinite(wd) || wd <= 0) throw bad(`${where}.weightDecay`, `must be a number > 0 (got ${JSON.stringify(wd)})`);
  const red = v.reduction ?? 'mean';
  if (red !== 'mean' && red !== 'sum') throw bad(`${where}.reduction`, `must be "mean" or "sum" (got ${JSON.stringify(red)})`);
  const t: TrainingSettings = { weightDecay: wd, reduction: red };
  if (v.optimizer !== undefined && v.optimizer !== null) {
    if (!['sgd', 'adam', 'adamw'].includes(v.optimizer as string))
      throw bad(`${where}.optimizer`, `must be "sgd", "adam" or "adamw" (got ${JSON.stringify(v.optimizer)})`);
    t.optimizer = v.optimizer as TrainingSettings['optimizer'];
  }
  if (v.biasDecay !== undefined) {
    if (typeof v.biasDecay !== 'boolean') throw bad(`${where}.biasDecay`, `must be true or false (got ${JSON.stringify(v.biasDecay)})`);
    t.biasDecay = v.biasDecay;
  }
  return t;
}

function relPathAt(v: unknown, where: string, required: boolean): string | null {
  if (v === undefined || v === null) {
    if (required) throw bad(where, 'is missing: the training data file, relative to the workspace folder');
    return null;
  }
  if (typeof v !== 'string') throw bad(where, `must be a path string (got ${JSON.stringify(v)})`);
  const n = normalizeRelPath(v);
  if (!n) throw bad(where, `"${v}" must be relative to the workspace folder and stay inside it`);
  return n;
}

/** Does the entry say enough for a certificate? Returns what is missing, or null. */
export function entryMissing(e: Partial<ModelEntry> | undefined): 'data' | 'beta' | null {
  if (!e || !e.data) return 'data';
  if (e.beta == null && e.training == null && e.sklearnAlpha == null) return 'beta';
  return null;
}

/** Stable text: fixed key order, models sorted by path, unknown top-level keys kept. */
export function serializeWorkspaceConfig(c: WorkspaceConfig): string {
  const models: Record<string, unknown> = {};
  for (const key of Object.keys(c.models).sort()) models[key] = orderedEntry(c.models[key]);
  const out: Record<string, unknown> = { version: CONFIG_VERSION, models };
  for (const [k, v] of Object.entries(c.extra ?? {})) out[k] = v;
  return JSON.stringify(out, null, 2) + '\n';
}

function orderedEntry(e: ModelEntry): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  o.data = e.data;
  o.labels = e.labels ?? null;
  o.labelsFile = e.labelsFile ?? null;
  o.beta = e.beta ?? null;
  // written only when set, so files without it stay byte-identical on re-save
  if (e.sklearnAlpha != null) o.sklearnAlpha = e.sklearnAlpha;
  o.training = e.training
    ? {
        weightDecay: e.training.weightDecay,
        reduction: e.training.reduction,
        ...(e.training.optimizer ? { optimizer: e.training.optimizer } : {}),
        ...(e.training.biasDecay !== undefined ? { biasDecay: e.training.biasDecay } : {}),
      }
    : null;
  for (const k of ['hiddenBias', 'outputBias', 'loss', 'huberDelta', 'tol'] as const) if (e[k] !== undefined) o[k] = e[k];
  if (e.source) o.source = e.source.line !== undefined ? { script: e.source.script, line: e.source.line } : { script: e.source.script };
  return o;
}

/**
 * The new file text after setting one model's entry. Everything else in the file is kept as the
 * user wrote it (other entries, unknown keys, their order); only this model's entry is written in
 * the canonical form. `existing` null → a new file with this entry only. Throws (via the parser)
 * when the existing text is invalid, so a user's broken file is never silently replaced.
 */
export function upsertModelEntry(existing: string | null, model: string, entry: ModelEntry): string {
  const key = normalizeRelPath(model);
  if (!key) throw usageError(`cannot save settings for "${model}": the model is not inside the workspace folder`);
  const written = orderedEntry(entry);
  parseEntry(key, JSON.parse(JSON.stringify(written))); // never write what we could not read back
  if (existing === null) return serializeWorkspaceConfig({ version: CONFIG_VERSION, models: { [key]: entry } });
  parseWorkspaceConfig(existing);
  const raw = JSON.parse(existing.replace(/^\uFEFF/, '')) as Record<string, unknown>;
  if (raw.version === undefined) raw.version = CONFIG_VERSION;
  const models = (isObj(raw.models) ? raw.models : {}) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  let placed = false;
  for (const [k, v] of Object.entries(models)) {
    if (normalizeRelPath(k) === key) {
      if (!placed) out[key] = written; // same place as the entry it replaces
      placed = true;
    } else out[k] = v;
  }
  if (!placed) out[key] = written;
  raw.models = out;
  return JSON.stringify(raw, null, 2) + '\n';
}
