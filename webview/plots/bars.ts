// Bar charts: the neurons' dual scores against the extreme-point level 1 (MATH.md §6), and the
// histogram of pairwise angles between samples (MATH.md §9).
import * as d3 from 'd3';
import type { AnalysisJson, GeometryJson } from '../../src/core/report/analysisJson';
import { frame, layer, legend, figure, selectOnClick } from './common';
import { drawnNeuronsWords, rankNeurons, TOP_K_NEURONS } from '../contribution';
import { int } from '../format';

/** Up to this many live neurons: one labelled bar each; more: a histogram of the scores. */
export const MAX_BARS = 40;
/** Least pixels between two bar labels, so indices never run together. */
const LABEL_GAP_PX = 30;
const SCORE_BINS = 30;

export function dualScoreBars(r: AnalysisJson, select: (i: number) => void, selected: number | null): HTMLElement {
  const all = r.neurons.filter((n) => !n.dead);
  return all.length > MAX_BARS ? dualScoreHistogram(r, all, select, selected) : dualScoreBarChart(all, select);
}

type N = AnalysisJson['neurons'][number];
const score = (n: N) => (Number.isFinite(n.dualScore) ? n.dualScore : 0);

function dualScoreBarChart(shown: N[], select: (i: number) => void): HTMLElement {
  const top = Math.max(1.1, ...shown.map(score)) * 1.05;
  const f = frame('Dual score per neuron', [0, Math.max(1, shown.length)], [0, top], 'neuron j', 'dual score', 260);
  f.g.select('.x-axis').remove();
  const band = d3
    .scaleBand<number>()
    .domain(shown.map((n) => n.index))
    .range([0, f.iw])
    .padding(0.15);
  const bars = layer(f, 'bars');
  for (const n of shown) {
    const h = score(n);
    const g = bars
      .append('g')
      .attr('class', `bar-mark${n.extremePoint ? ' extreme' : ''}`)
      .attr('data-neuron', n.index);
    g.append('title').text(`neuron ${n.index}: dual score ${h.toPrecision(4)}`);
    g.append('rect')
      .attr('class', 'bar')
      .attr('x', band(n.index) ?? 0)
      .attr('width', Math.max(1, band.bandwidth()))
      .attr('y', f.y(h))
      .attr('height', Math.max(0, f.ih - f.y(h)));
  }
  // labels at least LABEL_GAP_PX apart
  const every = Math.max(1, Math.ceil(LABEL_GAP_PX / Math.max(1e-9, band.step())));
  f.g
    .append('g')
    .attr('class', 'axis x-axis')
    .attr('transform', `translate(0,${f.ih})`)
    .call(d3.axisBottom(band).tickValues(shown.filter((_, i) => i % every === 0).map((n) => n.index)));
  f.g.append('line').attr('class', 'ref-line').attr('x1', 0).attr('x2', f.iw).attr('y1', f.y(1)).attr('y2', f.y(1));
  selectOnClick(f.svg, select);
  const lg = legend([
    ['bar', 'dual score |Rᵀ(X̃ũ_j)₊| / (β‖ũ_j‖)', 'box'],
    ['ref-swatch', '1 = extreme point in the dual’s direction', 'dash'],
    ['bar extreme', 'extreme point (score and alignment ≈ 1)', 'box'],
    ['selected', 'selected neuron', 'box'],
  ]);
  return figure('dual-scores', f, lg, CAPTION);
}

const CAPTION =
  'A neuron of an optimal network scores 1; a score above 1 means the dual candidate is infeasible there (a better neuron exists), well below 1 means the neuron carries no optimal weight.';

