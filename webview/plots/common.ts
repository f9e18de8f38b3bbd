// Shared plot scaffolding: an SVG with margins, axes and axis labels, a legend in HTML, and the
// selected-neuron highlight. Colours come from CSS classes (media/panel.css) that map to VS Code
// theme variables with Okabe–Ito fallbacks, so every theme (incl. high contrast) stays legible and
// the palette is colour-blind safe; shapes and dashes repeat what colour says.
import * as d3 from 'd3';
import { el } from '../dom';

export const W = 560;
export const H = 380;
export const M = { top: 16, right: 16, bottom: 44, left: 56 };

export type Svg = d3.Selection<SVGSVGElement, undefined, null, undefined>;
export type G = d3.Selection<SVGGElement, undefined, null, undefined>;

export interface Frame {
  svg: Svg;
  g: G;
  x: d3.ScaleLinear<number, number>;
  y: d3.ScaleLinear<number, number>;
  iw: number;
  ih: number;
  /** clip path id: contents drawn inside it cannot spill over the axes */
  clip: string;
}

let clipSeq = 0;

export function pad([lo, hi]: [number, number], frac = 0.08): [number, number] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [-1, 1];
  if (lo === hi) return [lo - 1, hi + 1];
  const p = (hi - lo) * frac;
  return [lo - p, hi + p];
}

export function extent(values: number[]): [number, number] {
  let lo = Infinity,
    hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : [-1, 1];
}

export function frame(title: string, xDomain: [number, number], yDomain: [number, number], xLabel: string, yLabel: string, height = H): Frame {
  const iw = W - M.left - M.right;
  const ih = height - M.top - M.bottom;
  const svg = d3.create('svg').attr('viewBox', `0 0 ${W} ${height}`).attr('class', 'plot-svg').attr('role', 'img').attr('aria-label', title);
  svg.append('title').text(title);
  const x = d3.scaleLinear().domain(xDomain).range([0, iw]);
  const y = d3.scaleLinear().domain(yDomain).range([ih, 0]);
  const g = svg.append('g').attr('transform', `translate(${M.left},${M.top})`);
  const clip = `clip-${++clipSeq}`;
  g.append('clipPath').attr('id', clip).append('rect').attr('width', iw).attr('height', ih);
  g.append('g').attr('class', 'axis x-axis').attr('transform', `translate(0,${ih})`).call(d3.axisBottom(x).ticks(8));
  g.append('g').attr('class', 'axis y-axis').call(d3.axisLeft(y).ticks(6));
  g.append('text')
    .attr('class', 'axis-label')
    .attr('x', iw / 2)
    .attr('y', ih + 36)
    .attr('text-anchor', 'middle')
    .text(xLabel);
  g.append('text')
    .attr('class', 'axis-label')
    .attr('transform', `translate(${-42},${ih / 2}) rotate(-90)`)
    .attr('text-anchor', 'middle')
    .text(yLabel);
  return { svg, g, x, y, iw, ih, clip };
}

/** A layer clipped to the plotting area. */
export function layer(f: Frame, cls: string): G {
  return f.g.append('g').attr('class', cls).attr('clip-path', `url(#${f.clip})`);
}

/** Legend entries: [css class of the swatch, label, kind] — kind picks the swatch's shape. */
export function legend(items: [string, string, 'line' | 'dash' | 'dot' | 'tri' | 'box'][]): HTMLElement {
  return el(
    'ul',
    { class: 'legend' },
    items.map(([cls, label, kind]) => el('li', null, el('span', { class: `swatch swatch-${kind} ${cls}`, 'aria-hidden': 'true' }), label)),
  );
}

/** Put the figure (svg + legend + caption) in one block with the `plot` test hook. */
export function figure(kind: string, f: Frame | Svg, lg: HTMLElement | null, caption: string): HTMLElement {
  const svg = 'svg' in f ? f.svg : f;
  return el('figure', { class: `plot plot-${kind}`, testid: 'plot', 'data-plot': kind }, svg.node() as SVGSVGElement, lg, el('figcaption', null, caption));
}

/** Toggle the highlight of one neuron in every plot under `root`, and bring it to the front. */
export function highlightNeuron(root: ParentNode, index: number | null): void {
  for (const e of root.querySelectorAll<SVGElement>('.plot-svg [data-neuron]')) {
    const on = index !== null && Number(e.getAttribute('data-neuron')) === index;
    e.classList.toggle('selected', on);
    if (on) e.parentNode?.appendChild(e);
  }
}

/** Clicking a neuron's mark selects it, like clicking its row. */
export function selectOnClick(svg: Svg, select: (i: number) => void): void {
  svg.on('click', (ev: MouseEvent) => {
    const t = (ev.target as Element).closest('[data-neuron]');
    if (t) select(Number(t.getAttribute('data-neuron')));
  });
}

/** Label 0/1 (or −1/+1, or c > 1 argmax) → a class of the colour-blind-safe palette. */
export function labelClass(y: number[], thr: number): string {
  if (y.length > 1) {
    let k = 0;
    for (let i = 1; i < y.length; i++) if (y[i] > y[k]) k = i;
    return `cls-${k % 7}`;
  }
  return y[0] > thr ? 'cls-1' : 'cls-0';
}
