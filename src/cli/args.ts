import { parseArgs } from 'node:util';
import { usageError } from '../core/errors';
import type { LossName } from '../core/analysis/types';
import { fillFromWorkspaceConfig } from './workspaceSettings';

export const USAGE = `relu-lens — certify global optimality of a two-layer ReLU network (ONNX)

Usage:
  relu-lens inspect MODEL [--data FILE [--label NAME ...]] [--json]
  relu-lens certify MODEL --data FILE [--label NAME ...] (--beta B | --weight-decay WD [--reduction mean|sum]
                    [--optimizer sgd|adam|adamw]) [--hidden-bias decayed|free] [--output-bias decayed|free]
                    [--tol 1e-4] [--pattern-budget N] [--max-iterations N] [--solver-iterations N]
                    [--loss squared|hinge|logistic|cross-entropy] [--no-optimum] [--time-budget SECONDS]
                    [--json] [--report FILE.html|FILE.md [--force]]
  relu-lens optimize MODEL --data FILE [same options as certify] [--out FILE.onnx|.json|.npz|.csv [--force]] [--json]
  relu-lens lint SCRIPT.py|NOTEBOOK.ipynb [--json]   (findings in a PyTorch training script; exit 1 on an error)

Settings file:
  --config FILE|DIR      .vscode/relu-lens.json to read (default: searched upward from MODEL). Its entry for
                         MODEL fills --data/--label/β/bias/loss/tol options not given as flags (the VS Code
                         extension writes the same file); what was taken is printed on stderr.

Data options:
  --data FILE            training data: .csv/.tsv (header optional), .npy (X), .npz, .json
  --label NAME|INDEX     label column(s) (repeat for vector outputs); default: column "y", else the last
  --labels-file FILE     labels in a separate file (.npy/.csv/.json), e.g. with --data X.npy
  --affine-mean a,b,..   preprocessing applied to the data before training and not in the model:
  --affine-scale a,b,..  x -> (x - mean) / scale (StandardScaler convention)

Analysis options:
  --loss NAME            training loss; default from the output head: Sigmoid → logistic,
                         Softmax/LogSoftmax → cross-entropy, none → squared
  --no-optimum           certify only: skip the optimal network (MATH.md §4). By default certify also
                         computes it within the work budgets; on small problems this takes well under a second

Work budgets (the same inputs give the same numbers on any machine; an inconclusive answer names the
budget to raise):
  --pattern-budget N     activation patterns the oracle may enumerate for an exact M (default 2000000)
  --max-iterations N     column-generation iterations (default 60)
  --solver-iterations N  iterations of each restricted-problem solve (default 20000)
  --time-budget SECONDS  wall-clock SAFETY limit only (default 600); when it fires the result says
                         "stopped by the wall-clock safety limit" and its numbers depend on the machine
  --out FILE             optimize: write the optimal network (or, when optimality over all activation
                         patterns could not be proven, the best witness — said so on stderr) as a drop-in
                         .onnx (same input/output names, shapes, dtype and head as MODEL), .json, .npz
                         (float64 arrays W1, b1, W2, b2) or .csv; an existing file needs --force

Exit codes: certify: 0 certified, 10 not optimal, 11 inconclusive; optimize: 0 optimum proven (over all
activation patterns, to the reported relative gap), 11 only a witness was found; both: 3 bad model or
data, 2 bad usage (including an existing --out/--report file without --force), 1 internal error.`;

export interface CommonArgs {
  command: 'inspect' | 'certify' | 'optimize';
  model: string;
  data?: string;
  labels: string[];
  labelsFile?: string;
  affine?: { mean: number[]; scale: number[] };
  json: boolean;
}

export interface CertifyArgs extends CommonArgs {
  beta?: number;
  weightDecay?: number;
  reduction: 'mean' | 'sum';
  optimizer?: 'sgd' | 'adam' | 'adamw';
  hiddenBias?: 'decayed' | 'free';
  outputBias?: 'decayed' | 'free';
  tol: number;
  patternBudget?: number;
  /** column-generation iterations (--max-iterations) */
  maxIterations?: number;
  /** iterations of each restricted solve (--solver-iterations) */
  solverIterations?: number;
  report?: string;
  force: boolean;
  /** --tol was given on the command line (a saved tol in .vscode/relu-lens.json does not override it) */
  tolGiven?: boolean;
  /** what was read from .vscode/relu-lens.json, one line each (shown on stderr and in warnings) */
  fromConfig: string[];
  loss?: LossName;
  /** certify: compute the §4 optimum (default true; --no-optimum) */
  optimum: boolean;
  timeBudgetSeconds?: number;
  out?: string;
}

function num(name: string, v: string | undefined, positive = false): number | undefined {
  if (v === undefined) return undefined;
  const x = Number(v);
  if (v.trim() === '' || !Number.isFinite(x)) throw usageError(`--${name} expects a number, got "${v}"`);
  if (positive && !(x > 0)) throw usageError(`--${name} must be positive, got ${v}`);
  return x;
}

/** a whole number ≥ min (work budgets) */
function count(name: string, v: string | undefined, min: number): number | undefined {
  const x = num(name, v);
  if (x === undefined) return undefined;
  if (!Number.isSafeInteger(x) || x < min) throw usageError(`--${name} must be a whole number ≥ ${min}, got ${v}`);
  return x;
}

