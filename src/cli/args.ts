import { parseArgs, type ParseArgsConfig } from 'node:util';
import { usageError } from '../core/errors';
import type { CertifyArgs } from './argTypes';
import { fillFromWorkspaceConfig } from './workspaceSettings';
import { LOSS_NAMES } from '../core/losses/registry';

export const USAGE = `relu-lens — certify global optimality of a two-layer ReLU network (ONNX)

Usage:
  relu-lens inspect MODEL [--data FILE [--label NAME ...] [--loss NAME]] [--json]
  relu-lens certify MODEL --data FILE [--label NAME ...] (--beta B | --weight-decay WD [--reduction mean|sum]
                    [--optimizer sgd|adam|adamw] | --sklearn-alpha A) [--hidden-bias decayed|free] [--output-bias decayed|free]
                    [--tol 1e-4] [--pattern-budget N] [--node-budget N] [--max-iterations N] [--solver-iterations N]
                    [--loss squared|hinge|logistic|cross-entropy|huber] [--huber-delta 1] [--no-optimum] [--time-budget SECONDS]
                    [--json] [--report FILE.html|FILE.md [--force]]
  relu-lens optimize MODEL --data FILE [same options as certify] [--out FILE.onnx|.json|.npz|.csv|.py [--force]] [--json]
  relu-lens lint SCRIPT.py|NOTEBOOK.ipynb [--json]   (findings in a PyTorch or scikit-learn training script; exit 1 on an error)

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

β options (one of):
  --beta B               β of MATH.md's objective Σℓ + (β/2)‖θ‖² (squared: ½‖F − Y‖²)
  --weight-decay WD      PyTorch weight_decay, with --reduction mean|sum of the loss and --optimizer
  --sklearn-alpha A      a scikit-learn MLPClassifier/MLPRegressor's alpha: sets β = A and both biases
                         free (sklearn decays neither intercept); --hidden-bias/--output-bias still override

Analysis options:
  --loss NAME            training loss; default from the output head: Sigmoid → logistic,
                         Softmax/LogSoftmax → cross-entropy, none → squared. inspect reads the labels for it
                         (one class column for cross-entropy; a classifier's own classes as output positions)
  --huber-delta D        Huber threshold δ (--loss huber; default 1, PyTorch's HuberLoss(delta)).
                         SmoothL1Loss(beta=b) is HuberLoss(delta=b)/b: give --huber-delta b and β = b·(its β)
  --no-optimum           certify only: skip the optimal network (MATH.md §4). By default certify prints the
                         verdict first, then searches the optimum within --optimum-iterations

Work budgets (the same inputs give the same numbers on any machine; an inconclusive answer names the
budget to raise):
  --pattern-budget N     activation patterns the oracle may enumerate for an exact M (default 2000000)
  --node-budget N        nodes of the oracle's global search when the patterns exceed that budget (rank ≥ 5;
                         default 5000 per call); an inconclusive answer says when raising it would help. Unset,
                         certify makes one final call of up to 1e8/n nodes (≤ 1e6) when the search left it
                         open; set, it caps every call of the certificate, that one included (the optimum
                         search re-asks with more nodes on its own schedule)
  --max-iterations N     column-generation iterations (default 60)
  --optimum-iterations N column-generation rounds of the optimum search after the verdict (default 300)
  --solver-iterations N  iterations of each restricted-problem solve (default 20000)
  --time-budget SECONDS  wall-clock SAFETY limit only (default 600); when it fires the result says
                         "stopped by the wall-clock safety limit" and its numbers depend on the machine
  --out FILE             optimize: write the optimal network (or, when optimality over all activation
                         patterns could not be proven, the best witness — said so on stderr) as a drop-in
                         .onnx (same input/output names, shapes, dtype and head as MODEL), .json, .npz
                         (float64 arrays W1, b1, W2, b2), .csv or .py (a PyTorch snippet loading the weights
                         into nn.Sequential(nn.Linear, nn.ReLU, nn.Linear)); an existing file needs --force

Exit codes: certify: 0 certified, 10 not optimal, 11 inconclusive; optimize: 0 optimum proven (over all
activation patterns, to the reported relative gap), 11 only a witness was found; both: 3 bad model or
data, 2 bad usage (including a bad --out/--report path: an existing file without --force, a missing or
unwritable folder, a dangling symlink; checked before the analysis), 1 internal error (including a failed
write of --out/--report; a previous file there is kept).`;

// The argument shapes live in ./argTypes.ts so ./workspaceSettings.ts can fill them without
// importing this parser (which calls it): one import direction.
export type { CommonArgs, CertifyArgs } from './argTypes';

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

