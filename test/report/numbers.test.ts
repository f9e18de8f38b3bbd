/**
 * The shared number formatting (issue #18 item 2): gaps and tolerances in one unit (%), P*
 * intervals with enough significant digits that the printed ends, read back, show the width, and
 * one percentage formatter for the certificate's summaries, the CLI, the reports and the panel.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fmt, fmtIn, fmtInterval, fmtTerm, gapVsTolerance, optimumTitle, pct, pctIn, safeLocale, thousands } from '../../src/core/format/numbers';
import { pct as verdictPct } from '../../src/core/certify/verdict';
import { makeRng } from '../../src/core/random';

test('one percentage formatter: the summaries use the report/CLI one', () => {
  assert.equal(verdictPct, pct);
  assert.equal(pct(8.7e-5), '0.0087%');
  assert.equal(pct(1e-4), '0.01%');
  assert.equal(pct(0.991), '99%');
  assert.equal(pct(1.1e-9), '1.1e-7%');
});

test('gap and tolerance in the same unit; the comparison sign follows the numbers', () => {
  assert.equal(gapVsTolerance({ verdict: 'certified', relGap: 6.3e-5, tol: 1e-4 }), 'gap 0.0063% ≤ tolerance 0.01%');
  assert.equal(gapVsTolerance({ verdict: 'inconclusive', relGap: 3e-3, tol: 1e-4 }), 'gap 0.3% > tolerance 0.01%');
  assert.ok(!/e-4(?!%)/.test(gapVsTolerance({ verdict: 'certified', relGap: 0, tol: 1e-4 })));
});

test('P* intervals: the printed ends, read back, give the width to two significant digits', () => {
  const rng = makeRng(3);
  for (let k = 0; k < 500; k++) {
    const lo = (rng() - 0.3) * 10 ** Math.floor(rng() * 8 - 3);
    const width = Math.abs(lo) * 10 ** -(1 + rng() * 12) + Number.MIN_VALUE;
    const hi = lo + width;
    if (!(hi > lo)) continue;
    const m = /^\[(.+), (.+)\]$/.exec(fmtInterval(lo, hi))!;
    const w = Number(m[2]) - Number(m[1]);
    // 15 significant digits at most (float64's reliable ones): a narrower width is not asked for
    if (width / Math.abs(lo) < 1e-13) continue;
    assert.ok(Math.abs(w - width) <= 0.06 * width, `[${lo}, ${hi}] printed ${m[0]}: width ${w} vs ${width}`);
  }
  assert.equal(fmtInterval(2.58143, 2.58143), '[2.58143, 2.58143]');
});

test('a locale changes the decimal sign, never the digits', () => {
  assert.equal(fmtIn('de-DE', 2.581369803, 10), '2,581369803');
  assert.equal(fmtIn('de-DE', 1.5e-9, 3), '1,5e-9');
  assert.equal(fmtIn(undefined, 2.581369803, 4), '2.581');
  assert.equal(pctIn('fr-FR', 8.7e-5), '0,0087%');
  // below 0.0001% too: pct's exponent digits, the locale's decimal sign
  assert.equal(pct(1.1e-9), '1.1e-7%');
  assert.equal(pctIn('de-DE', 1.1e-9), '1,1e-7%');
  assert.equal(pctIn('en', 1.1e-9), pct(1.1e-9));
  // a malformed tag (a settings file is user input) gives the plain digits, not an exception
  assert.equal(safeLocale('not a locale!'), undefined);
});

test('a certified result is never called unproven', () => {
  for (const o of [{ exact: false, stopReason: 'certified' }, { exact: false, stopReason: 'iteration limit (300) reached' }, { exact: true }])
    assert.doesNotMatch(optimumTitle(o, 'certified'), /not proven|witness/i);
  assert.match(optimumTitle({ exact: false }, 'inconclusive'), /witness/);
});

test("a β derivation's terms: fmt's digits, five in an exponent (the scripts' expected diagnostics hold them)", () => {
  assert.equal(fmtTerm(1e-4), '1.0000e-4');
  assert.equal(fmtTerm(2.5e6), '2.5000e+6');
  assert.equal(fmtTerm(0.00125), fmt(0.00125));
  assert.equal(fmtTerm(1 / 3), '0.333333');
  assert.equal(fmtTerm(0), '0');
  // read back, a term is the number to its printed digits
  for (const x of [3e-4, 7.123456789e-9, 123456.789, 4.2e7]) assert.ok(Math.abs(Number(fmtTerm(x)) - x) <= 5e-5 * Math.abs(x), `${x} → ${fmtTerm(x)}`);
});

test("counts print as Intl's en-US grouping does, without loading Intl", () => {
  const rng = makeRng(7);
  const samples = [0, 7, 999, 1000, 65536, 1e6, -1234567, Number.MAX_SAFE_INTEGER, 666666.67];
  for (let i = 0; i < 200; i++) samples.push(Math.floor(rng() * 10 ** Math.floor(rng() * 16)));
  for (const n of samples) assert.equal(thousands(n), n.toLocaleString('en-US'), String(n));
});
