// Prepares what a scenario's VS Code sees: the extension (unpacked, from the built repo) and a
// workspace folder copied from the committed fixtures. Each scenario gets its own workspace copy
// (.e2e/ws-<scenario>) so editors restored by one window never leak into another.
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { REPO, E2E_DIR } from './setup.mjs';

const TRAINED = join(REPO, 'test', 'fixtures', 'trained');
const SHARED_REFUSE = join(REPO, '..', 'shared', 'fixtures', 'onnx-real', 'refuse');

/** Files the extension needs at run time (the same set .vscodeignore ships in the VSIX). */
const EXTENSION_ENTRIES = ['package.json', 'README.md', 'dist', 'media', 'node_modules', 'package.nls.json', 'LICENSE'];

/**
 * An unpacked extension folder whose entries are symlinks into the repo, plus the
 * extensions.json manifest VS Code ≥ 1.74 reads instead of scanning the folder.
 * Symlinks instead of a VSIX: no 60 MB zip of onnxruntime-node per run, and what runs is exactly
 * the freshly built dist/.
 */
export function installUnpackedExtension(extensionsDir) {
  const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
  const id = `${pkg.publisher}.${pkg.name}`;
  const folder = `${id}-${pkg.version}`;
  const dest = join(extensionsDir, folder);
  rmSync(dest, { recursive: true, force: true });
  mkdirSync(dest, { recursive: true });
  for (const e of EXTENSION_ENTRIES) {
    if (existsSync(join(REPO, e))) symlinkSync(join(REPO, e), join(dest, e));
  }
  const manifest = [
    {
      identifier: { id },
      version: pkg.version,
      location: { $mid: 1, fsPath: dest, external: `file://${dest}`, path: dest, scheme: 'file' },
      relativeLocation: folder,
      metadata: { installedTimestamp: Date.now(), source: 'vsix', pinned: true },
    },
  ];
  writeFileSync(join(extensionsDir, 'extensions.json'), JSON.stringify(manifest));
  return { id, folder, pkg };
}

function copy(from, to) {
  mkdirSync(join(to, '..'), { recursive: true });
  cpSync(from, to);
}

/** Deterministic "bigger" data set for the cancel scenario (LCG, no Math.random): n points in 2-D. */
export function bigDataCsv(n, seed = 12345) {
  let s = seed;
  const r = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  const rows = ['x1,x2,y'];
  for (let i = 0; i < n; i++) {
    const a = r() * 4 - 2;
    const b = r() * 4 - 2;
    rows.push(`${a},${b},${Math.sin(2 * a) * Math.cos(b) + 0.1 * (r() - 0.5)}`);
  }
  return rows.join('\n') + '\n';
}

// Training settings of test/fixtures/trained (case.json: MSELoss mean, Adam, wd 0.01, biases decayed).
const trainedEntry = (data) => ({
  data,
  labels: ['y'],
  labelsFile: null,
  beta: null,
  training: { weightDecay: 0.01, reduction: 'mean', optimizer: 'adam', biasDecay: true },
  hiddenBias: 'decayed',
  outputBias: 'decayed',
  loss: 'squared',
  tol: 0.0001,
});

/**
 * Workspace layout (paths relative to the folder; every file name is unique so explorer rows can be
 * found by their label):
 *   models/converged.onnx      data/converged.csv      (trained/converged-2d: certified)
 *   models/early-stopped.onnx  data/early-stopped.csv  (trained/early-stopped-2d: not optimal)
 *   models/spurious.onnx       data/spurious.csv       (trained/spurious-2d: not optimal)
 *   models/two-hidden.onnx     (refused: Marabou's two hidden ReLU layers)
 *   slow/slow.onnx             slow/slow.csv           (converged-2d's net on 8000 generated points: long run)
 *   two-moons/train.py + model.onnx + train.csv       (examples/two-moons: its export and data; the script
 *                              is test/e2e/fixtures/two-moons-train.py, the same training with literal paths)
 *   .vscode/relu-lens.json     settings for the models above, so no prompt blocks (not two-moons: issue #6
 *                              reads the script)
 */
export function prepareWorkspace(name, { bigN = 8000 } = {}) {
  const ws = join(E2E_DIR, `ws-${name}`);
  rmSync(ws, { recursive: true, force: true });
  mkdirSync(ws, { recursive: true });
  const cases = { converged: 'converged-2d', 'early-stopped': 'early-stopped-2d', spurious: 'spurious-2d' };
  const models = {};
  for (const [short, dir] of Object.entries(cases)) {
    copy(join(TRAINED, dir, 'model.onnx'), join(ws, 'models', `${short}.onnx`));
    copy(join(TRAINED, dir, 'train.csv'), join(ws, 'data', `${short}.csv`));
    models[`models/${short}.onnx`] = trainedEntry(`data/${short}.csv`);
  }
  const refused = join(SHARED_REFUSE, 'r04_marabou_mnist2x10_two_hidden.onnx');
  const refusedFallback = join(REPO, 'test', 'fixtures', 'torch', 'refuse_two_relus.onnx');
  copy(existsSync(refused) ? refused : refusedFallback, join(ws, 'models', 'two-hidden.onnx'));
  // deliberately NO settings entry: the refusal must be said before any question about data or β
  // (a prompt here would block the scenario until it times out)
  copy(join(TRAINED, 'converged-2d', 'model.onnx'), join(ws, 'slow', 'slow.onnx'));
  writeFileSync(join(ws, 'slow', 'slow.csv'), bigDataCsv(bigN));
  models['slow/slow.onnx'] = { ...trainedEntry('slow/slow.csv'), training: null, beta: 1 };
  delete models['slow/slow.onnx'].training;
  for (const f of ['model.onnx', 'train.csv']) copy(join(REPO, 'examples', 'two-moons', f), join(ws, 'two-moons', f));
  // examples/two-moons/train.py with literal paths: the script analysis cannot follow
  // os.path.join(HERE, …) (run-time values), which the example uses
  copy(join(REPO, 'test', 'e2e', 'fixtures', 'two-moons-train.py'), join(ws, 'two-moons', 'train.py'));
  // the order a user's files have: data, then the script, then the model it exported (the
  // extension warns when the model is older than the script)
  const now = Date.now() / 1000;
  utimesSync(join(ws, 'two-moons', 'train.csv'), now - 7200, now - 7200);
  utimesSync(join(ws, 'two-moons', 'train.py'), now - 3600, now - 3600);
  utimesSync(join(ws, 'two-moons', 'model.onnx'), now - 60, now - 60);
  mkdirSync(join(ws, '.vscode'), { recursive: true });
  writeFileSync(join(ws, '.vscode', 'relu-lens.json'), JSON.stringify({ version: 1, models }, null, 2) + '\n');
  return ws;
}

export function userSettings(theme = 'Default Dark Modern') {
  // Everything that could put a notification, walkthrough or network request in front of the test.
  return {
    'workbench.colorTheme': theme,
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'workbench.enableExperiments': false,
    'workbench.welcomePage.walkthroughs.openOnInstall': false,
    'security.workspace.trust.enabled': false,
    'telemetry.telemetryLevel': 'off',
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'extensions.ignoreRecommendations': true,
    'update.mode': 'none',
    'git.enabled': false,
    'chat.commandCenter.enabled': false,
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
    'window.restoreWindows': 'none',
    'editor.codeLens': true,
    'editor.hover.delay': 300,
  };
}

export function writeUserSettings(userDataDir, settings) {
  const dir = join(userDataDir, 'User');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'settings.json'), JSON.stringify(settings, null, 2) + '\n');
}

export const rel = (p) => relative(REPO, p);
