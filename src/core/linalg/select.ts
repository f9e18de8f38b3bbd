/** Order statistics without sorting (the cone projection's hot rows, the geometry's median angle). */

/** The k-th largest of v (1-based; v is reordered), by quickselect: O(length) expected. */
export function kthLargest(v: Float64Array, k: number): number {
  let lo = 0,
    hi = v.length - 1;
  const want = k - 1;
  while (lo < hi) {
    const pivot = v[(lo + hi) >> 1];
    let i = lo,
      j = hi;
    while (i <= j) {
      while (v[i] > pivot) i++;
      while (v[j] < pivot) j--;
      if (i <= j) {
        const t = v[i];
        v[i++] = v[j];
        v[j--] = t;
      }
    }
    if (want <= j) hi = j;
    else if (want >= i) lo = i;
    else break;
  }
  return v[want];
}
