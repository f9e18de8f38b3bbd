/**
 * Thin adapter: the any-rank brute oracle (./bruteOracleAnyRank.ts — all 2^n sign patterns, one
 * Lawson–Hanson cone projection each) in the shape the reference solver (./refSolver.ts) needs:
 * M(λ) bracketed by `value` (rigorous upper bound) and `attained` (a value really reached), plus
 * the best direction of every pattern that may beat `keepAbove` (column-generation candidates).
 * Scalar output only (Λ is n×1); any rank; n ≤ MAX_N.
 *
 * The only addition to bruteOracleAnyRank is an EXACT pruning: the value of pattern D is
 * ‖Π_{K_D}(g)‖ with g = ±X̃ᵀDλ, and projection onto a closed convex cone containing 0 does not
 * increase the norm, so ‖Π_{K_D}(g)‖ ≤ ‖g‖. Patterns are visited by decreasing ‖g‖ and the visit
 * stops once ‖g‖ is below both the best value found and `keepAbove`: every skipped pattern is
 * below `value` already, so `value` stays an upper bound on M (MATH.md §2–§3), and every skipped
 * pattern is below `keepAbove`, so no violator above it is lost. The per-pattern projection
 * (the NNLS, the weak-duality bound ‖g + Aᵀμ‖ and the recomputed attained value) is exactly the
 * one of bruteOracleAnyRank, through its exported `nnls` and `oracleAt`.
 * Nothing here imports src/core (only the Mat type).
 */
import type { Mat } from '../../src/core/linalg/mat';
import { MAX_N, nnls, oracleAt } from './bruteOracleAnyRank';
import type { RefOracle } from './refSolver';

/** Slack on the pruning test ‖g‖ < best: ‖g‖ is computed in floating point. */
const PRUNE_SLACK = 1e-12;
/** Violators whose directions agree to this cosine are one candidate (infeasible patterns project to shared faces). */
const SAME_DIR = 1 - 1e-12;
/** Violators reported at most (refSolver uses the first 6). */
const MAX_VIOLATORS = 24;

export class BruteOracleAnyRankRef implements RefOracle {
  readonly n: number;
  readonly p: number;
  /** NNLS solves that hit their iteration cap, summed over all calls (expected 0) */
  nnlsNotConverged = 0;
  /** patterns whose cone projection was computed, summed over all calls (diagnostics) */
  projected = 0;
  private readonly Xt: Mat;

  constructor(Xt: Mat) {
    if (Xt.rows > MAX_N) throw new RangeError(`BruteOracleAnyRankRef: n = ${Xt.rows} > ${MAX_N}`);
    this.Xt = Xt;
    this.n = Xt.rows;
    this.p = Xt.cols;
  }

  evaluate(Lambda: Mat, keepAbove = Infinity): { value: number; attained: number; u: Float64Array; violators: { u: Float64Array; value: number }[] } {
    const { n, p } = this;
    if (Lambda.cols !== 1) throw new RangeError(`BruteOracleAnyRankRef: scalar output only (Λ has ${Lambda.cols} columns)`);
    if (Lambda.rows !== n) throw new RangeError('BruteOracleAnyRankRef: Λ has the wrong number of rows');
    const X = this.Xt.data,
      lam = Lambda.data;
    const count = 2 ** n;
    // ‖X̃ᵀDλ‖ of every pattern
    const gnorm = new Float64Array(count);
    const g = new Float64Array(p);
    for (let mask = 0; mask < count; mask++) {
      g.fill(0);
      for (let i = 0; i < n; i++) if ((mask >>> i) & 1) for (let q = 0; q < p; q++) g[q] += lam[i] * X[i * p + q];
      let s = 0;
      for (let q = 0; q < p; q++) s += g[q] * g[q];
      gnorm[mask] = Math.sqrt(s);
    }
    const order = Array.from({ length: count }, (_, k) => k).sort((a, b) => gnorm[b] - gnorm[a]);
    const A = new Float64Array(n * p);
    const b = new Float64Array(p);
    const pi = new Float64Array(p);
    let value = 0,
      attained = 0;
    const u = new Float64Array(p);
    if (p) u[0] = 1;
    const cands: { u: Float64Array; value: number }[] = [];
    for (const mask of order) {
      if (gnorm[mask] === 0 || gnorm[mask] * (1 + PRUNE_SLACK) < Math.min(value, keepAbove)) break;
      this.projected++;
      g.fill(0);
      for (let i = 0; i < n; i++) {
        const on = (mask >>> i) & 1;
        for (let q = 0; q < p; q++) {
          const x = X[i * p + q];
          A[i * p + q] = on ? x : -x;
          if (on) g[q] += lam[i] * x;
        }
      }
      for (const sign of [1, -1]) {
        for (let q = 0; q < p; q++) b[q] = -sign * g[q];
        const { x: mu, converged } = nnls(A, n, p, b);
        if (!converged) this.nnlsNotConverged++;
        for (let q = 0; q < p; q++) pi[q] = sign * g[q];
        for (let i = 0; i < n; i++) if (mu[i] !== 0) for (let q = 0; q < p; q++) pi[q] += mu[i] * A[i * p + q];
        let up = 0;
        for (let q = 0; q < p; q++) up += pi[q] * pi[q];
        up = Math.sqrt(up);
        if (up > value) value = up;
        if (!(up > 0)) continue;
        const dir = Float64Array.from(pi, (x) => x / up);
        const att = oracleAt(this.Xt, lam, dir);
        if (att > attained) {
          attained = att;
          u.set(dir);
        }
        if (att > 0) cands.push({ u: dir, value: att });
      }
    }
    cands.sort((a, b2) => b2.value - a.value);
    const violators: { u: Float64Array; value: number }[] = [];
    for (const cand of cands) {
      if (violators.length >= MAX_VIOLATORS) break;
      if (violators.some((v) => v.u.reduce((s, x, q) => s + x * cand.u[q], 0) > SAME_DIR)) continue;
      violators.push(cand);
    }
    return { value, attained, u, violators };
  }
}
