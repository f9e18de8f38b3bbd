/**
 * Test data for the classification optimum (hinge, logistic, softmax cross-entropy): small
 * deterministic data sets, an iris-like data set (generated, never downloaded), a plain
 * full-batch gradient-descent trainer (so the model is a trained network, not the optimum) and a
 * writer for the files `relu-lens optimize` reads (float64 ONNX + CSV). Independent of src/core
 * except for the ONNX writer.
 */
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { writeTwoLayerOnnx } from '../../src/core/onnx/write';

export type Loss = 'hinge' | 'logistic' | 'cross-entropy';

export interface Net {
  W1: number[][]; // m×d
  b1: number[]; // m
  W2: number[][]; // c×m
  b2: number[]; // c
}

export interface Problem {
  X: number[][];
  /** class index (cross-entropy, 0..c−1) or 0/1 (hinge, logistic) */
  y: number[];
  c: number;
}

/** Park–Miller style LCG in [0, 1) and a Box–Muller normal (deterministic across platforms). */
export function rng(seed: number): { u: () => number; g: () => number } {
  let s = seed >>> 0 || 1;
  const u = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 0.5) / 2 ** 32;
  };
  const g = () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  return { u, g };
}

/** n points in [−1, 1]^d with labels from a fixed nonlinear rule (binary), or c classes by angle. */
export function smallProblem(n: number, d: number, c: number, seed: number): Problem {
  const r = rng(seed);
  const X: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = Array.from({ length: d }, () => 2 * r.u() - 1);
    X.push(x);
    if (c <= 2) y.push(x[0] * x[0] + (d > 1 ? x[1] : 0) - 0.3 + 0.3 * (r.u() - 0.5) > 0 ? 1 : 0);
    else {
      const a = Math.atan2(d > 1 ? x[1] : 0.3, x[0]) + Math.PI; // [0, 2π]
      y.push(Math.min(c - 1, Math.floor((a / (2 * Math.PI)) * c)));
    }
  }
  if (c > 2) for (let k = 0; k < c; k++) if (!y.includes(k)) y[k] = k; // every class present
  if (c <= 2 && (!y.includes(0) || !y.includes(1))) {
    y[0] = 0;
    y[1] = 1;
  }
  return { X, y, c: c <= 2 ? 1 : c };
}

/**
 * Iris-like data: 50 samples per class from normal distributions with the per-class means and
 * standard deviations of Fisher's iris measurements (sepal length/width, petal length/width, cm),
 * then standardized per feature (as one would before training).
 */
export function irisLike(seed = 7): Problem {
  const means = [
    [5.006, 3.428, 1.462, 0.246],
    [5.936, 2.77, 4.26, 1.326],
    [6.588, 2.974, 5.552, 2.026],
  ];
  const sds = [
    [0.352, 0.379, 0.174, 0.105],
    [0.516, 0.314, 0.47, 0.198],
    [0.636, 0.322, 0.552, 0.275],
  ];
  const r = rng(seed);
  const X: number[][] = [];
  const y: number[] = [];
  for (let k = 0; k < 3; k++)
    for (let i = 0; i < 50; i++) {
      X.push(means[k].map((mu, j) => mu + sds[k][j] * r.g()));
      y.push(k);
    }
  const d = 4,
    n = X.length;
  for (let j = 0; j < d; j++) {
    let m = 0,
      v = 0;
    for (const x of X) m += x[j] / n;
    for (const x of X) v += (x[j] - m) ** 2 / n;
    for (const x of X) x[j] = (x[j] - m) / Math.sqrt(v);
  }
  return { X, y, c: 3 };
}

export function forwardRow(net: Net, x: number[]): number[] {
  const h = net.W1.map((u, j) =>
    Math.max(
      0,
      u.reduce((a, uk, k) => a + uk * x[k], net.b1[j]),
    ),
  );
  return net.W2.map((v, k) => v.reduce((a, vj, j) => a + vj * h[j], net.b2[k]));
}

/** ℓ per sample, written out here (independent of src/core/losses). */
export function sampleLoss(f: number[], y: number, loss: Loss): number {
  if (loss === 'cross-entropy') {
    const mx = Math.max(...f);
    return mx + Math.log(f.reduce((a, v) => a + Math.exp(v - mx), 0)) - f[y];
  }
  const t = (y > 0 ? 1 : -1) * f[0];
  if (loss === 'hinge') return Math.max(0, 1 - t);
  return t > 0 ? Math.log1p(Math.exp(-t)) : -t + Math.log1p(Math.exp(t));
}

