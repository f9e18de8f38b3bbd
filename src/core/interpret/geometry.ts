/**
 * Training geometry (MATH.md §9, [He]): diagnostics, not a certificate.
 * - Pairwise angles between the x̃_i (x̃ = [x; 1] when the neurons have a bias, decayed or free,
 *   since that is the vector a neuron sees; x otherwise). Rows with x̃_i = 0 have no angle and are
 *   left out (counted in the notes).
 * - λ_min of H = (X̃X̃ᵀ) ∘ (AAᵀ)/m, A_ij = 1[x̃_iᵀũ_j > 0], for the trained weights and for
 *   PyTorch's default nn.Linear initialisation of the same width (U(−1/√d, 1/√d) for weights and
 *   bias, seeded). Exactly 0 when q·m < rows (H is a Gram of q·m-long rows); otherwise dense
 *   symmetric eigenvalues (./symeig.ts) up to GRAM_DENSE_MAX_N samples; above that a
 *   seeded subsample of rows — λ_min of a principal submatrix is ≥ λ_min(H) (Cauchy interlacing),
 *   so the number is then an upper bound, and the notes say so.
 */
import type { Mat } from '../linalg/mat';
import { makeRng } from '../random';
import { kthLargest } from '../linalg/select';
import { symMinEigenvalue } from './symeig';
import { checkNetworkAndData } from './pattern';
import type { NetworkWeights, CertifyModes } from '../problem/network';
import type { GeometryJson } from '../report/analysisJson';

/** All pairs up to this many samples (and ANGLE_EXACT_MAX_WORK multiply-adds); else a seeded sample. */
export const ANGLE_EXACT_MAX_N = 2000;
export const ANGLE_EXACT_MAX_WORK = 4e8;
/** Pairs drawn when the angles are sampled. */
export const ANGLE_SAMPLE_PAIRS = 200_000;
/** Largest n for the dense eigenvalue computation of H (O(n³): ≈ 0.3–1 s in JS at this size). */
export const GRAM_DENSE_MAX_N = 500;
/** Median angle ≥ this (degrees) ⇒ "nearly orthogonal" in the notes. */
export const NEARLY_ORTHOGONAL_DEG = 80;
/** λ_min(H) ≤ this·(trace(H)/n) ⇒ called singular in the notes. */
export const GRAM_SINGULAR_REL = 1e-10;

const HIST_BINS = 18;

function features(X: Mat, modes: CertifyModes): { F: Float64Array; q: number } {
  const n = X.rows,
    d = X.cols;
  const q = modes.hiddenBias === 'none' ? d : d + 1;
  const F = new Float64Array(n * q);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < d; k++) F[i * q + k] = X.data[i * d + k];
    if (q > d) F[i * q + d] = 1;
  }
  return { F, q };
}

function fmtDeg(x: number): string {
  return `${Number(x.toFixed(x < 10 ? 1 : 0))}°`;
}

function angles(F: Float64Array, n: number, q: number, seed: number) {
  const norms = new Float64Array(n);
  const ok: number[] = [];
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < q; k++) s += F[i * q + k] ** 2;
    norms[i] = Math.sqrt(s);
    if (norms[i] > 0) ok.push(i);
  }
  const angle = (i: number, l: number) => {
    let s = 0;
    for (let k = 0; k < q; k++) s += F[i * q + k] * F[l * q + k];
    const c = Math.max(-1, Math.min(1, s / (norms[i] * norms[l])));
    return (Math.acos(c) * 180) / Math.PI;
  };
  const k = ok.length;
  const total = (k * (k - 1)) / 2;
  const sampled = !(k <= ANGLE_EXACT_MAX_N && total * q <= ANGLE_EXACT_MAX_WORK);
  const arr = new Float64Array(k < 2 ? 0 : sampled ? ANGLE_SAMPLE_PAIRS : total);
  let t = 0;
  if (!sampled) {
    for (let a = 0; a < k; a++) for (let b = a + 1; b < k; b++) arr[t++] = angle(ok[a], ok[b]);
  } else if (k >= 2) {
    const rng = makeRng(seed);
    for (; t < ANGLE_SAMPLE_PAIRS; t++) {
      const a = Math.floor(rng() * k);
      let b = Math.floor(rng() * (k - 1));
      if (b >= a) b++;
      arr[t] = angle(ok[a], ok[b]);
    }
  }
  const edges = Array.from({ length: HIST_BINS + 1 }, (_, i) => i * (180 / HIST_BINS));
  const counts = new Array<number>(HIST_BINS).fill(0);
  const fine = new Int32Array(MEDIAN_BUCKETS);
  let lo = Infinity,
    hi = -Infinity;
  let finite = true;
  for (let t = 0; t < arr.length; t++) {
    const v = arr[t];
    counts[Math.min(HIST_BINS - 1, Math.floor(v / (180 / HIST_BINS)))]++;
    fine[medianBucket(v)]++;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
    if (Number.isNaN(v)) finite = false;
  }
  const m = arr.length;
  // the median by selection, not a sort (5e5 pairs at n = 1e3: 60 ms of sorting); k-th smallest
  const kth = (k: number) => (finite ? kthSmallestBucketed(arr, fine, k) : kthLargest(arr, m - k + 1));
  const median = m === 0 ? NaN : m % 2 ? kth((m + 1) / 2) : 0.5 * (kth(m / 2 + 1) + kth(m / 2));
  return {
    min: m ? lo : NaN,
    median,
    max: m ? hi : NaN,
    pairs: m,
    sampled,
    histogram: { edges, counts },
    zeroRows: n - k,
  };
}

