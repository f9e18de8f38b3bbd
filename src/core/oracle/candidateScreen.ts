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
 *
 * The local bound (addLocal): L is the worst case over every row, but near u only the rows whose
 * hyperplane passes close to u can change sign. For δ = ‖u' − u‖ ≤ LOCAL_RADIUS a row with
 * |x̂_iᵀu| > ‖x̂_i‖·δ has the same sign at u and u', so
 *   h(u') = h(u) + g_Cᵀ(u' − u) + Σ_{i∈U} λ_i((x̂_iᵀu')_+ − (x̂_iᵀu)_+),
 * g_C = Σ λ_i x̂_i over the rows active at u with computed x̂_iᵀu > t_i, U = the rows with |x̂_iᵀu| ≤ t_i,
 * t_i = ‖x̂_i‖·LOCAL_RADIUS·(1 + LIP_REL_SLACK) (the margin covers the rounding of x̂_iᵀu and of the
 * norms), each term of U at most |λ_i|·‖x̂_i‖·δ. Hence |h(u')| ≤ |h(u) + g_Cᵀ(u' − u)| + L_U·δ with
 * L_U = Σ_U |λ_i|·‖x̂_i‖, a few percent of L for data spread over the sphere. Rounding: the computed h(u)
 * is within evalSlack/2, each computed component of g_C within (m + 1)·ε·L, so g_Cᵀ(u' − u) is within
 * 2·evalSlack for δ ≤ 2; the products, L_U and the distance are within LIP_REL_SLACK relative (the
 * term ‖g_C‖·δ·LIP_REL_SLACK). A direction is covered when the computed bound plus 4·evalSlack is ≤ best.
 */

/** Relative slack on L·‖u − u'‖ covering the rounding of L and of the distance (≫ n·ε for any n the readers accept). */
export const LIP_REL_SLACK = 1e-6;
/** Edge of the grid cells that index evaluated directions (unit vectors): neighbours within one cell are checked. */
export const SCREEN_CELL = 1 / 64;
/** The local bound applies to directions within this distance of an evaluated one (rows nearer to u are in U). */
export const LOCAL_RADIUS = 1 / 64;

export class CandidateScreen {
  private readonly cells = new Map<number, number[]>();
  /** evaluated directions, 10 numbers each: |h|, u (3), then for the local bound h, g_C (3), ‖g_C‖, L_U (NaN: none) */
  private pts: number[] = [];
  private readonly evalSlack: number;
  private readonly K = Math.ceil(2 / SCREEN_CELL) + 3;

  /** lam, Xn: the rows' λ_j and ‖x̂_j‖ (m rows, rank 3) */
  constructor(
    private readonly lam: Float64Array,
    private readonly Xn: Float64Array,
    private readonly m: number,
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
    const roomLocal = best - 4 * this.evalSlack;
    const lip = this.L * (1 + LIP_REL_SLACK);
    const P = this.pts;
    for (let a = -1; a <= 1; a++)
      for (let b = -1; b <= 1; b++)
        for (let c = -1; c <= 1; c++) {
          const list = this.cells.get(this.key(ix + a, iy + b, iz + c));
          if (!list) continue;
          for (const p of list) {
            const d0 = u[0] - P[p + 1],
              d1 = u[1] - P[p + 2],
              d2 = u[2] - P[p + 3];
            const d = Math.hypot(d0, d1, d2);
            if (P[p] + lip * d <= room) return true;
            if (!(d <= LOCAL_RADIUS)) continue;
            const lin = Math.abs(P[p + 4] + P[p + 5] * d0 + P[p + 6] * d1 + P[p + 7] * d2);
            if (lin + P[p + 8] * d * LIP_REL_SLACK + P[p + 9] * d * (1 + LIP_REL_SLACK) <= roomLocal) return true;
          }
        }
    return false;
  }

  /** Records an evaluated direction u with computed value v = |h(u)| (the global bound only). */
  add(u: Float64Array, v: number): void {
    this.store(u, v, NaN, 0, 0, 0, NaN);
  }

  /**
   * Records an evaluated direction u with computed value h = h(u) (signed) for both bounds; X: the rows x̂_j (m×3).
   * One O(m) pass for g_C and L_U (header).
   */
  addLocal(u: Float64Array, h: number, X: Float64Array): void {
    const { lam, Xn, m } = this;
    const u0 = u[0],
      u1 = u[1],
      u2 = u[2];
    const rad = LOCAL_RADIUS * (1 + LIP_REL_SLACK);
    let g0 = 0,
      g1 = 0,
      g2 = 0,
      lu = 0;
    for (let i = 0, o = 0; i < m; i++, o += 3) {
      const x0 = X[o],
        x1 = X[o + 1],
        x2 = X[o + 2];
      const z = x0 * u0 + x1 * u1 + x2 * u2;
      const t = Xn[i] * rad;
      // 0/1 weights instead of branches: the rows' signs come in random order
      const on = +(z > t) * lam[i];
      const near = +(Math.abs(z) <= t);
      g0 += on * x0;
      g1 += on * x1;
      g2 += on * x2;
      lu += near * Math.abs(lam[i]) * Xn[i];
    }
    this.store(u, Math.abs(h), h, g0, g1, g2, lu);
  }

  private store(u: Float64Array, v: number, h: number, g0: number, g1: number, g2: number, lu: number): void {
    const k = this.key(CandidateScreen.index(u[0]), CandidateScreen.index(u[1]), CandidateScreen.index(u[2]));
    const p = this.pts.length;
    this.pts.push(v, u[0], u[1], u[2], h, g0, g1, g2, Math.hypot(g0, g1, g2), lu);
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
