/**
 * Deterministic measures of "does not allocate / inflate what a file claims", independent of the
 * machine's speed: counts instead of timings.
 */
import * as fflate from 'fflate';

export interface InflateStats {
  /** bytes fflate's streaming inflater handed out */
  bytes: number;
  /** the largest single output chunk */
  largest: number;
}

/** Counts the output of every fflate Inflate instance pushed to while `f` runs. */
export function countInflated<T>(f: () => T): { value?: T; error?: unknown; stats: InflateStats } {
  type Inst = { ondata: (d: Uint8Array, final: boolean) => void; __counted?: boolean };
  const proto = (fflate.Inflate as unknown as { prototype: { push: (this: Inst, c: Uint8Array, final?: boolean) => void } }).prototype;
  const push = proto.push;
  const stats: InflateStats = { bytes: 0, largest: 0 };
  proto.push = function (this: Inst, chunk: Uint8Array, final?: boolean) {
    if (!this.__counted) {
      const cb = this.ondata;
      this.ondata = (d, fin) => {
        stats.bytes += d.length;
        stats.largest = Math.max(stats.largest, d.length);
        cb.call(this, d, fin);
      };
      this.__counted = true;
    }
    return push.call(this, chunk, final);
  };
  try {
    return { value: f(), stats };
  } catch (error) {
    return { error, stats };
  } finally {
    proto.push = push;
  }
}

const CTORS = ['Float64Array', 'Float32Array', 'Uint8Array', 'Int8Array', 'Uint16Array', 'Int16Array', 'Uint32Array', 'Int32Array', 'ArrayBuffer'] as const;
const BYTES: Record<string, number> = { Float64Array: 8, Float32Array: 4, Uint16Array: 2, Int16Array: 2, Uint32Array: 4, Int32Array: 4 };

/**
 * The largest typed array / ArrayBuffer (in bytes) constructed through the globals while `f`
 * runs (sync or async). Views on existing buffers count 0; node's own Buffer pool is not seen.
 */
export async function largestAllocation<T>(f: () => T | Promise<T>): Promise<{ value?: T; error?: unknown; largest: number }> {
  const g = globalThis as unknown as Record<string, unknown>;
  const saved = CTORS.map((n) => [n, g[n]] as const);
  let largest = 0;
  for (const [name, C] of saved) {
    g[name] = new Proxy(C as object, {
      construct(target, args, newTarget) {
        const a = args[0];
        let n = 0;
        if (typeof a === 'number') n = a;
        else if (a && typeof a === 'object' && !(a instanceof ArrayBuffer) && typeof (a as { length?: unknown }).length === 'number')
          n = (a as { length: number }).length;
        largest = Math.max(largest, n * (BYTES[name] ?? 1));
        return Reflect.construct(target as new (...x: unknown[]) => object, args, newTarget);
      },
    });
  }
  try {
    return { value: await f(), largest };
  } catch (error) {
    return { error, largest };
  } finally {
    for (const [name, C] of saved) g[name] = C;
  }
}
