/**
 * lintScript: pure, shared by `relu-lens lint` and the extension. Severity policy (documented in
 * README's lint section): "error" only for what makes the script's model uncertifiable — no or zero
 * weight decay (β = 0) and an unsupported loss — and only when a two-layer ReLU network was found.
 * Everything the analysis could not pin down is an "information" naming what and why, never a guess.
 */
import type { AnalysisJson } from '../report/analysisJson';
import { scriptBeta } from './beta';
// the verdict's numbers as the CLI, the panel and the reports print them (one unit, intervals with their width);
// fmtTerm is the derivations' number style, for the messages quoting them
import { fmtInterval, fmtTerm as fmt, gapVsTolerance } from '../format/numbers';
import { SUPPORTED_LOSSES } from './loss';
import type { ScriptFacts, SrcRange, ExportFact } from './types';
import { sklearnDiagnostics } from './sklearnLint';
import { CODES, type ScriptDiagnostic, type Severity } from './diagnostics';
import { FREE_BIASES } from '../format/certifyControls';

export { CODES, type Severity, type TextEdit, type ScriptDiagnostic } from './diagnostics';

export interface ExportState {
  exists: boolean;
  /** ms since epoch */
  mtime?: number;
  verdict?: AnalysisJson;
  /** when the verdict was computed (ms since epoch) */
  verdictAt?: number;
}

export interface LintContext {
  /** ms since epoch of the script (or notebook) */
  scriptMtime?: number;
  /** number of training samples when known from outside the script (the data file, a verdict) */
  n?: number;
  /** keyed by the export path as written in the script */
  exports?: Record<string, ExportState>;
  /** verdicts were looked up (the extension): a model without one gets "not certified yet"; the CLI leaves this off */
  verdictsKnown?: boolean;
  /** what the caller could not establish on disk (a data file it refused to read), reported like the script's own */
  unresolved?: ScriptFacts['unresolved'];
}

const LOSS_NAMES: Record<string, string> = { mse: 'squared', 'cross-entropy': 'cross-entropy', 'bce-logits': 'logistic', hinge: 'hinge', huber: 'huber' };

/** Does this file train a PyTorch model at all? Files that do not get no diagnostics (no noise on every .py). */
export function isTrainingScript(f: ScriptFacts): boolean {
  return !!f.sklearn || f.network !== null || f.optimizer !== null || f.exports.some((e) => e.kind !== 'torch-save');
}

export function lintScript(f: ScriptFacts, ctx: LintContext = {}): ScriptDiagnostic[] {
  const out: ScriptDiagnostic[] = [];
  if (!isTrainingScript(f)) return out;
  const net = f.network;
  const anyVerdict = Object.values(ctx.exports ?? {}).find((e) => e.verdict)?.verdict;
  const n = f.data?.n ?? ctx.n ?? anyVerdict?.data?.n ?? null;
  const nWhere =
    f.data?.n != null
      ? f.data.nSource
        ? ` (from ${f.data.nSource})`
        : ''
      : ctx.n != null
        ? ' (from the data file)'
        : n != null
          ? ' (from the certificate)'
          : '';
  const anchor = f.optimizer?.range ?? net?.range ?? f.exports[0]?.range ?? { line: 0, column: 0, endLine: 0, endColumn: 1 };

  if (f.syntaxErrors?.length)
    out.push({
      code: CODES.syntax,
      severity: 'warning',
      message: `The script has ${f.syntaxErrors.length} syntax error(s); what ReLU Lens reads from it may be incomplete.`,
      range: f.syntaxErrors[0],
    });

  out.push(...(f.sklearn ? sklearnDiagnostics(f.sklearn, net, n, nWhere) : torchDiagnostics(f, n, nWhere, anchor)));

  const w = widthDiagnostic(net, n, anyVerdict);
  if (w) out.push(w);

  // Exports: the verdict of the exported model
  const scriptB = f.sklearn || f.optimizer || f.loss?.kind === 'penalty' ? scriptBeta(f, n).beta : null;
  for (const e of f.exports) out.push(...exportDiagnostics(e, net, ctx, scriptB));

  for (const u of [...f.unresolved, ...(ctx.unresolved ?? [])])
    out.push({
      code: CODES.unresolved,
      severity: 'information',
      range: u.range ?? anchor,
      message: `Not resolved: ${u.what}.`,
      related: { kind: 'unresolved' },
    });
  return out.sort((a, b) => (a.range.cellIndex ?? 0) - (b.range.cellIndex ?? 0) || a.range.line - b.range.line || a.range.column - b.range.column);
}