/**
 * Buckets of the median's selection: one pass counts the angles per bucket, the median is then
 * selected among the few angles of its bucket (a quickselect over all 5e5 pairs at n = 1e3 was
 * 40 ms, two thirds of the geometry). The bucket is monotone in the angle, so the order
 * statistic and its value are those of the whole array.
 */
const MEDIAN_BUCKETS = 4096;
const medianBucket = (deg: number) => Math.min(MEDIAN_BUCKETS - 1, Math.max(0, Math.floor(deg * (MEDIAN_BUCKETS / 180))));

/** The k-th smallest (1-based) of the finite angles v, whose counts per medianBucket are `fine`. */
function kthSmallestBucketed(v: Float64Array, fine: Int32Array, k: number): number {
  let b = 0,
    below = 0;
  while (below + fine[b] < k) below += fine[b++];
  const inBucket = new Float64Array(fine[b]);
  let s = 0;
  for (let t = 0; t < v.length; t++) if (medianBucket(v[t]) === b) inBucket[s++] = v[t];
  return kthLargest(inBucket, inBucket.length - (k - below) + 1);
}

/** Activation matrix A (rows × m, 0/1) of weights W (m×d) and bias b on the feature rows. */
function activations(X: Mat, rows: number[], W: Float64Array, b: Float64Array | null, m: number): Float64Array {
  const d = X.cols;
  const A = new Float64Array(rows.length * m);
  rows.forEach((i, r) => {
    for (let j = 0; j < m; j++) {
      let z = b ? b[j] : 0;
      for (let k = 0; k < d; k++) z += X.data[i * d + k] * W[j * d + k];
      A[r * m + j] = z > 0 ? 1 : 0;
    }
  });
  return A;
}

/** λ_min and trace of H = (X̃X̃ᵀ)∘(AAᵀ)/m on the given rows (dense). */
export function gramMinEig(F: Float64Array, q: number, rows: number[], A: Float64Array, m: number): { min: number; trace: number } {
  const k = rows.length;
  if (k === 0 || m === 0) return { min: 0, trace: 0 };
  // H = GGᵀ/m with row a of G the Kronecker product x̃_a ⊗ A_a (length q·m): rank(H) ≤ q·m, so below
  // k rows λ_min is exactly 0 and the O(k³) eigenvalues are skipped (d = 2, width 15, 500 rows:
  // two 500×500 problems were 0.4 s of a 1.5 s certify)
  if (q * m < k) {
    let trace = 0;
    for (let a = 0; a < k; a++) {
      let g = 0,
        s = 0;
      for (let t = 0; t < q; t++) g += F[rows[a] * q + t] ** 2;
      for (let j = 0; j < m; j++) s += A[a * m + j];
      trace += (g * s) / m;
    }
    return { min: 0, trace };
  }
  const H = new Float64Array(k * k);
  let trace = 0;
  for (let a = 0; a < k; a++) {
    for (let b = a; b < k; b++) {
      let g = 0;
      for (let t = 0; t < q; t++) g += F[rows[a] * q + t] * F[rows[b] * q + t];
      let s = 0;
      for (let j = 0; j < m; j++) s += A[a * m + j] * A[b * m + j];
      const h = (g * s) / m;
      H[a * k + b] = h;
      H[b * k + a] = h;
      if (a === b) trace += h;
    }
  }
  // H is PSD (Schur product of two Gram matrices): a negative λ_min is rounding, reported as 0
  return { min: Math.max(0, symMinEigenvalue(H, k)), trace };
}

