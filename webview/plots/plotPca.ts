// d > 2: the host's 2-D PCA projection of the data, coloured by label, with the heaviest neurons'
// input directions u_j (TOP_K_NEURONS by contribution, as the other plots) projected onto the same
// two components as arrows from the data mean; the other live neurons as one direction histogram.
import * as d3 from 'd3';
import type { NetworkJson } from '../../src/core/report/analysisJson';
import type { PlotData } from '../../src/protocol/panel';
import { liveNeurons, threshold } from './forward';
import { contribution, drawnNeuronsWords, rankNeurons, TOP_K_NEURONS } from '../contribution';
import { frame, layer, legend, figure, extent, pad, labelClass, selectOnClick } from './common';
import { el } from '../dom';

/** Angular bins of the direction histogram that summarises the neurons not drawn as arrows. */
export const DIRECTION_BINS = 24;

/**
 * The summarised neurons' projected directions as DIRECTION_BINS angular bins: each bin's summed
 * contribution (a display aggregate: a wedge's area follows it).
 */
export function directionHistogram(dirs: [number, number][], weights: number[], bins = DIRECTION_BINS): number[] {
  const h = new Array<number>(bins).fill(0);
  dirs.forEach(([x, y], i) => {
    if (x === 0 && y === 0) return; // orthogonal to the PCA plane: no direction to show
    const a = (Math.atan2(y, x) + 2 * Math.PI) % (2 * Math.PI);
    h[Math.min(bins - 1, Math.floor((a / (2 * Math.PI)) * bins))] += weights[i];
  });
  return h;
}

export function plotPca(
  plot: PlotData,
  trained: NetworkJson | undefined,
  loss: string | undefined,
  select: (i: number) => void,
  selected: number | null,
): HTMLElement {
  const pca = plot.pca;
  if (!pca) return el('p', { class: 'muted', testid: 'plot' }, `The data has d = ${plot.d} features and the host sent no projection to plot.`);
  const X2 = pca.X2;
  const xd = pad(extent(X2.map((p) => p[0])));
  const yd = pad(extent(X2.map((p) => p[1])));
  // explained: fractions of the total variance (values above 1 are shown as they are)
  const pctOf = (v: number) => (v <= 1 ? `${(100 * v).toFixed(1)}%` : v.toPrecision(3));
  const f = frame(
    'PCA projection of the data with neuron directions',
    xd,
    yd,
    `PC 1 (${pctOf(pca.explained[0])} of variance)`,
    `PC 2 (${pctOf(pca.explained[1])})`,
  );
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

  let drawnRest = 0;
  let drawnTop: number[] = [];
  if (trained) {
    // arrow = (c1·u_j, c2·u_j), scaled so the longest drawn one reaches 45% of the view
    const proj = (j: number) => pca.components.slice(0, 2).map((comp) => comp.reduce((s, w, k) => s + w * (trained.W1[j][k] ?? 0), 0));
    const { top, rest } = rankNeurons(trained, liveNeurons(trained), TOP_K_NEURONS, selected);
    drawnTop = top;
    const vecs = new Map(top.map((j) => [j, proj(j)]));
    const longest = Math.max(1e-300, ...[...vecs.values()].map((p) => Math.hypot(p[0], p[1])));
    const reach = 0.45 * Math.min(xd[1] - xd[0], yd[1] - yd[0]);
    const o = [f.x(0), f.y(0)];
    // the rest: one wedge per direction bin, area ∝ the bin's summed contribution
    const hist = directionHistogram(
      rest.map((j) => proj(j) as [number, number]),
      rest.map((j) => contribution(trained, j)),
    );
    const hmax = Math.max(0, ...hist);
    if (hmax > 0) {
      const wedges = layer(f, 'direction-density');
      const rpx = Math.min(Math.abs(f.x(reach) - f.x(0)), Math.abs(f.y(reach) - f.y(0)));
      hist.forEach((w, b) => {
        if (!w) return;
        const r = rpx * Math.sqrt(w / hmax);
        // screen y points down: the data-space angle a is drawn at −a
        const a0 = (-2 * Math.PI * b) / DIRECTION_BINS,
          a1 = (-2 * Math.PI * (b + 1)) / DIRECTION_BINS;
        const pt = (a: number) => `${o[0] + r * Math.cos(a)},${o[1] + r * Math.sin(a)}`;
        wedges
          .append('path')
          .attr('class', 'direction-wedge')
          .attr('d', `M${o[0]},${o[1]} L${pt(a0)} A${r},${r} 0 0 0 ${pt(a1)} Z`);
      });
    }
    drawnRest = rest.length;
    const arrows = layer(f, 'arrows');
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
    ['neuron-line-swatch', `directions u_j (projected) of ${drawnNeuronsWords(drawnTop, TOP_K_NEURONS)}`, 'line'],
    ...(drawnRest ? ([['density-swatch', `the other ${drawnRest} neurons’ directions (wedge area ∝ their ‖ũ_j‖‖v_j‖)`, 'box']] as const) : []),
    ['selected', 'selected neuron', 'line'],
  ] as [string, string, 'line' | 'dot' | 'tri' | 'box'][]);
  const m = trained ? liveNeurons(trained).length : 0;
  return figure(
    'pca',
    f,
    lg,
    `d = ${plot.d}: ${X2.length} samples projected on the first two principal components (together ${pctOf(pca.explained[0] + pca.explained[1])} of the variance)` +
      (m > TOP_K_NEURONS
        ? `; arrows: the ${TOP_K_NEURONS} of ${m} live neurons with the largest ‖ũ_j‖‖v_j‖${drawnTop.length > TOP_K_NEURONS ? ' and the selected one' : ''}` +
          (drawnRest ? `, the other ${drawnRest} (not negligible) summarised as a direction histogram.` : '.')
        : '.'),
  );
}