function numList(name: string, v: string | undefined): number[] | undefined {
  if (v === undefined) return undefined;
  return v.split(',').map((s, i) => {
    const x = Number(s);
    if (s.trim() === '' || !Number.isFinite(x)) throw usageError(`--${name}: entry ${i + 1} "${s}" is not a number`);
    return x;
  });
}

function oneOf<T extends string>(name: string, v: string | undefined, allowed: readonly T[]): T | undefined {
  if (v === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(v)) throw usageError(`--${name} must be one of ${allowed.join(', ')}; got "${v}"`);
  return v as T;
}

export function parseCli(argv: string[]): CertifyArgs | { command: 'help' } {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        data: { type: 'string' },
        label: { type: 'string', multiple: true },
        'labels-file': { type: 'string' },
        'affine-mean': { type: 'string' },
        'affine-scale': { type: 'string' },
        json: { type: 'boolean', default: false },
        config: { type: 'string' },
        beta: { type: 'string' },
        'weight-decay': { type: 'string' },
        reduction: { type: 'string' },
        optimizer: { type: 'string' },
        'hidden-bias': { type: 'string' },
        'output-bias': { type: 'string' },
        tol: { type: 'string' },
        'pattern-budget': { type: 'string' },
        'max-iterations': { type: 'string' },
        'solver-iterations': { type: 'string' },
        report: { type: 'string' },
        force: { type: 'boolean', default: false },
        loss: { type: 'string' },
        'no-optimum': { type: 'boolean', default: false },
        'time-budget': { type: 'string' },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (e) {
    throw usageError((e as Error).message);
  }
  const { values: v, positionals } = parsed;
  if (v.help || positionals.length === 0 || positionals[0] === 'help') return { command: 'help' };
  const [command, model, ...rest] = positionals;
  if (command !== 'inspect' && command !== 'certify' && command !== 'optimize')
    throw usageError(`unknown command "${command}" (inspect, certify, optimize)`);
  if (!model) throw usageError(`${command} needs a MODEL path`);
  if (rest.length) throw usageError(`unexpected argument "${rest[0]}"`);
  const mean = numList('affine-mean', v['affine-mean']);
  const scale = numList('affine-scale', v['affine-scale']);
  if ((mean === undefined) !== (scale === undefined)) throw usageError('--affine-mean and --affine-scale go together');
  if (v.label?.length && !v.data) throw usageError('--label needs --data');

  const args: CertifyArgs = {
    command,
    model,
    data: v.data,
    labels: v.label ?? [],
    labelsFile: v['labels-file'],
    affine: mean && scale ? { mean, scale } : undefined,
    json: v.json ?? false,
    beta: num('beta', v.beta, true),
    weightDecay: num('weight-decay', v['weight-decay']),
    reduction: oneOf('reduction', v.reduction, ['mean', 'sum'] as const) ?? 'mean',
    optimizer: oneOf('optimizer', v.optimizer, ['sgd', 'adam', 'adamw'] as const),
    hiddenBias: oneOf('hidden-bias', v['hidden-bias'], ['decayed', 'free'] as const),
    outputBias: oneOf('output-bias', v['output-bias'], ['decayed', 'free'] as const),
    tol: num('tol', v.tol, true) ?? 1e-4,
    tolGiven: v.tol !== undefined,
    fromConfig: [],
    patternBudget: num('pattern-budget', v['pattern-budget'], true),
    maxIterations: count('max-iterations', v['max-iterations'], 0),
    solverIterations: count('solver-iterations', v['solver-iterations'], 1),
    report: v.report,
    force: v.force ?? false,
    loss: oneOf('loss', v.loss, ['squared', 'hinge', 'logistic', 'cross-entropy'] as const),
    optimum: !(v['no-optimum'] ?? false),
    timeBudgetSeconds: num('time-budget', v['time-budget'], true),
    out: v.out,
  };
  if (command === 'certify' || command === 'optimize') {
    // what the flags leave open comes from .vscode/relu-lens.json (the extension's saved answers)
    args.fromConfig = fillFromWorkspaceConfig(args, v.config);
    if (!args.data) throw usageError(`${command} needs --data FILE (the training data)`);
    if (args.beta === undefined && args.weightDecay === undefined)
      throw usageError(`${command} needs --beta B or --weight-decay WD (with --reduction mean|sum)`);
    if (args.beta !== undefined && args.weightDecay !== undefined)
      throw usageError('give either --beta or --weight-decay, not both');
    if (args.tol >= 1) throw usageError('--tol is relative and must be below 1');
    if (args.report && !/\.(html?|md)$/i.test(args.report)) throw usageError('--report must end in .html or .md');
    if (command === 'certify' && args.out) throw usageError('--out belongs to optimize (relu-lens optimize MODEL … --out FILE)');
    if (command === 'optimize' && !args.optimum) throw usageError('--no-optimum makes no sense with optimize');
    if (args.out && !/\.(onnx|json|npz|csv)$/i.test(args.out)) throw usageError('--out must end in .onnx, .json, .npz or .csv');
  } else if (args.beta !== undefined || args.weightDecay !== undefined || args.report || args.out || args.loss || !args.optimum) {
    throw usageError('inspect takes no --beta/--weight-decay/--report/--loss/--out/--no-optimum (use certify or optimize)');
  }
  return args;
}
