import { randomUUID } from 'node:crypto';
import type { Claim, IdempotencyStore } from '@armalo-webhooks/core';
import { listenForErrors, withTimeout } from '@armalo-webhooks/core/store-kit';
import { type RedisClientLike, scriptRunner } from './client.js';
import { CLAIM, COMPLETE, RELEASE } from './scripts.js';

/** Longer retention than this is kept without expiry (Redis rejects absurd PX values). */
const FOREVER_MS = 100 * 365 * 24 * 60 * 60 * 1000;

/**
 * Options for {@link createRedisStore}.
 *
 * @example
 * ```ts
 * const options: RedisStoreOptions = { client: new Redis(process.env.REDIS_URL!), keyPrefix: 'shop:webhooks:' };
 * ```
 */
export interface RedisStoreOptions {
  /** A connected ioredis (`Redis` or `Cluster`) or node-redis (`createClient()`) client. */
  client: RedisClientLike;
  /** Put before every delivery key (default `'armalo-webhooks:idempotency:'`). */
  keyPrefix?: string;
  /**
   * Longest wait for Redis on any call, in ms (default 2,000). Past it the call rejects, so the
   * receiver answers 503 instead of holding the request while the client waits for a server that
   * is down. `Infinity` leaves it to the client's own timeouts.
   */
  timeoutMs?: number;
  /**
   * Told about every `'error'` the client emits (connection refused, reset, ...). The store always
   * listens, because an emitter with no `'error'` listener crashes the process. Default: a
   * warning on `console.warn`, at most every 30 s. `false`: do not listen, because you attach
   * your own listener to the client.
   */
  onClientError?: ((error: Error) => void) | false;
}

/**
 * An {@link IdempotencyStore} on Redis.
 *
 * @example
 * ```ts
 * const store: RedisStore = createRedisStore({ client });
 * store.keyFor('3f9a…'); // 'armalo-webhooks:idempotency:3f9a…'
 * ```
 */
export interface RedisStore extends IdempotencyStore {
  /** The Redis key that holds a delivery key. */
  keyFor(key: string): string;
}

/**
 * An idempotency store on Redis, safe across any number of processes sharing the server. Works
 * with ioredis and node-redis clients. Each delivery key is one Redis string: the owner token
 * while a lease is held (expiring with the lease), then `done` for the retention window.
 *
 * Claims are one Lua script, so a key is claimed by exactly one caller. `complete` marks the key
 * done when the caller's token holds it or nobody holds it (its lease ran out and nobody claimed
 * since); a newer owner's live lease is left alone. `release` deletes the key only while the
 * caller's token holds it. A failing or unreachable server makes calls reject (within
 * `timeoutMs`), which the receiver answers with 503 IDEMPOTENCY_STORE_UNAVAILABLE.
 *
 * @example
 * ```ts
 * import { createWebhookReceiver } from '@armalo-webhooks/core';
 * import { createRedisStore } from '@armalo-webhooks/redis';
 * import { Redis } from 'ioredis';
 *
 * const client = new Redis(process.env.REDIS_URL!, { maxRetriesPerRequest: 1 });
 * const webhooks = createWebhookReceiver({
 *   secret: process.env.ARMALO_WEBHOOK_SECRET!,
 *   idempotency: { store: createRedisStore({ client }) },
 * });
 * ```
 */
export function createRedisStore(options: RedisStoreOptions): RedisStore {
  const { client } = options;
  if (client === null || typeof client !== 'object') {
    throw new TypeError('armalo-webhooks/redis: `client` must be an ioredis client or a node-redis client');
  }
  const keyPrefix = options.keyPrefix ?? 'armalo-webhooks:idempotency:';
  if (typeof keyPrefix !== 'string') throw new TypeError('armalo-webhooks/redis: `keyPrefix` must be a string');
  const timeoutMs = options.timeoutMs ?? 2_000;
  if (!(timeoutMs > 0)) throw new RangeError('armalo-webhooks/redis: `timeoutMs` must be a positive number');
  const run = scriptRunner(client);
  listenForErrors(client, options.onClientError, 'armalo-webhooks/redis: Redis client error');
  const late = (operation: string) =>
    `armalo-webhooks/redis: ${operation} got no answer from Redis within ${timeoutMs} ms`;

  const keyFor = (key: string) => keyPrefix + key;

  return {
    keyFor,
    async claim(key, leaseMs): Promise<Claim> {
      const token = randomUUID();
      const reply = Number(
        await withTimeout(run(CLAIM, keyFor(key), [token, milliseconds(leaseMs)]), timeoutMs, late('claim')),
      );
      if (reply === 0) return { status: 'claimed', token };
      if (reply === -1) return { status: 'duplicate' };
      if (reply > 0) return { status: 'in-flight', retryAfterMs: reply };
      if (reply === -2) return { status: 'in-flight' };
      throw new Error(`armalo-webhooks/redis: unexpected claim reply ${String(reply)}`);
    },
    async complete(key, token, retainMs) {
      const retain = retainMs >= FOREVER_MS ? '' : milliseconds(retainMs);
      await withTimeout(run(COMPLETE, keyFor(key), [token, retain]), timeoutMs, late('complete'));
    },
    async release(key, token) {
      await withTimeout(run(RELEASE, keyFor(key), [token]), timeoutMs, late('release'));
    },
  };
}

/** Whole milliseconds, at least 1 (PX rejects 0 and fractions). */
function milliseconds(ms: number): string {
  if (typeof ms !== 'number' || Number.isNaN(ms)) throw new RangeError(`armalo-webhooks/redis: invalid duration ${ms}`);
  return String(Math.max(1, Math.ceil(Math.min(ms, FOREVER_MS))));
}
