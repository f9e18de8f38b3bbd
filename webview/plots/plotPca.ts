// d > 2: the host's 2-D PCA projection of the data, coloured by label, with each neuron's input
// direction u_j projected onto the same two components as an arrow from the data mean.
import * as d3 from 'd3';
import type { NetworkJson } from '../../src/core/report/analysisJson';
import type { PlotData } from '../../src/protocol/panel';
import { liveNeurons, threshold } from './forward';
import { frame, layer, legend, figure, extent, pad, labelClass, selectOnClick } from './common';
import { el } from '../dom';

/** At most this many arrows (the largest ‖u_j‖‖v_j‖); the selected neuron is always drawn. */
export const MAX_ARROWS = 60;

export function plotPca(plot: PlotData, trained: NetworkJson | undefined, loss: string | undefined, select: (i: number) => void, selected: number | null): HTMLElement {
  const pca = plot.pca;
  if (!pca) return el('p', { class: 'muted', testid: 'plot' }, `The data has d = ${plot.d} features and the host sent no projection to plot.`);
  const X2 = pca.X2;
  const xd = pad(extent(X2.map((p) => p[0])));
  const yd = pad(extent(X2.map((p) => p[1])));
  // explained: fractions of the total variance (values above 1 are shown as they are)
  const pctOf = (v: number) => (v <= 1 ? `${(100 * v).toFixed(1)}%` : v.toPrecision(3));
  const f = frame('PCA projection of the data with neuron directions', xd, yd, `PC 1 (${pctOf(pca.explained[0])} of variance)`, `PC 2 (${pctOf(pca.explained[1])})`);
  const thr = threshold(plot.Y, loss);

  const pts = layer(f, 'data');
  X2.forEach((p, i) => {
    const cls = labelClass(plot.Y[i], thr);
    pts
      .append('path')
      .attr('class', `point labelled ${cls}`)
      .attr('transform', `translate(${f.x(p[0])},${f.y(p[1])})`)
      .attr('d', d3.symbol(cls === 'cls-0' ? d3.symbolCircle : d3.symbolTriangle, 30)());
  });

  if (trained) {
    // arrow = (c1·u_j, c2·u_j), scaled so the longest drawn one reaches 45% of the view
    const proj = (j: number) => pca.components.slice(0, 2).map((comp) => comp.reduce((s, w, k) => s + w * (trained.W1[j][k] ?? 0), 0));
    const weight = (j: number) => Math.hypot(...trained.W1[j]) * Math.hypot(...trained.W2.map((r) => r[j]));
    const live = liveNeurons(trained).sort((a, b) => weight(b) - weight(a));
    const shown = live.slice(0, MAX_ARROWS);
    if (selected !== null && live.includes(selected) && !shown.includes(selected)) shown.push(selected);
    const vecs = new Map(shown.map((j) => [j, proj(j)]));
    const longest = Math.max(1e-300, ...[...vecs.values()].map((p) => Math.hypot(p[0], p[1])));
    const reach = 0.45 * Math.min(xd[1] - xd[0], yd[1] - yd[0]);
    const arrows = layer(f, 'arrows');
    const o = [f.x(0), f.y(0)];
    for (const [j, p] of vecs) {
      const tip = [f.x((p[0] / longest) * reach), f.y((p[1] / longest) * reach)];
      const g = arrows.append('g').attr('class', 'neuron-arrow').attr('data-neuron', j);
      g.append('title').text(`neuron ${j}: direction of u_j in the PCA plane`);
      g.append('line').attr('x1', o[0]).attr('y1', o[1]).attr('x2', tip[0]).attr('y2', tip[1]);
      const ang = Math.atan2(tip[1] - o[1], tip[0] - o[0]);
      const head = [ang + 2.7, ang - 2.7].map((a) => `${tip[0] + 7 * Math.cos(a)},${tip[1] + 7 * Math.sin(a)}`);
      g.append('polygon').attr('points', `${tip[0]},${tip[1]} ${head.join(' ')}`);
    }
  }
  selectOnClick(f.svg, select);
  const lg = legend([
    ['cls-0', `label ≤ ${+thr.toPrecision(3)}`, 'dot'],
    ['cls-1', `label > ${+thr.toPrecision(3)}`, 'tri'],
    ['neuron-line-swatch', 'neuron directions u_j (projected)', 'line'],
    ['selected', 'selected neuron', 'line'],
  ]);
  const m = trained ? liveNeurons(trained).length : 0;
  return figure(
    'pca',
    f,
    lg,
    `d = ${plot.d}: ${X2.length} samples projected on the first two principal components (together ${pctOf(pca.explained[0] + pca.explained[1])} of the variance)` +
      (m > MAX_ARROWS ? `; the ${MAX_ARROWS} heaviest of ${m} neurons are drawn.` : '.'),
  );
}
