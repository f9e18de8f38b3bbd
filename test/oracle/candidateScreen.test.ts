import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CandidateScreen, LOCAL_RADIUS } from '../../src/core/oracle/candidateScreen';
import { exactScalar } from '../../src/core/oracle/sweep';
import { gauss, mat, rng, value } from './brute';
import type { Mat } from '../../src/core/linalg/mat';

/**
 * The rank-3 sweep skips a candidate direction when an evaluated neighbour proves it cannot beat the best value.
 * Checked against direct evaluation (brute.ts value): every direction the screen covers has |h| ≤ best, on clustered
 * directions around evaluated ones with the best value just above theirs (the screen's hard case), and the screen
 * does cover some (the test is not vacuous).
 */
test('a direction the candidate screen covers never beats the best value (direct evaluation)', () => {
  let covered = 0,
    checked = 0;
  for (let seed = 1; seed <= 6; seed++) {
    const r = rng(9100 + seed);
    const n = 200 + 150 * seed;
    const X = mat(n, 3, () => gauss(r));
    const L = mat(n, 1, () => gauss(r));
    const Xn = new Float64Array(n);
    for (let i = 0; i < n; i++) Xn[i] = Math.hypot(X.data[3 * i], X.data[3 * i + 1], X.data[3 * i + 2]);
    const screen = new CandidateScreen(L.data, Xn, n);
    const unit = (a: number, b: number, c: number) => {
      const s = Math.hypot(a, b, c);
      return Float64Array.of(a / s, b / s, c / s);
    };
    const centres = Array.from({ length: 20 }, () => unit(gauss(r), gauss(r), gauss(r)));
    let best = 0;
    for (const u of centres) {
      const v = value(X, L, u);
      screen.add(u, v);
      best = Math.max(best, v);
    }
    for (const slack of [0, 1e-9, 1e-3, 0.1]) {
      const bestNow = best * (1 + slack);
      for (let k = 0; k < 400; k++) {
        const c = centres[k % centres.length];
        const step = 10 ** (-1 - 5 * r());
        const u = unit(c[0] + step * gauss(r), c[1] + step * gauss(r), c[2] + step * gauss(r));
        checked++;
        if (!screen.covers(u, bestNow)) continue;
        covered++;
        assert.ok(value(X, L, u) <= bestNow, `seed ${seed}: a covered direction has |h| = ${value(X, L, u)} > best ${bestNow}`);
      }
    }
  }
  assert.ok(covered > checked / 10, `the screen covered only ${covered} of ${checked} directions`);
});

test('a direction the local bound covers never beats the best value (direct evaluation)', () => {
  // addLocal's bound |h(u) + g_Cᵀ(u' − u)| + L_U·δ (header of candidateScreen.ts), checked on directions around
  // evaluated ones at distances across LOCAL_RADIUS, with best values from just above the centres' to well above
  let covered = 0,
    coveredOnlyLocally = 0,
    checked = 0;
  for (let seed = 1; seed <= 5; seed++) {
    const r = rng(9400 + seed);
    const n = 300 + 200 * seed;
    const X = mat(n, 3, () => gauss(r));
    const L = mat(n, 1, () => gauss(r));
    const Xn = new Float64Array(n);
    for (let i = 0; i < n; i++) Xn[i] = Math.hypot(X.data[3 * i], X.data[3 * i + 1], X.data[3 * i + 2]);
    const local = new CandidateScreen(L.data, Xn, n);
    const global = new CandidateScreen(L.data, Xn, n);
    const unit = (a: number, b: number, c: number) => {
      const s = Math.hypot(a, b, c);
      return Float64Array.of(a / s, b / s, c / s);
    };
    const centres = Array.from({ length: 15 }, () => unit(gauss(r), gauss(r), gauss(r)));
    let best = 0;
    for (const u of centres) {
      const h = signedValue(X, L, u);
      local.addLocal(u, h, X.data);
      global.add(u, Math.abs(h));
      best = Math.max(best, Math.abs(h));
    }
    for (const slack of [1e-9, 1e-3, 0.05, 0.3]) {
      const bestNow = best * (1 + slack);
      for (let k = 0; k < 600; k++) {
        const c = centres[k % centres.length];
        const step = LOCAL_RADIUS * 10 ** (0.3 - 4 * r());
        const u = unit(c[0] + step * gauss(r), c[1] + step * gauss(r), c[2] + step * gauss(r));
        checked++;
        if (!local.covers(u, bestNow)) continue;
        covered++;
        if (!global.covers(u, bestNow)) coveredOnlyLocally++;
        assert.ok(value(X, L, u) <= bestNow, `seed ${seed}: a covered direction has |h| = ${value(X, L, u)} > best ${bestNow}`);
      }
    }
  }
  assert.ok(coveredOnlyLocally > checked / 100, `the local bound covered only ${coveredOnlyLocally} of ${checked} directions beyond the global one`);
  assert.ok(covered >= coveredOnlyLocally);
});

