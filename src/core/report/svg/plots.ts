/**
 * The report's two plots as static SVG:
 *  - the data and the neurons: d = 1, the samples, the network's function and the optimum's, and
 *    the kinks of the top neurons; d = 2, the samples coloured by their label and the lines
 *    ũ_jᵀ[x; 1] = 0 of the top neurons (width by contribution) and of the optimum's neurons;
 *  - the dual scores of the top neurons by contribution (a live neuron of an optimal network
 *    scores 1, no neuron above 1 — MATH.md §6), as horizontal bars so labels never collide.
 * Only the top neurons are drawn: at m = 3,000 every line would be a grey hairball.
 */
import { forward } from '../../model';
import { fromRows, type Mat } from '../../linalg/mat';
import type { NetworkJson } from '../analysisJson';
import { contribution, type RankableNeuron } from '../neurons';
import { frame, px, scale, svgOpen, text } from './svg';

/** Neurons drawn in a plot at most (the report's table lists the same top ones). */
export const PLOT_TOP_NEURONS = 20;
/** Samples drawn at most (evenly spaced in file order beyond this). */
export const PLOT_MAX_POINTS = 2000;

const W = 640,
  H = 400;
const BOX = { l: 60, t: 24, r: W - 16, b: H - 30 };

type Fmt = (v: number, digits?: number) => string;

function weights(net: NetworkJson) {
  const m = net.W1.length,
    d = m ? net.W1[0].length : 0,
    c = net.W2.length;
  return {
    W1: m ? fromRows(net.W1) : { rows: 0, cols: d, data: new Float64Array(0) },
    b1: net.b1 ? Float64Array.from(net.b1) : null,
    W2: m ? fromRows(net.W2) : { rows: c, cols: 0, data: new Float64Array(0) },
    b2: net.b2 ? Float64Array.from(net.b2) : null,
  };
}

function sampleRows(n: number): number[] {
  const step = Math.max(1, Math.ceil(n / PLOT_MAX_POINTS));
  const out: number[] = [];
  for (let i = 0; i < n; i += step) out.push(i);
  return out;
}

/** Blue (low) → grey → red (high) for a label value in [lo, hi]. */
function colour(v: number, lo: number, hi: number): string {
  const t = hi > lo ? Math.max(0, Math.min(1, (v - lo) / (hi - lo))) : 0.5;
  const r = Math.round(40 + 190 * t),
    b = Math.round(230 - 190 * t);
  return `rgb(${r},90,${b})`;
}

export interface DataPlotInput {
  X: Mat;
  Y: Mat;
  trained: NetworkJson | null;
  optimum: NetworkJson | null;
  /** live neurons of the trained network, ranked by contribution (largest first) */
  ranked: RankableNeuron[];
  f: Fmt;
}

/** The data-and-neurons plot, or null when d > 2 (no faithful picture in the plane). */
export function dataPlot(p: DataPlotInput): string | null {
  const d = p.X.cols;
  if (d === 1) return plot1d(p);
  if (d === 2) return plot2d(p);
  return null;
}

