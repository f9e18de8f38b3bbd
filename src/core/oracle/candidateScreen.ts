/**
 * Lipschitz screening of the rank-3 sweep's candidate directions (sweep.ts evaluateCandidates).
 *
 * Why: at n = 10⁴ a rank-3 oracle call evaluates ~1.5·10⁴ critical directions, O(n) each, and that
 * was most of its time; nearly all of them lie close to a direction already evaluated (the same
 * cell reached from several circles, or a neighbouring cell) and fall short of the best value.
 *
 * The bound: for any vectors u, u', |h(u) − h(u')| ≤ Σ_i |λ_i|·|x̂_iᵀ(u − u')| ≤ L·‖u − u'‖ with
 * L = Σ_i |λ_i|·‖x̂_i‖ (the ReLU is 1-Lipschitz), and ||h(u)| − |h(u')|| ≤ |h(u) − h(u')|. Each
 * computed |h| is within evalSlack of the exact one (a sum of n products of 3-term dot products:
 * |error| ≤ (n + 4)·ε·L·‖u‖, doubled for the roundings of L, ‖u‖ and the distance). So when an
 * evaluated direction u has computed value v with v + L·‖u − u'‖·(1 + LIP_REL_SLACK) + 2·evalSlack
 * ≤ best, the computed |h(u')| cannot exceed best: evaluating u' would change nothing, and the
 * sweep's result (value, direction) is the same bit for bit with u' skipped.
 */

/** Relative slack on L·‖u − u'‖ covering the rounding of L and of the distance (≫ n·ε for any n the readers accept). */
export const LIP_REL_SLACK = 1e-6;
/** Edge of the grid cells that index evaluated directions (unit vectors): neighbours within one cell are checked. */
export const SCREEN_CELL = 1 / 64;

export class CandidateScreen {
  private readonly cells = new Map<number, number[]>();
  /** evaluated directions: value then the 3 coordinates */
  private pts: number[] = [];
  private readonly evalSlack: number;
  private readonly K = Math.ceil(2 / SCREEN_CELL) + 3;

  /** lam, Xn: the rows' λ_j and ‖x̂_j‖ (m rows, rank 3) */
  constructor(
    lam: Float64Array,
    Xn: Float64Array,
    m: number,
    private readonly L = lipschitz(lam, Xn, m),
  ) {
    this.evalSlack = 2 * (m + 4) * Number.EPSILON * L;
  }

  private key(ix: number, iy: number, iz: number): number {
    return (ix * this.K + iy) * this.K + iz;
  }

  private static index(x: number): number {
    return Math.floor((x + 1) / SCREEN_CELL) + 1;
  }

  /** true when an evaluated direction proves that |h(u)| ≤ best (see the header). */
  covers(u: Float64Array, best: number): boolean {
    const ix = CandidateScreen.index(u[0]),
      iy = CandidateScreen.index(u[1]),
      iz = CandidateScreen.index(u[2]);
    const room = best - 2 * this.evalSlack;
    const lip = this.L * (1 + LIP_REL_SLACK);
    for (let a = -1; a <= 1; a++)
      for (let b = -1; b <= 1; b++)
        for (let c = -1; c <= 1; c++) {
          const list = this.cells.get(this.key(ix + a, iy + b, iz + c));
          if (!list) continue;
          for (const p of list) {
            const P = this.pts;
            const d = Math.hypot(u[0] - P[p + 1], u[1] - P[p + 2], u[2] - P[p + 3]);
            if (P[p] + lip * d <= room) return true;
          }
        }
    return false;
  }

  /** Records an evaluated direction u with computed value v = |h(u)|. */
  add(u: Float64Array, v: number): void {
    const k = this.key(CandidateScreen.index(u[0]), CandidateScreen.index(u[1]), CandidateScreen.index(u[2]));
    const p = this.pts.length;
    this.pts.push(v, u[0], u[1], u[2]);
    const list = this.cells.get(k);
    if (list) list.push(p);
    else this.cells.set(k, [p]);
  }
}

function lipschitz(lam: Float64Array, Xn: Float64Array, m: number): number {
  let L = 0;
  for (let j = 0; j < m; j++) L += Math.abs(lam[j]) * Xn[j];
  return L;
}
