// Numbers and plain words for the panel. The numbers use the same formatter as the CLI and the
// reports (src/core/report/numbers.ts), so a value reads identically everywhere.
import { fmt } from '../src/core/report/numbers';
import type { AnalysisJson } from '../src/core/analysis/types';
import type { SettingSource } from '../src/extension/panelProtocol';

export { fmt };

/** Percentages for reading: 0.003%, 2.8%, and only below 0.0001% an exponent. */
export function pct(rel: number): string {
  if (!Number.isFinite(rel)) return '—';
  const p = rel * 100;
  if (p === 0) return '0%';
  return Math.abs(p) >= 1e-4 ? `${Number(p.toPrecision(2))}%` : `${p.toExponential(1)}%`;
}

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

/** The better network's objective: the optimum/witness of §4 when computed, else the certificate's witness. */
export function betterObjective(r: AnalysisJson): number | null {
  const cands = [r.optimum?.value, r.witness?.objective].filter((v): v is number => typeof v === 'number');
  return cands.length ? Math.min(...cands) : null;
}

/** The one sentence under the verdict (issue #5 wording). */
export function plainVerdict(r: AnalysisJson): string {
  const [lo, hi] = r.pstarInterval;
  if (r.verdict === 'certified') {
    return r.gap <= 0
      ? 'The network is a globally optimal two-layer ReLU network of any width for this data and weight decay (to rounding).'
      : `The network is within ${pct(r.relGap)} of the best two-layer ReLU network of any width for this data and weight decay.`;
  }
  if (r.verdict === 'not-optimal' && r.witness?.kind === 'rebalance/prune' && !(r.optimum && r.optimum.value < r.witness.objective)) return r.summary;
  if (r.verdict === 'not-optimal') {
    const w = betterObjective(r) ?? hi;
    const P = r.primalAsTrained;
    return (
      `A better network exists: one with objective ${fmt(w)}, ${pct((P - w) / P)} below this network's ${fmt(P)}. ` +
      `The best possible objective P* lies in [${fmt(lo)}, ${fmt(hi)}].`
    );
  }
  return (
    `Neither proven: P* lies in [${fmt(lo)}, ${fmt(hi)}] and this network's objective is ${fmt(r.primalAsTrained)}. ` +
    `The proven gap (${pct(r.relGap)} of the objective) exceeds the tolerance ${sci(r.tol)}, ` +
    `yet no network better by more than the tolerance was found.`
  );
}

/** Why an everyday answer is what it is, and what to do (MATH.md §10). Null when nothing to add. */
export function explainVerdict(r: AnalysisJson): string | null {
  if (r.verdict === 'inconclusive') {
    const oracle = r.oracle.exact
      ? ''
      : ' Here the oracle only bounded M(Λ) (it was not computed exactly), which loosens the bound further.';
    return (
      `"Inconclusive at ${sci(r.tol)}" is an everyday answer: gradient descent rarely gets closer than about 1e-5 (1-D data) ` +
      `to 1e-2 (2-D data) of the optimum, and a dual bound built from the residual shrinks only like the square root of the true gap.${oracle} ` +
      `To settle it: train longer, raise the tolerance, or allow a larger pattern or time budget.`
    );
  }
  if (r.verdict === 'not-optimal') {
    const w = betterObjective(r);
    const rel = w === null ? null : (r.primalAsTrained - w) / r.primalAsTrained;
    if (r.witness?.kind === 'rebalance/prune' && w === r.witness.objective)
      return 'Training had not converged: weight decay drives dead neurons to zero and balances ‖ũ_j‖ = ‖v_j‖ at every stationary point. Export the rebalanced network below (same predictions), or train longer.';
    if (rel !== null && rel < 1e-2)
      return (
        `"Not optimal by ${pct(rel)}" is an everyday answer: training typically stalls this close to the optimum. ` +
        `Train longer (a final full-batch L-BFGS run helps) or export the better network below.`
      );
    return 'The gap is large. The Diagnosis section says whether training was stopped early or is stuck at a spurious stationary point, and which neuron is missing.';
  }
  if (r.verdict === 'certified')
    return `A dual point (${r.dualPoint}) proves that no two-layer ReLU network of any width has objective below ${fmt(r.dualBound)}.`;
  return null;
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
  const shown = a.slice(0, max).map((x) => fmt(x, 4)).join(', ');
  return a.length > max ? `(${shown}, … ${a.length} values)` : `(${shown})`;
}
