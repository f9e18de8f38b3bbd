/**
 * What would settle an inconclusive verdict (the result's `inconclusiveReason.steps`, kinds set in
 * core): raise a work budget or change the tolerance. As for the safety limit (safetyLimit.ts), core
 * names no front end's control; each front end words the steps with its own — the CLI its flag, the
 * editor its reluLens.* setting (package.json contributes.configuration), the report both.
 */
import type { SettleStep } from '../certify/types';
import { fmt, thousands } from '../format/numbers';
import type { SafetyLimitFrontEnd } from './safetyLimit';

export type FrontEnd = SafetyLimitFrontEnd;

interface Control {
  cli: string;
  editor: string;
  report: string;
  /** said in the editor when it has no setting for the budget (the interactive run uses a fixed one) */
  editorNote?: string;
}

const COMMAND_LINE_ONLY = ' The editor runs a fixed interactive budget; `relu-lens certify` on the command line takes a larger one.';

/** How each front end spells the control behind each step. */
export const SETTLE_CONTROL: Record<'patternBudget' | 'nodeBudget' | 'maxIterations' | 'solverIterations' | 'tol', Control> = {
  patternBudget: {
    cli: '--pattern-budget',
    editor: 'the setting reluLens.patternBudget',
    report: '--pattern-budget (CLI) or reluLens.patternBudget (editor)',
  },
  nodeBudget: {
    cli: '--node-budget',
    editor: 'the setting reluLens.oracleNodeBudget',
    report: '--node-budget (CLI) or reluLens.oracleNodeBudget (editor)',
  },
  maxIterations: {
    cli: '--max-iterations',
    editor: 'the dual refinement’s iteration budget',
    report: '--max-iterations (CLI)',
    editorNote: COMMAND_LINE_ONLY,
  },
  solverIterations: {
    cli: '--solver-iterations',
    editor: 'the restricted solver’s iteration budget',
    report: '--solver-iterations (CLI)',
    editorNote: COMMAND_LINE_ONLY,
  },
  tol: {
    cli: '--tol',
    editor: 'the setting reluLens.tolerance, or "tol" in .vscode/relu-lens.json',
    report: '--tol (CLI) or reluLens.tolerance (editor)',
  },
};

/** One step as a sentence in a front end's words. */
export function settleStepText(step: SettleStep, fe: FrontEnd): string {
  const raise = (c: Control, now: number, why: string) => `Raise ${c[fe]} (now ${thousands(now)})${why}.${fe === 'editor' ? (c.editorNote ?? '') : ''}`;
  const C = SETTLE_CONTROL;
  switch (step.kind) {
    case 'raise-pattern-budget':
      return raise(C.patternBudget, step.now, ' so the oracle can enumerate the activation patterns exactly');
    case 'raise-node-budget':
      // `now` is the nodes of the loose call, which may exceed the setting (the optimum's final call): the target, not the setting's value
      return `Raise ${C.nodeBudget[fe]} above ${thousands(step.now)} (the nodes of the oracle call whose bound is loose) so the global search tightens M̄.`;
    case 'allow-iterations':
      return raise(C.maxIterations, step.now, ' so column generation can improve the dual bound');
    case 'raise-iterations':
      return raise(C.maxIterations, step.now, '');
    case 'raise-solver-iterations':
      return raise(C.solverIterations, step.now, ' so the restricted problems are solved to their tolerance');
    case 'tol-would-certify':
      return `A tolerance of ${fmt(step.tol)} (${C.tol[fe]}) would certify it.`;
    case 'tol-would-decide':
      return `A tolerance of ${fmt(step.tol)} (${C.tol[fe]}) would decide.`;
  }
}

/** All steps of a result, one sentence each; null when there are none (or the verdict is decided). */
export function settleStepsText(reason: { steps?: SettleStep[] } | null | undefined, fe: FrontEnd): string | null {
  const steps = reason?.steps ?? [];
  return steps.length ? steps.map((s) => settleStepText(s, fe)).join(' ') : null;
}
