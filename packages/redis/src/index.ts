export type { IoRedisClientLike, NodeRedisClientLike, RedisClientLike } from './client.js';
export { createRedisStore, type RedisStore, type RedisStoreOptions } from './create-redis-store.js';
