/**
 * The warning when the implied β (MATH.md §3.8) disagrees with the declared one, shared by the
 * squared-loss and the classification certificates. A negative implied β is no training artefact:
 * at a stationary point ⟨R, F − 1b2ᵀ⟩ = β·Σ‖ũ_j‖‖v_j‖ ≥ 0, so a negative value means the network's
 * output points away from the residual on these data — most often the data, their preprocessing
 * or the loss differ from training's (or training is far from done), and the message says so.
 */
import { fmt } from './verdict';
import { type FrontEnd, LOSS_CONTROL } from '../format/lossControl';

/**
 * What a negative implied β asks the user to check: the long warning and the short note say it alike.
 * The warning joins the result's warnings in core, read by every front end, so it names no control;
 * the note is worded by each front end and names its own (format/lossControl.ts).
 */
const checkData = (fe?: FrontEnd) =>
  `the data and its preprocessing (the file training used, feature order and scaling, labels encoded as in training) and the loss${fe ? ` (${LOSS_CONTROL[fe]})` : ' training used'}`;
const MISMATCH = 'the declared β is wrong or training did not converge';

/** `formula`: how the implied β was computed, as shown to the user; null when nothing to say. */
export function impliedBetaWarning(implied: number | null, beta: number, relMismatch: number, formula: string): string | null {
  if (implied === null) return null;
  if (implied < 0)
    return (
      `Implied β = ${formula} = ${fmt(implied)} is negative, which no network trained to a stationary point on these data with this loss has (there it is ≥ 0). ` +
      `Check ${checkData()}; the verdict below is about these data as given.`
    );
  if (Math.abs(implied - beta) <= relMismatch * beta) return null;
  return `Implied β = ${formula} = ${fmt(implied)} differs from the declared β = ${fmt(beta)} by more than ` + `${relMismatch * 100}%: either ${MISMATCH}.`;
}

/**
 * The note beside a printed "implied β = …" (`mismatch`: the result's impliedBetaMismatch), in front
 * end `fe`'s words; null when there is nothing to say. A negative value gets its own advice, never
 * the generic mismatch.
 */
export function impliedBetaNote(implied: number | null, mismatch: boolean, fe: FrontEnd): string | null {
  if (implied !== null && implied < 0) return `negative, which no stationary point has: check ${checkData(fe)}`;
  return mismatch ? `differs from β: ${MISMATCH}` : null;
}
