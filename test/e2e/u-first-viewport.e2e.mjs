// Issue #18 items 1 and 3 on the bundled two-moons example (m = 3,000):
//   - the panel's first screen holds the verdict sentence, P(θ), P*'s interval, the gap and the next
//     step, with no stage timings or engine names; screenshots in all four themes (dark, light, high
//     contrast dark and light), with the WCAG AA contrast of the verdict and warning text measured
//     from the computed styles in each;
//   - the 2-D plot draws the heaviest neurons one by one and the rest as a density (screenshots);
//   - plot → row: a click on a neuron in the plot selects its row, whose detail shows under it, in view;
//   - row → detail: a click on a neuron row puts its detail's whole box inside the viewport.
// Exports (item 4) are x-exports; the numbers against the CLI (item 2) are w-one-result.
import { analyzeWithSettings, applyTheme, boxInView, contrastOf, sleep, expect, THEMES, TWO_MOONS_ENTRY } from './helpers.mjs';

/** Engine words that must not be on the first screen. */
const INTERNAL = /optimum-column-generation|column-generation|exact-sphere|squared loss as requested|output head|not proven|\b\d+ ms\b/i;

/** The text whose contrast issue #18 names: the verdict, its sentence and facts, the warnings. */
const CONTRAST = '[data-testid="verdict"], [data-testid="verdict-plain"], [data-testid="answer-facts"], [data-testid="warnings"]';

export default {
  id: 'u-first-viewport',
  title: 'two-moons: the answer first in four themes (WCAG AA), plots at m = 3,000, row ↔ plot ↔ detail in view',
  timeoutMs: 420_000,
  async run(ctx) {
    const { wb } = ctx;
    const { frame } = await analyzeWithSettings(ctx, 'two-moons/model.onnx', TWO_MOONS_ENTRY);

    // 1. the first screen: the four facts in view, no engine words, details collapsed
    for (const id of ['verdict-plain', 'objective', 'pstar', 'gap', 'next-step']) {
      const b = await boxInView(frame, `[data-testid="${id}"]`);
      expect(b.inside, `${id} is on the panel's first screen (box ${b.top}–${b.bottom} px of ${b.viewport})`);
    }
    const plain = (await frame.locator('[data-testid="verdict-plain"]').textContent()) ?? '';
    ctx.log(`  sentence: ${plain}`);
    expect(/^(Certified|Not optimal|Inconclusive): .*P\(θ\) = .*P\* ∈ \[/.test(plain), 'one sentence with P(θ) and the P* interval');
    const shown = await frame.locator('body').evaluate((b) => b.innerText);
    const bad = shown.match(INTERNAL);
    expect(!bad, `no engine words or timings on screen (found "${bad?.[0]}")`);
    expect((await frame.locator('[data-testid="how-computed"][open]').count()) === 0, '"How this was computed" starts collapsed');
    const warnings = await frame.locator('[data-testid="warnings"] li').count();
    ctx.log(`  warnings on the first screen: ${warnings}`);

    // 2. every theme: the first screen (contrast measured), then the 2-D plot
    const plot = frame.locator('[data-testid="plot"][data-plot="2d"]');
    const lowContrast = [];
    for (const t of THEMES) {
      const ok = await applyTheme(ctx, t.theme, t.cls);
      expect(ok, `the workbench switched to ${t.theme}`);
      await sleep(1500); // the webview receives the theme variables asynchronously
      await frame.evaluate(() => window.scrollTo(0, 0));
      await sleep(300);
      const first = await wb.screenshot(`first-viewport-${t.tag}`);
      ctx.publishScreenshot(first, `first-viewport-${t.tag}.png`);
      const measured = await contrastOf(frame, CONTRAST);
      const worst = measured.reduce((a, m) => (m.ratio < a.ratio ? m : a), { ratio: Infinity });
      ctx.log(`  ${t.tag}: ${measured.length} text elements, lowest contrast ${worst.ratio}:1 ("${worst.text}" ${worst.fg} on ${worst.bg})`);
      for (const m of measured.filter((x) => !x.ok)) lowContrast.push(`${t.tag}: "${m.text}" ${m.fg} on ${m.bg} = ${m.ratio}:1 (AA ${m.large ? 3 : 4.5})`);
      expect(measured.some((m) => /Certified|Not optimal|Inconclusive/.test(m.text)), `${t.tag}: the verdict text was measured`);
      await plot.scrollIntoViewIfNeeded();
      await sleep(300);
      const p = await wb.screenshot(`plot-2d-${t.tag}`);
      ctx.publishScreenshot(p, `plot-2d-${t.tag}.png`);
    }

    // 3. the 2-D plot at m = 3,000: the heaviest neurons as lines, the others as a density
    const lines = await plot.locator('line.neuron-line').count();
    const density = await plot.locator('rect.density-cell').count();
    ctx.log(`  2-D plot: ${lines} neuron lines, ${density} density cells`);
    expect(lines > 0 && lines <= 13 && density > 0, 'the heaviest neurons as lines, the others as a density');

    // 4. plot → row: click the heaviest neuron's line; its row is selected and its detail is in view
    const j = await plot.locator('line.neuron-line').first().getAttribute('data-neuron');
    await plot.locator(`line.neuron-line[data-neuron="${j}"]`).dispatchEvent('click');
    await sleep(500);
    const row = frame.locator(`[data-testid="neuron-row"][data-neuron="${j}"]`);
    expect((await row.getAttribute('aria-selected')) === 'true', `neuron ${j}'s row is selected`);
    const rowBox = await boxInView(frame, `[data-testid="neuron-row"][data-neuron="${j}"]`);
    expect(rowBox.inside, `the selected row is in view (${JSON.stringify(rowBox)})`);
    const detailTop = await frame.locator('tr.detail-row [data-testid="neuron-detail"]').evaluate((e) => e.getBoundingClientRect().top < window.innerHeight);
    expect(detailTop, 'the detail starts in view, under the row');
    await wb.screenshot('plot-to-row');

    // 5. row → detail: click another listed neuron's row (the third); the detail's whole box is in view
    const rows = frame.locator('[data-testid="neuron-row"]');
    const k = await rows.nth(2).getAttribute('data-neuron');
    await rows.nth(2).click();
    await sleep(800);
    const sel = frame.locator(`[data-testid="neuron-row"][data-neuron="${k}"]`);
    expect((await sel.getAttribute('aria-selected')) === 'true', `neuron ${k}'s row is selected after its click`);
    const detail = await boxInView(frame, 'tr.detail-row [data-testid="neuron-detail"]');
    ctx.log(`  row ${k} → detail box ${detail.top}–${detail.bottom} px (viewport ${detail.viewport} px)`);
    expect(detail.inside, `the clicked row's detail lies inside the viewport (box ${detail.top}–${detail.bottom} px of ${detail.viewport})`);
    const shot = await wb.screenshot('row-detail');
    ctx.publishScreenshot(shot, 'row-detail.png');

    // last, so that a contrast failure does not hide what the steps above check
    expect(!lowContrast.length, `WCAG AA contrast: ${lowContrast.join('; ')}`);
  },
};
