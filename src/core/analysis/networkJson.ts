import { toRows } from '../linalg/mat';
import type { NetworkWeights } from '../problem/network';
import type { NetworkJson } from '../report/analysisJson';

/** A network as plain JSON (row-major arrays; biases null when absent). */
export function networkToJson(net: NetworkWeights): NetworkJson {
  return {
    W1: toRows(net.W1),
    b1: net.b1 ? [...net.b1] : null,
    W2: toRows(net.W2),
    b2: net.b2 ? [...net.b2] : null,
  };
}
