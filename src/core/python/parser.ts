/**
 * Loads tree-sitter-python through web-tree-sitter's WebAssembly build: no native module, so the
 * same VSIX and the same CLI bundle work on every platform. The two .wasm files ship in dist/
 * beside the bundles (scripts/build.mjs); during tests they come from node_modules.
 */
import type * as WebTreeSitter from 'web-tree-sitter';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ReluLensError } from '../errors';

export const RUNTIME_WASM = 'tree-sitter.wasm';
export const PYTHON_WASM = 'tree-sitter-python.wasm';

export interface WasmBytes {
  runtime: Uint8Array;
  grammar: Uint8Array;
}

/** Where to look for a wasm file: next to the running bundle first, then node_modules upwards. */
export function wasmCandidates(file: string, from: string = __dirname): string[] {
  const pkg = file === RUNTIME_WASM ? 'web-tree-sitter' : 'tree-sitter-python';
  const out = [path.join(from, file), path.join(from, 'dist', file)];
  for (let dir = from, i = 0; i < 8; i++) {
    out.push(path.join(dir, 'node_modules', pkg, file));
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return out;
}

function readWasm(file: string, dir?: string): Uint8Array {
  const tried = dir ? [path.join(dir, file)] : wasmCandidates(file);
  for (const p of tried) if (existsSync(p)) return readFileSync(p);
  throw new ReluLensError('internal', `cannot find the Python parser (${file}); looked in: ${tried.join(', ')}`);
}

// require(), not import: esbuild then picks the package's "require" build (tree-sitter.cjs); its ESM
// build needs import.meta.url, which is undefined in our CommonJS bundles (dist/cli.js, extension.js).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Parser, Language } = require('web-tree-sitter') as typeof WebTreeSitter;
type Language = WebTreeSitter.Language;
type Parser = WebTreeSitter.Parser;

let ready: Promise<Language> | null = null;

/**
 * One shared Language per process. `bytes` lets the extension pass files it read through
 * vscode.workspace.fs; `dir` names the folder holding both files; otherwise the bundle's folder
 * and node_modules are searched.
 */
export function loadPython(opts: { bytes?: WasmBytes; dir?: string } = {}): Promise<Language> {
  if (!ready) {
    ready = (async () => {
      const runtime = opts.bytes?.runtime ?? readWasm(RUNTIME_WASM, opts.dir);
      const grammar = opts.bytes?.grammar ?? readWasm(PYTHON_WASM, opts.dir);
      // wasmBinary: the runtime never resolves a path itself, so bundling cannot break it.
      await Parser.init({ wasmBinary: runtime } as object);
      return Language.load(grammar);
    })();
    ready.catch(() => (ready = null));
  }
  return ready;
}

export async function newParser(): Promise<Parser> {
  const lang = await loadPython();
  const p = new Parser();
  p.setLanguage(lang);
  return p;
}
