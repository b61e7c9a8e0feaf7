import { randomUUID } from 'node:crypto';
import type {
  Claim,
  FreshnessCapability,
  FreshnessClaim,
  IdempotencyStore,
  WebhookLogger,
} from '@armalo-webhooks/core';
import { createLoggerSlot, listenForErrors } from '@armalo-webhooks/core/store-kit';
import { type RedisClientLike, scriptRunner } from './client.js';
import { CLAIM, COMPLETE, FRESH_CLAIM, FRESH_COMPLETE, FRESH_RELEASE, RELEASE } from './scripts.js';

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
   * Told about every `'error'` the client emits (connection refused, reset, ...). The store always
   * listens, because an emitter with no `'error'` listener crashes the process. Default: a
   * warning through `logger`, at most every 30 s. `false`: do not listen, because you attach
   * your own listener to the client.
   */
  onClientError?: ((error: Error) => void) | false;
  /** Where the store's warnings go. Default: the logger of the receiver that uses the store. */
  logger?: WebhookLogger;
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
  /** The Redis key that holds a delivery key (of a delivery without a freshness key). */
  keyFor(key: string): string;
  /** The freshness guard's capability: the receiver's `freshness` option works with this store. */
  readonly freshness: FreshnessCapability;
}

/**
 * An idempotency store on Redis, safe across any number of processes sharing the server. Works
 * with ioredis and node-redis clients. Each delivery key is one Redis string: the owner token
 * while a lease is held (expiring with the lease), then `done` for the retention window.
 *
 * Claims are one Lua script, so a key is claimed by exactly one caller. `complete` marks the key
 * done when the caller's token holds it or nobody holds it (its lease ran out and nobody claimed
 * since); a newer owner's live lease is left alone. `release` deletes the key only while the
 * caller's token holds it. With the receiver's `freshness` option, a guarded delivery's claim also
 * reads its freshness key's watermark and takes the key's holder lease, and its completion raises
 * the watermark, in the same scripts: no extra round trip. A failing server makes calls reject, and the receiver's
 * `idempotency.timeoutMs` bounds a call to one that does not answer: both answer 503
 * IDEMPOTENCY_STORE_UNAVAILABLE.
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
  const run = scriptRunner(client);
  const logger = createLoggerSlot(options.logger);
  listenForErrors(client, options.onClientError, 'Redis store: client error', logger.get);

  const keyFor = (key: string) => keyPrefix + key;

  return {
    keyFor,
    async claim(key, leaseMs): Promise<Claim> {
      const token = randomUUID();
      const reply = Number(await run(CLAIM, keyFor(key), [token, milliseconds(leaseMs)]));
      if (reply === 0) return { status: 'claimed', token };
      if (reply === -1) return { status: 'duplicate' };
      if (reply > 0) return { status: 'in-flight', retryAfterMs: reply };
      if (reply === -2) return { status: 'in-flight' };
      throw new Error(`armalo-webhooks/redis: unexpected claim reply ${String(reply)}`);
    },
    async complete(key, token, retainMs) {
      const retain = retainMs >= FOREVER_MS ? '' : milliseconds(retainMs);
      await run(COMPLETE, keyFor(key), [token, retain]);
    },
    async release(key, token) {
      await run(RELEASE, keyFor(key), [token]);
    },
    freshness: {
      async claim(key, leaseMs, mark): Promise<FreshnessClaim> {
        const token = randomUUID();
        const reply = await run(FRESH_CLAIM, guardedKeys(key, mark.key), [
          token,
          milliseconds(leaseMs),
          timestamp(mark.timestampMs),
        ]);
        const [code, watermark] = Array.isArray(reply) ? [Number(reply[0]), String(reply[1] ?? '')] : [Number.NaN, ''];
        const watermarkMs = watermark === '' ? undefined : Number(watermark);
        if (code === 0) return { status: 'claimed', token, watermarkMs };
        if (code === -3 && watermarkMs !== undefined) return { status: 'stale', watermarkMs };
        if (code === -1) return { status: 'duplicate' };
        if (code > 0) return { status: 'in-flight', retryAfterMs: code };
        if (code === -2) return { status: 'in-flight' };
        throw new Error(`armalo-webhooks/redis: unexpected freshness claim reply ${JSON.stringify(reply)}`);
      },
      async complete(key, token, retainMs, mark) {
        const retain = retainMs >= FOREVER_MS ? '' : milliseconds(retainMs);
        const reply = await run(FRESH_COMPLETE, guardedKeys(key, mark.key), [
          token,
          retain,
          timestamp(mark.timestampMs),
        ]);
        return Number(reply) === 1;
      },
      async release(key, token, mark) {
        const [delivery, , holder] = guardedKeys(key, mark.key);
        await run(FRESH_RELEASE, [delivery, holder], [token]);
      },
    },
    useLogger: logger.adopt,
  };

  /**
   * A guarded delivery's keys: the delivery, its freshness key's watermark and holder. All three
   * carry the freshness key as a hash tag, so a Redis Cluster keeps them in one slot (a script may
   * only touch one); the delivery key is then not `keyFor(key)`.
   */
  function guardedKeys(key: string, freshnessKey: string): [string, string, string] {
    const tag = `{${freshnessKey}}`;
    return [`${keyPrefix}${tag}${key}`, `${keyPrefix}freshness:${tag}`, `${keyPrefix}freshness-holder:${tag}`];
  }
}

/** A timestamp in whole milliseconds, as the scripts compare them. */
function timestamp(ms: number): string {
  if (!Number.isFinite(ms)) throw new RangeError(`armalo-webhooks/redis: invalid timestamp ${ms}`);
  return String(Math.floor(ms));
}

/** Whole milliseconds, at least 1 (PX rejects 0 and fractions). */
function milliseconds(ms: number): string {
  if (typeof ms !== 'number' || Number.isNaN(ms)) throw new RangeError(`armalo-webhooks/redis: invalid duration ${ms}`);
  return String(Math.max(1, Math.ceil(Math.min(ms, FOREVER_MS))));
}
