/**
 * How each front end spells the control that names the training loss (MATH.md §8), for the advice
 * that asks the user to check or change it: a negative implied β's note (certify/impliedBetaText.ts)
 * and a label-shape refusal with code 'loss' (analysis/loss.ts lossHint). As for the safety limit
 * (report/safetyLimit.ts), core names no front end's control: the CLI its flag, the editor the model's
 * "loss" in .vscode/relu-lens.json (there is no reluLens.* setting for it), the report both.
 */
/** Who words the advice (the same keys as report/safetyLimit.ts and report/settleSteps.ts). */
export type FrontEnd = 'cli' | 'editor' | 'report';

export const LOSS_CONTROL: Record<FrontEnd, string> = {
  cli: '--loss',
  editor: 'the model’s "loss" in .vscode/relu-lens.json',
  report: '--loss (CLI) or "loss" in .vscode/relu-lens.json (editor)',
};

/**
 * The sentence a front end appends to a refusal with code 'loss' (the refusal itself, raised in
 * core, says which loss the labels were read for and which losses there are).
 */
export function lossChoiceAdvice(fe: FrontEnd): string {
  return ` Name the loss training used with ${LOSS_CONTROL[fe]}.`;
}

/**
 * How to change a loss core chose (from the output head or by default), for the line that shows the
 * loss and its reason; empty when the user named the loss.
 */
export function lossOverride(fe: FrontEnd, source: 'head' | 'user' | 'default'): string {
  return source === 'user' ? '' : `override with ${LOSS_CONTROL[fe]}`;
}
