/**
 * The one wall-clock stop left in the engine (results otherwise depend only on work budgets): every
 * solver that hits the safety time limit says so with this reason, so a machine-dependent result is
 * never silent. A leaf module so certify/, convex/ and analysis/ can all name it without a cycle.
 */
export const SAFETY_STOP_REASON = 'safety time limit (wall clock): the result depends on machine speed';

/** A search's stop on request (the cancellation of a front end). */
export const STOPPED_ON_REQUEST = 'stopped on request';

/**
 * The outer stops of a loop budgeted in work (the optimum searches' column generation), checked
 * before each round: a request to stop, then the wall-clock safety limit. The stop's reason, or null.
 */
export function outerStop(shouldStop: (() => boolean) | undefined, t0: number, budgetMs: number): string | null {
  if (shouldStop?.()) return STOPPED_ON_REQUEST;
  if (performance.now() - t0 > budgetMs) return `${SAFETY_STOP_REASON} (${Math.round(budgetMs)} ms)`;
  return null;
}

/** The reason, with the safety limit added when the clock ran past it inside a round (solvers there stop only at the deadline). */
export function withSafetyNote(stopReason: string, t0: number, budgetMs: number): string {
  return performance.now() - t0 > budgetMs && !stopReason.startsWith(SAFETY_STOP_REASON) ? `${stopReason}; ${SAFETY_STOP_REASON}` : stopReason;
}
