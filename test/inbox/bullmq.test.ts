import { createBullMQInbox } from '@armalo-webhooks/bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
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
