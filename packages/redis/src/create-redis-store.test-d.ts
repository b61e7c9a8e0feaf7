import { Cluster, Redis } from 'ioredis';
import { createClient } from 'redis';
import { expectTypeOf, test } from 'vitest';
import { createRedisStore, type RedisClientLike, type RedisStore } from './index.js';

test('accepts ioredis clients and clusters', () => {
  expectTypeOf(createRedisStore({ client: new Redis({ lazyConnect: true }) })).toEqualTypeOf<RedisStore>();
  expectTypeOf(new Cluster([])).toExtend<RedisClientLike>();
});

test('accepts node-redis clients, including ones with modules and RESP3', () => {
  expectTypeOf(createClient()).toExtend<RedisClientLike>();
  expectTypeOf(createClient({ RESP: 3 })).toExtend<RedisClientLike>();
  createRedisStore({ client: createClient(), keyPrefix: 'x:', onClientError: false });
});

test('rejects things that are not Redis clients', () => {
  // @ts-expect-error a plain object has neither `call` nor `sendCommand`
  createRedisStore({ client: {} });
  // @ts-expect-error the prefix is a string
  createRedisStore({ client: new Redis({ lazyConnect: true }), keyPrefix: 1 });
});
