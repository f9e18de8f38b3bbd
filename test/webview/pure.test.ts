// The webview's pure parts, without a browser: the forward pass it plots against an independent
// numpy forward pass (case.json "forward"), the clipping of neuron lines, the table's sort order and
// the plain-words sentences against the engine's own numbers.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { forward, kink1d, liveNeurons } from '../../webview/plots/forward';
import { clipLine } from '../../webview/plots/plot2d';
import { directionHistogram, DIRECTION_BINS } from '../../webview/plots/plotPca';
import { sortRows, type Row } from '../../webview/render/neurons';
import { fmt, pct, sci, setLocale } from '../../webview/format';
import { fmt as cliFmt, intervalDigits } from '../../src/core/format/numbers';
import { nextStep, verdictSentence } from '../../webview/answer';
import type { AnalysisJson, NetworkJson } from '../../src/core/report/analysisJson';

const REPO = join(__dirname, '../..');

describe('webview pure functions', () => {
  for (const name of ['converged-1d', 'early-stopped-2d', 'vector-2out']) {
    it(`forward matches numpy's forward pass of the stored weights (${name})`, () => {
      const c = JSON.parse(readFileSync(join(REPO, 'test/fixtures/trained', name, 'case.json'), 'utf8'));
      const net: NetworkJson = c.weightsAsStored;
      const rows = readFileSync(join(REPO, 'test/fixtures/trained', name, 'train.csv'), 'utf8')
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => l.split(',').map(Number));
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
    const xd: [number, number] = [-1, 2],
      yd: [number, number] = [-3, 1];
    let hits = 0;
    for (let t = 0; t < 500; t++) {
      const u = [rnd(), rnd()],
        b = 2 * rnd();
      const seg = clipLine(u, b, xd, yd);
      // independent check: the line meets the open rectangle iff u·p + b changes sign over its corners
      const corners = [
        [xd[0], yd[0]],
        [xd[0], yd[1]],
        [xd[1], yd[0]],
        [xd[1], yd[1]],
      ].map(([x, y]) => u[0] * x + u[1] * y + b);
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
      index,
      contribution: 0,
      inNorm: 0,
      outNorm: 0,
      outWeight: null,
      active: 0,
      dualScore: 0,
      alignment,
      extremePoint: null,
      dead: false,
      negligible: false,
      duplicateGroup: null,
      match: null,
      matchCosine: null,
    });
    const rows = [row(0, 0.5), row(1, null), row(2, 0.9), row(3, 0.5), row(4, -1)];
    assert.deepEqual(
      sortRows(rows, 'alignment', 1).map((r) => r.index),
      [4, 0, 3, 2, 1],
    );
    assert.deepEqual(
      sortRows(rows, 'alignment', -1).map((r) => r.index),
      [2, 0, 3, 4, 1],
    );
  });

  it('the answer: one sentence with P(θ), the P* interval and the gap in percent; the next step', () => {
    const base = {
      primal: 2,
      primalAsTrained: 2,
      dualBound: 1.5,
      gap: 0.5,
      relGap: 0.25,
      pstarInterval: [1.5, 1.9],
      tol: 1e-4,
      witness: { objective: 1.9 },
      optimum: null,
      rebalanced: { dropped: 0 },
    } as unknown as AnalysisJson;
    const certified = { ...base, verdict: 'certified', relGap: 3e-5, pstarInterval: [1.99994, 1.99999] } as AnalysisJson;
    assert.match(
      verdictSentence(certified),
      /^Certified: this network’s objective P\(θ\) = 2\.000000 is within 0\.003% of P\*.* \(P\* ∈ \[1\.999940, 1\.999990\]\)\.$/,
    );
    assert.match(
      verdictSentence({ ...base, verdict: 'not-optimal' } as AnalysisJson),
      /^Not optimal: a network with objective 1\.9 exists, 5% below this network’s P\(θ\) = 2\.00000 \(P\* ∈ \[1\.50000, 1\.90000\]\)\.$/,
    );
    assert.match(
      verdictSentence({ ...base, verdict: 'inconclusive' } as AnalysisJson),
      /^Inconclusive: .*at most 25% above P\* \(P\* ∈ \[1\.50000, 1\.90000\]\) — more than the tolerance 0\.01%/,
    );
    assert.equal(nextStep(certified).title, 'Nothing to do');
    assert.equal(nextStep({ ...base, verdict: 'not-optimal', witness: { kind: 'rebalance/prune', objective: 1.9 } } as AnalysisJson).title, 'Rebalance');
    assert.equal(
      nextStep({
        ...base,
        verdict: 'not-optimal',
        witness: { kind: 'neuron', objective: 1.9 },
        diagnosis: { kind: 'spurious-stationary-point' },
      } as unknown as AnalysisJson).title,
      'Add the missing neuron',
    );
    assert.equal(
      nextStep({ ...base, verdict: 'not-optimal', witness: { kind: 'neuron', objective: 1.9 }, diagnosis: { kind: 'train-longer' } } as unknown as AnalysisJson)
        .title,
      'Train longer',
    );
    assert.equal(sci(1e-4), '1e-4');
    assert.equal(sci(5e-5), '5e-5');
    assert.equal(sci(0.3), '0.3');
  });

  it('intervalDigits: the printed ends of [lo, hi] differ, at 6 digits or more', () => {
    for (const [lo, hi] of [
      [2.581369802668952, 2.5814352348400074],
      [1, 2],
      [0.123456789, 0.123456799],
      [-3.2, -3.1999999],
    ]) {
      const k = intervalDigits(lo, hi);
      assert.ok(k >= 6 && k <= 15);
      assert.notEqual(lo.toPrecision(k), hi.toPrecision(k), `${lo}, ${hi} at ${k} digits`);
    }
    assert.equal(intervalDigits(2, 2), 6);
  });

  it("numbers in the user's locale: the CLI's digits, the locale's decimal sign", () => {
    try {
      setLocale('de');
      assert.equal(fmt(2.5815940400907755), '2,58159');
      assert.equal(fmt(-1.23456789e-7), '-1,23457e-7');
      assert.equal(pct(8.686e-5), '0,0087%');
      setLocale('en');
      for (const x of [2.5815940400907755, -1.23456789e-7, 1234567.891, 0.000123456, 42]) assert.equal(fmt(x), cliFmt(x));
      setLocale('not a locale!');
      assert.equal(fmt(0.5), '0.5');
    } finally {
      setLocale('en');
    }
  });

  it('PCA plot: the neurons not drawn as arrows are summed by direction (each in its 15° bin, weight kept)', () => {
    const deg = (a: number): [number, number] => [Math.cos((a * Math.PI) / 180), Math.sin((a * Math.PI) / 180)];
    const dirs: [number, number][] = [deg(1), deg(89), deg(91), deg(181), deg(359), [0, 0], [3, 0]];
    const w = [1, 2, 4, 8, 16, 32, 64];
    const h = directionHistogram(dirs, w);
    assert.equal(h.length, DIRECTION_BINS);
    // by hand: 1° and (3, 0) → bin 0; 89° → bin 5; 91° → bin 6; 181° → bin 12; 359° → bin 23; (0, 0) has no direction
    const want = new Array(DIRECTION_BINS).fill(0);
    want[0] = 1 + 64;
    want[5] = 2;
    want[6] = 4;
    want[12] = 8;
    want[23] = 16;
    assert.deepEqual(h, want);
  });

  it('intervalDigits comes from the one number module (webview/answer.ts re-exports nothing)', async () => {
    const answer = await import('../../webview/answer');
    assert.equal((answer as Record<string, unknown>).intervalDigits, undefined);
    const beta = await import('../../src/core/python/beta');
    assert.equal((beta as Record<string, unknown>).fmt, undefined);
  });
});
