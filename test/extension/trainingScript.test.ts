// findTrainingScript (the host's search for the script that exports a model) under a stand-in
// vscode whose workspace is examples/ and whose file system is node's: the bundled example's
// train.py is found for two-moons/model.onnx, with its export line, data file and settings
// (examples/two-moons/README.md), and nothing is found for a model no script writes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Module from 'node:module';

const WS = path.resolve('examples');

class Uri {
  constructor(
    readonly scheme: string,
    readonly authority: string,
    readonly path: string,
  ) {}
  get fsPath() {
    return this.path;
  }
  static file(p: string) {
    return new Uri('file', '', p);
  }
  static joinPath(u: Uri, ...parts: string[]) {
    return new Uri(u.scheme, u.authority, path.posix.join(u.path, ...parts));
  }
  toString() {
    return `file://${this.path}`;
  }
}

function walk(dir: string, out: string[] = []): string[] {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

const fakeVscode = {
  Uri,
  FileType: { File: 1, Directory: 2 },
  RelativePattern: class {
    constructor(
      readonly base: unknown,
      readonly pattern: string,
    ) {}
  },
  workspace: {
    getWorkspaceFolder: (u: Uri) => (u.path.startsWith(WS + '/') ? { uri: Uri.file(WS), name: 'examples', index: 0 } : undefined),
    findFiles: async () =>
      walk(WS)
        .filter((f) => f.endsWith('.py'))
        .map((f) => Uri.file(f)),
    fs: {
      stat: async (u: Uri) => {
        const s = fs.statSync(u.path);
        return { size: s.size, type: s.isFile() ? 1 : 2 };
      },
      readFile: async (u: Uri) => fs.readFileSync(u.path),
    },
  },
};

function load(): { findTrainingScript: (u: Uri) => Promise<Record<string, unknown> | undefined> } {
  const M = Module as unknown as { _load: (r: string, ...a: unknown[]) => unknown };
  const orig = M._load;
  M._load = function (r: string, ...a: unknown[]) {
    return r === 'vscode' ? fakeVscode : orig.call(this, r, ...a);
  };
  try {
    return require('../../src/extension/trainingScript');
  } finally {
    M._load = orig;
  }
}

test('the example training script is found for its model, with the export line, data and settings', async () => {
  const { findTrainingScript } = load();
  const p = await findTrainingScript(Uri.file(path.join(WS, 'two-moons', 'model.onnx')));
  assert.ok(p, 'found');
  const lines = fs.readFileSync(path.join(WS, 'two-moons', 'train.py'), 'utf8').split('\n');
  const exportLine = lines.findIndex((l) => l.includes('torch.onnx.export(')) + 1;
  assert.equal(p!.script, 'two-moons/train.py');
  assert.equal(p!.line, exportLine);
  assert.equal(p!.data, 'two-moons/train.csv');
  assert.deepEqual(p!.training, { weightDecay: 1e-3, reduction: 'mean', optimizer: 'adam', biasDecay: true });
  assert.equal(await findTrainingScript(Uri.file(path.join(WS, 'two-moons', 'other.onnx'))), undefined);
  assert.equal(await findTrainingScript(Uri.file('/elsewhere/model.onnx')), undefined, 'outside the workspace: no search');
});
