import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDataset } from '../../src/core/data/index';

/**
 * 10^5 rows × 10 columns: every cell parses to the number its text denotes (Number(text), exactly),
 * on a file of the size users load. No time is asserted (it depends on the machine); the CPU time
 * is printed as a diagnostic, and speed is a benchmark's business.
 */
function csv(format: (x: number) => string): { bytes: Uint8Array; want: Float64Array } {
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
  const lines = ['x1,x2,x3,x4,x5,x6,x7,x8,x9,y'];
  const want = new Float64Array(1e5 * 10);
  for (let i = 0; i < 1e5; i++) {
    const r: string[] = [];
    for (let j = 0; j < 10; j++) {
      const text = format(rnd() * 10 ** (j - 3));
      want[i * 10 + j] = Number(text);
      r.push(text);
    }
    lines.push(r.join(','));
  }
  return { bytes: new TextEncoder().encode(lines.join('\n') + '\n'), want };
}

for (const [name, format] of [
  ['shortest round-trip (pandas)', (x: number) => String(x)],
  ['6 decimals', (x: number) => x.toFixed(6)],
] as const) {
  test(`CSV 10^5 × 10, ${name}`, (t) => {
    const { bytes, want } = csv(format);
    const c0 = process.cpuUsage();
    const d = parseDataset(bytes, { file: 'big.csv' });
    const c = process.cpuUsage(c0);
    t.diagnostic(`${(bytes.length / 1e6).toFixed(1)} MB: ${((c.user + c.system) / 1000).toFixed(0)} ms CPU (printed, not asserted)`);
    assert.equal(d.n, 1e5);
    assert.equal(d.d, 9);
    assert.equal(d.Y.cols, 1);
    let bad = 0,
      first = '';
    for (let i = 0; i < 1e5; i++)
      for (let j = 0; j < 10; j++) {
        const got = j < 9 ? d.X.data[i * 9 + j] : d.Y.data[i];
        if (!Object.is(got, want[i * 10 + j]) && bad++ === 0) first = `row ${i + 1}, column ${j + 1}: ${got} ≠ ${want[i * 10 + j]}`;
      }
    assert.equal(bad, 0, `${bad} cells differ from Number(text); first: ${first}`);
  });
}
