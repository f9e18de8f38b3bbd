// Numbers and plain words for the panel. Numbers have the CLI's digits (src/core/report/numbers.ts
// decides how many and when to switch to an exponent) written the way the user's locale writes them
// (VS Code's display language, which the host puts in <html lang>), so a value reads the same as in
// the CLI apart from the decimal sign.
import { fmtIn, pctIn } from '../src/core/format/numbers';
import type { SettingSource } from '../src/protocol/panel';

let locale = 'en';

/** The user's locale, from <html lang> (set by the host) — falls back to English for an unknown tag. */
export function setLocale(tag: string | null | undefined): void {
  let next = 'en';
  try {
    next = tag ? (Intl.NumberFormat.supportedLocalesOf([tag])[0] ?? 'en') : 'en';
  } catch {
    next = 'en';
  }
  locale = next;
}

export const currentLocale = () => locale;

/** The CLI's number (same digits, same exponent rule), in the user's locale. */
export const fmt = (x: number | null | undefined, digits = 6): string => fmtIn(locale, x, digits);

/** A count as the user's locale writes it (3,000 / 3.000 / 3 000). */
export function int(n: number): string {
  return new Intl.NumberFormat(locale, { maximumFractionDigits: 0 }).format(n);
}

/** A date and time as the user's locale writes it. */
export function when(iso: string | undefined): string | null {
  const t = iso ? new Date(iso) : null;
  if (!t || Number.isNaN(t.getTime())) return null;
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(t);
}

/** Percentages for reading: 0.003%, 2.8%, and only below 0.0001% an exponent. */
export const pct = (rel: number): string => pctIn(locale, rel);

export type Verdict = 'certified' | 'not-optimal' | 'inconclusive';

export const VERDICT_LABEL: Record<string, string> = {
  certified: 'Certified',
  'not-optimal': 'Not optimal',
  inconclusive: 'Inconclusive',
};

/** A glyph beside the colour, so the verdict does not depend on colour vision. */
export const VERDICT_GLYPH: Record<string, string> = { certified: '✓', 'not-optimal': '✗', inconclusive: '?' };

/** Tolerances as the user typed them: 1e-4, not 0.0001. */
export function sci(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return fmt(x);
  if (x === 0) return '0';
  const e = Math.floor(Math.log10(Math.abs(x)));
  const mant = x / 10 ** e;
  const mi = Math.round(mant);
  return e < -2 && Math.abs(mant - mi) < 1e-9 ? `${mi}e${e}` : fmt(x, 3);
}

export function ms(t: number | undefined): string {
  if (t === undefined || !Number.isFinite(t)) return '—';
  return t < 1000 ? `${Math.round(t)} ms` : `${(t / 1000).toFixed(t < 10_000 ? 2 : 1)} s`;
}

export const SOURCE_LABEL: Record<SettingSource, string> = {
  'config-file': 'settings file',
  'training-script': 'training script',
  'user-prompt': 'you entered it',
  default: 'default',
  'cli-flag': 'command line',
};

/** Stage names the engine reports (shared-names.md), in order, with the words the panel shows. */
export const STAGES: [string, string][] = [
  ['reading', 'Reading model and data'],
  ['validate', 'Checking the network'],
  ['objective', 'Objective P(θ) and P_bal'],
  ['oracle', 'Oracle M(Λ)'],
  ['patterns', 'Activation patterns'],
  ['closed-form', 'Closed forms'],
  ['witness', 'Better network (witness)'],
  ['column-generation', 'Column generation'],
  ['optimum', 'Optimal network'],
  ['interpretation', 'Neuron readings'],
  ['diagnosis', 'Diagnosis'],
  ['geometry', 'Training geometry'],
];

export function stageLabel(name: string): string {
  return STAGES.find(([k]) => k === name)?.[1] ?? name;
}

/** "0.12, −0.5, … (8 values)" — weight vectors in one line. */
export function vec(v: ArrayLike<number> | null | undefined, max = 6): string {
  if (!v) return '—';
  const a = Array.from(v);
  if (a.length === 1) return fmt(a[0], 4);
  const shown = a
    .slice(0, max)
    .map((x) => fmt(x, 4))
    .join(', ');
  return a.length > max ? `(${shown}, … ${a.length} values)` : `(${shown})`;
}
