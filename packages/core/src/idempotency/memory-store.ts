import { log, type WebhookLogger } from '../observe/logger.js';
import { createLoggerSlot } from '../store-kit/client-errors.js';
import type { Claim, IdempotencyStore } from './store.js';
import { createMemoryWatermarks } from './watermarks.js';

/**
 * Options for {@link createMemoryStore}.
 *
 * @example
 * ```ts
 * const options: MemoryStoreOptions = { maxEntries: 500_000 };
 * ```
 */
export interface MemoryStoreOptions {
  /**
   * Most completed keys kept (default 100,000, about 16 MB). Expired keys always go first; only
   * when every key is still inside its retention does the one closest to its end make room, and a
   * warning is logged once: a replay of that delivery would then run again, so size this for your
   * volume over the replay window, or use the Redis or PostgreSQL store. The freshness
   * watermarks (the receiver's `freshness` option) are bounded by the same number, separately.
   */
  maxEntries?: number;
  /** A monotonic clock in milliseconds, for tests. Default `performance.now`. */
  now?: () => number;
  /** Where the capacity warning goes. Default: the logger of the receiver that uses the store. */
  logger?: WebhookLogger;
}

/**
 * An {@link IdempotencyStore} with a `size` for metrics and tests.
 *
 * @example
 * ```ts
 * const store: MemoryStore = createMemoryStore();
 * store.size; // 0
 * ```
 */
export interface MemoryStore extends IdempotencyStore {
  /** Keys held: completed plus in flight. */
  readonly size: number;
  /** Freshness watermarks held (the `freshness` option), bounded by `maxEntries` too. */
  readonly watermarks: number;
  /** Drops every key. */
  clear(): void;
}

/**
 * The default idempotency store: one process, bounded by an entry cap and by expiry, with no
 * timers (expired keys are dropped as new ones complete). Its methods answer synchronously, so
 * claims are atomic within the process. Times are kept on the monotonic clock: a step of the wall
 * clock neither expires keys early nor keeps them too long. For several processes use the Redis
 * or PostgreSQL store.
 *
 * @example
 * ```ts
 * import { createMemoryStore, createWebhookReceiver } from '@armalo-webhooks/core';
 * const webhooks = createWebhookReceiver({
 *   secret: process.env.ARMALO_WEBHOOK_SECRET!,
 *   idempotency: { store: createMemoryStore({ maxEntries: 1_000_000 }) },
 * });
 * ```
 */
