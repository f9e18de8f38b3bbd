/**
 * The fuzz harness's targets (issue #17 item 6): each case is a pure function of (seed, index), runs
 * one reader on one mutant and ends in an outcome. 'ok' (read) and 'refused' (a ReluLensError) are
 * both fine; anything else thrown is an 'exception' and a bug. The model targets also check the
 * property the file layer promises: no file outside the model's folder is opened or read
 * (recorded through an injected fs), whatever the model names.
 */
import * as fs from 'node:fs';
import { join } from 'node:path';
import { makeRng } from '../../src/core/random';
import { ReluLensError } from '../../src/core/errors';
import { readModelBytes, readModelFile } from '../../src/core/onnx/index';
import { decodeModelProto, modelProtoType } from '../../src/core/onnx/proto';
import { crossCheck, crossCheckRefusal } from '../../src/core/onnx/ortCheck';
import { memorySource } from '../../src/core/io/external';
import { loadDataset, parseDataset } from '../../src/core/data';
import { analyzeNotebook, analyzeScript, dataContextFromDisk, lintScript } from '../../src/core/python';
import { loadPipeline } from '../../src/core/pipeline/load';
import { recordingFs } from '../io/helpers';
import { buildModel, externalTensor, node, tensor, rand } from '../onnx/builder';
import { REAL_FIXTURES, REPO_ROOT } from '../onnx/paths';
import type { HostileWorkspace } from './workspace';
import {
  choose,
  mutateBytes,
  mutateDelimited,
  mutateDims,
  mutateExternalKv,
  mutateJson,
  mutateNotebook,
  mutateNpy,
  mutateNpz,
  mutatePython,
  mutateVarint,
  npyOf,
  pick,
  type Rng,
} from './mutators';

export type Outcome = 'ok' | 'refused';
export const TARGETS = ['onnx-bytes', 'onnx-varint', 'onnx-external', 'npy', 'npz', 'csv', 'json', 'data-file', 'python', 'notebook', 'pipeline'] as const;
export type Target = (typeof TARGETS)[number];

/** An exception that is not a refusal, with what reproduces it. */
export class FuzzFailure extends Error {
  constructor(
    readonly target: Target,
    readonly index: number,
    message: string,
  ) {
    super(`${target} #${index}: ${message}`);
  }
}

interface Corpus {
  models: Uint8Array[];
  csv: string[];
  scripts: { name: string; text: string }[];
  notebooks: string[];
}

let corpus: Corpus | undefined;

function loadCorpus(): Corpus {
  const models: Uint8Array[] = [];
  const csv: string[] = [];
  for (const base of ['test/fixtures/trained', 'test/fixtures/losses']) {
    const dir = join(REPO_ROOT, base);
    for (const sub of fs.readdirSync(dir).sort()) {
      const p = join(dir, sub);
      if (!fs.statSync(p).isDirectory()) continue;
      if (fs.existsSync(join(p, 'model.onnx'))) models.push(fs.readFileSync(join(p, 'model.onnx')));
      if (fs.existsSync(join(p, 'train.csv'))) csv.push(fs.readFileSync(join(p, 'train.csv'), 'utf8').split('\n').slice(0, 40).join('\n'));
    }
  }
  const accept = join(REAL_FIXTURES, 'accept');
  if (fs.existsSync(accept))
    for (const f of fs
      .readdirSync(accept)
      .filter((x) => x.endsWith('.onnx'))
      .sort())
      models.push(fs.readFileSync(join(accept, f)));
  const sdir = join(REPO_ROOT, 'test/fixtures/scripts');
  const scripts = fs
    .readdirSync(sdir)
    .filter((f) => f.endsWith('.py'))
    .sort()
    .map((f) => ({ name: f, text: fs.readFileSync(join(sdir, f), 'utf8') }));
  const notebooks = fs
    .readdirSync(sdir)
    .filter((f) => f.endsWith('.ipynb'))
    .sort()
    .map((f) => fs.readFileSync(join(sdir, f), 'utf8'));
  return { models, csv, scripts, notebooks };
}

const enc = new TextEncoder();