/** P(θ) = Σℓ + (β/2)‖θ‖² (both biases decayed), with plain loops. */
export function plainObjective(net: Net, pb: Problem, beta: number, loss: Loss): number {
  let s = 0;
  pb.X.forEach((x, i) => (s += sampleLoss(forwardRow(net, x), pb.y[i], loss)));
  const sq = (a: number[]) => a.reduce((t, v) => t + v * v, 0);
  return s + (beta / 2) * (net.W1.reduce((t, r) => t + sq(r), 0) + sq(net.b1) + net.W2.reduce((t, r) => t + sq(r), 0) + sq(net.b2));
}

/**
 * Full-batch gradient descent with momentum on P(θ) (the hinge's subgradient) from a seeded random
 * initialisation: a trained network, not the optimum.
 */
export function train(pb: Problem, m: number, beta: number, loss: Loss, steps: number, seed: number, lr = 0.02): Net {
  const d = pb.X[0].length,
    c = pb.c;
  const r = rng(seed);
  const net: Net = {
    W1: Array.from({ length: m }, () => Array.from({ length: d }, () => r.g() / Math.sqrt(d))),
    b1: Array.from({ length: m }, () => 0.1 * r.g()),
    W2: Array.from({ length: c }, () => Array.from({ length: m }, () => r.g() / Math.sqrt(m))),
    b2: new Array(c).fill(0),
  };
  const vel = { W1: net.W1.map((u) => u.map(() => 0)), b1: net.b1.map(() => 0), W2: net.W2.map((u) => u.map(() => 0)), b2: net.b2.map(() => 0) };
  const n = pb.X.length;
  for (let it = 0; it < steps; it++) {
    const gW1 = net.W1.map((u) => u.map((v) => beta * v));
    const gb1 = net.b1.map((v) => beta * v);
    const gW2 = net.W2.map((u) => u.map((v) => beta * v));
    const gb2 = net.b2.map((v) => beta * v);
    for (let i = 0; i < n; i++) {
      const x = pb.X[i];
      const z = net.W1.map((u, j) => u.reduce((a, uk, k) => a + uk * x[k], net.b1[j]));
      const h = z.map((v) => Math.max(0, v));
      const f = net.W2.map((v, k) => v.reduce((a, vj, j) => a + vj * h[j], net.b2[k]));
      let g: number[];
      if (loss === 'cross-entropy') {
        const mx = Math.max(...f);
        const e = f.map((v) => Math.exp(v - mx));
        const s = e.reduce((a, v) => a + v, 0);
        g = e.map((v, k) => v / s - (k === pb.y[i] ? 1 : 0));
      } else {
        const yy = pb.y[i] > 0 ? 1 : -1;
        const t = yy * f[0];
        g = [loss === 'hinge' ? (t < 1 ? -yy : 0) : -yy / (1 + Math.exp(t))];
      }
      for (let k = 0; k < c; k++) {
        gb2[k] += g[k];
        for (let j = 0; j < h.length; j++) gW2[k][j] += g[k] * h[j];
      }
      for (let j = 0; j < h.length; j++) {
        if (z[j] <= 0) continue;
        let gh = 0;
        for (let k = 0; k < c; k++) gh += g[k] * net.W2[k][j];
        gb1[j] += gh;
        for (let q = 0; q < d; q++) gW1[j][q] += gh * x[q];
      }
    }
    const step = (p: number[], gp: number[], v: number[]) => {
      for (let q = 0; q < p.length; q++) {
        v[q] = 0.9 * v[q] - (lr / n) * gp[q];
        p[q] += v[q];
      }
    };
    net.W1.forEach((u, j) => step(u, gW1[j], vel.W1[j]));
    step(net.b1, gb1, vel.b1);
    net.W2.forEach((u, k) => step(u, gW2[k], vel.W2[k]));
    step(net.b2, gb2, vel.b2);
  }
  return net;
}

/** model.onnx (float64 weights; Softmax head for cross-entropy, Sigmoid for logistic, none for hinge) and train.csv in dir. */
export function writeCase(dir: string, net: Net, pb: Problem, loss: Loss): { model: string; data: string } {
  const m = net.W1.length,
    d = net.W1[0].length,
    c = net.W2.length;
  const mat = (rows: number, cols: number, a: number[][]) => ({ rows, cols, data: Float64Array.from(a.flat()) });
  const bytes = writeTwoLayerOnnx(
    { W1: mat(m, d, net.W1), b1: net.b1, W2: mat(c, m, net.W2), b2: net.b2 },
    { dtype: 'float64', head: loss === 'cross-entropy' ? 'softmax' : loss === 'logistic' ? 'sigmoid' : 'none' },
  );
  const model = path.join(dir, 'model.onnx');
  const data = path.join(dir, 'train.csv');
  writeFileSync(model, bytes);
  const header = [...Array.from({ length: d }, (_, k) => `x${k + 1}`), 'y'].join(',');
  writeFileSync(data, [header, ...pb.X.map((x, i) => [...x.map((v) => String(v)), String(pb.y[i])].join(','))].join('\n') + '\n');
  return { model, data };
}
