// A plot as a file: the SVG with every style it gets from the theme written into it (a saved SVG
// has no stylesheet and no theme variables), on the panel's background; PNG by drawing that SVG on
// a canvas at twice the size. The host asks where to save (PanelToHost 'savePlot').

/** Presentation properties a plot uses; their computed values are written as attributes. */
const PROPS = [
  'fill',
  'fill-opacity',
  'stroke',
  'stroke-opacity',
  'stroke-width',
  'stroke-dasharray',
  'opacity',
  'visibility',
  'display',
  'font-family',
  'font-size',
  'font-weight',
  'text-anchor',
  'shape-rendering',
] as const;

/** Computed values that are SVG's initial values anyway. */
const DEFAULTS: Partial<Record<(typeof PROPS)[number], string>> = {
  'fill-opacity': '1',
  'stroke-opacity': '1',
  'stroke-width': '1px',
  'stroke-dasharray': 'none',
  stroke: 'none',
  opacity: '1',
  visibility: 'visible',
  display: 'inline',
  'text-anchor': 'start',
  'shape-rendering': 'auto',
  'font-weight': '400',
};
const FONT = new Set(['font-family', 'font-size', 'font-weight', 'text-anchor']);

/** Standalone SVG text of a rendered plot (well-formed XML, colours resolved). */
export function svgText(svg: SVGSVGElement): string {
  const clone = svg.cloneNode(true) as SVGSVGElement;
  const src = [svg, ...svg.querySelectorAll('*')];
  const dst = [clone, ...clone.querySelectorAll('*')];
  src.forEach((e, i) => {
    const cs = getComputedStyle(e);
    const d = dst[i] as Element;
    const isText = e.localName === 'text' || e.localName === 'tspan';
    for (const p of PROPS) {
      const v = cs.getPropertyValue(p);
      // defaults are left out (a plot has thousands of cells: the file stays small)
      if (!v || DEFAULTS[p] === v || (!isText && FONT.has(p))) continue;
      d.setAttribute(p, v);
    }
    d.removeAttribute('class');
  });
  const vb = svg.viewBox.baseVal;
  clone.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  clone.setAttribute('width', String(vb.width));
  clone.setAttribute('height', String(vb.height));
  clone.setAttribute('color', getComputedStyle(svg).color);
  const bg = document.createElementNS('http://www.w3.org/2000/svg', 'rect');
  bg.setAttribute('width', '100%');
  bg.setAttribute('height', '100%');
  bg.setAttribute('fill', getComputedStyle(document.body).backgroundColor);
  clone.insertBefore(bg, clone.firstChild);
  return '<?xml version="1.0" encoding="UTF-8"?>\n' + new XMLSerializer().serializeToString(clone);
}

/** PNG (base64, no data: prefix) of the SVG text, `scale` times its size. */
export async function pngBase64(svg: string, width: number, height: number, scale = 2): Promise<string> {
  const img = new Image();
  img.src = `data:image/svg+xml;base64,${btoa(unescape(encodeURIComponent(svg)))}`;
  await img.decode();
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(width * scale);
  canvas.height = Math.round(height * scale);
  const g = canvas.getContext('2d');
  if (!g) throw new Error('no 2-D canvas');
  g.drawImage(img, 0, 0, canvas.width, canvas.height);
  return canvas.toDataURL('image/png').replace(/^data:image\/png;base64,/, '');
}
