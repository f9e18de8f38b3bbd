/**
 * Small problems the report and CLI tests build in memory: a 100-point regression in the plane
 * (y = sin 2x₁ + x₂²/2, Gaussian inputs) with an untrained width-20 network, seeded, written as
 * float32 ONNX by the project's writer (its reading back is tested in test/onnx).
 */
import { writeTwoLayerOnnx } from '../../src/core/onnx/write';
import { gaussian, makeRng } from '../../src/core/random';
import { fromRows } from '../../src/core/linalg/mat';

export function regression100(seed = 5): { onnx: Uint8Array; csv: string; beta: number } {
  const rng = makeRng(seed);
  const n = 100,
    m = 20;
  const rows = ['x1,x2,y'];
  for (let i = 0; i < n; i++) {
    const a = gaussian(rng),
      b = gaussian(rng);
    rows.push(`${a},${b},${Math.sin(2 * a) + 0.5 * b * b}`);
  }
  const W1 = fromRows(Array.from({ length: m }, () => [gaussian(rng), gaussian(rng)]));
  const W2 = fromRows([Array.from({ length: m }, () => 0.3 * gaussian(rng))]);
  const b1 = Array.from({ length: m }, () => 0.5 * gaussian(rng));
  return { onnx: writeTwoLayerOnnx({ W1, b1, W2, b2: [0.1] }, { dtype: 'float32' }), csv: rows.join('\n') + '\n', beta: 0.05 };
}