/** Many neurons: how many score where (bins), with the heaviest neurons as clickable marks above. */
function dualScoreHistogram(r: AnalysisJson, all: N[], select: (i: number) => void, selected: number | null): HTMLElement {
  const hi = Math.max(1.1, ...all.map(score)) * 1.02;
  const counts = new Array<number>(SCORE_BINS).fill(0);
  for (const n of all) counts[Math.min(SCORE_BINS - 1, Math.floor((score(n) / hi) * SCORE_BINS))]++;
  const most = Math.max(1, ...counts);
  const f = frame('Dual scores of the live neurons', [0, hi], [0, most * 1.25], 'dual score', 'neurons', 260);
  const bars = layer(f, 'bars');
  const w = f.iw / SCORE_BINS;
  counts.forEach((cnt, b) => {
    if (!cnt) return;
    bars
      .append('rect')
      .attr('class', 'bar')
      .attr('x', b * w + 0.5)
      .attr('width', Math.max(1, w - 1))
      .attr('y', f.y(cnt))
      .attr('height', f.ih - f.y(cnt))
      .append('title')
      .text(`${cnt} neurons with dual score in [${((b * hi) / SCORE_BINS).toPrecision(3)}, ${(((b + 1) * hi) / SCORE_BINS).toPrecision(3)})`);
  });
  f.g.append('line').attr('class', 'ref-line').attr('x1', f.x(1)).attr('x2', f.x(1)).attr('y1', 0).attr('y2', f.ih);
  // left of the bins around 1 (the tallest bar usually stands there)
  f.g
    .append('text')
    .attr('class', 'ref-label')
    .attr('x', f.x(1) - w - 4)
    .attr('y', 44)
    .attr('text-anchor', 'end')
    .text('1 = extreme point');
  // the heaviest neurons (and the selected one) as marks in a strip at the top: click to select
  const net = r.network;
  const heavy = net
    ? rankNeurons(
        net,
        all.map((n) => n.index),
        TOP_K_NEURONS,
        selected,
      ).top
    : [];
  const byIndex = new Map(all.map((n) => [n.index, n]));
  const marks = layer(f, 'score-marks');
  heavy.forEach((j, k) => {
    const n = byIndex.get(j);
    if (!n) return;
    const g = marks.append('g').attr('class', 'bar-mark score-mark').attr('data-neuron', j);
    g.append('title').text(`neuron ${j}: dual score ${score(n).toPrecision(4)}`);
    g.append('rect')
      .attr('class', 'bar')
      .attr('x', f.x(score(n)) - 2)
      .attr('width', 4)
      .attr('y', 4 + (k % 3) * 9)
      .attr('height', 8);
  });
  selectOnClick(f.svg, select);
  const lg = legend([
    ['bar', 'neurons per dual-score bin', 'box'],
    ['score-mark-swatch', `${drawnNeuronsWords(heavy, TOP_K_NEURONS)} (click one)`, 'box'],
    ['selected', 'selected neuron', 'box'],
  ]);
  return figure('dual-scores', f, lg, `${int(all.length)} live neurons. ${CAPTION}`);
}

export function angleHistogram(g: GeometryJson): HTMLElement {
  const { edges, counts } = g.angles.histogram;
  // the engine's unit is not fixed by the contract: radians are turned into degrees for reading
  const deg = edges.length && Math.max(...edges) <= Math.PI + 1e-9 ? 180 / Math.PI : 1;
  const e = edges.map((x) => x * deg);
  const f = frame(
    'Pairwise angles between samples',
    [e[0] ?? 0, e[e.length - 1] ?? 180],
    [0, Math.max(1, ...counts) * 1.08],
    'angle between x̃_i and x̃_k (degrees)',
    'pairs',
    260,
  );
  const bars = layer(f, 'bars');
  counts.forEach((cnt, i) => {
    if (e[i + 1] === undefined) return;
    bars
      .append('rect')
      .attr('class', 'bar')
      .attr('x', f.x(e[i]) + 0.5)
      .attr('width', Math.max(1, f.x(e[i + 1]) - f.x(e[i]) - 1))
      .attr('y', f.y(cnt))
      .attr('height', f.ih - f.y(cnt))
      .append('title')
      .text(`${e[i].toFixed(1)}°–${e[i + 1].toFixed(1)}°: ${cnt} pairs`);
  });
  for (const [v, label] of [
    [g.angles.median * deg, 'median'],
    [g.angles.min * deg, 'min'],
  ] as const) {
    f.g.append('line').attr('class', 'ref-line').attr('x1', f.x(v)).attr('x2', f.x(v)).attr('y1', 0).attr('y2', f.ih);
    f.g
      .append('text')
      .attr('class', 'ref-label')
      .attr('x', f.x(v) + 3)
      .attr('y', 12)
      .text(label);
  }
  return figure(
    'angles',
    f,
    null,
    `${g.angles.pairs} pairs${g.angles.sampled ? ' (sampled)' : ''}; high-dimensional data is nearly orthogonal (angles near 90°).`,
  );
}
