import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { wasmCandidates } from '../../src/core/python/parser';
import { analyzeNotebook } from '../../src/core/python';
import { ReluLensError } from '../../src/core/errors';

test('wasm lookup: next to the bundle first, then node_modules upwards', () => {
  const c = wasmCandidates('tree-sitter.wasm', '/opt/ext/dist');
  assert.equal(c[0], path.join('/opt/ext/dist', 'tree-sitter.wasm'));
  assert.ok(c.includes(path.join('/opt/ext/dist', 'node_modules', 'web-tree-sitter', 'tree-sitter.wasm')));
  assert.ok(c.includes(path.join('/opt/ext', 'node_modules', 'web-tree-sitter', 'tree-sitter.wasm')));
  assert.ok(
    wasmCandidates('tree-sitter-python.wasm', '/opt/ext/dist').includes(path.join('/opt/ext', 'node_modules', 'tree-sitter-python', 'tree-sitter-python.wasm')),
  );
});

test('a notebook that is not JSON is refused with the file name', async () => {
  await assert.rejects(analyzeNotebook('{not json', 'nb.ipynb'), (e) => e instanceof ReluLensError && /^nb\.ipynb: not a notebook/.test(e.describe()));
});

test('notebook magics and shell escapes do not break the parse; a %%bash cell is skipped', async () => {
  const nb = {
    cells: [
      { cell_type: 'code', source: ['%pip install torch\n', '!nvidia-smi\n', 'import torch\n', 'from torch import nn\n'] },
      { cell_type: 'code', source: '%%bash\nfor f in *.py; do echo $f; done\n' },
      {
        cell_type: 'code',
        source: 'model = nn.Sequential(nn.Linear(2, 5), nn.ReLU(), nn.Linear(5, 1))\nopt = torch.optim.SGD(model.parameters(), lr=0.1, weight_decay=1e-3)\n',
      },
    ],
  };
  const [f] = await analyzeNotebook(JSON.stringify(nb), 'nb.ipynb');
  assert.equal(f.syntaxErrors, undefined);
  assert.equal(f.network?.m, 5);
  assert.equal(f.optimizer?.range.cellIndex, 2);
  assert.equal(f.optimizer?.range.line, 1);
});
