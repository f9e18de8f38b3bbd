/** Number formatting shared by the CLI, the reports and the panel. */
export function fmt(x: number | null | undefined, digits = 6): string {
  if (x === null || x === undefined) return '—';
  if (!Number.isFinite(x)) return x > 0 ? '∞' : x < 0 ? '−∞' : 'NaN';
  if (x === 0) return '0';
  const a = Math.abs(x);
  return a >= 1e-3 && a < 1e6 ? Number(x.toPrecision(digits)).toString() : x.toExponential(digits - 1);
}

export function pct(rel: number): string {
  if (!Number.isFinite(rel)) return '—';
  const p = rel * 100;
  return p === 0 ? '0%' : p >= 0.01 ? `${Number(p.toPrecision(3))}%` : `${p.toExponential(1)}%`;
}

export const VERDICT_TITLE: Record<string, string> = {
  certified: 'CERTIFIED globally optimal',
  'not-optimal': 'NOT OPTIMAL — a better network exists',
  inconclusive: 'INCONCLUSIVE',
};