export function createMemoryStore(options: MemoryStoreOptions = {}): MemoryStore {
  const maxEntries = options.maxEntries ?? 100_000;
  if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError('maxEntries must be a positive integer');
  const now = options.now ?? (() => performance.now());
  const logger = createLoggerSlot(options.logger);
  // Completed keys map to their expiry in whole seconds since `epoch`: a small integer is stored
  // inline by V8, where a millisecond float would cost a heap number per key. An expiry rounds up
  // and the current time rounds down, so a key is kept at least its full retention.
  const epoch = now();
  const expirySeconds = (ms: number) => Math.ceil((ms - epoch) / 1000);
  const elapsedSeconds = (ms: number) => Math.floor((ms - epoch) / 1000);
  const done = new Map<string, number>();
  const expiries = createExpiryHeap();
  const leases = new Map<string, { token: string; expiresAt: number }>();
  let sequence = 0;
  let warned = false;

  // `at` is the freshness capability's clock reading, so that a guarded step reads the clock once;
  // plain calls (two arguments) read it here, with no wrapper in their way.
  function claim(key: string, leaseMs: number, at = now()): Claim {
    const expiry = done.get(key);
    if (expiry !== undefined) {
      if (expiry > elapsedSeconds(at)) return { status: 'duplicate' };
      done.delete(key);
    }
    const lease = leases.get(key);
    if (lease !== undefined && lease.expiresAt > at) return { status: 'in-flight', retryAfterMs: lease.expiresAt - at };
    const token = `${++sequence}`;
    leases.set(key, { token, expiresAt: at + leaseMs });
    return { status: 'claimed', token };
  }

  function complete(key: string, token: string, retainMs: number, at = now()): void {
    const lease = leases.get(key);
    if (lease === undefined || lease.token !== token) return;
    leases.delete(key);
    const nowSec = elapsedSeconds(at);
    // Expired keys first, whatever order they were completed in (retention is per delivery).
    while (expiries.peekExpiry() <= nowSec) dropOldest();
    if (done.size >= maxEntries) {
      dropOldest();
      if (!warned) {
        warned = true;
        log(
          logger.get(),
          'warn',
          `the memory idempotency store is full (${maxEntries} keys inside their retention); keys closest to the end of their retention are dropped early. Raise maxEntries or use the Redis or PostgreSQL store.`,
        );
      }
    }
    const expiry = expirySeconds(at + retainMs);
    done.set(key, expiry);
    expiries.push(key, expiry);
  }

  /** Drops the key whose retention ends first; heap entries of keys since dropped or renewed are skipped. */
  function dropOldest(): void {
    for (;;) {
      const entry = expiries.pop();
      if (entry === undefined) return;
      if (done.get(entry.key) === entry.expiry) {
        done.delete(entry.key);
        return;
      }
    }
  }

  function release(key: string, token: string): void {
    const lease = leases.get(key);
    if (lease !== undefined && lease.token === token) leases.delete(key);
  }

  let warnedWatermarks = false;
  const freshness = createMemoryWatermarks(
    { claim, complete, release },
    {
      maxEntries,
      now,
      onFull() {
        if (warnedWatermarks) return;
        warnedWatermarks = true;
        log(
          logger.get(),
          'warn',
          `the memory idempotency store holds ${maxEntries} freshness watermarks; the key advanced longest ago is forgotten, so an older delivery of it would run. Raise maxEntries or use the Redis or PostgreSQL store.`,
        );
      },
    },
  );

  return {
    get size() {
      return done.size + leases.size;
    },
    get watermarks() {
      return freshness.size;
    },
    clear() {
      done.clear();
      leases.clear();
      expiries.clear();
      freshness.clear();
    },
    claim,
    complete,
    release,
    freshness,
    useLogger: logger.adopt,
  };
}

/** A binary min-heap of (expiry, key), in two parallel arrays to keep a key's cost small. */
function createExpiryHeap() {
  let keys: string[] = [];
  let times: number[] = [];

  function swap(a: number, b: number): void {
    const key = keys[a] as string;
    keys[a] = keys[b] as string;
    keys[b] = key;
    const time = times[a] as number;
    times[a] = times[b] as number;
    times[b] = time;
  }

  return {
    /** The soonest expiry held, or Infinity when empty. */
    peekExpiry(): number {
      return times.length === 0 ? Number.POSITIVE_INFINITY : (times[0] as number);
    },
    push(key: string, expiry: number): void {
      let index = keys.push(key) - 1;
      times.push(expiry);
      while (index > 0) {
        const parent = (index - 1) >> 1;
        if ((times[parent] as number) <= expiry) break;
        swap(index, parent);
        index = parent;
      }
    },
    pop(): { key: string; expiry: number } | undefined {
      if (keys.length === 0) return undefined;
      const top = { key: keys[0] as string, expiry: times[0] as number };
      const lastKey = keys.pop() as string;
      const lastTime = times.pop() as number;
      if (keys.length > 0) {
        keys[0] = lastKey;
        times[0] = lastTime;
        let index = 0;
        for (;;) {
          const left = 2 * index + 1;
          const right = left + 1;
          let smallest = index;
          if (left < keys.length && (times[left] as number) < (times[smallest] as number)) smallest = left;
          if (right < keys.length && (times[right] as number) < (times[smallest] as number)) smallest = right;
          if (smallest === index) break;
          swap(index, smallest);
          index = smallest;
        }
      }
      return top;
    },
    clear(): void {
      keys = [];
      times = [];
    },
  };
}
