// d = 1: the data, the trained f and the optimal (or witness) f, with every kink −b/u marked.
// f is piecewise linear, so a polyline through the view's ends and the kinks is exact.
import type { NetworkJson } from '../../src/core/report/analysisJson';
import type { PlotData } from '../../src/protocol/panel';
import { forward, liveNeurons, kink1d } from './forward';
import { frame, layer, legend, figure, extent, pad, selectOnClick, type Frame } from './common';
import { drawnNeuronsWords, rankNeurons, TOP_K_NEURONS } from '../contribution';

/** Bins of the kink histogram of the neurons not drawn one by one. */
const KINK_BINS = 60;

function curve(net: NetworkJson, lo: number, hi: number, out: number): [number, number][] {
  const xs = [lo, hi];
  for (const j of liveNeurons(net)) {
    const k = kink1d(net, j);
    if (k !== null && k > lo && k < hi) xs.push(k);
  }
  xs.sort((a, b) => a - b);
  return xs.map((x) => [x, forward(net, [x])[out]]);
}

/**
 * Kinks: the trained network's top neurons along the bottom edge (the rest as a density strip, so
 * wide networks stay readable), the other network's along the top; selected: a full rule.
 * Returns which trained neurons were drawn one by one, for the legend.
 */
function drawKinks(
  f: Frame,
  trained: NetworkJson | undefined,
  other: { net: NetworkJson; label: string } | null,
  [xlo, xhi]: [number, number],
  selected: number | null,
): { top: number[]; rest: number[] } {
  const { x } = f;
  const marks = layer(f, 'kinks');
  const { top, rest } = trained ? rankNeurons(trained, liveNeurons(trained), TOP_K_NEURONS, selected) : { top: [], rest: [] };
  if (trained) {
    for (const j of top) {
      const k = kink1d(trained, j);
      if (k === null || k < xlo || k > xhi) continue;
      const g = marks.append('g').attr('class', 'neuron-mark').attr('data-neuron', j);
      g.append('title').text(`neuron ${j}: kink at x = −b/u = ${k.toPrecision(4)}`);
      g.append('line').attr('class', 'kink-line').attr('x1', x(k)).attr('x2', x(k)).attr('y1', 0).attr('y2', f.ih);
      g.append('line')
        .attr('class', 'kink trained-kink')
        .attr('x1', x(k))
        .attr('x2', x(k))
        .attr('y1', f.ih)
        .attr('y2', f.ih - 10);
    }
    // the other neurons' kinks as a histogram along the bottom edge
    const bins = new Array<number>(KINK_BINS).fill(0);
    for (const j of rest) {
      const k = kink1d(trained, j);
      if (k !== null && k >= xlo && k <= xhi) bins[Math.min(KINK_BINS - 1, Math.floor(((k - xlo) / (xhi - xlo)) * KINK_BINS))]++;
    }
    const most = Math.max(0, ...bins);
    const bw = f.iw / KINK_BINS;
    if (most)
      bins.forEach((cnt, b) => {
        if (cnt)
          marks
            .append('rect')
            .attr('class', 'density-cell')
            .attr('x', b * bw)
            .attr('width', bw)
            .attr('y', f.ih - 24 * (cnt / most))
            .attr('height', 24 * (cnt / most))
            .append('title')
            .text(`${cnt} more kinks here`);
      });
  }
  if (other)
    for (const j of liveNeurons(other.net)) {
      const k = kink1d(other.net, j);
      if (k === null || k < xlo || k > xhi) continue;
      marks
        .append('path')
        .attr('class', 'kink optimal-kink')
        .attr('d', `M${x(k)},0 l-5,-0 l5,9 l5,-9 z`)
        .append('title')
        .text(`${other.label} neuron ${j}: kink at ${k.toPrecision(4)}`);
    }
  return { top, rest };
}

export function plot1d(
  plot: PlotData,
  trained: NetworkJson | undefined,
  other: { net: NetworkJson; label: string } | null,
  select: (i: number) => void,
  selected: number | null = null,
): HTMLElement {
  const xs = plot.X.map((r) => r[0]);
  const [xlo, xhi] = pad(extent(xs), 0.06);
  const outs = Math.min(plot.c, 4);
  const lines: { pts: [number, number][]; cls: string; out: number }[] = [];
  for (let o = 0; o < outs; o++) {
    if (trained) lines.push({ pts: curve(trained, xlo, xhi, o), cls: 'trained', out: o });
    if (other) lines.push({ pts: curve(other.net, xlo, xhi, o), cls: 'optimal', out: o });
  }
  const yAll = [...plot.Y.flatMap((y) => y.slice(0, outs)), ...lines.flatMap((l) => l.pts.map((p) => p[1]))];
  const f = frame('Data and fitted functions', [xlo, xhi], pad(extent(yAll)), 'x', plot.c > 1 ? 'y, f(x) (one curve per output)' : 'y, f(x)');
  const { x, y } = f;

  const data = layer(f, 'data');
  for (const [i, row] of plot.Y.entries())
    for (let o = 0; o < outs; o++) data.append('circle').attr('class', `point out-${o}`).attr('cx', x(xs[i])).attr('cy', y(row[o])).attr('r', 3.5);

  const curves = layer(f, 'curves');
  for (const l of lines)
    curves
      .append('polyline')
      .attr('class', `fn ${l.cls}`)
      .attr('points', l.pts.map(([a, b]) => `${x(a)},${y(b)}`).join(' '));
  // several outputs: name each trained curve at its right end (f₁, f₂, …)
  if (outs > 1)
    for (const l of lines.filter((q) => q.cls === 'trained')) {
      const [lx, ly] = l.pts[l.pts.length - 1];
      curves
        .append('text')
        .attr('class', 'curve-label')
        .attr('x', x(lx) - 4)
        .attr('y', y(ly) - 6)
        .attr('text-anchor', 'end')
        .text(`f${'₁₂₃₄'[l.out]}`);
    }

  const { top, rest } = drawKinks(f, trained, other, [xlo, xhi], selected);
  selectOnClick(f.svg, select);

  const lg = legend([
    ['data-swatch', outs > 1 ? 'data, output 1' : 'training data', 'dot'],
    ...(outs > 1 ? ([['out-1', 'data, output 2', 'dot']] as const) : []),
    ...(trained ? ([['trained', 'trained network f', 'line']] as const) : []),
    ...(other ? ([['optimal', `${other.label} network`, 'dash']] as const) : []),
    ...(trained ? ([['trained-kink', `kinks of ${drawnNeuronsWords(top, TOP_K_NEURONS)} (bottom)`, 'line']] as const) : []),
    ...(rest.length ? ([['density-swatch', `where the other ${rest.length} neurons’ kinks are`, 'box']] as const) : []),
    ...(other ? ([['optimal-kink', `${other.label} kinks (top)`, 'tri']] as const) : []),
    ['selected', 'selected neuron', 'line'],
  ] as [string, string, 'line' | 'dash' | 'dot' | 'tri' | 'box'][]);
  const caption = trained
    ? `${plot.X.length} samples; kinks at x = −b_j/u_j.${other ? ` ${other.label === 'optimal' ? 'The optimal' : 'A better (witness)'} network is dashed.` : ''}`
    : `${plot.X.length} samples (the result carries no weights to plot).`;
  return figure('1d', f, lg, caption);
}
