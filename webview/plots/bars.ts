// Bar charts: the neurons' dual scores against the extreme-point level 1 (MATH.md §6), and the
// histogram of pairwise angles between samples (MATH.md §9).
import * as d3 from 'd3';
import type { AnalysisJson, GeometryJson } from '../../src/core/analysis/types';
import { frame, layer, legend, figure, selectOnClick } from './common';

/** More neurons than this: show the highest scores only (the caption says so). */
export const MAX_BARS = 120;

export function dualScoreBars(r: AnalysisJson, select: (i: number) => void, selected: number | null): HTMLElement {
  const all = r.neurons.filter((n) => !n.dead);
  let shown = all.length > MAX_BARS ? [...all].sort((a, b) => b.dualScore - a.dualScore).slice(0, MAX_BARS) : all;
  const sel = all.find((n) => n.index === selected);
  if (sel && !shown.includes(sel)) shown = [...shown, sel];
  const top = Math.max(1.1, ...shown.map((n) => (Number.isFinite(n.dualScore) ? n.dualScore : 0))) * 1.05;
  const f = frame('Dual score per neuron', [0, Math.max(1, shown.length)], [0, top], all.length > MAX_BARS ? `neurons (the ${MAX_BARS} highest scores)` : 'neuron j', 'dual score', 260);
  f.g.select('.x-axis').remove();
  const band = d3.scaleBand<number>().domain(shown.map((n) => n.index)).range([0, f.iw]).padding(0.15);
  const bars = layer(f, 'bars');
  for (const n of shown) {
    const h = Number.isFinite(n.dualScore) ? n.dualScore : 0;
    const g = bars.append('g').attr('class', `bar-mark${n.extremePoint ? ' extreme' : ''}`).attr('data-neuron', n.index);
    g.append('title').text(`neuron ${n.index}: dual score ${h.toPrecision(4)}`);
    g.append('rect')
      .attr('class', 'bar')
      .attr('x', band(n.index) ?? 0)
      .attr('width', Math.max(1, band.bandwidth()))
      .attr('y', f.y(h))
      .attr('height', Math.max(0, f.ih - f.y(h)));
  }
  // label at most ~20 bars so the indices stay readable
  const every = Math.ceil(shown.length / 20);
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
  return figure(
    'dual-scores',
    f,
    lg,
    'A neuron of an optimal network scores 1; a score above 1 means the dual candidate is infeasible there (a better neuron exists), well below 1 means the neuron carries no optimal weight.',
  );
}

export function angleHistogram(g: GeometryJson): HTMLElement {
  const { edges, counts } = g.angles.histogram;
  // the engine's unit is not fixed by the contract: radians are turned into degrees for reading
  const deg = edges.length && Math.max(...edges) <= Math.PI + 1e-9 ? 180 / Math.PI : 1;
  const e = edges.map((x) => x * deg);
  const f = frame('Pairwise angles between samples', [e[0] ?? 0, e[e.length - 1] ?? 180], [0, Math.max(1, ...counts) * 1.08], 'angle between x̃_i and x̃_k (degrees)', 'pairs', 260);
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
  for (const [v, label] of [[g.angles.median * deg, 'median'], [g.angles.min * deg, 'min']] as const) {
    f.g.append('line').attr('class', 'ref-line').attr('x1', f.x(v)).attr('x2', f.x(v)).attr('y1', 0).attr('y2', f.ih);
    f.g.append('text').attr('class', 'ref-label').attr('x', f.x(v) + 3).attr('y', 12).text(label);
  }
  return figure(
    'angles',
    f,
    null,
    `${g.angles.pairs} pairs${g.angles.sampled ? ' (sampled)' : ''}; high-dimensional data is nearly orthogonal (angles near 90°).`,
  );
}
