import { createRedisStore, type RedisStore } from '@armalo-webhooks/redis';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeStoreContract } from './contract.js';
import { deleteRedisKeys, REDIS_URL, randomId, redisAvailable } from './servers.js';

const available = await redisAvailable();

describe.runIf(available)('the Redis store on a real server', () => {
  const prefix = `armalo-test:${randomId()}:`;
  const clientErrors: Error[] = [];
  let io: Redis;
  let nodeRedis: ReturnType<typeof createClient>;
  let ioStore: RedisStore;
  let nodeStore: RedisStore;

  beforeAll(async () => {
    io = new Redis(REDIS_URL);
    nodeRedis = createClient({ url: REDIS_URL });
    ioStore = createRedisStore({ client: io, keyPrefix: `${prefix}io:`, onClientError: (e) => clientErrors.push(e) });
    nodeStore = createRedisStore({
      client: nodeRedis,
      keyPrefix: `${prefix}node:`,
      onClientError: (e) => clientErrors.push(e),
    });
    await nodeRedis.connect();
  });

  afterAll(async () => {
    if (io) {
      await deleteRedisKeys(io, prefix);
      expect(await deleteRedisKeys(io, prefix)).toBe(0);
      io.disconnect();
    }
    await nodeRedis?.close();
    expect(clientErrors).toEqual([]);
  });

  describeStoreContract('createRedisStore on ioredis', () => ({ store: ioStore }));
  describeStoreContract('createRedisStore on node-redis', () => ({ store: nodeStore }));

  describe('key layout', () => {
    it('holds the owner token while leased and "done" once completed, each expiring with its lease or retention', async () => {
      const store = createRedisStore({ client: io, keyPrefix: `${prefix}layout:`, onClientError: false });
      const redisKey = store.keyFor('delivery');
      expect(redisKey).toBe(`${prefix}layout:delivery`);

      const claim = await store.claim('delivery', 5_000);
      if (claim.status !== 'claimed') throw new Error(`expected a claim, got ${claim.status}`);
      expect(await io.get(redisKey)).toBe(claim.token);
      expect(await io.pttl(redisKey)).toBeGreaterThan(4_000);
      expect(await io.pttl(redisKey)).toBeLessThanOrEqual(5_000);

      await store.complete('delivery', claim.token, 90_000);
      expect(await io.get(redisKey)).toBe('done');
      expect(await io.pttl(redisKey)).toBeGreaterThan(80_000);
      expect(await io.pttl(redisKey)).toBeLessThanOrEqual(90_000);
      expect(await io.keys(`${prefix}layout:*`)).toEqual([redisKey]);
    });

    it('keeps a guarded delivery, its watermark and its holder under the freshness key as hash tag (one Cluster slot)', async () => {
      const store = createRedisStore({ client: io, keyPrefix: `${prefix}fresh-layout:`, onClientError: false });
      const p = `${prefix}fresh-layout:`;
      const mark = { key: 'scope:agent-score:a1', timestampMs: 1_772_359_560_000 };
      const claim = await store.freshness.claim('scope:delivery', 5_000, mark);
      if (claim.status !== 'claimed') throw new Error(`expected a claim, got ${claim.status}`);
      expect(await io.get(`${p}{scope:agent-score:a1}scope:delivery`)).toBe(claim.token);
      expect(await io.get(`${p}freshness-holder:{scope:agent-score:a1}`)).toBe(claim.token);
      expect(await io.pttl(`${p}freshness-holder:{scope:agent-score:a1}`)).toBeLessThanOrEqual(5_000);

      expect(await store.freshness.complete('scope:delivery', claim.token, 90_000, mark)).toBe(true);
      expect(await io.get(`${p}{scope:agent-score:a1}scope:delivery`)).toBe('done');
      expect(await io.get(`${p}freshness:{scope:agent-score:a1}`)).toBe('1772359560000');
      expect(await io.pttl(`${p}freshness:{scope:agent-score:a1}`)).toBeGreaterThan(80_000);
      expect((await io.keys(`${p}*`)).sort()).toEqual([
        `${p}freshness:{scope:agent-score:a1}`,
        `${p}{scope:agent-score:a1}scope:delivery`,
      ]);
      // Redis Cluster hashes only what is between the first '{' and the next '}': the same for all three.
      const tags = [
        `${p}{scope:agent-score:a1}scope:delivery`,
        `${p}freshness:{scope:agent-score:a1}`,
        `${p}freshness-holder:{scope:agent-score:a1}`,
      ].map((key) => /\{([^}]*)\}/.exec(key)?.[1]);
      expect(new Set(tags)).toEqual(new Set(['scope:agent-score:a1']));
    });

    it('deletes the key on release', async () => {
      const claim = await ioStore.claim('released', 5_000);
      if (claim.status !== 'claimed') throw new Error(`expected a claim, got ${claim.status}`);
      await ioStore.release('released', claim.token);
      expect(await io.exists(ioStore.keyFor('released'))).toBe(0);
    });

    it('keeps a completed key without expiry when retention is longer than a century', async () => {
      const claim = await ioStore.claim('forever', 5_000);
      if (claim.status !== 'claimed') throw new Error(`expected a claim, got ${claim.status}`);
      await ioStore.complete('forever', claim.token, Number.POSITIVE_INFINITY);
      expect(await io.get(ioStore.keyFor('forever'))).toBe('done');
      expect(await io.pttl(ioStore.keyFor('forever'))).toBe(-1);
    });

    it('uses "armalo-webhooks:idempotency:" as the default prefix', () => {
      expect(createRedisStore({ client: io, onClientError: false }).keyFor('k')).toBe('armalo-webhooks:idempotency:k');
    });

    it('lets ioredis and node-redis processes share keys: same layout, same scripts', async () => {
      const shared = `${prefix}shared:`;
      const a = createRedisStore({ client: io, keyPrefix: shared, onClientError: false });
      const b = createRedisStore({ client: nodeRedis, keyPrefix: shared, onClientError: false });
      const claim = await a.claim('k', 60_000);
      if (claim.status !== 'claimed') throw new Error(`expected a claim, got ${claim.status}`);
      expect((await b.claim('k', 60_000)).status).toBe('in-flight');
      await b.complete('k', claim.token, 60_000);
      expect(await a.claim('k', 60_000)).toEqual({ status: 'duplicate' });
    });

    it('answers in-flight, without a retry time, for a key held with no expiry', async () => {
      await io.set(ioStore.keyFor('no-ttl'), 'someone-else');
      expect(await ioStore.claim('no-ttl', 5_000)).toEqual({ status: 'in-flight' });
      await io.set(nodeStore.keyFor('no-ttl'), 'someone-else');
      expect(await nodeStore.claim('no-ttl', 5_000)).toEqual({ status: 'in-flight' });
    });
  });

  it('reloads its scripts after the server lost them (restart, failover, SCRIPT FLUSH)', async () => {
    for (const store of [ioStore, nodeStore]) {
      await io.script('FLUSH');
      const claim = await store.claim('after-flush', 5_000);
      expect(claim.status).toBe('claimed');
      if (claim.status !== 'claimed') return;
      await io.script('FLUSH');
      await store.complete('after-flush', claim.token, 5_000);
      expect(await store.claim('after-flush', 5_000)).toEqual({ status: 'duplicate' });
    }
  });
});
