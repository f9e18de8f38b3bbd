/**
 * Named reproducers found by the soundness property test (certify.property.test.ts).
 *
 * inconclusive-with-exact-oracle (completeness, property (e); NOT a soundness violation):
 *   found as seed 20270028 (generator before the 'scaled'/'zero-x' kinds were added),
 *   kind 'beta-tiny', network = reference optimum perturbed by 1e-5. n = 7, d = 1, c = 2,
 *   decayed hidden bias, no output bias, β ≈ 1.717e-3, width 10. Greedy shrinking (dropping
 *   any sample or neuron) loses the behaviour.
 *   The independent reference gives P* ∈ [0.06816106836489083, 0.06816106836584693] and
 *   P_bal = 0.06816577508497895, so the true relative gap is 6.9e-5 < tol = 1e-4: the network
 *   IS within tolerance. certifyNetwork (default 60 iterations, also with 200) answers
 *   'inconclusive' with an exact oracle (exact-circle + output-sphere B&B): dual bound
 *   0.06815875142774312 (relGap 1.03e-4), because column generation stops after 4 iterations
 *   with "the oracle returned a direction already present (restricted problem solved to its
 *   tolerance)": the restricted lasso's tolerance, not the oracle, limits the dual point.
 *   MATH.md §3 says inconclusive is "only possible when M was not computed exactly".
 *   Kept as a todo test until the product either certifies it or documents this case.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { certifyNetwork } from '../../src/core/certify';
import type { CertifySettings } from '../../src/core/certify/types';
import { objectiveBal, type RefProblem } from '../reference/objective';
import { solveReference } from '../reference/refSolver';
import { mkMat } from '../reference/small';
import { checkOne } from './harness';

const INCONCLUSIVE_EXACT = {
  beta: 0.0017166588078252971,
  X: [1.453630696911868, 1.1045410998419696, 0.8656501059859656, -0.5865806080441032, 1.0268941498791004, 0.9036682433235589, -0.5151253574763406],
  Y: [-0.11058262330276855, 0.9003953070084288, 0.5642146269946626, 0.23342969407042358, 0.5305487886792436, 0.6090812814043292, -0.5875588790316675, 0.08345387648831787, 0.8872541361932494, 0.34367684328880055, 0.5985135947272837, 0.20894447382336875, -0.9535247065124478, -0.09064217520323699],
  W1: [0.7152851373730409, -1.5168309151686095, -1.557113813593818, -0.6721076326052116, 1.183809795752669, 1.5303590181599205, -0.29121323466170135, -0.9116211110179189, -2.201286029634767, 0.6268986184202241],
  b1: [0.3684608253492424, 1.313042402852442, 1.4071122735675206, 0.5818174006101902, -1.3075583281989318, -1.5715279640285682, 0.32166045257567355, 0.9361307217891032, -1.1339308834719681, -0.542690141157837],
  W2: [0.7320677338855397, 0.3453801083586002, -0.010494443307206787, 0.15303511794658864, 0.5701804569324623, -2.192933908501365, 0.14026576660810192, -1.306302198313591, 2.252910306637953, 0.142744434823408, 0.33387741055854087, -1.9762844865791813, 2.098696264254541, -0.8756905509085812, 1.6691549160906904, 0.05298071688150265, 0.41061013248967737, 0.03155867738109188, 1.0274788211325343, -0.8167906258556934],
};

function setup() {
  const r = INCONCLUSIVE_EXACT;
  const prob: RefProblem = { X: mkMat(7, 1, r.X), Y: mkMat(7, 2, r.Y), beta: r.beta, hiddenBias: 'decayed', outputBias: 'none' };
  const net = { W1: mkMat(10, 1, r.W1), b1: Float64Array.from(r.b1), W2: mkMat(2, 10, r.W2), b2: null };
  const settings: CertifySettings = { beta: { kind: 'direct', beta: r.beta }, hiddenBias: 'decayed', outputBias: 'none', tol: 1e-4, patternBudget: 2_000_000, maxIterations: 60, seed: 1 };
  return { prob, net, settings };
}

test('regression inconclusive-with-exact-oracle: the result is sound ((a)–(d), (f))', () => {
  const { prob, net, settings } = setup();
  const ref = solveReference(prob);
  assert.ok(ref.converged);
  const res = certifyNetwork(net, prob.X, prob.Y, settings);
  const v = checkOne({ seed: 20270028, dataKind: 'beta-tiny', prob }, 'perturbed-1e-5', net, res, ref).filter((x) => x.property !== 'e');
  assert.deepEqual(v, []);
});

test(
  'regression inconclusive-with-exact-oracle: a network within tol of P* should be certified',
  () => {
    const { prob, net, settings } = setup();
    const ref = solveReference(prob);
    const pbal = objectiveBal(net, prob);
    assert.ok(pbal - ref.upper < 1e-4 * pbal, 'precondition: truly within tolerance');
    const res = certifyNetwork(net, prob.X, prob.Y, settings);
    assert.ok(res.oracle.exact);
    assert.equal(res.verdict, 'certified');
  },
);