export function trainingGeometry(net: NetworkWeights, X: Mat, modes: CertifyModes, optimumNeurons: number | null, seed: number): GeometryJson {
  checkNetworkAndData(net, X);
  const n = X.rows,
    d = X.cols,
    m = net.W1.rows;
  const { F, q } = features(X, modes);
  const ang = angles(F, n, q, seed);
  const notes: string[] = [];

  // rows used for H: all, or a seeded subsample
  let rows = Array.from({ length: n }, (_, i) => i);
  if (n > GRAM_DENSE_MAX_N) {
    const rng = makeRng(seed ^ 0x5bd1e995);
    for (let i = n - 1; i > 0; i--) {
      const t = Math.floor(rng() * (i + 1));
      [rows[i], rows[t]] = [rows[t], rows[i]];
    }
    rows = rows.slice(0, GRAM_DENSE_MAX_N).sort((a, b) => a - b);
    notes.push(
      `λ_min(H) was computed on ${GRAM_DENSE_MAX_N} of the ${n} samples (seeded subsample): by interlacing it is an upper bound on λ_min of the full ${n}×${n} matrix.`,
    );
  }
  const b1 = modes.hiddenBias !== 'none' ? net.b1 : null;
  const trained = gramMinEig(F, q, rows, activations(X, rows, net.W1.data, b1, m), m);
  const rng = makeRng(seed);
  const bound = 1 / Math.sqrt(Math.max(d, 1));
  const W0 = Float64Array.from({ length: m * d }, () => (2 * rng() - 1) * bound);
  const b0 = modes.hiddenBias !== 'none' ? Float64Array.from({ length: m }, () => (2 * rng() - 1) * bound) : null;
  const init = gramMinEig(F, q, rows, activations(X, rows, W0, b0, m), m);

  // plain-words notes
  if (m < n + 1) notes.push(`Width ${m} < n+1 = ${n + 1}: strong duality is not guaranteed at this width, but the certificate does not need it.`);
  else notes.push(`Width ${m} ≥ n+1 = ${n + 1}: wide enough for strong duality (Carathéodory).`);
  if (optimumNeurons !== null) {
    if (m >= optimumNeurons) notes.push(`The optimum found uses ${optimumNeurons} neuron(s); the network has ${m}, enough to represent it.`);
    else notes.push(`The optimum found uses ${optimumNeurons} neuron(s) but the network has only ${m}: at this width it may be unable to reach that optimum.`);
  }
  if (ang.pairs > 0) {
    const how = ang.sampled ? ` (from ${ang.pairs} sampled pairs)` : '';
    if (ang.median >= NEARLY_ORTHOGONAL_DEG)
      notes.push(`The data is nearly orthogonal (median angle ${fmtDeg(ang.median)}${how}), the high-dimensional regime of [He].`);
    else notes.push(`The data is far from orthogonal (median angle ${fmtDeg(ang.median)}${how}, smallest ${fmtDeg(ang.min)}).`);
  }
  if (ang.zeroRows) notes.push(`${ang.zeroRows} sample(s) have x̃ = 0 and no angle; they were left out of the angles.`);
  const sing = (g: { min: number; trace: number }) => g.min <= GRAM_SINGULAR_REL * (g.trace / Math.max(rows.length, 1));
  if (m > 0 && rows.length > 0) {
    if (sing(trained))
      notes.push('H is (numerically) singular for the trained weights, λ_min ≈ 0: the trained activation features do not separate all samples.');
    if (sing(init)) notes.push('H is (numerically) singular even at a random initialisation of this width.');
    else if (!sing(trained) && trained.min < init.min) notes.push('Training lowered λ_min(H) compared with a random initialisation of the same width.');
  }
  return {
    angles: { min: ang.min, median: ang.median, max: ang.max, pairs: ang.pairs, sampled: ang.sampled, histogram: ang.histogram },
    gramMinEig: { trained: trained.min, randomInit: init.min, seed },
    width: m,
    n,
    optimumNeurons,
    notes,
  };
}
