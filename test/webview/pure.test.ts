// The webview's pure parts, without a browser: the forward pass it plots against an independent
// numpy forward pass (case.json "forward"), the clipping of neuron lines, the table's sort order and
// the plain-words sentences against the engine's own numbers.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { forward, kink1d, liveNeurons } from '../../webview/plots/forward';
import { clipLine } from '../../webview/plots/plot2d';
import { sortRows, type Row } from '../../webview/render/neurons';
import { plainVerdict, sci } from '../../webview/format';
import type { AnalysisJson, NetworkJson } from '../../src/core/analysis/types';

const REPO = join(__dirname, '../..');

describe('webview pure functions', () => {
  for (const name of ['converged-1d', 'early-stopped-2d', 'vector-2out']) {
    it(`forward matches numpy's forward pass of the stored weights (${name})`, () => {
      const c = JSON.parse(readFileSync(join(REPO, 'test/fixtures/trained', name, 'case.json'), 'utf8'));
      const net: NetworkJson = c.weightsAsStored;
      const rows = readFileSync(join(REPO, 'test/fixtures/trained', name, 'train.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',').map(Number));
      let worst = 0;
      rows.forEach((r, i) => {
        const f = forward(net, r.slice(0, c.d));
        f.forEach((v, o) => (worst = Math.max(worst, Math.abs(v - c.forward[i][o]))));
      });
      assert.ok(worst < 1e-9, `max |f − numpy| = ${worst}`);
    });
  }

  it('an empty optimum (no neurons) is the output bias', () => {
    assert.deepEqual(forward({ W1: [], b1: [], W2: [], b2: [0.25] }, [3]), [0.25]);
    assert.deepEqual(liveNeurons({ W1: [[0]], b1: [0], W2: [[1]], b2: null }), []);
    assert.equal(kink1d({ W1: [[2]], b1: [-1], W2: [[1]], b2: null }, 0), 0.5);
  });

  it('clipLine: both ends on the line u·p + b = 0 and on the rectangle, or null when it misses', () => {
    let s = 7;
    const rnd = () => ((s = (s * 16807) % 2147483647), s / 2147483647 - 0.5);
    const xd: [number, number] = [-1, 2], yd: [number, number] = [-3, 1];
    let hits = 0;
    for (let t = 0; t < 500; t++) {
      const u = [rnd(), rnd()], b = 2 * rnd();
      const seg = clipLine(u, b, xd, yd);
      // independent check: the line meets the open rectangle iff u·p + b changes sign over its corners
      const corners = [[xd[0], yd[0]], [xd[0], yd[1]], [xd[1], yd[0]], [xd[1], yd[1]]].map(([x, y]) => u[0] * x + u[1] * y + b);
      const crosses = Math.min(...corners) < 0 && Math.max(...corners) > 0;
      assert.equal(seg !== null, crosses);
      if (!seg) continue;
      hits++;
      for (const [x, y] of seg) {
        assert.ok(Math.abs(u[0] * x + u[1] * y + b) < 1e-9);
        const onEdge = [Math.abs(x - xd[0]), Math.abs(x - xd[1]), Math.abs(y - yd[0]), Math.abs(y - yd[1])].some((e) => e < 1e-9);
        assert.ok(onEdge && x >= xd[0] - 1e-9 && x <= xd[1] + 1e-9 && y >= yd[0] - 1e-9 && y <= yd[1] + 1e-9);
      }
    }
    assert.ok(hits > 100);
  });

  it('sortRows: by value, ties by index, nulls last in both directions', () => {
    const row = (index: number, alignment: number | null): Row => ({
      index, inNorm: 0, outNorm: 0, outWeight: null, active: 0, dualScore: 0, alignment, extremePoint: null, dead: false, duplicateGroup: null, match: null, matchCosine: null,
    });
    const rows = [row(0, 0.5), row(1, null), row(2, 0.9), row(3, 0.5), row(4, -1)];
    assert.deepEqual(sortRows(rows, 'alignment', 1).map((r) => r.index), [4, 0, 3, 2, 1]);
    assert.deepEqual(sortRows(rows, 'alignment', -1).map((r) => r.index), [2, 0, 3, 4, 1]);
  });

  it('plain words carry the engine numbers; tolerances read as typed', () => {
    const base = { primal: 2, primalAsTrained: 2, dualBound: 1.5, gap: 0.5, relGap: 0.25, pstarInterval: [1.5, 1.9], tol: 1e-4, witness: { objective: 1.9 }, optimum: null } as unknown as AnalysisJson;
    assert.match(plainVerdict({ ...base, verdict: 'certified', relGap: 3e-5 } as AnalysisJson), /within 0\.003% of the best two-layer ReLU network of any width/);
    assert.match(plainVerdict({ ...base, verdict: 'not-optimal' } as AnalysisJson), /^A better network exists: one with objective 1\.9, 5% below this network's 2\./);
    assert.match(plainVerdict({ ...base, verdict: 'inconclusive' } as AnalysisJson), /^Neither proven: P\* lies in \[1\.5, 1\.9\]/);
    assert.equal(sci(1e-4), '1e-4');
    assert.equal(sci(5e-5), '5e-5');
    assert.equal(sci(0.3), '0.3');
  });
});
