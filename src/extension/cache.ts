import { createHash } from 'node:crypto';

/**
 * Results are cached by what determines them: SHA-256 over the model bytes (and its external-data
 * files), the data bytes (and a separate label file) and the settings, canonicalized so key order
 * does not matter. Each part is length-prefixed so two different splits of the same bytes differ.
 */
export function cacheKey(parts: {
  model: Uint8Array;
  externals?: Record<string, Uint8Array>;
  data: Uint8Array;
  labels?: Uint8Array;
  settings: unknown;
}): string {
  const h = createHash('sha256');
  const add = (tag: string, b: Uint8Array) => {
    h.update(`${tag}:${b.length}:`);
    h.update(b);
  };
  add('model', parts.model);
  for (const k of Object.keys(parts.externals ?? {}).sort()) add(`ext:${k}`, parts.externals![k]);
  add('data', parts.data);
  if (parts.labels) add('labels', parts.labels);
  add('settings', new TextEncoder().encode(stableStringify(parts.settings)));
  return h.digest('hex');
}

/** JSON with object keys sorted at every level; undefined members dropped (as JSON.stringify does). */
export function stableStringify(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? 'null' : stableStringify(x))).join(',')}]`;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${stableStringify(o[k])}`).join(',')}}`;
}

/** A small LRU: a handful of recent analyses (each holds at most a few MB of JSON and plot rows). */
export class LruCache<V> {
  private map = new Map<string, V>();
  constructor(private readonly max = 16) {}
  get(k: string): V | undefined {
    const v = this.map.get(k);
    if (v !== undefined) {
      this.map.delete(k);
      this.map.set(k, v);
    }
    return v;
  }
  set(k: string, v: V): void {
    this.map.delete(k);
    this.map.set(k, v);
    while (this.map.size > this.max) this.map.delete(this.map.keys().next().value as string);
  }
  get size() {
    return this.map.size;
  }
}
