/**
 * Deterministic stand-in for "fast" / "does not allocate what a size field claims": while `f` runs,
 * every typed array and ArrayBuffer constructed through the globals (new Float64Array(n),
 * Float64Array.from(…), new ArrayBuffer(n), …) has its element count recorded. A reader that sizes
 * a buffer from a corrupted dims field shows up as a huge count, whatever the machine's speed.
 * Node's own internals (Buffer, fs) use their captured primordials and are not counted.
 */
const CTORS = [
  'Float64Array',
  'Float32Array',
  'Int8Array',
  'Uint8Array',
  'Uint8ClampedArray',
  'Int16Array',
  'Uint16Array',
  'Int32Array',
  'Uint32Array',
  'BigInt64Array',
  'BigUint64Array',
  'ArrayBuffer',
] as const;

export interface AllocStats {
  /** largest single allocation, in elements (bytes for ArrayBuffer) */
  largest: number;
  /** which constructor made it */
  largestKind: string;
  /** sum over all recorded allocations, in elements */
  total: number;
}

const AB = ArrayBuffer;
const SAB = typeof SharedArrayBuffer === 'undefined' ? undefined : SharedArrayBuffer;

/** Elements a constructor call allocates: 0 for a view on an existing buffer (shared memory). */
function lengthOf(args: unknown[]): number {
  const a = args[0];
  if (a instanceof AB || (SAB && a instanceof SAB)) return 0;
  if (typeof a === 'number') return a;
  if (a && typeof a === 'object' && 'length' in a && typeof (a as { length: unknown }).length === 'number') return (a as { length: number }).length;
  return 0;
}

export interface AllocSpy {
  /** runs f, recording what it allocates; returns its value or what it threw, and the stats */
  run<T>(f: () => T): { value?: T; error?: unknown; stats: AllocStats };
  /** puts the original constructors back */
  close(): void;
}

/**
 * Wraps the constructors once (a loop of many runs pays for one global swap, not one per run);
 * only allocations inside run() are recorded.
 */
export function allocSpy(): AllocSpy {
  const g = globalThis as unknown as Record<string, unknown>;
  const saved = CTORS.map((name) => [name, g[name]] as const);
  let stats: AllocStats | null = null;
  type Ctor = new (...a: unknown[]) => object;
  for (const [name, C] of saved) {
    const proxy: Ctor = new Proxy(C as Ctor, {
      construct(target, args, newTarget) {
        if (stats) {
          const n = lengthOf(args);
          stats.total += n;
          if (n > stats.largest) {
            stats.largest = n;
            stats.largestKind = name;
          }
        }
        // new.target = the real constructor: objects made with a Proxy as new.target get their own
        // hidden class and every later element access is several times slower
        return Reflect.construct(target, args, newTarget === proxy ? target : newTarget);
      },
    });
    g[name] = proxy;
  }
  return {
    run<T>(f: () => T) {
      const st: AllocStats = { largest: 0, largestKind: '', total: 0 };
      stats = st;
      try {
        return { value: f(), stats: st };
      } catch (error) {
        return { error, stats: st };
      } finally {
        stats = null;
      }
    },
    close() {
      for (const [name, C] of saved) g[name] = C;
    },
  };
}

/** One run of f with the constructors wrapped: its value or what it threw, and the allocation stats. */
export function withAllocSpy<T>(f: () => T): { value?: T; error?: unknown; stats: AllocStats } {
  const spy = allocSpy();
  try {
    return spy.run(f);
  } finally {
    spy.close();
  }
}
