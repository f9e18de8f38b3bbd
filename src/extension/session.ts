import * as vscode from 'vscode';
import { entryMissing, type ModelEntry } from '../core/config/workspaceConfig';
import { resolveEntry, type EntryOrigin, type Resolved } from '../core/config/resolve';
import type { Engine } from './engine';
import type { AnalyzeOptions, AnalyzeResult, InspectSummary, ModelSource } from './protocol';
import type { PanelError, PanelState, VerdictBlock } from '../protocol/panel';
import { cacheKey, LruCache } from './cache';
import { FileReadError, lightWithModel, modelSource, ReadCancelled, readBytes, readExternalRanges, withExternals } from './files';
import type { ExternalEntry } from '../core/io/external';
import { editorDefaults, locate, offerToSave, resolveRel, savedEntry, type ModelLocation } from './settingsStore';
import { askForSettings } from './prompts';
import { findTrainingScript } from './trainingScript';
import { errText, missingError, errorFor } from './panelErrors';

/** Debounce of file-change re-certification (editors save in bursts). */
const RECERTIFY_DEBOUNCE_MS = 400;

export interface CertifyRequest {
  /** may ask the user (quick picks, save prompt); false for automatic re-runs */
  interactive: boolean;
  /** ask again even when settings exist: 'all' | 'beta' | 'data' */
  ask?: 'all' | 'beta' | 'data';
  /** ignore the cache */
  force?: boolean;
  /** a run in progress for this model is stale (its files changed): cancel it and start again */
  restart?: boolean;
}

export interface Session {
  uri: vscode.Uri;
  loc: ModelLocation;
  state: PanelState;
  result?: AnalyzeResult & { computedAt: number };
  /** this session's answers when they were not saved to the settings file */
  answers?: { entry: ModelEntry; origin: EntryOrigin };
  summary?: InspectSummary;
  /** external-data entries the model named last time (read up front, so the cache key covers them) */
  externals: ExternalEntry[];
  views: number;
  cancel?: () => Promise<number>;
  /** the latest run; an older run that ends later must not overwrite its state */
  runId: number;
  /** the latest file read (a slow read must not report over a newer one) */
  reads: number;
  /** content key of the running analysis */
  runningKey?: string;
  watchers: vscode.Disposable[];
  timer?: ReturnType<typeof setTimeout>;
}

export type SessionEvent =
  | { session: Session; kind: 'state' }
  | { session: Session; kind: 'progress'; stage: string; detail?: string }
  /** the running analysis' verdict, before its optimum search (also kept in state.early) */
  | { session: Session; kind: 'verdict'; verdict: VerdictBlock };

/** One analysis state per model: the panel, the custom editor and the status bar all show it. */
export class Sessions implements vscode.Disposable {
  private map = new Map<string, Session>();
  private cache = new LruCache<AnalyzeResult>();
  private readonly changed = new vscode.EventEmitter<SessionEvent>();
  private readonly verdict = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  readonly onDidChangeVerdict = this.verdict.event;

  constructor(private readonly engine: Engine) {}

  get(uri: vscode.Uri): Session {
    const k = uri.toString();
    let s = this.map.get(k);
    if (!s) {
      const loc = locate(uri);
      s = { uri, loc, state: { model: loc.key, status: 'idle', modelUri: k }, externals: [], views: 0, runId: 0, reads: 0, watchers: [] };
      this.map.set(k, s);
    }
    return s;
  }

  find(uri: vscode.Uri): Session | undefined {
    return this.map.get(uri.toString());
  }

  all(): Session[] {
    return [...this.map.values()];
  }

  private set(s: Session, patch: Partial<PanelState>) {
    s.state = { model: s.loc.key, modelUri: s.uri.toString(), ...patch } as PanelState;
    this.changed.fire({ session: s, kind: 'state' });
  }

  private fail(s: Session, error: PanelError) {
    this.set(s, { status: 'error', error, provenance: s.state.provenance });
    this.verdict.fire(s.uri);
  }

  /** Shows "what is missing" without asking (opening the editor, automatic runs). */
  async showPending(uri: vscode.Uri): Promise<void> {
    const s = this.get(uri);
    if (s.state.status !== 'idle') return;
    const e = await this.settingsFor(s).catch(() => undefined);
    if (e && !entryMissing(e.entry)) return this.certify(uri, { interactive: false });
    this.fail(s, missingError(e?.entry));
  }

