import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cacheKey, stableStringify, LruCache } from '../../src/extension/cache';

const b = (s: string) => new TextEncoder().encode(s);

test('the cache key is SHA-256 over tagged, length-prefixed parts (recomputed independently)', () => {
  const parts = { model: b('MODEL'), data: b('x,y\n1,2\n'), settings: { tol: 1e-4, beta: 0.5 } };
  const h = createHash('sha256');
  h.update('model:5:');
  h.update(b('MODEL'));
  h.update('data:8:');
  h.update(b('x,y\n1,2\n'));
  h.update(`settings:${'{"beta":0.5,"tol":0.0001}'.length}:`);
  h.update(b('{"beta":0.5,"tol":0.0001}'));
  assert.equal(cacheKey(parts), h.digest('hex'));
});

test('settings key order does not matter; any changed byte or setting does', () => {
  const base = { model: b('M'), data: b('D'), settings: { a: 1, b: { c: [1, 2], d: 'x' } } };
  const k = cacheKey(base);
  assert.equal(cacheKey({ ...base, settings: { b: { d: 'x', c: [1, 2] }, a: 1 } }), k);
  assert.equal(cacheKey({ ...base, settings: { ...base.settings, extra: undefined } }), k, 'undefined members are absent');
  const variants = [
    { ...base, model: b('N') },
    { ...base, data: b('E') },
    { ...base, labels: b('L') },
    { ...base, externals: { 'w.bin': b('') } },
    { ...base, settings: { a: 2, b: { c: [1, 2], d: 'x' } } },
    { ...base, settings: { a: 1, b: { c: [2, 1], d: 'x' } } },
    // the same bytes split differently between model and data
    { ...base, model: b('MD'), data: b('') },
  ];
  const keys = new Set([k, ...variants.map(cacheKey)]);
  assert.equal(keys.size, variants.length + 1);
});

test('stableStringify sorts keys at every level and matches JSON otherwise', () => {
  const v = { z: [{ b: 1, a: null }], a: 'q"', n: 1e-7 };
  assert.equal(stableStringify(v), '{"a":"q\\"","n":1e-7,"z":[{"a":null,"b":1}]}');
  assert.deepEqual(JSON.parse(stableStringify(v)), v);
});

test('LRU keeps the most recently used entries', () => {
  const c = new LruCache<number>(2);
  c.set('a', 1);
  c.set('b', 2);
  assert.equal(c.get('a'), 1); // a is now newest
  c.set('c', 3);
  assert.equal(c.get('b'), undefined);
  assert.equal(c.get('a'), 1);
  assert.equal(c.get('c'), 3);
  assert.equal(c.size, 2);
});
