/**
 * The soundness suite's reproducer 'inconclusive-with-exact-oracle' (described in regressions.test.ts):
 * seed 20270028, kind 'beta-tiny', the reference optimum perturbed by 1e-5. One home for the numbers,
 * used by regressions.test.ts and test/certify/completeness.test.ts.
 */
import type { CertifySettings } from '../../src/core/certify/types';
import type { RefProblem } from '../reference/objective';
import { mkMat } from '../reference/small';

export const INCONCLUSIVE_EXACT = {
  beta: 0.0017166588078252971,
  X: [1.453630696911868, 1.1045410998419696, 0.8656501059859656, -0.5865806080441032, 1.0268941498791004, 0.9036682433235589, -0.5151253574763406],
  Y: [
    -0.11058262330276855, 0.9003953070084288, 0.5642146269946626, 0.23342969407042358, 0.5305487886792436, 0.6090812814043292, -0.5875588790316675,
    0.08345387648831787, 0.8872541361932494, 0.34367684328880055, 0.5985135947272837, 0.20894447382336875, -0.9535247065124478, -0.09064217520323699,
  ],
  W1: [
    0.7152851373730409, -1.5168309151686095, -1.557113813593818, -0.6721076326052116, 1.183809795752669, 1.5303590181599205, -0.29121323466170135,
    -0.9116211110179189, -2.201286029634767, 0.6268986184202241,
  ],
  b1: [
    0.3684608253492424, 1.313042402852442, 1.4071122735675206, 0.5818174006101902, -1.3075583281989318, -1.5715279640285682, 0.32166045257567355,
    0.9361307217891032, -1.1339308834719681, -0.542690141157837,
  ],
  W2: [
    0.7320677338855397, 0.3453801083586002, -0.010494443307206787, 0.15303511794658864, 0.5701804569324623, -2.192933908501365, 0.14026576660810192,
    -1.306302198313591, 2.252910306637953, 0.142744434823408, 0.33387741055854087, -1.9762844865791813, 2.098696264254541, -0.8756905509085812,
    1.6691549160906904, 0.05298071688150265, 0.41061013248967737, 0.03155867738109188, 1.0274788211325343, -0.8167906258556934,
  ],
};

/** The reproducer as a problem, a network and certify settings (`over` replaces settings; completeness.test.ts reuses it). */
export function inconclusiveExactSetup(over: Partial<CertifySettings> = {}) {
  const r = INCONCLUSIVE_EXACT;
  const prob: RefProblem = { X: mkMat(7, 1, r.X), Y: mkMat(7, 2, r.Y), beta: r.beta, hiddenBias: 'decayed', outputBias: 'none' };
  const net = { W1: mkMat(10, 1, r.W1), b1: Float64Array.from(r.b1), W2: mkMat(2, 10, r.W2), b2: null };
  const settings: CertifySettings = {
    beta: { kind: 'direct', beta: r.beta },
    hiddenBias: 'decayed',
    outputBias: 'none',
    tol: 1e-4,
    patternBudget: 2_000_000,
    maxIterations: 60,
    seed: 1,
    ...over,
  };
  return { prob, net, settings };
}
