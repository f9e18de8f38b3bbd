/**
 * The one wall-clock stop left in the engine (results otherwise depend only on work budgets): every
 * solver that hits the safety time limit says so with this reason, so a machine-dependent result is
 * never silent. A leaf module so certify/, convex/ and analysis/ can all name it without a cycle.
 */
export const SAFETY_STOP_REASON = 'safety time limit (wall clock): the result depends on machine speed';