/** h(u) = λᵀ(X̂u)_+ with its sign, from brute.ts value (|h|) over the positive and the negative λ_i separately. */
function signedValue(X: Mat, L: Mat, u: Float64Array): number {
  const part = (sign: number) =>
    value(
      X,
      mat(L.rows, 1, (i) => Math.max(0, sign * L.data[i])),
      u,
    );
  return part(1) - part(-1);
}

test('the candidate screen is exact where its Lipschitz bound is tight (all rows along one direction)', () => {
  // rows s_i·e with λ_i > 0: h(u) = L·(eᵀu)_+, so moving towards e raises h at the rate L itself; a best value
  // just below h(u) must never be covered, one at h(c) + L·‖u − c‖ always is
  const r = rng(9300);
  const n = 500;
  const e = [0.6, 0, 0.8];
  const scale = Array.from({ length: n }, () => 0.5 + r());
  const X = mat(n, 3, (i, k) => scale[i] * e[k]);
  const L = mat(n, 1, () => 0.1 + r());
  const Xn = Float64Array.from(scale);
  const screen = new CandidateScreen(L.data, Xn, n);
  const c = Float64Array.of(0.8, 0, -0.6 + 0.5);
  const cn = Math.hypot(c[0], c[1], c[2]);
  for (let k = 0; k < 3; k++) c[k] /= cn;
  screen.add(c, value(X, L, c));
  let lip = 0;
  for (let i = 0; i < n; i++) lip += L.data[i] * scale[i];
  for (const t of [1e-6, 1e-4, 3e-3]) {
    const u = Float64Array.from(c, (x, k) => x + t * e[k]);
    const hu = value(X, L, u);
    assert.equal(screen.covers(u, hu * (1 - 1e-9)), false, `t = ${t}: covered although |h(u)| exceeds the best value`);
    const d = Math.hypot(u[0] - c[0], u[1] - c[1], u[2] - c[2]);
    assert.equal(screen.covers(u, value(X, L, c) + 2 * lip * d), true, `t = ${t}: not covered with twice the Lipschitz room`);
  }
});

test('the rank-3 sweep with the screen finds the maximum of brute-force evaluation over its own candidates', () => {
  // the sweep's value is attained (|h(u)| at its direction) and no sampled direction beats it
  for (let seed = 1; seed <= 3; seed++) {
    const r = rng(9200 + seed);
    const n = 300;
    const X = mat(n, 3, () => gauss(r));
    const L = mat(n, 1, () => gauss(r));
    const res = exactScalar(X.data, n, 3, L.data, { budget: Infinity });
    assert.ok(Math.abs(value(X, L, res.u) - res.value) <= 1e-9 * res.value, `seed ${seed}: value not attained`);
    for (let k = 0; k < 3000; k++) {
      const u = [gauss(r), gauss(r), gauss(r)];
      const s = Math.hypot(u[0], u[1], u[2]);
      assert.ok(
        value(
          X,
          L,
          u.map((x) => x / s),
        ) <=
          res.value * (1 + 1e-9),
        `seed ${seed}: a sampled direction beats the sweep`,
      );
    }
  }
});
