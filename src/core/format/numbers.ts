/** Number formatting shared by the CLI, the reports and the panel. */
export function fmt(x: number | null | undefined, digits = 6): string {
  if (x === null || x === undefined) return '—';
  if (!Number.isFinite(x)) return x > 0 ? '∞' : x < 0 ? '−∞' : 'NaN';
  if (x === 0) return '0';
  const a = Math.abs(x);
  return a >= 1e-3 && a < 1e6 ? Number(x.toPrecision(digits)).toString() : x.toExponential(digits - 1);
}

/**
 * A term of a β derivation ("β = n·c·wd/2 = 200·1·1.0000e-4/2"): fmt's six digits, five in an
 * exponent — the derivations' established text, which the scripts' expected diagnostics hold.
 */
export function fmtTerm(x: number): string {
  const a = Math.abs(x);
  return Number.isFinite(x) && x !== 0 && (a < 1e-3 || a >= 1e6) ? x.toExponential(4) : fmt(x);
}

/**
 * A count with thousands separators ("1,000,000"), as toLocaleString('en-US') writes it, without
 * loading Intl's locale data on the CLI's path (≈25 ms of a 0.7 s certificate).
 */
export function thousands(n: number): string {
  if (!Number.isSafeInteger(n)) return n.toLocaleString('en-US');
  const s = Math.abs(n)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return n < 0 ? `-${s}` : s;
}

/**
 * A ratio as a percentage — the one unit for gaps and tolerances everywhere (the verdict compares
 * them): 0.0087%, 2.8%, 0.01%; only below 0.0001% an exponent. Two significant digits.
 */
export function pct(rel: number): string {
  if (!Number.isFinite(rel)) return '—';
  const p = rel * 100;
  if (p === 0) return '0%';
  return Math.abs(p) >= 1e-4 ? `${Number(p.toPrecision(2))}%` : `${p.toExponential(1)}%`;
}

/** Significant digits an interval needs so its width shows with two digits of its own (at most 15, float64's reliable digits). */
export function intervalDigits(lo: number, hi: number, min = 6): number {
  const scale = Math.max(Math.abs(lo), Math.abs(hi));
  const width = hi - lo;
  if (!Number.isFinite(scale) || !Number.isFinite(width) || scale === 0 || width <= 0) return min;
  return Math.min(15, Math.max(min, Math.ceil(Math.log10(scale / width)) + 2));
}

/** fmt() with exactly `digits` significant digits, trailing zeros kept (interval ends line up). */
export function fmtFixed(x: number, digits: number): string {
  if (!Number.isFinite(x) || x === 0) return fmt(x, digits);
  const a = Math.abs(x);
  return a >= 1e-3 && a < 1e6 ? x.toPrecision(digits) : x.toExponential(digits - 1);
}

/**
 * P* ∈ [lo, hi] with enough digits that the width shows: "[2.581370, 2.581435]" (trailing zeros
 * kept once more than the default 6 digits are needed, so the ends line up), "[1.2, 1.5]".
 */
export function fmtInterval(
  lo: number,
  hi: number,
  f: (x: number, digits: number, fixed: boolean) => string = (x, dg, fixed) => (fixed ? fmtFixed(x, dg) : fmt(x, dg)),
): string {
  const dg = intervalDigits(lo, hi);
  return `[${f(lo, dg, dg > 6)}, ${f(hi, dg, dg > 6)}]`;
}

/** A locale tag Intl knows, or undefined (an unknown or malformed tag falls back to the plain digits). */
export function safeLocale(tag: string | undefined): string | undefined {
  if (!tag) return undefined;
  try {
    return Intl.NumberFormat.supportedLocalesOf([tag])[0];
  } catch {
    return undefined;
  }
}

const formats = new Map<string, Intl.NumberFormat>();
/** Intl formatters are costly to build and a report formats thousands of numbers: one per (locale, digits). */
function numberFormat(locale: string, digits: number, fixed: boolean): Intl.NumberFormat {
  const key = `${locale}|${digits}|${fixed}`;
  let nf = formats.get(key);
  if (!nf)
    formats.set(
      key,
      (nf = new Intl.NumberFormat(locale, { maximumSignificantDigits: digits, ...(fixed ? { minimumSignificantDigits: digits } : {}), useGrouping: false })),
    );
  return nf;
}

/**
 * A number in a locale (reports with an explicit locale option): the same significant digits and
 * exponent rule as fmt(), the decimal sign of the locale. Without a locale: fmt() itself.
 */
export function fmtIn(locale: string | undefined, x: number | null | undefined, digits = 6, fixed = false): string {
  const s = fixed && typeof x === 'number' ? fmtFixed(x, digits) : fmt(x, digits);
  if (!locale || x === null || x === undefined || !Number.isFinite(x) || x === 0) return s;
  const nf = numberFormat(locale, digits, fixed);
  const e = s.indexOf('e');
  return e < 0 ? nf.format(x) : `${nf.format(Number(s.slice(0, e)))}e${s.slice(e + 1)}`;
}

/** pct() in a locale (below 0.0001%: the mantissa in the locale, as fmtIn writes it). */
export function pctIn(locale: string | undefined, rel: number): string {
  const s = pct(rel);
  if (!locale || !Number.isFinite(rel) || rel === 0) return s;
  return s.includes('e') ? `${fmtIn(locale, rel * 100, 2)}%` : `${numberFormat(locale, 2, false).format(rel * 100)}%`;
}

export const VERDICT_TITLE: Record<string, string> = {
  certified: 'CERTIFIED globally optimal',
  'not-optimal': 'NOT OPTIMAL — a better network exists',
  inconclusive: 'INCONCLUSIVE',
};

/** How the gap compares with the tolerance, both in %: "gap 0.0087% ≤ tolerance 0.01%". */
export function gapVsTolerance(j: { verdict: string; relGap: number; tol: number }): string {
  // not optimal: a concrete better network decides, not the gap
  if (j.verdict === 'not-optimal') return `tolerance ${pct(j.tol)}`;
  const rel = j.relGap <= j.tol ? '≤' : '>';
  return `gap ${pct(Math.max(0, j.relGap))} ${rel} tolerance ${pct(j.tol)}`;
}

/**
 * The heading of the §4 optimum, worded for the verdict: a certified network that is its own
 * optimum is not called "not proven"; a witness is an upper bound on P*.
 */
export function optimumTitle(o: { exact: boolean; stopReason?: string }, verdict: string): string {
  if (o.exact) return 'Optimal network (P*)';
  if (o.stopReason === 'certified') return 'Optimal within the certified gap: this network, rebalanced';
  if (verdict === 'certified') return 'Best network found (within the certified gap of P*)';
  return 'Best network found (a witness: an upper bound on P*)';
}
