// Issue #18 item 3: a plot's legend says how many neurons it draws one by one — the k heaviest by
// ‖ũ_j‖‖v_j‖, plus the selected neuron when it is not among them (then it is drawn as a 13th, and
// "13 heaviest" would be false). The ranking is recomputed here from the weights.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { drawnNeuronsWords, rankNeurons, TOP_K_NEURONS } from '../../webview/contribution';
import type { NetworkJson } from '../../src/core/report/analysisJson';

// 20 neurons, neuron j with ‖u_j‖ = 1 and v_j = j + 1: contribution grows with j
const m = 20;
const net = {
  W1: Array.from({ length: m }, () => [1, 0]),
  b1: null,
  W2: [Array.from({ length: m }, (_, j) => j + 1)],
  b2: [0],
} as unknown as NetworkJson;
const live = Array.from({ length: m }, (_, j) => j);
const heaviest = live.slice(m - TOP_K_NEURONS).reverse();

test('legend: the k heaviest, and the selected one when it is drawn besides them', () => {
  const none = rankNeurons(net, live, TOP_K_NEURONS, null);
  assert.deepEqual(none.top, heaviest);
  assert.equal(drawnNeuronsWords(none.top, TOP_K_NEURONS), `the ${TOP_K_NEURONS} heaviest neurons`);
  // a selected neuron among the heaviest adds no arrow
  const inside = rankNeurons(net, live, TOP_K_NEURONS, heaviest[3]);
  assert.equal(drawnNeuronsWords(inside.top, TOP_K_NEURONS), `the ${TOP_K_NEURONS} heaviest neurons`);
  // the lightest neuron selected: drawn as a 13th, and the legend says so
  const outside = rankNeurons(net, live, TOP_K_NEURONS, 0);
  assert.equal(outside.top.length, TOP_K_NEURONS + 1);
  assert.equal(drawnNeuronsWords(outside.top, TOP_K_NEURONS), `the ${TOP_K_NEURONS} heaviest neurons and the selected one`);
  // fewer live neurons than k: all of them, counted as they are
  const few = rankNeurons(net, [4], TOP_K_NEURONS, null);
  assert.equal(drawnNeuronsWords(few.top, TOP_K_NEURONS), 'the heaviest neuron');
});
