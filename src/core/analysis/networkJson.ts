import { toRows } from '../linalg/mat';
import type { NetworkWeights } from '../certify/types';
import type { NetworkJson } from './types';

/** A network as plain JSON (row-major arrays; biases null when absent). */
export function networkToJson(net: NetworkWeights): NetworkJson {
  return {
    W1: toRows(net.W1),
    b1: net.b1 ? [...net.b1] : null,
    W2: toRows(net.W2),
    b2: net.b2 ? [...net.b2] : null,
  };
}