/** A Gemm → Relu → Gemm model with W1, b1, W2 in weights.bin and an unused initializer, then mutated. */
function externalModel(rnd: Rng, hw: HostileWorkspace): Uint8Array {
  const d = 2,
    m = 2;
  const inits = [
    externalTensor('W1', [m, d], 'weights.bin', 0, 16),
    externalTensor('b1', [m], 'weights.bin', 16, 8),
    externalTensor('W2', [1, m], 'weights.bin', 24, 8),
    tensor('b2', [1], rand(1, 4)),
    externalTensor('junk', [4], 'weights.bin', 32, 16),
  ];
  const T = modelProtoType();
  const obj = T.toObject(
    decodeModelProto(
      buildModel({
        nodes: [node('Gemm', ['x', 'W1', 'b1'], ['h'], { transB: 1 }), node('Relu', ['h'], ['r']), node('Gemm', ['r', 'W2', 'b2'], ['y'], { transB: 1 })],
        inits,
        inputs: [{ name: 'x', shape: ['N', d] }],
        outputs: [{ name: 'y', shape: ['N', 1] }],
        irVersion: 8,
      }),
    ) as never,
    { longs: Number },
  ) as {
    graph: {
      initializer: { dims: number[]; data_location?: number; external_data?: { key: string; value: string }[] }[];
    };
  };
  const ops = 1 + pick(rnd, 3);
  for (let o = 0; o < ops; o++) {
    const t = choose(rnd, obj.graph.initializer);
    if (rnd() < 0.75) mutateExternalKv((t.external_data ??= []), rnd, hw.names, hw.outside);
    else if (rnd() < 0.6) t.dims = mutateDims(t.dims, rnd);
    else t.data_location = choose(rnd, [0, 1, 2, 7]);
  }
  return T.encode(T.fromObject(obj)).finish();
}

/** Every path opened or read through `calls` lies inside the model's folder. */
function assertContained(calls: { op: string; path: string }[], hw: HostileWorkspace, target: Target, index: number) {
  for (const c of calls) {
    if (c.op !== 'open' && c.op !== 'read' && c.op !== 'fstat') continue;
    if (!(c.path === hw.ws || c.path.startsWith(hw.ws + '/')))
      throw new FuzzFailure(target, index, `${c.op} of ${c.path}, outside the model's folder ${hw.ws}`);
  }
}

const labelsOption = (rnd: Rng) => choose(rnd, [undefined, undefined, ['y'], [0], [1], ['nope'], [99], ['y', 'y'], [-1]]);

/** Runs case `index` of `seed`; 'ok' or 'refused', or throws what the reader threw. */
export async function runCase(seed: number, index: number, hw: HostileWorkspace): Promise<{ target: Target; outcome: Outcome }> {
  corpus ??= loadCorpus();
  const target = TARGETS[index % TARGETS.length];
  const rnd = makeRng((seed * 0x9e3779b1 + index * 0x85ebca77) >>> 0);
  const file = join(hw.ws, `case-${index}`);
  try {
    await runTarget(target, rnd, hw, file, index);
    return { target, outcome: 'ok' };
  } catch (e) {
    if (e instanceof ReluLensError) return { target, outcome: 'refused' };
    throw e instanceof FuzzFailure ? e : new FuzzFailure(target, index, e instanceof Error ? `${e.name}: ${e.message}\n${e.stack}` : String(e));
  } finally {
    for (const ext of ['.onnx', '.csv', '.json', '.npy', '.npz', '.py', '.ipynb']) fs.rmSync(file + ext, { force: true });
  }
}

