/**
 * What to do when the wall-clock safety limit stopped column generation (the result's
 * `safetyLimit`, a kind set in core): raise the limit or lower the work budgets. Core names no front
 * end's control; each front end passes its own (the CLI's flag, the editor's setting).
 */
import { fmt } from '../format/numbers';

/** How each front end spells the control that raises the limit. */
export const SAFETY_LIMIT_CONTROL = {
  cli: '--time-budget',
  editor: 'the setting reluLens.timeBudgetSeconds',
  report: '--time-budget (CLI) or reluLens.timeBudgetSeconds (editor)',
} as const;

export type SafetyLimitFrontEnd = keyof typeof SAFETY_LIMIT_CONTROL;

/** The advice sentence for a result whose `safetyLimit` is set; null when the limit did not fire. */
export function safetyLimitAdvice(limit: { seconds: number } | null | undefined, frontEnd: SafetyLimitFrontEnd): string | null {
  if (!limit) return null;
  return (
    `The wall-clock safety limit (${fmt(limit.seconds)} s) stopped the search, so these numbers depend on this machine's speed: ` +
    `raise ${SAFETY_LIMIT_CONTROL[frontEnd]} or lower the work budgets to get reproducible numbers.`
  );
}
