// d = 2: data coloured (and shaped) by label, the trained network's level regions on a coarse grid
// with its decision boundary, the other network's boundary dashed, and each neuron's line
// u·x + b = 0 clipped to the view.
import * as d3 from 'd3';
import type { NetworkJson } from '../../src/core/report/analysisJson';
import type { PlotData } from '../../src/protocol/panel';
import { forward, liveNeurons, threshold } from './forward';
import { frame, layer, legend, figure, extent, pad, labelClass, selectOnClick, type Frame } from './common';
import { drawnNeuronsWords, rankNeurons, TOP_K_NEURONS } from '../contribution';

/** The optimal network's neurons are drawn one by one up to this many (an optimum has few). */
export const MAX_OPTIMAL_LINES = 40;

const GX = 64,
  GY = 44;
const SYMBOLS = [d3.symbolCircle, d3.symbolTriangle, d3.symbolSquare, d3.symbolDiamond, d3.symbolCross, d3.symbolStar, d3.symbolWye];

/** Scalar score for colouring: f − thr for one output, the argmax class for several. */
function gridValues(net: NetworkJson, xd: [number, number], yd: [number, number], c: number, thr: number): number[] {
  const vals = new Array<number>(GX * GY);
  for (let r = 0; r < GY; r++)
    for (let q = 0; q < GX; q++) {
      const px = xd[0] + ((q + 0.5) / GX) * (xd[1] - xd[0]);
      const py = yd[1] - ((r + 0.5) / GY) * (yd[1] - yd[0]);
      const f = forward(net, [px, py]);
      vals[r * GX + q] = c > 1 ? f.indexOf(Math.max(...f)) : f[0] - thr;
    }
  return vals;
}

/** The segment of {p : u·p + b = 0} inside the rectangle, or null. */
export function clipLine(u: number[], b: number, xd: [number, number], yd: [number, number]): [[number, number], [number, number]] | null {
  const pts: [number, number][] = [];
  const [a, c] = u;
  const eps = 1e-12;
  if (Math.abs(c) > eps)
    for (const x of xd) {
      const y = -(a * x + b) / c;
      if (y >= yd[0] - eps && y <= yd[1] + eps) pts.push([x, y]);
    }
  if (Math.abs(a) > eps)
    for (const y of yd) {
      const x = -(c * y + b) / a;
      if (x >= xd[0] - eps && x <= xd[1] + eps) pts.push([x, y]);
    }
  if (pts.length < 2) return null;
  // the two farthest-apart hits (corners can be found twice)
  let best: [[number, number], [number, number]] = [pts[0], pts[1]];
  let dist = -1;
  for (let i = 0; i < pts.length; i++)
    for (let k = i + 1; k < pts.length; k++) {
      const dd = (pts[i][0] - pts[k][0]) ** 2 + (pts[i][1] - pts[k][1]) ** 2;
      if (dd > dist) [dist, best] = [dd, [pts[i], pts[k]]];
    }
  return dist > 0 ? best : null;
}

/** How many of `nets`' lines cross each grid cell, as shaded cells (the "rest" of the neurons). */
function density(f: Frame, net: NetworkJson, js: number[], xd: [number, number], yd: [number, number]): void {
  if (!js.length) return;
  const count = new Float64Array(GX * GY);
  const cw = (xd[1] - xd[0]) / GX,
    ch = (yd[1] - yd[0]) / GY;
  const seen = new Set<number>();
  for (const j of js) {
    const seg = clipLine(net.W1[j], net.b1 ? net.b1[j] : 0, xd, yd);
    if (!seg) continue;
    seen.clear();
    const [[x0, y0], [x1, y1]] = seg;
    const steps = Math.ceil(2 * Math.max(Math.abs(x1 - x0) / cw, Math.abs(y1 - y0) / ch)) + 1;
    for (let s = 0; s <= steps; s++) {
      const t = s / steps;
      const q = Math.min(GX - 1, Math.floor((x0 + t * (x1 - x0) - xd[0]) / cw));
      const r = Math.min(GY - 1, Math.floor((yd[1] - (y0 + t * (y1 - y0))) / ch));
      if (q >= 0 && r >= 0) seen.add(r * GX + q);
    }
    for (const k of seen) count[k]++;
  }
  let max = 0;
  for (const v of count) if (v > max) max = v;
  if (!max) return;
  const g = layer(f, 'density').attr('shape-rendering', 'crispEdges');
  const pw = f.iw / GX,
    ph = f.ih / GY;
  count.forEach((v, k) => {
    if (!v) return;
    g.append('rect')
      .attr('class', 'density-cell')
      .attr('x', (k % GX) * pw)
      .attr('y', Math.floor(k / GX) * ph)
      .attr('width', pw)
      .attr('height', ph)
      .attr('fill-opacity', (0.05 + 0.3 * (v / max)).toFixed(3));
  });
}