  async cancel(uri: vscode.Uri): Promise<number | undefined> {
    return this.find(uri)?.cancel?.();
  }

  /** Saved settings first, then this session's unsaved answers. */
  private async settingsFor(s: Session): Promise<{ entry: ModelEntry; origin: EntryOrigin } | undefined> {
    const saved = await savedEntry(s.loc);
    if (saved && !entryMissing(saved)) return { entry: saved, origin: { kind: 'config-file' } };
    if (s.answers && !entryMissing(s.answers.entry)) return s.answers;
    return saved ? { entry: saved, origin: { kind: 'config-file' } } : s.answers;
  }

  async certify(uri: vscode.Uri, req: CertifyRequest): Promise<void> {
    const s = this.get(uri);
    // a second "Analyze" lets the running one finish; asking again or changed files go on, and the
    // new run replaces the old one only if its inputs differ (run() compares the content keys)
    if (s.cancel && !req.ask && !req.restart) return;
    let settings: { entry: ModelEntry; origin: EntryOrigin } | undefined;
    try {
      settings = await this.settingsFor(s);
    } catch (e) {
      return this.fail(s, { kind: 'usage', message: errText(e), action: { label: 'Open .vscode/relu-lens.json', action: 'openSettingsFile' } });
    }
    const missing = entryMissing(settings?.entry);
    if (req.ask || missing) {
      // a model we refuse is said first: asking for data and β for it would waste the user's time
      const refused = await this.refusal(s);
      if (refused) return this.fail(s, refused);
      if (!req.interactive) return this.fail(s, missingError(settings?.entry));
      const asked = await this.ask(s, req.ask ?? (missing === 'beta' ? 'beta' : 'all'), settings?.entry);
      if (!asked) {
        if (missing) this.fail(s, missingError(settings?.entry));
        return;
      }
      settings = asked;
    }
    await this.run(s, settings!.entry, settings!.origin, req);
  }

  private async ask(s: Session, what: 'all' | 'beta' | 'data', current?: ModelEntry) {
    const [prefill, summary] = await Promise.all([findTrainingScript(s.uri).catch(() => undefined), this.inspect(s).catch(() => undefined)]);
    // cross-entropy labels may be one class column (the load pipeline's rule): default to it, accept 1 or c
    const classColumn = (current?.loss ?? summary?.headLoss) === 'cross-entropy';
    const answers = await askForSettings(
      {
        model: s.uri,
        loc: s.loc,
        c: summary?.c,
        classColumn,
        producer: summary?.producer.name,
        prefill,
        current,
        columns: async (data) => {
          const res = await this.engine.request({
            kind: 'dataColumns',
            dataBytes: await readBytes(data),
            dataName: vscode.workspace.asRelativePath(data, false),
            expectC: classColumn ? undefined : summary?.c,
          });
          if (res.ok && res.kind === 'dataColumns') return res.columns;
          throw new Error(res.ok ? 'unexpected answer' : res.error);
        },
      },
      what,
    );
    if (!answers) return undefined;
    let saved = false;
    try {
      saved = (await offerToSave(s.loc, answers.entry)) === 'saved';
    } catch (e) {
      void vscode.window.showErrorMessage(`ReLU Lens: not saved: ${errText(e)}`);
    }
    const origin: EntryOrigin = { kind: 'user-prompt', fromScript: answers.fromScript, saved };
    s.answers = { entry: answers.entry, origin };
    return s.answers;
  }

  /** The reader's refusal of the model (a 'model' error), if any; other problems surface in the run. */
  private async refusal(s: Session): Promise<PanelError | undefined> {
    try {
      const res = await lightWithModel(this.engine, s.uri, await modelSource(s.uri), { kind: 'inspect' });
      if (res.ok && res.kind === 'inspect') s.summary = res.summary;
      else if (!res.ok && res.errorKind === 'model') return errorFor('model', res.error);
    } catch {
      /* unreadable file: the run reports it with its own message */
    }
    return undefined;
  }

  async inspect(s: Session): Promise<InspectSummary | undefined> {
    if (s.summary) return s.summary;
    const src = await modelSource(s.uri);
    const res = await lightWithModel(this.engine, s.uri, src, { kind: 'inspect' });
    if (res.ok && res.kind === 'inspect') s.summary = res.summary;
    return s.summary;
  }

