// The plot area: picks the plot for the data's dimension (1, 2, > 2) and adds the dual-score chart;
// each figure gets its own "Save SVG…" / "Save PNG…" buttons (the host asks where to save).
import type { AnalysisJson } from '../../src/core/report/analysisJson';
import type { PlotData, PlotFormat } from '../../src/protocol/panel';
import { el } from '../dom';
import { plot1d } from '../plots/plot1d';
import { plot2d } from '../plots/plot2d';
import { plotPca } from '../plots/plotPca';
import { dualScoreBars } from '../plots/bars';
import { comparisonNetwork } from '../plots/forward';
import { highlightNeuron } from '../plots/common';
import { pngBase64, svgText } from '../plots/export';
import type { Ctx } from './context';

export function renderPlots(r: AnalysisJson, plot: PlotData | undefined, ctx: Ctx): HTMLElement {
  const box = el('div', { class: 'plots' });
  const select = (i: number) => ctx.select(i);
  const sel = ctx.ui.selected;
  if (!plot) box.appendChild(el('p', { class: 'muted' }, 'No data was sent for plotting.'));
  else {
    const other = comparisonNetwork(r);
    const loss = r.loss?.name;
    const main =
      plot.d === 1
        ? plot1d(plot, r.network, other, select, sel)
        : plot.d === 2
          ? plot2d(plot, r.network, other, loss, select, sel)
          : plotPca(plot, r.network, loss, select, sel);
    box.appendChild(main);
    if (plot.X.length < r.data.n) main.appendChild(el('p', { class: 'muted' }, `Showing ${plot.X.length} of ${r.data.n} samples.`));
  }
  box.appendChild(dualScoreBars(r, select, sel));
  for (const fig of box.querySelectorAll<HTMLElement>('figure.plot')) addSaveButtons(fig, ctx);
  highlightNeuron(box, sel);
  return box;
}

function addSaveButtons(fig: HTMLElement, ctx: Ctx): void {
  const svg = fig.querySelector<SVGSVGElement>('svg.plot-svg');
  if (!svg) return;
  const name = fig.getAttribute('data-plot') ?? 'plot';
  const save = async (format: PlotFormat) => {
    const text = svgText(svg);
    const vb = svg.viewBox.baseVal;
    const data = format === 'svg' ? text : await pngBase64(text, vb.width, vb.height);
    ctx.post({ type: 'savePlot', format, name, data });
  };
  fig.appendChild(
    el(
      'div',
      { class: 'plot-tools' },
      el('button', { type: 'button', class: 'copy', testid: 'save-svg', onclick: () => void save('svg') }, 'Save SVG…'),
      el('button', { type: 'button', class: 'copy', testid: 'save-png', onclick: () => void save('png') }, 'Save PNG…'),
    ),
  );
}
