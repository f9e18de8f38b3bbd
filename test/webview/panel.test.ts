// The panel in headless Chromium, fed PanelStates from real `certify --json` runs: verdicts and their
// numbers, the neuron table (rows, sorting, keyboard), selection and the auto-encoder reading, the
// plots per dimension, errors with their fix-it action, progress/cancel, exports and state restore.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import type { PanelState } from '../../src/protocol/panel';
import { fmt } from '../../src/core/format/numbers';
import { SKIP, launch, openPanel, until, type Panel } from './harness';
import { trainedCase, highDim, whitenedCase } from './states';

const sel = (id: string) => `[data-testid="${id}"]`;

describe('panel webview', { skip: SKIP }, () => {
  let browser: Browser;
  let certified: PanelState, notOptimal: PanelState, inconclusive: PanelState, random6: PanelState, whitened: PanelState;

  before(async () => {
    certified = trainedCase('converged-1d');
    notOptimal = trainedCase('early-stopped-2d');
    ({ random: random6, inconclusive } = highDim());
    whitened = whitenedCase();
    browser = await launch();
  });
  after(async () => browser?.close());

  /** Rows listed one by one plus those folded into the summary row. */
  async function listedRows(p: Panel): Promise<number> {
    const folded = p.page.locator(sel('collapsed-row'));
    return (await p.page.locator(sel('neuron-row')).count()) + ((await folded.count()) ? Number(await folded.getAttribute('data-count')) : 0);
  }

  /** List the dead and negligible neurons one by one too (when some are folded). */
  async function expandAll(p: Panel): Promise<void> {
    if (await p.page.locator(sel('show-negligible')).count()) await p.page.click(sel('show-negligible'));
  }

  async function show(state: PanelState): Promise<Panel> {
    const p = await openPanel(browser);
    await p.post({ type: 'state', state });
    await until(p.page, `!!document.querySelector('${sel('verdict')}')`);
    return p;
  }

  it('engine outputs are the verdicts these tests need', () => {
    assert.equal(certified.result!.verdict, 'certified');
    assert.equal(notOptimal.result!.verdict, 'not-optimal');
    assert.equal(inconclusive.result!.verdict, 'inconclusive');
    assert.ok(inconclusive.result!.model.d > 2 && random6.result!.model.d > 2);
  });

  it('certified, d = 1: verdict words, P* interval, one row per neuron, the 1-D plot', async () => {
    const p = await show(certified);
    const r = certified.result!;
    assert.match((await p.page.textContent(sel('verdict'))) ?? '', /Certified/);
    const plain = (await p.page.textContent(sel('verdict-plain'))) ?? '';
    assert.match(
      plain,
      /^Certified: this network’s objective P\(θ\) = \S+ (is within .*% of|equals) P\*, the best any two-layer ReLU network of any width can reach/,
    );
    // both ends of the interval read back to the engine's numbers (to the last printed digit)
    const ends = ((await p.page.textContent(sel('pstar-interval'))) ?? '').match(/^P\* ∈ \[(\S+), (\S+)\]$/);
    assert.ok(ends, 'P* ∈ [lo, hi]');
    for (const k of [0, 1])
      assert.ok(
        Math.abs(Number(ends[k + 1]) - r.pstarInterval[k]) <= 10 ** -(ends[k + 1].split('.')[1]?.length ?? 0),
        `${ends[k + 1]} vs ${r.pstarInterval[k]}`,
      );
    assert.equal(await listedRows(p), r.model.m);
    // the 1-D plot: every sample, the trained and the optimal curve, one kink mark per live neuron in view
    const plot = p.page.locator(`${sel('plot')}[data-plot="1d"]`);
    assert.equal(await plot.locator('circle.point').count(), certified.plot!.X.length);
    assert.equal(await plot.locator('polyline.fn.trained').count(), 1);
    assert.equal(await plot.locator('polyline.fn.optimal').count(), r.optimum || r.witness ? 1 : 0);
    const xs = certified.plot!.X.map((x) => x[0]);
    const [lo, hi] = [Math.min(...xs), Math.max(...xs)];
    const padX = (hi - lo) * 0.06;
    const net = r.network!;
    // the 12 heaviest live neurons (‖ũ_j‖‖v_j‖, computed here) are marked one by one; the rest as a histogram
    const weight = (j: number) => Math.hypot(net.W1[j][0], net.b1![j]) * Math.abs(net.W2[0][j]);
    const live = net.W1.map((_, j) => j).filter((j) => (net.W1[j][0] !== 0 || net.b1![j] !== 0) && net.W2[0][j] !== 0);
    const top = live.sort((a, b) => weight(b) - weight(a) || a - b).slice(0, 12);
    const inView = top.filter((j) => {
      const k = -net.b1![j] / net.W1[j][0];
      return net.W1[j][0] !== 0 && k >= lo - padX && k <= hi + padX;
    }).length;
    assert.equal(await plot.locator('.neuron-mark').count(), inView);
    assert.deepEqual(p.errors, []);
  });

  it('not optimal, d = 2: plain words, witness/optimum, neuron lines, level cells and boundary', async () => {
    const p = await show(notOptimal);
    const r = notOptimal.result!;
    assert.match((await p.page.textContent(sel('verdict'))) ?? '', /Not optimal/);
    assert.match((await p.page.textContent(sel('verdict-plain'))) ?? '', /^Not optimal: a network with objective \S+ exists, \S+% below this network’s P\(θ\)/);
    assert.equal(await listedRows(p), r.model.m);
    const plot = p.page.locator(`${sel('plot')}[data-plot="2d"]`);
    assert.equal(await plot.locator('path.point.labelled').count(), notOptimal.plot!.X.length);
    assert.equal(await plot.locator('rect.cell').count(), 64 * 44);
    const lines = await plot.locator('line.neuron-line').count();
    const live = r.neurons.filter((n) => !n.dead).length;
    assert.ok(lines > 0 && lines <= Math.min(12, live), `${lines} neuron lines for ${live} live neurons`);
    assert.ok(((await plot.locator('path.boundary.trained').getAttribute('d')) ?? '').length > 10, 'a decision boundary is traced');
    // the better network is shown under Optimal weights
    const opt = p.page.locator(sel('optimal-weights'));
    assert.ok((await opt.locator(`${sel('optimum')}, ${sel('witness')}`).count()) >= 1);
  });

  it('inconclusive, d = 6: plain words, PCA plot with arrows, dual-score bars', async () => {
    const p = await show(inconclusive);
    const r = inconclusive.result!;
    assert.match((await p.page.textContent(sel('verdict'))) ?? '', /Inconclusive/);
    assert.match((await p.page.textContent(sel('verdict-plain'))) ?? '', /^Inconclusive: this network’s P\(θ\) = \S+ is at most \S+% above P\* \(P\* ∈ \[/);
    const plot = p.page.locator(`${sel('plot')}[data-plot="pca"]`);
    assert.equal(await plot.locator('path.point.labelled').count(), r.data.n);
    const live = r.network!.W1.filter((u, j) => u.some((w) => w !== 0) && r.network!.W2[0][j] !== 0).length;
    // top-k by contribution, like the other plots; the rest summarised as direction wedges
    assert.equal(await plot.locator('.neuron-arrow').count(), Math.min(live, 12));
    if (live > 12) assert.ok((await plot.locator('path.direction-wedge').count()) > 0, 'the other neurons are summarised');
    const bars = p.page.locator(`${sel('plot')}[data-plot="dual-scores"] rect.bar`);
    assert.equal(await bars.count(), r.neurons.filter((n) => !n.dead).length);
    // what would settle it is worded with the editor's setting: no command-line flag on the panel
    assert.ok(r.inconclusiveReason!.steps.length > 0, r.summary);
    const visible = (await p.page.evaluate('document.body.innerText')) as string;
    assert.doesNotMatch(visible, /(^|[\s(])--[a-z]/, 'no CLI flag in the panel');
    assert.match((await p.page.textContent(sel('next-step')))!, /Raise (the setting reluLens\.|the column-generation)|A tolerance of/);
  });

  it('sorting: header click sorts ascending then descending; Enter on a header works too', async () => {
    const p = await show(certified);
    const r = certified.result!;
    const order = () => p.page.locator(sel('neuron-row')).evaluateAll((rows) => rows.map((e) => Number(e.getAttribute('data-neuron'))));
    const expected = (dir: 1 | -1) =>
      [...r.neurons].sort((a, b) => (a.dualScore === b.dualScore ? a.index - b.index : (a.dualScore - b.dualScore) * dir)).map((n) => n.index);
    await expandAll(p);
    await p.page.click('button.sort[data-key="dualScore"]');
    assert.deepEqual(await order(), expected(-1));
    assert.equal(await p.page.getAttribute('th:has(button[data-key="dualScore"])', 'aria-sort'), 'descending');
    await p.page.focus('button.sort[data-key="dualScore"]');
    await p.page.keyboard.press('Enter');
    assert.deepEqual(await order(), expected(1));
    assert.equal(await p.page.getAttribute('th:has(button[data-key="dualScore"])', 'aria-sort'), 'ascending');
    const posted = await p.posted();
    assert.ok(posted.some((m) => m.type === 'uiState'));
  });

  it('selecting a neuron: posts selectNeuron, shows its auto-encoder reading, highlights it in the plots', async () => {
    const p = await show(certified);
    const r = certified.result!;
    const n = r.neurons.find((x) => !x.dead && (x.autoencoder?.samples.length ?? 0) > 0);
    assert.ok(n, 'the engine gave at least one auto-encoder reading');
    await expandAll(p);
    await p.page.click(`${sel('neuron-row')}[data-neuron="${n.index}"]`);
    assert.ok((await p.posted()).some((m) => m.type === 'selectNeuron' && m.index === n.index));
    assert.match((await p.page.textContent(sel('neuron-detail'))) ?? '', new RegExp(`Neuron ${n.index}(?!\\d)`));
    const ae = p.page.locator(sel('autoencoder'));
    assert.equal(await ae.locator('tbody tr').count(), n.autoencoder!.samples.length);
    const firstCoef = await ae.locator('tbody tr').first().locator('td').nth(1).textContent();
    assert.equal(firstCoef, fmt(n.autoencoder!.samples[0].coef, 4));
    if (n.autoencoder!.anchor !== null) assert.match((await ae.textContent()) ?? '', new RegExp(`k = ${n.autoencoder!.anchor}(?!\\d)`));
    assert.equal(await p.page.getAttribute(`${sel('neuron-row')}[data-neuron="${n.index}"]`, 'aria-selected'), 'true');
    const marks = p.page.locator(`.plot-svg [data-neuron="${n.index}"].selected`);
    assert.ok((await marks.count()) >= 1, 'the neuron is highlighted in a plot');
    // keyboard: ↓ moves to the next row in display order and selects it
    // (the selected row's detail sits right under it; the next neuron's row follows)
    const next = await p.page.locator(`${sel('neuron-row')}[data-neuron="${n.index}"] + tr.detail-row + tr`).getAttribute('data-neuron');
    await p.page.keyboard.press('ArrowDown');
    const last = (await p.posted()).filter((m) => m.type === 'selectNeuron').pop();
    assert.equal(last?.index, Number(next));
  });

  it('a selectNeuron from the host selects without echoing back', async () => {
    const p = await show(notOptimal);
    await p.post({ type: 'selectNeuron', index: 2 });
    assert.equal(await p.page.getAttribute(`${sel('neuron-row')}[data-neuron="2"]`, 'aria-selected'), 'true');
    assert.ok(!(await p.posted()).some((m) => m.type === 'selectNeuron'));
  });

  it('closed form: typeset with KaTeX, with its condition, tolerance and values', async () => {
    const p = await show(whitened);
    const cf = whitened.result!.closedForm!;
    const box = p.page.locator(sel('closed-form'));
    assert.ok((await box.locator('.katex').count()) >= 1, 'KaTeX rendered the formula');
    const t = (await box.textContent()) ?? '';
    assert.ok(t.includes(cf.condition) && t.includes(fmt(cf.pstar)));
    assert.ok(t.includes('1e-10'));
    assert.deepEqual(await p.violations(), []);
  });

  it('error: the message and a fix-it button that posts its action', async () => {
    const p = await openPanel(browser);
    await p.post({
      type: 'state',
      state: {
        model: 'm.onnx',
        status: 'error',
        error: { kind: 'beta-missing', message: 'No β: give the weight decay or β.', action: { label: 'Set β…', action: 'setBeta' } },
      },
    });
    assert.equal(await p.page.textContent(sel('error-message')), 'No β: give the weight decay or β.');
    await p.page.click(sel('error-action'));
    assert.ok((await p.posted()).some((m) => m.type === 'action' && m.action === 'setBeta'));
  });

  it('running: stage names, progress updates in place, Cancel posts cancel', async () => {
    const p = await openPanel(browser);
    await p.post({ type: 'progress', stage: 'oracle', detail: 'residual' }); // before any state
    assert.match((await p.page.textContent(sel('progress'))) ?? '', /Oracle M\(Λ\) — residual/);
    await p.post({ type: 'state', state: { model: 'm.onnx', status: 'running', stage: { name: 'objective' } } });
    assert.match((await p.page.textContent(sel('progress'))) ?? '', /Objective P\(θ\) and P_bal/);
    await p.post({ type: 'progress', stage: 'patterns', detail: '3 of 10' });
    assert.match((await p.page.textContent('.progress-text')) ?? '', /Activation patterns — 3 of 10/);
    assert.equal(await p.page.getAttribute('ol.stages li.current', 'aria-current'), 'step');
    await p.page.click(sel('cancel'));
    assert.ok((await p.posted()).some((m) => m.type === 'action' && m.action === 'cancel'));
  });

  it('every export action has a button; enabled ones post their action', async () => {
    const p = await show(notOptimal);
    for (const a of ['exportCertificateJson', 'exportReportMarkdown', 'exportOptimalOnnx', 'exportWitnessOnnx', 'exportWeightsCsv', 'exportWeightsNpy']) {
      const b = p.page.locator(sel(`export-${a}`));
      assert.equal(await b.count(), 1, a);
      if ((await b.getAttribute('disabled')) === null) {
        await b.click();
        assert.ok(
          (await p.posted()).some((m) => m.type === 'action' && m.action === a),
          a,
        );
      }
    }
  });

  it('state restore: a reload shows the last result with the same selection and sort', async () => {
    const p = await show({ ...notOptimal, modelUri: 'file:///w/models/model.onnx' });
    await expandAll(p);
    await p.page.click('button.sort[data-key="inNorm"]');
    await p.page.click(`${sel('neuron-row')}[data-neuron="3"]`);
    const saved = JSON.parse((await p.page.evaluate(`sessionStorage.getItem('__vscodeState')`)) as string);
    assert.equal(saved.modelUri, 'file:///w/models/model.onnx', 'the serializer finds the model in the saved state');
    await p.page.reload();
    await until(p.page, `!!document.querySelector('${sel('verdict')}')`);
    assert.match((await p.page.textContent(sel('verdict'))) ?? '', /Not optimal/);
    assert.equal(await p.page.getAttribute(`${sel('neuron-row')}[data-neuron="3"]`, 'aria-selected'), 'true');
    assert.equal(await p.page.getAttribute('th:has(button[data-key="inNorm"])', 'aria-sort'), 'descending');
    assert.match((await p.page.textContent(sel('neuron-detail'))) ?? '', /Neuron 3(?!\d)/);
    assert.ok((await p.posted()).some((m) => m.type === 'ready'));
  });
});
