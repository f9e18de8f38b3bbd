/**
 * A max-heap on plain arrays, keyed by `bound`: the branch and bounds over output and neuron spheres
 * (oracle/vector.ts, oracle/ownSphere.ts) always split the cell with the largest upper bound, and
 * read the array as it is for the final maximum.
 */
export function heapPush<T extends { bound: number }>(heap: T[], cell: T): void {
  heap.push(cell);
  let i = heap.length - 1;
  while (i > 0) {
    const p = (i - 1) >> 1;
    if (heap[p].bound >= heap[i].bound) break;
    [heap[p], heap[i]] = [heap[i], heap[p]];
    i = p;
  }
}

export function heapPop<T extends { bound: number }>(heap: T[]): T {
  const top = heap[0];
  const last = heap.pop()!;
  if (heap.length) {
    heap[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1,
        r = l + 1;
      let m = i;
      if (l < heap.length && heap[l].bound > heap[m].bound) m = l;
      if (r < heap.length && heap[r].bound > heap[m].bound) m = r;
      if (m === i) break;
      [heap[m], heap[i]] = [heap[i], heap[m]];
      i = m;
    }
  }
  return top;
}