/** The PyTorch part: network found or not, the loss, a head applied twice, the optimizer and β. */
function torchDiagnostics(f: ScriptFacts, n: number | null, nWhere: string, anchor: SrcRange): ScriptDiagnostic[] {
  const out: ScriptDiagnostic[] = [];
  const net = f.network;
  const fatal: Severity = net ? 'error' : 'warning';
  if (!net)
    out.push({
      code: CODES.noNetwork,
      severity: 'warning',
      range: anchor,
      message:
        'No two-layer ReLU network found (nn.Sequential(nn.Linear, nn.ReLU, nn.Linear) or an nn.Module with two nn.Linear and a ReLU in forward): ReLU Lens certifies only that architecture.',
      related: { kind: 'network' },
    });
  out.push(...lossDiagnostics(f, anchor, fatal), ...optimizerDiagnostics(f, n, nWhere, anchor));
  return out;
}

/** The loss as read, and a head it applies again; `fatal` is an error only when a network was found. */
function lossDiagnostics(f: ScriptFacts, anchor: SrcRange, fatal: Severity): ScriptDiagnostic[] {
  const out: ScriptDiagnostic[] = [];
  const net = f.network;
  const loss = f.loss;
  if (!loss)
    out.push({
      code: CODES.noLoss,
      severity: 'information',
      range: anchor,
      message: `No training loss found (supported: ${SUPPORTED_LOSSES}); the squared loss is assumed for β.`,
    });
  else if (!loss.supported || loss.kind === 'other')
    out.push({
      code: CODES.unsupportedLoss,
      severity: fatal,
      range: loss.range,
      related: { kind: 'loss' },
      message: `Loss ${loss.spelling ?? loss.kind} is not supported: ${loss.why ?? 'no dual is implemented for it'}. Supported: ${SUPPORTED_LOSSES}.`,
    });
  else {
    const base = loss.kind === 'penalty' ? (loss.base ?? 'mse') : loss.kind;
    out.push({
      code: CODES.lossReading,
      severity: 'hint',
      range: loss.range,
      related: { kind: 'loss' },
      message: `Loss read as ${LOSS_NAMES[base] ?? base} (${loss.spelling ?? ''}, reduction ${loss.reduction ?? '?'}${loss.scale && loss.scale !== 1 ? `, scaled by ${fmt(loss.scale)}` : ''})${loss.kind === 'penalty' ? ` plus an explicit μ‖θ‖² penalty (μ = ${loss.penaltyMu == null ? 'unresolved' : fmt(loss.penaltyMu)})` : ''}.`,
      certifyWith: [{ setting: 'loss', value: LOSS_NAMES[base] ?? base }],
    });
  }

  // A head the loss applies again: softmax twice / sigmoid twice trains a different model than intended.
  if (loss && net?.head) {
    const base = loss.kind === 'penalty' ? loss.base : loss.kind;
    const twice =
      (base === 'cross-entropy' && net.head === 'softmax' && !/nll/i.test(loss.spelling ?? '')) ||
      (base === 'bce-logits' && net.head === 'sigmoid' && /WithLogits|with_logits|SoftMargin|soft_margin/.test(loss.spelling ?? ''));
    if (twice)
      out.push({
        code: CODES.headMismatch,
        severity: 'warning',
        range: loss.range,
        message: `${loss.spelling} applies ${net.head === 'softmax' ? 'log-softmax' : 'the sigmoid'} itself, but the network already ends in ${net.head === 'softmax' ? 'Softmax' : 'Sigmoid'}: the ${net.head} is applied twice. Remove the head layer (ReLU Lens reads the exported head to choose the loss).`,
      });
  }
  return out;
}