function plot1d({ X, Y, trained, optimum, ranked, f }: DataPlotInput): string {
  const rows = sampleRows(X.rows);
  const c = Y.cols;
  const xs = rows.map((i) => X.data[i]);
  const ys = rows.map((i) => Y.data[i * c]);
  const sx = scale(xs, BOX.l, BOX.r);
  const grid = Array.from({ length: 241 }, (_, k) => sx.lo + ((sx.hi - sx.lo) * k) / 240);
  const G: Mat = { rows: grid.length, cols: 1, data: Float64Array.from(grid) };
  const curve = (net: NetworkJson | null) => {
    if (!net || net.W2.length !== c) return null;
    const F = forward(weights(net), G);
    return grid.map((_, k) => F.data[k * c]);
  };
  const ft = curve(trained),
    fo = curve(optimum);
  const sy = scale([...ys, ...(ft ?? []), ...(fo ?? [])], BOX.b, BOX.t);
  const path = (v: number[]) => 'M' + v.map((y, k) => `${px(sx(grid[k]))},${px(sy(y))}`).join('L');
  const out = [svgOpen(W, H, 'the data, the network and its top neurons'), frame(sx, sy, BOX, (v) => f(v, 3), 'x', c > 1 ? 'y₁' : 'y')];
  const top = ranked.slice(0, PLOT_TOP_NEURONS);
  const maxC = top.length ? contribution(top[0]) : 1;
  if (trained)
    for (const n of top) {
      const u = trained.W1[n.index][0],
        b = trained.b1?.[n.index] ?? 0;
      if (u === 0) continue;
      const k = -b / u;
      if (k < sx.lo || k > sx.hi) continue;
      out.push(
        `<line x1="${px(sx(k))}" y1="${BOX.b}" x2="${px(sx(k))}" y2="${BOX.b - 8 - 16 * (contribution(n) / maxC)}" stroke="#9a6700" stroke-width="1.5"><title>neuron ${n.index}: kink at x = ${f(k, 4)}</title></line>`,
      );
    }
  for (let k = 0; k < xs.length; k++) out.push(`<circle cx="${px(sx(xs[k]))}" cy="${px(sy(ys[k]))}" r="2.5" fill="#555" fill-opacity="0.7"/>`);
  if (ft) out.push(`<path d="${path(ft)}" fill="none" stroke="#0969da" stroke-width="2"/>`);
  if (fo) out.push(`<path d="${path(fo)}" fill="none" stroke="#1a7f37" stroke-width="1.5" stroke-dasharray="5 3"/>`);
  out.push(
    legend([
      ['#555', 'data'],
      ['#0969da', 'this network'],
      ...(fo ? [['#1a7f37', 'optimum (dashed)'] as [string, string]] : []),
      ['#9a6700', `kinks of the top ${top.length} neurons`],
    ]),
  );
  return out.join('') + '</svg>';
}

function legend(items: [string, string][]): string {
  let x = BOX.l;
  return items
    .map(([col, s]) => {
      const g = `<rect x="${x}" y="8" width="10" height="10" fill="${col}"/>` + text(x + 14, 17, s);
      x += 24 + 6.2 * s.length;
      return g;
    })
    .join('');
}

/** The line ũᵀ[x; 1] = 0 clipped to the plot box, as SVG endpoints (null when it misses the box). */
function clipLine(u: number[], b: number, sx: ReturnType<typeof scale>, sy: ReturnType<typeof scale>): [number, number, number, number] | null {
  const pts: [number, number][] = [];
  const [a1, a2] = u;
  if (a2 !== 0)
    for (const x of [sx.lo, sx.hi]) {
      const y = -(a1 * x + b) / a2;
      if (y >= sy.lo && y <= sy.hi) pts.push([x, y]);
    }
  if (a1 !== 0)
    for (const y of [sy.lo, sy.hi]) {
      const x = -(a2 * y + b) / a1;
      if (x >= sx.lo && x <= sx.hi) pts.push([x, y]);
    }
  if (pts.length < 2) return null;
  return [sx(pts[0][0]), sy(pts[0][1]), sx(pts[1][0]), sy(pts[1][1])];
}

