/**
 * The settings a script diagnostic asks the user to certify with (the loss, scikit-learn's alpha,
 * the bias modes), worded per front end. Core's lint (src/core/python) states what it read and
 * attaches these as data; the CLI's `lint` names its flags and the editor its settings, as
 * format/lossControl.ts does for the loss advice of an analysis.
 */
import type { FrontEnd } from './lossControl';

export type CertifySetting = 'loss' | 'sklearnAlpha' | 'hiddenBias' | 'outputBias';
export interface CertifyControl {
  setting: CertifySetting;
  value: string;
}

const FLAG: Record<CertifySetting, string> = { loss: '--loss', sklearnAlpha: '--sklearn-alpha', hiddenBias: '--hidden-bias', outputBias: '--output-bias' };
/** The loss has no reluLens.* setting: it lives in the model's entry of .vscode/relu-lens.json. */
const EDITOR: Record<CertifySetting, (v: string) => string> = {
  loss: (v) => `"loss": "${v}" in .vscode/relu-lens.json`,
  sklearnAlpha: (v) => `reluLens.sklearnAlpha = ${v}`,
  hiddenBias: (v) => `reluLens.hiddenBias = "${v}"`,
  outputBias: (v) => `reluLens.outputBias = "${v}"`,
};

/** The sentence appended to a diagnostic's message; empty without controls. */
export function certifyWithWords(fe: FrontEnd, controls: readonly CertifyControl[] | undefined): string {
  if (!controls?.length) return '';
  const cli = controls.map((c) => `${FLAG[c.setting]} ${c.value}`).join(' ');
  const editor = controls.map((c) => EDITOR[c.setting](c.value)).join(' and ');
  const words = fe === 'cli' ? cli : fe === 'editor' ? editor : `${cli} (CLI) or ${editor} (editor)`;
  return ` Certify with ${words}.`;
}

/** scikit-learn, and torch optimizers that exclude biases from weight decay. */
export const FREE_BIASES: readonly CertifyControl[] = [
  { setting: 'hiddenBias', value: 'free' },
  { setting: 'outputBias', value: 'free' },
];