/** Optimizer, weight decay, β: what the certificate's β is read from, and what would break it. */
function optimizerDiagnostics(f: ScriptFacts, n: number | null, nWhere: string, anchor: SrcRange): ScriptDiagnostic[] {
  const out: ScriptDiagnostic[] = [];
  const loss = f.loss;
  const opt = f.optimizer;
  const lossOk = !loss || (loss.supported && loss.kind !== 'other');
  if (!opt && loss?.kind !== 'penalty')
    out.push({
      code: CODES.noOptimizer,
      severity: 'information',
      range: anchor,
      message: 'No torch.optim optimizer found: the weight decay, and so β, is not visible in this script.',
    });
  if (opt || loss?.kind === 'penalty') {
    const b = scriptBeta(f, n);
    const wdRange = opt?.weightDecayRange ?? opt?.range ?? loss!.penaltyRange ?? loss!.range;
    if (b.zero)
      out.push({
        code: CODES.noWeightDecay,
        severity: 'warning',
        range: wdRange,
        message: b.zero,
        related: { kind: 'weight-decay', beta: 0, derivation: b.derivation },
      });
    else if (lossOk) {
      const lines = [b.derivation, ...b.warnings];
      if (n !== null && b.beta !== null) lines.push(`n = ${n}${nWhere}`);
      out.push({
        code: CODES.beta,
        severity: 'information',
        range: wdRange,
        message: b.beta !== null ? `β = ${fmt(b.beta)} for this loss and data size: ${b.derivation}` : b.derivation,
        related: { kind: 'weight-decay', beta: b.beta, derivation: b.derivation, lines },
      });
    }
    if (opt?.kind === 'adamw') out.push(adamwDiagnostic(opt, b.beta));
    else if (opt?.kind === 'other' && opt.weightDecay)
      out.push({
        code: CODES.otherOptimizer,
        severity: 'information',
        range: opt.nameRange ?? opt.range,
        message: `${opt.className} adds weight_decay to the gradient (coupled), so its fixed points minimize loss + (wd/2)‖θ‖²: the same β as SGD/Adam applies.`,
      });
    if (opt?.polish)
      out.push({
        code: CODES.polish,
        severity: 'information',
        range: opt.polish.range,
        message: `${opt.polish.className} polishes the same parameters after ${opt.className ?? 'the optimizer'}: β is read from ${opt.className ?? 'its'} weight_decay, which holds when the polish minimises the same objective, loss + (wd/2)‖θ‖² (${opt.polish.className} has no weight_decay: the closure must add the penalty).`,
      });
    if (opt?.biasDecay === false)
      out.push({
        code: CODES.biasesFree,
        severity: 'information',
        range: opt.weightDecayRange ?? opt.range,
        message: 'Biases are excluded from weight decay.',
        certifyWith: FREE_BIASES,
      });
  }
  return out;
}

/** AdamW has no single β; the quick fix switches to Adam, keeping AdamW's default decay when none was written. */
function adamwDiagnostic(opt: NonNullable<ScriptFacts['optimizer']>, beta: number | null): ScriptDiagnostic {
  const d: ScriptDiagnostic = {
    code: CODES.adamw,
    severity: 'warning',
    range: opt.nameRange ?? opt.range,
    message: `AdamW's decoupled weight decay has no single β: the certificate's problem min loss + (β/2)‖θ‖² is not what AdamW minimizes. Use Adam (or SGD) with weight_decay so the certificate applies; until then the verdict is against the nominal β${beta !== null ? ` = ${fmt(beta)}` : ''} and the implied β is reported beside it.`,
  };
  if (opt.nameRange && opt.className === 'AdamW') {
    const wd = opt.weightDecay ?? 0.01;
    d.fix = opt.weightDecayDefault
      ? {
          title: `Switch AdamW to Adam with weight_decay=${fmt(wd)} (AdamW's default, now coupled) so the certificate applies`,
          edits: [
            { range: opt.nameRange, newText: 'Adam' },
            opt.argsEnd
              ? { range: opt.argsEnd, newText: `, weight_decay=${fmt(wd)}` }
              : {
                  range: { ...opt.range, line: opt.range.endLine, column: opt.range.endColumn - 1, endColumn: opt.range.endColumn - 1 },
                  newText: `weight_decay=${fmt(wd)}`,
                },
          ],
        }
      : { title: `Switch AdamW to Adam (same weight_decay, coupled) so the certificate applies`, edits: [{ range: opt.nameRange, newText: 'Adam' }] };
  }
  return d;
}

/** Hidden width against the optimum and n + 1. */
function widthDiagnostic(net: ScriptFacts['network'], n: number | null, anyVerdict: AnalysisJson | undefined): ScriptDiagnostic | null {
  if (net?.hiddenRange && net.m !== null) {
    const lines = [`hidden width m = ${net.m}`];
    const k = anyVerdict?.optimum?.neurons ?? anyVerdict?.geometry?.optimumNeurons ?? null;
    if (k !== null && k !== undefined)
      lines.push(
        `the optimum uses ${k} neuron${k === 1 ? '' : 's'}${k < net.m ? ` (${net.m - k} more than needed)` : k > net.m ? ` — more than the ${net.m} this network has` : ''}`,
      );
    if (n !== null)
      lines.push(
        net.m >= n + 1
          ? `m ≥ n + 1 = ${n + 1}: strong duality is guaranteed at this width`
          : `m < n + 1 = ${n + 1}: strong duality is guaranteed only from m ≥ n + 1; below that it holds when m reaches the optimum's neuron count, which the certificate reports`,
      );
    else lines.push('n unknown: strong duality is guaranteed for m ≥ n + 1');
    return { code: CODES.width, severity: 'information', range: net.hiddenRange, message: lines.join('; '), related: { kind: 'width', lines } };
  }
  return null;
}