function plot2d({ X, Y, trained, optimum, ranked, f }: DataPlotInput): string {
  const rows = sampleRows(X.rows);
  const c = Y.cols;
  const sx = scale(
    rows.map((i) => X.data[2 * i]),
    BOX.l,
    BOX.r,
  );
  const sy = scale(
    rows.map((i) => X.data[2 * i + 1]),
    BOX.b,
    BOX.t,
  );
  const ys = rows.map((i) => Y.data[i * c]);
  const lo = Math.min(...ys),
    hi = Math.max(...ys);
  const out = [svgOpen(W, H, 'the data and the top neurons'), frame(sx, sy, BOX, (v) => f(v, 3), 'x₁', 'x₂')];
  const top = ranked.slice(0, PLOT_TOP_NEURONS);
  const maxC = top.length ? contribution(top[0]) : 1;
  if (trained)
    for (const n of top) {
      const seg = clipLine(trained.W1[n.index], trained.b1?.[n.index] ?? 0, sx, sy);
      if (seg)
        out.push(
          `<line x1="${px(seg[0])}" y1="${px(seg[1])}" x2="${px(seg[2])}" y2="${px(seg[3])}" stroke="#9a6700" stroke-width="${px(0.6 + 2.4 * (contribution(n) / maxC))}" stroke-opacity="0.8"><title>neuron ${n.index}</title></line>`,
        );
    }
  if (optimum && optimum.W1.length <= PLOT_TOP_NEURONS * 5)
    optimum.W1.forEach((u, j) => {
      const seg = clipLine(u, optimum.b1?.[j] ?? 0, sx, sy);
      if (seg)
        out.push(
          `<line x1="${px(seg[0])}" y1="${px(seg[1])}" x2="${px(seg[2])}" y2="${px(seg[3])}" stroke="#1a7f37" stroke-width="1.2" stroke-dasharray="5 3"/>`,
        );
    });
  for (let k = 0; k < rows.length; k++) {
    const i = rows[k];
    out.push(`<circle cx="${px(sx(X.data[2 * i]))}" cy="${px(sy(X.data[2 * i + 1]))}" r="2.5" fill="${colour(ys[k], lo, hi)}"/>`);
  }
  const optLegend: [string, string][] = optimum && optimum.W1.length <= PLOT_TOP_NEURONS * 5 ? [['#1a7f37', "optimum's neurons (dashed)"]] : [];
  out.push(
    legend([
      [colour(lo, lo, hi), `y = ${f(lo, 3)}`],
      [colour(hi, lo, hi), `y = ${f(hi, 3)}`],
      ['#9a6700', `top ${top.length} neurons by ‖ũ‖‖v‖`],
      ...optLegend,
    ]),
  );
  return out.join('') + '</svg>';
}

/**
 * Dual scores of the top neurons by contribution, as dots on an axis that always shows 1 (the
 * optimality threshold): near an optimum every score is ≈ 1, so the axis zooms to [0.9, 1.1] and
 * the deviations stay visible; far from it the axis starts at 0.
 */
export function scoreChart(ranked: (RankableNeuron & { dualScore: number })[], f: Fmt): string | null {
  const top = ranked.slice(0, PLOT_TOP_NEURONS).filter((n) => Number.isFinite(n.dualScore));
  if (!top.length) return null;
  const row = 16,
    l = 70,
    r = W - 70,
    t = 24;
  const h = t + row * top.length + 24;
  const scores = top.map((n) => n.dualScore);
  const lo = Math.min(...scores) < 0.5 ? 0 : Math.min(0.9, ...scores);
  const hi = Math.max(1.1, ...scores);
  const x = (v: number) => l + ((v - lo) / (hi - lo)) * (r - l);
  const out = [
    svgOpen(W, h, 'dual scores of the top neurons'),
    text(l, 14, `dual score of the top ${top.length} neurons by ‖ũ‖‖v‖ (1 at an optimum; above 1: room to improve)`),
  ];
  out.push(`<line x1="${px(x(1))}" y1="${t - 2}" x2="${px(x(1))}" y2="${h - 20}" stroke="#333" stroke-dasharray="3 2"/>`);
  top.forEach((n, k) => {
    const y = t + k * row + row / 2;
    out.push(text(l - 6, y + 4, `#${n.index}`, 'text-anchor="end"'));
    out.push(`<line x1="${px(x(1))}" y1="${px(y)}" x2="${px(x(n.dualScore))}" y2="${px(y)}" stroke="#0969da" stroke-width="2"/>`);
    out.push(`<circle cx="${px(x(n.dualScore))}" cy="${px(y)}" r="3.5" fill="#0969da"><title>neuron ${n.index}: ${f(n.dualScore, 6)}</title></circle>`);
    out.push(text(r + 6, y + 4, f(n.dualScore, 4)));
  });
  out.push(
    text(l, h - 6, f(lo, 3), 'text-anchor="start" fill="#555"'),
    text(x(1), h - 6, '1', 'text-anchor="middle"'),
    text(r, h - 6, f(hi, 3), 'text-anchor="end" fill="#555"'),
  );
  return out.join('') + '</svg>';
}
