// The panel's glossary: every term a user sees, in the words of MATH.md (its notation and its
// glossary of names), one sentence each. `term()` shows a term with its explanation on hover and on
// keyboard focus, so nothing on screen is left unexplained.
import { el, type Child } from './dom';

export const GLOSSARY = {
  'P(θ)': 'The training objective of the weights as given: loss + β/2 · (sum of squared weights). The verdict is about this number (MATH.md §1).',
  'P*': 'The best objective any two-layer ReLU network of any width can reach on this data with this β (MATH.md §2).',
  'P* interval': 'Where P* lies: from a proven lower bound (the dual bound) to the objective of the best network found.',
  gap: 'How far P(θ) can be above P*, at most: P(θ) minus the dual bound, as a share of P(θ).',
  tolerance: 'The gap below which a network counts as optimal (setting reluLens.tolerance, default 0.01%).',
  P_bal: 'The objective after rebalancing every neuron (‖ũ_j‖ = ‖v_j‖) and dropping dead ones: same predictions, never higher.',
  'dual bound': 'A proven lower bound on P*, from a dual-feasible point checked against a sound upper bound of the oracle (MATH.md §2–3).',
  β: 'The weight-decay strength in P(θ), derived from the training settings (e.g. n·c·wd/2 for PyTorch MSELoss(mean)).',
  'implied β': 'The β at which this network would be stationary: ⟨R, F⟩ / Σ‖ũ_j‖‖v_j‖. Far from β means the declared β is wrong or training did not converge.',
  oracle:
    'The computation of M(Λ) = max over unit u of ‖Λᵀ(X̃u)₊‖ — the largest response any single new neuron could have. Exact when every activation pattern was checked.',
  'activation pattern': 'Which samples a neuron is active on (x̃ᵢᵀu > 0). Finitely many exist; checking them all makes the oracle exact.',
  witness: 'A concrete network with a lower objective, recomputed from its weights: the proof of "not optimal".',
  rebalance: 'Scaling a neuron’s input weights by α and output weights by 1/α: same predictions, and the penalty is smallest when ‖ũ_j‖ = ‖v_j‖.',
  contribution: 'A neuron’s share of the penalty, ‖ũ_j‖·‖v_j‖ (times β). Neurons are sorted by it.',
  negligible: 'A neuron whose contribution is below the negligible threshold relative to the largest one: it changes the predictions by almost nothing.',
  dead: 'A neuron that outputs zero on every sample, or has zero output weights: weight decay drives it to zero.',
  '‖ũ_j‖': 'Norm of neuron j’s input weights u_j (with its bias when the hidden bias is decayed).',
  '‖v_j‖': 'Norm of neuron j’s output weights v_j.',
  v_j: 'Neuron j’s output weight(s).',
  '|S_j|': 'How many samples neuron j is active on (x̃ᵢᵀũ_j > 0).',
  'dual score':
    '|Rᵀ(X̃ũ_j)₊| / (β‖ũ_j‖): 1 for a neuron of an optimal network, above 1 where a better neuron exists, well below 1 for a neuron that carries no optimal weight.',
  alignment: 'cos(ũ_j, sign(v_j)·Π_K(X̃ᵀD_jR)): 1 when the neuron points where the gradient wants it (stationarity).',
  'extreme point': 'Dual score and alignment both ≈ 1: the neuron is one an optimal network would use (MATH.md §6).',
  duplicate: 'Neurons with the same activation pattern and output sign: an optimal network merges them into one.',
  'optimal match': 'The neuron of the optimal network with the closest direction (cosine of the two directions).',
  'dual point': 'The dual variable Λ whose bound proves the lower end of the P* interval.',
  'optimal network':
    'The network of P*, from the exact convex program over activation patterns (MATH.md §4), or the best network found when it was not solved exactly.',
  'hidden bias': 'Whether the hidden layer’s bias b1 was weight-decayed in training (decayed) or not (free).',
  'output bias': 'Whether the output bias b2 was weight-decayed in training (decayed) or not (free).',
  P_own: 'The best objective with this network’s own activation patterns: training longer can reach it without new neurons (MATH.md §7).',
  'missing neuron': 'The direction the oracle found in which a new neuron lowers the objective, and that the network’s own patterns cannot produce.',
  'auto-encoder reading': 'The neuron written as a combination of training samples: u ∝ Σ αᵢ(xᵢ − x_k), b = −x_kᵀu (MATH.md §6).',
  kink: 'Where a neuron switches on: u·x + b = 0 (a point in 1-D, a line in 2-D).',
} as const;

export type Term = keyof typeof GLOSSARY;

/** A term with its explanation on hover (title) and for keyboard and screen-reader users. */
export function term(key: Term, label: Child = key): HTMLElement {
  return el('span', { class: 'term', title: GLOSSARY[key], tabindex: 0, 'data-term': key }, label);
}
