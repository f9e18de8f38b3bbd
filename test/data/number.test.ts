import assert from 'node:assert/strict';
import { test } from 'node:test';
import { looksNumeric, NumberScanner, NumStatus } from '../../src/core/data/number';

const num = new NumberScanner();
const scan = (s: string) => {
  const v = num.scan(s, 0, s.length);
  return { v, st: num.status };
};

test('accepts the decimal forms CSV writers produce', () => {
  const cases: [string, number][] = [
    ['0', 0],
    ['-0', -0],
    ['1', 1],
    ['-2.5', -2.5],
    ['+7E+02', 700],
    ['.5', 0.5],
    ['3.', 3],
    ['1e-3', 0.001],
    ['  42 ', 42],
    ['\t-1.25\t', -1.25],
    ['1.000000000000000000e+00', 1],
    ['5e-324', 5e-324],
    ['1e-400', 0],
    ['123456789012345678901234567890', 1.2345678901234568e29],
    ['0.1', 0.1],
    ['9007199254740993', 9007199254740992],
  ];
  for (const [s, want] of cases) {
    const { v, st } = scan(s);
    assert.equal(st, NumStatus.Ok, s);
    assert.ok(Object.is(v, want), `${s} → ${v}, want ${want}`);
  }
});

test('rejects what Number() would wrongly accept', () => {
  for (const s of ['0x10', '1_000', '1,5', 'abc', '1e', '1e+', '--1', '1.2.3', '+', '.', '-.', '1 2', '١']) {
    assert.equal(scan(s).st, NumStatus.Invalid, s);
  }
  assert.equal(scan('').st, NumStatus.Empty);
  assert.equal(scan('   ').st, NumStatus.Empty);
});

test('names NaN, infinities and overflow', () => {
  for (const s of ['NaN', 'nan', '-nan', 'NAN']) assert.equal(scan(s).st, NumStatus.NaN, s);
  for (const s of ['inf', '-Inf', 'Infinity', '+infinity']) assert.equal(scan(s).st, NumStatus.Inf, s);
  assert.equal(scan('1e999').st, NumStatus.Overflow);
  assert.equal(scan('-1e309').st, NumStatus.Overflow);
  assert.equal(looksNumeric('nan'), true);
  assert.equal(looksNumeric('x1'), false);
});

test('the fast path agrees with parseFloat bit for bit (random decimals)', () => {
  let seed = 12345;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let i = 0; i < 200000; i++) {
    const digits = 1 + Math.floor(rnd() * 17);
    let m = '';
    for (let j = 0; j < digits; j++) m += Math.floor(rnd() * 10);
    const point = Math.floor(rnd() * (digits + 1));
    let s = `${m.slice(0, point)}.${m.slice(point)}`;
    if (rnd() < 0.5) s += `e${Math.floor(rnd() * 60) - 30}`;
    if (rnd() < 0.3) s = `-${s}`;
    if (s.replace(/e.*/, '') === '.' || s === '-.') continue;
    const { v, st } = scan(s);
    assert.equal(st, NumStatus.Ok, s);
    assert.ok(Object.is(v, parseFloat(s)), `${s}: ${v} vs ${parseFloat(s)}`);
  }
});
