import type { Claim, IdempotencyStore } from './idempotency.js';

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
   * Most completed keys kept (default 100,000, about 15 MB). When full, the oldest completed key
   * is dropped and a warning is logged once: a replay of that delivery inside the window would
   * then run again, so size this for your volume over the replay window, or use Redis/PostgreSQL.
   */
  maxEntries?: number;
  /** Clock, for tests. */
  now?: () => number;
  /** Called once, the first time the cap forces an unexpired key out. Defaults to `console.warn`. */
  onCapacity?: (message: string) => void;
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
  /** Drops every key. */
  clear(): void;
}

interface Lease {
  token: string;
  expiresAt: number;
}

/**
 * The default idempotency store: one process, bounded by an entry cap and by expiry, with no
 * timers (expired keys are swept as new ones complete). Claims are atomic within the process
 * because each operation runs without yielding. For several processes use the Redis or
 * PostgreSQL store.
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
  const now = options.now ?? Date.now;
  const onCapacity = options.onCapacity ?? ((message: string) => console.warn(message));
  // Completed keys map to their expiry in whole seconds since `epoch`: a small integer is stored
  // inline by V8, where a millisecond timestamp would cost a heap number per key.
  const epoch = now();
  const done = new Map<string, number>();
  const leases = new Map<string, Lease>();
  let sequence = 0;
  let warned = false;

  // An expiry rounds up and the current time rounds down, so a key is kept at least its full
  // retention (and at most one second more), never dropped up to a second early.
  const expirySeconds = (ms: number) => Math.ceil((ms - epoch) / 1000);
  const elapsedSeconds = (ms: number) => Math.floor((ms - epoch) / 1000);

  // The oldest completed key is read through one long-lived iterator. A fresh `done.keys()` per
  // call would step again over every deleted slot at the front of the Map's table (V8 compacts it
  // only when it grows), which made each completion cost O(maxEntries) once the store was full:
  // about 1 µs per delivery became 17-138 µs at the default cap. `oldest` is the key the cursor last
  // returned that is still in `done`; every deletion goes through `drop` to keep it right.
  let cursor: Iterator<string> | undefined;
  let oldest: string | undefined;

  function peekOldest(): string | undefined {
    if (oldest === undefined) {
      cursor ??= done.keys();
      const next = cursor.next();
      if (next.done === true) {
        // Exhausted iterators stay exhausted; start a new one for keys added from now on.
        cursor = undefined;
        return undefined;
      }
      oldest = next.value;
    }
    return oldest;
  }

  function drop(key: string): void {
    done.delete(key);
    if (key === oldest) oldest = undefined;
  }

  function sweep(nowSec: number): void {
    // Insertion order is close to expiry order, so the expired keys sit at the front.
    for (let key = peekOldest(); key !== undefined; key = peekOldest()) {
      if ((done.get(key) as number) > nowSec) break;
      drop(key);
    }
  }

  function claim(key: string, leaseMs: number): Claim {
    const at = now();
    const expiry = done.get(key);
    if (expiry !== undefined) {
      if (expiry > elapsedSeconds(at)) return { status: 'duplicate' };
      drop(key);
    }
    const lease = leases.get(key);
    if (lease !== undefined && lease.expiresAt > at) {
      return { status: 'in-flight', retryAfterMs: lease.expiresAt - at };
    }
    const token = `${++sequence}`;
    leases.set(key, { token, expiresAt: at + leaseMs });
    return { status: 'claimed', token };
  }

  function complete(key: string, token: string, retainMs: number): void {
    const lease = leases.get(key);
    if (lease === undefined || lease.token !== token) return;
    leases.delete(key);
    const at = now();
    sweep(elapsedSeconds(at));
    if (done.size >= maxEntries) {
      drop(peekOldest() as string);
      if (!warned) {
        warned = true;
        onCapacity(
          `armalo-webhooks: memory idempotency store is full (${maxEntries} keys); the oldest keys are dropped before their retention ends. Raise maxEntries or use the Redis or PostgreSQL store.`,
        );
      }
    }
    done.set(key, expirySeconds(at + retainMs));
  }

  function release(key: string, token: string): void {
    const lease = leases.get(key);
    if (lease !== undefined && lease.token === token) leases.delete(key);
  }

  const store: MemoryStore = {
    get size() {
      return done.size + leases.size;
    },
    clear() {
      done.clear();
      leases.clear();
      cursor = undefined;
      oldest = undefined;
    },
    async claim(key, leaseMs) {
      return claim(key, leaseMs);
    },
    async complete(key, token, retainMs) {
      complete(key, token, retainMs);
    },
    async release(key, token) {
      release(key, token);
    },
  };
  synchronous.set(store, { claim, complete, release, methods: [store.claim, store.complete, store.release] });
  return store;
}

/** The memory store's operations as plain calls, and the methods they back. */
interface SynchronousOps {
  claim(key: string, leaseMs: number): Claim;
  complete(key: string, token: string, retainMs: number): void;
  release(key: string, token: string): void;
  methods: readonly [IdempotencyStore['claim'], IdempotencyStore['complete'], IdempotencyStore['release']];
}

const synchronous = new WeakMap<IdempotencyStore, SynchronousOps>();

/**
 * The synchronous operations behind a store made by {@link createMemoryStore}, for the receiver:
 * calling them directly skips two promises, a store-timeout race and several microtasks per
 * delivery, with the same effects and answers (the async methods only wrap them). `undefined`
 * for any other store, and for a memory store whose methods were replaced, which must then be
 * called as replaced. Internal: not exported from the package.
 */
export function synchronousOps(store: IdempotencyStore): Omit<SynchronousOps, 'methods'> | undefined {
  const ops = synchronous.get(store);
  if (ops === undefined) return undefined;
  const [claim, complete, release] = ops.methods;
  return store.claim === claim && store.complete === complete && store.release === release ? ops : undefined;
}