  private async run(s: Session, entry: ModelEntry, origin: EntryOrigin, req: CertifyRequest): Promise<void> {
    const ed = editorDefaults(s.uri);
    const r = resolveEntry(entry, origin, ed.defaults, ed.changed);
    const dataUri = resolveRel(s.loc.folder, s.uri, r.data);
    const labelUri = r.labelsFile ? resolveRel(s.loc.folder, s.uri, r.labelsFile) : undefined;
    this.watch(s, [s.uri, dataUri, ...(labelUri ? [labelUri] : [])]);
    // the result describes the files as read now: a file rewritten during the run must look newer
    // than the verdict (the script diagnostics compare this time with the model's mtime)
    const readAt = Date.now();
    const externals = [...s.externals];
    const read = await this.readInputs(s, r.provenance, dataUri, labelUri, externals);
    if (!read) return;
    const options = { ...r.options, labels: r.labels };
    const key = cacheKey({ model: read.src.modelBytes, externals: read.src.externals, data: read.dataBytes, labels: read.labelBytes, settings: options });
    if (read.reading !== s.reads) return; // a newer request read the files again
    if (s.cancel && s.runningKey === key && !req.force) return; // the running analysis has these very inputs
    if (s.cancel) await this.supersede(s);
    const runId = ++s.runId;
    const hit = req.force ? undefined : this.cache.get(key);
    if (hit) return this.done(s, hit, r.provenance, true);
    this.set(s, { status: 'running', stage: { name: 'reading', detail: s.loc.key }, provenance: r.provenance, result: s.state.result, plot: s.state.plot });
    await this.analyzeInWorker(s, { ...read, runId, key, r, options, externals, readAt, interactive: req.interactive });
  }

  /**
   * Reading is the run's first stage: shown, and stopped by Cancel, unless an analysis is running
   * (it keeps its Cancel; these reads then only decide whether it must be replaced). Every file is
   * checked (regular, under the size cap) before a byte is read. A failed read is reported here
   * (unless a newer read replaced this one) and gives undefined.
   */
  private async readInputs(
    s: Session,
    provenance: PanelState['provenance'],
    dataUri: vscode.Uri,
    labelUri: vscode.Uri | undefined,
    externals: ExternalEntry[],
  ) {
    const reading = ++s.reads; // only the latest read may report a read error
    const reads = new AbortController();
    const readCancel = async () => (reads.abort(), 0);
    if (!s.cancel) {
      s.cancel = readCancel;
      this.set(s, { status: 'running', stage: { name: 'reading', detail: s.loc.key }, provenance, result: s.state.result, plot: s.state.plot });
    }
    try {
      const src = await modelSource(s.uri, reads.signal);
      // through the engine's file layer (containment, regular files, ranges only)
      await readExternalRanges(s.uri, externals, src.externals, undefined, reads.signal).catch((e) => {
        if (e instanceof ReadCancelled) throw e;
        /* the worker asks again, and a refusal is reported then */
      });
      const dataBytes = await readBytes(dataUri, { signal: reads.signal });
      const labelBytes = labelUri ? await readBytes(labelUri, { signal: reads.signal }) : undefined;
      if (s.cancel === readCancel) s.cancel = undefined;
      return { src, dataBytes, labelBytes, reading };
    } catch (e) {
      if (s.cancel === readCancel) s.cancel = undefined;
      if (reading !== s.reads) return undefined;
      if (e instanceof ReadCancelled) this.fail(s, errorFor('cancelled', 'cancelled'));
      else {
        if (s.cancel) await this.supersede(s);
        const isModel = e instanceof FileReadError && e.uri.toString() === s.uri.toString();
        this.fail(
          s,
          isModel
            ? { kind: 'model', message: errText(e) }
            : { kind: 'data', message: errText(e), action: { label: 'Set training data…', action: 'setTrainingData' } },
        );
      }
      return undefined;
    }
  }

