import { createBullMQInbox } from '@armalo-webhooks/bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteRedisKeys, REDIS_URL, randomId, redisAvailable } from '../stores/servers.js';
import { describeInboxContract } from './contract.js';

const available = await redisAvailable();
const prefix = `armalo-test-${randomId()}`;

if (available) {
  let admin: Redis;
  beforeAll(() => {
    admin = new Redis(REDIS_URL);
  });
  afterAll(async () => {
    await deleteRedisKeys(admin, `${prefix}:`);
    admin.disconnect();
  });

  describeInboxContract('createBullMQInbox()', async () => {
    const inbox = createBullMQInbox({
      connection: REDIS_URL,
      prefix,
      queue: `contract-${randomId()}`,
      stalledIntervalMs: 1000,
      onError: false,
    });
    return { inbox, cleanup: () => inbox.close() };
  });
}

describe('createBullMQInbox() and orderBy', () => {
  it('refuses orderBy at creation with a TypeError that says why and points to freshness, never a silent no-op', () => {
    const options = { connection: REDIS_URL, orderBy: () => 'escrow:e1' };
    // A JavaScript caller, or a TypeScript one past the type (`orderBy?: never`).
    const create = () => createBullMQInbox(options as unknown as Parameters<typeof createBullMQInbox>[0]);
    expect(create).toThrow(TypeError);
    expect(create).toThrow(/no per-key groups .*BullMQ Pro.*`freshness` option.*createPgBossInbox/);
  });
});
