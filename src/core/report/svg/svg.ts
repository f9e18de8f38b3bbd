/**
 * Static SVG for the reports: plain elements, no script, no external references, sized in a
 * viewBox so a report scales to the page. Every text is escaped (neuron indices and numbers only
 * reach it, but the rule has no exceptions).
 */
export const escapeXml = (s: string): string => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/** Coordinates with 2 decimals: enough for a plot, a quarter of the bytes of full precision. */
export const px = (v: number): string => (Math.round(v * 100) / 100).toString();

export interface Scale {
  (v: number): number;
  lo: number;
  hi: number;
}

/** Linear map [lo, hi] → [a, b], with a 5% margin and a unit range when the data are constant. */
export function scale(values: Iterable<number>, a: number, b: number): Scale {
  let lo = Infinity,
    hi = -Infinity;
  for (const v of values) if (Number.isFinite(v)) (lo = Math.min(lo, v)), (hi = Math.max(hi, v));
  if (!(hi > lo)) (lo = Number.isFinite(lo) ? lo - 1 : -1), (hi = Number.isFinite(hi) ? hi + 1 : 1);
  const pad = 0.05 * (hi - lo);
  lo -= pad;
  hi += pad;
  const f = ((v: number) => a + ((v - lo) / (hi - lo)) * (b - a)) as Scale;
  f.lo = lo;
  f.hi = hi;
  return f;
}

export function svgOpen(w: number, h: number, label: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="${escapeXml(label)}" font-family="system-ui,sans-serif" font-size="11">`;
}

export function text(x: number, y: number, s: string, attrs = ''): string {
  return `<text x="${px(x)}" y="${px(y)}"${attrs ? ' ' + attrs : ''}>${escapeXml(s)}</text>`;
}

/** Axis frame with min/max tick labels (formatted by the caller's number formatter). */
export function frame(x: Scale, y: Scale, box: { l: number; t: number; r: number; b: number }, f: (v: number) => string, xName: string, yName: string): string {
  return [
    `<rect x="${box.l}" y="${box.t}" width="${box.r - box.l}" height="${box.b - box.t}" fill="none" stroke="#888"/>`,
    text(box.l, box.b + 14, f(x.lo), 'text-anchor="start" fill="#555"'),
    text(box.r, box.b + 14, f(x.hi), 'text-anchor="end" fill="#555"'),
    text((box.l + box.r) / 2, box.b + 14, xName, 'text-anchor="middle"'),
    text(box.l - 4, box.b, f(y.lo), 'text-anchor="end" fill="#555"'),
    text(box.l - 4, box.t + 10, f(y.hi), 'text-anchor="end" fill="#555"'),
    text(box.l - 4, (box.t + box.b) / 2, yName, 'text-anchor="end"'),
  ].join('');
}