  /**
   * The analysis on the engine's heavy lane with the editor's progress (Cancel stops it): progress
   * and the early verdict go to the panel as they come, the result to the cache and the session —
   * unless a newer run replaced this one.
   */
  private async analyzeInWorker(
    s: Session,
    run: {
      runId: number;
      key: string;
      r: Resolved;
      src: ModelSource;
      dataBytes: Uint8Array;
      labelBytes: Uint8Array | undefined;
      options: AnalyzeOptions;
      externals: ExternalEntry[];
      readAt: number;
      interactive: boolean;
    },
  ): Promise<void> {
    const { runId, key, r, src, dataBytes, labelBytes, options, externals, readAt } = run;
    const current = () => s.runId === runId;
    let cancelled = false;
    let cancelJob: (() => Promise<number>) | undefined;
    s.runningKey = key;
    s.cancel = async () => {
      cancelled = true;
      return cancelJob ? cancelJob() : 0;
    };
    await vscode.window.withProgress(
      {
        location: run.interactive ? vscode.ProgressLocation.Notification : vscode.ProgressLocation.Window,
        title: `ReLU Lens: certifying ${s.loc.key}`,
        cancellable: true,
      },
      async (progress, token) => {
        token.onCancellationRequested(() => current() && void s.cancel?.());
        const res = await withExternals(
          s.uri,
          src,
          (m) => {
            if (cancelled) return Promise.resolve({ id: 0, ok: false, error: 'cancelled', errorKind: 'cancelled' });
            const job = this.engine.job(
              { kind: 'analyze', ...m, dataBytes, dataName: r.data, labelBytes, labelName: r.labelsFile, options },
              (stage, detail) => {
                progress.report({ message: detail ? `${stage} — ${detail}` : stage });
                if (!current()) return;
                s.state = { ...s.state, stage: { name: stage, detail } };
                this.changed.fire({ session: s, kind: 'progress', stage, detail });
              },
              (verdict) => {
                if (!current()) return;
                progress.report({ message: `verdict known (${verdict.verdict}); refining the optimal network` });
                s.state = { ...s.state, early: verdict };
                this.changed.fire({ session: s, kind: 'verdict', verdict });
              },
            );
            cancelJob = job.cancel;
            return job.result;
          },
          externals,
        );
        if (!current()) return; // a newer run replaced this one
        s.cancel = undefined;
        s.runningKey = undefined;
        s.externals = externals;
        if (res.ok && res.kind === 'analyze') {
          this.cache.set(key, res.result);
          this.done(s, res.result, r.provenance, false, readAt);
        } else if (!res.ok) this.fail(s, errorFor(res.errorKind, res.error, res.errorCode));
      },
    );
  }

  /** Stops the running analysis of this model without reporting it as cancelled (a newer one replaces it). */
  private async supersede(s: Session) {
    const stop = s.cancel;
    s.runId++;
    s.cancel = undefined;
    s.runningKey = undefined;
    await stop?.();
  }

  private done(s: Session, result: AnalyzeResult, provenance: PanelState['provenance'], cached: boolean, computedAt = Date.now()) {
    s.result = { ...result, computedAt };
    this.set(s, { status: 'done', result: result.json, plot: result.plot, provenance, computedAt: new Date(computedAt).toISOString(), cached });
    this.verdict.fire(s.uri);
  }

  /** Re-certify when the model or its data change on disk (reluLens.autoRecertify). */
  private watch(s: Session, uris: vscode.Uri[]) {
    for (const d of s.watchers) d.dispose();
    s.watchers = [];
    for (const u of uris) {
      // creations too: exporters and editors often write a new file and rename it over the old one
      const w = vscode.workspace.createFileSystemWatcher(
        new vscode.RelativePattern(vscode.Uri.joinPath(u, '..'), u.path.split('/').pop()!),
        false,
        false,
        true,
      );
      w.onDidChange(() => this.fileChanged(s));
      w.onDidCreate(() => this.fileChanged(s));
      s.watchers.push(w);
    }
  }

  /** Any relevant file (model, data, settings) changed. */
  fileChanged(s: Session) {
    if (!editorDefaults(s.uri).autoRecertify || (s.views === 0 && !s.result)) return;
    if (s.uri && s.summary) s.summary = undefined;
    clearTimeout(s.timer);
    s.timer = setTimeout(() => void this.certify(s.uri, { interactive: false, restart: true }).catch(() => undefined), RECERTIFY_DEBOUNCE_MS);
  }

  dispose() {
    for (const s of this.map.values()) {
      clearTimeout(s.timer);
      void s.cancel?.();
      for (const w of s.watchers) w.dispose();
    }
    this.changed.dispose();
    this.verdict.dispose();
  }
}
