// Why training stopped where it did (MATH.md §7) and the training geometry (MATH.md §9).
import type { AnalysisJson } from '../../src/core/report/analysisJson';
import { el, defs, section } from '../dom';
import { fmt, pct, vec } from '../format';
import { angleHistogram } from '../plots/bars';

const KIND: Record<string, string> = {
  optimal: 'Optimal: nothing left to gain',
  'train-longer': 'Train longer: the optimisation did not finish',
  'spurious-stationary-point': 'Spurious stationary point: a neuron is missing',
  both: 'Both: train longer, and a neuron is missing',
  inconclusive: 'Inconclusive',
};

export function renderDiagnosis(r: AnalysisJson): HTMLElement {
  const d = r.diagnosis;
  if (!d) return section('Diagnosis', 'diagnosis', el('p', { class: 'muted' }, 'No diagnosis in this result (the diagnosis step did not run).'));
  const [glo, ghi] = d.landscapeGapInterval;
  const mn = d.missingNeuron;
  const share = (x: number) => (r.primal > 0 ? ` (${pct(x / r.primal)} of P_bal)` : '');
  return section(
    'Diagnosis',
    'diagnosis',
    el('h3', { class: `diagnosis-kind kind-${d.kind}` }, KIND[d.kind] ?? d.kind),
    el('p', { class: 'plain' }, d.text),
    defs([
      ['P_bal', fmt(r.primal), 'this network, rebalanced'],
      ['P_own', fmt(d.pOwn), 'the convex program restricted to this network’s own activation patterns'],
      ['P_bal − P_own', `${fmt(d.trainingGap)}${share(d.trainingGap)}`, 'optimisation not finished: training longer recovers this'],
      [
        'P_own − P*',
        `${fmt(d.landscapeGap)} ∈ [${fmt(glo)}, ${fmt(ghi)}]${share(d.landscapeGap)}`,
        'spurious stationary point: only a new activation pattern (neuron) recovers this',
      ],
    ]),
    mn
      ? el(
          'div',
          { class: 'missing-neuron' },
          el('h4', null, 'The missing neuron (found by the oracle)'),
          defs([
            ['direction u', vec(mn.u)],
            ['bias b', mn.b === null ? '—' : fmt(mn.b, 6)],
            ['output sign', mn.sign > 0 ? '+' : '−'],
            ['output direction', vec(mn.outputDir)],
            ['active samples', String(mn.activeCount)],
            ['violation M/β − 1', fmt(mn.violation, 4), 'how far the dual constraint fails in this direction'],
          ]),
          el(
            'p',
            { class: 'muted' },
            d.kind === 'spurious-stationary-point' || d.kind === 'both'
              ? 'Add this neuron (or restart training with a neuron near it): the objective decreases in its direction, and the network’s own activation patterns cannot produce it.'
              : 'The direction in which the dual constraint is most violated now. The network’s own patterns already reach (almost) P*, so training longer should get there without a restart.',
          ),
        )
      : null,
  );
}

export function renderGeometry(r: AnalysisJson): HTMLElement {
  const g = r.geometry;
  if (!g) return section('Training geometry', 'geometry', el('p', { class: 'muted' }, 'No training-geometry reading in this result.'));
  const a = g.angles;
  const deg = Math.max(a.max, a.median) <= Math.PI + 1e-9 ? 180 / Math.PI : 1;
  const ang = (x: number) => `${(x * deg).toFixed(1)}°`;
  const width =
    g.optimumNeurons === null
      ? `width m = ${g.width}, n = ${g.n} samples`
      : `width m = ${g.width}, n = ${g.n} samples, the optimum uses ${g.optimumNeurons} neuron${g.optimumNeurons === 1 ? '' : 's'}` +
        (g.width < g.optimumNeurons ? ' — the network is too narrow to represent it' : '');
  return section(
    'Training geometry',
    'geometry',
    el(
      'p',
      { class: 'muted' },
      'Diagnostics after He (MATH.md §9), not a certificate: nearly orthogonal data and a well-conditioned activation Gram help gradient descent find the global optimum.',
    ),
    defs([
      ['pairwise angles', `min ${ang(a.min)}, median ${ang(a.median)}, max ${ang(a.max)} over ${a.pairs} pairs${a.sampled ? ' (sampled)' : ''}`],
      ['λ_min(H) trained', fmt(g.gramMinEig.trained), 'smallest eigenvalue of H = (X̃X̃ᵀ) ∘ (AAᵀ)/m for the trained activations'],
      ['λ_min(H) random init', `${fmt(g.gramMinEig.randomInit)} (seed ${g.gramMinEig.seed})`, 'same width, random initialisation'],
      ['width', width],
    ]),
    a.histogram.counts.length ? angleHistogram(g) : null,
    g.notes.length
      ? el(
          'ul',
          { class: 'notes' },
          g.notes.map((n) => el('li', null, n)),
        )
      : null,
  );
}
