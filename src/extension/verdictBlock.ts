/**
 * The verdict block the worker sends as soon as the certificate has it (#18 item 2): the very
 * fields of the certificate's JSON (nothing recomputed, so the early and the final view cannot
 * disagree on how a number is computed), without the neuron table and the witness' weights.
 */
import type { CertificateJson } from '../core/report/json';
import { VERDICT_BLOCK_KEYS, type VerdictBlock } from '../protocol/panel';

export function verdictBlock(c: CertificateJson): VerdictBlock {
  const out = Object.fromEntries(VERDICT_BLOCK_KEYS.map((k) => [k, c[k]])) as Omit<VerdictBlock, 'witness'>;
  return { ...out, witness: c.witness ? { kind: c.witness.kind, objective: c.witness.objective } : null };
}