/** Relative difference above which the certificate's β and the script's β are reported as different. */
export const BETA_MISMATCH_REL = 1e-6;

function exportDiagnostics(e: ExportFact, net: ScriptFacts['network'], ctx: LintContext, scriptB: number | null): ScriptDiagnostic[] {
  if (e.kind === 'torch-save') return [];
  const st = ctx.exports?.[e.path];
  const rel = { kind: 'export' as const, modelPath: e.path };
  const d = (code: string, severity: Severity, message: string, lines?: string[]): ScriptDiagnostic => ({
    code,
    severity,
    message,
    range: e.range,
    related: { ...rel, lines },
  });
  if (!st) return [];
  if (!st.exists) return [d(CODES.missingModel, 'information', `${e.path} does not exist yet: run the script, then "Certify optimality".`)];
  if (ctx.scriptMtime !== undefined && st.mtime !== undefined && st.mtime < ctx.scriptMtime)
    return [
      d(
        CODES.staleModel,
        'warning',
        `The model file ${e.path} is older than the script: run the script again before certifying (the verdict would be about an old model).`,
      ),
    ];
  const v = st.verdict;
  if (!v && !ctx.verdictsKnown) return [];
  if (!v) return [d(CODES.notCertified, 'information', `${e.path} has no certificate yet: run "Certify optimality".`)];
  if (st.verdictAt !== undefined && st.mtime !== undefined && st.verdictAt < st.mtime)
    return [d(CODES.staleVerdict, 'information', `${e.path} changed after it was certified: certify again.`)];
  const out: ScriptDiagnostic[] = [];
  if (net && v.model && ((net.m !== null && v.model.m !== net.m) || (net.d !== null && v.model.d !== net.d) || (net.c !== null && v.model.c !== net.c)))
    out.push(
      d(
        CODES.shapeMismatch,
        'warning',
        `${e.path} is ${v.model.d} → ${v.model.m} → ${v.model.c} but the script builds ${net.d ?? '?'} → ${net.m ?? '?'} → ${net.c ?? '?'}: the file was not written by this version of the script.`,
      ),
    );
  const g = (x: number) => fmt(x);
  if (scriptB !== null && scriptB > 0 && Math.abs(v.beta - scriptB) > BETA_MISMATCH_REL * Math.max(v.beta, scriptB))
    out.push(
      d(
        CODES.betaMismatch,
        'warning',
        `The certificate of ${e.path} used β = ${g(v.beta)} (${v.betaDerivation}), but this script implies β = ${g(scriptB)}: the verdict is about a different regularized problem. Certify again with the script's settings.`,
      ),
    );
  const P = v.primalAsTrained ?? v.primal; // verdicts stored before P(θ) was reported
  const lines = [
    v.summary,
    `β = ${g(v.beta)} (${v.betaDerivation})`,
    `P(θ) = ${g(P)}, P_bal = ${g(v.primal)}, D = ${g(v.dualBound)}, P* ∈ ${fmtInterval(v.pstarInterval[0], v.pstarInterval[1])}`,
  ];
  if (v.verdict === 'certified')
    out.push(
      d(CODES.verdict, 'information', `ReLU Lens: certified globally optimal — P(θ) − P* ≤ ${g(v.gap)} (${gapVsTolerance(v)}), β = ${g(v.beta)}.`, lines),
    );
  else if (v.verdict === 'not-optimal')
    out.push(
      d(
        CODES.verdict,
        'warning',
        v.witness?.kind === 'rebalance/prune'
          ? `ReLU Lens: not optimal — ${v.summary}`
          : `ReLU Lens: not optimal — a witness network has objective ${v.witness ? g(v.witness.objective) : '?'} < P(θ) = ${g(P)}; gap to P* ≥ ${g(P - v.pstarInterval[1])} (${v.witness?.description ?? 'witness'}).`,
        lines,
      ),
    );
  else
    out.push(
      d(
        CODES.verdict,
        'information',
        `ReLU Lens: inconclusive — P* ∈ ${fmtInterval(v.pstarInterval[0], v.pstarInterval[1])}, P(θ) = ${g(P)}; neither optimality nor a better network could be proven.`,
        lines,
      ),
    );
  return out;
}