function boundary(f: Frame, vals: number[], cls: string, c: number): void {
  if (c > 1) return; // argmax regions are shown by the cells; no single level to trace
  const cont = d3.contours().size([GX, GY]).thresholds([0])(vals);
  const sx = f.iw / GX,
    sy = f.ih / GY;
  const path = d3.geoPath(
    d3.geoTransform({
      point(px, py) {
        this.stream.point(px * sx, py * sy);
      },
    }),
  );
  layer(f, 'boundaries')
    .append('path')
    .attr('class', `boundary ${cls}`)
    .attr('d', path(cont[0]) ?? '');
}

/**
 * The trained network: its decision cells, boundary and neuron lines (the heaviest as lines, the
 * rest as a density, so m in the thousands stays readable). Returns what was drawn, for the legend.
 */
function drawTrained(
  f: Frame,
  trained: NetworkJson,
  xd: [number, number],
  yd: [number, number],
  c: number,
  thr: number,
  selected: number | null,
): { top: number[]; rest: number } {
  const vals = gridValues(trained, xd, yd, c, thr);
  const scale = Math.max(1e-12, ...vals.map(Math.abs));
  // crisp edges: anti-aliased neighbours would overlap and draw a visible grid
  const cells = layer(f, 'cells').attr('shape-rendering', 'crispEdges');
  const cw = f.iw / GX,
    ch = f.ih / GY;
  vals.forEach((v, k) => {
    const cls = c > 1 ? `cls-${v % 7}` : v > 0 ? 'cls-1' : 'cls-0';
    cells
      .append('rect')
      .attr('class', `cell ${cls}`)
      .attr('x', (k % GX) * cw)
      .attr('y', Math.floor(k / GX) * ch)
      .attr('width', cw)
      .attr('height', ch)
      .attr('fill-opacity', c > 1 ? 0.22 : (0.1 + 0.3 * Math.min(1, Math.abs(v) / scale)).toFixed(3));
  });
  boundary(f, vals, 'trained', c);
  // m in the thousands: the heaviest neurons as lines, the others as a density of their lines
  const { top, rest } = rankNeurons(trained, liveNeurons(trained), TOP_K_NEURONS, selected);
  density(f, trained, rest, xd, yd);
  const lines = layer(f, 'neuron-lines');
  for (const j of top) {
    const seg = clipLine(trained.W1[j], trained.b1 ? trained.b1[j] : 0, xd, yd);
    if (!seg) continue;
    lines
      .append('line')
      .attr('class', 'neuron-line')
      .attr('data-neuron', j)
      .attr('x1', f.x(seg[0][0]))
      .attr('y1', f.y(seg[0][1]))
      .attr('x2', f.x(seg[1][0]))
      .attr('y2', f.y(seg[1][1]))
      .append('title')
      .text(`neuron ${j}: u·x + b = 0`);
  }
  return { top, rest: rest.length };
}