const CLI_OPTIONS = {
  data: { type: 'string' },
  label: { type: 'string', multiple: true },
  'labels-file': { type: 'string' },
  'affine-mean': { type: 'string' },
  'affine-scale': { type: 'string' },
  json: { type: 'boolean', default: false },
  config: { type: 'string' },
  beta: { type: 'string' },
  'weight-decay': { type: 'string' },
  'sklearn-alpha': { type: 'string' },
  reduction: { type: 'string' },
  optimizer: { type: 'string' },
  'hidden-bias': { type: 'string' },
  'output-bias': { type: 'string' },
  tol: { type: 'string' },
  'pattern-budget': { type: 'string' },
  'node-budget': { type: 'string' },
  'max-iterations': { type: 'string' },
  'solver-iterations': { type: 'string' },
  'huber-delta': { type: 'string' },
  'optimum-iterations': { type: 'string' },
  report: { type: 'string' },
  force: { type: 'boolean', default: false },
  loss: { type: 'string' },
  'no-optimum': { type: 'boolean', default: false },
  'time-budget': { type: 'string' },
  out: { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} satisfies NonNullable<ParseArgsConfig['options']>;

export function parseCli(argv: string[]): CertifyArgs | { command: 'help' } {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: CLI_OPTIONS,
    });
  } catch (e) {
    throw usageError((e as Error).message);
  }
  const { values: v, positionals } = parsed;
  if (v.help || positionals.length === 0 || positionals[0] === 'help') return { command: 'help' };
  const [command, model, ...rest] = positionals;
  if (command !== 'inspect' && command !== 'certify' && command !== 'optimize') throw usageError(`unknown command "${command}" (inspect, certify, optimize)`);
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
    sklearnAlpha: num('sklearn-alpha', v['sklearn-alpha'], true),
    reduction: oneOf('reduction', v.reduction, ['mean', 'sum'] as const) ?? 'mean',
    optimizer: oneOf('optimizer', v.optimizer, ['sgd', 'adam', 'adamw'] as const),
    hiddenBias: oneOf('hidden-bias', v['hidden-bias'], ['decayed', 'free'] as const),
    outputBias: oneOf('output-bias', v['output-bias'], ['decayed', 'free'] as const),
    tol: num('tol', v.tol, true) ?? 1e-4,
    tolGiven: v.tol !== undefined,
    fromConfig: [],
    patternBudget: num('pattern-budget', v['pattern-budget'], true),
    nodeBudget: count('node-budget', v['node-budget'], 0),
    maxIterations: count('max-iterations', v['max-iterations'], 0),
    solverIterations: count('solver-iterations', v['solver-iterations'], 1),
    optimumIterations: count('optimum-iterations', v['optimum-iterations'], 0),
    report: v.report,
    force: v.force ?? false,
    loss: oneOf('loss', v.loss, LOSS_NAMES),
    huberDelta: num('huber-delta', v['huber-delta'], true),
    optimum: !(v['no-optimum'] ?? false),
    timeBudgetSeconds: num('time-budget', v['time-budget'], true),
    out: v.out,
  };
  if (command === 'certify' || command === 'optimize') {
    // what the flags leave open comes from .vscode/relu-lens.json (the extension's saved answers)
    args.fromConfig = fillFromWorkspaceConfig(args, v.config);
    checkRunArgs(command, args);
  } else if (args.beta !== undefined || args.weightDecay !== undefined || args.sklearnAlpha !== undefined || args.report || args.out || !args.optimum) {
    throw usageError('inspect takes no --beta/--weight-decay/--report/--out/--no-optimum (use certify or optimize)');
  }
  return args;
}

/** certify/optimize after the workspace settings filled in: data, exactly one β flag, consistent outputs. */
function checkRunArgs(command: 'certify' | 'optimize', args: CertifyArgs): void {
  if (!args.data) throw usageError(`${command} needs --data FILE (the training data)`);
  const betaFlags = [args.beta, args.weightDecay, args.sklearnAlpha].filter((x) => x !== undefined).length;
  if (betaFlags === 0) throw usageError(`${command} needs --beta B, --weight-decay WD (with --reduction mean|sum) or --sklearn-alpha A`);
  if (betaFlags > 1) throw usageError('give one of --beta, --weight-decay and --sklearn-alpha, not several');
  if (args.tol >= 1) throw usageError('--tol is relative and must be below 1');
  if (args.report && !/\.(html?|md)$/i.test(args.report)) throw usageError('--report must end in .html or .md');
  if (command === 'certify' && args.out) throw usageError('--out belongs to optimize (relu-lens optimize MODEL … --out FILE)');
  if (command === 'optimize' && !args.optimum) throw usageError('--no-optimum makes no sense with optimize');
  if (args.out && !/\.(onnx|json|npz|csv|py)$/i.test(args.out)) throw usageError('--out must end in .onnx, .json, .npz, .csv or .py');
}