async function runTarget(target: Target, rnd: Rng, hw: HostileWorkspace, file: string, index: number): Promise<void> {
  const c = corpus!;
  switch (target) {
    case 'onnx-bytes':
      readModelBytes(mutateBytes(choose(rnd, c.models), rnd), { file: 'fuzz.onnx', external: memorySource({}) });
      return;
    case 'onnx-varint':
      readModelBytes(mutateVarint(choose(rnd, c.models), rnd), { file: 'fuzz.onnx', external: memorySource({}) });
      return;
    case 'onnx-external': {
      fs.writeFileSync(file + '.onnx', externalModel(rnd, hw));
      const rec = recordingFs();
      try {
        const read = await readModelFile(file + '.onnx', { fs: rec.fs });
        // now and then onnxruntime too: it must get the very ranges the reader read, nothing else
        if (rnd() < 0.1) crossCheckRefusal(await crossCheck(read.model, read.bytes, undefined, { external: read.external }), 'fuzz.onnx');
      } finally {
        assertContained(rec.calls, hw, target, index);
      }
      return;
    }
    case 'npy':
      parseDataset(mutateNpy(rnd), { file: 'fuzz.npy', labels: labelsOption(rnd) as never });
      return;
    case 'npz':
      parseDataset(mutateNpz(rnd), {
        file: 'fuzz.npz',
        labels: labelsOption(rnd) as never,
        expectD: choose(rnd, [undefined, 1, 2]),
      });
      return;
    case 'csv':
      parseDataset(enc.encode(mutateDelimited(choose(rnd, c.csv), rnd)), {
        file: choose(rnd, ['fuzz.csv', 'fuzz.tsv', 'fuzz.txt', 'fuzz']),
        labels: labelsOption(rnd) as never,
        expectD: choose(rnd, [undefined, 1, 2]),
        expectC: choose(rnd, [undefined, 1, 2]),
      });
      return;
    case 'json': {
      const X = Array.from({ length: 3 + pick(rnd, 5) }, () => [rnd(), rnd()].map((v) => Math.round(v * 100) / 100));
      const y = X.map((r) => r[0] + r[1]);
      const seedText = choose(rnd, [
        JSON.stringify({ X, y }),
        JSON.stringify(X.map((r, i) => [...r, y[i]])),
        JSON.stringify({ inputs: X, targets: y }),
        JSON.stringify(X.map((r, i) => ({ a: r[0], b: r[1], y: y[i] }))),
      ]);
      parseDataset(enc.encode(mutateJson(seedText, rnd)), { file: 'fuzz.json', labels: labelsOption(rnd) as never });
      return;
    }
    case 'data-file': {
      // the reader opens a path the user gave: hostile neighbours, or a damaged file written now.
      // Not a FIFO: the CLI reads a pipe on purpose (`--data <(zcat x.csv.gz)`), and one without a
      // writer waits for it like `cat` does; the extension refuses FIFOs (test/extension, e2e).
      // Endless or huge sources (/dev/zero, a 3 GiB sparse file) are refused at the line-length
      // limit after ~64 MB read (a second or two): drawn rarely, so the long mode keeps its rate.
      const slow = (n: string) => /zero|sparse/.test(n);
      const given = hw.names.filter((n) => !n.startsWith('fifo') && (!slow(n) || rnd() < 0.05));
      let path: string;
      if (rnd() < 0.5) path = join(hw.ws, choose(rnd, given));
      else {
        const kind = choose(rnd, ['.csv', '.npy', '.npz', '.json'] as const);
        path = file + kind;
        fs.writeFileSync(
          path,
          kind === '.csv'
            ? mutateDelimited(choose(rnd, c.csv), rnd)
            : kind === '.npy'
              ? mutateNpy(rnd)
              : kind === '.npz'
                ? mutateNpz(rnd)
                : mutateJson('{"X":[[1,2],[3,4]],"y":[1,2]}', rnd),
        );
      }
      const labelFile = rnd() < 0.2 ? join(hw.ws, choose(rnd, given)) : undefined;
      await loadDataset(path, { labelFile, labels: labelsOption(rnd) as never });
      return;
    }
    case 'python': {
      const s = choose(rnd, c.scripts);
      const src = mutatePython(s.text, rnd);
      fs.writeFileSync(file + '.py', src);
      const facts = await analyzeScript(src, file + '.py');
      lintScript(facts, dataContextFromDisk(facts, file + '.py', hw.ws));
      return;
    }
    case 'notebook': {
      const facts = await analyzeNotebook(mutateNotebook(choose(rnd, c.notebooks), rnd), file + '.ipynb');
      for (const f of facts) lintScript(f, {});
      return;
    }
    case 'pipeline': {
      // the one load pipeline (CLI and worker) on a model and a data file, one of them damaged
      const model = rnd() < 0.5 ? choose(rnd, c.models) : mutateBytes(choose(rnd, c.models), rnd);
      const data = rnd() < 0.5 ? enc.encode(mutateDelimited(choose(rnd, c.csv), rnd)) : npyOf(4, 3, rnd);
      await loadPipeline({
        model: { bytes: model, file: 'fuzz.onnx', external: memorySource({}) },
        data: { bytes: data, file: data[0] === 0x93 ? 'fuzz.npy' : 'fuzz.csv' },
        labels: labelsOption(rnd)?.map(String),
        loss: choose(rnd, [undefined, 'squared', 'cross-entropy', 'logistic', 'hinge'] as const),
        crossCheck: false,
      });
      return;
    }
  }
}