/** The optimal network's neuron lines, dashed beside the trained ones. */
function drawOptimalLines(f: Frame, net: NetworkJson, live: number[], xd: [number, number], yd: [number, number]): void {
  const ol = layer(f, 'optimal-lines');
  for (const j of live) {
    const seg = clipLine(net.W1[j], net.b1 ? net.b1[j] : 0, xd, yd);
    if (!seg) continue;
    ol.append('line')
      .attr('class', 'optimal-line')
      .attr('x1', f.x(seg[0][0]))
      .attr('y1', f.y(seg[0][1]))
      .attr('x2', f.x(seg[1][0]))
      .attr('y2', f.y(seg[1][1]))
      .append('title')
      .text(`optimal neuron ${j}: u·x + b = 0`);
  }
}

export function plot2d(
  plot: PlotData,
  trained: NetworkJson | undefined,
  other: { net: NetworkJson; label: string } | null,
  loss: string | undefined,
  select: (i: number) => void,
  selected: number | null = null,
): HTMLElement {
  let drawn: { top: number[]; rest: number } = { top: [], rest: 0 };
  const xd = pad(extent(plot.X.map((r) => r[0])));
  const yd = pad(extent(plot.X.map((r) => r[1])));
  const f = frame('Data, neurons and decision regions', xd, yd, 'x₁', 'x₂');
  const thr = threshold(plot.Y, loss);
  const c = plot.c;

  if (trained) drawn = drawTrained(f, trained, xd, yd, c, thr, selected);
  // the optimal network has few neurons: draw each of them (a witness with hundreds is not drawn)
  const otherLive = other ? liveNeurons(other.net) : [];
  const drawOther = !!other && other.label === 'optimal' && otherLive.length <= MAX_OPTIMAL_LINES;
  if (other && drawOther) drawOptimalLines(f, other.net, otherLive, xd, yd);
  if (other) boundary(f, gridValues(other.net, xd, yd, c, thr), 'optimal', c);

  const pts = layer(f, 'data');
  plot.X.forEach((p, i) => {
    const cls = labelClass(plot.Y[i], thr);
    const k = Number(cls.slice(4));
    pts
      .append('path')
      .attr('class', `point labelled ${cls}`)
      .attr('transform', `translate(${f.x(p[0])},${f.y(p[1])})`)
      .attr('d', d3.symbol(SYMBOLS[k % SYMBOLS.length], 36)());
  });
  selectOnClick(f.svg, select);

  const classes = c > 1 ? plot.Y[0].map((_, k) => k) : [0, 1];
  const lg = legend([
    ...classes
      .slice(0, 7)
      .map(
        (k) =>
          [
            `cls-${k}`,
            c > 1 ? `class ${k}` : k === 0 ? `label ≤ ${+thr.toPrecision(3)} (f below)` : `label > ${+thr.toPrecision(3)} (f above)`,
            k === 0 ? 'dot' : 'tri',
          ] as [string, string, 'dot' | 'tri'],
      ),
    ...(trained
      ? ([
          ['boundary-swatch', `trained boundary f = ${+thr.toPrecision(3)}`, 'line'],
          ['neuron-line-swatch', `lines u_j·x + b_j = 0 of ${drawnNeuronsWords(drawn.top, TOP_K_NEURONS)}`, 'line'],
        ] as const)
      : []),
    ...(drawn.rest ? ([['density-swatch', `density of the other ${drawn.rest} neurons’ lines`, 'box']] as const) : []),
    ...(other ? ([['optimal', `${other.label} boundary`, 'dash']] as const) : []),
    ...(drawOther ? ([['optimal-line-swatch', `the optimal network’s ${otherLive.length} neurons`, 'dash']] as const) : []),
    ['selected', 'selected neuron', 'line'],
  ] as [string, string, 'line' | 'dash' | 'dot' | 'tri' | 'box'][]);
  const caption =
    (c > 1
      ? `${plot.X.length} samples; cells show the trained network's argmax class.`
      : `${plot.X.length} samples; cells show the trained f relative to ${+thr.toPrecision(3)} (darker = farther).`) +
    (drawn.rest
      ? ` Lines: the ${TOP_K_NEURONS} neurons with the largest ‖ũ_j‖‖v_j‖${drawn.top.length > TOP_K_NEURONS ? ' and the selected one' : ''}; the other ${drawn.rest} live neurons as a grey density.`
      : '');
  return figure('2d', f, lg, caption);
}
