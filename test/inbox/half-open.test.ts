import { createBullMQInbox } from '@armalo-webhooks/bullmq';
import { createWebhookReceiver, type Inbox, type WebhookReceiver } from '@armalo-webhooks/core';
import { createSignedDelivery } from '@armalo-webhooks/core/testing';
import { createPgBossInbox } from '@armalo-webhooks/pg-boss';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { type StallProxy, startStallProxy } from '../robustness/services.js';
import {
  DATABASE_URL,
  deleteRedisKeys,
  postgresAvailable,
  REDIS_URL,
  randomId,
  redisAvailable,
  sleep,
} from '../stores/servers.js';

// A failover, or a load balancer or NAT that dropped its state, leaves the web side's connections
// open and silent: nothing comes back, no RST. The inbox must heal without a restart, as a new
// inbox on the same path would at once. The proxy silences the connections open at that moment
// and forwards new ones.

const SECRET = 'whsec_half_open';
const HEAL_DEADLINE_MS = 45_000;
const postgresUp = await postgresAvailable();
const redisUp = await redisAvailable();
const quiet = { warn() {}, error() {} };

function send(webhooks: WebhookReceiver, n: number) {
  const signed = createSignedDelivery('eval.failed', { n, run: randomId() }, { secret: SECRET });
  return webhooks.receive({ rawBody: signed.body, headers: signed.headers, method: 'POST' });
}

/**
 * Sends until three deliveries in a row are stored. Answers how long that took, and every
 * delivery acknowledged on the way (all must be in the engine afterwards).
 */
async function healsWithin(webhooks: WebhookReceiver, deadlineMs: number) {
  const started = Date.now();
  const acknowledged: string[] = [];
  let inARow = 0;
  let unavailable = 0;
  for (let n = 0; Date.now() - started < deadlineMs; n++) {
    const answer = await send(webhooks, n);
    if (answer.status === 200) {
      expect(answer.body).toEqual({ ok: true, queued: true });
      acknowledged.push(answer.meta.idempotencyKey as string);
      if (++inARow === 3) return { healedAfterMs: Date.now() - started, acknowledged, unavailable };
    } else {
      expect(answer.status).toBe(503);
      unavailable++;
      inARow = 0;
      await sleep(100);
    }
  }
  throw new Error(`still answering 503 after ${deadlineMs} ms (${unavailable} times): the connections never healed`);
}

async function proveHealing(
  proxy: StallProxy,
  open: () => Inbox,
  admin: () => Inbox,
): Promise<{ healedAfterMs: number; unavailable: number }> {
  const inbox = open();
  const webhooks = createWebhookReceiver({ secret: SECRET, inbox: { engine: inbox, timeoutMs: 1_000 }, logger: quiet });
  try {
    // Warm: every connection the web side holds goes through the proxy.
    await Promise.all(Array.from({ length: 8 }, (_, n) => send(webhooks, -n)));
    const before = proxy.accepted;
    proxy.silenceExisting();
    const healed = await healsWithin(webhooks, HEAL_DEADLINE_MS);
    expect(proxy.accepted).toBeGreaterThan(before);
    const check = admin();
    try {
      for (const id of healed.acknowledged) expect((await check.get(id))?.deliveryId).toBe(id);
    } finally {
      await check.close();
    }
    return healed;
  } finally {
    await inbox.close();
  }
}

describe.runIf(postgresUp)('pg-boss web side with half-open PostgreSQL connections', () => {
  const schema = `inbox_half_open_${randomId()}`;
  let proxy: StallProxy | undefined;

  afterAll(async () => {
    await proxy?.close();
    const admin = new pg.Client({ connectionString: DATABASE_URL });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  });

  it('heals without a restart: a statement that gets no answer in the receiver’s time drops its connection', async () => {
    const target = new URL(DATABASE_URL);
    proxy = await startStallProxy(target.hostname, Number(target.port || 5432));
    const proxied = new URL(DATABASE_URL);
    proxied.host = `127.0.0.1:${proxy.port}`;
    const queue = `half-open-${randomId()}`;
    const healed = await proveHealing(
      proxy,
      () => createPgBossInbox({ connectionString: proxied.toString(), max: 4 }, { schema, queue, onError: () => {} }),
      () => createPgBossInbox({ connectionString: DATABASE_URL, max: 1 }, { schema, queue, onError: false }),
    );
    console.log(
      `pg-boss: healed ${healed.healedAfterMs} ms after the silence, ${healed.unavailable} answers 503 meanwhile`,
    );
  }, 90_000);
});

describe.runIf(redisUp)('BullMQ web side with a half-open Redis connection', () => {
  const prefix = `armalo-half-open-${randomId()}`;
  let proxy: StallProxy | undefined;

  afterAll(async () => {
    await proxy?.close();
    const redis = new Redis(REDIS_URL);
    await deleteRedisKeys(redis, `${prefix}:`);
    redis.disconnect();
  });

  it('heals without a restart: a connection silent past the command timeout is dropped and made again', async () => {
    const target = new URL(REDIS_URL);
    proxy = await startStallProxy(target.hostname, Number(target.port || 6379));
    const proxied = new URL(REDIS_URL);
    proxied.host = `127.0.0.1:${proxy.port}`;
    const queue = `half-open-${randomId()}`;
    const options = { prefix, queue, commandTimeoutMs: 500, onError: () => {} };
    const healed = await proveHealing(
      proxy,
      () => createBullMQInbox({ ...options, connection: proxied.toString() }),
      () => createBullMQInbox({ ...options, connection: REDIS_URL }),
    );
    console.log(
      `BullMQ: healed ${healed.healedAfterMs} ms after the silence, ${healed.unavailable} answers 503 meanwhile`,
    );
  }, 90_000);
});
