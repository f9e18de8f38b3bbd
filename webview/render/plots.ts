// The plot area: picks the plot for the data's dimension (1, 2, > 2) and adds the dual-score bars.
import type { AnalysisJson } from '../../src/core/analysis/types';
import type { PlotData } from '../../src/extension/panelProtocol';
import { el } from '../dom';
import { plot1d } from '../plots/plot1d';
import { plot2d } from '../plots/plot2d';
import { plotPca } from '../plots/plotPca';
import { dualScoreBars } from '../plots/bars';
import { comparisonNetwork } from '../plots/forward';
import { highlightNeuron } from '../plots/common';
import type { Ctx } from './context';

export function renderPlots(r: AnalysisJson, plot: PlotData | undefined, ctx: Ctx): HTMLElement {
  const box = el('div', { class: 'plots' });
  const select = (i: number) => ctx.select(i);
  if (!plot) box.appendChild(el('p', { class: 'muted' }, 'No data was sent for plotting.'));
  else {
    const other = comparisonNetwork(r);
    const loss = r.loss?.name;
    if (plot.d === 1) box.appendChild(plot1d(plot, r.network, other, select));
    else if (plot.d === 2) box.appendChild(plot2d(plot, r.network, other, loss, select));
    else box.appendChild(plotPca(plot, r.network, loss, select, ctx.ui.selected));
    if (plot.X.length < r.data.n) box.appendChild(el('p', { class: 'muted' }, `Showing ${plot.X.length} of ${r.data.n} samples.`));
  }
  box.appendChild(dualScoreBars(r, select, ctx.ui.selected));
  highlightNeuron(box, ctx.ui.selected);
  return box;
}
